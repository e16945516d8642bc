import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { PitowerConfigError, errorMessage, fileKind } from '../errors';

/**
 * A declarative option: one entry gives a command-line flag, the same key in the YAML config file,
 * an optional environment variable, a default and a parser that validates the value.
 *
 * Precedence: flag > environment variable > config file > default.
 */
export interface OptionSpec {
  /** Flag name without dashes, node_exporter style: `web.listen-address`. Also the YAML key. */
  flag: string;
  /** Placeholder for the value in help text (`<address>`); omitted for booleans. */
  arg?: string;
  help: string;
  default?: unknown;
  /** Boolean switch; `--no-<flag>` turns it off when the default is true. */
  boolean?: boolean;
  /** Repeatable; each value may also be a comma-separated list. */
  repeatable?: boolean;
  /** Environment variable read when the flag is not given (for secrets that must not be on argv). */
  env?: string;
  /** Validates one raw string (each element for repeatable options); throws with a reason. */
  parse?: (raw: string) => unknown;
  /** Choices shown in help and enforced. */
  choices?: string[];
}

export type OptionValues = Map<string, unknown>;

/** Adds `--config.file` and every spec to a subcommand; resolve with resolveCommandOptions. */
export function addCommandOptions(command: Command, specs: OptionSpec[]): Command {
  command.option('--config.file <path>', 'YAML file with the same keys as the flags (flags win)');
  return addOptions(command, specs);
}

/** Reads the command's `--config.file` (if given) and resolves every spec (see resolveOptions). */
export function resolveCommandOptions(command: Command, specs: OptionSpec[], env: NodeJS.ProcessEnv = process.env): OptionValues {
  const configPath = command.opts()['config.file'] as string | undefined;
  const file = configPath ? readConfigFile(configPath) : new Map<string, unknown>();
  return resolveOptions(command, specs, file, configPath ?? '', env);
}

/** Adds every spec to a commander command. */
export function addOptions(command: Command, specs: OptionSpec[]): Command {
  for (const spec of specs) {
    if (spec.boolean) {
      const option = new Option(`--${spec.flag}`, spec.help);
      command.addOption(option);
      if (spec.default === true) command.addOption(new Option(`--no-${spec.flag}`, `disable ${spec.flag}`));
      continue;
    }
    const option = new Option(`--${spec.flag} ${spec.arg ?? '<value>'}`, spec.help);
    if (spec.repeatable) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default, defaultDescription(spec.default));
    command.addOption(option);
  }
  return command;
}

function defaultDescription(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
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

/** `raw` for an error message: at most MAX_QUOTED_CHARS characters, the rest elided with its length. */
export function quoteValue(raw: string): string {
  const text = raw.length <= MAX_QUOTED_CHARS ? raw : `${raw.slice(0, MAX_QUOTED_CHARS)}… (${raw.length} characters)`;
  return text.replace(/[\r\n]+/g, ' ');
}

/** Reads and parses the YAML config file; every problem becomes one line naming the file. */
export function readConfigFile(path: string): Map<string, unknown> {
  const text = readSmallFile('--config.file', path);
  try {
    return flattenYaml(parseYaml(text));
  } catch (err) {
    const reason = shorten(errorMessage(err).split('\n')[0]);
    throw new PitowerConfigError(`--config.file ${path}: invalid YAML: ${reason}`);
  }
}

/**
 * Resolves every spec from commander's parsed values, the environment and the config file into one map
 * keyed by flag name. Throws PitowerConfigError naming the flag (or file key) for any invalid value.
 */
export function resolveOptions(
  command: Command,
  specs: OptionSpec[],
  file: Map<string, unknown> = new Map(),
  filePath = '',
  env: NodeJS.ProcessEnv = process.env,
): OptionValues {
  const known = new Set(specs.map((s) => s.flag));
  known.add('config.file');
  for (const key of file.keys()) {
    if (!known.has(key)) throw new PitowerConfigError(`--config.file ${filePath}: unknown option "${quoteValue(key)}"`);
  }
  const opts = command.opts();
  const values: OptionValues = new Map();
  for (const spec of specs) {
    const attr = new Option(`--${spec.flag}`).attributeName();
    const source = command.getOptionValueSource(attr);
    let raw: unknown;
    let where: string;
    if (source === 'cli') {
      raw = opts[attr];
      where = `--${spec.flag}`;
    } else if (spec.env && env[spec.env] !== undefined) {
      raw = env[spec.env];
      where = `$${spec.env}`;
    } else if (file.has(spec.flag)) {
      raw = file.get(spec.flag);
      where = `--config.file ${filePath}: ${spec.flag}`;
    } else {
      values.set(spec.flag, spec.default === undefined ? undefined : parseValue(spec, spec.default, `default of --${spec.flag}`));
      continue;
    }
    values.set(spec.flag, parseValue(spec, raw, where));
  }
  return values;
}

function parseValue(spec: OptionSpec, raw: unknown, where: string): unknown {
  if (spec.boolean) {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new PitowerConfigError(`${where}: expected true or false, got "${quoteValue(String(raw))}"`);
  }
  if (spec.repeatable) {
    const list = (Array.isArray(raw) ? raw : [raw])
      .flatMap((item) => String(item).split(','))
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return list.map((item) => parseOne(spec, item, where));
  }
  if (raw === null || typeof raw === 'object') {
    throw new PitowerConfigError(`${where}: expected a single value`);
  }
  return parseOne(spec, String(raw), where);
}

/** Longest single option value: a path, a URL, a regex. */
export const MAX_VALUE_CHARS = 4096;

/** An error text from a value parser, which may quote the whole value: at most a few lines' worth. */
function shorten(message: string): string {
  return message.length <= 4 * MAX_QUOTED_CHARS ? message : `${message.slice(0, 4 * MAX_QUOTED_CHARS)}…`;
}

function parseOne(spec: OptionSpec, raw: string, where: string): unknown {
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new PitowerConfigError(`${where}: "${quoteValue(raw)}" is not one of ${spec.choices.join(', ')}`);
  }
  if (!spec.parse) return raw;
  if (raw.length > MAX_VALUE_CHARS) throw new PitowerConfigError(`${where}: value too long (${raw.length} characters; at most ${MAX_VALUE_CHARS}): "${quoteValue(raw)}"`);
  try {
    return spec.parse(raw);
  } catch (err) {
    throw new PitowerConfigError(`${where}: ${shorten(errorMessage(err))}`);
  }
}
