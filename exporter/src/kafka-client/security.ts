import { choice, prefixSchema, readPassword, readSmallFile, text, toggle, type Values } from '../config/options';
import { PitowerConfigError } from '../errors';

/**
 * How pitower reaches a secured Kafka cluster: one set of TLS and SASL flags (kafka_exporter's names), used
 * by the Kafka collector (`--tls.*`, `--sasl.*`), by `pitower load --backend kafka` (the same names) and by
 * the daemon's load generator (`--load.tls.*`, `--load.sasl.*`), resolved by one function and handed to
 * one client factory (client.ts).
 */
export interface KafkaTlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSaslConfig {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaSecurity {
  tls?: KafkaTlsConfig;
  sasl?: KafkaSaslConfig;
}

/** The flags (the collector's; `pitower load` has the same under its prefix, see prefixSchema). */
export const KAFKA_SECURITY_SCHEMA = {
  tlsEnabled: toggle({ flag: 'tls.enabled', help: 'connect to Kafka with TLS' }),
  tlsCaFile: text({ flag: 'tls.ca-file', arg: '<path>', help: 'CA certificate file to verify the brokers' }),
  tlsCertFile: text({ flag: 'tls.cert-file', arg: '<path>', help: 'client certificate file (mutual TLS)' }),
  tlsKeyFile: text({ flag: 'tls.key-file', arg: '<path>', help: 'client private key file (mutual TLS)' }),
  tlsInsecure: toggle({ flag: 'tls.insecure-skip-tls-verify', help: "don't verify the brokers' certificates" }),
  saslEnabled: toggle({ flag: 'sasl.enabled', help: 'authenticate with SASL' }),
  saslMechanism: choice({ flag: 'sasl.mechanism', arg: '<mechanism>', help: 'SASL mechanism', default: 'plain', choices: ['plain', 'scram-sha256', 'scram-sha512'] }),
  saslUsername: text({ flag: 'sasl.username', arg: '<user>', help: 'SASL user name' }),
  saslPassword: text({
    flag: 'sasl.password',
    arg: '<password>',
    help: 'SASL password (prefer $PITOWER_KAFKA_SASL_PASSWORD or --sasl.password-file: argv is visible to other users)',
    env: 'PITOWER_KAFKA_SASL_PASSWORD',
  }),
  saslPasswordFile: text({
    flag: 'sasl.password-file',
    arg: '<path>',
    help: 'file holding the SASL password (trailing newline ignored); without a password source, the systemd credential kafka-sasl-password is used',
    env: 'PITOWER_KAFKA_SASL_PASSWORD_FILE',
  }),
};

export type KafkaSecurityValues = Values<typeof KAFKA_SECURITY_SCHEMA>;

/** Where the TLS/SASL flags stand: the collector's ('' ), the daemon's load generator's, the daemon's sink's. */
export type SecurityPrefix = '' | 'load.' | 'sink.';

/** `PITOWER_KAFKA_...` under '', `PITOWER_LOAD_KAFKA_...` under 'load.', `PITOWER_SINK_KAFKA_...` under 'sink.'. */
export function securityEnv(name: string, prefix: SecurityPrefix): string {
  return prefix === '' ? name : name.replace(/^PITOWER_/, `PITOWER_${prefix.slice(0, -1).toUpperCase()}_`);
}

/** The flags under `prefix`, their environment variables named by securityEnv. */
export function kafkaSecuritySchema(prefix: SecurityPrefix): typeof KAFKA_SECURITY_SCHEMA {
  if (prefix === '') return KAFKA_SECURITY_SCHEMA;
  const schema = prefixSchema(KAFKA_SECURITY_SCHEMA, prefix, (name) => securityEnv(name, prefix));
  const env = securityEnv('PITOWER_KAFKA_SASL_PASSWORD', prefix);
  return { ...schema, saslPassword: { ...schema.saslPassword, help: `SASL password (prefer $${env} or --${prefix}sasl.password-file: argv is visible to other users)` } };
}

/** The flags given that only mean something for a Kafka target (refused with another backend). */
export function givenSecurityFlags(values: KafkaSecurityValues, prefix: SecurityPrefix): string[] {
  const given: Array<[boolean, string]> = [
    [values.tlsEnabled, 'tls.enabled'],
    [values.tlsCaFile !== undefined, 'tls.ca-file'],
    [values.tlsCertFile !== undefined, 'tls.cert-file'],
    [values.tlsKeyFile !== undefined, 'tls.key-file'],
    [values.tlsInsecure, 'tls.insecure-skip-tls-verify'],
    [values.saslEnabled, 'sasl.enabled'],
    [values.saslUsername !== undefined, 'sasl.username'],
    [values.saslPasswordFile !== undefined, 'sasl.password-file'],
  ];
  return given.filter(([on]) => on).map(([, name]) => `--${prefix}${name}`);
}

/** Resolved values -> TLS and SASL settings, reading the certificate and password files. Errors name the flag. */
export function toKafkaSecurity(values: KafkaSecurityValues, prefix: SecurityPrefix = ''): KafkaSecurity {
  const flag = (name: string) => `--${prefix}${name}`;
  const security: KafkaSecurity = {};
  const files: Array<[string | undefined, string]> = [
    [values.tlsCaFile, 'tls.ca-file'],
    [values.tlsCertFile, 'tls.cert-file'],
    [values.tlsKeyFile, 'tls.key-file'],
  ];
  const read = ([path, name]: [string | undefined, string]): string | undefined => (path === undefined ? undefined : readSmallFile(flag(name), path));
  if (values.tlsEnabled) {
    const [ca, cert, key] = files.map(read);
    security.tls = { ca, cert, key, rejectUnauthorized: !values.tlsInsecure };
    if ((cert === undefined) !== (key === undefined)) {
      throw new PitowerConfigError(`${flag('tls.cert-file')} and ${flag('tls.key-file')} must be given together`);
    }
  } else {
    const given = files.find(([path]) => path !== undefined);
    if (given) throw new PitowerConfigError(`${flag(given[1])} needs ${flag('tls.enabled')}`);
  }
  if (values.saslEnabled) {
    const username = values.saslUsername;
    if (!username) throw new PitowerConfigError(`${flag('sasl.username')} is required with ${flag('sasl.enabled')}`);
    const env = securityEnv('PITOWER_KAFKA_SASL_PASSWORD', prefix);
    const password = readPassword(values.saslPasswordFile, flag('sasl.password-file'), values.saslPassword, 'kafka-sasl-password');
    if (!password) {
      throw new PitowerConfigError(
        `${flag('sasl.enabled')} needs a password: ${flag('sasl.password-file')} (or $${env}_FILE), $${env}, the systemd credential kafka-sasl-password, or ${flag('sasl.password')}`,
      );
    }
    const mechanism = values.saslMechanism;
    security.sasl = {
      mechanism: mechanism === 'scram-sha256' ? 'scram-sha-256' : mechanism === 'scram-sha512' ? 'scram-sha-512' : 'plain',
      username,
      password,
    };
  }
  return security;
}
