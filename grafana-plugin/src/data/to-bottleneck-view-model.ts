import { Level, PanelOptions, Reducer, Series } from '../types';
import {
  classifyBottleneck,
  THROTTLED_SHARE,
  toHostSampleReportFrom,
  type HostSample,
  type HostSeries,
  type QueryName,
  type Role,
  type Verdict,
} from '@pitower/diagnosis';
import { compareIds, pick, reduceSeries } from './frames';
import { toLevel } from './levels';

export const NO_HOST_SERIES_NOTICE =
  'No host series in the query results. Give the CPU busy query refId "cpu" and the disk busy query refId ' +
  '"io" (see the plugin README); every series needs the instance and role labels.';

export interface HostCard {
  host: string;
  role?: string;
  cpu?: number;
  io?: number;
  temperatureCelsius?: number;
  throttled?: boolean;
  tps?: number;
  inflight?: number;
  concurrency?: number;
  latency?: number;
  isBottleneck: boolean;
  cpuLevel: Level;
  ioLevel: Level;
  temperatureLevel: Level;
}

export interface BottleneckViewModel {
  mode: 'hosts' | 'empty';
  cards: HostCard[];
  samples: HostSample[];
  verdict?: Verdict;
  warnings: string[];
  notice?: string;
}

/**
 * Queries reduced as `pitower diagnose` asks them whatever the panel's reducer: throttling as the share of
 * the window (avg_over_time), the generator's event-loop delay and schedule lag as their worst (max_over_time).
 */
const FIXED_REDUCER: Partial<Record<QueryName, Reducer>> = { throttled: 'mean', loopDelay: 'max', scheduleLag: 'max' };

type BottleneckOptions = Pick<
  PanelOptions,
  | 'cpuQuery'
  | 'ioQuery'
  | 'temperatureQuery'
  | 'throttledQuery'
  | 'tpsQuery'
  | 'inflightQuery'
  | 'concurrencyQuery'
  | 'latencyQuery'
  | 'generatorCpuQuery'
  | 'loopDelayQuery'
  | 'scheduleLagQuery'
  | 'hostLabel'
  | 'roleLabel'
  | 'reducer'
  | 'busyWarn'
  | 'busyCritical'
  | 'temperatureWarnCelsius'
  | 'temperatureCriticalCelsius'
>;

const ROLES: Role[] = ['producer', 'broker', 'database'];

/**
 * Series -> one card per host and the classifier's verdict, through @pitower/diagnosis: the same join
 * (toHostSampleReportFrom) and classifier as `pitower diagnose`, so both give the same verdict on the same data.
 *
 * Each series is reduced over the time range with the reducer option (last/mean/max), except the
 * throttled series: it is always the mean of its 0/1 samples, the share of the range the firmware
 * reported throttling, as the CLI's avg_over_time (a host throttled for 5 % of the range is not thermal
 * because its last sample is 1). Hosts are keyed by the host label with any `:port` suffix removed, so
 * node_exporter (:9100) and the pitower exporter series of one Pi land on one card; several series for
 * one host and field combine as the CLI's (cpu, io, temperature, latency, throttled -> max; tps,
 * inflight, concurrency -> sum), and a host without a role label that runs the load generator is a producer.
 *
 * Worked example: cpu{instance="pi1:9100",role="broker"} mean 0.95 and
 * io{instance="pi2:9100",role="database"} mean 0.2 -> cards pi1 (broker, cpu 95 % critical) and
 * pi2 (database, io 20 %), samples [{host:'pi1',role:'broker',cpu:0.95}, ...] go to classifyBottleneck.
 * A host with no cpu series or no valid role gets a card but is left out of the classification.
 */
export function toBottleneckViewModel(
  series: Series[],
  options: BottleneckOptions,
  classify: (hosts: HostSample[]) => Verdict = classifyBottleneck,
): BottleneckViewModel {
  const warnings: string[] = [];
  const queries: Array<[QueryName, string]> = [
    ['cpu', options.cpuQuery],
    ['io', options.ioQuery],
    ['temperature', options.temperatureQuery],
    ['throttled', options.throttledQuery],
    ['tps', options.tpsQuery],
    ['inflight', options.inflightQuery],
    ['concurrency', options.concurrencyQuery],
    ['latency', options.latencyQuery],
    ['generatorCpu', options.generatorCpuQuery],
    ['loopDelay', options.loopDelayQuery],
    ['scheduleLag', options.scheduleLagQuery],
  ];
  const reduced: HostSeries[] = queries.flatMap(([query, name]) =>
    pick(series, name).map((s) => ({ query, labels: s.labels, value: reduceSeries(s, FIXED_REDUCER[query] ?? options.reducer) })),
  );
  const report = toHostSampleReportFrom(reduced, { hostLabel: options.hostLabel, roleLabel: options.roleLabel });
  if (report.unlabelled > 0) {
    warnings.push(`${report.unlabelled} series without the "${options.hostLabel}" label ignored`);
  }
  if (report.all.length === 0) {
    return { mode: 'empty', cards: [], samples: [], warnings, notice: NO_HOST_SERIES_NOTICE };
  }
  const noRole = report.skipped.filter((s) => s.kind !== 'no-cpu').map((s) => s.host);
  const noCpu = report.skipped.filter((s) => s.kind === 'no-cpu').map((s) => s.host);
  if (noRole.length > 0) {
    warnings.push(`no producer/broker/database "${options.roleLabel}" label for ${noRole.sort(compareIds).join(', ')}; left out of the verdict`);
  }
  if (noCpu.length > 0) {
    warnings.push(`no CPU series for ${noCpu.sort(compareIds).join(', ')}; left out of the verdict`);
  }
  const samples = report.hosts;
  const verdict = samples.length > 0 ? classify(samples) : undefined;

  const roleOrder = (r?: string) => {
    const i = ROLES.findIndex((x) => x === r);
    return i < 0 ? ROLES.length : i;
  };
  const cards: HostCard[] = report.all
    .map(({ host, role, values: v }) => ({
      host,
      role,
      cpu: v.cpu,
      io: v.io,
      temperatureCelsius: v.temperature,
      throttled: v.throttled === undefined ? undefined : v.throttled >= THROTTLED_SHARE,
      tps: v.tps,
      inflight: v.inflight,
      concurrency: v.concurrency,
      latency: v.latency,
      isBottleneck: verdict !== undefined && verdict.kind !== 'none' && verdict.host === host,
      cpuLevel: toLevel(v.cpu, options.busyWarn, options.busyCritical),
      ioLevel: toLevel(v.io, options.busyWarn, options.busyCritical),
      temperatureLevel: toLevel(v.temperature, options.temperatureWarnCelsius, options.temperatureCriticalCelsius),
    }))
    .sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || compareIds(a.host, b.host));
  return { mode: 'hosts', cards, samples, verdict, warnings };
}
