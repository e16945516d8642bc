import { classifyBottleneck, THRESHOLDS, type HostSample, type Role, type Verdict } from './bottleneck';

/** Test factory: a host with only the fields a case cares about. */
function h(host: string, role: Role, cpu: number, extra: Partial<HostSample> = {}): HostSample {
  return { host, role, cpu, ...extra };
}

const p1 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-producer-1', 'producer', cpu, extra);
const p2 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-producer-2', 'producer', cpu, extra);
const p3 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-producer-3', 'producer', cpu, extra);
const b1 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-broker-1', 'broker', cpu, extra);
const b2 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-broker-2', 'broker', cpu, extra);
const b3 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-broker-3', 'broker', cpu, extra);
const db1 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-db-1', 'database', cpu, extra);
const db2 = (cpu: number, extra: Partial<HostSample> = {}) => h('pi-db-2', 'database', cpu, extra);

interface Case {
  name: string;
  hosts: HostSample[];
  kind: Verdict['kind'];
  host: string | undefined;
  role?: Role;
  /** Substrings the explanation must carry: the deciding numbers. */
  says: string[];
  /** Substrings it must not carry. */
  never?: string[];
}

const cases: Case[] = [
  {
    name: 'single producer pegs its own CPU',
    hosts: [p1(0.97), b1(0.4, { io: 0.1 }), db1(0.3, { io: 0.05 })],
    kind: 'cpu', host: 'pi-producer-1', role: 'producer',
    says: ['pi-producer-1 (producer) CPU is 97% busy', 'add producer hosts'],
  },
  {
    name: 'many producers, one broker CPU saturated; its idle peer is named as uneven',
    hosts: [p1(0.45), p2(0.48), p3(0.44), b1(0.93), b2(0.6)],
    kind: 'cpu', host: 'pi-broker-1', role: 'broker',
    says: ['93%', 'broker peer pi-broker-2 is at 60%', 'add brokers'],
  },
  {
    name: 'database CPU saturated on a single database node',
    hosts: [p1(0.3), db1(0.97, { io: 0.2 })],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['CPU is 97% busy'],
    never: ['nearly tied'],
  },
  {
    name: 'commit every row on a slow SD card: disk near 1 s per second',
    hosts: [p1(0.2), db1(0.35, { io: 0.98 })],
    kind: 'io', host: 'pi-db-1', role: 'database',
    says: ['disk is 98% busy', '0.98 s of IO per second', 'commit in larger batches'],
  },
  {
    name: 'disk busy rate slightly above 1 (timing jitter) is capped at 100%',
    hosts: [b1(0.3, { io: 1.02 })],
    kind: 'io', host: 'pi-broker-1', role: 'broker',
    says: ['100%', '1.00 s of IO per second'],
  },
  {
    name: 'replicated topic: broker disks saturated together, near-tie named, 80% broker not',
    hosts: [p1(0.3), b1(0.2, { io: 0.96 }), b2(0.18, { io: 0.93 }), b3(0.22, { io: 0.8 })],
    kind: 'io', host: 'pi-broker-1', role: 'broker',
    says: ['96%', 'nearly tied with pi-broker-2 (broker) disk at 93%'],
    never: ['pi-broker-3'],
  },
  {
    name: 'near-tie across roles: database CPU vs broker disk',
    hosts: [db1(0.95, { io: 0.3 }), b1(0.3, { io: 0.92 })],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['95%', 'nearly tied with pi-broker-1 (broker) disk at 92%'],
  },
  {
    name: 'a 9-point lead is not a near-tie',
    hosts: [db1(0.99), b1(0.9)],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['99%'],
    never: ['nearly tied', 'pi-broker-1'],
  },
  {
    name: 'disk beats CPU on the same host when more saturated',
    hosts: [db1(0.88, { io: 0.97 })],
    kind: 'io', host: 'pi-db-1', role: 'database',
    says: ['disk is 97% busy'],
    never: ['nearly tied'],
  },
  {
    name: 'uneven database nodes below saturation: the weak node is named',
    hosts: [p1(0.3), db1(0.41), db2(0.78)],
    kind: 'cpu', host: 'pi-db-2', role: 'database',
    says: ['pi-db-2 (database) CPU at 78%', 'pi-db-1 is at 41%', 'uneven node pi-db-2'],
  },
  {
    name: 'uneven broker disks: one broker holds the hot partitions',
    hosts: [b1(0.2, { io: 0.75 }), b2(0.2, { io: 0.3 }), b3(0.2, { io: 0.32 })],
    kind: 'io', host: 'pi-broker-1', role: 'broker',
    says: ['disk at 75%', 'pi-broker-2 is at 30%'],
  },
  {
    name: 'uneven and saturated: the weak node is saturated, its strong peer half idle',
    hosts: [db1(0.45), db2(0.92)],
    kind: 'cpu', host: 'pi-db-2', role: 'database',
    says: ['CPU is 92% busy', 'database peer pi-db-1 is at 45%'],
  },
  {
    name: 'busy but even and below saturation, producer not at its limit: none',
    hosts: [p1(0.3, { concurrency: 16, inflight: 6 }), db1(0.75), db2(0.72)],
    kind: 'none', host: undefined,
    says: ['pi-db-1 (database) CPU at 75%', 'under the 85% threshold', '6 of 16'],
  },
  {
    name: 'gap of 20 points between peers is not uneven',
    hosts: [db1(0.55), db2(0.75)],
    kind: 'none', host: undefined,
    says: ['75%'],
  },
  {
    name: 'throttled Pi at high CPU is thermal, not cpu',
    hosts: [p1(0.3), b1(0.91, { throttled: true, temperatureCelsius: 83.5 }), b2(0.88)],
    kind: 'thermal', host: 'pi-broker-1', role: 'broker',
    says: ['is throttled at 83.5°C', 'CPU 91% busy'],
  },
  {
    name: 'overheating without the throttled bit (over 80 C) is thermal',
    hosts: [db1(0.6, { temperatureCelsius: 81.2, throttled: false })],
    kind: 'thermal', host: 'pi-db-1', role: 'database',
    says: ['81.2°C', '80°C', 'CPU 60% busy'],
  },
  {
    name: 'throttled with no temperature reading',
    hosts: [p1(0.7, { throttled: true }), b1(0.2)],
    kind: 'thermal', host: 'pi-producer-1', role: 'producer',
    says: ['pi-producer-1 (producer) is throttled with CPU 70% busy'],
  },
  {
    name: 'a hot but lightly used Pi does not hide a saturated cool one',
    hosts: [b1(0.15, { throttled: true, temperatureCelsius: 82 }), db1(0.95)],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['95%', 'pi-broker-1 is hot too'],
  },
  {
    name: 'a throttled Pi at 60% is not the bottleneck beside a cool one at 97%',
    hosts: [b1(0.6, { throttled: true }), db1(0.97)],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['97%', 'pi-broker-1 is hot too'],
  },
  {
    name: 'a throttled Pi at 95% beside a cool one at 97% is (near-tie, reduced clock)',
    hosts: [b1(0.95, { throttled: true, temperatureCelsius: 84 }), db1(0.97)],
    kind: 'thermal', host: 'pi-broker-1', role: 'broker',
    says: ['84.0°C', 'CPU 95% busy'],
  },
  {
    name: 'a throttled idle Pi when nothing else is saturated',
    hosts: [p1(0.1), b1(0.2, { throttled: true, temperatureCelsius: 82 }), db1(0.3)],
    kind: 'thermal', host: 'pi-broker-1', role: 'broker',
    says: ['82.0°C', 'CPU 20% busy'],
  },
  {
    name: 'two hot Pis: the throttled one first, the other named',
    hosts: [b1(0.7, { temperatureCelsius: 85 }), b2(0.7, { throttled: true, temperatureCelsius: 81 })],
    kind: 'thermal', host: 'pi-broker-2', role: 'broker',
    says: ['throttled at 81.0°C', 'also hot: pi-broker-1'],
  },
  {
    name: 'single closed-loop producer at its in-flight limit, everything idle: Little\'s law',
    hosts: [p1(0.2, { concurrency: 16, inflight: 15.8, latency: 0.012, tps: 1310 }), b1(0.35, { io: 0.1 }), db1(0.42)],
    kind: 'concurrency', host: 'pi-producer-1', role: 'producer',
    says: ['15.8 of 16', '12 ms', '1317/s', 'measured 1310/s', 'busiest: pi-db-1 (database) CPU at 42%', 'raise --concurrency'],
  },
  {
    name: 'latency-bound synchronous sends (concurrency 1)',
    hosts: [p1(0.1, { concurrency: 1, inflight: 1, latency: 0.005, tps: 198 }), b1(0.15)],
    kind: 'concurrency', host: 'pi-producer-1', role: 'producer',
    says: ['1 of 1', '5 ms', '200/s', 'measured 198/s', '--concurrency 2 would allow about 400/s'],
  },
  {
    name: 'many producers all at their limit: the fullest is named, the count given',
    hosts: [
      p1(0.2, { concurrency: 8, inflight: 7.9, latency: 0.02, tps: 395 }),
      p2(0.2, { concurrency: 8, inflight: 8, latency: 0.021, tps: 380 }),
      b1(0.3),
    ],
    kind: 'concurrency', host: 'pi-producer-2', role: 'producer',
    says: ['2 producers sit at their in-flight limit', '8 of 8', '21 ms', '381/s'],
  },
  {
    name: 'generator-bound: the Node process uses its one core while the 4-core host is at 27 %',
    hosts: [p1(0.27, { generatorCpu: 0.97, concurrency: 64, inflight: 63, tps: 14000 }), b1(0.45, { io: 0.2 }), b2(0.4)],
    kind: 'generator', host: 'pi-producer-1', role: 'producer',
    says: ['pi-producer-1 (producer) is generator-bound at 14000/s', 'uses 97% of the one core', 'add a producer Pi or lower the rate'],
    never: ['--concurrency'],
  },
  {
    name: 'generator CPU at the boundary (0.90) is bound, just under (0.89) is not',
    hosts: [p1(0.25, { generatorCpu: THRESHOLDS.generatorCpu }), b1(0.3)],
    kind: 'generator', host: 'pi-producer-1', role: 'producer',
    says: ['uses 90% of the one core'],
  },
  {
    name: 'generator CPU 0.89 with its in-flight limit reached: concurrency, not the generator',
    hosts: [p1(0.25, { generatorCpu: 0.89, concurrency: 4, inflight: 4, latency: 0.01 }), b1(0.3)],
    kind: 'concurrency', host: 'pi-producer-1', role: 'producer',
    says: ['4 of 4'],
    never: ['generator-bound'],
  },
  {
    name: 'open loop 1.0 s behind its schedule (boundary) with a delayed event loop: both named',
    hosts: [p1(0.3, { scheduleLag: 1, loopDelay: 0.25 }), db1(0.5)],
    kind: 'generator', host: 'pi-producer-1', role: 'producer',
    says: ['is 1 s behind its --rate schedule', 'event loop delayed 250 ms (p99)'],
  },
  {
    name: 'schedule lag 0.99 s and loop delay 99 ms: under both thresholds, nothing is saturated',
    hosts: [p1(0.3, { scheduleLag: 0.99, loopDelay: 0.099, generatorCpu: 0.5 }), db1(0.5)],
    kind: 'none', host: undefined,
    says: ['Nothing is saturated'],
  },
  {
    name: 'generator-bound but a broker is saturated: the broker is the verdict',
    hosts: [p1(0.3, { generatorCpu: 0.99 }), b1(0.95)],
    kind: 'cpu', host: 'pi-broker-1', role: 'broker',
    says: ['95%'],
    never: ['generator-bound'],
  },
  {
    name: 'two generator-bound producers: the busier process named, the other listed',
    hosts: [p1(0.3, { generatorCpu: 0.92 }), p2(0.3, { generatorCpu: 0.98 }), b1(0.2)],
    kind: 'generator', host: 'pi-producer-2', role: 'producer',
    says: ['uses 98%', 'also generator-bound: pi-producer-1'],
  },
  {
    name: 'producer at its limit but a broker is saturated: the broker is the cause',
    hosts: [p1(0.2, { concurrency: 16, inflight: 16, latency: 0.05 }), b1(0.96)],
    kind: 'cpu', host: 'pi-broker-1', role: 'broker',
    says: ['96%'],
    never: ['--concurrency'],
  },
  {
    name: 'at limit without a latency metric: latency from in-flight / TPS',
    hosts: [p1(0.2, { concurrency: 16, inflight: 16, tps: 800 }), b1(0.3)],
    kind: 'concurrency', host: 'pi-producer-1', role: 'producer',
    says: ['16 of 16', '20 ms', '800/s'],
  },
  {
    name: 'at limit with only in-flight and limit known',
    hosts: [p1(0.2, { concurrency: 4, inflight: 4 })],
    kind: 'concurrency', host: 'pi-producer-1', role: 'producer',
    says: ['4 of 4', 'raise --concurrency'],
  },
  {
    name: 'producer at 89% of its limit is not at the limit',
    hosts: [p1(0.2, { concurrency: 16, inflight: 14.2 }), b1(0.3)],
    kind: 'none', host: undefined,
    says: ['14.2 of 16', 'pi-broker-1 (broker) CPU at 30%'],
  },
  {
    name: 'all idle: none',
    hosts: [p1(0.05), b1(0.08, { io: 0.02 }), db1(0.1, { io: 0.04 })],
    kind: 'none', host: undefined,
    says: ['Nothing is saturated', 'pi-db-1 (database) CPU at 10%', 'under the 85% threshold', 'no producer is at its in-flight limit'],
  },
  {
    name: 'missing io and temperature fields: CPU alone decides',
    hosts: [db1(0.9), b1(0.5)],
    kind: 'cpu', host: 'pi-db-1', role: 'database',
    says: ['CPU is 90% busy'],
  },
  {
    name: 'CPU exactly at the 85% threshold counts as saturated',
    hosts: [b1(0.85)],
    kind: 'cpu', host: 'pi-broker-1', role: 'broker',
    says: ['85%'],
  },
  {
    name: 'disk at 89% is under the 90% disk threshold',
    hosts: [db1(0.2, { io: 0.89 })],
    kind: 'none', host: undefined,
    says: ['pi-db-1 (database) disk at 89%', 'under the 90% threshold'],
  },
  {
    name: 'a host with no usable CPU number is left out',
    hosts: [b1(Number.NaN, { io: Number.NaN }), db1(0.2)],
    kind: 'none', host: undefined,
    says: ['pi-db-1 (database) CPU at 20%'],
    never: ['pi-broker-1'],
  },
  {
    name: 'no hosts at all',
    hosts: [],
    kind: 'none', host: undefined,
    says: ['No host samples'],
  },
];

describe('diagnosis > classifyBottleneck', () => {
  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const verdict = classifyBottleneck(c.hosts);
    expect(verdict.kind).toBe(c.kind);
    expect(verdict.host).toBe(c.host);
    if (c.role) expect(verdict.role).toBe(c.role);
    for (const text of c.says) expect(verdict.explanation).toContain(text);
    for (const text of c.never ?? []) expect(verdict.explanation).not.toContain(text);
    // One sentence: no line breaks, ends with a full stop.
    expect(verdict.explanation).not.toMatch(/\n/);
    expect(verdict.explanation).toMatch(/\.$/);
  });

  it('ranks every host resource, most utilised first, ties by host then cpu before io, clamped to 0..1', () => {
    const verdict = classifyBottleneck([db1(0.5, { io: 0.5 }), b1(0.5), p1(0.9, { io: 1.3 }), db2(-0.1)]);
    expect(verdict.ranked).toEqual([
      { host: 'pi-producer-1', role: 'producer', resource: 'io', utilisation: 1 },
      { host: 'pi-producer-1', role: 'producer', resource: 'cpu', utilisation: 0.9 },
      { host: 'pi-broker-1', role: 'broker', resource: 'cpu', utilisation: 0.5 },
      { host: 'pi-db-1', role: 'database', resource: 'cpu', utilisation: 0.5 },
      { host: 'pi-db-1', role: 'database', resource: 'io', utilisation: 0.5 },
      { host: 'pi-db-2', role: 'database', resource: 'cpu', utilisation: 0 },
    ]);
  });

  it('does not depend on the order of the input', () => {
    const hosts = [b1(0.2, { io: 0.96 }), b2(0.18, { io: 0.93 }), b3(0.22, { io: 0.8 }), p1(0.3)];
    const forward = classifyBottleneck(hosts);
    const backward = classifyBottleneck([...hosts].reverse());
    expect(backward).toEqual(forward);
  });

  it('documents its thresholds', () => {
    expect(THRESHOLDS).toEqual({
      cpuSaturated: 0.85, ioSaturated: 0.9, nearTie: 0.05, unevenBusy: 0.7, unevenGap: 0.25,
      thermalCelsius: 80, thermalBusy: 0.5, atLimit: 0.9, generatorCpu: 0.9, loopDelay: 0.1, scheduleLag: 1,
    });
  });
});
