import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { addOptions, optionSource, resolveSchema, specsOf } from '../config/options';
import { parseHostPort } from '../config/parse';
import { KAFKA_SCHEMA, toKafkaConfig } from './options';

function resolve(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const specs = specsOf(KAFKA_SCHEMA);
  const cmd = addOptions(new Command().exitOverride(), specs).parse(argv, { from: 'user' });
  return toKafkaConfig(resolveSchema(KAFKA_SCHEMA, optionSource(cmd, specs, { env })));
}

describe('kafka > options', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitower-kafka-opts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is disabled without --kafka.server', () => {
    expect(resolve([])).toBeUndefined();
  });

  it('takes repeated and comma-separated servers and the defaults', () => {
    const c = resolve(['--kafka.server', 'a:9092,b:9093', '--kafka.server', '[::1]:9094']);
    expect(c).toMatchObject({
      brokers: ['a:9092', 'b:9093', '[::1]:9094'],
      metadataIntervalSeconds: 5,
      offsetsIntervalSeconds: 15,
      offsetsScrapeWaitSeconds: 1,
      constantLabels: [],
      minIsrDefault: 1,
      maxPartitions: 20000,
    });
    expect(c?.tls).toBeUndefined();
    expect(c?.sasl).toBeUndefined();
  });

  it("takes kafka_exporter's --refresh.metadata and --kafka.labels", () => {
    const c = resolve(['--kafka.server', 'a:1', '--refresh.metadata', '30s', '--kafka.labels', 'cluster=lab, site=shed one', '--kafka.offsets-scrape-wait', '0']);
    // kafka_exporter's cluster=... names the cluster label, as --kafka.cluster does; the rest stay constant labels.
    expect(c).toMatchObject({ metadataIntervalSeconds: 30, offsetsScrapeWaitSeconds: 0, cluster: 'lab', constantLabels: [['site', 'shed one']] });
  });

  it('reports through the lease by default, labelled with the cluster id; --kafka.cluster and --kafka.reporter change that', () => {
    expect(resolve(['--kafka.server', 'a:1'])).toMatchObject({
      cluster: undefined,
      reporter: { mode: 'lease', topic: '__pitower_reporter', groupId: 'pitower-reporter', sessionTimeoutSeconds: 6 },
    });
    expect(resolve(['--kafka.server', 'a:1', '--kafka.cluster', 'shed', '--kafka.reporter', 'always'])).toMatchObject({ cluster: 'shed', reporter: { mode: 'always' } });
    expect(resolve(['--kafka.server', 'a:1', '--kafka.cluster', ''])).toMatchObject({ cluster: '' });
    expect(resolve(['--kafka.server', 'a:1', '--kafka.reporter-topic', 'lab.lease', '--kafka.reporter-group', 'g', '--kafka.reporter-timeout', '10s'])).toMatchObject({
      reporter: { mode: 'lease', topic: 'lab.lease', groupId: 'g', sessionTimeoutSeconds: 10 },
    });
  });

  it.each([
    ['cluster', '"cluster" is not name=value with a Prometheus label name'],
    ['1x=a', '"1x=a" is not name=value with a Prometheus label name'],
    ['__name__=a', '"__name__=a" is not name=value with a Prometheus label name'],
    ['topic=a', 'label "topic" is one the Kafka series already carry'],
    ['a=1,a=2', 'label "a" given twice'],
  ])('rejects --kafka.labels %j', (raw, reason) => {
    expect(() => resolve(['--kafka.server', 'a:1', '--kafka.labels', raw])).toThrow(`--kafka.labels: ${reason}`);
  });

  it.each([['a'], ['a:'], ['a:0'], ['a:70000'], ['a b:1'], ['::1:9092'], ['[::1]']])('rejects broker address %j', (raw) => {
    expect(() => parseHostPort(raw)).toThrow(`invalid address "${raw}": expected host:port (IPv6 in brackets), port 1-65535`);
  });

  it.each([['a:1'], ['broker-1.lab:9092'], ['10.0.0.5:65535'], ['[::1]:9092'], ['[fd00::5]:9093']])('accepts broker address %j', (raw) => {
    expect(parseHostPort(raw)).toBe(raw);
  });

  it.each([
    [['--kafka.server', 'a:1', '--kafka.metadata-interval', '0s'], '--kafka.metadata-interval: "0s" must be greater than 0'],
    [['--kafka.server', 'nope'], '--kafka.server: invalid address "nope": expected host:port (IPv6 in brackets), port 1-65535'],
    [['--kafka.server', 'a:1', '--topic.filter', '('], '--topic.filter: invalid regular expression "("'],
    [['--kafka.server', 'a:1', '--sasl.enabled'], '--sasl.username is required with --sasl.enabled'],
    [['--kafka.server', 'a:1', '--sasl.enabled', '--sasl.username', 'u'], '--sasl.enabled needs a password'],
    [['--kafka.server', 'a:1', '--tls.ca-file', '/x'], '--tls.ca-file needs --tls.enabled'],
    [['--kafka.server', 'a:1', '--kafka.cluster', 'a', '--kafka.labels', 'cluster=b'], '--kafka.cluster and a cluster= in --kafka.labels name the cluster twice: give one'],
    [['--kafka.server', 'a:1', '--kafka.reporter-topic', 'no/slash'], '--kafka.reporter-topic: "no/slash" is not a Kafka topic name (1..249 of a-z A-Z 0-9 . _ -)'],
    [['--kafka.server', 'a:1', '--kafka.reporter-timeout', '500ms'], '--kafka.reporter-timeout: "500ms" is shorter than 1s'],
    [['--kafka.server', 'a:1', '--kafka.reporter-group', ' '], '--kafka.reporter-group: must not be empty'],
    [['--kafka.server', 'a:1', '--tls.enabled', '--tls.ca-file', '/nonexistent/ca.pem'], '--tls.ca-file /nonexistent/ca.pem: cannot read: no such file'],
  ])('bad input %j -> one-line error', (argv, message) => {
    expect(() => resolve(argv)).toThrow(message);
  });

  it('reads the SASL password from the environment or a file, never requiring argv', () => {
    const fromEnv = resolve(['--kafka.server', 'a:1', '--sasl.enabled', '--sasl.username', 'u', '--sasl.mechanism', 'scram-sha512'], { PITOWER_KAFKA_SASL_PASSWORD: 's3cret' });
    expect(fromEnv?.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 's3cret' });
    const file = join(dir, 'pw');
    writeFileSync(file, 'from-file\n');
    const fromFile = resolve(['--kafka.server', 'a:1', '--sasl.enabled', '--sasl.username', 'u', '--sasl.password-file', file]);
    expect(fromFile?.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'from-file' });
  });

  it('reads TLS files and honours --tls.insecure-skip-tls-verify', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'CA');
    const c = resolve(['--kafka.server', 'a:1', '--tls.enabled', '--tls.ca-file', ca, '--tls.insecure-skip-tls-verify']);
    expect(c?.tls).toEqual({ ca: 'CA', cert: undefined, key: undefined, rejectUnauthorized: false });
  });
});
