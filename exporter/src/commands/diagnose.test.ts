import { parsePrometheusUrl } from './diagnose';

describe('commands > diagnose > parsePrometheusUrl', () => {
  it.each([
    ['http://localhost:9090', 'http://localhost:9090'],
    ['http://localhost:9090/', 'http://localhost:9090'],
    ['https://mon.lab/prometheus/', 'https://mon.lab/prometheus'],
  ])('%s -> %s', (raw, url) => {
    expect(parsePrometheusUrl(raw)).toBe(url);
  });

  it.each([
    ['localhost:9090', 'only http and https'],
    ['not a url', 'invalid URL "not a url"'],
    ['ftp://x', 'only http and https'],
    ['http://x:9090/?a=1', 'no query string'],
  ])('%s is rejected', (raw, reason) => {
    expect(() => parsePrometheusUrl(raw)).toThrow(reason);
  });
});
