// How the quantized methods entropy-code their indices: the adaptive binary range coder (method
// `quantized`, SPEC.md §7.2 steps 4–5, §10.3–§10.4) or static rANS tables (method `quantized-rans`,
// §10.6). Both work on a whole stream's indices at once: the encoder's sink codes them after they are all
// chosen, and a decoder's source fills them in one pass (the first of decodeQuantizedStream's three),
// as contexts depend on indices only.
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { createBitStates, RangeDecoder, RangeEncoder } from '../entropy/range-coder.ts';
import { RansDecoder, RansEncoder } from '../entropy/rans.ts';
import { formatErrors } from '../errors.ts';
import type { RowWalk } from './contexts.ts';
import { byContextKey, CONTEXTS, contextAt, contextKey } from './contexts.ts';

const ZERO_STATE = 0;
const SIGN_STATE = 1;

/** rANS symbols of a quantization index (SPEC.md §10.6.1): 0, ±1..±15 directly, then one per sign and
 * octave, the octave's low bits raw. */
const DIRECT_TOKENS = 31;
const INDEX_TOKENS = DIRECT_TOKENS + 2 * 27;
/** In the log domain: symbol 0 is an exact zero, then the tokens, each with a sign bit. */
const LOG_SYMBOLS = 1 + 2 * INDEX_TOKENS;

/**
 * A stream's indices and how to walk them: every value's quantization index in C order (0 at exceptions,
 * where nothing is coded, whose flat positions `positions` lists in increasing order) and, in the log
 * domain, `signs` (1 for +0, 2 for a negative value). With `constant`, every value has context 0.
 */
export interface IndexStream {
  quantized: Int32Array;
  signs: Uint8Array | undefined;
  walk: RowWalk;
  positions: Uint32Array;
  constant: boolean;
}

/** Where the encoder puts the indices: all of a stream's at once, then `finish` gives the stream. */
export interface ResidualSink {
  /** Codes every value's index (and sign), in C order, each in its context. */
  writeIndices(stream: IndexStream): void;
  finish(): Uint8Array;
}

/** Where the decoder reads them. */
export interface ResidualSource {
  /** Fills the stream's `quantized` (and `signs`) from the coded stream; `positions` are given. */
  readIndices(stream: IndexStream): void;
  /** Throws MalformedSection unless the stream ended where its encoder ended it. */
  finish(): void;
}

/** The adaptive range coder (SPEC.md §7.2 steps 4–5, §10.3–§10.4). */
export class RangeSink implements ResidualSink {
  private readonly encoder: RangeEncoder;
  private readonly model = new SignedIntegerModel(CONTEXTS);
  private readonly bits = createBitStates(2);

  constructor(capacity: number) {
    this.encoder = new RangeEncoder(capacity);
  }

  writeIndices({ quantized, signs, walk, positions, constant }: IndexStream): void {
    const { encoder, model, bits } = this;
    const { rowLength } = walk;
    const strides = walk.neighbourStrides;
    let nextException = 0;
    let nextPosition = positions.length > 0 ? positions[0]! : -1;
    for (let row = 0; row < walk.rows; row++) {
      walk.enter(row);
      const count = walk.count;
      const base = row * rowLength;
      for (let x = 0; x < rowLength; x++) {
        const i = base + x;
        if (i === nextPosition) {
          nextException++;
          nextPosition = nextException < positions.length ? positions[nextException]! : -1;
          continue;
        }
        if (signs) {
          encoder.encodeBit(bits, ZERO_STATE, signs[i] === 1 ? 1 : 0);
          if (signs[i] === 1) continue;
          encoder.encodeBit(bits, SIGN_STATE, signs[i] === 2 ? 1 : 0);
        }
        const left = x > 0 ? quantized[i - 1]! : 0;
        model.encode(encoder, quantized[i]!, constant ? 0 : contextAt(left, quantized, i, strides, count));
      }
    }
  }

  finish(): Uint8Array {
    return this.encoder.finish();
  }
}

export class RangeSource implements ResidualSource {
  private readonly decoder: RangeDecoder;
  private readonly model = new SignedIntegerModel(CONTEXTS);
  private readonly bits = createBitStates(2);

  constructor(
    residuals: Uint8Array,
    private readonly label: string,
  ) {
    this.decoder = new RangeDecoder(residuals);
  }

  /**
   * Each coder's loop walks the rows itself, exceptions skipped (a few lines repeated four times): a
   * shared walker calling back per value kept the index to the left in memory instead of a register,
   * and cost 7–13 % of decoding speed on CFD and 5 % of encoding speed.
   */
  readIndices({ quantized, signs, walk, positions, constant }: IndexStream): void {
    const { decoder, model, bits } = this;
    const { rowLength } = walk;
    const strides = walk.neighbourStrides;
    let nextException = 0;
    let nextPosition = positions.length > 0 ? positions[0]! : -1;
    for (let row = 0; row < walk.rows; row++) {
      walk.enter(row);
      const count = walk.count;
      const base = row * rowLength;
      let left = 0;
      for (let x = 0; x < rowLength; x++) {
        const i = base + x;
        if (i === nextPosition) {
          quantized[i] = 0;
          if (signs) signs[i] = 0;
          left = 0;
          nextException++;
          nextPosition = nextException < positions.length ? positions[nextException]! : -1;
          continue;
        }
        if (signs) {
          if (decoder.decodeBit(bits, ZERO_STATE) === 1) {
            signs[i] = 1;
            quantized[i] = 0;
            left = 0;
            continue;
          }
          signs[i] = decoder.decodeBit(bits, SIGN_STATE) === 1 ? 2 : 0;
        }
        left = model.decode(decoder, constant ? 0 : contextAt(left, quantized, i, strides, count));
        quantized[i] = left;
      }
    }
  }

  finish(): void {
    if (this.decoder.overrun())
      throw formatErrors.malformedSection(this.label, 'the residual stream ends before its last value');
  }
}

/** Static rANS (SPEC.md §10.6): one symbol per value, the low bits of large indices raw. */
export class RansSink implements ResidualSink {
  private readonly encoder: RansEncoder;

  constructor(log: boolean, capacity: number) {
    this.encoder = new RansEncoder(CONTEXTS, log ? LOG_SYMBOLS : INDEX_TOKENS, capacity);
  }

  writeIndices({ quantized, signs, walk, positions, constant }: IndexStream): void {
    const encoder = this.encoder;
    const strides = walk.neighbourStrides;
    let nextException = 0;
    let nextPosition = positions.length > 0 ? positions[0]! : -1;
    for (let row = 0; row < walk.rows; row++) {
      walk.enter(row);
      const count = walk.count;
      const base = row * walk.rowLength;
      let left = 0;
      for (let x = 0; x < walk.rowLength; x++) {
        const i = base + x;
        if (i === nextPosition) {
          left = 0;
          nextException++;
          nextPosition = nextException < positions.length ? positions[nextException]! : -1;
          continue;
        }
        const context = constant ? 0 : contextAt(left, quantized, i, strides, count);
        const q = quantized[i]!;
        left = q;
        if (signs?.[i] === 1) {
          encoder.encode(0, context);
          continue;
        }
        // Branch-free token of q (§7.2.4): 2m − 1 for +m, 2m for −m, 0 for 0; octaves from m = 16.
        const negative = q >>> 31;
        const m = (q ^ -negative) + negative;
        let token = 2 * m - 1 + negative;
        token &= ~(token >> 31);
        let octave = 0;
        if (m >= 16) {
          octave = 31 - Math.clz32(m);
          token = DIRECT_TOKENS + 2 * (octave - 4) + negative;
        }
        encoder.encode(signs ? 1 + 2 * token + (signs[i]! >>> 1) : token, context);
        if (octave > 0) encoder.encodeBits(m - (1 << octave), octave);
      }
    }
  }

  finish(): Uint8Array {
    return this.encoder.finish();
  }
}

export class RansSource implements ResidualSource {
  private readonly decoder: RansDecoder;

  constructor(residuals: Uint8Array, log: boolean, label: string) {
    this.decoder = new RansDecoder(residuals, CONTEXTS, log ? LOG_SYMBOLS : INDEX_TOKENS, label);
  }

  /**
   * The decoder's hot loop: the symbol decoding and the raw-bit reads are inlined, with the rANS state
   * and the bit reader's in locals. Constants are literals: a bundler turns module constants into
   * mutable variables, which V8 reloads on every use.
   */
  readIndices({ quantized, signs, walk, positions, constant }: IndexStream): void {
    const decoder = this.decoder;
    const { slots, base: table, bytes, wordEnd, raw } = decoder;
    const keyedBase = constant ? table : byContextKey(table);
    const constantBase = table[0]!;
    let { x: state, wordAt, seen } = decoder;
    let { buffer: rawBuffer, available: rawAvailable, next: rawNext } = raw;
    const rawBytes = raw.bytes;
    const rawLength = rawBytes.length;
    const { rowLength } = walk;
    const strides = walk.neighbourStrides;
    let nextException = 0;
    let nextPosition = positions.length > 0 ? positions[0]! : -1;
    for (let row = 0; row < walk.rows; row++) {
      walk.enter(row);
      const count = walk.count;
      const base = row * rowLength;
      let left = 0;
      for (let x = 0; x < rowLength; x++) {
        const i = base + x;
        if (i === nextPosition) {
          quantized[i] = 0;
          if (signs) signs[i] = 0;
          left = 0;
          nextException++;
          nextPosition = nextException < positions.length ? positions[nextException]! : -1;
          continue;
        }
        // RansDecoder.decode() (SPEC.md §10.6.3): 2047 is the slot mask, 11 the precision, 19 the
        // shift of the cumulative frequency in a slot entry.
        const tableBase = constant
          ? constantBase
          : keyedBase[contextKey(left, quantized, i, strides, count)]!;
        const slot = state & 2047;
        const entry = slots[tableBase + slot]!;
        seen |= entry;
        state = (Math.imul(((entry >>> 8) & 2047) + 1, state >>> 11) + slot - ((entry >>> 19) & 2047)) | 0;
        // Renormalize without a branch: a word is shifted in about half the time, at random, and a
        // mispredicted branch costs more than loading the word every time (-1 when x < 2^16, else 0).
        const renormalize = ((state >>> 16) - 1) >> 31;
        const word = wordAt + 1 < wordEnd ? bytes[wordAt]! | (bytes[wordAt + 1]! << 8) : 0;
        wordAt += renormalize & 2;
        state = (state << (renormalize & 16)) | (word & renormalize);
        let token = entry & 0xff;
        if (signs) {
          if (token === 0) {
            signs[i] = 1;
            quantized[i] = 0;
            left = 0;
            continue;
          }
          signs[i] = ((token - 1) & 1) << 1; // 2 when negative, without a branch
          token = (token - 1) >>> 1;
        }
        // Odd tokens are positive; negate branch-free as (m ^ −1) + 1.
        const negative = (token & 1) - 1;
        let m = (token + 1) >>> 1;
        if (token >= 31) {
          // An octave token (the first after the 31 direct ones): its low bits follow raw.
          const octave = 4 + ((token - 31) >>> 1); // ≤ 30: m < 2^31 stays an int32
          if (octave <= 24) {
            // BitReader.read(), inlined: bytes in until the buffer holds the octave's bits.
            while (rawAvailable < octave) {
              rawBuffer |= (rawNext < rawLength ? rawBytes[rawNext]! : 0) << (24 - rawAvailable);
              rawNext++;
              rawAvailable += 8;
            }
            m = (1 << octave) + (rawBuffer >>> (32 - octave));
            rawBuffer <<= octave;
            rawAvailable -= octave;
          } else {
            raw.buffer = rawBuffer;
            raw.available = rawAvailable;
            raw.next = rawNext;
            m = (1 << octave) + raw.read(octave);
            ({ buffer: rawBuffer, available: rawAvailable, next: rawNext } = raw);
          }
        }
        left = (m ^ negative) - negative;
        quantized[i] = left;
      }
    }
    decoder.x = state;
    decoder.seen = seen;
    decoder.wordAt = wordAt;
    raw.buffer = rawBuffer;
    raw.available = rawAvailable;
    raw.next = rawNext;
  }

  finish(): void {
    this.decoder.finish();
  }
}
