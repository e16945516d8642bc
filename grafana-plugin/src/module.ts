import { PanelPlugin } from '@grafana/data';
import { ClusterPanel } from './components/ClusterPanel';
import { DEFAULT_OPTIONS, PanelOptions } from './types';

const LEADERSHIP_OR_ISR = (o: PanelOptions) => o.view !== 'bottleneck';
const LEADERSHIP = (o: PanelOptions) => o.view === 'leadership';
const BOTTLENECK = (o: PanelOptions) => o.view === 'bottleneck';
const BOTTLENECK_QUERIES = 'Bottleneck queries';

type TextOption = { [K in keyof PanelOptions]: PanelOptions[K] extends string ? K : never }[keyof PanelOptions];

/** The options that name series, by editor category: option -> label, in editor order. */
const METRIC_OPTIONS: Array<{ category: string; showIf: (o: PanelOptions) => boolean; names: Partial<Record<TextOption, string>> }> = [
  {
    category: 'pitower metric names',
    showIf: LEADERSHIP_OR_ISR,
    names: {
      replicaInSyncMetric: 'Replica in sync',
      replicaLeaderMetric: 'Replica is leader',
      replicaPreferredMetric: 'Replica is preferred',
      partitionOfflineMetric: 'Partition offline',
      brokerUpMetric: 'Broker up',
      isrShrinksMetric: 'ISR shrinks counter',
      isrExpandsMetric: 'ISR expands counter',
      leaderChangesMetric: 'Leader changes counter',
      underMinIsrMetric: 'Under min ISR',
    },
  },
  {
    category: 'kafka_exporter metric names',
    showIf: LEADERSHIP_OR_ISR,
    names: {
      brokerInfoMetric: 'Broker info',
      partitionLeaderMetric: 'Partition leader',
      partitionReplicasMetric: 'Partition replicas',
      partitionInSyncReplicasMetric: 'Partition in-sync replicas',
      partitionLeaderIsPreferredMetric: 'Leader is preferred',
      underReplicatedMetric: 'Under-replicated partition',
    },
  },
  {
    category: 'Probe metric names',
    showIf: LEADERSHIP,
    names: {
      probeLatencyMetric: 'Probe round-trip latency buckets',
      probeFailedMetric: 'Probe failed sends counter',
      probeLostMetric: 'Probe lost records counter',
    },
  },
  {
    category: BOTTLENECK_QUERIES,
    showIf: BOTTLENECK,
    names: {
      cpuQuery: 'CPU busy (0-1)',
      ioQuery: 'Disk busy (0-1)',
      temperatureQuery: 'Temperature (°C)',
      throttledQuery: 'Throttled now (0/1)',
      tpsQuery: 'Transactions per second',
      inflightQuery: 'In-flight requests',
      concurrencyQuery: 'Concurrency limit',
      latencyQuery: 'Latency (s)',
      generatorCpuQuery: 'Load generator CPU (cores)',
      loopDelayQuery: 'Load generator event-loop delay p99 (s)',
      scheduleLagQuery: 'Load generator behind schedule (s)',
    },
  },
];

/** Wiring only: the panel component and its options editor. */
export const plugin = new PanelPlugin<PanelOptions>(ClusterPanel).setPanelOptions((builder) => {
  const d = DEFAULT_OPTIONS;
  builder.addRadio({
    path: 'view',
    name: 'View',
    defaultValue: d.view,
    settings: {
      options: [
        { value: 'leadership', label: 'Leadership' },
        { value: 'isr', label: 'ISR history' },
        { value: 'bottleneck', label: 'Bottleneck' },
      ],
    },
  });
  builder
    .addTextInput({ path: 'topicFilter', name: 'Topic filter', description: 'Regular expression on the topic label', defaultValue: d.topicFilter, showIf: LEADERSHIP_OR_ISR })
    .addBooleanSwitch({ path: 'compactRows', name: 'Compact rows', defaultValue: d.compactRows, showIf: LEADERSHIP })
    .addNumberInput({ path: 'skewWarnPercent', name: 'Leader skew warning (%)', defaultValue: d.skewWarnPercent, showIf: LEADERSHIP });

  for (const group of METRIC_OPTIONS) {
    for (const [path, name] of Object.entries(group.names)) {
      builder.addTextInput({
        path,
        name,
        category: [group.category],
        description: 'Metric name (__name__) or query refId; several separated by commas',
        defaultValue: d[path as TextOption],
        showIf: group.showIf,
      });
    }
  }
  builder
    .addTextInput({ path: 'hostLabel', name: 'Host label', category: [BOTTLENECK_QUERIES], defaultValue: d.hostLabel, description: 'A trailing :port is removed', showIf: BOTTLENECK })
    .addTextInput({ path: 'roleLabel', name: 'Role label', category: [BOTTLENECK_QUERIES], defaultValue: d.roleLabel, description: 'producer, broker or database', showIf: BOTTLENECK })
    .addRadio({
      path: 'reducer',
      name: 'Reduce each series by',
      category: [BOTTLENECK_QUERIES],
      defaultValue: d.reducer,
      settings: { options: [{ value: 'mean', label: 'Mean' }, { value: 'max', label: 'Max' }, { value: 'last', label: 'Last' }] },
      showIf: BOTTLENECK,
    });
  const thresholds = 'Thresholds';
  builder
    .addNumberInput({ path: 'busyWarn', name: 'Busy warning (0-1)', category: [thresholds], defaultValue: d.busyWarn, showIf: BOTTLENECK })
    .addNumberInput({ path: 'busyCritical', name: 'Busy critical (0-1)', category: [thresholds], defaultValue: d.busyCritical, showIf: BOTTLENECK })
    .addNumberInput({ path: 'temperatureWarnCelsius', name: 'Temperature warning (°C)', category: [thresholds], defaultValue: d.temperatureWarnCelsius, showIf: BOTTLENECK })
    .addNumberInput({ path: 'temperatureCriticalCelsius', name: 'Temperature critical (°C)', category: [thresholds], defaultValue: d.temperatureCriticalCelsius, showIf: BOTTLENECK })
    .addNumberInput({ path: 'probeLatencyWarnSeconds', name: 'Probe round-trip p99 warning (s)', category: [thresholds], defaultValue: d.probeLatencyWarnSeconds, showIf: LEADERSHIP })
    .addNumberInput({ path: 'probeLatencyCriticalSeconds', name: 'Probe round-trip p99 critical (s)', category: [thresholds], defaultValue: d.probeLatencyCriticalSeconds, showIf: LEADERSHIP });
});
