import { DEFAULT_OPTIONS, Series } from '../types';
import { THRESHOLDS, type HostSample, type Verdict } from '@pitower/diagnosis';
import { toSeries } from './frames';
import { createHostFrames } from './fixtures';
import { NO_HOST_SERIES_NOTICE, toBottleneckViewModel } from './to-bottleneck-view-model';

const q = (refId: string, instance: string | undefined, role: string | undefined, values: Array<number | null>): Series => ({
  refId,
  labels: { ...(instance ? { instance } : {}), ...(role ? { role } : {}) },
  times: values.map((_, i) => i),
  values,
});
const none: Verdict = { kind: 'none', explanation: 'fine', ranked: [] };

describe('data > to-bottleneck-view-model', () => {
  test('fixture hosts with the real classifier: one card per host, the verdict host highlighted', () => {
    const model = toBottleneckViewModel(toSeries(createHostFrames()), DEFAULT_OPTIONS);
    expect(model.mode).toBe('hosts');
    expect(model.cards.map((c) => [c.host, c.role, c.isBottleneck])).toEqual([
      ['pi-producer', 'producer', false],
      ['pi-broker-1', 'broker', false],
      ['pi-broker-2', 'broker', true],
      ['pi-broker-3', 'broker', false],
      ['pi-db', 'database', false],
    ]);
    expect(model.verdict).toMatchObject({ kind: 'cpu', host: 'pi-broker-2', role: 'broker' });
    expect(model.verdict?.explanation).toContain('pi-broker-2');
    // node_exporter (:9100) and pitower exporter (:9742) series of one Pi are joined by host name
    expect(model.samples.find((s) => s.host === 'pi-db')).toEqual({
      host: 'pi-db',
      role: 'database',
      cpu: expect.closeTo(0.35, 9),
      io: expect.closeTo(0.12, 9),
      temperatureCelsius: expect.closeTo(83.2, 9),
      throttled: true,
    });
    expect(model.warnings).toEqual([]);
  });

  test('samples handed to the classifier: reduced, combined per host, throttled as a share of the range', () => {
    const seen: HostSample[][] = [];
    const classify = (hosts: HostSample[]) => {
      seen.push(hosts);
      return none;
    };
    const series = [
      q('cpu', 'pi1:9100', 'producer', [0.2, 0.4]),
      q('io', 'pi1:9100', 'producer', [0.1, null]),
      q('io', 'pi1:9100', 'producer', [0.5, 0.3]), // second device: the busiest wins
      q('throttled', 'pi1:9742', 'producer', [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), // 10 % of the range
      q('tps', 'pi1:9742', 'producer', [100, 100]),
      q('tps', 'pi1:9742', 'producer', [50, 50]), // two load generators: summed
      q('inflight', 'pi1:9742', 'producer', [3, 5]),
      q('concurrency', 'pi1:9742', 'producer', [8, 8]),
      q('latency', 'pi1:9742', 'producer', [0.01, 0.03]),
      q('cpu', 'pi2:9100', 'broker', [0.9, 0.9]),
      q('throttled', 'pi2:9742', 'broker', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), // 8 %: not throttled
    ];
    const model = toBottleneckViewModel(series, DEFAULT_OPTIONS, classify);
    expect(seen).toEqual([
      [
        { host: 'pi1', role: 'producer', cpu: 0.30000000000000004, io: 0.4, throttled: true, tps: 150, inflight: 4, concurrency: 8, latency: 0.02 },
        { host: 'pi2', role: 'broker', cpu: 0.9, throttled: false },
      ],
    ]);
    expect(model.verdict).toBe(none);
    expect(model.cards.every((c) => !c.isBottleneck)).toBe(true);
  });

  test('raw metric names work too; throttling conditions other than throttled/soft limit are ignored', () => {
    const n = (name: string, labels: Record<string, string>, values: number[]): Series => ({
      refId: 'A',
      labels: { __name__: name, instance: 'pi1:9742', role: 'broker', ...labels },
      times: values.map((_, i) => i),
      values,
    });
    const model = toBottleneckViewModel(
      [
        q('cpu', 'pi1:9100', 'broker', [0.5]),
        n('pitower_thermal_zone_temperature_celsius', { zone: '0' }, [61]),
        n('pitower_thermal_zone_temperature_celsius', { zone: '1' }, [64]),
        n('pitower_throttling_now', { condition: 'under_voltage' }, [1]),
        n('pitower_throttling_now', { condition: 'throttled' }, [0]),
        n('pitower_load_inflight', {}, [3]),
        n('pitower_load_concurrency_limit', {}, [4]),
      ],
      DEFAULT_OPTIONS,
      () => none,
    );
    expect(model.samples).toEqual([
      { host: 'pi1', role: 'broker', cpu: 0.5, temperatureCelsius: 64, throttled: false, inflight: 3, concurrency: 4 },
    ]);
  });

  test.each([
    ['last', 0.4],
    ['mean', 0.30000000000000004],
    ['max', 0.4],
  ] as const)('reducer %s', (reducer, cpu) => {
    const model = toBottleneckViewModel([q('cpu', 'pi1', 'broker', [0.2, 0.4, null])], { ...DEFAULT_OPTIONS, reducer }, () => none);
    expect(model.samples[0].cpu).toBe(cpu);
  });

  test('hosts without role or cpu get a card, a warning, and no say in the verdict', () => {
    const classify = jest.fn((_hosts: HostSample[]) => none);
    const model = toBottleneckViewModel(
      [q('cpu', 'pi1', undefined, [0.5]), q('cpu', 'pi2', 'kafka', [0.5]), q('io', 'pi3', 'broker', [0.5]), q('cpu', 'pi4', 'broker', [0.1])],
      DEFAULT_OPTIONS,
      classify,
    );
    expect(model.cards.map((c) => c.host)).toEqual(['pi3', 'pi4', 'pi1', 'pi2']);
    expect(classify).toHaveBeenCalledWith([{ host: 'pi4', role: 'broker', cpu: 0.1 }]);
    expect(model.warnings).toEqual([
      'no producer/broker/database "role" label for pi1, pi2; left out of the verdict',
      'no CPU series for pi3; left out of the verdict',
    ]);
  });

  test('no classifiable host -> cards without a verdict', () => {
    const classify = jest.fn(() => none);
    const model = toBottleneckViewModel([q('io', 'pi1', 'broker', [0.5])], DEFAULT_OPTIONS, classify);
    expect(classify).not.toHaveBeenCalled();
    expect(model.verdict).toBeUndefined();
    expect(model.cards).toHaveLength(1);
  });

  test('series without the host label are counted and ignored; nothing left -> empty notice', () => {
    const model = toBottleneckViewModel([q('cpu', undefined, 'broker', [0.5]), q('other', 'pi1', 'broker', [1])], DEFAULT_OPTIONS);
    expect(model).toMatchObject({ mode: 'empty', notice: NO_HOST_SERIES_NOTICE, cards: [] });
    expect(model.warnings).toEqual(['1 series without the "instance" label ignored']);
  });

  test('series match by __name__ as well as by refId; custom host label', () => {
    const s: Series = { refId: 'A', labels: { __name__: 'my_cpu', node: 'n1', role: 'broker' }, times: [0], values: [0.5] };
    const model = toBottleneckViewModel([s], { ...DEFAULT_OPTIONS, cpuQuery: 'my_cpu', hostLabel: 'node' }, () => none);
    expect(model.samples).toEqual([{ host: 'n1', role: 'broker', cpu: 0.5 }]);
  });

  test.each([
    [0.69, 'ok'],
    [0.7, 'warn'],
    [0.85, 'critical'],
  ])('cpu %p is %s with the default thresholds', (cpu, level) => {
    const model = toBottleneckViewModel([q('cpu', 'pi1', 'broker', [cpu])], DEFAULT_OPTIONS, () => none);
    expect(model.cards[0].cpuLevel).toBe(level);
  });

  test('default thresholds follow the classifier', () => {
    expect(DEFAULT_OPTIONS.busyCritical).toBe(THRESHOLDS.cpuSaturated);
    expect(DEFAULT_OPTIONS.busyWarn).toBe(THRESHOLDS.unevenBusy);
    expect(DEFAULT_OPTIONS.temperatureCriticalCelsius).toBe(THRESHOLDS.thermalCelsius);
  });
});
