/**
 * A real MQTT broker (Debian's mosquitto) for tests: a config in a temp dir, private 127.0.0.1 ports, run as
 * the current user, persistence in the temp dir (sessions and queued messages survive restart()). Never
 * relies on a broker already running.
 *
 *   const broker = await startMosquitto({ users: { lab: 'pw' }, tls: true });
 *   broker.url()              // mqtt://127.0.0.1:PORT          (broker.tlsUrl(): mqtts://127.0.0.1:TLSPORT)
 *   broker.certificates.ca    // the CA that signed the TLS listener's certificate
 *   await broker.restart();   // SIGTERM (mosquitto saves its state), then start again on the same ports
 *   broker.pause(); broker.resume();   // SIGSTOP / SIGCONT
 *   await broker.destroy();   // stop and remove the temp dir (always call it, in afterAll)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type TestCertificates } from './certificates';
import { destroyOnce, freePort, startOrDestroy, stopChild } from './server-process';

export interface MosquittoOptions {
  /** Users and passwords (mosquitto_passwd -b); when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** A second listener with TLS, its certificate signed by a test CA (`certificates`). */
  tls?: boolean;
}

export interface Mosquitto {
  port: number;
  tlsPort?: number;
  dir: string;
  certificates?: TestCertificates;
  url(): string;
  tlsUrl(): string;
  /** What mosquitto logged, last 100 kB. */
  log(): string;
  /** SIGTERM (SIGKILL after 10 s); state and ports are kept. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a broker that keeps its connections open and answers nothing. */
  pause(): void;
  resume(): void;
  /** Stops the broker and removes the temp dir. Safe to call twice. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function mosquittoPath(): string {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(p)) return p;
  throw new Error('mosquitto not found: install the Debian package mosquitto (scripts/provision.sh does)');
}

/** The broker's config file text. Pure. */
export function toMosquittoConfig(o: { dir: string; port: number; tlsPort?: number; passwordFile?: string; certificates?: TestCertificates; user: string }): string {
  const lines = [
    `user ${o.user}`,
    'per_listener_settings false',
    `allow_anonymous ${o.passwordFile ? 'false' : 'true'}`,
    ...(o.passwordFile ? [`password_file ${o.passwordFile}`] : []),
    'persistence true',
    `persistence_location ${o.dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    `listener ${o.port} 127.0.0.1`,
  ];
  if (o.tlsPort !== undefined && o.certificates) {
    lines.push(`listener ${o.tlsPort} 127.0.0.1`, `cafile ${o.certificates.ca}`, `certfile ${o.certificates.serverCert}`, `keyfile ${o.certificates.serverKey}`);
  }
  return `${lines.join('\n')}\n`;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'pitower-mosquitto-'));
  let passwordFile: string | undefined;
  if (options.users) {
    passwordFile = join(dir, 'passwd');
    writeFileSync(passwordFile, '', { mode: 0o600 });
    for (const [user, password] of Object.entries(options.users)) execFileSync('mosquitto_passwd', ['-b', passwordFile, user, password], { stdio: 'pipe' });
  }
  const certificates = options.tls ? makeCertificates(dir) : undefined;
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const user = process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'root');
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, toMosquittoConfig({ dir, port, tlsPort, passwordFile, certificates, user }));
  let child: ChildProcess | undefined;
  let log = '';

  async function start(): Promise<void> {
    const proc = spawn(mosquittoPath(), ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (d: string) => (log = (log + d).slice(-100_000)));
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
    });
    const deadline = Date.now() + 10000;
    for (;;) {
      if (exited) throw new Error(`mosquitto exited during start-up: ${log.slice(-2000)}`);
      if ((await portOpen(port)) && (tlsPort === undefined || (await portOpen(tlsPort)))) return;
      if (Date.now() > deadline) throw new Error(`mosquitto not listening after 10 s: ${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    await stopChild(proc, 10000);
  }

  const broker: Mosquitto = {
    port,
    tlsPort,
    dir,
    certificates,
    url: () => `mqtt://127.0.0.1:${port}`,
    tlsUrl: () => {
      if (tlsPort === undefined) throw new Error('started without tls: true');
      return `mqtts://127.0.0.1:${tlsPort}`;
    },
    log: () => log,
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    destroy: destroyOnce(stop, dir),
  };
  return startOrDestroy(broker);
}
