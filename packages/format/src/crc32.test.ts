import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';

describe('crc32', () => {
  it('matches the standard check value of CRC-32/ISO-HDLC (zlib, PNG)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('continues over pieces exactly as over the whole', () => {
    const bytes = new Uint8Array(1001).map((_, i) => (i * 31) & 0xff);
    expect(crc32(bytes.subarray(500), crc32(bytes.subarray(0, 500)))).toBe(crc32(bytes));
  });
});
