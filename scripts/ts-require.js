'use strict';
/**
 * Lets the plain-JS scripts (demo, benchmarks) require the repository's TypeScript test modules (e.g. the
 * real-Kafka lab in test/lab/kafka.ts) without a build step: `.ts` files are transpiled on require with the
 * TypeScript compiler the workspace already has (no type check: `npm test` type-checks them).
 */
const fs = require('node:fs');
const ts = require('typescript');

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
}
