import { parseKilohertz, parseMillidegrees, parseThrottled } from './parsers';

describe('collectors > parsers', () => {
  test.each([
    ['48692', 48.692],
    ['48692\n', 48.692],
    ['0', 0],
    ['-5000', -5],
    ['85000', 85],
    ['500000', 500],
  ])('millidegrees %j -> %d °C', (text, celsius) => {
    expect(parseMillidegrees(text)).toBeCloseTo(celsius, 6);
  });

  test.each([
    ['', /not an integer/],
    ['abc', /not an integer/],
    ['48.5', /not an integer/],
    ['99999999999', /implausible temperature/],
    ['-300000', /implausible temperature/],
  ])('bad millidegrees %j', (text, error) => {
    expect(() => parseMillidegrees(text)).toThrow(error);
  });

  test.each([
    ['1500000', 1.5e9],
    ['600000', 6e8],
    ['2400000\n', 2.4e9],
    ['0', 0],
  ])('kilohertz %j -> %d Hz', (text, hertz) => {
    expect(parseKilohertz(text)).toBe(hertz);
  });

  test.each(['', '-1', '1.5', 'fast', '999999999999'])('bad kilohertz %j', (text) => {
    expect(() => parseKilohertz(text)).toThrow();
  });

  const none = { under_voltage: false, arm_frequency_capped: false, throttled: false, soft_temperature_limit: false };
  test.each([
    ['0', 0, none, none],
    ['50005', 0x50005, { ...none, under_voltage: true, throttled: true }, { ...none, under_voltage: true, throttled: true }],
    ['80008', 0x80008, { ...none, soft_temperature_limit: true }, { ...none, soft_temperature_limit: true }],
    ['0x20000', 0x20000, none, { ...none, arm_frequency_capped: true }],
    ['f000f', 0xf000f, { under_voltage: true, arm_frequency_capped: true, throttled: true, soft_temperature_limit: true },
      { under_voltage: true, arm_frequency_capped: true, throttled: true, soft_temperature_limit: true }],
    ['e0000', 0xe0000, none, { ...none, arm_frequency_capped: true, throttled: true, soft_temperature_limit: true }],
  ])('get_throttled %j', (text, raw, now, occurred) => {
    expect(parseThrottled(text)).toEqual({ raw, now, occurred });
  });

  test.each(['', 'zz', '0x', '123456789', '-1'])('bad get_throttled %j', (text) => {
    expect(() => parseThrottled(text)).toThrow(/not a hexadecimal bitmask/);
  });
});
