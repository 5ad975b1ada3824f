/** Unit tests need nothing; integration tests share one real Kafka broker started by globalSetup. */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  // Avro schema files are JSON (`import schema from './alerts.avsc'`), as esbuild's loader reads them.
  '^.+\\.avsc$': '<rootDir>/test/support/avsc-transform.cjs',
};
const moduleFileExtensions = ['js', 'mjs', 'cjs', 'json', 'ts', 'avsc'];

module.exports = {
  // Jest reads testTimeout only here, not per project; unit tests finish in milliseconds anyway.
  testTimeout: 120000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, moduleFileExtensions },
    {
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      transform,
      moduleFileExtensions,
    },
    {
      displayName: 'infra-changes',
      testMatch: ['<rootDir>/test/infra-changes/**/*.test.ts'],
      transform,
      moduleFileExtensions,
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      moduleFileExtensions,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
