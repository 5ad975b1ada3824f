/** Helpers for tests that talk to the real Kafka cluster started (or found) by the Jest global setup. */
import { randomBytes } from 'node:crypto';
import { brokerList } from '../../shared/kafka/connection';

/** Bootstrap servers for integration tests, from KAFKA_BROKERS (set by test/support/global-setup.ts). */
export function testBrokers(): string[] {
  const brokers = brokerList(process.env.KAFKA_BROKERS);
  if (brokers.length === 0) {
    throw new Error(
      'KAFKA_BROKERS is not set: run integration tests through Jest (`npx jest --selectProjects integration`, ' +
        'whose global setup starts Kafka) or set KAFKA_BROKERS=host:port[,host:port...].',
    );
  }
  return brokers;
}

/**
 * A topic / consumer group / client id no other test or run uses: `<prefix>-<pid>-<time>-<random>`, restricted to
 * the characters Kafka accepts in topic names.
 */
export function uniqueName(prefix: string): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 180);
  return `${safe}-${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
