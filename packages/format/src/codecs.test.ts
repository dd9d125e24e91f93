import { describe, expect, it } from 'vitest';
import { CODEC, decodeBytes, encodeBytes, shuffleBytes, unshuffleBytes } from './codecs.ts';
import { isBalerError } from './errors.ts';

const payload = new Uint8Array(new Float64Array(1000).map((_, i) => Math.sqrt(i)).buffer);

describe('codecs', () => {
  it.each([CODEC.raw, CODEC.deflate, CODEC.shuffleDeflate])('codec %i round-trips exactly', (codec) => {
    const stored = encodeBytes(codec, payload, 8);
    expect(decodeBytes(codec, stored, payload.length, 'test')).toEqual(payload);
  });

  it('shuffle then unshuffle is the identity, including a ragged tail', () => {
    const bytes = new Uint8Array(37).map((_, i) => i);
    expect(unshuffleBytes(shuffleBytes(bytes, 4), 4)).toEqual(bytes);
    expect(shuffleBytes(Uint8Array.of(1, 2, 3, 4, 5, 6), 2)).toEqual(Uint8Array.of(1, 3, 5, 2, 4, 6));
  });

  it('writes the same bytes every time (deterministic deflate)', () => {
    expect(encodeBytes(CODEC.shuffleDeflate, payload, 8)).toEqual(
      encodeBytes(CODEC.shuffleDeflate, payload, 8),
    );
  });

  it('rejects a stream that decodes to another length than declared', () => {
    const stored = encodeBytes(CODEC.deflate, payload);
    for (const declared of [payload.length - 1, payload.length + 1]) {
      let caught: unknown;
      try {
        decodeBytes(CODEC.deflate, stored, declared, 'section x');
      } catch (error) {
        caught = error;
      }
      expect(isBalerError(caught, 'MalformedSection')).toBe(true);
    }
  });

  it('rejects an unknown codec id with a typed error', () => {
    expect(() => decodeBytes(99, payload, payload.length, 'section y')).toThrow(/codec id 99/);
  });
});
