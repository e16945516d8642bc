/** The plugin's own jest run (the root config only covers exporter/src and test/). */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  setupFiles: ['<rootDir>/src/test/polyfills.js'],
  setupFilesAfterEnv: ['<rootDir>/src/test/setup.ts'],
  transform: { '^.+\\.(ts|tsx|js|jsx|mjs|cjs)$': '<rootDir>/src/test/esbuild-transform.js' },
  // transform node_modules too (ESM-only d3-*, react-calendar, ... under @grafana/ui), except the big
  // packages that already ship CommonJS
  transformIgnorePatterns: ['/node_modules/(react|react-dom|lodash|moment|rxjs|@grafana/(ui|data|schema)/dist/cjs)/'],
  moduleNameMapper: {
    '\\.(css|scss)$': '<rootDir>/src/test/style-mock.js',
    // the classifier shared with `pitower diagnose`, from its source (no build needed)
    '^@pitower/diagnosis$': '<rootDir>/../diagnosis/src/index.ts',
  },
  testTimeout: 30000,
};
