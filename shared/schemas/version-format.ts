/**
 * A schema version as a registry holds it (plain data: the definition, and for Protobuf the descriptors) turned
 * back into a format that decodes its records. The local registry and the emulator's mapping decode with these,
 * as the event source mapping decodes with the version a record's id names, whatever the code declares now.
 */
import { createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { fromBinary } from '@bufbuild/protobuf';
import { avro, type AvroSchema } from './avro';
import type { FormatSpec } from './format';
import { protobuf } from './protobuf';
import { isRegistryCodec } from './registry-codec';
import type { AnyTopic } from '../declarations/topic';

/** One version of a topic's key or value schema in a registry. */
export interface RegistryVersion {
  readonly dataFormat: 'AVRO' | 'PROTOBUF';
  readonly definition: string;
  readonly fingerprint: string;
  /** Protobuf: the message's full name and a base64 FileDescriptorSet of its file and imports. */
  readonly typeName?: string;
  readonly descriptor?: string;
}

const built = new Map<string, FormatSpec>();

/** The format of a version, built once per fingerprint. */
export function formatOfVersion(version: RegistryVersion): FormatSpec {
  let format = built.get(version.fingerprint);
  if (!format) {
    format = version.dataFormat === 'AVRO' ? avroVersion(version) : protobufVersion(version);
    built.set(version.fingerprint, format);
  }
  return format;
}

function avroVersion(version: RegistryVersion): FormatSpec {
  return avro(JSON.parse(version.definition) as AvroSchema)['~format'];
}

function protobufVersion(version: RegistryVersion): FormatSpec {
  if (!version.descriptor || !version.typeName)
    throw new Error(`Protobuf version ${version.fingerprint} carries no descriptor to decode with`);
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(version.descriptor, 'base64'));
  const message: DescMessage | undefined = createFileRegistry(set).getMessage(version.typeName);
  if (!message) throw new Error(`Protobuf version ${version.fingerprint} has no message ${version.typeName}`);
  return protobuf(message)['~format'];
}

/** The declared registry versions of a topic's value and key, when in a registry format. */
export function registryVersions(
  topic: Pick<AnyTopic, 'codec' | 'keyCodec'>,
): { value?: RegistryVersion; key?: RegistryVersion } | undefined {
  const value = isRegistryCodec(topic.codec) ? versionOf(topic.codec.format) : undefined;
  const key = topic.keyCodec ? versionOf(topic.keyCodec.format) : undefined;
  if (!value && !key) return undefined;
  return { ...(value && { value }), ...(key && { key }) };
}

/** A declared format as registry data. */
export function versionOf(format: FormatSpec): RegistryVersion {
  return {
    dataFormat: format.dataFormat,
    definition: format.definition,
    fingerprint: format.fingerprint,
    ...(format.protobuf && { typeName: format.protobuf.typeName, descriptor: format.protobuf.descriptor }),
  };
}
