/**
 * A Kafka topic as a handler's on-failure destination, deployed: the mapping points at `kafka://<topic>`, the topic
 * exists before the mapping, and the execution role (which the mapping's pollers use to produce to it) has what
 * Lambda's "Capturing discarded batches" page asks for a Kafka destination, `kafka-cluster:WriteData`, with the
 * actions MSK requires beside it ("Semantics of IAM authorization policy actions": WriteData needs Connect and
 * DescribeTopic) and nothing for S3.
 */
import { join } from 'node:path';
import * as z from 'zod';
import { defineHandler, defineTopic } from '../../shared';
import { manifestOf } from '../../shared/declarations/app';
import { PROJECT_ROOT } from '../../infra/handler-function';
import {
  asList,
  logicalIdOf,
  renderArn,
  resourcesOf,
  statementsOfRole,
  synthesize,
  SYNTH_TIMEOUT_MS,
  topicArn,
  type Synthesized,
} from './support/synth';

const readings = defineTopic({
  name: 'sensor.readings',
  partitions: 3,
  value: z.object({ kind: z.string() }),
  key: null,
});

const reporter = defineHandler({
  name: 'sensor-reporter',
  topics: [readings],
  failureMode: 'report-batch-item-failures',
  retry: { attempts: 'unlimited', maxRecordAgeSeconds: 3600, bisectOnError: true },
  onFailure: { topic: 'sensor.failures' },
  handle() {},
});

let synth: Synthesized;

beforeAll(() => {
  // Templates only (no bundling): any existing module stands in as the entry.
  const entry = join(PROJECT_ROOT, 'test', 'infra', 'fixtures', 'handlers', 'quiet-consumer.ts');
  synth = synthesize(manifestOf([readings], [{ definition: reporter, entry }]), {}, { bundle: false });
}, SYNTH_TIMEOUT_MS);

const handler = () => synth.stack.handlers.get('sensor-reporter')!;
const statements = () => statementsOfRole(synth.json, logicalIdOf(synth.stack, handler().function.role));

describe('a Kafka topic as the on-failure destination', () => {
  test('the mapping sends there, with the controls and the provisioned pollers they need', () => {
    const [mapping] = handler().eventSources.mappings;
    const p = synth.json.Resources[logicalIdOf(synth.stack, mapping!)]!.Properties!;
    expect(p.DestinationConfig).toEqual({ OnFailure: { Destination: 'kafka://sensor.failures' } });
    // Unlimited retries are sent as -1; with a destination AWS applies at most 10.
    expect(p.MaximumRetryAttempts).toBe(-1);
    expect(p.MaximumRecordAgeInSeconds).toBe(3600);
    expect(p.BisectBatchOnFunctionError).toBe(true);
    expect(p.ProvisionedPollerConfig).toEqual({ MinimumPollers: 1, MaximumPollers: 3 });
  });

  test('the topic is created, and the mapping waits for it', () => {
    const [mapping] = handler().eventSources.mappings;
    const id = logicalIdOf(synth.stack, mapping!);
    const [topicId] = resourcesOf(synth.json, 'AWS::MSK::Topic').find(
      ([, t]) => t.TopicName === 'sensor.failures',
    )!;
    expect(synth.json.Resources[id]!.DependsOn).toContain(topicId);
  });

  test('the role may write to it (WriteData, with DescribeTopic on it and Connect on the cluster)', () => {
    const destination = topicArn('sensor.failures');
    const onTopic = statements().filter((s) => asList(s.Resource).map(renderArn).includes(destination));
    const actions = new Set(onTopic.flatMap((s) => asList(s.Action)));
    expect(actions).toEqual(new Set(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']));
    const connect = statements().find((s) => s.Sid === 'KafkaConnect')!;
    expect(asList(connect.Action)).toEqual(
      expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently']),
    );
  });

  test('no bucket and no S3 permission: nothing goes to S3', () => {
    expect(handler().eventSources.onFailureBucket).toBeUndefined();
    expect(
      statements()
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith('s3:')),
    ).toEqual([]);
  });
});
