/** Bundles harness/entry.tsx with React and the real @grafana/ui into harness/build/ (esbuild, ~seconds). */
const path = require('path');
const esbuild = require('esbuild');

esbuild
  .build({
    entryPoints: [path.join(__dirname, 'entry.tsx')],
    outfile: path.join(__dirname, 'build', 'harness.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
    tsconfig: path.join(__dirname, '..', 'tsconfig.json'),
  })
  .catch(() => process.exit(1));
