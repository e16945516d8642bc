import { classifyBottleneck, QUERY_NAMES, toHostSampleReport, type QueryName, type QueryResults, type Verdict } from '@pitower/diagnosis';
import { DEFAULT_OPTIONS, type Reducer, type Series } from '../types';
import { toBottleneckViewModel } from './to-bottleneck-view-model';

/**
 * The CLI and the panel on the same Prometheus data. A scenario is each host's series over a 5-minute
 * window, one sample per 15 s step, as the panel's range queries return them. `pitower diagnose` asks the
 * instant queries of @pitower/diagnosis over the same window; for the series here (a step function per
 * query, rates already per step) each of those answers is the mean of the window's samples, which is
 * what a real Prometheus returns for avg_over_time and, for constant rates, for rate over the window.
 */
interface HostData {
  instance: string;
  role?: string;
  series: Partial<Record<QueryName, number[]>>;
}

const STEPS = 20;
const constant = (v: number) => Array.from({ length: STEPS }, () => v);
/** 0/1 samples, throttled in the last `n` steps only. */
const throttledLast = (n: number) => Array.from({ length: STEPS }, (_, i) => (i >= STEPS - n ? 1 : 0));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function toPanelSeries(hosts: HostData[]): Series[] {
  return hosts.flatMap((h) =>
    QUERY_NAMES.flatMap((query) => {
      const values = h.series[query];
      if (!values) return [];
      const labels: Record<string, string> = { instance: h.instance };
      if (h.role) labels.role = h.role;
      if (query === 'throttled') labels.condition = 'throttled';
      return [{ refId: query, labels, times: values.map((_, i) => 1_795_300_000_000 + i * 15_000), values }];
    }),
  );
}

function toInstantAnswers(hosts: HostData[]): QueryResults {
  const results: QueryResults = {};
  for (const h of hosts) {
    for (const query of QUERY_NAMES) {
      const values = h.series[query];
      if (!values) continue;
      const metric: Record<string, string> = { instance: h.instance };
      if (h.role) metric.role = h.role;
      // as queries.ts asks them: the worst of the window for the generator's delay and lag, else the mean
      const answer = query === 'loopDelay' || query === 'scheduleLag' ? Math.max(...values) : mean(values);
      (results[query] ??= []).push({ metric, value: [1_795_300_300, String(answer)] });
    }
  }
  return results;
}

/** `pitower diagnose`'s pipeline after the HTTP answers: report.ts readDiagnosis. */
const cliVerdict = (hosts: HostData[]) => classifyBottleneck(toHostSampleReport(toInstantAnswers(hosts)).hosts);
const panelVerdict = (hosts: HostData[], reducer: Reducer) =>
  toBottleneckViewModel(toPanelSeries(hosts), { ...DEFAULT_OPTIONS, reducer }).verdict;
/** A mean of 20 equal samples differs from the sample in the last bits: the verdicts are compared to 1e-9. */
const rounded = (v: Verdict | undefined) => v && { ...v, ranked: v.ranked.map((r) => ({ ...r, utilisation: Math.round(r.utilisation * 1e9) / 1e9 })) };

const broker = (n: number, cpu: number, extra: Partial<Record<QueryName, number[]>> = {}): HostData => ({
  instance: `pi-broker-${n}:9100`,
  role: 'broker',
  series: { cpu: constant(cpu), io: constant(0.2), temperature: constant(55), ...extra },
});

interface Case {
  name: string;
  hosts: HostData[];
  kind: string;
  host?: string;
}

const cases: Case[] = [
  {
    // The load generator's host without a role label: a producer for both (the panel used to drop it).
    name: 'a role-less load host at its concurrency limit',
    hosts: [
      { instance: 'pi-load-1:9742', series: { cpu: constant(0.3), tps: constant(400), inflight: constant(15.8), concurrency: constant(16), latency: constant(0.04) } },
      broker(1, 0.3),
      broker(2, 0.35),
    ],
    kind: 'concurrency',
    host: 'pi-load-1',
  },
  {
    // Throttled in 1 of 20 samples, the last one: 5 % of the window, under THROTTLED_SHARE (10 %) for both,
    // whatever the reducer (the panel used to call it thermal with `last`).
    name: 'a broker throttled for 5 % of the window, at its end',
    hosts: [broker(1, 0.55, { throttled: throttledLast(1) }), broker(2, 0.5), broker(3, 0.95)],
    kind: 'cpu',
    host: 'pi-broker-3',
  },
  {
    name: 'a broker throttled for half the window',
    hosts: [broker(1, 0.8, { throttled: throttledLast(10), temperature: constant(82) }), broker(2, 0.5), broker(3, 0.6)],
    kind: 'thermal',
    host: 'pi-broker-1',
  },
  {
    // One JS thread at 97 % of a core while the 4-core host is at 27 %: the generator, not the cluster.
    name: 'a load generator using its one core',
    hosts: [
      { instance: 'pi-load-1:9742', role: 'producer', series: { cpu: constant(0.27), generatorCpu: constant(0.97), inflight: constant(60), concurrency: constant(64) } },
      broker(1, 0.4),
    ],
    kind: 'generator',
    host: 'pi-load-1',
  },
  {
    // 2 s behind its --rate schedule in the last 3 of 20 samples: the worst of the window for both.
    name: 'an open-loop generator that fell behind at the end of the window',
    hosts: [
      { instance: 'pi-load-1:9742', role: 'producer', series: { cpu: constant(0.3), scheduleLag: Array.from({ length: STEPS }, (_, i) => (i >= STEPS - 3 ? 2 : 0)) } },
      broker(1, 0.4),
    ],
    kind: 'generator',
    host: 'pi-load-1',
  },
  {
    name: 'a database disk busy 0.97 s per second',
    hosts: [broker(1, 0.4), { instance: 'pi-db-1:9100', role: 'database', series: { cpu: constant(0.35), io: constant(0.97) } }],
    kind: 'io',
    host: 'pi-db-1',
  },
];

describe('the CLI and the panel give one verdict on the same Prometheus data', () => {
  describe.each<Reducer>(['last', 'mean', 'max'])('panel reducer %s', (reducer) => {
    it.each(cases)('$name: $kind on $host', ({ hosts, kind, host }) => {
      const cli = cliVerdict(hosts);
      expect({ kind: cli.kind, host: cli.host }).toEqual({ kind, host });
      expect(rounded(panelVerdict(hosts, reducer))).toEqual(rounded(cli));
    });
  });
});
