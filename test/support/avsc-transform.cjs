/** Jest reads an Avro schema file (`.avsc`) as the JSON it is, as esbuild's JSON loader does in a bundle. */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(JSON.parse(source))};` };
  },
};
