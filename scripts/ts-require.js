'use strict';
/**
 * Lets node run the repository's TypeScript without a build step: the demo (`node -r ./scripts/ts-require.js
 * scripts/demo.ts`, the entry file included) and the plain-JS benchmarks requiring the lab (test/lab/kafka.ts).
 * `.ts` files are transpiled on require with the TypeScript compiler the workspace already has (no type
 * check: `npm test` type-checks them, scripts/ with `tsc -p scripts`).
 *
 * Installed even where node has a `.ts` loader of its own (type stripping in newer releases): that one would
 * take files with `import` statements for ES modules, where extensionless relative imports do not resolve.
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
