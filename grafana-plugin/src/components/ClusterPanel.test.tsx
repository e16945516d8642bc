import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataFrame, dateTime, LoadingState, PanelProps } from '@grafana/data';
import { ClusterPanel } from './ClusterPanel';
import { duration } from './IsrView';
import { latencyText } from './LeadershipView';
import { DEFAULT_OPTIONS, PanelOptions, ViewKind } from '../types';
import {
  createHostFrames,
  createIsrFrames,
  createKafkaExporterFrames,
  createProbeFrames,
  createReplicaFrames,
  SCREENSHOT_CLUSTER,
  SCREENSHOT_PROBE,
  STEP_MS,
  T0,
} from '../data/fixtures';
import { NO_PARTITION_SERIES_NOTICE, NO_REPLICA_SERIES_NOTICE } from '../data/to-leadership-view-model';
import { NO_ISR_SERIES_NOTICE } from '../data/to-isr-view-model';
import { NO_HOST_SERIES_NOTICE } from '../data/to-bottleneck-view-model';

function renderPanel(view: ViewKind, series: DataFrame[], options: Partial<PanelOptions> = {}) {
  const from = dateTime(T0);
  const to = dateTime(T0 + 39 * STEP_MS);
  const timeRange = { from, to, raw: { from, to } };
  const props = {
    id: 1,
    data: { state: LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options, view },
    width: 800,
    height: 2000,
  } as unknown as PanelProps<PanelOptions>;
  return render(<ClusterPanel {...props} />);
}

describe('components > ClusterPanel', () => {
  test('leadership: brokers, topics, partitions and every cell state from the fixture cluster', () => {
    const { container } = renderPanel('leadership', createReplicaFrames(SCREENSHOT_CLUSTER));
    expect(screen.getAllByTestId('pitower-broker')).toHaveLength(6);
    expect(screen.getAllByTestId('pitower-topic').map((e) => e.textContent)).toEqual(['orders (12)', 'payments (6)', 'telemetry (8)']);
    expect(screen.getAllByTestId('pitower-partition')).toHaveLength(26);
    const states = (s: string) => container.querySelectorAll(`[data-state="${s}"]`).length;
    expect(states('offline')).toBe(3);
    expect(states('leader') + states('leader-preferred')).toBe(25);
    expect(states('leader')).toBe(5);
    expect(states('out-of-sync')).toBe(3);
    expect(screen.getByText('offline')).toBeInTheDocument();
    expect(screen.queryByTestId('pitower-notices')).not.toBeInTheDocument();
  });

  test('leadership: the topic filter hides other topics; the tooltip explains a cell', () => {
    const { container } = renderPanel('leadership', createReplicaFrames(SCREENSHOT_CLUSTER));
    fireEvent.change(screen.getByLabelText('Filter topics'), { target: { value: 'pay' } });
    expect(screen.getAllByTestId('pitower-topic').map((e) => e.textContent)).toEqual(['payments (6)']);
    const offline = container.querySelector('[data-state="offline"]');
    if (!offline) throw new Error('no offline cell rendered');
    fireEvent.mouseMove(offline);
    expect(screen.getByTestId('pitower-tooltip').textContent).toContain('payments/3');
    expect(screen.getByTestId('pitower-tooltip').textContent).toContain('leader: none (offline)');
    fireEvent.change(screen.getByLabelText('Filter topics'), { target: { value: 'nope' } });
    expect(screen.getByText(/No topic matches/)).toBeInTheDocument();
  });

  test('leadership: only rows in view are rendered for a large cluster', () => {
    const big = { ...SCREENSHOT_CLUSTER, topics: [{ name: 'big', partitions: 2000 }], offline: [] };
    renderPanel('leadership', createReplicaFrames(big), {}).unmount();
    const props = renderPanel('leadership', createReplicaFrames(big), {});
    // 2000 partitions, but a 2000 px panel shows ~120 compact rows (+ overscan)
    const rows = screen.getAllByTestId('pitower-partition').length;
    expect(rows).toBeGreaterThan(50);
    expect(rows).toBeLessThan(200);
    props.unmount();
  });

  test('leadership: with the probe series each broker header has a probe cell', () => {
    renderPanel('leadership', [...createReplicaFrames(SCREENSHOT_CLUSTER), ...createProbeFrames(SCREENSHOT_PROBE)]);
    const probes = screen.getAllByTestId('pitower-probe');
    expect(probes.map((e) => [e.dataset.level, e.textContent])).toEqual([
      ['ok', '50 ms0 · 0'],
      ['ok', '42 ms0 · 0'],
      ['warn', '425 ms0 · 0'],
      ['ok', '24 ms0 · 0'],
      ['warn', '32 ms12 · 0'],
      ['critical', '63 ms0 · 2'],
    ]);
    expect(screen.getByText('probe round trip p99')).toBeInTheDocument();
    expect(screen.getAllByTestId('pitower-broker')[5].title).toContain('probe: round trip p99 63 ms (598 records back), 0 failed sends, 2 lost');
  });

  test('leadership: without probe series no probe cells', () => {
    renderPanel('leadership', createReplicaFrames(SCREENSHOT_CLUSTER));
    expect(screen.queryAllByTestId('pitower-probe')).toHaveLength(0);
    expect(screen.queryByText('probe round trip p99')).not.toBeInTheDocument();
  });

  test.each([
    [0.0005, '0.5 ms'],
    [0.0425, '43 ms'],
    [0.425, '425 ms'],
    [2.35, '2.35 s'],
    [30, '30.0 s'],
  ])('latencyText(%p) = %s', (seconds, text) => {
    expect(latencyText(seconds)).toBe(text);
  });

  test('leadership: kafka_exporter only -> counts mode with the collector notice', () => {
    renderPanel('leadership', createKafkaExporterFrames(SCREENSHOT_CLUSTER));
    expect(screen.getByText(NO_REPLICA_SERIES_NOTICE)).toBeInTheDocument();
    expect(screen.getAllByTestId('pitower-partition')).toHaveLength(26);
  });

  test('isr: chart markers and partition table from the fixture history', () => {
    renderPanel('isr', createIsrFrames());
    expect(screen.getAllByTestId('pitower-isr-shrink')).toHaveLength(3);
    expect(screen.getAllByTestId('pitower-isr-expand')).toHaveLength(2);
    expect(screen.getAllByTestId('pitower-isr-leader-change')).toHaveLength(2);
    expect(screen.getByTestId('pitower-isr').textContent).toContain('4 ISR shrinks · 3 expands · 2 leader changes');
    const rows = screen.getByTestId('pitower-isr-partitions').querySelectorAll('tbody tr');
    expect(Array.from(rows, (r) => r.firstElementChild?.textContent)).toEqual(['payments/2', 'payments/3', 'orders/1', 'orders/4']);
    const events = screen.getByTestId('pitower-isr-events').querySelectorAll('tbody tr');
    expect(Array.from(events, (r) => Array.from(r.children, (c) => c.textContent).slice(1).join(' '))).toEqual([
      'rejoined ISR payments/3 –',
      'leader changed payments/3 –',
      'left ISR payments/3 –',
      'leader changed payments/3 –',
      'left ISR payments/2 5',
      'rejoined ISR orders/1 –',
      'rejoined ISR orders/4 –',
      'left ISR orders/1 3',
      'left ISR orders/4 3',
    ]);
    expect(screen.queryByText(/brokers out not known/)).not.toBeInTheDocument();
  });

  test('bottleneck: a card per host, the verdict host marked', () => {
    renderPanel('bottleneck', createHostFrames());
    const cards = screen.getAllByTestId('pitower-host');
    expect(cards.map((c) => c.getAttribute('data-host'))).toEqual(['pi-producer', 'pi-broker-1', 'pi-broker-2', 'pi-broker-3', 'pi-db']);
    expect(cards.filter((c) => c.textContent?.includes('bottleneck')).map((c) => c.getAttribute('data-host'))).toEqual(['pi-broker-2']);
    expect(screen.getByTestId('pitower-verdict').textContent).toContain('CPU bound — pi-broker-2 (broker)');
  });

  test('saved options with only a view still render (defaults filled in)', () => {
    const props = { data: { state: LoadingState.Done, series: createIsrFrames() }, options: { view: 'isr' }, width: 800, height: 600 };
    render(<ClusterPanel {...(props as unknown as PanelProps<PanelOptions>)} />);
    expect(screen.getAllByTestId('pitower-isr-shrink')).toHaveLength(3);
  });

  test.each<[ViewKind, string]>([
    ['leadership', NO_PARTITION_SERIES_NOTICE],
    ['isr', NO_ISR_SERIES_NOTICE],
    ['bottleneck', NO_HOST_SERIES_NOTICE],
  ])('%s: empty state instead of a blank panel', (view, notice) => {
    renderPanel(view, []);
    expect(screen.getByTestId('pitower-empty').textContent).toContain(notice);
  });
});

describe('components > IsrView', () => {
  test('long tables are cut at 200 rows with a count of the rest', () => {
    // 250 partitions, each with one ISR shrink (frame 2 of the fixture is a shrinks counter)
    const shrinks = createIsrFrames()[2];
    const frames = Array.from({ length: 250 }, (_, i) => ({
      ...shrinks,
      fields: shrinks.fields.map((f) => (f.labels ? { ...f, labels: { ...f.labels, partition: String(i) } } : f)),
    }));
    renderPanel('isr', frames);
    expect(screen.getByTestId('pitower-isr-partitions').querySelectorAll('tbody tr')).toHaveLength(200);
    expect(screen.getByTestId('pitower-isr-partitions').textContent).toContain('… and 50 more');
    expect(screen.getByTestId('pitower-isr-events').textContent).toContain('… and 50 more');
    // counters only: the events name no broker, and the panel says why
    expect(screen.getByText(/no replica_in_sync series, brokers out not known/)).toBeInTheDocument();
  });

  test.each([
    [0, '–'],
    [45, '45s'],
    [125, '2m5s'],
    [3600, '1h'],
    [5430, '1h31m'],
  ])('duration(%p) = %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
