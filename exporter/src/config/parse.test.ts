import { parseDuration, parseInteger, parseListenAddress, parseNumber, parseRegex } from './parse';

describe('config > parse', () => {
  test.each([
    [':9742', { host: '::', port: 9742 }],
    ['0.0.0.0:9742', { host: '0.0.0.0', port: 9742 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:9742', { host: '::1', port: 9742 }],
    [' :1 ', { host: '::', port: 1 }],
  ])('listen address %j', (raw, expected) => {
    expect(parseListenAddress(raw)).toMatchObject(expected);
  });

  test.each(['9742', 'host', 'host:', ':port', ':70000', '::1:80', 'a b:80', ''])('bad listen address %j', (raw) => {
    expect(() => parseListenAddress(raw)).toThrow(/invalid (address|port)/);
  });

  test.each([
    ['5', 5],
    ['2.5', 2.5],
    ['500ms', 0.5],
    ['5s', 5],
    ['1m30s', 90],
    ['2h', 7200],
    ['1d', 86400],
  ])('duration %j', (raw, seconds) => {
    expect(parseDuration(raw)).toBeCloseTo(seconds, 9);
  });

  test.each(['', 's', '5x', '5s junk', '-1s', '1m 30s'])('bad duration %j', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/invalid duration/);
  });

  test.each(['25d', '24d1s', '3000000'])('duration %j is too long for a timer', (raw) => {
    expect(() => parseDuration(raw)).toThrow('is too long: at most 24d');
  });
  test('24d is the longest duration', () => expect(parseDuration('24d')).toBe(24 * 86400));

  test('integers and numbers honour their ranges', () => {
    expect(parseInteger('8', 1, 10)).toBe(8);
    expect(() => parseInteger('0', 1, 10)).toThrow('out of range 1..10');
    expect(() => parseInteger('1.5')).toThrow('not an integer');
    expect(parseNumber('0.25', 0, 1)).toBe(0.25);
    expect(() => parseNumber('abc')).toThrow('not a number');
    expect(() => parseNumber('2', 0, 1)).toThrow('out of range');
  });

  test('regexes compile or name the bad pattern', () => {
    expect(parseRegex('^temp.*').test('temperature')).toBe(true);
    expect(() => parseRegex('([')).toThrow('invalid regular expression "(["');
  });
});
