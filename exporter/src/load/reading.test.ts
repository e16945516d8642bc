import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProducerId, createReadingFactory, parseReadingJson, readValueSource, toReadingJson, toSyntheticCelsius } from './reading';

describe('load > reading', () => {
  let sysfs: string;
  beforeEach(() => {
    sysfs = mkdtempSync(join(tmpdir(), 'pitower-sysfs-'));
  });
  afterEach(() => rmSync(sysfs, { recursive: true, force: true }));

  test('value from thermal_zone0 through the thermal parser, refreshed on demand', async () => {
    const dir = join(sysfs, 'class/thermal/thermal_zone0');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'temp'), '48312\n');
    const source = await readValueSource(sysfs);
    expect([source.kind, source.current()]).toEqual(['thermal_zone0', 48.312]);
    writeFileSync(join(dir, 'temp'), '51000\n');
    expect(source.current()).toBe(48.312);
    await source.refresh();
    expect(source.current()).toBe(51);
    writeFileSync(join(dir, 'temp'), 'garbage');
    await source.refresh();
    expect(source.current()).toBe(51); // an unreadable refresh keeps the last good value
  });

  test('synthetic value without a thermal zone', async () => {
    const source = await readValueSource(sysfs, () => 150000);
    expect([source.kind, source.current()]).toEqual(['synthetic', 50]);
    expect(toSyntheticCelsius(0)).toBe(45);
    expect(toSyntheticCelsius(450000)).toBe(40);
  });

  test('reading factory and the JSON round trip', async () => {
    const source = await readValueSource(sysfs, () => 0);
    const make = createReadingFactory({ producer: 'p1', host: 'pi-1', location: 'lab', note: 'x', source, now: () => 1234 });
    const r = make(42);
    expect(r).toEqual({ producer: 'p1', seq: 42, host: 'pi-1', location: 'lab', timestamp_ms: 1234, note: 'x', value_celsius: 45 });
    expect(parseReadingJson(toReadingJson(r))).toEqual({ producer: 'p1', seq: 42 });
    expect(parseReadingJson('{"producer":"p1","seq":1.5}')).toBeUndefined();
    expect(parseReadingJson('not json')).toBeUndefined();
    expect(createProducerId('pi-1', 36 ** 3, 77)).toBe('pi-1-77-1000');
  });
});
