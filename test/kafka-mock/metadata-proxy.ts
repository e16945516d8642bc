import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A Kafka wire-protocol proxy in front of each broker of a mock cluster (mock-cluster.ts), for the cluster
 * states librdkafka's 2.0.2 mock cannot express. kafkajs still talks real TCP to real brokers; the proxy
 * forwards every frame unchanged except:
 *
 * - Metadata responses (v0..v8): broker addresses point at the proxies; ISR, leader and controller id are
 *   replaced per the override table; a leader overridden to -1 gets error LEADER_NOT_AVAILABLE (5) as from
 *   a real broker.
 * - FindCoordinator responses (v0..v2): the coordinator address points at its proxy.
 * - ApiVersions responses (v0..v2): advertise DescribeGroups/ListGroups v0 and DescribeConfigs v0, which the
 *   proxy answers itself from the override table (the mock implements none of them).
 *
 * Broker ids are 1..n in the order of `upstream`; bootstrap[i] is the proxy of broker i+1.
 */
export interface ProxyGroup {
  members: number;
  state?: string;
  protocolType?: string;
}

export interface MetadataOverrides {
  /** "topic/partition" -> replacement ISR (broker ids). */
  isr: Map<string, number[]>;
  /** "topic/partition" -> replacement leader (-1 = none). */
  leader: Map<string, number>;
  /** Replacement controller id (the mock always says 0). */
  controllerId?: number;
  /** Groups reported by ListGroups (answered by broker 1's proxy) and DescribeGroups. */
  groups: Map<string, ProxyGroup>;
  /** topic -> config entries returned by DescribeConfigs; a topic absent here gets none. */
  topicConfigs: Map<string, Record<string, string>>;
}

export interface MetadataProxy {
  bootstrap: string[];
  overrides: MetadataOverrides;
  setIsr(topic: string, partition: number, isr: number[] | undefined): void;
  setLeader(topic: string, partition: number, leader: number | undefined): void;
  /** Metadata/FindCoordinator responses seen so far (to wait for "the next poll"). */
  metadataResponses(): number;
  stop(): Promise<void>;
}

const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;
const API_DESCRIBE_GROUPS = 15;
const API_LIST_GROUPS = 16;
const API_VERSIONS = 18;
const API_DESCRIBE_CONFIGS = 32;

class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8((this.offset += 1) - 1);
  }
  int16(): number {
    return this.buf.readInt16BE((this.offset += 2) - 2);
  }
  int32(): number {
    return this.buf.readInt32BE((this.offset += 4) - 4);
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }
  array<T>(item: () => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
}

class Writer {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  array<T>(items: T[], write: (item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(item);
    return this;
  }
  /** The frame: size prefix + body. */
  frame(): Buffer {
    const body = Buffer.concat(this.parts);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    return Buffer.concat([size, body]);
  }
}

interface Context {
  overrides: MetadataOverrides;
  /** upstream "host:port" -> proxy {host, port}. */
  addressMap: Map<string, { host: string; port: number }>;
  /** broker id -> proxy {host, port}. */
  byId: Map<number, { host: string; port: number }>;
  counter: { metadata: number };
}

/** Rewrites a Metadata response body (after the correlation id). */
export function rewriteMetadata(body: Buffer, version: number, ctx: Context): Buffer {
  const r = new Reader(body);
  const w = new Writer();
  if (version >= 3) w.int32(r.int32());
  const brokers = r.array(() => {
    const nodeId = r.int32();
    const host = r.string() ?? '';
    const port = r.int32();
    const rack = version >= 1 ? r.string() : null;
    return { nodeId, host, port, rack };
  });
  w.array(brokers, (b) => {
    const mapped = ctx.addressMap.get(`${b.host}:${b.port}`) ?? { host: b.host, port: b.port };
    w.int32(b.nodeId).string(mapped.host).int32(mapped.port);
    if (version >= 1) w.string(b.rack);
  });
  if (version >= 2) w.string(r.string());
  if (version >= 1) {
    const controller = r.int32();
    w.int32(ctx.overrides.controllerId ?? controller);
  }
  const topicCount = r.int32();
  w.int32(topicCount);
  for (let t = 0; t < topicCount; t++) {
    w.int16(r.int16());
    const name = r.string();
    w.string(name);
    if (version >= 1) w.int8(r.int8());
    const partCount = r.int32();
    w.int32(partCount);
    for (let p = 0; p < partCount; p++) {
      const errorCode = r.int16();
      const index = r.int32();
      const key = `${name}/${index}`;
      const leader = ctx.overrides.leader.get(key) ?? r.int32();
      if (ctx.overrides.leader.has(key)) r.int32();
      // Like a real broker (and unlike the mock): a partition without leader carries LEADER_NOT_AVAILABLE.
      w.int16(ctx.overrides.leader.get(key) === -1 ? 5 : errorCode);
      w.int32(index);
      w.int32(leader);
      if (version >= 7) w.int32(r.int32());
      const replicas = r.array(() => r.int32());
      w.array(replicas, (id) => w.int32(id));
      const isr = r.array(() => r.int32());
      w.array(ctx.overrides.isr.get(key) ?? isr, (id) => w.int32(id));
      if (version >= 5) {
        const offline = r.array(() => r.int32());
        w.array(offline, (id) => w.int32(id));
      }
    }
    if (version >= 8) w.int32(r.int32());
  }
  if (version >= 8) w.int32(r.int32());
  ctx.counter.metadata++;
  return w.frame();
}

function rewriteFindCoordinator(body: Buffer, version: number, ctx: Context): Buffer {
  const r = new Reader(body);
  const w = new Writer();
  if (version >= 1) w.int32(r.int32());
  w.int16(r.int16());
  if (version >= 1) w.string(r.string());
  const nodeId = r.int32();
  const host = r.string() ?? '';
  const port = r.int32();
  const mapped = ctx.addressMap.get(`${host}:${port}`) ?? { host, port };
  w.int32(nodeId).string(mapped.host).int32(mapped.port);
  return w.frame();
}

function rewriteApiVersions(body: Buffer, version: number): Buffer {
  const r = new Reader(body);
  const w = new Writer();
  w.int16(r.int16());
  const added = new Set([API_DESCRIBE_GROUPS, API_LIST_GROUPS, API_DESCRIBE_CONFIGS]);
  const keys = r.array(() => ({ key: r.int16(), min: r.int16(), max: r.int16() })).filter((k) => !added.has(k.key));
  for (const key of added) keys.push({ key, min: 0, max: 0 });
  w.array(keys, (k) => w.int16(k.key).int16(k.min).int16(k.max));
  if (version >= 1) w.int32(r.int32());
  return w.frame();
}

/** Synthesised responses for the APIs the mock lacks; `request` is the body after the request header. */
function answerLocally(apiKey: number, request: Reader, brokerId: number, ctx: Context): Writer {
  const w = new Writer();
  if (apiKey === API_LIST_GROUPS) {
    const groups = brokerId === 1 ? [...ctx.overrides.groups] : [];
    w.int16(0).array(groups, ([id, g]) => w.string(id).string(g.protocolType ?? 'consumer'));
  } else if (apiKey === API_DESCRIBE_GROUPS) {
    const ids = request.array(() => request.string() ?? '');
    w.array(ids, (id) => {
      const g = ctx.overrides.groups.get(id);
      // Like Kafka: an unknown group is described without error, in state Dead with no members.
      w.int16(0).string(id).string(g?.state ?? (g ? 'Stable' : 'Dead'));
      w.string(g?.protocolType ?? 'consumer').string(g ? 'RoundRobinAssigner' : '');
      const members = Array.from({ length: g?.members ?? 0 }, (_, i) => i);
      w.array(members, (i) => w.string(`member-${i}`).string(`client-${i}`).string('/127.0.0.1').bytes(Buffer.alloc(0)).bytes(Buffer.alloc(0)));
    });
  } else if (apiKey === API_DESCRIBE_CONFIGS) {
    const resources = request.array(() => {
      const type = request.int8();
      const name = request.string() ?? '';
      const n = request.int32();
      const names: string[] = [];
      for (let i = 0; i < n; i++) names.push(request.string() ?? '');
      return { type, name, names: n < 0 ? null : names };
    });
    w.int32(0);
    w.array(resources, (res) => {
      // Topics without an entry get no config entries (a real broker would list the defaults).
      const configs = res.type === 2 ? ctx.overrides.topicConfigs.get(res.name) : undefined;
      w.int16(0).string(null).int8(res.type).string(res.name);
      const entries = Object.entries(configs ?? {}).filter(([k]) => !res.names || res.names.includes(k));
      w.array(entries, ([k, v]) => w.string(k).string(v).int8(0).int8(0).int8(0));
    });
  }
  return w;
}

/** Splits a stream into size-prefixed frames. */
function onFrames(socket: Socket, handle: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      handle(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  });
}

function proxyConnection(client: Socket, upstreamAddress: string, brokerId: number, ctx: Context): void {
  const [host, port] = splitAddress(upstreamAddress);
  const upstream = createConnection({ host, port });
  const inflight = new Map<number, { apiKey: number; version: number }>();
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  onFrames(client, (frame) => {
    const r = new Reader(frame);
    r.int32();
    const apiKey = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    if (apiKey === API_LIST_GROUPS || apiKey === API_DESCRIBE_GROUPS || apiKey === API_DESCRIBE_CONFIGS) {
      r.string(); // client id
      const reply = answerLocally(apiKey, r, brokerId, ctx).frame();
      const out = Buffer.alloc(reply.length + 4);
      out.writeInt32BE(reply.length, 0);
      out.writeInt32BE(correlationId, 4);
      reply.copy(out, 8, 4);
      client.write(out);
      return;
    }
    inflight.set(correlationId, { apiKey, version });
    upstream.write(frame);
  });
  onFrames(upstream, (frame) => {
    const correlationId = frame.readInt32BE(4);
    const request = inflight.get(correlationId);
    inflight.delete(correlationId);
    const body = frame.subarray(8);
    let rewritten: Buffer | undefined;
    if (request?.apiKey === API_METADATA && request.version <= 8) rewritten = rewriteMetadata(body, request.version, ctx);
    else if (request?.apiKey === API_FIND_COORDINATOR && request.version <= 2) rewritten = rewriteFindCoordinator(body, request.version, ctx);
    else if (request?.apiKey === API_VERSIONS && request.version <= 2) rewritten = rewriteApiVersions(body, request.version);
    if (!rewritten) {
      client.write(frame);
      return;
    }
    const out = Buffer.alloc(rewritten.length + 4);
    out.writeInt32BE(rewritten.length, 0);
    out.writeInt32BE(correlationId, 4);
    rewritten.copy(out, 8, 4);
    client.write(out);
  });
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/** Starts one proxy per upstream broker on 127.0.0.1 ephemeral ports. */
export async function startMetadataProxy(upstream: string[]): Promise<MetadataProxy> {
  const overrides: MetadataOverrides = { isr: new Map(), leader: new Map(), groups: new Map(), topicConfigs: new Map() };
  const ctx: Context = { overrides, addressMap: new Map(), byId: new Map(), counter: { metadata: 0 } };
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  try {
    for (const [index, address] of upstream.entries()) {
      const brokerId = index + 1;
      const server = createServer((client) => {
        sockets.add(client);
        client.once('close', () => sockets.delete(client));
        proxyConnection(client, address, brokerId, ctx);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      ctx.addressMap.set(address, { host: '127.0.0.1', port });
      ctx.byId.set(brokerId, { host: '127.0.0.1', port });
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
  const key = (topic: string, partition: number): string => `${topic}/${partition}`;
  return {
    bootstrap: [...ctx.byId.values()].map((a) => `${a.host}:${a.port}`),
    overrides,
    setIsr(topic, partition, isr) {
      if (isr) overrides.isr.set(key(topic, partition), isr);
      else overrides.isr.delete(key(topic, partition));
    },
    setLeader(topic, partition, leader) {
      if (leader === undefined) overrides.leader.delete(key(topic, partition));
      else overrides.leader.set(key(topic, partition), leader);
    },
    metadataResponses: () => ctx.counter.metadata,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
