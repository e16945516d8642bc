/**
 * The root jest run, in two projects (layers):
 *   unit         diagnosis/src and exporter/src, tests beside the code: pure, no server, no network (they
 *                pass inside `unshare -n`), seconds. `npm run test:unit` (which adds the panel's own unit tests).
 *   integration  test/: the built CLI and daemon against real servers (MariaDB, Kafka, Cassandra,
 *                Prometheus, node_exporter, kafka_exporter) started by the tests. `npm run test:integration`.
 * `npm test` runs both, then the Prometheus bundle's promtool tests and the panel's suites.
 */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/exporter/tsconfig.json' }],
  },
  // the workspace package from its source, so unit tests need no build
  moduleNameMapper: { '^@pitower/diagnosis$': '<rootDir>/diagnosis/src/index.ts' },
};

module.exports = {
  testTimeout: 30000,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/diagnosis/src', '<rootDir>/exporter/src'] },
    { ...shared, displayName: 'integration', roots: ['<rootDir>/test'] },
  ],
};
