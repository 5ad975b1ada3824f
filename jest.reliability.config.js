/* global module */
/**
 * The reliability suite (`npm run test:reliability`): fault scenarios against a 3-node local cluster that
 * test/reliability/global-setup.ts starts and global-teardown.ts stops. Scenarios run one at a time (they kill
 * brokers and emulators of a shared cluster, and time matters on a small machine). See RELIABILITY.md.
 */
module.exports = {
  displayName: 'reliability',
  testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  globalTeardown: '<rootDir>/test/reliability/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 300000,
};
