/** Where a record came from, so every error can name topic, partition and offset. */
export interface RecordLocation {
  topic: string;
  partition: number;
  offset: number;
}

export function describeLocation(at: RecordLocation): string {
  return `topic ${at.topic} partition ${at.partition} offset ${at.offset}`;
}

/**
 * A failure that no retry can fix (undecodable bytes, schema violation):
 * the record goes straight to its dead-letter destination.
 */
export class PermanentRecordError extends Error {
  constructor(
    readonly kind: 'decode' | 'schema',
    message: string,
    readonly at?: RecordLocation,
  ) {
    super(at ? `${describeLocation(at)}: ${message}` : message);
    this.name = kind === 'decode' ? 'DecodeError' : 'SchemaError';
  }
}

/** A declaration that cannot work (bad name, impossible replication, unknown option). Thrown at load time. */
export class DeclarationError extends Error {
  constructor(what: string, message: string) {
    super(`${what}: ${message}`);
    this.name = 'DeclarationError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
