/**
 * The framework's errors: one family, each class with its own `name`, so callers can tell them apart with
 * `instanceof` or by name in a log line, as kafkajs's and Powertools' errors allow.
 */

/** Where a record came from, so every error can name topic, partition and offset. */
export interface RecordLocation {
  topic: string;
  partition: number;
  offset: number;
}

export function describeLocation(at: RecordLocation): string {
  return `topic ${at.topic} partition ${at.partition} offset ${at.offset}`;
}

/** The base of every error the framework throws on purpose. */
export class KafkaLambdaError extends Error {
  override name = 'KafkaLambdaError';
}

/** A declaration that cannot work (bad name, impossible replication, unknown option). Thrown at load time. */
export class DeclarationError extends KafkaLambdaError {
  override name = 'DeclarationError';
  constructor(what: string, message: string) {
    super(`${what}: ${message}`);
  }
}

/**
 * A record that no retry can fix: it goes straight to its dead-letter destination (DESIGN.md, contract 3).
 * `kind` is what the dead-letter header `dlq.error.kind` says.
 */
export class PermanentRecordError extends KafkaLambdaError {
  override name = 'PermanentRecordError';
  constructor(
    readonly kind: 'decode' | 'schema',
    message: string,
    readonly at?: RecordLocation,
  ) {
    super(at ? `${describeLocation(at)}: ${message}` : message);
  }
}

/** The bytes are not the topic's format (not JSON, or not the codec's), or a null value (tombstone). */
export class DecodeError extends PermanentRecordError {
  override name = 'DecodeError';
  constructor(message: string, at?: RecordLocation) {
    super('decode', message, at);
  }
}

/** The decoded value (or key) violates the topic's schema; the message names each field. */
export class SchemaError extends PermanentRecordError {
  override name = 'SchemaError';
  constructor(message: string, at?: RecordLocation) {
    super('schema', message, at);
  }
}

/** A value that does not fit its topic, refused before anything is sent. */
export class InvalidRecordError extends KafkaLambdaError {
  override name = 'InvalidRecordError';
  constructor(
    readonly topic: string,
    message: string,
  ) {
    super(`cannot publish to topic ${topic}: ${message}`);
  }
}

/** Records the brokers did not acknowledge; whether any of them is in the log is unknown. */
export class PublishError extends KafkaLambdaError {
  override name = 'PublishError';
  constructor(
    readonly topics: readonly string[],
    readonly records: number,
    cause: unknown,
  ) {
    super(
      `${records} record(s) to ${topics.join(', ')} not acknowledged (they may or may not be in the log): ${errorMessage(cause)}`,
      { cause },
    );
  }
}

/** A failed record could not be written to its dead-letter topic: the batch must fail rather than lose it. */
export class DeadLetterWriteError extends KafkaLambdaError {
  override name = 'DeadLetterWriteError';
  constructor(
    readonly at: RecordLocation,
    readonly deadLetterTopic: string,
    cause: unknown,
  ) {
    super(
      `dead-letter write to ${deadLetterTopic} failed for ${describeLocation(at)}: ${errorMessage(cause)}`,
      { cause },
    );
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A write or read the table refused or that could not be made; names the table, item and record. */
export class TableError extends KafkaLambdaError {
  override name = 'TableError';
  constructor(table: string, what: string, key: unknown, cause: unknown, at?: RecordLocation) {
    super(
      `${at ? `${describeLocation(at)}: ` : ''}${what} on table ${table} item ${JSON.stringify(key)} failed: ${errorMessage(cause)}`,
      { cause },
    );
  }
}
