import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { assembleGzip, crc32Combine, deflatePart, deflatePartSync } from './gzip-stream';

describe('http > gzip stream of parts', () => {
  test.each([
    ['', 'abc'],
    ['abc', ''],
    ['hello ', 'world'],
    ['x'.repeat(1000), 'y'.repeat(70000)],
    ['# HELP a\n', 'kafka_brokers 3\n'.repeat(5000)],
  ])('crc32Combine(%#) equals the CRC of the concatenation', (a, b) => {
    expect(crc32Combine(crc32(a), crc32(b), Buffer.byteLength(b))).toBe(crc32(a + b));
  });

  test('parts compressed apart make one gzip member that decodes to their concatenation', async () => {
    const texts = ['# TYPE up gauge\nup 1\n', 'kafka_topic_partition_leader{topic="t",partition="0"} 1\n'.repeat(20000), 'last 1\n'];
    const parts = [deflatePartSync(Buffer.from(texts[0])), await deflatePart(Buffer.from(texts[1])), deflatePartSync(Buffer.from(texts[2]))];
    const body = assembleGzip(parts);
    const whole = texts.join('');
    expect(gunzipSync(body).toString()).toBe(whole);
    // One member: the deflate stream spans everything between the 10-byte header and the 8-byte trailer.
    expect(inflateRawSync(body.subarray(10, body.length - 8)).toString()).toBe(whole);
    expect(body.readUInt32LE(body.length - 8)).toBe(crc32(whole));
    expect(body.readUInt32LE(body.length - 4)).toBe(Buffer.byteLength(whole));
    expect(body.length).toBeLessThan(whole.length / 10);
  });

  test('no parts is an empty stream', () => {
    expect(gunzipSync(assembleGzip([])).toString()).toBe('');
  });
});
