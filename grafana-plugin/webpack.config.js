/**
 * Production build of the panel, shaped like Grafana's create-plugin output: an AMD module.js whose
 * React, @grafana/* and emotion imports are provided by Grafana at runtime, plus plugin.json and img/.
 */
const fs = require('fs');
const path = require('path');

const pkg = require('./package.json');
const SRC = path.resolve(__dirname, 'src');
const DIST = path.resolve(__dirname, 'dist');

/** Copies plugin.json (version and date filled in), img/ and the README into dist/. */
class CopyPluginAssets {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyPluginAssets', () => {
      const today = new Date().toISOString().slice(0, 10);
      const json = fs.readFileSync(path.join(SRC, 'plugin.json'), 'utf8').replace('%VERSION%', pkg.version).replace('%TODAY%', today);
      fs.writeFileSync(path.join(DIST, 'plugin.json'), json);
      fs.cpSync(path.join(SRC, 'img'), path.join(DIST, 'img'), { recursive: true });
      fs.copyFileSync(path.join(__dirname, 'README.md'), path.join(DIST, 'README.md'));
    });
  }
}

module.exports = (env = {}) => ({
  mode: env.production ? 'production' : 'development',
  devtool: env.production ? 'source-map' : 'eval-source-map',
  context: SRC,
  entry: { module: './module.ts' },
  output: {
    path: DIST,
    filename: '[name].js',
    library: { type: 'amd' },
    publicPath: 'public/plugins/pitower-cluster-panel/',
    clean: true,
    uniqueName: 'pitower-cluster-panel',
  },
  externals: [
    'react',
    'react-dom',
    '@emotion/css',
    '@emotion/react',
    'lodash',
    'rxjs',
    /^@grafana\/ui/i,
    /^@grafana\/runtime/i,
    /^@grafana\/data/i,
    /^@grafana\/schema/i,
  ],
  resolve: { extensions: ['.ts', '.tsx', '.js'], alias: { '@pitower/diagnosis$': path.resolve(__dirname, '../diagnosis/src/index.ts') } },
  module: {
    rules: [
      {
        test: /\.tsx?$/,
        // @pitower/diagnosis (the classifier shared with `pitower diagnose`) is bundled from its source
        include: [SRC, path.resolve(__dirname, '../diagnosis/src')],
        use: { loader: 'ts-loader', options: { transpileOnly: true, configFile: path.resolve(__dirname, 'tsconfig.json') } },
      },
    ],
  },
  plugins: [new CopyPluginAssets()],
  performance: { hints: false },
  stats: 'errors-warnings',
});
