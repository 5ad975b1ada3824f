/**
 * Everything the adapter needs only to write a record (publish, dead-letter): required on the first write, so the
 * bundle of a handler that never writes leaves it out (shared/declarations/bundling.ts, LAZY_WRITES).
 */
export { deadLetterRecord } from './dead-letter';
export { fromMskRecord } from './msk-event';
export { encodeRecord } from '../kafka/publish';
export { DeadLetterWriteError } from '../errors';
