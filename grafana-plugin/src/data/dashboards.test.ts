import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_OPTIONS, PanelOptions } from '../types';
import { matches } from './frames';

/** Every query of a pitower-cluster-panel in the shipped dashboards must feed one of the view's options. */
const DIR = path.resolve(__dirname, '../../../dashboards');
const VIEW_OPTIONS: Record<PanelOptions['view'], Array<keyof PanelOptions>> = {
  leadership: [
    'replicaInSyncMetric',
    'replicaLeaderMetric',
    'replicaPreferredMetric',
    'partitionOfflineMetric',
    'brokerUpMetric',
    'brokerInfoMetric',
    'partitionLeaderMetric',
    'partitionReplicasMetric',
    'partitionInSyncReplicasMetric',
    'partitionLeaderIsPreferredMetric',
    'underReplicatedMetric',
    'probeLatencyMetric',
    'probeFailedMetric',
    'probeLostMetric',
  ],
  isr: ['isrShrinksMetric', 'isrExpandsMetric', 'leaderChangesMetric', 'underReplicatedMetric', 'partitionOfflineMetric', 'underMinIsrMetric', 'replicaInSyncMetric'],
  bottleneck: ['cpuQuery', 'ioQuery', 'temperatureQuery', 'throttledQuery', 'tpsQuery', 'inflightQuery', 'concurrencyQuery', 'latencyQuery', 'generatorCpuQuery', 'loopDelayQuery', 'scheduleLagQuery'],
};

interface Panel {
  type?: string;
  title?: string;
  options?: Partial<PanelOptions>;
  targets?: Array<{ refId: string }>;
  panels?: Panel[];
}

const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')) : [];
const cases = files.flatMap((f) =>
  panels(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).panels ?? [])
    .filter((p) => p.type === 'pitower-cluster-panel')
    .map((p) => [`${f} "${p.title}"`, p] as const),
);

describe('data > shipped dashboards', () => {
  (cases.length ? test.each(cases) : test.skip.each([['none', {} as Panel]]))('%s: every query is used', (_name, panel) => {
    const options = { ...DEFAULT_OPTIONS, ...panel.options };
    const unused = (panel.targets ?? [])
      .map((t) => t.refId)
      .filter((refId) => !VIEW_OPTIONS[options.view].some((o) => matches({ refId, labels: {}, times: [], values: [] }, String(options[o]))));
    expect(unused).toEqual([]);
  });
});
