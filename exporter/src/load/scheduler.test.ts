import { toDueCount, toIntendedTimeMs, toLateCount, toNextDueDelayMs, toOpenLoopLimit, toScheduleLagSeconds, startScheduler, type LoadSink } from './scheduler';
import type { Reading } from './reading';
import type { ErrorReason } from './backends/backend';

describe('load > scheduler maths', () => {
  test.each([
    // start, rate, index, expected ms
    [0, 100, 0, 0],
    [0, 100, 1, 10],
    [1000, 100, 250, 3500],
    [0, 3, 1, 333.3333333333333],
    [5, 0.5, 2, 4005],
  ])('intended time start %p rate %p index %p -> %p', (start, rate, index, expected) => {
    expect(toIntendedTimeMs(start, rate, index)).toBeCloseTo(expected, 9);
  });

  test.each([
    [-1, 100, 0],
    [0, 100, 1],
    [9.999, 100, 1],
    [10, 100, 2],
    [1000, 100, 101],
    [300, 10, 4], // exactly on time despite floating point
    [999, 1, 1],
    [1000, 1, 2],
  ])('due count at %p ms, rate %p -> %p', (elapsed, rate, expected) => {
    expect(toDueCount(elapsed, rate)).toBe(expected);
  });

  test.each([
    [100, 5000, undefined, 500],
    [100, 5000, 200, 200],
    [3, 1000, undefined, 3],
    [3, 1001, undefined, 4],
    [7, undefined, 10, 10],
    [7, undefined, undefined, Infinity],
  ])('open-loop limit rate %p over %p ms, count %p -> %p', (rate, totalMs, count, expected) => {
    expect(toOpenLoopLimit(rate, totalMs, count)).toBe(expected);
  });

  test.each([
    [0, 100, 10, 5, 240, 5],
    [0, 100, 10, 5, 220, 3],
    [0, 100, 10, 5, 199, 0],
    [1000, 200, 0, 1, 1100, 1],
  ])('late count start %p rate %p first %p n %p sent %p -> %p', (start, rate, first, n, sent, expected) => {
    expect(toLateCount(start, rate, first, n, sent)).toBe(expected);
  });

  test.each([
    [0, 100, 250, 50, 2600, 0.6],
    [0, 100, 250, 0, 2600, 0],
    [0, undefined, 250, 50, 2600, 0],
    [0, 100, 250, 50, 1000, 0],
  ])('schedule lag start %p rate %p issued %p backlog %p now %p -> %p s', (start, rate, issued, backlog, now, expected) => {
    expect(toScheduleLagSeconds(start, rate, issued, backlog, now)).toBeCloseTo(expected, 9);
  });

  test.each([
    [0, 100, 5, 20, 30],
    [0, 100, 5, 60, 0],
  ])('next due delay start %p rate %p issued %p now %p -> %p', (start, rate, issued, now, expected) => {
    expect(toNextDueDelayMs(start, rate, issued, now)).toBe(expected);
  });
});

function reading(seq: number): Reading {
  return { producer: 'p', seq, host: 'h', location: 'l', timestamp_ms: 0, note: '', value_celsius: 40 };
}

function collect() {
  const seqs: number[] = [];
  const failures: [number, ErrorReason][] = [];
  const acked: number[] = [];
  const sink: LoadSink = {
    success: (r) => seqs.push(r.seq),
    failure: (n, reason) => failures.push([n, reason]),
    acknowledged: (rs) => acked.push(...rs.map((r) => r.seq)),
  };
  return { seqs, failures, acked, sink };
}

/** A write that succeeds after `ms`, resolving like a backend whose batch is the durable set. */
const writeAfter = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));

describe('load > scheduler', () => {
  test('closed loop with --count writes every seq once, never more than concurrency in flight', async () => {
    let inflight = 0;
    let peak = 0;
    const backend = {
      batchSize: 3,
      classifyError: () => 'other' as const,
      write: async (_batch: Reading[]): Promise<undefined> => {
        inflight += 1;
        peak = Math.max(peak, inflight);
        await new Promise((r) => setTimeout(r, 1));
        inflight -= 1;
      },
    };
    const c = collect();
    const s = startScheduler(backend, reading, c.sink, { concurrency: 4, count: 100 });
    await s.done;
    expect(c.seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(c.acked.length).toBe(100);
    expect(peak).toBe(4);
    expect(s.state.inflight).toBe(0);
    expect(s.state.issued).toBe(100);
  });

  test('failed writes are counted by reason and the run goes on', async () => {
    let calls = 0;
    const backend = {
      batchSize: 1,
      classifyError: () => 'connection' as const,
      write: async (): Promise<undefined> => {
        calls++;
        if (calls % 2 === 0) throw new Error('boom');
      },
    };
    const c = collect();
    await startScheduler(backend, reading, c.sink, { concurrency: 1, count: 10, backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 } }).done;
    expect(c.seqs).toEqual([0, 2, 4, 6, 8]);
    expect(c.failures).toEqual([[1, 'connection'], [1, 'connection'], [1, 'connection'], [1, 'connection'], [1, 'connection']]);
  });

  test('open loop issues exactly rate x duration readings and measures from the intended time', async () => {
    const c = collect();
    const latencies: number[] = [];
    const sink: LoadSink = { ...c.sink, success: (r, l) => (c.seqs.push(r.seq), latencies.push(l)) };
    const backend = { batchSize: 1, classifyError: () => 'other' as const, write: () => writeAfter(20) };
    // one worker, 20 ms per write, 200/s due: the target keeps up with only 50/s, so latency grows
    const s = startScheduler(backend, reading, sink, { concurrency: 1, rate: 200, durationMs: 100 });
    await s.done;
    expect(c.seqs.length).toBe(20);
    expect(latencies[latencies.length - 1]).toBeGreaterThan(0.3);
  });

  test('open loop behind schedule: late readings are counted, none when the target keeps up', async () => {
    const run = async (writeMs: number) => {
      let late = 0;
      const c = collect();
      const backend = { batchSize: 1, classifyError: () => 'other' as const, write: () => writeAfter(writeMs) };
      // one worker, 200/s due over 200 ms (40 readings): 20 ms per write keeps up with 50/s only
      await startScheduler(backend, reading, { ...c.sink, late: (n) => (late += n) }, { concurrency: 1, rate: 200, durationMs: 200 }).done;
      return { late, written: c.seqs.length };
    };
    const behind = await run(20);
    expect(behind.written).toBe(40);
    // reading k starts at >= 20k ms and was due at 5k ms: every k >= 7 is at least 100 ms late
    expect(behind.late).toBeGreaterThanOrEqual(33);
    const keepingUp = await run(0);
    expect(keepingUp).toEqual({ late: 0, written: 40 });
  });

  test('open loop stopped while the target stalls: due readings no worker took count as backlog, every one accounted', async () => {
    const controller = new AbortController();
    const c = collect();
    // The target hangs for 200 ms per write: 2 workers take 2 readings, 100/s are due.
    const backend = { batchSize: 1, classifyError: () => 'other' as const, write: () => writeAfter(200) };
    const s = startScheduler(backend, reading, c.sink, { concurrency: 2, rate: 100, durationMs: 10_000, maxBacklog: 1000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await s.done;
    const backlog = c.failures.filter(([, reason]) => reason === 'backlog').reduce((sum, [n]) => sum + n, 0);
    expect(c.seqs.length).toBe(2);
    expect(backlog).toBe(s.state.issued - 2);
    expect(backlog).toBeGreaterThan(5);
  });

  test('abort stops issuing; in-flight writes complete', async () => {
    const controller = new AbortController();
    const c = collect();
    const backend = { batchSize: 1, classifyError: () => 'other' as const, write: () => writeAfter(5) };
    const s = startScheduler(backend, reading, c.sink, { concurrency: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await s.done;
    expect(s.state.inflight).toBe(0);
    expect(c.seqs.length).toBe(s.state.issued);
    expect(c.seqs.length).toBeGreaterThan(4);
  });
});
