/**
 * Chromium harness page: renders the real panel component with real @grafana/ui theming from fixture
 * frames. screenshots.js and bench.js drive it through window.pitowerHarness.
 */
import React from 'react';
import { flushSync } from 'react-dom';
import { createRoot, Root } from 'react-dom/client';
import { css } from '@emotion/css';
import { createTheme, dateTime, DataFrame, LoadingState, PanelProps, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';
import { ClusterPanel } from '../src/components/ClusterPanel';
import {
  BENCH_CLUSTER,
  createHostFrames,
  createIsrFrames,
  createKafkaExporterFrames,
  createProbeFrames,
  createReplicaFrames,
  SCREENSHOT_CLUSTER,
  SCREENSHOT_PROBE,
  STEP_MS,
  T0,
} from '../src/data/fixtures';
import { DEFAULT_OPTIONS, PanelOptions, ViewKind } from '../src/types';
import { toSeries } from '../src/data/frames';
import { toLeadershipViewModel } from '../src/data/to-leadership-view-model';

export interface RenderRequest {
  view: ViewKind;
  theme: 'dark' | 'light';
  fixture: 'cluster' | 'kafka-exporter' | 'isr' | 'hosts' | 'bench' | 'empty';
  width: number;
  height: number;
  title?: string;
}

const FIXTURES: Record<RenderRequest['fixture'], () => DataFrame[]> = {
  cluster: () => [...createReplicaFrames(SCREENSHOT_CLUSTER), ...createProbeFrames(SCREENSHOT_PROBE)],
  'kafka-exporter': () => createKafkaExporterFrames(SCREENSHOT_CLUSTER),
  isr: () => createIsrFrames(),
  hosts: () => createHostFrames(),
  bench: () => createReplicaFrames(BENCH_CLUSTER),
  empty: () => [],
};

let root: Root | undefined;
const frameCache = new Map<string, DataFrame[]>();

/** The fixture's frames, built once per page. */
function fixtureFrames(fixture: RenderRequest['fixture']): DataFrame[] {
  let frames = frameCache.get(fixture);
  if (!frames) {
    frames = FIXTURES[fixture]();
    frameCache.set(fixture, frames);
  }
  return frames;
}

/** An element the harness page (index.html) or an earlier render put there. */
function elementById(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`harness page has no #${id} element`);
  }
  return el;
}

function unmountNow(r: Root): void {
  flushSync(() => r.unmount());
}

function PanelChrome({ req, frames }: { req: RenderRequest; frames: DataFrame[] }) {
  const theme = React.useMemo(() => createTheme({ colors: { mode: req.theme } }), [req.theme]);
  const options: PanelOptions = { ...DEFAULT_OPTIONS, view: req.view };
  const from = dateTime(T0);
  const to = dateTime(T0 + 39 * STEP_MS);
  const timeRange = { from, to, raw: { from, to } };
  const props = {
    id: 1,
    data: { state: LoadingState.Done, series: frames, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    width: req.width,
    height: req.height,
    transparent: false,
    renderCounter: 0,
    title: req.title ?? '',
    replaceVariables: (s: string) => s,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps<PanelOptions>;
  const chrome = css({
    display: 'inline-block',
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    fontFamily: theme.typography.fontFamily,
  });
  const titleBar = css({
    height: 32,
    padding: theme.spacing(0, 1),
    display: 'flex',
    alignItems: 'center',
    fontSize: theme.typography.h6.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
  });
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div className={css({ padding: 16, background: theme.colors.background.canvas, display: 'inline-block' })}>
        <div id="panel" className={chrome}>
          <div className={titleBar}>{req.title}</div>
          <div style={{ padding: 8 }}>
            <ClusterPanel {...props} />
          </div>
        </div>
      </div>
    </ThemeContext.Provider>
  );
}

/** Renders synchronously and returns the milliseconds from frames to laid-out DOM. */
function render(req: RenderRequest): number {
  // fresh array so the panel's useMemo recomputes everything, as on a new query result
  const frames = [...fixtureFrames(req.fixture)];
  if (root) {
    unmountNow(root);
  }
  const container = elementById('root');
  const next = createRoot(container);
  root = next;
  const start = performance.now();
  flushSync(() => next.render(<PanelChrome req={req} frames={frames} />));
  void container.getBoundingClientRect().height; // force style + layout
  return performance.now() - start;
}

const themes = { dark: createTheme({ colors: { mode: 'dark' } }), light: createTheme({ colors: { mode: 'light' } }) };
let benchRoot: Root | undefined;

/**
 * Bench: GlobalStyles stay mounted (as in Grafana, where they are the app's, not the panel's); each
 * call mounts a fresh ClusterPanel on new frames and returns the ms to a laid-out DOM, plus the share
 * spent in the pure transforms (frames -> series -> view model).
 */
function renderBench(req: RenderRequest): { ms: number; transformMs: number; rows: number; series: number } {
  const theme = themes[req.theme];
  const container = elementById('root');
  if (!benchRoot) {
    if (root) {
      unmountNow(root);
      root = undefined;
    }
    container.innerHTML = '<div id="globals"></div><div id="bench"></div>';
    createRoot(elementById('globals')).render(
      <ThemeContext.Provider value={theme}>
        <GlobalStyles />
      </ThemeContext.Provider>,
    );
  } else {
    unmountNow(benchRoot);
  }
  const frames = [...fixtureFrames(req.fixture)];
  const t0 = performance.now();
  toLeadershipViewModel(toSeries(frames), DEFAULT_OPTIONS);
  const transformMs = performance.now() - t0;
  const mount = elementById('bench');
  const next = createRoot(mount);
  benchRoot = next;
  const props = {
    data: { state: LoadingState.Done, series: [...frames] },
    options: { ...DEFAULT_OPTIONS, view: req.view },
    width: req.width,
    height: req.height,
    timeZone: 'utc',
  } as unknown as PanelProps<PanelOptions>;
  const start = performance.now();
  flushSync(() =>
    next.render(
      <ThemeContext.Provider value={theme}>
        <ClusterPanel {...props} />
      </ThemeContext.Provider>,
    ),
  );
  void mount.getBoundingClientRect().height;
  const ms = performance.now() - start;
  return { ms, transformMs, rows: mount.querySelectorAll('[data-testid="pitower-partition"]').length, series: frames.length };
}

/** Reference for the bench: the same number of rows x cells as a plain innerHTML table. */
function renderReferenceTable(rows: number, cols: number): number {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const start = performance.now();
  let html = '<table>';
  for (let r = 0; r < rows; r++) {
    html += `<tr><td>p${r}</td>`;
    for (let c = 0; c < cols; c++) {
      html += `<td style="background:#73bf69">${c === r % cols ? 'L' : ''}</td>`;
    }
    html += '</tr>';
  }
  container.innerHTML = `${html}</table>`;
  void container.getBoundingClientRect().height;
  const ms = performance.now() - start;
  container.remove();
  return ms;
}

(window as unknown as { pitowerHarness: unknown }).pitowerHarness = { render, renderBench, renderReferenceTable };
document.body.dataset.ready = 'true';
