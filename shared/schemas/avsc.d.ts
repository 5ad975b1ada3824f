/** An Avro schema file (`.avsc`) imported as its JSON: see avsc-files.ts for how each loader reads it. */
declare module '*.avsc' {
  const schema: import('./avro').AvroSchema;
  export default schema;
}
