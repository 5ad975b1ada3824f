import { defineTopic } from '../../shared';
import { BenchValue } from '../records';

/**
 * Each benchmark run names its own topic (BENCH_TOPIC), so runs never share state on one broker. Replication is
 * the default (3, min.insync.replicas 2): the emulator fits it to the cluster, as it does for any application.
 */
export const benchInput = defineTopic({
  name: process.env.BENCH_TOPIC ?? 'bench.input',
  partitions: 12,
  value: BenchValue,
  key: (v) => v.userId,
});
