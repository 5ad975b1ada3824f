/** Every benchmark, in the order a run goes through them. */
import { adapterCost } from './adapter-cost';
import { brokerCeiling } from './broker-ceiling';
import { bundles } from './bundles';
import type { Benchmark } from './common';
import { emulatorThroughput } from './emulator-throughput';
import { keyConcurrency } from './key-concurrency';
import { observabilityCost } from './observability-cost';
import { operationsTools } from './operations';
import { producerThroughput } from './producer';
import { schemaCost } from './schema-cost';
import { tableWrites } from './tables';

export const BENCHMARKS: readonly Benchmark[] = [
  emulatorThroughput,
  keyConcurrency,
  adapterCost,
  observabilityCost,
  schemaCost,
  producerThroughput,
  bundles,
  brokerCeiling,
  tableWrites,
  operationsTools,
];
