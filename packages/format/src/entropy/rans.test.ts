import { describe, expect, it } from 'vitest';
import { BalerError } from '../errors.ts';
import { seededRandom } from '../testing.ts';
import { BitReader, BitWriter, normalizeFrequencies, RansDecoder, RansEncoder } from './rans.ts';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

interface Coded {
  context: number;
  symbol: number;
  /** Raw bits written after the symbol: [value, count]. */
  raw?: [number, number];
}

function encode(items: readonly Coded[], contexts: number, alphabet: number): Uint8Array {
  const encoder = new RansEncoder(contexts, alphabet, 4);
  for (const { context, symbol, raw } of items) {
    encoder.encode(symbol, context);
    if (raw) encoder.encodeBits(raw[0], raw[1]);
  }
  return encoder.finish();
}

/** Decodes `items`' symbols and raw bits (their contexts and bit counts given), then checks the end. */
function decode(bytes: Uint8Array, items: readonly Coded[], contexts: number, alphabet: number): Coded[] {
  const decoder = new RansDecoder(bytes, contexts, alphabet, 'section "residuals"');
  const out = items.map(({ context, raw }) => {
    const symbol = decoder.decode(context);
    return raw
      ? { context, symbol, raw: [decoder.decodeBits(raw[1]), raw[1]] as [number, number] }
      : { context, symbol };
  });
  decoder.finish();
  return out;
}

/** Skewed symbols over `contexts` contexts, some with raw bits of up to 31 bits. */
function randomItems(count: number, contexts: number, alphabet: number, seed: number): Coded[] {
  const random = seededRandom(seed);
  const skew = Array.from({ length: contexts }, () => 1 + 8 * random());
  return Array.from({ length: count }, () => {
    const context = Math.floor(random() * contexts);
    const symbol = Math.min(alphabet - 1, Math.floor(alphabet * random() ** skew[context]!));
    if (random() < 0.1) {
      const bits = 1 + Math.floor(random() * 31);
      return { context, symbol, raw: [Math.floor(random() * 2 ** bits), bits] as [number, number] };
    }
    return { context, symbol };
  });
}

describe('static rANS (SPEC.md §10.6)', () => {
  const vector: Coded[] = [
    { context: 0, symbol: 0 },
    { context: 0, symbol: 0 },
    { context: 0, symbol: 1, raw: [0b101, 3] },
    { context: 1, symbol: 3 },
    { context: 0, symbol: 0 },
    { context: 1, symbol: 3 },
    { context: 1, symbol: 2 },
    { context: 0, symbol: 0 },
  ];

  it('codes the test vector of §10.6.6 to its bytes, and back', () => {
    const bytes = encode(vector, 2, 4);
    expect(hex(bytes)).toBe('4800cce89802ac3a26520000000000a0');
    expect(decode(bytes, vector, 2, 4)).toEqual(vector);
  });

  it('round-trips long skewed streams with raw bits, and needs about their entropy', () => {
    for (const seed of [1, 2, 3]) {
      const items = randomItems(50_000, 27, 171, seed);
      const bytes = encode(items, 27, 171);
      expect(decode(bytes, items, 27, 171)).toEqual(items);
      // The static coding costs about the symbols' empirical entropy plus the raw bits, plus the tables
      // (at most ~1 byte per frequency: 27 contexts × 171 symbols).
      const counts = new Map<string, number>();
      const perContext = new Map<number, number>();
      let rawBits = 0;
      for (const { context, symbol, raw } of items) {
        counts.set(`${context}:${symbol}`, (counts.get(`${context}:${symbol}`) ?? 0) + 1);
        perContext.set(context, (perContext.get(context) ?? 0) + 1);
        rawBits += raw?.[1] ?? 0;
      }
      let bits = rawBits;
      for (const [key, n] of counts) bits -= n * Math.log2(n / perContext.get(Number(key.split(':')[0]))!);
      expect(bytes.length).toBeLessThan((bits / 8) * 1.005 + 27 * 171);
    }
  });

  it('codes a context with a single symbol in no bits, and an empty stream in 9 bytes', () => {
    const items = Array.from({ length: 10_000 }, () => ({ context: 0, symbol: 5 }));
    const bytes = encode(items, 1, 85);
    expect(bytes.length).toBeLessThan(16);
    expect(decode(bytes, items, 1, 85)).toEqual(items);
    // One gamma code "1" (context without a table) padded to a byte, x0 = 2^16, no words.
    expect(hex(encode([], 1, 85))).toBe('800000010000000000');
  });

  it('reads shared tables (k ≥ 3), which the reference writer never emits', () => {
    // Context 0: own table L = 1 (symbol 0 has all 2048 slots); context 1 shares context 0's table.
    const header = new BitWriter();
    header.writeGamma(2);
    header.writeGamma(1);
    header.writeGamma(3);
    const head = header.finish();
    const bytes = new Uint8Array(head.length + 8);
    bytes.set(head);
    new DataView(bytes.buffer).setUint32(head.length, 2 ** 16, true);
    const decoder = new RansDecoder(bytes, 2, 4, 'section "residuals"');
    expect([decoder.decode(0), decoder.decode(1), decoder.decode(1)]).toEqual([0, 0, 0]);
    expect(() => decoder.finish()).not.toThrow();
  });

  it('rejects malformed headers and streams with a typed error naming the section', () => {
    const bytes = encode(randomItems(2000, 3, 20, 7), 3, 20);
    const malformed = (payload: Uint8Array, contexts = 3, alphabet = 20) => {
      try {
        const items = randomItems(2000, 3, 20, 7);
        decode(payload, items, contexts, alphabet);
      } catch (error) {
        expect(error).toBeInstanceOf(BalerError);
        expect((error as BalerError)._tag).toBe('MalformedSection');
        expect((error as Error).message).toContain('section "residuals"');
        return;
      }
      throw new Error('accepted a malformed stream');
    };
    // Truncated anywhere: in the header, the state, the words or the raw bits.
    for (const end of [0, 1, 5, bytes.length >> 1, bytes.length - 1]) malformed(bytes.subarray(0, end));
    // A byte too many, a smaller alphabet than the tables use, and a state below 2^16.
    malformed(Uint8Array.of(...bytes, 0));
    malformed(bytes, 3, 10);
    // Context 1 referring to a table that does not exist (k = 3 + 5).
    const header = new BitWriter();
    header.writeGamma(1);
    header.writeGamma(8);
    const bad = new Uint8Array(16);
    bad.set(header.finish());
    malformed(bad, 2, 4);
    // Frequencies adding up past the total.
    const over = new BitWriter();
    over.writeGamma(2);
    over.writeGamma(3);
    over.writeGamma(2000);
    over.writeGamma(100);
    const overBytes = new Uint8Array(16);
    overBytes.set(over.finish());
    malformed(overBytes, 1, 4);
  });

  it('rejects what the spec rejects even where the state would end well (found by review)', () => {
    const expectMalformed = (run: () => void, reason: RegExp) => {
      try {
        run();
      } catch (error) {
        expect((error as BalerError)._tag).toBe('MalformedSection');
        expect((error as Error).message).toMatch(reason);
        return;
      }
      throw new Error('accepted a malformed stream');
    };
    // A frequency of 66,560 must not wrap (as a u16) into 1,024: the header is refused.
    const items: Coded[] = [
      { context: 0, symbol: 0 },
      { context: 0, symbol: 1 },
    ];
    const header = new BitWriter();
    header.writeGamma(2);
    header.writeGamma(2);
    header.writeGamma(66_561);
    const head = header.finish();
    const wrapped = Uint8Array.of(...head, 0, 0, 1, 0, 0, 0, 0, 0);
    expectMalformed(() => decode(wrapped, items, 1, 2), /frequencies add up to 2048 or more/);
    // Symbols decoded in a context without a table: the stream is refused, however its state ends.
    const inZero = encode(items, 2, 2);
    const inOne = items.map((item) => ({ ...item, context: 1 }));
    expectMalformed(() => decode(inZero, inOne, 2, 2), /context without a table/);
    const none = new BitWriter();
    for (let c = 0; c < 27; c++) none.writeGamma(1);
    const noTables = Uint8Array.of(...none.finish(), 0, 0, 0, 8, 0, 0, 0, 0);
    expectMalformed(() => decode(noTables, [{ context: 0, symbol: 0 }], 27, 85), /context without a table/);
  });

  it('never crashes or loops on damaged streams: each flip decodes or fails with MalformedSection', () => {
    const items = randomItems(3000, 27, 85, 11);
    const bytes = encode(items, 27, 85);
    const random = seededRandom(12);
    let detected = 0;
    for (let trial = 0; trial < 300; trial++) {
      const damaged = Uint8Array.from(bytes);
      const at = Math.floor(random() * damaged.length);
      damaged[at]! ^= 1 << Math.floor(random() * 8);
      try {
        decode(damaged, items, 27, 85);
      } catch (error) {
        expect((error as BalerError)._tag).toBe('MalformedSection');
        detected++;
      }
    }
    // The end check catches most damage by itself (the section CRC catches the rest in a file).
    expect(detected).toBeGreaterThan(250);
  });

  it('normalizes counts to 2048 with every counted symbol at least 1', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const counts: number[] = Array.from({ length: 1 + Math.floor(random() * 171) }, () =>
        random() < 0.5 ? 0 : Math.floor(random() ** 6 * 1e6),
      );
      if (!counts.some((c) => c > 0)) counts[0] = 1;
      const freqs = normalizeFrequencies(counts);
      expect(Array.from(freqs).reduce((a, b) => a + b, 0)).toBe(2048);
      counts.forEach((c, s) => {
        expect(freqs[s]! > 0).toBe(c > 0);
      });
    }
  });

  it('writes and reads bits and gamma codes most significant first', () => {
    const writer = new BitWriter();
    writer.write(0b1, 1);
    writer.writeGamma(5); // 00101
    writer.write(2 ** 32 - 1, 32);
    const bytes = writer.finish();
    expect(hex(bytes)).toBe('97fffffffc');
    const reader = new BitReader(bytes);
    expect([reader.read(1), reader.readGamma(), reader.read(32)]).toEqual([1, 5, 2 ** 32 - 1]);
    expect(reader.overrun).toBe(false);
    expect(reader.read(8)).toBe(0);
    expect(reader.overrun).toBe(true);
    // Positions past 2^32 bits (sections up to 2^30 bytes) do not wrap around to the start.
    const far = new BitReader(Uint8Array.of(0x11, 0x22, 0x33, 0x44), 2 ** 32 + 8);
    expect(far.read(8)).toBe(0);
    expect(far.overrun).toBe(true);
  });

  it('writes and reads random runs of 0 to 32 bits as a bit-by-bit reference does', () => {
    const random = seededRandom(44);
    const writer = new BitWriter();
    const bits: number[] = [];
    const runs: [number, number][] = [];
    for (let k = 0; k < 5000; k++) {
      const count = Math.floor(random() * 33);
      const value = Math.floor(random() * 2 ** 32);
      runs.push([value, count]);
      writer.write(value, count);
      for (let b = count - 1; b >= 0; b--) bits.push(Math.floor(value / 2 ** b) % 2);
    }
    const bytes = writer.finish();
    expect(bytes.length).toBe(Math.ceil(bits.length / 8));
    bits.forEach((bit, i) => {
      if (((bytes[i >> 3]! >> (7 - (i & 7))) & 1) !== bit) throw new Error(`bit ${i} differs`);
    });
    const reader = new BitReader(bytes);
    for (const [value, count] of runs) expect(reader.read(count)).toBe(count === 0 ? 0 : value % 2 ** count);
    expect(reader.overrun).toBe(false);
  });
});
