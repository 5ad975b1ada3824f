/**
 * Values of any topic as plain JSON data and back, for the tools that show and take values as JSON (`tail`,
 * `publish`, the console): a registry format's own JSON form (Avro bytes as text, Protobuf's JSON mapping with
 * int64 as strings), and JSON topics' values as they are.
 */
import type { AnyTopic } from '../declarations/topic';
import { isRegistryCodec } from './registry-codec';

/** A decoded value as JSON data. */
export function valueToJson(topic: AnyTopic, value: unknown): unknown {
  return isRegistryCodec(topic.codec) ? topic.codec.format.toJson(value) : value;
}

/** JSON data as the topic's value (a Protobuf message, Avro defaults filled in), ready to validate. */
export function valueFromJson(topic: AnyTopic, json: unknown): unknown {
  return isRegistryCodec(topic.codec) ? topic.codec.format.fromJson(json) : json;
}

/** Where a value's bytes come from, for the tools: the registry format and the version id, or JSON. */
export function formatOf(topic: AnyTopic): string {
  return isRegistryCodec(topic.codec) ? topic.codec.format.dataFormat : 'JSON';
}
