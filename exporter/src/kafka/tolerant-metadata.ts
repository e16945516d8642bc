import { AsyncLocalStorage } from 'node:async_hooks';
import type { RawMetadata } from './snapshot';

/**
 * kafkajs 2.2.4 rejects a whole Metadata response when one topic or partition carries an error code
 * (src/protocol/requests/metadata/v0/response.js `parse`), and real brokers answer LEADER_NOT_AVAILABLE
 * for every offline partition. A poller that must report offline partitions and count per-topic errors
 * cannot live with that, so inside `withRawMetadata` (and only there: the load generator's producer in
 * the same process keeps kafkajs' behaviour) the parse step lets the response through and hands the
 * decoded response to the caller.
 *
 * The patch wraps `parse` of each Metadata response version module (kafkajs loads them lazily and looks
 * `parse` up on every response, so the wrapper is seen). That layout is kafkajs 2.2.4's, which is why
 * exporter/package.json pins kafkajs exactly. Should a kafkajs upgrade move it, the patch finds nothing.
 * There is no strict fallback (a strict poll fails at the first offline partition, which is what the
 * collector exists to show), so the start-up check says so instead: an error log line,
 * pitower_kafka_metadata_patch_ok 0, and every poll fails with a reason naming the cause (module.ts).
 */
interface Capture {
  raw?: RawMetadata;
}

/** What installTolerantMetadata found: the Metadata response versions it wrapped, and kafkajs' version. */
export interface MetadataPatchStatus {
  /** Versions patched, of PATCHED_VERSIONS. */
  patched: number[];
  kafkajsVersion: string;
  /** Every version patched: the poller can report offline partitions. */
  ok: boolean;
}

/** The Metadata response versions kafkajs 2.2.4 may decode (it negotiates up to v6). */
export const PATCHED_VERSIONS: readonly number[] = [0, 1, 2, 3, 4, 5, 6];

interface ParseModule {
  parse?: (data: unknown) => Promise<unknown>;
}
/** How a kafkajs module is loaded: require, or a test's stand-in showing a changed layout. */
export type ModuleLoader = (id: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeRequire: ModuleLoader = (id) => require(id);

const storage = new AsyncLocalStorage<Capture>();
let installed: MetadataPatchStatus | undefined;

function kafkajsVersion(load: ModuleLoader): string {
  try {
    const pkg = load('kafkajs/package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Wraps the parsers, once per process with the real kafkajs (later calls return the first status). With
 * `load` (tests) it patches what that loader returns and leaves the process's kafkajs alone.
 */
export function installTolerantMetadata(load: ModuleLoader = nodeRequire): MetadataPatchStatus {
  if (installed && load === nodeRequire) return installed;
  const patched: number[] = [];
  for (const version of PATCHED_VERSIONS) {
    let mod: ParseModule | undefined;
    try {
      mod = load(`kafkajs/src/protocol/requests/metadata/v${version}/response`) as ParseModule | undefined;
    } catch {
      continue;
    }
    const original = mod?.parse;
    if (!mod || typeof original !== 'function') continue;
    mod.parse = async (data: unknown) => {
      const capture = storage.getStore();
      if (!capture) return original(data);
      capture.raw = data as RawMetadata;
      return data;
    };
    patched.push(version);
  }
  const status = { patched, kafkajsVersion: kafkajsVersion(load), ok: patched.length === PATCHED_VERSIONS.length };
  if (load === nodeRequire) installed = status;
  return status;
}

/** One line for the start-up log and for a failed poll: what the check found. */
export function describeMetadataPatch(status: MetadataPatchStatus): string {
  if (status.ok) return `kafkajs ${status.kafkajsVersion}: Metadata v0..v6 response parsers patched to keep partition errors`;
  const missing = PATCHED_VERSIONS.filter((v) => !status.patched.includes(v)).map((v) => `v${v}`);
  return (
    `kafkajs ${status.kafkajsVersion}: Metadata response parsers not found (${missing.join(', ')}), so offline partitions ` +
    'cannot be read; pitower is built for kafkajs 2.2.4 (reinstall with `npm ci`)'
  );
}

/**
 * Runs `call` (a kafkajs admin call that fetches metadata) and returns the last Metadata response it
 * decoded, topic and partition error codes included. Undefined when no response was captured.
 */
export async function withRawMetadata(call: () => Promise<unknown>): Promise<RawMetadata | undefined> {
  installTolerantMetadata();
  const capture: Capture = {};
  await storage.run(capture, call);
  return capture.raw;
}
