/** Bundles harness/entry.tsx and harness/amd-host.tsx with React and the real @grafana/ui into harness/build/ (esbuild). */
const path = require('path');
const esbuild = require('esbuild');

const common = {
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
};

Promise.all([
  esbuild.build({ ...common, entryPoints: [path.join(__dirname, 'entry.tsx')], outfile: path.join(__dirname, 'build', 'harness.js') }),
  // host page for dist/module.js (all of @grafana/ui, as Grafana provides it)
  esbuild.build({ ...common, entryPoints: [path.join(__dirname, 'amd-host.tsx')], outfile: path.join(__dirname, 'build', 'amd-host.js') }),
]).catch(() => process.exit(1));
