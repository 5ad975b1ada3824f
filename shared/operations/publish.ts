/**
 * Publishing typed records from the tools: every record is validated against its topic's schema and keyed as
 * declared before any is sent, so a request with one bad record writes nothing. Sent through the framework's
 * durable sink (acks from every in-sync replica, Java-compatible partitioning), as `ctx.publish` sends.
 */
import { errorMessage, InvalidRecordError } from '../errors';
import { valueFromJson } from '../schemas/json-values';
import { encodeRecord, type OutgoingRecord, type RecordSink } from '../kafka/publish';
import type { OperationsApp } from './app';
import { badRequest, OperationsError, type PublishOutcome, type PublishRecord } from './protocol';

export async function publishRecords(
  app: OperationsApp,
  sink: RecordSink,
  topicName: string,
  records: readonly PublishRecord[],
  maxRecords: number,
): Promise<PublishOutcome> {
  const topic = app.declaration(topicName);
  if (!topic) {
    if (app.topics.some((t) => t.name === topicName))
      throw badRequest(
        `topic ${topicName} has no schema here: only topics of the topic catalog (topics.ts) can be published to, since each record is validated first`,
      );
    throw new OperationsError(
      'not-found',
      `topic ${topicName} is not declared; declared: ${app.topics.map((t) => t.name).join(', ')}`,
    );
  }
  if (records.length > maxRecords)
    throw new OperationsError(
      'too-many',
      `${records.length} records in one publish request; at most ${maxRecords} are accepted: send them in smaller requests`,
    );
  const encoded: OutgoingRecord[] = [];
  for (const [i, r] of records.entries()) {
    try {
      const options = {
        ...(r.key !== undefined && { key: r.key }),
        ...(r.headers && { headers: r.headers }),
      };
      // A registry format's value arrives in its JSON form (Avro bytes as text, Protobuf's JSON mapping).
      const pending = encodeRecord(topic, valueFromJson(topic, r.value), options);
      encoded.push(pending instanceof Promise ? await pending : pending);
    } catch (error) {
      // Whatever the value's format refuses (a field of the wrong type, a missing one) is this record's fault.
      const message =
        error instanceof InvalidRecordError
          ? error.message
          : `cannot publish to topic ${topicName}: ${errorMessage(error)}`;
      throw badRequest(`records[${i}]: ${message}; nothing was published`);
    }
  }
  await sink.send(encoded);
  return { published: encoded.length };
}
