/**
 * Registry formats for topic values and keys: `avro(schema)` and `protobuf(MessageSchema)`. A front door of its
 * own, so a function whose topics are all JSON bundles neither avsc nor @bufbuild/protobuf.
 */
import './schemas/avsc-files';

export { avro } from './schemas/avro';
export type { AvroSchema, AvroValue, AvroOptions } from './schemas/avro';
export { protobuf } from './schemas/protobuf';
export type { ProtobufOptions } from './schemas/protobuf';
export type { SchemaFormat } from './schemas/format';
