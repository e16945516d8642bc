/** One jest run for the exporter's unit tests (beside the code) and the cross-component tests in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/exporter/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/exporter/tsconfig.json' }],
  },
  testTimeout: 30000,
};
