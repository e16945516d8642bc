import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { compare } from 'bcryptjs';
import { readSmallFile } from '../config/options';
import { PitowerConfigError, errorMessage } from '../errors';

/**
 * `--web.config.file`: the Prometheus exporter-toolkit format node_exporter and kafka_exporter read, so one
 * file serves them all:
 *
 *   tls_server_config:
 *     cert_file: pitower.crt          # relative paths are relative to this file
 *     key_file: pitower.key
 *     client_auth_type: RequireAndVerifyClientCert   # default NoClientCert
 *     client_ca_file: ca.crt
 *     min_version: TLS12                              # TLS10..TLS13, default TLS12
 *   basic_auth_users:
 *     prometheus: $2y$10$...                          # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
 */
export interface WebConfig {
  path: string;
  tls?: WebTlsConfig;
  /** user -> bcrypt hash */
  users: Map<string, string>;
}

export interface WebTlsConfig {
  certFile: string;
  keyFile: string;
  clientAuthType: ClientAuthType;
  clientCaFile?: string;
  minVersion: TlsVersion;
  maxVersion?: TlsVersion;
}

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersion = keyof typeof TLS_VERSIONS;

const TOP_KEYS = ['tls_server_config', 'basic_auth_users', 'http_server_config'];
const TLS_KEYS = ['cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'min_version', 'max_version', 'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites', 'client_allowed_sans'];
const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Parses the file's text; throws Error naming the key at fault (the caller prefixes the flag and path). */
export function parseWebConfig(text: string, path: string): WebConfig {
  let doc: unknown;
  try {
    // Required here, where a file is read: a daemon started with flags only does not load yaml.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse: parseYaml } = require('yaml') as typeof import('yaml');
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`not YAML: ${errorMessage(err).split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { path, users: new Map() };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected a mapping at the top');
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!TOP_KEYS.includes(key)) throw new Error(`unknown key "${key}" (expected ${TOP_KEYS.join(', ')})`);
  const relative = (p: string): string => (isAbsolute(p) ? p : join(dirname(path), p));

  const config: WebConfig = { path, users: new Map() };
  const tls = top.tls_server_config;
  if (tls !== undefined && tls !== null) {
    if (typeof tls !== 'object' || Array.isArray(tls)) throw new Error('tls_server_config: expected a mapping');
    const t = tls as Record<string, unknown>;
    for (const key of Object.keys(t)) if (!TLS_KEYS.includes(key)) throw new Error(`tls_server_config: unknown key "${key}"`);
    const str = (key: string): string | undefined => {
      const v = t[key];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string') throw new Error(`tls_server_config.${key}: expected a string`);
      return v;
    };
    const certFile = str('cert_file');
    const keyFile = str('key_file');
    if (!certFile || !keyFile) throw new Error('tls_server_config: cert_file and key_file are both required');
    const clientAuthType = (str('client_auth_type') ?? 'NoClientCert') as ClientAuthType;
    if (!CLIENT_AUTH_TYPES.includes(clientAuthType)) throw new Error(`tls_server_config.client_auth_type: "${clientAuthType}" is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);
    const clientCaFile = str('client_ca_file');
    if (clientAuthType.includes('Verify') && !clientCaFile) throw new Error(`tls_server_config.client_auth_type ${clientAuthType} needs client_ca_file`);
    const version = (key: string): TlsVersion | undefined => {
      const v = str(key);
      if (v !== undefined && !(v in TLS_VERSIONS)) throw new Error(`tls_server_config.${key}: "${v}" is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
      return v as TlsVersion | undefined;
    };
    config.tls = {
      certFile: relative(certFile),
      keyFile: relative(keyFile),
      clientAuthType,
      clientCaFile: clientCaFile === undefined ? undefined : relative(clientCaFile),
      minVersion: version('min_version') ?? 'TLS12',
      maxVersion: version('max_version'),
    };
  }
  const users = top.basic_auth_users;
  if (users !== undefined && users !== null) {
    if (typeof users !== 'object' || Array.isArray(users)) throw new Error('basic_auth_users: expected a mapping of user: bcrypt hash');
    for (const [user, hash] of Object.entries(users as Record<string, unknown>)) {
      if (typeof hash !== 'string' || !BCRYPT.test(hash)) throw new Error(`basic_auth_users.${user}: not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')`);
      if (user.includes(':')) throw new Error(`basic_auth_users: user "${user}" contains ":"`);
      config.users.set(user, hash);
    }
  }
  return config;
}

/** Reads and parses the file; one-line PitowerConfigError naming the flag and the path. */
export function readWebConfig(path: string): WebConfig {
  const text = readSmallFile('--web.config.file', path);
  try {
    const config = parseWebConfig(text, path);
    if (config.tls) toSecureContext(config.tls); // certificate files readable and valid now, not at the first connection
    return config;
  } catch (err) {
    if (err instanceof PitowerConfigError) throw err;
    throw new PitowerConfigError(`--web.config.file ${path}: ${errorMessage(err)}`);
  }
}

/** The TLS options of Node's https server for `tls` (reads the certificate files). */
export function toSecureContext(tls: WebTlsConfig): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const read = (key: string, path: string): string => {
    try {
      return readSmallFile(`tls_server_config.${key}`, path);
    } catch (err) {
      throw new Error(errorMessage(err));
    }
  };
  const options = {
    cert: read('cert_file', tls.certFile),
    key: read('key_file', tls.keyFile),
    ca: tls.clientCaFile ? read('client_ca_file', tls.clientCaFile) : undefined,
    minVersion: TLS_VERSIONS[tls.minVersion],
    maxVersion: tls.maxVersion ? TLS_VERSIONS[tls.maxVersion] : undefined,
    // Go's tls.ClientAuthType in Node's terms; the "any"/"if given" kinds are finished in checkClientCert.
    requestCert: tls.clientAuthType !== 'NoClientCert',
    rejectUnauthorized: tls.clientAuthType === 'RequireAndVerifyClientCert',
  };
  // A key that does not match the certificate, or PEM that is not one, fails here with OpenSSL's reason.
  try {
    createSecureContext(options);
  } catch (err) {
    throw new Error(`tls_server_config: ${errorMessage(err)}`);
  }
  return options;
}

/**
 * Whether a TLS client passes `type` beyond what Node enforced: RequireAnyClientCert needs a certificate
 * (any), VerifyClientCertIfGiven needs a given one to verify.
 */
export function checkClientCert(type: ClientAuthType, presented: boolean, authorized: boolean): boolean {
  if (type === 'RequireAnyClientCert') return presented;
  if (type === 'VerifyClientCertIfGiven') return !presented || authorized;
  if (type === 'RequireAndVerifyClientCert') return presented && authorized;
  return true;
}

/** `Authorization: Basic ...` -> [user, password], or undefined. */
export function parseBasicAuth(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/**
 * Basic-auth checks against the users' bcrypt hashes. bcrypt is slow on purpose (tens of ms here, far more
 * on a Pi), so a pair that passed once is remembered by a SHA-256 of user, hash and password, as
 * exporter-toolkit does; a changed file (new hash) no longer matches the remembered pair.
 */
export class BasicAuth {
  private passed = new Set<string>();

  constructor(private users: Map<string, string>) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  setUsers(users: Map<string, string>): void {
    this.users = users;
    this.passed = new Set();
  }

  async check(header: string | undefined): Promise<boolean> {
    const pair = parseBasicAuth(header);
    if (!pair) return false;
    const hash = this.users.get(pair[0]);
    if (hash === undefined) return false;
    const key = createHash('sha256').update(`${pair[0]}\u0000${hash}\u0000${pair[1]}`).digest('hex');
    if (this.passed.has(key)) return true;
    if (!(await compare(pair[1], hash))) return false;
    if (this.passed.size >= 1000) this.passed.clear();
    this.passed.add(key);
    return true;
  }
}
