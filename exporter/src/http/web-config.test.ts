import { hashSync } from 'bcryptjs';
import { BasicAuth, checkClientCert, parseBasicAuth, parseWebConfig, type ClientAuthType } from './web-config';

const HASH = hashSync('s3cret', 4);

describe('http > web config', () => {
  test('an empty file turns nothing on', () => {
    expect(parseWebConfig('', '/etc/pitower/web.yml')).toEqual({ path: '/etc/pitower/web.yml', users: new Map() });
  });

  test('reads tls_server_config with paths relative to the file, and the users', () => {
    const c = parseWebConfig(
      ['tls_server_config:', '  cert_file: pi.crt', '  key_file: /abs/pi.key', '  client_auth_type: VerifyClientCertIfGiven', '  client_ca_file: ca.crt', '  min_version: TLS13', 'basic_auth_users:', `  prometheus: ${HASH}`].join('\n'),
      '/etc/pitower/web.yml',
    );
    expect(c.tls).toEqual({ certFile: '/etc/pitower/pi.crt', keyFile: '/abs/pi.key', clientAuthType: 'VerifyClientCertIfGiven', clientCaFile: '/etc/pitower/ca.crt', minVersion: 'TLS13', maxVersion: undefined });
    expect([...c.users]).toEqual([['prometheus', HASH]]);
    expect(parseWebConfig('tls_server_config: {cert_file: a, key_file: b}', '/w.yml').tls).toMatchObject({ clientAuthType: 'NoClientCert', minVersion: 'TLS12' });
  });

  test.each<[string, string]>([
    ['[1, 2]', 'expected a mapping at the top'],
    ['a: [', 'not YAML'],
    ['tls_config: {}', 'unknown key "tls_config"'],
    ['tls_server_config: {cert_file: a}', 'tls_server_config: cert_file and key_file are both required'],
    ['tls_server_config: {cert_file: a, key_file: b, client_auth_type: Always}', 'client_auth_type: "Always" is not one of'],
    ['tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}', 'needs client_ca_file'],
    ['tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}', 'min_version: "TLS14" is not one of TLS10, TLS11, TLS12, TLS13'],
    ['tls_server_config: {cert_file: a, key_file: b, ciphers: x}', 'tls_server_config: unknown key "ciphers"'],
    ['basic_auth_users: {prometheus: s3cret}', 'basic_auth_users.prometheus: not a bcrypt hash'],
    ['basic_auth_users: [a]', 'basic_auth_users: expected a mapping'],
  ])('refuses %j', (text, reason) => {
    expect(() => parseWebConfig(text, '/w.yml')).toThrow(reason);
  });

  test.each<[ClientAuthType, boolean, boolean, boolean]>([
    ['NoClientCert', false, false, true],
    ['RequestClientCert', false, false, true],
    ['RequestClientCert', true, false, true],
    ['RequireAnyClientCert', false, false, false],
    ['RequireAnyClientCert', true, false, true],
    ['VerifyClientCertIfGiven', false, false, true],
    ['VerifyClientCertIfGiven', true, false, false],
    ['VerifyClientCertIfGiven', true, true, true],
    ['RequireAndVerifyClientCert', false, false, false],
    ['RequireAndVerifyClientCert', true, true, true],
  ])('%s: presented %s, verified %s -> %s', (type, presented, authorized, ok) => {
    expect(checkClientCert(type, presented, authorized)).toBe(ok);
  });

  test.each<[string | undefined, [string, string] | undefined]>([
    [undefined, undefined],
    ['Bearer abc', undefined],
    [`Basic ${Buffer.from('u:p:w').toString('base64')}`, ['u', 'p:w']],
    [`basic ${Buffer.from('u:').toString('base64')}`, ['u', '']],
    [`Basic ${Buffer.from('nocolon').toString('base64')}`, undefined],
  ])('parseBasicAuth(%j)', (header, pair) => {
    expect(parseBasicAuth(header)).toEqual(pair);
  });

  test('BasicAuth: right pair passes (and is remembered), wrong ones fail, new users forget the old pairs', async () => {
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const auth = new BasicAuth(new Map([['prometheus', HASH]]));
    expect(auth.enabled).toBe(true);
    expect(await auth.check(basic('prometheus', 's3cret'))).toBe(true);
    expect(await auth.check(basic('prometheus', 's3cret'))).toBe(true);
    expect(await auth.check(basic('prometheus', 'S3cret'))).toBe(false);
    expect(await auth.check(basic('grafana', 's3cret'))).toBe(false);
    expect(await auth.check(undefined)).toBe(false);
    auth.setUsers(new Map([['prometheus', hashSync('other', 4)]]));
    expect(await auth.check(basic('prometheus', 's3cret'))).toBe(false);
    expect(new BasicAuth(new Map()).enabled).toBe(false);
  });
});
