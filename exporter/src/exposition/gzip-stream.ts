import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';

/**
 * One gzip stream built from parts compressed at different times: the registry text per scrape, the Kafka
 * families once per poll. Each part is a raw deflate stream ended with a sync flush (byte-aligned, no final
 * block, no back-references outside itself), so parts can simply be appended; an empty final block and one
 * gzip trailer (CRC-32 combined from the parts' CRCs, total length) close the stream. Unlike concatenated
 * gzip members, which curl and some browsers stop reading after the first, this is one ordinary member.
 */
export interface DeflatedPart {
  /** Raw deflate data ending in a sync flush. */
  deflated: Buffer;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  /** Number of uncompressed bytes. */
  length: number;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** A final, empty fixed-Huffman deflate block. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

export function deflatePartSync(data: Buffer): DeflatedPart {
  return { deflated: deflateRawSync(data, { level: 1, finishFlush: constants.Z_SYNC_FLUSH }), crc: crc32(data), length: data.length };
}

/** Same as deflatePartSync, in zlib's thread pool (for large poll-time text). */
export function deflatePart(data: Buffer): Promise<DeflatedPart> {
  return new Promise((resolve, reject) => {
    deflateRaw(data, { level: 1, finishFlush: constants.Z_SYNC_FLUSH }, (err, deflated) => {
      if (err) reject(err);
      else resolve({ deflated, crc: crc32(data), length: data.length });
    });
  });
}

export function assembleGzip(parts: readonly DeflatedPart[]): Buffer {
  let crc = 0;
  let length = 0;
  for (const part of parts) {
    crc = crc32Combine(crc, part.crc, part.length);
    length += part.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...parts.map((p) => p.deflated), FINAL_EMPTY_BLOCK, trailer]);
}

function gf2Times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let i = 0; vector !== 0; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i];
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(matrix, matrix[n]);
}

/** CRC-32 of A+B from crc(A), crc(B) and B's length: zlib's crc32_combine (GF(2) matrix powers). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the CRC-32 polynomial: operator for one zero bit
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  let crc = crcA >>> 0;
  let len = lengthB;
  do {
    gf2Square(even, odd); // first pass: one zero byte
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (crc ^ crcB) >>> 0;
}
