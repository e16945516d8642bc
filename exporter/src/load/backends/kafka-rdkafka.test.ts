import { PitowerConnectionError } from '../../errors';
import { classifyRdkafkaError, createDeliveryTracker, toRdkafkaSecurity, toRdkafkaSettings } from './kafka-rdkafka';
import type { KafkaConfig } from './kafka';

const config = (overrides: Partial<KafkaConfig> = {}): KafkaConfig => ({
  client: 'rdkafka',
  brokers: ['a:9092', 'b:9092'],
  topic: 'temperature',
  acks: -1,
  mode: 'batch',
  compression: 'none',
  security: {},
  ...overrides,
});

/** A node-rdkafka delivery-report error: no code, the text lowercased without its "Local: " origin. */
const reported = (message: string, origin: string) => Object.assign(new Error(message), { code: -1, origin });

describe('load > backends > kafka-rdkafka', () => {
  test('settings: brokers, acks, compression, linger by mode, the Java partitioner', () => {
    const batch = toRdkafkaSettings(config({ compression: 'gzip' }), 100_000);
    expect(batch.global).toMatchObject({
      'metadata.broker.list': 'a:9092,b:9092',
      dr_cb: true,
      'compression.codec': 'gzip',
      'linger.ms': 5,
      'queue.buffering.max.messages': 100_000,
      'security.protocol': 'plaintext',
    });
    expect(batch.topic).toEqual({ 'request.required.acks': -1, 'request.timeout.ms': 10000, 'message.timeout.ms': 30000, partitioner: 'murmur2_random' });
    const sync = toRdkafkaSettings(config({ mode: 'sync', acks: 0 }), 100_000);
    expect(sync.global['linger.ms']).toBe(0);
    expect(sync.global['compression.codec']).toBe('none');
    expect(sync.topic['request.required.acks']).toBe(0);
  });

  test.each<[string, Parameters<typeof toRdkafkaSecurity>[0], Record<string, string | boolean>]>([
    ['nothing', {}, { 'security.protocol': 'plaintext' }],
    [
      'TLS with a CA and a client certificate',
      { tls: { ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: true } },
      {
        'security.protocol': 'ssl',
        'ssl.ca.pem': 'CA',
        'ssl.certificate.pem': 'CERT',
        'ssl.key.pem': 'KEY',
        'enable.ssl.certificate.verification': true,
        'ssl.endpoint.identification.algorithm': 'https',
      },
    ],
    [
      'TLS without verification',
      { tls: { rejectUnauthorized: false } },
      { 'security.protocol': 'ssl', 'enable.ssl.certificate.verification': false, 'ssl.endpoint.identification.algorithm': 'none' },
    ],
    [
      'SASL/SCRAM in plain text',
      { sasl: { mechanism: 'scram-sha-512', username: 'lab', password: 'pw' } },
      { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'lab', 'sasl.password': 'pw' },
    ],
    [
      'SASL/PLAIN over TLS',
      { tls: { rejectUnauthorized: true }, sasl: { mechanism: 'plain', username: 'lab', password: 'pw' } },
      {
        'security.protocol': 'sasl_ssl',
        'enable.ssl.certificate.verification': true,
        'ssl.endpoint.identification.algorithm': 'https',
        'sasl.mechanisms': 'PLAIN',
        'sasl.username': 'lab',
        'sasl.password': 'pw',
      },
    ],
  ])('security: %s', (_, security, expected) => {
    expect(toRdkafkaSecurity(security)).toEqual(expected);
  });

  test.each<[string, unknown, string]>([
    ['a delivery report: message timed out', reported('message timed out', 'local'), 'timeout'],
    ['a delivery report: not enough replicas', reported('not enough in-sync replicas', 'broker'), 'unavailable'],
    ['a delivery report: written to too few replicas', reported('message(s) written to insufficient number of in-sync replicas', 'broker'), 'unavailable'],
    ['a delivery report: not leader', reported('not leader for partition', 'broker'), 'not_leader'],
    ['a delivery report: any other broker answer', reported('message size too large', 'broker'), 'rejected'],
    ['the text as librdkafka writes it', new Error('Local: All broker connections are down'), 'connection'],
    ['produce() throwing with a code: queue full', Object.assign(new Error('Local: Queue full'), { code: -184, origin: 'local' }), 'other'],
    ['a broker code', Object.assign(new Error('x'), { code: 58 }), 'auth'],
    ['SASL failed at connect', { message: 'Local: Authentication failure', code: -169 }, 'auth'],
    ['the backend closed under a pending write', new PitowerConnectionError('kafka a:9092: producer closed'), 'connection'],
    ['node-rdkafka: producer not connected', new Error('Producer not connected'), 'connection'],
    ['anything else', new Error('boom'), 'other'],
  ])('errors: %s', (_, err, reason) => {
    expect(classifyRdkafkaError(err)).toBe(reason);
  });

  test('without node-rdkafka (its build failed at install): a config error naming the flag and the fix', () => {
    jest.isolateModules(() => {
      jest.doMock(
        'node-rdkafka',
        () => {
          throw new Error("Cannot find module 'node-rdkafka'");
        },
        { virtual: true },
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createRdkafkaBackend } = require('./kafka-rdkafka') as typeof import('./kafka-rdkafka');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { PitowerConfigError } = require('../../errors') as typeof import('../../errors');
      let thrown: unknown;
      try {
        createRdkafkaBackend(config(), 500, 4, false);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(PitowerConfigError);
      expect((thrown as Error).message).toMatch(/^--kafka\.client rdkafka needs node-rdkafka, .*libssl-dev.*then npm ci.*Cannot find module 'node-rdkafka'$/);
    });
  });

  describe('delivery tracker', () => {
    const hooks = () => {
      const calls: string[] = [];
      return { calls, busy: () => calls.push('busy'), idle: () => calls.push('idle') };
    };

    test('a write settles when every message is reported; polling runs while writes wait', async () => {
      const h = hooks();
      const tracker = createDeliveryTracker(h);
      const tokens: unknown[] = [];
      let settled = false;
      const write = tracker.write(3, (_, token) => tokens.push(token)).then(() => (settled = true));
      expect(h.calls).toEqual(['busy']);
      tracker.report(null, tokens[0]);
      tracker.report(null, tokens[1]);
      await Promise.resolve();
      expect(settled).toBe(false);
      expect(tracker.pending).toBe(1);
      tracker.report(null, tokens[2]);
      await write;
      expect(h.calls).toEqual(['busy', 'idle']);
      expect(tracker.pending).toBe(0);
    });

    test('two writes in flight: each settles on its own reports, one failed message fails its write only', async () => {
      const tracker = createDeliveryTracker(hooks());
      const a: unknown[] = [];
      const b: unknown[] = [];
      const first = tracker.write(2, (_, t) => a.push(t));
      const second = tracker.write(2, (_, t) => b.push(t));
      const failure = reported('not enough in-sync replicas', 'broker');
      tracker.report(null, b[0]);
      tracker.report(failure, b[1]);
      tracker.report(null, a[0]);
      tracker.report(null, a[1]);
      await expect(first).resolves.toBeUndefined();
      await expect(second).rejects.toBe(failure);
      // a late or foreign report is ignored
      tracker.report(null, b[1]);
      tracker.report(null, {});
      expect(tracker.pending).toBe(0);
    });

    test('produce() throwing stops the write, which still waits for what it queued', async () => {
      const tracker = createDeliveryTracker(hooks());
      const queued: unknown[] = [];
      const full = Object.assign(new Error('Local: Queue full'), { code: -184 });
      const write = tracker.write(5, (i, t) => {
        if (i === 2) throw full;
        queued.push(t);
      });
      expect(queued).toHaveLength(2);
      expect(tracker.pending).toBe(1);
      tracker.report(null, queued[0]);
      tracker.report(null, queued[1]);
      await expect(write).rejects.toBe(full);
      // nothing queued at all: fails at once
      await expect(
        tracker.write(1, () => {
          throw full;
        }),
      ).rejects.toBe(full);
    });

    test('failAll fails every pending write (a forced close)', async () => {
      const h = hooks();
      const tracker = createDeliveryTracker(h);
      const writes = [tracker.write(1, () => undefined), tracker.write(2, () => undefined)];
      const closed = new PitowerConnectionError('closed');
      tracker.failAll(closed);
      for (const w of writes) await expect(w).rejects.toBe(closed);
      expect(h.calls).toEqual(['busy', 'idle']);
    });
  });
});
