import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createKafkaSink } from '../shared/kafka/sink';
import { loadModule } from '../shared/declarations/load-module';
import { cliKafkaConfig } from './context';
import { typedProducer } from '../shared/producer';
import type { SimulateFn, SimulationOptions } from '../shared/emulator/simulation';

/** Runs the application's `simulate.ts` against the brokers until the signal or its own limit. */
export async function runSimulation(
  app: string,
  brokers: string[],
  signal: AbortSignal,
  log: (line: string) => void,
  options: SimulationOptions = {},
): Promise<number> {
  const file = join(app, 'simulate.ts');
  if (!existsSync(file)) throw new Error(`${file} does not exist: the application has no load generator`);
  const { simulate } = loadModule<{ simulate: SimulateFn }>(file);
  const sink = createKafkaSink(cliKafkaConfig(brokers, 'kafka-lambda-simulate'));
  try {
    return await simulate(
      {
        producer: typedProducer(sink),
        sendRaw: (topic, key, value) =>
          sink.send([
            { topic, key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers: [] },
          ]),
        brokers,
        signal,
        log,
      },
      options,
    );
  } finally {
    await sink.disconnect();
  }
}
