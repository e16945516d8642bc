import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specsOf } from '../config/options';
import { KAFKA_SCHEMA } from '../kafka/options';
import { EXPORTER_SCHEMA } from './exporter-options';

/**
 * The README's flag tables against the schemas they describe: every flag of `pitower exporter` and of the
 * Kafka collector is in a table row, and a row that names one flag and one default shows the schema's default.
 */
const README = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const rows = README.split('\n').filter((line) => line.startsWith('| `--'));
const cells = (row: string) => row.split(' | ').map((c) => c.replace(/^\| /, '').trim());

describe('README flag tables', () => {
  const specs = specsOf(EXPORTER_SCHEMA, KAFKA_SCHEMA);

  test('every flag of the exporter and the Kafka collector is in a table row', () => {
    const documented = rows.map((row) => cells(row)[0]).join(' ');
    expect(specs.map((s) => s.flag).filter((flag) => !documented.includes(`\`--${flag}\``))).toEqual([]);
  });

  test('a row of one flag with one default shows the schema default', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const row of rows) {
      const [flags, defaults] = cells(row);
      const one = /^`--([\w.-]+)`$/.exec(flags);
      const spec = one && specs.find((s) => s.flag === one[1]);
      if (!spec) continue;
      const shown = /^`([^`]*)`$/.exec(defaults)?.[1];
      if (defaults === '—' ? spec.default !== undefined : shown !== undefined && shown !== String(spec.default)) {
        wrong.push(`--${spec.flag}: README ${defaults}, schema ${String(spec.default)}`);
      }
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });
});
