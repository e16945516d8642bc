// One lint over every workspace (diagnosis, exporter, grafana-plugin), the tests, the scripts and the
// harness: typescript-eslint's strict set, with Node globals for CommonJS scripts and browser ones for the panel.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'grafana-plugin/harness/build/**', 'grafana-plugin/.screenshots-tmp/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['grafana-plugin/src/**', 'grafana-plugin/harness/**'], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
);
