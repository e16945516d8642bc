/**
 * Where is the bottleneck? A pure classifier from per-host samples (averaged over a window) to one verdict
 * with the numbers that decided it. No I/O and no Node-only APIs: the Grafana panel bundles this file.
 *
 * Thresholds (all fractions 0..1, "busy" = share of the window a resource was working):
 *
 *   CPU_SATURATED   0.85  CPU busy across all cores. A Pi at 85 % has no headroom left for softirqs,
 *                         GC pauses or the exporter itself; queues build up and latency climbs.
 *   IO_SATURATED    0.90  disk busy time (rate of node_disk_io_time_seconds_total of the busiest device):
 *                         0.9 s of IO per second is "near 1 s per second", i.e. the device always has a
 *                         request in service. It is capped at 1.0, so it cannot go higher.
 *   NEAR_TIE        0.05  saturated resources within 5 points of the winner are named as near-ties.
 *   UNEVEN_BUSY     0.70  a host this busy ...
 *   UNEVEN_GAP      0.25  ... while a peer with the same role is at least 25 points less busy on the same
 *                         resource is a hot spot even below saturation (a weak or overloaded node).
 *   THERMAL_CELSIUS 80    at or above this a Pi 4/5 firmware starts to cap the ARM clock. A host that is
 *                         `throttled` (firmware bit "throttled" or "soft temperature limit") or this hot is
 *                         hot. A hot host is the verdict when nothing on a cooler host is saturated, or when
 *                         it is working (>= THERMAL_BUSY 0.50 on any resource) and no cooler host is more
 *                         saturated than it by more than NEAR_TIE: a throttled Pi at 60 % is not the
 *                         bottleneck beside a cool one at 97 %, but a throttled Pi at 95 % beside one at
 *                         97 % is (its 95 % is measured at a reduced clock).
 *   AT_LIMIT        0.90  a producer whose mean in-flight requests reach 90 % of its `concurrency` limit is
 *                         at its limit: a closed loop whose throughput is capped by Little's law,
 *                         TPS ~= in-flight / latency.
 *   GENERATOR_CPU   0.90  cores used by a producer's load-generator process: Node runs it on one JS thread,
 *                         so ~1.0 core is all it can get however many cores the Pi has (the host's own CPU
 *                         share stays low: 25 % on a 4-core Pi).
 *   LOOP_DELAY      0.10  s of event-loop delay (p99): the generator's timers and callbacks wait this long for
 *                         the thread, so its schedule and its latency numbers slip.
 *   SCHEDULE_LAG    1.0   s behind the --rate schedule (open loop): due readings wait for the generator.
 *                         Any of the three makes the producer generator-bound: the cluster is not being
 *                         offered the load asked for, so its numbers are not its limit.
 *
 * Order of the rules: thermal -> saturation (most saturated resource wins) -> uneven peers -> generator
 * -> concurrency -> none. The generator comes before concurrency: a CPU-bound generator keeps its
 * requests "in flight" in its own queue, and more concurrency would not help.
 *
 * Worked examples (host: cpu / io):
 *
 *   pi-db-1 database 0.97/0.20, pi-broker-1 broker 0.40/0.10
 *     -> cpu on pi-db-1: "pi-db-1 (database) CPU is 97% busy ..."
 *   pi-db-1 database 0.35/0.98 (commit every row on an SD card)
 *     -> io on pi-db-1: "disk is 98% busy (0.98 s of IO per second) ..."
 *   pi-broker-1 0.20/0.96, pi-broker-2 0.18/0.93, pi-broker-3 0.22/0.80 (replicated topic)
 *     -> io on pi-broker-1, "nearly tied with pi-broker-2 (broker) disk at 93%"; broker-3 at 80 % is not
 *        saturated, so it is not a tie.
 *   pi-db-1 0.78, pi-db-2 0.41 (both database, nothing >= 0.85)
 *     -> cpu on pi-db-1: uneven, 78 % vs its peer's 41 % (gap 37 >= 25 points).
 *   pi-broker-1 0.91 cpu, throttled, 83.5 °C
 *     -> thermal on pi-broker-1: "throttled at 83.5°C with CPU 91% busy" (not cpu).
 *   pi-broker-1 0.15 cpu, throttled; pi-db-1 0.95 cpu
 *     -> cpu on pi-db-1 (the hot broker is idle and something else is saturated).
 *   pi-broker-1 0.20 cpu, throttled at 82 °C; every other host below 50 %
 *     -> thermal on pi-broker-1 (nothing else explains a slow cluster).
 *   producer concurrency 16, inflight 15.8, latency 0.012 s, tps 1310; every host below 50 %
 *     -> concurrency on the producer: "15.8 of 16 ... 12 ms ... Little's law caps it at 1317/s ...
 *        raise --concurrency".
 *   producer generatorCpu 0.97 (one core), host cpu 0.27 of 4 cores, brokers below 50 %
 *     -> generator on the producer: "its load generator uses 97% of the one core a Node process can use
 *        ... add a producer Pi or lower the rate".
 *   every host below saturation, producer inflight 3 of 16
 *     -> none: "Nothing is saturated: the busiest resource is ... ; no producer is at its in-flight limit".
 *
 * Limitation: `cpu` is the busy share of all cores. A single-threaded process (a Node.js producer, a
 * single MySQL connection) pegs one core of four at 25 % of the host; such a host is not called saturated.
 */

export type Role = 'producer' | 'broker' | 'database';

export interface HostSample {
  host: string;
  role: Role;
  cpu: number; // busy fraction of all cores, 0..1, averaged over the window
  io?: number; // busiest block device busy fraction, 0..1 (rate of node_disk_io_time_seconds_total)
  temperatureCelsius?: number;
  throttled?: boolean;
  concurrency?: number; // producers: configured in-flight limit
  inflight?: number; // producers: mean in-flight requests
  tps?: number;
  latency?: number; // producers: transactions per second, mean seconds per transaction
  generatorCpu?: number; // producers: cores used by the load generator's process (one JS thread: at most ~1)
  loopDelay?: number; // producers: worst event-loop delay p99 of that process, seconds
  scheduleLag?: number; // producers, open loop: worst seconds behind the --rate schedule
}

export interface Verdict {
  kind: 'cpu' | 'io' | 'thermal' | 'generator' | 'concurrency' | 'none';
  host?: string;
  role?: Role;
  explanation: string; // one sentence with the numbers that decided it
  ranked: { host: string; role: Role; resource: 'cpu' | 'io'; utilisation: number }[];
}

export const THRESHOLDS = {
  cpuSaturated: 0.85,
  ioSaturated: 0.9,
  nearTie: 0.05,
  unevenBusy: 0.7,
  unevenGap: 0.25,
  thermalCelsius: 80,
  thermalBusy: 0.5,
  atLimit: 0.9,
  generatorCpu: 0.9,
  loopDelay: 0.1,
  scheduleLag: 1,
} as const;

type Ranked = Verdict['ranked'][number];

const ADVICE: Record<Role, Record<'cpu' | 'io', string>> = {
  producer: {
    cpu: 'add producer hosts or processes',
    io: 'move the producer off the SD card or log less',
  },
  broker: {
    cpu: 'add brokers or spread partition leaders',
    io: 'give the brokers faster storage than an SD card or batch more per request',
  },
  database: {
    cpu: 'add database nodes or make each transaction cheaper',
    io: 'give the database faster storage than an SD card or commit in larger batches',
  },
};

function isNum(x: number | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** 0.974 -> "97%". */
function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** 0.012 -> "12 ms", 0.0054 -> "5.4 ms", 1.5 -> "1.5 s". */
function formatSeconds(seconds: number): string {
  if (seconds >= 1) return `${Number(seconds.toPrecision(3))} s`;
  return `${Number((seconds * 1000).toPrecision(3))} ms`;
}

/** Transactions per second: whole numbers from 100 up, three significant digits below. */
function formatRate(perSecond: number): string {
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  return `${Number(perSecond.toPrecision(3))}/s`;
}

function resourceName(resource: 'cpu' | 'io'): string {
  return resource === 'cpu' ? 'CPU' : 'disk';
}

function describeResource(r: Ranked): string {
  return `${r.host} (${r.role}) ${resourceName(r.resource)} at ${formatPercent(r.utilisation)}`;
}

function saturationThreshold(resource: 'cpu' | 'io'): number {
  return resource === 'cpu' ? THRESHOLDS.cpuSaturated : THRESHOLDS.ioSaturated;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every host's CPU and (when known) disk busy fraction, most utilised first. */
function toRanked(hosts: HostSample[]): Ranked[] {
  const ranked: Ranked[] = [];
  for (const h of hosts) {
    if (isNum(h.cpu)) ranked.push({ host: h.host, role: h.role, resource: 'cpu', utilisation: clamp01(h.cpu) });
    if (isNum(h.io)) ranked.push({ host: h.host, role: h.role, resource: 'io', utilisation: clamp01(h.io) });
  }
  return ranked.sort(
    (a, b) =>
      b.utilisation - a.utilisation || byName(a.host, b.host) || (a.resource === b.resource ? 0 : a.resource === 'cpu' ? -1 : 1),
  );
}

function isHot(h: HostSample): boolean {
  return h.throttled === true || (isNum(h.temperatureCelsius) && h.temperatureCelsius >= THRESHOLDS.thermalCelsius);
}

function busiest(h: HostSample, ranked: Ranked[]): number {
  return ranked.filter((r) => r.host === h.host).reduce((m, r) => Math.max(m, r.utilisation), 0);
}

/** The least busy peer (same role, other host) on the same resource, when the gap is wide. */
function unevenPeer(top: Ranked, ranked: Ranked[]): Ranked | undefined {
  const peers = ranked.filter((r) => r.role === top.role && r.resource === top.resource && r.host !== top.host);
  const lowest = peers[peers.length - 1];
  if (lowest && top.utilisation - lowest.utilisation >= THRESHOLDS.unevenGap - 1e-9) return lowest;
  return undefined;
}

function thermalVerdict(h: HostSample, ranked: Ranked[], others: HostSample[]): Verdict {
  const temp = isNum(h.temperatureCelsius) ? `${h.temperatureCelsius.toFixed(1)}°C` : undefined;
  const state =
    h.throttled === true
      ? `is throttled${temp ? ` at ${temp}` : ''}`
      : `is at ${temp}, at or over the ${THRESHOLDS.thermalCelsius}°C throttling point`;
  const own = ranked.filter((r) => r.host === h.host);
  const load = own.length > 0 ? ` with ${own.map((r) => `${resourceName(r.resource)} ${formatPercent(r.utilisation)} busy`).join(' and ')}` : '';
  const also = others.length > 0 ? ` (also hot: ${others.map((o) => o.host).join(', ')})` : '';
  return {
    kind: 'thermal',
    host: h.host,
    role: h.role,
    explanation: `${h.host} (${h.role}) ${state}${load}${also}: a hot Pi loses clock speed before it runs out of CPU, so cool it (heatsink, fan, airflow) before adding load.`,
    ranked,
  };
}

function saturationVerdict(top: Ranked, saturated: Ranked[], ranked: Ranked[], note: string): Verdict {
  const ties = saturated.filter((r) => r !== top && top.utilisation - r.utilisation <= THRESHOLDS.nearTie + 1e-9);
  const what =
    top.resource === 'cpu'
      ? `CPU is ${formatPercent(top.utilisation)} busy across all cores`
      : `disk is ${formatPercent(top.utilisation)} busy (${top.utilisation.toFixed(2)} s of IO per second)`;
  const tie = ties.length > 0 ? `, nearly tied with ${ties.map(describeResource).join(' and ')}` : '';
  const peer = unevenPeer(top, ranked);
  const uneven = peer ? `, while its ${top.role} peer ${peer.host} is at ${formatPercent(peer.utilisation)}` : '';
  return {
    kind: top.resource,
    host: top.host,
    role: top.role,
    explanation: `${top.host} (${top.role}) ${what}, the most saturated resource${tie}${uneven}${note}: ${ADVICE[top.role][top.resource]}.`,
    ranked,
  };
}

function unevenVerdict(ranked: Ranked[]): Verdict | undefined {
  for (const top of ranked) {
    if (top.utilisation < THRESHOLDS.unevenBusy) return undefined;
    const peer = unevenPeer(top, ranked);
    if (!peer) continue;
    return {
      kind: top.resource,
      host: top.host,
      role: top.role,
      explanation:
        `${top.host} (${top.role}) ${resourceName(top.resource)} at ${formatPercent(top.utilisation)} carries the load while its ` +
        `${top.role} peer ${peer.host} is at ${formatPercent(peer.utilisation)}: the uneven node ${top.host} limits the cluster, ` +
        `so rebalance (leaders, partitions, connections) or upgrade it.`,
      ranked,
    };
  }
  return undefined;
}

/** What limits a producer's generator, worst first; empty when it keeps up. */
function generatorLimits(h: HostSample): string[] {
  const out: string[] = [];
  if (isNum(h.scheduleLag) && h.scheduleLag >= THRESHOLDS.scheduleLag - 1e-9) out.push(`is ${formatSeconds(h.scheduleLag)} behind its --rate schedule`);
  if (isNum(h.generatorCpu) && h.generatorCpu >= THRESHOLDS.generatorCpu - 1e-9) {
    out.push(`uses ${formatPercent(h.generatorCpu)} of the one core its Node process can use`);
  }
  if (isNum(h.loopDelay) && h.loopDelay >= THRESHOLDS.loopDelay - 1e-9) out.push(`has its event loop delayed ${formatSeconds(h.loopDelay)} (p99)`);
  return out;
}

function generatorVerdict(bound: HostSample[], ranked: Ranked[]): Verdict {
  const p = bound[0];
  const many = bound.length > 1 ? ` (also generator-bound: ${bound.slice(1).map((h) => h.host).join(', ')})` : '';
  const tps = isNum(p.tps) ? ` at ${formatRate(p.tps)}` : '';
  const top = ranked[0];
  const busiest = top ? `; busiest: ${describeResource(top)}` : '';
  return {
    kind: 'generator',
    host: p.host,
    role: p.role,
    explanation:
      `${p.host} (producer) is generator-bound${tps}: its load generator ${generatorLimits(p).join(' and ')}${many}, so the cluster ` +
      `is not offered the load asked for${busiest}: add a producer Pi or lower the rate.`,
    ranked,
  };
}

function limitRatio(h: HostSample): number {
  return isNum(h.inflight) && isNum(h.concurrency) && h.concurrency > 0 ? h.inflight / h.concurrency : 0;
}

function concurrencyVerdict(atLimit: HostSample[], ranked: Ranked[]): Verdict {
  const p = atLimit[0];
  const inflight = p.inflight as number;
  const concurrency = p.concurrency as number;
  const latency = isNum(p.latency) && p.latency > 0 ? p.latency : isNum(p.tps) && p.tps > 0 ? inflight / p.tps : undefined;
  const many = atLimit.length > 1 ? `${atLimit.length} producers sit at their in-flight limit; ` : '';
  let little = '';
  if (latency !== undefined) {
    const estimate = inflight / latency;
    const measured = isNum(p.tps) ? `; measured ${formatRate(p.tps)}` : '';
    const raised = (2 * concurrency) / latency;
    little =
      ` at ${formatSeconds(latency)} each, so Little's law caps it at ${formatRate(estimate)} ` +
      `(${Number(inflight.toFixed(1))} / ${formatSeconds(latency)}${measured})`;
    little += ` and --concurrency ${2 * concurrency} would allow about ${formatRate(raised)} if latency holds`;
  }
  const top = ranked[0];
  const busiest = top ? ` (busiest: ${describeResource(top)})` : '';
  return {
    kind: 'concurrency',
    host: p.host,
    role: p.role,
    explanation:
      `${many}${p.host} (producer) keeps ${Number(inflight.toFixed(1))} of ${concurrency} allowed requests in flight${little}, ` +
      `while nothing is saturated${busiest}: the closed loop, not the cluster, is the limit, so raise --concurrency or add producers.`,
    ranked,
  };
}

function noneVerdict(hosts: HostSample[], ranked: Ranked[]): Verdict {
  if (ranked.length === 0) {
    return {
      kind: 'none',
      explanation:
        hosts.length === 0
          ? 'No host samples to judge: check that Prometheus scrapes node_exporter with a role label on each target.'
          : 'No CPU or disk numbers to judge.',
      ranked,
    };
  }
  const top = ranked[0];
  const producers = hosts.filter((h) => isNum(h.inflight) && isNum(h.concurrency));
  const limit =
    producers.length > 0
      ? `no producer is at its in-flight limit (${producers.map((h) => `${h.host} ${Number((h.inflight as number).toFixed(1))} of ${h.concurrency}`).join(', ')})`
      : 'no producer is at its in-flight limit';
  return {
    kind: 'none',
    explanation:
      `Nothing is saturated: the busiest resource is ${describeResource(top)}, under the ${formatPercent(saturationThreshold(top.resource))} ` +
      `threshold, and ${limit}, so the cluster keeps up with the offered load.`,
    ranked,
  };
}

/** One verdict for a window: see the rules and worked examples at the top of this file. */
export function classifyBottleneck(hosts: HostSample[]): Verdict {
  const ranked = toRanked(hosts);
  const saturated = ranked.filter((r) => r.utilisation >= saturationThreshold(r.resource) - 1e-9);

  const hot = hosts
    .filter(isHot)
    .sort(
      (a, b) =>
        Number(b.throttled === true) - Number(a.throttled === true) ||
        (b.temperatureCelsius ?? -Infinity) - (a.temperatureCelsius ?? -Infinity) ||
        busiest(b, ranked) - busiest(a, ranked) ||
        byName(a.host, b.host),
    );
  const hotHosts = new Set(hot.map((h) => h.host));
  const topElsewhere = saturated.find((r) => !hotHosts.has(r.host));
  // A working hot host wins unless a cooler host is clearly more saturated (beyond a near-tie).
  const working = hot.filter(
    (h) =>
      busiest(h, ranked) >= THRESHOLDS.thermalBusy &&
      (!topElsewhere || busiest(h, ranked) >= topElsewhere.utilisation - THRESHOLDS.nearTie - 1e-9),
  );
  if (working.length > 0) return thermalVerdict(working[0], ranked, hot.filter((h) => h !== working[0]));
  if (hot.length > 0 && !topElsewhere) return thermalVerdict(hot[0], ranked, hot.slice(1));

  if (saturated.length > 0) {
    const top = topElsewhere ?? saturated[0];
    const note = hot.length > 0 ? ` (${hot.map((h) => h.host).join(', ')} ${hot.length > 1 ? 'are' : 'is'} hot too, but less busy)` : '';
    return saturationVerdict(top, saturated, ranked, note);
  }

  const uneven = unevenVerdict(ranked);
  if (uneven) return uneven;

  const bound = hosts
    .filter((h) => generatorLimits(h).length > 0)
    .sort((a, b) => (b.generatorCpu ?? 0) - (a.generatorCpu ?? 0) || (b.scheduleLag ?? 0) - (a.scheduleLag ?? 0) || byName(a.host, b.host));
  if (bound.length > 0) return generatorVerdict(bound, ranked);

  const atLimit = hosts
    .filter((h) => limitRatio(h) >= THRESHOLDS.atLimit - 1e-9)
    .sort((a, b) => limitRatio(b) - limitRatio(a) || byName(a.host, b.host));
  if (atLimit.length > 0) return concurrencyVerdict(atLimit, ranked);

  return noneVerdict(hosts, ranked);
}
