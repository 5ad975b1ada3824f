/**
 * "Ready" means: every node answers a metadata request (kafkajs admin describeCluster) and lists every expected
 * broker. Polls with a deadline; kafkajs logging is off so a starting broker's refusals are not printed.
 */
import { Kafka, logLevel } from 'kafkajs';
import { sleep } from './processes';

export interface NodeAddress {
  node: number;
  address: string;
}

const POLL_MS = 500;

/** Broker ids that the broker at `address` reports, or an error saying why it did not answer. */
export async function describeBrokerIds(address: string, timeoutMs = 3000): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'kafka-local-launcher',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 500);
  });
  try {
    const ask = (async () => {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.map((broker) => broker.nodeId).sort((a, b) => a - b);
    })();
    return await Promise.race([ask, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

export interface WaitOptions {
  /** Nodes that must each answer. */
  ask: readonly NodeAddress[];
  /** Broker ids that must be in each answer (`present`) or absent from it (`absent`). */
  present?: readonly number[];
  absent?: readonly number[];
  timeoutMs: number;
  /** Called every round; throws to abort (e.g. a broker process exited). */
  check?: () => Promise<void>;
  /** Words for the timeout error, e.g. "node 2 to rejoin". */
  what: string;
}

export async function waitForBrokers(options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const present = options.present ?? [];
  const absent = options.absent ?? [];
  for (;;) {
    await options.check?.();
    const answers = await Promise.all(
      options.ask.map(async ({ node, address }) => {
        try {
          const ids = await describeBrokerIds(address, 2000);
          const missing = present.filter((id) => !ids.includes(id));
          const extra = absent.filter((id) => ids.includes(id));
          if (missing.length === 0 && extra.length === 0) return undefined;
          return `node ${node} (${address}) sees brokers [${ids.join(',')}]`;
        } catch (error) {
          return `node ${node} (${address}) does not answer: ${(error as Error).message}`;
        }
      }),
    );
    const problems = answers.filter((answer): answer is string => answer !== undefined);
    if (problems.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${options.timeoutMs / 1000} s waiting for ${options.what}: ${problems.join('; ')}.`,
      );
    }
    await sleep(POLL_MS);
  }
}
