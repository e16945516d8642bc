import { PanelPlugin } from '@grafana/data';
import { ClusterPanel } from './components/ClusterPanel';
import { DEFAULT_OPTIONS, PanelOptions } from './types';

const LEADERSHIP_OR_ISR = (o: PanelOptions) => o.view !== 'bottleneck';
const BOTTLENECK = (o: PanelOptions) => o.view === 'bottleneck';

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
    .addBooleanSwitch({ path: 'compactRows', name: 'Compact rows', defaultValue: d.compactRows, showIf: (o) => o.view === 'leadership' })
    .addNumberInput({ path: 'skewWarnPercent', name: 'Leader skew warning (%)', defaultValue: d.skewWarnPercent, showIf: (o) => o.view === 'leadership' });

  const metric = (path: keyof PanelOptions & string, name: string, category: string, showIf = LEADERSHIP_OR_ISR) =>
    builder.addTextInput({
      path,
      name,
      category: [category],
      description: 'Metric name (__name__) or query refId; several separated by commas',
      defaultValue: d[path] as string,
      showIf,
    });
  const pitower = 'pitower metric names';
  metric('replicaInSyncMetric', 'Replica in sync', pitower);
  metric('replicaLeaderMetric', 'Replica is leader', pitower);
  metric('replicaPreferredMetric', 'Replica is preferred', pitower);
  metric('partitionOfflineMetric', 'Partition offline', pitower);
  metric('brokerUpMetric', 'Broker up', pitower);
  metric('isrShrinksMetric', 'ISR shrinks counter', pitower);
  metric('isrExpandsMetric', 'ISR expands counter', pitower);
  metric('underMinIsrMetric', 'Under min ISR', pitower);
  const kafkaExporter = 'kafka_exporter metric names';
  metric('brokerInfoMetric', 'Broker info', kafkaExporter);
  metric('partitionLeaderMetric', 'Partition leader', kafkaExporter);
  metric('partitionReplicasMetric', 'Partition replicas', kafkaExporter);
  metric('partitionInSyncReplicasMetric', 'Partition in-sync replicas', kafkaExporter);
  metric('partitionLeaderIsPreferredMetric', 'Leader is preferred', kafkaExporter);
  metric('underReplicatedMetric', 'Under-replicated partition', kafkaExporter);

  const hosts = 'Bottleneck queries';
  metric('cpuQuery', 'CPU busy (0-1)', hosts, BOTTLENECK);
  metric('ioQuery', 'Disk busy (0-1)', hosts, BOTTLENECK);
  metric('temperatureQuery', 'Temperature (°C)', hosts, BOTTLENECK);
  metric('throttledQuery', 'Throttled now (0/1)', hosts, BOTTLENECK);
  metric('tpsQuery', 'Transactions per second', hosts, BOTTLENECK);
  metric('inflightQuery', 'In-flight requests', hosts, BOTTLENECK);
  metric('concurrencyQuery', 'Concurrency limit', hosts, BOTTLENECK);
  metric('latencyQuery', 'Latency (s)', hosts, BOTTLENECK);
  builder
    .addTextInput({ path: 'hostLabel', name: 'Host label', category: [hosts], defaultValue: d.hostLabel, description: 'A trailing :port is removed', showIf: BOTTLENECK })
    .addTextInput({ path: 'roleLabel', name: 'Role label', category: [hosts], defaultValue: d.roleLabel, description: 'producer, broker or database', showIf: BOTTLENECK })
    .addRadio({
      path: 'reducer',
      name: 'Reduce each series by',
      category: [hosts],
      defaultValue: d.reducer,
      settings: { options: [{ value: 'mean', label: 'Mean' }, { value: 'max', label: 'Max' }, { value: 'last', label: 'Last' }] },
      showIf: BOTTLENECK,
    });
  const thresholds = 'Thresholds';
  builder
    .addNumberInput({ path: 'busyWarn', name: 'Busy warning (0-1)', category: [thresholds], defaultValue: d.busyWarn, showIf: BOTTLENECK })
    .addNumberInput({ path: 'busyCritical', name: 'Busy critical (0-1)', category: [thresholds], defaultValue: d.busyCritical, showIf: BOTTLENECK })
    .addNumberInput({ path: 'temperatureWarnCelsius', name: 'Temperature warning (°C)', category: [thresholds], defaultValue: d.temperatureWarnCelsius, showIf: BOTTLENECK })
    .addNumberInput({ path: 'temperatureCriticalCelsius', name: 'Temperature critical (°C)', category: [thresholds], defaultValue: d.temperatureCriticalCelsius, showIf: BOTTLENECK });
});
