/** Unit tests need nothing; integration tests share one real Kafka broker started by globalSetup. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

module.exports = {
  // Jest reads testTimeout only here, not per project; unit tests finish in milliseconds anyway.
  testTimeout: 120000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform },
    { displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'], transform },
    { displayName: 'infra-changes', testMatch: ['<rootDir>/test/infra-changes/**/*.test.ts'], transform },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
