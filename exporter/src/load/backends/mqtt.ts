import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { PitowerConnectionError, PitowerError, PitowerTimeoutError, errorMessage } from '../../errors';
import { reconcileAudit, type AuditResult, type SeqSet } from '../audit';
import type { LoadConfig } from '../options';
import { parseReadingJson, toReadingJson } from '../reading';
import { retryUntil, sleep, withDeadline } from '../../retry';
import { classifyCommonError, refusedHosts, type Backend, type ErrorReason } from './backend';

type MqttConfig = NonNullable<LoadConfig['mqtt']>;

/** How soon a client tries again after the broker went away (mqtt.js reconnectPeriod). */
export const MQTT_RECONNECT_MS = 500;
/** A publish not acknowledged within this is a `timeout` (the reading may still arrive: unacknowledgedPresent). */
export const MQTT_PUBLISH_TIMEOUT_MS = 5000;
/** How long close() lets a connected client flush and send DISCONNECT before it drops the socket. */
const GRACEFUL_END_MS = 500;
/** One connect attempt waits this long for CONNACK. */
const CONNACK_TIMEOUT_MS = 5000;
/** The audit's drain: it stops waiting once every acknowledged reading arrived, nothing came for QUIET_MS, or after MAX_MS. */
export const AUDIT_QUIET_MS = 1000;
export const AUDIT_DRAIN_MAX_MS = 10000;
/** The audit subscriber's session outlives a broker restart (with persistence) and expires this long after it left. */
const AUDIT_SESSION_EXPIRY_SECONDS = 300;

/** Audit notes: what `lost` means at each QoS. */
export const MQTT_AUDIT_NOTES: Record<0 | 1, string> = {
  1: 'QoS 1: acknowledged = PUBACK from the broker; found = delivered to a QoS 1 subscriber listening since before the first publish: a missing reading is lost',
  0: 'QoS 0 is at most once: acknowledged only means written to the socket, so "lost" counts readings MQTT was allowed to drop (no guarantee was broken)',
};

/** CONNACK/PUBACK reason codes (MQTT 3.1.1 return codes 1-5, MQTT 5 reason codes >= 0x80) by what they mean. */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87, 0x8c]);
const UNAVAILABLE_CODES = new Set([3, 0x88]);
const OVERLOADED_CODES = new Set([0x89, 0x96, 0x97]);
/** TLS verification failures (Node's codes): the broker is not who the CA file says, or no CA vouches for it. */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The reason of an mqtt.js error: a CONNACK or PUBACK reason code (bad username or password, not
 * authorized -> auth; server unavailable; server busy, quota -> overloaded; any other refusal -> rejected),
 * a certificate the CA file does not vouch for -> auth, a publish that timed out, a lost connection.
 */
export function classifyMqttError(err: unknown): ErrorReason {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | undefined;
  if (e?.name === 'PitowerTimeoutError') return 'timeout';
  if (e?.name === 'PitowerMqttOfflineError') return 'connection';
  const code = e?.code;
  if (typeof code === 'number') {
    if (AUTH_CODES.has(code)) return 'auth';
    if (UNAVAILABLE_CODES.has(code)) return 'unavailable';
    if (OVERLOADED_CODES.has(code)) return 'overloaded';
    if (code === 1 || code === 2 || code >= 0x80) return 'rejected';
  }
  if (typeof code === 'string' && TLS_VERIFY_CODES.has(code)) return 'auth';
  if (typeof e?.message === 'string' && /client disconnecting|connection closed/i.test(e.message)) return 'connection';
  return classifyCommonError(err) ?? 'other';
}

/** A write refused because the client is (re)connecting, or the audit's subscriber is: counted as `connection`. */
export class PitowerMqttOfflineError extends PitowerError {
  constructor(message: string) {
    super(message, { retriable: true });
    this.name = 'PitowerMqttOfflineError';
  }
}

/** mqtt.js options of the run's clients. No automatic reconnect until the first CONNACK (connect retries itself). */
export function toClientOptions(config: MqttConfig, clientId: string): IClientOptions {
  return {
    protocol: config.tls ? 'mqtts' : 'mqtt',
    host: config.host,
    port: config.port,
    protocolVersion: 5,
    clientId,
    username: config.username,
    password: config.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: CONNACK_TIMEOUT_MS,
    keepalive: 10,
    // A reading published while offline fails now (counted), instead of waiting in mqtt.js' queue.
    queueQoSZero: false,
    resubscribe: false,
    // mqtt.js names the server for SNI and the certificate check (not when it is an IP address).
    ...(config.tls ? { ca: config.ca, rejectUnauthorized: !config.insecureSkipTlsVerify } : {}),
  };
}

/** One line for a connect failure, with what to change when the broker refused us. */
export function describeMqttConnectError(err: unknown): string {
  const reason = classifyMqttError(err);
  const first = errorMessage(err).split('\n')[0].trim();
  const e = err as { code?: unknown } | undefined;
  if (typeof e?.code === 'string' && TLS_VERIFY_CODES.has(e.code)) return `${first} (check --mqtt.ca-file)`;
  if (reason === 'auth') return `${first} (check --mqtt.username and the password: --mqtt.password-file, $MQTT_PASSWORD)`;
  return first;
}

/**
 * A client that has its CONNACK within `timeoutMs`, then reconnects by itself every MQTT_RECONNECT_MS after
 * the broker goes away. A refusal (CONNACK reason code) or a socket error rejects, and the client is ended.
 */
function openClient(options: IClientOptions, timeoutMs: number): Promise<{ client: MqttClient; receiveMaximum: number }> {
  return new Promise((resolve, reject) => {
    const client = connect({ ...options, connectTimeout: Math.max(100, Math.min(CONNACK_TIMEOUT_MS, timeoutMs)) });
    const timer = setTimeout(() => fail(new PitowerTimeoutError(`no CONNACK within ${Math.round(timeoutMs)} ms`)), Math.max(100, timeoutMs));
    const cleanup = () => {
      clearTimeout(timer);
      client.removeListener('connect', onConnect);
      client.removeListener('error', fail);
      client.removeListener('close', onClose);
    };
    function fail(err: unknown) {
      cleanup();
      client.on('error', () => undefined);
      client.end(true);
      reject(err);
    }
    function onClose() {
      fail(new PitowerMqttOfflineError('the broker closed the connection before CONNACK'));
    }
    function onConnect(packet: { properties?: { receiveMaximum?: number } }) {
      cleanup();
      client.options.reconnectPeriod = MQTT_RECONNECT_MS;
      resolve({ client, receiveMaximum: packet.properties?.receiveMaximum ?? 65535 });
    }
    client.once('connect', onConnect);
    client.once('error', fail);
    client.once('close', onClose);
  });
}

/** Retried until `deadlineMs` while the broker is starting or unreachable; refusals and bad credentials fail at once. */
function openClientUntil(options: IClientOptions, deadlineMs: number): Promise<{ client: MqttClient; receiveMaximum: number }> {
  return retryUntil(() => openClient(options, deadlineMs - Date.now()), {
    deadlineMs,
    retriable: (err) => !refusedHosts(err) && ['connection', 'timeout', 'unavailable', 'overloaded'].includes(classifyMqttError(err)),
  });
}

/**
 * The loss audit's listener: a second client subscribed at QoS 1 to the run's topic before the first
 * publish, counting (producer, seq) of what arrives. Its MQTT 5 session survives a broker restart (with
 * broker persistence), so readings routed while it reconnects are queued for it rather than missed.
 */
interface AuditListener {
  /** Subscribed now (false from a lost connection until the next SUBACK). */
  readonly listening: boolean;
  /** Copies seen of each seq of `producer`. */
  seen(producer: string): Map<number, number>;
  /** Time of the last message, ms (Date.now). */
  readonly lastMessageMs: number;
  close(): Promise<void>;
}

async function startAuditListener(config: MqttConfig, deadlineMs: number): Promise<AuditListener> {
  const clientId = `pitower-audit-${process.pid}-${Date.now().toString(36)}`;
  const options: IClientOptions = { ...toClientOptions(config, clientId), clean: false, properties: { sessionExpiryInterval: AUDIT_SESSION_EXPIRY_SECONDS } };
  const { client } = await openClientUntil(options, deadlineMs);
  const byProducer = new Map<string, Map<number, number>>();
  let listening = false;
  let lastMessageMs = Date.now();
  client.on('error', () => undefined); // the reconnect loop goes on; a run without a listener is refused by write
  client.on('close', () => (listening = false));
  client.on('message', (_topic, payload) => {
    lastMessageMs = Date.now();
    const id = parseReadingJson(payload.toString('utf8'));
    if (!id) return;
    let seen = byProducer.get(id.producer);
    if (!seen) byProducer.set(id.producer, (seen = new Map()));
    seen.set(id.seq, (seen.get(id.seq) ?? 0) + 1);
  });
  const subscribe = () =>
    client.subscribeAsync(config.topic, { qos: 1 }).then((granted) => {
      if (granted.some((g) => g.qos > 1)) throw new Error(`the broker refused the subscription to ${config.topic} (reason code ${granted[0].qos})`);
      listening = true;
    });
  // After a reconnect: subscribe again (the broker may have lost the session), retrying while it refuses.
  const resubscribe = (): void =>
    void subscribe().catch(() => {
      setTimeout(() => client.connected && resubscribe(), 1000).unref();
    });
  client.on('connect', resubscribe);
  try {
    await subscribe();
  } catch (err) {
    await client.endAsync(true).catch(() => undefined);
    throw err;
  }
  return {
    get listening() {
      return listening && client.connected;
    },
    seen: (producer) => byProducer.get(producer) ?? new Map(),
    get lastMessageMs() {
      return lastMessageMs;
    },
    async close() {
      // Leaves the session without a subscription (it expires by itself); not waited for when offline.
      if (client.connected) await withDeadline(client.unsubscribeAsync(config.topic), Date.now() + 1000, 'unsubscribe').catch(() => undefined);
      await client.endAsync(true).catch(() => undefined);
    },
  };
}

/**
 * MQTT through mqtt.js (MQTT 5): one client for every worker, each reading one publish of its JSON to
 * --mqtt.topic. QoS 1 is acknowledged at the broker's PUBACK, QoS 0 once written to the socket. While the
 * broker is away the client reconnects every MQTT_RECONNECT_MS; writes then fail at once (`connection`),
 * in-flight ones fail when the connection drops, and a publish with no PUBACK within
 * MQTT_PUBLISH_TIMEOUT_MS is a `timeout`.
 */
export function createMqttBackend(config: MqttConfig, audit: boolean): Backend {
  const target = `${config.url}/${config.topic}`;
  let client: MqttClient | undefined;
  let listener: AuditListener | undefined;
  /** In-flight publishes, failed together when the connection drops. */
  const pending = new Set<(err: Error) => void>();
  /** The broker's Receive Maximum: QoS 1 publishes beyond it wait for a PUBACK (a slot handed over by release). */
  let receiveMaximum = 65535;
  let inflight = 0;
  const waiting: Array<() => void> = [];
  const acquire = async (): Promise<void> => {
    if (config.qos === 1 && inflight >= receiveMaximum) return new Promise<void>((resolve) => waiting.push(resolve));
    inflight++;
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inflight--;
  };

  const failPending = () => {
    for (const fail of [...pending]) fail(new PitowerMqttOfflineError('connection closed before the broker acknowledged'));
  };

  const publish = (payload: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = client;
      if (!c?.connected) return reject(new PitowerMqttOfflineError(`not connected to ${config.url} (reconnecting)`));
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        pending.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => settle(new PitowerTimeoutError(`no PUBACK within ${MQTT_PUBLISH_TIMEOUT_MS} ms`)), MQTT_PUBLISH_TIMEOUT_MS);
      pending.add(settle);
      c.publish(config.topic, payload, { qos: config.qos }, (err) => settle(err ?? undefined));
    });

  return {
    name: 'mqtt',
    target,
    batchSize: 1,
    info: { acks: `qos${config.qos}`, topic: config.topic },

    async connect(deadlineMs) {
      try {
        // The listener first: it must be subscribed before the first reading is published.
        if (audit) listener = await startAuditListener(config, deadlineMs);
        const opened = await openClientUntil(toClientOptions(config, `pitower-load-${process.pid}-${Date.now().toString(36)}`), deadlineMs);
        client = opened.client;
        receiveMaximum = opened.receiveMaximum;
        inflight = 0;
        client.on('error', () => undefined); // publishes fail by themselves; the reconnect loop goes on
        client.on('close', failPending);
        client.on('connect', (packet: { properties?: { receiveMaximum?: number } }) => (receiveMaximum = packet.properties?.receiveMaximum ?? 65535));
      } catch (err) {
        await this.close();
        throw new PitowerConnectionError(`mqtt ${config.username ? `${config.username}@` : ''}${config.url}: ${describeMqttConnectError(err)}`, { cause: err });
      }
    },

    async write(batch) {
      if (listener && !listener.listening) throw new PitowerMqttOfflineError("the audit's subscriber is reconnecting: not publishing until it listens again");
      for (const r of batch) {
        await acquire();
        try {
          await publish(toReadingJson(r));
        } finally {
          release();
        }
      }
      return undefined;
    },

    async audit(producer: string, acknowledged: SeqSet): Promise<AuditResult> {
      if (!listener) throw new Error('no subscriber (connect with audit enabled)');
      const l = listener;
      const until = Date.now() + AUDIT_DRAIN_MAX_MS;
      const arrivedAll = () => {
        const seen = l.seen(producer);
        for (const seq of acknowledged.values()) if (!seen.has(seq)) return false;
        return true;
      };
      while (Date.now() < until && !arrivedAll() && Date.now() - l.lastMessageMs < AUDIT_QUIET_MS) await sleep(50);
      return { ...reconcileAudit(acknowledged, l.seen(producer)), note: MQTT_AUDIT_NOTES[config.qos] };
    },

    classifyError: classifyMqttError,

    async close() {
      const c = client;
      const l = listener;
      client = undefined;
      listener = undefined;
      failPending();
      for (const wake of waiting.splice(0)) wake();
      // Gracefully while connected: QoS 0 readings acknowledged into the socket's buffer are sent, not discarded.
      const end = async (): Promise<void> => {
        if (!c) return;
        if (c.connected) await withDeadline(c.endAsync(false), Date.now() + GRACEFUL_END_MS, 'end').catch(() => undefined);
        await c.endAsync(true).catch(() => undefined);
      };
      await Promise.all([end(), l?.close()]);
    },
  };
}
