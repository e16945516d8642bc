/**
 * What the real-server labs (test/lab/kafka.ts, test/lab/cassandra.ts) share: jars resolved from Maven
 * Central once into ~/.cache/pitower-lab (PITOWER_LAB_CACHE) with a small Java entry compiled against them,
 * JVM children that are killed when this process exits, temp dirs of killed runs removed, and polling.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const execFileP = promisify(execFile);

/** One line that names the lab step that failed, for a user who lacks Java or Maven or a network. */
export class LabError extends Error {
  override name = 'LabError';
  constructor(lab: string, step: string, detail: string) {
    super(`${lab} lab: ${step}: ${detail}`);
  }
}

export function cacheRoot(): string {
  // Absolute: mvn resolves a relative output directory against the pom's folder, javac against the cwd.
  return resolve(process.env.PITOWER_LAB_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pitower-lab'));
}

async function which(cmd: string): Promise<boolean> {
  try {
    await execFileP('sh', ['-c', `command -v ${cmd}`], { env: process.env });
    return true;
  } catch {
    return false;
  }
}

export function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Maven's first [ERROR] line (the reason; the rest is help links), else its last lines. */
function mavenReason(text: string): string {
  const clean = text.split(String.fromCharCode(27)).join('').replace(/\[[0-9;]*m/g, '');
  return clean.split('\n').find((line) => line.startsWith('[ERROR]'))?.trim() ?? lastLines(clean);
}

const WATCHDOG_SOURCE = join(__dirname, 'ParentWatchdog.java');

export interface LabJars {
  /** "<classes>:<libs>/*" */
  classpath: string;
  classes: string;
  libs: string;
}

export interface JarSpec {
  /** For messages and the cache dir name: "kafka", "cassandra". */
  lab: string;
  /** What Maven resolves, for messages: "Apache Kafka 4.1.0". */
  what: string;
  version: string;
  pom: string;
  /** Extra mvn arguments (-D properties, -P profiles). */
  mavenArgs?: string[];
  /** The Java entry compiled against the jars (with test/lab/ParentWatchdog.java). */
  source: string;
  /** Throws the lab's own error type. */
  fail: (step: string, detail: string) => Error;
}

/**
 * Resolves the jars of `spec.pom` (and compiles `spec.source` against them) once; later calls return the
 * cached directory at once. Keyed by version and the pom/source contents, so an edit resolves again.
 */
export async function resolveJars(spec: JarSpec): Promise<LabJars> {
  const sources = [spec.source, WATCHDOG_SOURCE];
  const hash = createHash('sha256').update(readFileSync(spec.pom));
  for (const source of sources) hash.update(readFileSync(source));
  const key = hash.digest('hex').slice(0, 12);
  const dir = join(cacheRoot(), `${spec.lab}-${spec.version}-${key}`);
  const result = (base: string): LabJars => ({ classpath: `${join(base, 'classes')}:${join(base, 'libs')}/*`, classes: join(base, 'classes'), libs: join(base, 'libs') });
  if (existsSync(join(dir, '.complete'))) return result(dir);

  for (const [cmd, pkg] of [['java', 'default-jre-headless'], ['javac', 'default-jdk-headless'], ['mvn', 'maven']]) {
    if (!(await which(cmd))) throw spec.fail('resolve jars', `${cmd} is not installed (Debian: apt-get install ${pkg})`);
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const work = mkdtempSync(join(cacheRoot(), `.${spec.lab}-${spec.version}-`));
  try {
    await execFileP(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', '-f', spec.pom, ...(spec.mavenArgs ?? []), 'dependency:copy-dependencies', `-DoutputDirectory=${join(work, 'libs')}`],
      { maxBuffer: 16 << 20, timeout: 600_000, env: process.env },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw spec.fail(`resolve ${spec.what} from Maven Central (mvn)`, mavenReason(`${err.stdout ?? ''}\n${err.stderr ?? ''}`) || err.message);
    });
    mkdirSync(join(work, 'classes'));
    await execFileP('javac', ['-d', join(work, 'classes'), '-cp', `${join(work, 'libs')}/*`, ...sources], { maxBuffer: 16 << 20, env: process.env }).catch(
      (err: { stderr?: string; message: string }) => {
        throw spec.fail(`compile ${spec.source.replace(/^.*\/test\/lab\//, 'test/lab/')}`, lastLines(err.stderr ?? err.message));
      },
    );
    writeFileSync(join(work, '.complete'), `${spec.version}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    // Jars of an earlier pom or Java entry for this version are never used again.
    for (const name of readdirSync(cacheRoot())) {
      if (name.startsWith(`${spec.lab}-${spec.version}-`) && join(cacheRoot(), name) !== dir) rmSync(join(cacheRoot(), name), { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return result(dir);
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

/** Kills `child` (SIGKILL, after SIGCONT for a paused one) when this process exits; untracked once it exits. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A new temp dir `<tmp>/<prefix>XXXX` owned by this process (owner.pid), after removing the dirs with that
 * prefix whose owner is gone (a run that was killed could not clean up).
 */
export function makeLabDir(prefix: string): string {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(tmpdir(), name);
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      // no owner file yet: a lab being set up right now, or not ours
      continue;
    }
    try {
      process.kill(owner, 0);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(root, 'owner.pid'), String(process.pid));
  return root;
}
