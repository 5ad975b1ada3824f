import type { TypedProducer } from '../producer';

/** What an application's optional `simulate.ts` receives: a typed producer and a signal to stop. */
export interface SimulationContext {
  producer: TypedProducer;
  /** Sends bytes as they are, bypassing validation: for malformed records. */
  sendRaw(topic: string, key: string | null, value: string): Promise<void>;
  brokers: string[];
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Numeric knobs from the command line (`--rate`, `--users`, `--limit`). */
export type SimulationOptions = Partial<Record<'rate' | 'users' | 'limit', number>>;

/** The export an application's `simulate.ts` provides; resolves with the number of records sent. */
export type SimulateFn = (ctx: SimulationContext, options?: SimulationOptions) => Promise<number>;
