import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { DesiredTopic, TopicState } from '../../shared/kafka/topic-reconcile';
import { parseVerifyArgs } from '../../infra/verify/args';
import {
  checkMapping,
  checkTopics,
  mappingUuidsOf,
  partitionsBehind,
  summary,
} from '../../infra/verify/checks';

/** SDK responses in the shapes the API returns (test/infra/fixtures/aws/). */
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', 'aws', `${name}.json`), 'utf8')) as T;
const mapping = (name: string) =>
  fixture<EventSourceMappingConfiguration>(`get-event-source-mapping-${name}`);

describe('verify-deploy: mappings', () => {
  test("the stack's mappings are its EventSourceMapping resources that have a UUID", () => {
    const { StackResourceSummaries } = fixture<{ StackResourceSummaries: StackResourceSummary[] }>(
      'list-stack-resources',
    );
    expect(mappingUuidsOf(StackResourceSummaries)).toEqual([
      '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e',
      '6a1f0e3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b',
    ]);
  });

  test('Enabled with OK passes; idle passes saying so; a PROBLEM or another state fails with the reason', () => {
    expect(checkMapping(mapping('ok'))).toEqual({
      ok: true,
      subject:
        'mapping 6a1f0e3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b (KafkaLambda-HandlerserverstatsFunction3c1ad4d5-AbCdEf123456 <- eu1_item_change, group server-stats.eu1_item_change)',
      detail: 'Enabled, last result OK',
    });
    expect(checkMapping(mapping('idle'))).toMatchObject({
      ok: true,
      detail: 'Enabled, no records processed yet',
    });
    expect(checkMapping(mapping('problem'))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^last processing result: PROBLEM: Connection error\. Your VPC must/),
    });
    expect(checkMapping(mapping('disabled'))).toMatchObject({
      ok: false,
      detail: 'state Disabled, expected Enabled; last result: PROBLEM: Cluster failed to authorize Lambda.',
    });
  });
});

describe('verify-deploy: topics and the test record', () => {
  test('topics as declared, missing, or drifted, with the reasons', () => {
    const declared: DesiredTopic[] = [
      { name: 'alerts', partitions: 3, replicationFactor: 3, config: { 'min.insync.replicas': '2' } },
      { name: 'server_stats', partitions: 3, replicationFactor: 3, config: { 'cleanup.policy': 'compact' } },
      { name: 'audit', partitions: 1, replicationFactor: 3, config: {} },
    ];
    const actual = new Map<string, TopicState>([
      ['alerts', { partitions: 3, replicationFactor: 3, config: { 'min.insync.replicas': '2' } }],
      ['server_stats', { partitions: 3, replicationFactor: 3, config: { 'cleanup.policy': 'delete' } }],
    ]);
    const findings = checkTopics(declared, actual);
    expect(findings.map((f) => [f.subject, f.ok])).toEqual([
      ['topic alerts', true],
      ['topic server_stats', false],
      ['topic audit', false],
    ]);
    expect(findings[1]!.detail).toBe(
      'drift: configs differ: cleanup.policy=compact (set on the next align or deploy)',
    );
    expect(findings[2]!.detail).toBe('missing');
  });

  test('the record is handled once the group committed at least the end offsets read after publishing', () => {
    const end = [
      { partition: 0, offset: '10' },
      { partition: 1, offset: '0' },
      { partition: 2, offset: '7' },
    ];
    expect(
      partitionsBehind(end, [
        { partition: 0, offset: '10' },
        { partition: 2, offset: '6' },
      ]),
    ).toEqual([2]);
    // A group that never committed reports -1 (kafkajs): behind wherever the partition has records.
    expect(partitionsBehind(end, [{ partition: 0, offset: '-1' }])).toEqual([0, 2]);
    expect(
      partitionsBehind(end, [
        { partition: 0, offset: '12' },
        { partition: 2, offset: '7' },
      ]),
    ).toEqual([]);
  });

  test('summary: one line per check, failing when any check failed', () => {
    const text = summary([
      { ok: true, subject: 'topic a', detail: 'as declared' },
      { ok: false, subject: 'topic b', detail: 'missing' },
    ]);
    expect(text).toEqual({
      ok: false,
      text: 'ok   topic a: as declared\nFAIL topic b: missing\n1 of 2 checks failed',
    });
  });

  test('flags: defaults, a record, and errors naming the flag', () => {
    expect(parseVerifyArgs([])).toEqual({ stack: 'KafkaLambda', skipKafka: false, waitSeconds: 300 });
    expect(parseVerifyArgs(['--stack', 'Test', '--record', 'alerts={"userId":"u"}', '--wait', '60'])).toEqual(
      {
        stack: 'Test',
        skipKafka: false,
        waitSeconds: 60,
        record: { topic: 'alerts', value: { userId: 'u' } },
      },
    );
    expect(() => parseVerifyArgs(['--record', 'alerts={'])).toThrow(/--record alerts: the value is not JSON/);
    expect(() => parseVerifyArgs(['--wait', '0'])).toThrow(
      '--wait must be a positive number of seconds, got "0"',
    );
    expect(() => parseVerifyArgs(['--skip-kafka', '--record', 'a=1'])).toThrow(/drop --skip-kafka/);
    expect(() => parseVerifyArgs(['--force'])).toThrow('unknown flag --force');
  });
});
