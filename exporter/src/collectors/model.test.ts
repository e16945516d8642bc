import { parseCpuinfoModel } from './model';

describe('collectors > model', () => {
  test.each([
    ['processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nRevision\t: c03114\nSerial\t\t: 10000000abcdef\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n',
      { model: 'Raspberry Pi 4 Model B Rev 1.4', revision: 'c03114' }],
    ['Revision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n', { model: 'Raspberry Pi 5 Model B Rev 1.0', revision: 'd04170' }],
    ['Model : Some Board\n', { model: 'Some Board', revision: '' }],
    ['processor\t: 0\nmodel\t\t: 154\nmodel name\t: 12th Gen Intel(R) Core(TM) i7-1260P\n', undefined],
    ['', undefined],
  ])('cpuinfo %#', (text, expected) => {
    expect(parseCpuinfoModel(text)).toEqual(expected);
  });
});
