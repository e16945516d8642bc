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
 * `parse` up on every response, so the wrapper is seen). If kafkajs changes that layout the patch finds
 * nothing and the poller falls back to kafkajs' own strict behaviour.
 */
interface Capture {
  raw?: RawMetadata;
}

const storage = new AsyncLocalStorage<Capture>();
let patched = false;

function patch(): void {
  if (patched) return;
  patched = true;
  for (let version = 0; version <= 6; version++) {
    let mod: { parse?: (data: unknown) => Promise<unknown> };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(`kafkajs/src/protocol/requests/metadata/v${version}/response`);
    } catch {
      continue;
    }
    const original = mod.parse;
    if (typeof original !== 'function') continue;
    mod.parse = async (data: unknown) => {
      const capture = storage.getStore();
      if (!capture) return original(data);
      capture.raw = data as RawMetadata;
      return data;
    };
  }
}

/**
 * Runs `call` (a kafkajs admin call that fetches metadata) and returns the last Metadata response it
 * decoded, topic and partition error codes included. Undefined when no response was captured.
 */
export async function withRawMetadata(call: () => Promise<unknown>): Promise<RawMetadata | undefined> {
  patch();
  const capture: Capture = {};
  await storage.run(capture, call);
  return capture.raw;
}
