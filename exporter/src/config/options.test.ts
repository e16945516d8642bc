import { Command } from 'commander';
import { addOptions, choice, list, optionSource, prefixSchema, resolveSchema, specsOf, text, toggle, value, type Schema } from './options';
import { formatDuration, parseInteger, positiveDuration } from './parse';

const SCHEMA = {
  name: text({ flag: 'name', help: 'a name', default: 'pi' }),
  note: text({ flag: 'note', help: 'optional text' }),
  port: value({ flag: 'web.port', help: 'a port', default: '9742', parse: (raw) => parseInteger(raw, 1, 65535) }),
  mode: choice({ flag: 'mode', help: 'a mode', default: 'sync', choices: ['sync', 'batch'] }),
  audit: toggle({ flag: 'audit', help: 'a switch' }),
  thermal: toggle({ flag: 'collector.thermal', help: 'on by default', default: true }),
  servers: list({ flag: 'server', help: 'repeatable', parse: (raw) => raw.toUpperCase() }),
  secret: text({ flag: 'secret', help: 'from the environment', env: 'SECRET' }),
};

function resolve<S extends Schema>(schema: S, argv: string[], file: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const specs = specsOf(schema);
  const command = addOptions(new Command('t').exitOverride(), specs).parse(argv, { from: 'user' });
  return resolveSchema(schema, optionSource(command, specs, { file: new Map(Object.entries(file)), filePath: 'pitower.yml', env }));
}

describe('config > options (typed schema)', () => {
  test('defaults, typed: a value without default is undefined, a switch false, a list empty', () => {
    const values = resolve(SCHEMA, []);
    expect(values).toEqual({ name: 'pi', note: undefined, port: 9742, mode: 'sync', audit: false, thermal: true, servers: [], secret: undefined });
  });

  test('precedence: flag > environment > config file > default', () => {
    expect(resolve(SCHEMA, ['--secret', 'argv'], { secret: 'file' }, { SECRET: 'env' }).secret).toBe('argv');
    expect(resolve(SCHEMA, [], { secret: 'file' }, { SECRET: 'env' }).secret).toBe('env');
    expect(resolve(SCHEMA, [], { secret: 'file' }).secret).toBe('file');
    expect(resolve(SCHEMA, ['--web.port', '80'], { 'web.port': 81 }).port).toBe(80);
    expect(resolve(SCHEMA, [], { 'web.port': 81 }).port).toBe(81);
  });

  test('switches: --no-<flag> for one on by default; true/false from the file', () => {
    expect(resolve(SCHEMA, ['--no-collector.thermal', '--audit'])).toMatchObject({ thermal: false, audit: true });
    expect(resolve(SCHEMA, [], { 'collector.thermal': 'false', audit: true })).toMatchObject({ thermal: false, audit: true });
  });

  test('lists: repeated and comma-separated, each element parsed; a YAML list too', () => {
    expect(resolve(SCHEMA, ['--server', 'a,b', '--server', ' c ']).servers).toEqual(['A', 'B', 'C']);
    expect(resolve(SCHEMA, [], { server: ['d', 'e,f'] }).servers).toEqual(['D', 'E', 'F']);
  });

  test.each<[string[], Record<string, unknown>, string]>([
    [['--web.port', '0'], {}, '--web.port: 0 is out of range 1..65535'],
    [[], { 'web.port': 'x' }, '--config.file pitower.yml: web.port: "x" is not an integer'],
    [[], { mode: 'fast' }, '--config.file pitower.yml: mode: "fast" is not one of sync, batch'],
    [[], { audit: 'yes' }, '--config.file pitower.yml: audit: expected true or false, got "yes"'],
    [[], { name: ['a', 'b'] }, '--config.file pitower.yml: name: expected a single value'],
    [[], { 'web.prot': 1 }, '--config.file pitower.yml: unknown option "web.prot"'],
    [['--web.port', '9'.repeat(5000)], {}, `--web.port: value too long (5000 characters; at most 4096): "${'9'.repeat(80)}… (5000 characters)"`],
  ])('%j %j -> %s', (argv, file, message) => {
    expect(() => resolve(SCHEMA, argv, file)).toThrow(message);
  });

  test('prefixSchema puts every flag under the prefix and renames the environment, keys unchanged', () => {
    const prefixed = prefixSchema(SCHEMA, 'load.', (name) => `LOAD_${name}`);
    expect(specsOf(prefixed).map((s) => s.flag)).toEqual(specsOf(SCHEMA).map((s) => `load.${s.flag}`));
    expect(prefixed.secret.env).toBe('LOAD_SECRET');
    expect(resolve(prefixed, ['--load.web.port', '81'], {}, { LOAD_SECRET: 's' })).toMatchObject({ port: 81, secret: 's' });
  });
});

describe('config > parse > positiveDuration', () => {
  test.each<[string, number | string]>([
    ['5s', 5],
    ['500ms', 0.5],
    ['0s', '"0s" must be greater than 0'],
    ['5ms', '"5ms" is shorter than 10ms'],
    ['6m', '"6m" is longer than 5m'],
    ['5m', 300],
  ])('within 10ms..5m: %s -> %s', (raw, expected) => {
    const parse = positiveDuration(0.01, 300);
    if (typeof expected === 'number') expect(parse(raw)).toBe(expected);
    else expect(() => parse(raw)).toThrow(expected);
  });

  test.each<[number, string]>([
    [0.01, '10ms'],
    [1, '1s'],
    [90, '1m30s'],
    [300, '5m'],
    [24 * 86400, '24d'],
    [3661.5, '1h1m1.5s'],
  ])('formatDuration(%s) = %s', (seconds, textOut) => {
    expect(formatDuration(seconds)).toBe(textOut);
  });
});
