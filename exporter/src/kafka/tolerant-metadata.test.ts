import { Registry } from 'prom-client';
import { KafkaMetrics } from './metrics';
import { reportMetadataPatch } from './module';
import { describeMetadataPatch, installTolerantMetadata, withRawMetadata, type ModuleLoader } from './tolerant-metadata';

/** A kafkajs whose Metadata response modules exist only for `versions` (the others moved away). */
function movedKafkajs(versions: number[], version = '2.3.0'): ModuleLoader {
  return (id) => {
    if (id === 'kafkajs/package.json') return { version };
    const m = /metadata\/v(\d+)\/response$/.exec(id);
    if (m && versions.includes(Number(m[1]))) return { parse: async (data: unknown) => data };
    throw new Error(`Cannot find module '${id}'`);
  };
}

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  return {
    lines,
    info: (_: object, msg: string) => lines.push({ level: 'info', msg }),
    error: (_: object, msg: string) => lines.push({ level: 'error', msg }),
  };
}

describe('kafka > tolerant metadata > start-up check', () => {
  it('patches every Metadata response version of the installed (pinned) kafkajs', () => {
    const status = installTolerantMetadata();
    expect(status).toEqual({ patched: [0, 1, 2, 3, 4, 5, 6], kafkajsVersion: '2.2.4', ok: true });
    expect(describeMetadataPatch(status)).toBe('kafkajs 2.2.4: Metadata v0..v6 response parsers patched to keep partition errors');
  });

  it('passes a Metadata response with partition errors through inside withRawMetadata only', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const v0 = require('kafkajs/src/protocol/requests/metadata/v0/response') as { parse(data: unknown): Promise<unknown> };
    const response = { brokers: [], topicMetadata: [{ topicErrorCode: 0, topic: 't', partitionMetadata: [{ partitionErrorCode: 5, partitionId: 0, leader: -1, replicas: [1], isr: [] }] }] };
    const raw = await withRawMetadata(() => v0.parse(response));
    expect(raw).toBe(response);
    await expect(v0.parse(response)).rejects.toThrow(/leader/i); // outside: kafkajs' strict parse (LEADER_NOT_AVAILABLE)
  });

  const cases: Array<{ name: string; versions: number[]; patched: number[]; missing: string }> = [
    { name: 'a kafkajs that moved every parser', versions: [], patched: [], missing: 'v0, v1, v2, v3, v4, v5, v6' },
    { name: 'a kafkajs with only the old versions where they were', versions: [0, 1, 2, 3], patched: [0, 1, 2, 3], missing: 'v4, v5, v6' },
  ];
  it.each(cases)('fires for $name', ({ versions, patched, missing }) => {
    const status = installTolerantMetadata(movedKafkajs(versions));
    expect(status).toEqual({ patched, kafkajsVersion: '2.3.0', ok: false });
    expect(describeMetadataPatch(status)).toBe(
      `kafkajs 2.3.0: Metadata response parsers not found (${missing}), so offline partitions cannot be read; ` +
        'pitower is built for kafkajs 2.2.4 (reinstall with `npm ci`)',
    );
  });

  it('says so at start-up: an error line and pitower_kafka_metadata_patch_ok 0', async () => {
    const registry = new Registry();
    const metrics = new KafkaMetrics(registry);
    const logger = recordingLogger();
    reportMetadataPatch(installTolerantMetadata(movedKafkajs([])), metrics, logger);
    expect(logger.lines).toEqual([{ level: 'error', msg: expect.stringContaining('Metadata response parsers not found') }]);
    const text = await registry.getSingleMetricAsString('pitower_kafka_metadata_patch_ok');
    expect(text).toContain('pitower_kafka_metadata_patch_ok{kafkajs_version="2.3.0"} 0');

    reportMetadataPatch(installTolerantMetadata(), metrics, logger);
    expect(logger.lines[1]).toEqual({ level: 'info', msg: expect.stringContaining('patched') });
    const after = await registry.getSingleMetricAsString('pitower_kafka_metadata_patch_ok');
    expect(after).toContain('pitower_kafka_metadata_patch_ok{kafkajs_version="2.2.4"} 1');
    expect(after).not.toContain('2.3.0');
  });

});
