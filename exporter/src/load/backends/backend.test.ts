import { refusedHosts } from './backend';

const refused = (host: string, port: number) => Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED', address: host, port });

describe('load > backends > refusedHosts', () => {
  test.each<[string, unknown, string[] | undefined]>([
    ['a socket refusal (mysql2)', refused('127.0.0.1', 3306), ['127.0.0.1:3306']],
    ['an unknown host name', Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }), ['']],
    ['a reset is not a refusal', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), undefined],
    ['a timeout is not a refusal', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), undefined],
    ['access denied is not a refusal', Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR' }), undefined],
    [
      "kafkajs: retries exceeded, caused by a broker's refusal",
      Object.assign(new Error('Connection error'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED', broker: 'b1:9092' } }),
      ['b1:9092'],
    ],
    ['kafkajs: originalError', { name: 'KafkaJSNonRetriableError', originalError: { code: 'ECONNREFUSED', broker: 'b2:9092' } }, ['b2:9092']],
    ['cassandra: every contact point refused', { name: 'NoHostAvailableError', innerErrors: { 'c1:9042': refused('c1', 9042), 'c2:9042': refused('c2', 9042) } }, ['c1:9042', 'c2:9042']],
    ['cassandra: one contact point timed out', { innerErrors: { 'c1:9042': refused('c1', 9042), 'c2:9042': { code: 'ETIMEDOUT' } } }, undefined],
    ['cassandra: no host tried', { innerErrors: {} }, undefined],
    ['not an error', undefined, undefined],
    ['a string', 'ECONNREFUSED', undefined],
  ])('%s', (_name, err, hosts) => {
    expect(refusedHosts(err)).toEqual(hosts);
  });
});
