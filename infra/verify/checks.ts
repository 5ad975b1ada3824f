/**
 * What `npm run verify-deploy` concludes from what AWS and the cluster report: pure functions over SDK response
 * shapes, so they are tested against recorded responses (test/infra/fixtures/aws/) without an account.
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { topicStatuses, type DesiredTopic, type TopicState } from '../../shared/kafka/topic-reconcile';

export interface Finding {
  ok: boolean;
  /** What was checked: a mapping, a topic, the test record. */
  subject: string;
  detail: string;
}

/** The event source mappings of a stack: their physical ids are the mapping UUIDs. */
export function mappingUuidsOf(resources: readonly StackResourceSummary[]): string[] {
  return resources
    .filter((r) => r.ResourceType === 'AWS::Lambda::EventSourceMapping' && r.PhysicalResourceId)
    .map((r) => r.PhysicalResourceId!)
    .sort();
}

/** Lambda's words for a mapping that polled and found nothing yet: healthy, but proves no delivery. */
const IDLE = 'No records processed';

/** A mapping is healthy when Enabled and its last processing result is OK (or it has had nothing to process). */
export function checkMapping(mapping: EventSourceMappingConfiguration): Finding {
  const topic = mapping.Topics?.join(',') ?? '?';
  const group = mapping.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ?? '?';
  const fn = mapping.FunctionArn?.split(':').pop() ?? '?';
  const subject = `mapping ${mapping.UUID} (${fn} <- ${topic}, group ${group})`;
  const result = mapping.LastProcessingResult ?? '(none)';
  if (mapping.State !== 'Enabled')
    return {
      ok: false,
      subject,
      detail: `state ${mapping.State ?? '(none)'}, expected Enabled; last result: ${result}`,
    };
  if (result !== 'OK' && result !== IDLE)
    return { ok: false, subject, detail: `last processing result: ${result}` };
  return {
    ok: true,
    subject,
    detail: result === IDLE ? 'Enabled, no records processed yet' : 'Enabled, last result OK',
  };
}

/** Every declared topic exists with its partitions, replication and configs (the reconciler's status rows). */
export function checkTopics(
  declared: readonly DesiredTopic[],
  actual: ReadonlyMap<string, TopicState>,
): Finding[] {
  return topicStatuses(declared, actual).map((row) => ({
    ok: row.status === 'ok',
    subject: `topic ${row.topic}`,
    detail:
      row.status === 'ok'
        ? 'as declared'
        : `${row.status}${row.reasons.length ? `: ${row.reasons.join('; ')}` : ''}`,
  }));
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * The test record reached the handler when its mapping's consumer group has committed, on every partition, at
 * least the end offset read right after the record was acknowledged: Lambda commits only after the function
 * returned for the batch (or the record was filtered out, which also counts as delivered to the mapping).
 * Returns the partitions still behind, empty when reached.
 */
export function partitionsBehind(
  endAfterPublish: readonly PartitionOffset[],
  committed: readonly PartitionOffset[],
): number[] {
  const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  return endAfterPublish
    .filter((end) => BigInt(end.offset) > 0n && (done.get(end.partition) ?? -1n) < BigInt(end.offset))
    .map((end) => end.partition)
    .sort((a, b) => a - b);
}

export function summary(findings: readonly Finding[]): { ok: boolean; text: string } {
  const lines = findings.map((f) => `${f.ok ? 'ok  ' : 'FAIL'} ${f.subject}: ${f.detail}`);
  const failed = findings.filter((f) => !f.ok).length;
  return {
    ok: failed === 0,
    text: [
      ...lines,
      failed === 0 ? `all ${findings.length} checks passed` : `${failed} of ${findings.length} checks failed`,
    ].join('\n'),
  };
}
