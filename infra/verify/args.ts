export interface VerifyArgs {
  /** @default 'KafkaLambda' (the stack `npm run deploy` creates without -c stackName) */
  stack: string;
  /** A record to publish and follow: `--record TOPIC=JSON` (the value must match the topic's schema). */
  record?: { topic: string; value: unknown };
  /** Only the AWS API checks, for a machine without a network path to the brokers. @default false */
  skipKafka: boolean;
  /** How long the test record may take to be handled. @default 300 */
  waitSeconds: number;
}

/** Command-line flags; a bad one is an error naming it. */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  const args: VerifyArgs = { stack: 'KafkaLambda', skipKafka: false, waitSeconds: 300 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--stack') args.stack = value();
    else if (flag === '--skip-kafka') args.skipKafka = true;
    else if (flag === '--wait') {
      const v = value();
      args.waitSeconds = Number(v);
      if (!Number.isInteger(args.waitSeconds) || args.waitSeconds < 1)
        throw new Error(`--wait must be a positive number of seconds, got "${v}"`);
    } else if (flag === '--record') {
      const v = value();
      const at = v.indexOf('=');
      if (at < 1) throw new Error(`--record must be TOPIC=JSON, got "${v}"`);
      try {
        args.record = { topic: v.slice(0, at), value: JSON.parse(v.slice(at + 1)) as unknown };
      } catch (error) {
        throw new Error(`--record ${v.slice(0, at)}: the value is not JSON (${(error as Error).message})`, {
          cause: error,
        });
      }
    } else throw new Error(`unknown flag ${flag} (use --stack, --record, --skip-kafka, --wait)`);
  }
  if (args.skipKafka && args.record) throw new Error('--record needs the Kafka checks: drop --skip-kafka');
  return args;
}
