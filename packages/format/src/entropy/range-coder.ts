// The binary range coder of the .baler entropy layer (normative text: SPEC.md §10). It is LZMA's
// range coder — carry propagation through `cache`/`cacheSize`, 5-byte flush — with 15-bit probabilities
// where each context mixes a fast and a slow adaptive estimate. All arithmetic is exact integer
// arithmetic, so every implementation in every language produces the same bytes.
//
// Why p = (a + b) >>> 1 always lies in [1, 32767] — in fact in [71, 32697]:
// A fast state a (shift s = 4) starts at 16384. On a 1-bit it becomes a - (a >> s). If a >= 2^s then
// a - floor(a / 2^s) >= a - a / 2^s = a (2^s - 1) / 2^s >= 2^s - 1; if a < 2^s it is unchanged. So a never
// falls below 2^s - 1 = 15 once it is at least 15, and a 0-bit only raises it. A 0-bit applies the same
// map to d = 32768 - a (d becomes d - (d >> s)), so by the same argument d >= 15, i.e. a <= 32753, and a
// 1-bit only lowers a. Hence a stays in [15, 32753] and, with s = 7, b stays in [127, 32641]; so
// p = (a + b) >>> 1 lies in [71, 32697]. With range >= 2^24 before every coded bit, range >>> 15 >= 512,
// so both bound = (range >>> 15) * p and range - bound >= (range >>> 15) * (32768 - p) are positive:
// no symbol ever gets an empty interval, and bound < 2^32, so Math.imul computes it exactly as a u32.

/** Probabilities are 15-bit: p = (a + b) >>> 1 means P(bit = 0) = p / 32768. */
const PROBABILITY_ONE = 32768;
/** The initial value of both states of every context: P(0) = 1/2. */
export const INITIAL_BIT_STATE = 16384;
const FAST_SHIFT = 4;
const SLOW_SHIFT = 7;
const TWO_32 = 0x100000000;

// Speed: `range` and `code` are u32 values held as their int32 bit patterns (`| 0`), which V8 keeps as
// small integers instead of heap numbers (1.7x faster decoding); unsigned comparisons use `>>> 0`.
// "Normalize while range < 2^24" is `range >>> 24 === 0`.

/** States for `contextCount` adaptive binary contexts: context i uses entries 2i (fast) and 2i + 1 (slow). */
export function createBitStates(contextCount: number): Uint16Array {
  return new Uint16Array(2 * contextCount).fill(INITIAL_BIT_STATE);
}

/** Encodes binary decisions into bytes. Call `finish()` once, at the end, to get the stream. */
export class RangeEncoder {
  // `low` is a 33-bit value (a double holds it exactly); bit 32 is the pending carry.
  private low = 0;
  private range = -1; // 0xFFFFFFFF
  private cache = 0;
  private cacheSize = 1;
  private bytes: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Codes `bit` (0, or anything else for 1) with adaptive context `context` of `states`. */
  encodeBit(states: Uint16Array, context: number, bit: number): void {
    const i = context << 1;
    const a = states[i]!;
    const b = states[i + 1]!;
    let range = this.range;
    const bound = Math.imul(range >>> 15, (a + b) >>> 1); // < 2^32: exact as a u32
    if (bit === 0) {
      range = bound;
      states[i] = a + ((PROBABILITY_ONE - a) >> FAST_SHIFT);
      states[i + 1] = b + ((PROBABILITY_ONE - b) >> SLOW_SHIFT);
    } else {
      this.low += bound >>> 0;
      range = (range - bound) | 0;
      states[i] = a - (a >> FAST_SHIFT);
      states[i + 1] = b - (b >> SLOW_SHIFT);
    }
    while (range >>> 24 === 0) {
      range <<= 8;
      this.shiftLow();
    }
    this.range = range;
  }

  /** Codes the low `count` bits of `value` (count <= 30), most significant first, each with P = 1/2. */
  encodeDirect(value: number, count: number): void {
    let range = this.range;
    for (let k = count - 1; k >= 0; k--) {
      range >>>= 1;
      if ((value >>> k) & 1) this.low += range;
      if (range >>> 24 === 0) {
        range <<= 8;
        this.shiftLow();
      }
    }
    this.range = range;
  }

  /** Flushes and returns exactly the coded bytes. The encoder must not be used afterwards. */
  finish(): Uint8Array {
    for (let k = 0; k < 5; k++) this.shiftLow();
    return this.bytes.slice(0, this.length);
  }

  private shiftLow(): void {
    const low = this.low;
    // The byte leaving low (bits 24..31) is written, after the pending ones, unless it is 0xFF with no
    // carry: a later carry could still turn it into 0x00, so it only increments cacheSize.
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let byte = this.cache;
      do {
        this.writeByte((byte + carry) & 0xff);
        byte = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0xffffff) * 256;
  }

  private writeByte(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }
}

/**
 * Decodes binary decisions from `bytes`. Reading past the end yields zero bytes, so a truncated or
 * corrupt stream decodes to some values without throwing or hanging; `overrun()` then reports it.
 */
export class RangeDecoder {
  private range = -1; // 0xFFFFFFFF
  private code = 0;
  private position = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    // The first byte of a valid stream is always 0; like LZMA, it is shifted out and ignored.
    let code = 0;
    for (let k = 0; k < 5; k++) code = (code << 8) | this.nextByte();
    this.code = code;
  }

  /** Decodes one bit with adaptive context `context` of `states` (the encoder's `encodeBit`). */
  decodeBit(states: Uint16Array, context: number): number {
    const i = context << 1;
    const a = states[i]!;
    const b = states[i + 1]!;
    let range = this.range;
    let code = this.code;
    const bound = Math.imul(range >>> 15, (a + b) >>> 1);
    let bit: number;
    if (code >>> 0 < bound >>> 0) {
      range = bound;
      states[i] = a + ((PROBABILITY_ONE - a) >> FAST_SHIFT);
      states[i + 1] = b + ((PROBABILITY_ONE - b) >> SLOW_SHIFT);
      bit = 0;
    } else {
      code = (code - bound) | 0;
      range = (range - bound) | 0;
      states[i] = a - (a >> FAST_SHIFT);
      states[i + 1] = b - (b >> SLOW_SHIFT);
      bit = 1;
    }
    while (range >>> 24 === 0) {
      range <<= 8;
      code = (code << 8) | this.nextByte();
    }
    this.range = range;
    this.code = code;
    return bit;
  }

  /** Decodes `count` (<= 30) equiprobable bits, most significant first (the encoder's `encodeDirect`). */
  decodeDirect(count: number): number {
    let range = this.range;
    let code = this.code;
    let value = 0;
    for (let k = 0; k < count; k++) {
      range >>>= 1;
      let bit = 0;
      if (code >>> 0 >= range) {
        code = (code - range) | 0;
        bit = 1;
      }
      value = (value << 1) | bit;
      if (range >>> 24 === 0) {
        range <<= 8;
        code = (code << 8) | this.nextByte();
      }
    }
    this.range = range;
    this.code = code;
    return value;
  }

  /**
   * True once the decoder has read past the end of its input. Decoding a valid stream completely reads
   * exactly its bytes, so this flags truncation (and some corruption) when checked after the last symbol.
   */
  overrun(): boolean {
    return this.position > this.bytes.length;
  }

  private nextByte(): number {
    const position = this.position++;
    return position < this.bytes.length ? this.bytes[position]! : 0;
  }
}
