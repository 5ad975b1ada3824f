/**
 * The invocation record the event source mapping writes to an on-failure destination, as Lambda's "Capturing
 * discarded batches" page shows it: these keys, in this order.
 */
export const INVOCATION_RECORD_KEYS = [
  'requestContext',
  'responseContext',
  'version',
  'timestamp',
  'KafkaBatchInfo',
  'payload',
];

/** The responseContext of an invocation whose function failed (threw or timed out). */
export const FUNCTION_ERROR_RESPONSE = {
  statusCode: 200,
  executedVersion: '$LATEST',
  functionError: 'Unhandled',
};
