import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the certificates and keys makeCertificates wrote (PEM). */
export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Signed by the CA (clientAuth). */
  clientCert: string;
  clientKey: string;
  /** Self-signed: a client the CA does not know. */
  strangerCert: string;
  strangerKey: string;
}

/**
 * A CA, a server certificate for 127.0.0.1 and localhost signed by it, a client certificate signed by it,
 * and a self-signed one (openssl, EC P-256, valid 2 days), all in `dir`.
 */
export function makeCertificates(dir: string): TestCertificates {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=pitower test CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['server', 'server.ext'], ['client', 'client.ext']]) {
    openssl(['req', ...ec, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${name}.crt`]);
  }
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=stranger', '-keyout', 'stranger.key', '-out', 'stranger.crt']);
  const f = (name: string) => join(dir, name);
  return {
    ca: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    strangerCert: f('stranger.crt'),
    strangerKey: f('stranger.key'),
  };
}

/** The server certificate and key as a PKCS#12 keystore (for a JVM server), protected by `password`. */
export function toPkcs12(dir: string, certs: TestCertificates, password: string): string {
  const out = join(dir, 'server.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-in', certs.serverCert, '-inkey', certs.serverKey, '-certfile', certs.ca, '-name', 'server', '-out', out, '-passout', `pass:${password}`], { stdio: 'pipe' });
  return out;
}
