import { readCredential, readSecretFile, readSmallFile, type OptionSpec, type OptionValues } from '../config/options';
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

/** The flags, under `prefix` ('' or 'load.'); the password's environment variables get PITOWER_LOAD_ under 'load.'. */
export function kafkaSecurityOptions(prefix: '' | 'load.' = ''): OptionSpec[] {
  const env = (name: string) => (prefix === '' ? name : name.replace(/^PITOWER_/, 'PITOWER_LOAD_'));
  const p = (flag: string) => `${prefix}${flag}`;
  return [
    { flag: p('tls.enabled'), boolean: true, help: 'connect to Kafka with TLS' },
    { flag: p('tls.ca-file'), arg: '<path>', help: 'CA certificate file to verify the brokers' },
    { flag: p('tls.cert-file'), arg: '<path>', help: 'client certificate file (mutual TLS)' },
    { flag: p('tls.key-file'), arg: '<path>', help: 'client private key file (mutual TLS)' },
    { flag: p('tls.insecure-skip-tls-verify'), boolean: true, help: "don't verify the brokers' certificates" },
    { flag: p('sasl.enabled'), boolean: true, help: 'authenticate with SASL' },
    { flag: p('sasl.mechanism'), arg: '<mechanism>', help: 'SASL mechanism', default: 'plain', choices: ['plain', 'scram-sha256', 'scram-sha512'] },
    { flag: p('sasl.username'), arg: '<user>', help: 'SASL user name' },
    {
      flag: p('sasl.password'),
      arg: '<password>',
      help: `SASL password (prefer $${env('PITOWER_KAFKA_SASL_PASSWORD')} or --${p('sasl.password-file')}: argv is visible to other users)`,
      env: env('PITOWER_KAFKA_SASL_PASSWORD'),
    },
    {
      flag: p('sasl.password-file'),
      arg: '<path>',
      help: 'file holding the SASL password (trailing newline ignored); without a password source, the systemd credential kafka-sasl-password is used',
      env: env('PITOWER_KAFKA_SASL_PASSWORD_FILE'),
    },
  ];
}

/** Resolved values -> TLS and SASL settings, reading the certificate and password files. Errors name the flag. */
export function toKafkaSecurity(values: OptionValues, prefix: '' | 'load.' = ''): KafkaSecurity {
  const flag = (name: string) => `--${prefix}${name}`;
  const str = (name: string): string | undefined => {
    const v = values.get(`${prefix}${name}`);
    return typeof v === 'string' ? v : undefined;
  };
  const on = (name: string): boolean => values.get(`${prefix}${name}`) === true;
  const security: KafkaSecurity = {};
  const tlsFiles = ['tls.ca-file', 'tls.cert-file', 'tls.key-file'].filter((f) => str(f) !== undefined);
  if (on('tls.enabled')) {
    const read = (name: string): string | undefined => {
      const path = str(name);
      return path === undefined ? undefined : readSmallFile(flag(name), path);
    };
    security.tls = { ca: read('tls.ca-file'), cert: read('tls.cert-file'), key: read('tls.key-file'), rejectUnauthorized: !on('tls.insecure-skip-tls-verify') };
    if ((security.tls.cert === undefined) !== (security.tls.key === undefined)) {
      throw new PitowerConfigError(`${flag('tls.cert-file')} and ${flag('tls.key-file')} must be given together`);
    }
  } else if (tlsFiles.length > 0) {
    throw new PitowerConfigError(`${flag(tlsFiles[0])} needs ${flag('tls.enabled')}`);
  }
  if (on('sasl.enabled')) {
    const username = str('sasl.username');
    if (!username) throw new PitowerConfigError(`${flag('sasl.username')} is required with ${flag('sasl.enabled')}`);
    const file = str('sasl.password-file');
    const password = file !== undefined ? readSecretFile(flag('sasl.password-file'), file) : (str('sasl.password') ?? readCredential('kafka-sasl-password'));
    if (!password) {
      const env = prefix === '' ? 'PITOWER_KAFKA_SASL_PASSWORD' : 'PITOWER_LOAD_KAFKA_SASL_PASSWORD';
      throw new PitowerConfigError(
        `${flag('sasl.enabled')} needs a password: ${flag('sasl.password-file')} (or $${env}_FILE), $${env}, the systemd credential kafka-sasl-password, or ${flag('sasl.password')}`,
      );
    }
    const mechanism = str('sasl.mechanism');
    security.sasl = {
      mechanism: mechanism === 'scram-sha256' ? 'scram-sha-256' : mechanism === 'scram-sha512' ? 'scram-sha-512' : 'plain',
      username,
      password,
    };
  }
  return security;
}
