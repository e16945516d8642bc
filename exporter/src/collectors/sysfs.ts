import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PitowerError, fileKind } from '../errors';

/** sysfs attributes are at most one page; anything longer is not an attribute. */
export const MAX_ATTRIBUTE_BYTES = 64 * 1024;

/**
 * Reads a sysfs attribute, trimmed; undefined when the file does not exist. Other errors propagate.
 *
 * Opened non-blocking and refused unless it is a regular file (every sysfs/procfs attribute is): a FIFO or a
 * device in its place would block the open in a libuv thread for good, and a blocked thread keeps every later
 * file read waiting and even `process.exit()` from finishing.
 */
export async function readAttribute(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PitowerError(`not a regular file (${fileKind(stats)} where a sysfs attribute should be)`);
    const buffer = Buffer.allocUnsafe(MAX_ATTRIBUTE_BYTES);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) throw new PitowerError(`longer than ${MAX_ATTRIBUTE_BYTES} bytes: not a sysfs attribute`);
    }
    return buffer.toString('utf8', 0, length).trim();
  } finally {
    await handle.close();
  }
}

/** Entries of `dir` whose names match `pattern`, sorted naturally (cpu2 before cpu10); [] if `dir` is absent. */
export async function listMatching(dir: string, pattern: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return names.filter((name) => pattern.test(name)).sort(naturalCompare);
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export { join };
