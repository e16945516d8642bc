import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The layers of exporter/src and which way they point (README, "Maintaining pitower"): a file may import
 * its own folder and any lower layer, never a higher one or a sibling of its own rank. Drawn from the
 * imports of every non-test source file, so a new upward arrow fails here.
 */
const RANK: Record<string, number> = {
  errors: 0,
  version: 0,
  retry: 1,
  exposition: 1,
  config: 1,
  collectors: 2,
  'kafka-client': 2,
  daemon: 3,
  kafka: 4,
  load: 4,
  diagnosis: 4,
  sink: 5,
  http: 5,
  commands: 6,
  cli: 7,
};

const SRC = __dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('test-helpers') ? [path] : [];
  });
}

const layerOf = (path: string): string => relative(SRC, path).split('/')[0].replace(/\.ts$/, '');

describe('exporter/src layers', () => {
  const files = sources(SRC);

  it('every top-level folder and file has a rank', () => {
    expect([...new Set(files.map(layerOf))].filter((l) => RANK[l] === undefined)).toEqual([]);
  });

  it('no import points up a layer or across to a sibling layer', () => {
    const arrows: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const to = layerOf(normalize(join(dirname(file), m[1])));
        if (to !== from && RANK[to] >= RANK[from]) arrows.push(`${relative(SRC, file)} -> ${m[1]} (${from} ${RANK[from]} -> ${to} ${RANK[to]})`);
      }
    }
    expect(arrows).toEqual([]);
  });
});
