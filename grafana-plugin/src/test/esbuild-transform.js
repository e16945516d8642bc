// Jest transformer: esbuild turns TS/TSX and the ESM-only packages @grafana/ui pulls (d3-*, react-calendar,
// ...) into CommonJS. Type checking is `tsc --noEmit` (npm run typecheck), not this.
const { createHash } = require('crypto');
const esbuild = require('esbuild');

module.exports = {
  getCacheKey(source, file) {
    return createHash('sha1').update(source).update(file).update('v1').digest('hex');
  },
  process(source, file) {
    const loader = /\.tsx$/.test(file) ? 'tsx' : /\.ts$/.test(file) ? 'ts' : /\.jsx$/.test(file) ? 'jsx' : 'js';
    const out = esbuild.transformSync(source, {
      loader,
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: file,
      jsx: 'transform',
      supported: { 'dynamic-import': false },
    });
    return { code: out.code };
  },
};
