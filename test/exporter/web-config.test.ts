/**
 * `--web.config.file` on the real daemon: HTTPS with certificates this test makes (openssl), basic auth
 * with bcrypt hashes, client certificates, SIGHUP rereading the file, bad files refused, and a real
 * Prometheus scraping it over HTTPS with basic auth.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { runPitower, startDaemon, stopDaemon, type DaemonHandle } from '../support/exporter-process';
import { makeCertificates } from '../support/certificates';
import { startPrometheus } from '../support/prometheus';

const FIXTURES = join(__dirname, '..', 'fixtures');
const SENSORS = [`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`];

let dir: string;
const file = (name: string) => join(dir, name);

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function get(url: string, options: { user?: string; password?: string; cert?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.user !== undefined) headers.authorization = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
    const req = request(
      url,
      {
        ca: readFileSync(file('ca.crt')),
        headers,
        ...(options.cert ? { cert: readFileSync(file(`${options.cert}.crt`)), key: readFileSync(file(`${options.cert}.key`)) } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function webConfig(lines: string[]): string {
  const path = file('web.yml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const TLS = ['tls_server_config:', '  cert_file: server.crt', '  key_file: server.key'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitower-web-config-'));
  makeCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exporter > --web.config.file: HTTPS and basic auth', () => {
  let daemon: DaemonHandle;
  const hash = (password: string) => hashSync(password, 10);

  beforeAll(async () => {
    const path = webConfig([...TLS, 'basic_auth_users:', `  prometheus: ${hash('s3cret')}`]);
    daemon = await startDaemon([`--web.config.file=${path}`, ...SENSORS]);
  });
  afterAll(async () => {
    if (daemon) await stopDaemon(daemon);
  });

  test('serves HTTPS: no credentials 401 with a Basic challenge, a wrong password 401, the right one 200 with the metrics', async () => {
    expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const none = await get(`${daemon.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="pitower"');
    expect(none.body).not.toContain('pitower_');
    expect((await get(`${daemon.url}/metrics`, { user: 'prometheus', password: 'wrong' })).status).toBe(401);
    expect((await get(`${daemon.url}/metrics`, { user: 'nobody', password: 's3cret' })).status).toBe(401);
    const ok = await get(`${daemon.url}/metrics`, { user: 'prometheus', password: 's3cret' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('pitower_board_info{model="Raspberry Pi 4 Model B Rev 1.4",revision="c03114"} 1');
    // The landing page and health endpoints are behind the same door.
    expect((await get(`${daemon.url}/`)).status).toBe(401);
    expect((await get(`${daemon.url}/-/healthy`)).status).toBe(401);
    // Plain HTTP to the HTTPS port gets no metrics.
    const plain = await fetch(daemon.url.replace('https:', 'http:') + '/metrics').then((r) => r.status, () => 'refused');
    expect(plain).not.toBe(200);
  });

  test('SIGHUP rereads the file: a new password works at once and the old one no longer does; a bad file keeps the last good one', async () => {
    webConfig([...TLS, 'basic_auth_users:', `  prometheus: ${hash('n3w')}`]);
    await sighup(daemon, '"msg":"web config reread"');
    expect((await get(`${daemon.url}/metrics`, { user: 'prometheus', password: 's3cret' })).status).toBe(401);
    expect((await get(`${daemon.url}/metrics`, { user: 'prometheus', password: 'n3w' })).status).toBe(200);

    webConfig([...TLS, 'basic_auth_users:', '  prometheus: not-a-hash']);
    await sighup(daemon, 'web config not reread; the previous one stays in force');
    expect(daemon.logs()).toContain('basic_auth_users.prometheus: not a bcrypt hash');
    expect((await get(`${daemon.url}/metrics`, { user: 'prometheus', password: 'n3w' })).status).toBe(200);
  });
});

describe('exporter > --web.config.file: client certificates', () => {
  test('RequireAndVerifyClientCert: only a certificate signed by client_ca_file gets in', async () => {
    const path = webConfig([...TLS, '  client_auth_type: RequireAndVerifyClientCert', '  client_ca_file: ca.crt', '  min_version: TLS13']);
    const daemon = await startDaemon([`--web.config.file=${path}`, ...SENSORS]);
    try {
      expect((await get(`${daemon.url}/metrics`, { cert: 'client' })).status).toBe(200);
      await expect(get(`${daemon.url}/metrics`)).rejects.toThrow(/certificate|socket hang up|ECONNRESET/i);
      await expect(get(`${daemon.url}/metrics`, { cert: 'stranger' })).rejects.toThrow(/certificate|unknown ca|socket hang up|ECONNRESET/i);
    } finally {
      await stopDaemon(daemon);
    }
  });

  test('RequireAnyClientCert: any certificate gets in, none gets 403 naming the rule', async () => {
    const path = webConfig([...TLS, '  client_auth_type: RequireAnyClientCert']);
    const daemon = await startDaemon([`--web.config.file=${path}`, ...SENSORS]);
    try {
      expect((await get(`${daemon.url}/metrics`, { cert: 'stranger' })).status).toBe(200);
      const none = await get(`${daemon.url}/metrics`);
      expect(none.status).toBe(403);
      expect(none.body).toBe('client certificate required (RequireAnyClientCert)\n');
    } finally {
      await stopDaemon(daemon);
    }
  });
});

describe('exporter > --web.config.file: bad files are one line, exit 2', () => {
  test.each<[string, string[], RegExp]>([
    ['an unknown key', ['tls_config:', '  cert_file: x'], /: unknown key "tls_config" \(expected tls_server_config, basic_auth_users, http_server_config\)$/],
    ['a password where a hash belongs', ['basic_auth_users:', '  prometheus: s3cret'], /: basic_auth_users\.prometheus: not a bcrypt hash/],
    ['a missing certificate file', ['tls_server_config:', '  cert_file: missing.crt', '  key_file: server.key'], /missing\.crt/],
    ['a key that is not the certificate\'s', ['tls_server_config:', '  cert_file: server.crt', '  key_file: client.key'], /tls_server_config: .*(key values mismatch|KEY_VALUES_MISMATCH)/i],
    ['a client_auth_type that verifies without a CA', [...TLS, '  client_auth_type: RequireAndVerifyClientCert'], /client_auth_type RequireAndVerifyClientCert needs client_ca_file$/],
  ])('%s', async (_name, lines, reason) => {
    const path = webConfig(lines);
    const result = await runPitower(['exporter', '--web.listen-address=127.0.0.1:0', `--web.config.file=${path}`, ...SENSORS]);
    expect(result.code).toBe(2);
    const stderr = result.stderr.trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(new RegExp(`^pitower: (--web\\.config\\.file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: )?.+`));
    expect(stderr[0]).toMatch(reason);
  });
});

describe('exporter > --web.config.file: a real Prometheus scrapes it', () => {
  test('over HTTPS with basic auth, as the commented example in prometheus/prometheus.yml says', async () => {
    const path = webConfig([...TLS, 'basic_auth_users:', `  prometheus: ${hashSync('s3cret', 10)}`]);
    const daemon = await startDaemon([`--web.config.file=${path}`, ...SENSORS]);
    writeFileSync(file('prom-password'), 's3cret\n');
    const target = daemon.url.replace('https://', '');
    const prom = await startPrometheus({
      configYaml: `
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: pitower
${shippedExample()}
    static_configs: [{ targets: ['${target}'] }]
  - job_name: pitower-no-auth
    scheme: https
    tls_config: { ca_file: ${file('ca.crt')} }
    static_configs: [{ targets: ['${target}'] }]
`,
    });
    try {
      const up = await prom.waitForQuery('pitower_board_info{job="pitower"}');
      expect(up.result[0].metric.model).toBe('Raspberry Pi 4 Model B Rev 1.4');
      const down = await prom.waitForQuery('up{job="pitower-no-auth"} == 0');
      expect(down.result).toHaveLength(1);
      expect((await prom.query('up{job="pitower"}')).result[0].value?.[1]).toBe('1');
    } finally {
      await prom.stop();
      await stopDaemon(daemon);
    }
  }, 60_000);
});

/** Sends SIGHUP and waits until `text` appears in the log once more than before. */
/** The commented HTTPS + basic auth lines of the shipped prometheus/prometheus.yml, uncommented, with this test's files. */
function shippedExample(): string {
  const shipped = readFileSync(join(__dirname, '..', '..', 'prometheus', 'prometheus.yml'), 'utf8').split('\n');
  const start = shipped.findIndex((line) => line.includes('uncomment and point these'));
  const lines: string[] = [];
  for (let i = start + 1; shipped[i].startsWith('  #   '); i++) lines.push(`    ${shipped[i].slice('  #   '.length)}`);
  expect(lines.length).toBeGreaterThanOrEqual(6);
  return lines
    .join('\n')
    .replace('/etc/prometheus/pitower-ca.crt', file('ca.crt'))
    .replace('/etc/prometheus/pitower-password', file('prom-password'));
}

async function sighup(daemon: DaemonHandle, text: string, timeoutMs = 5000): Promise<void> {
  const count = () => daemon.logs().split(text).length - 1;
  const before = count();
  daemon.child.kill('SIGHUP');
  const deadline = Date.now() + timeoutMs;
  while (count() <= before) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in the log within ${timeoutMs} ms:\n${daemon.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
