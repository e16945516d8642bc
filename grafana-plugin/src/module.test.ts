import { PanelOptionsEditorBuilder, standardEditorsRegistry } from '@grafana/data';
import { plugin } from './module';
import { DEFAULT_OPTIONS, PanelOptions } from './types';

// Grafana fills this registry at start-up; the builder only needs the ids to exist
standardEditorsRegistry.setInit(() =>
  ['radio', 'text', 'number', 'boolean', 'select'].map((id) => ({ id, name: id, editor: () => null })),
);

describe('module', () => {
  const builder = new PanelOptionsEditorBuilder<PanelOptions>();
  plugin.getPanelOptionsSupplier()(builder, { data: [] });
  const items = builder.getItems();

  test('the options editor has one editor per option, defaulting to DEFAULT_OPTIONS', () => {
    expect(items.map((i) => i.path).sort()).toEqual(Object.keys(DEFAULT_OPTIONS).sort());
    for (const item of items) {
      expect([item.path, item.defaultValue]).toEqual([item.path, DEFAULT_OPTIONS[item.path as keyof PanelOptions]]);
    }
  });

  test.each<[string, PanelOptions['view'], boolean]>([
    ['cpuQuery', 'bottleneck', true],
    ['cpuQuery', 'leadership', false],
    ['replicaLeaderMetric', 'isr', true],
    ['replicaLeaderMetric', 'bottleneck', false],
    ['compactRows', 'leadership', true],
    ['compactRows', 'isr', false],
    ['probeLostMetric', 'leadership', true],
    ['probeLostMetric', 'isr', false],
    ['probeLatencyCriticalSeconds', 'leadership', true],
    ['probeLatencyCriticalSeconds', 'bottleneck', false],
  ])('%s is shown for the %s view: %p', (path, view, shown) => {
    const showIf = items.find((i) => i.path === path)?.showIf;
    if (!showIf) throw new Error(`option ${path} has no editor with a showIf condition`);
    expect(showIf({ ...DEFAULT_OPTIONS, view }, [])).toBe(shown);
  });
});
