import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PitowerConfigError, errorMessage, fileKind } from '../errors';

/**
 * One schema per subcommand: an object of typed options, each giving a command-line flag, the same key in
 * the YAML config file, an optional environment variable, a default and the parser that validates the
 * value. Parsing, `--help` and every validation error come from it; `resolveSchema` returns an object whose
 * property types follow from the schema, so a misspelt option or a wrong type is a compile error.
 *
 *   const SCHEMA = { window: value({ flag: 'window', help: '...', default: '5m', parse: parseDuration }) };
 *   resolveSchema(SCHEMA, source).window   // number
 *
 * Precedence: flag > environment variable > config file > default.
 */
export interface OptionSpec<T> {
  /** Flag name without dashes, node_exporter style: `web.listen-address`. Also the YAML key. */
  readonly flag: string;
  /** Placeholder for the value in help text (`<address>`); none for switches. */
  readonly arg?: string;
  readonly help: string;
  /** value: one value; switch: `--flag` (and `--no-flag` when on by default); list: repeatable, commas split. */
  readonly kind: 'value' | 'switch' | 'list';
  /** The default as a user would write it; shown in help and parsed like any value. */
  readonly default?: string | boolean;
  /** Environment variable read when the flag is not given (for secrets that must not be on argv). */
  readonly env?: string;
  /** Choices shown in help and enforced. */
  readonly choices?: readonly string[];
  /** The winning source's raw value (undefined: none and no default) -> the value; throws PitowerConfigError naming `where`. */
  readonly resolve: (raw: unknown, where: string) => T;
}

/** A subcommand's (or a daemon module's) options by the name the code reads them under. */
export type Schema = Readonly<Record<string, OptionSpec<unknown>>>;

/** The resolved values of a schema, typed property by property. */
export type Values<S extends Schema> = { readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

interface Common {
  flag: string;
  arg?: string;
  help: string;
  env?: string;
}

/** A string option, as given. */
export function text(spec: Common & { default: string }): OptionSpec<string>;
export function text(spec: Common): OptionSpec<string | undefined>;
export function text(spec: Common & { default?: string }): OptionSpec<string | undefined> {
  return { ...spec, kind: 'value', resolve: (raw, where) => single(raw, where) };
}

/** An option parsed into a T by `parse` (which throws an Error whose message is the reason). */
export function value<T>(spec: Common & { default: string; parse: (raw: string) => T }): OptionSpec<T>;
export function value<T>(spec: Common & { parse: (raw: string) => T }): OptionSpec<T | undefined>;
export function value<T>(spec: Common & { default?: string; parse: (raw: string) => T }): OptionSpec<T | undefined> {
  const { parse, ...rest } = spec;
  return {
    ...rest,
    kind: 'value',
    resolve: (raw, where) => {
      const one = single(raw, where);
      return one === undefined ? undefined : runParser(parse, one, where);
    },
  };
}

/** One of a fixed set of words. */
export function choice<const C extends string>(spec: Common & { choices: readonly C[]; default: C }): OptionSpec<C>;
export function choice<const C extends string>(spec: Common & { choices: readonly C[] }): OptionSpec<C | undefined>;
export function choice<const C extends string>(spec: Common & { choices: readonly C[]; default?: C }): OptionSpec<C | undefined> {
  return { ...spec, kind: 'value', resolve: (raw, where) => pickChoice(spec.choices, single(raw, where), where) };
}

/** A switch: `--flag`, and `--no-flag` when the default is on. */
export function toggle(spec: Common & { default?: boolean }): OptionSpec<boolean> {
  return {
    ...spec,
    kind: 'switch',
    resolve: (raw, where) => {
      if (raw === undefined || typeof raw === 'boolean') return raw ?? false;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new PitowerConfigError(`${where}: expected true or false, got "${quoteValue(String(raw))}"`);
    },
  };
}

/** A repeatable option; each value may also be a comma-separated list. Empty when not given. */
export function list<T>(spec: Common & { parse: (raw: string) => T }): OptionSpec<T[]> {
  const { parse, ...rest } = spec;
  return {
    ...rest,
    kind: 'list',
    resolve: (raw, where) =>
      (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw])
        .flatMap((item) => String(item).split(','))
        .map((item) => item.trim())
        .filter((item) => item !== '')
        .map((item) => runParser(parse, item, where)),
  };
}

/** The same schema with every flag under `prefix` (`load.` in the daemon) and the env names given by `env`. */
export function prefixSchema<S extends Schema>(schema: S, prefix: string, env: (name: string) => string = (name) => name): S {
  const out: Record<string, OptionSpec<unknown>> = {};
  for (const [key, spec] of Object.entries(schema)) {
    out[key] = { ...spec, flag: `${prefix}${spec.flag}`, env: spec.env === undefined ? undefined : env(spec.env) };
  }
  // the same keys and the same spec types, only the flag and env strings differ
  return out as S;
}

/** Where raw values come from: the command line, the environment, the config file, in that order. */
export interface OptionSource {
  lookup(spec: OptionSpec<unknown>): { raw: unknown; where: string } | undefined;
}

/** Every option of `schema` from `source` (or its default), typed. */
export function resolveSchema<S extends Schema>(schema: S, source: OptionSource): Values<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const found = source.lookup(spec);
    out[key] = found ? spec.resolve(found.raw, found.where) : spec.resolve(spec.default, `default of --${spec.flag}`);
  }
  // each property was produced by its own spec's resolve, whose return type Values<S> names
  return out as Values<S>;
}

/** The specs of schemas, in order, for commander and the config file's known keys. */
export function specsOf(...schemas: Schema[]): OptionSpec<unknown>[] {
  return schemas.flatMap((s) => Object.values(s));
}

/** Adds `--config.file` and every spec to a subcommand; read the values with commandSource. */
export function addCommandOptions(command: Command, specs: readonly OptionSpec<unknown>[]): Command {
  command.option('--config.file <path>', 'YAML file with the same keys as the flags (flags win)');
  return addOptions(command, specs);
}

/** The command's parsed flags, the environment and the command's `--config.file` (if given). */
export function commandSource(command: Command, specs: readonly OptionSpec<unknown>[], env: NodeJS.ProcessEnv = process.env): OptionSource {
  const configPath = command.opts()['config.file'];
  const path = typeof configPath === 'string' ? configPath : undefined;
  const file = path ? readConfigFile(path) : new Map<string, unknown>();
  return optionSource(command, specs, { file, filePath: path ?? '', env });
}

/** Adds every spec to a commander command. */
export function addOptions(command: Command, specs: readonly OptionSpec<unknown>[]): Command {
  for (const spec of specs) {
    if (spec.kind === 'switch') {
      command.addOption(new Option(`--${spec.flag}`, spec.help));
      if (spec.default === true) command.addOption(new Option(`--no-${spec.flag}`, `disable ${spec.flag}`));
      continue;
    }
    const option = new Option(`--${spec.flag} ${spec.arg ?? '<value>'}`, spec.help);
    if (spec.kind === 'list') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default, String(spec.default));
    command.addOption(option);
  }
  return command;
}

/** Flattens `{web: {listen-address: x}}` and `{"web.listen-address": x}` alike into dotted keys. */
export function flattenYaml(doc: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PitowerConfigError('the top level must be a mapping of option names to values');
  }
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of flattenYaml(value, name)) out.set(k, v);
    } else {
      out.set(name, value);
    }
  }
  return out;
}

/** Largest config file read: a real one is a few hundred bytes; YAML parsing costs ~40x its size in memory. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Longest value quoted in an error message; the rest is elided with its length. */
export const MAX_QUOTED_CHARS = 80;

/**
 * Reads a small text file the user named (config, password, certificate), refusing one over `maxBytes`
 * (also a FIFO or device that never ends). Every problem is one PitowerConfigError line naming `what`.
 */
export function readSmallFile(what: string, path: string, maxBytes = MAX_CONFIG_FILE_BYTES): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new PitowerConfigError(`${what} ${path}: cannot read: is a directory`);
    if (!stat.isFile()) throw new PitowerConfigError(`${what} ${path}: not a regular file (${fileKind(stat)})`);
    if (stat.size > maxBytes) throw new PitowerConfigError(`${what} ${path}: too large (${stat.size} bytes; at most ${maxBytes})`);
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (let n; (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) {
      length += n;
      if (length > maxBytes) throw new PitowerConfigError(`${what} ${path}: too large (more than ${maxBytes} bytes)`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof PitowerConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : errorMessage(err);
    throw new PitowerConfigError(`${what} ${path}: cannot read: ${why}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A secret file (password, key): its text without one trailing newline. */
export function readSecretFile(what: string, path: string): string {
  return readSmallFile(what, path).replace(/\r?\n$/, '');
}

/**
 * A systemd credential (`LoadCredential=<name>:...` in the unit): its text from `$CREDENTIALS_DIRECTORY/<name>`,
 * or undefined when the daemon was not given one by that name.
 */
export function readCredential(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return undefined;
  const path = `${dir.replace(/\/+$/, '')}/${name}`;
  if (!existsSync(path)) return undefined;
  return readSecretFile(`systemd credential ${name}:`, path);
}

/**
 * The one way a password is found: the password file named by `fileFlag` (if given), else the value given
 * directly (flag, environment or URL), else the systemd credential `credential`; undefined when none.
 */
export function readPassword(file: string | undefined, fileFlag: string, direct: string | undefined, credential: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) return readSecretFile(fileFlag, file);
  return direct ?? readCredential(credential, env);
}

/** `raw` for an error message: at most MAX_QUOTED_CHARS characters, the rest elided with its length. */
export function quoteValue(raw: string): string {
  const text = raw.length <= MAX_QUOTED_CHARS ? raw : `${raw.slice(0, MAX_QUOTED_CHARS)}… (${raw.length} characters)`;
  return text.replace(/[\r\n]+/g, ' ');
}

/** Reads and parses the YAML config file; every problem becomes one line naming the file. */
export function readConfigFile(path: string): Map<string, unknown> {
  const text = readSmallFile('--config.file', path);
  try {
    // Required here, where a file is read: a daemon started with flags only does not load yaml.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse: parseYaml } = require('yaml') as typeof import('yaml');
    return flattenYaml(parseYaml(text));
  } catch (err) {
    const reason = shorten(errorMessage(err).split('\n')[0]);
    throw new PitowerConfigError(`--config.file ${path}: invalid YAML: ${reason}`);
  }
}

/**
 * A source over commander's parsed values, the environment and the config file's flattened keys. Throws
 * PitowerConfigError for a file key no spec knows (a misspelt option in the file is an error, not ignored).
 */
export function optionSource(
  command: Command,
  specs: readonly OptionSpec<unknown>[],
  { file = new Map<string, unknown>(), filePath = '', env = process.env }: { file?: Map<string, unknown>; filePath?: string; env?: NodeJS.ProcessEnv } = {},
): OptionSource {
  const known = new Set(specs.map((s) => s.flag));
  known.add('config.file');
  for (const key of file.keys()) {
    if (!known.has(key)) throw new PitowerConfigError(`--config.file ${filePath}: unknown option "${quoteValue(key)}"`);
  }
  const opts = command.opts();
  return {
    lookup(spec) {
      const attr = new Option(`--${spec.flag}`).attributeName();
      if (command.getOptionValueSource(attr) === 'cli') return { raw: opts[attr], where: `--${spec.flag}` };
      if (spec.env && env[spec.env] !== undefined) return { raw: env[spec.env], where: `$${spec.env}` };
      if (file.has(spec.flag)) return { raw: file.get(spec.flag), where: `--config.file ${filePath}: ${spec.flag}` };
      return undefined;
    },
  };
}

/** One raw value as text; undefined stays undefined. A list or mapping where one value belongs is an error. */
function single(raw: unknown, where: string): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || typeof raw === 'object') throw new PitowerConfigError(`${where}: expected a single value`);
  return String(raw);
}

function pickChoice<C extends string>(choices: readonly C[], raw: string | undefined, where: string): C | undefined {
  if (raw === undefined) return undefined;
  const found = choices.find((c) => c === raw);
  if (found === undefined) throw new PitowerConfigError(`${where}: "${quoteValue(raw)}" is not one of ${choices.join(', ')}`);
  return found;
}

/** Longest single option value: a path, a URL, a regex. */
export const MAX_VALUE_CHARS = 4096;

/** An error text from a value parser, which may quote the whole value: at most a few lines' worth. */
function shorten(message: string): string {
  return message.length <= 4 * MAX_QUOTED_CHARS ? message : `${message.slice(0, 4 * MAX_QUOTED_CHARS)}…`;
}

function runParser<T>(parse: (raw: string) => T, raw: string, where: string): T {
  if (raw.length > MAX_VALUE_CHARS) throw new PitowerConfigError(`${where}: value too long (${raw.length} characters; at most ${MAX_VALUE_CHARS}): "${quoteValue(raw)}"`);
  try {
    return parse(raw);
  } catch (err) {
    // a parser that reads a file (--web.config.file) names the flag and the file itself
    if (err instanceof PitowerConfigError) throw err;
    throw new PitowerConfigError(`${where}: ${shorten(errorMessage(err))}`);
  }
}
