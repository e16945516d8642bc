/**
 * Loads the built dist/module.js the way Grafana does: an AMD module whose dependencies (react,
 * @grafana/data, @grafana/ui, @emotion/css) are provided by the host. Checks that it exports a
 * PanelPlugin and renders its panel with real frames.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as emotion from '@emotion/css';
import * as data from '@grafana/data';
import * as ui from '@grafana/ui';
import { createReplicaFrames, SCREENSHOT_CLUSTER } from '../src/data/fixtures';

const PROVIDED: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  '@emotion/css': emotion,
  '@grafana/data': data,
  '@grafana/ui': ui,
};

type Factory = (...deps: unknown[]) => unknown;
const w = window as unknown as { define: ((deps: string[], factory: Factory) => void) & { amd: object }; amdResult?: unknown; amdError?: string };
w.define = Object.assign(
  (deps: string[], factory: Factory) => {
    if (!deps.includes('@grafana/data')) {
      return; // not the plugin (a bundled UMD module probing for AMD)
    }
    const missing = deps.filter((d) => !(d in PROVIDED));
    if (missing.length) {
      w.amdError = `module.js needs modules Grafana's host was not given here: ${missing.join(', ')}`;
      return;
    }
    w.amdResult = factory(...deps.map((d) => PROVIDED[d]));
  },
  { amd: {} },
);

(window as unknown as { renderDistPanel: () => string }).renderDistPanel = () => {
  if (w.amdError) {
    return w.amdError;
  }
  const exported = w.amdResult as { plugin?: data.PanelPlugin } | undefined;
  const plugin = exported?.plugin;
  if (!(plugin instanceof data.PanelPlugin)) {
    return 'dist/module.js does not export `plugin` as a PanelPlugin';
  }
  const Panel = plugin.panel as unknown as React.ComponentType<Record<string, unknown>>;
  const theme = data.createTheme({ colors: { mode: 'dark' } });
  const container = document.getElementById('root');
  if (!container) {
    throw new Error('amd-host.html has no #root element');
  }
  const root = createRoot(container);
  flushSync(() =>
    root.render(
      <data.ThemeContext.Provider value={theme}>
        <Panel
          data={{ state: data.LoadingState.Done, series: createReplicaFrames(SCREENSHOT_CLUSTER) }}
          options={{ view: 'leadership' }}
          width={700}
          height={800}
          timeZone="utc"
        />
      </data.ThemeContext.Provider>,
    ),
  );
  return 'ok';
};
