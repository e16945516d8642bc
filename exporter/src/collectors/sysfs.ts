import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads a sysfs attribute, trimmed; undefined when the file does not exist. Other errors propagate. */
export async function readAttribute(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
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
