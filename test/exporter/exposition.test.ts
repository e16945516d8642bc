import { request } from 'node:http';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { DaemonExtension } from '../../exporter/src/daemon/extension';
import { createExporter } from '../../exporter/src/http/server';
import { testExporterConfig } from '../support/exporter-config';

/** Raw GET (no automatic decompression), so the test sees exactly what a scraper receives. */
function get(url: string, headers: Record<string, string>): Promise<{ encoding?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('exporter > pre-rendered expositions of extensions', () => {
  const family = '# HELP kafka_brokers Number of brokers.\n# TYPE kafka_brokers gauge\nkafka_brokers 3\n';
  let served = family;
  let generation = 1;
  const extension: DaemonExtension = {
    name: 'fake',
    start: async () => undefined,
    stop: async () => undefined,
    exposition: () => ({ plain: Buffer.from(served), generation }),
  };
  /** The first gzip scrape of a generation starts its compression (and gets plain text): wait until gzip comes. */
  async function gzipped(url: string): Promise<{ encoding?: string; body: Buffer }> {
    for (let i = 0; i < 200; i++) {
      const r = await get(url, { 'accept-encoding': 'gzip, deflate' });
      if (r.encoding === 'gzip') return r;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('never gzip');
  }

  test('appended after the registry text: spliced into one gzip member when accepted, plain otherwise', async () => {
    const app = createExporter(testExporterConfig(), [extension], false);
    const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/metrics`;
    try {
      const plain = await get(url, {});
      expect(plain.encoding).toBeUndefined();
      const text = plain.body.toString();
      expect(text).toMatch(/^# HELP /);
      expect(text.endsWith(`\n${family}`)).toBe(true);
      expect(text).toContain('# TYPE pitower_build_info gauge');

      const zipped = await gzipped(url);
      const unzipped = gunzipSync(zipped.body).toString();
      // A single member (curl --compressed and browsers read only the first): one deflate stream header to trailer.
      expect(inflateRawSync(zipped.body.subarray(10, zipped.body.length - 8)).toString()).toBe(unzipped);
      expect(unzipped.endsWith(`\n${family}`)).toBe(true);
      const types = (t: string) => t.split('\n').filter((line) => line.startsWith('# TYPE '));
      expect(types(unzipped)).toEqual(types(text));
      expect(types(text).length).toBeGreaterThan(10);

      // A new poll (new text, new generation): its first scrape gets the new plain text, still complete, then gzip of it.
      served = family.replace('kafka_brokers 3', 'kafka_brokers 2');
      generation++;
      const fallback = await get(url, { 'accept-encoding': 'gzip' });
      expect(fallback.encoding).toBeUndefined();
      expect(fallback.body.toString().endsWith('\nkafka_brokers 2\n')).toBe(true);
      expect(gunzipSync((await gzipped(url)).body).toString().endsWith('\nkafka_brokers 2\n')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
