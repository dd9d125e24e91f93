// Static rANS with per-context frequency tables (normative text: SPEC.md §10.6). The adaptive binary
// coder of §10.3 spends several binary decisions on every value; here a value is one table lookup, a
// multiply and at most one 16-bit read, which is what lets a JavaScript decoder run at hundreds of MB/s.
// The price is the tables, which the stream carries in a compact header, and statistics that cannot
// adapt within a stream.
//
// The state x lives in [2^16, 2^32). Decoding symbol s with frequency f and cumulative frequency c:
// x ← f·(x >> 11) + (x mod 2048) − c, then one 16-bit word is shifted in if x < 2^16. The encoder runs
// the inverse over the symbols in reverse order, so the decoder reads its words forwards. The decoder's
// final state must be the encoder's initial 2^16 and every word must be consumed: a cheap end-to-end
// check that catches most damage the section CRC did not.
import { formatErrors } from '../errors.ts';

/** Frequencies of a table sum to 2^11. */
const RANS_PRECISION_BITS = 11;
const TOTAL = 1 << RANS_PRECISION_BITS;
const RANS_SLOT_MASK = TOTAL - 1;
/** Where a slot entry keeps its symbol's cumulative frequency (bits 19–29). */
const RANS_CUMULATIVE_SHIFT = 8 + RANS_PRECISION_BITS;
/** The mark of slots of contexts without a table (bit 30 of a slot entry). */
const NO_TABLE = 1 << 30;
/**
 * 1/f for every frequency: the encoder computes ⌊x / f⌋ as ⌊x × (1/f)⌋ (4× faster than dividing),
 * corrected by one step when the product's rounding lands on the wrong side of an integer (x < 2^32
 * keeps its error far below 1).
 */
const RECIPROCALS = new Float64Array(TOTAL + 1);
for (let f = 1; f <= TOTAL; f++) RECIPROCALS[f] = 1 / f;

/** The slot entry of contexts without a table: symbol 0 with frequency 2048, so x ← 2048·(x >> 11) + slot = x. */
const NO_TABLE_ENTRY = NO_TABLE | ((TOTAL - 1) << 8);

/** The encoder's words, reused: finish() fills and copies them out before it returns (synchronously). */
let wordScratch = new Uint16Array(0);

/** The encoder's initial state and the decoder's required final one. */
const STATE_LOW = 1 << 16;

/** Appends bits, most significant first, into bytes. */
export class BitWriter {
  private bytes = new Uint8Array(64);
  private length = 0;
  private accumulator = 0;
  private pending = 0;

  /** Appends the low `count` bits of `value` (0 ≤ count ≤ 32). */
  write(value: number, count: number): void {
    if (count > 24) {
      this.write(value >>> 16, count - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    // Fewer than 8 bits wait in the accumulator, so it holds at most 31 with the new ones.
    let pending = this.pending + count;
    const accumulator = (this.accumulator << count) | (value & ((1 << count) - 1));
    while (pending >= 8) {
      pending -= 8;
      this.pushByte((accumulator >>> pending) & 0xff);
    }
    this.accumulator = accumulator & ((1 << pending) - 1);
    this.pending = pending;
  }

  /** Elias gamma code of v ≥ 1: ⌊log2 v⌋ zeros, then v in ⌊log2 v⌋ + 1 bits. */
  writeGamma(v: number): void {
    const n = 31 - Math.clz32(v);
    this.write(0, n);
    this.write(v, n + 1);
  }

  /** The bits so far, the last byte padded with zeros. */
  finish(): Uint8Array {
    if (this.pending > 0) {
      this.pushByte((this.accumulator << (8 - this.pending)) & 0xff);
      this.accumulator = 0;
      this.pending = 0;
    }
    return this.bytes.subarray(0, this.length);
  }

  private pushByte(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }
}

/**
 * Reads bits, most significant first. Reading past the end yields zeros; `overrun` tells afterwards.
 * Its three fields are public so that a hot loop can hold them in locals and write them back.
 */
export class BitReader {
  /** The index of the next byte to load into `buffer` (a double: positions may pass 2^32 bits). */
  next: number;
  /** Loaded bits not yet consumed, left-aligned in 32 bits (an int32 bit pattern). */
  buffer = 0;
  /** How many bits `buffer` holds (0–32). */
  available = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** Bit position where reading starts. */
    start = 0,
  ) {
    this.next = Math.floor(start / 8);
    const offset = start % 8;
    if (offset > 0) {
      this.load();
      this.buffer <<= offset;
      this.available -= offset;
    }
  }

  /** Bits consumed so far, counted from the start of `bytes`. */
  get position(): number {
    return this.next * 8 - this.available;
  }

  /** `count` bits (≤ 32) as an unsigned number; past the end of the bytes, zeros. */
  read(count: number): number {
    if (count > 24) return this.read(count - 16) * 65536 + this.read(16);
    while (this.available < count) this.load();
    const value = count === 0 ? 0 : this.buffer >>> (32 - count);
    this.buffer <<= count;
    this.available -= count;
    return value;
  }

  /** One more byte into the buffer (zeros past the end); called with at most 24 bits available. */
  private load(): void {
    const byte = this.next < this.bytes.length ? this.bytes[this.next]! : 0;
    this.next++;
    this.buffer |= byte << (24 - this.available);
    this.available += 8;
  }

  /** An Elias gamma code; undefined when it announces more than 31 bits (corrupt input). */
  readGamma(): number | undefined {
    // The zeros counted a buffer at a time (clz), not a bit at a time: table headers are mostly these.
    let zeros = 0;
    for (;;) {
      while (this.available <= 24) this.load();
      const leading = Math.clz32(this.buffer);
      if (leading < this.available) {
        zeros += leading;
        this.skip(leading + 1);
        break;
      }
      zeros += this.available;
      this.skip(this.available);
      if (zeros > 31 || this.overrun) return undefined;
    }
    if (zeros > 31 || this.overrun) return undefined;
    return 2 ** zeros + this.read(zeros);
  }

  /** Consumes `count` ≤ available bits. */
  private skip(count: number): void {
    this.buffer = count === 32 ? 0 : this.buffer << count;
    this.available -= count;
  }

  /** The byte after the last bit read (the padding of a partial byte is skipped). */
  get byteEnd(): number {
    return Math.ceil(this.position / 8);
  }

  get overrun(): boolean {
    return this.position > this.bytes.length * 8;
  }
}

/**
 * Frequencies summing to 2^11 for symbol counts `counts` (not all zero): every counted symbol gets at
 * least 1, every other symbol 0, and the rest in proportion to its count.
 */
export function normalizeFrequencies(counts: ArrayLike<number>): Uint16Array {
  let total = 0;
  for (let s = 0; s < counts.length; s++) total += counts[s]!;
  const freqs = new Uint16Array(counts.length);
  let sum = 0;
  for (let s = 0; s < counts.length; s++) {
    const count = counts[s]!;
    if (count === 0) continue;
    freqs[s] = Math.max(1, Math.round((count * TOTAL) / total));
    sum += freqs[s]!;
  }
  // Rounding leaves the sum off by a few: the largest frequencies absorb it, where it costs least.
  while (sum !== TOTAL) {
    let largest = 0;
    for (let s = 1; s < freqs.length; s++) if (freqs[s]! > freqs[largest]!) largest = s;
    const change = sum < TOTAL ? TOTAL - sum : -Math.min(sum - TOTAL, freqs[largest]! - 1);
    freqs[largest] = freqs[largest]! + change;
    sum += change;
  }
  return freqs;
}

/**
 * Codes symbols of an alphabet of `alphabet` symbols in `contexts` contexts, plus raw bits, into one
 * stream (SPEC.md §10.6). Symbols are recorded in order and coded by `finish()`, which first chooses the
 * tables from the symbols' counts.
 */
export class RansEncoder {
  /** Per recorded symbol, context × alphabet + symbol: one array for the reverse coding loop to read. */
  private keys: Uint16Array;
  /** How often each key occurs so far: the tables' statistics, counted as symbols are recorded. */
  private readonly counted: Uint32Array;
  private count = 0;
  private readonly raw = new BitWriter();

  constructor(
    private readonly contexts: number,
    private readonly alphabet: number,
    capacity = 1024,
  ) {
    if (contexts > 32 || alphabet > 256) throw new Error('rANS: at most 32 contexts and 256 symbols');
    this.keys = new Uint16Array(Math.max(16, capacity));
    this.counted = new Uint32Array(contexts * alphabet);
  }

  /** Records `symbol` in `context`. */
  encode(symbol: number, context: number): void {
    if (this.count === this.keys.length) {
      const keys = new Uint16Array(this.count * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    const key = context * this.alphabet + symbol;
    this.keys[this.count++] = key;
    this.counted[key]!++;
  }

  /** Appends `count` raw bits of `value` (most significant first) to the stream's bit part. */
  encodeBits(value: number, count: number): void {
    this.raw.write(value, count);
  }

  finish(): Uint8Array {
    const { contexts, alphabet, count, keys, counted } = this;
    const header = new BitWriter();
    // Per (context, symbol): frequency and cumulative frequency, flat for the coding loop.
    const frequency = new Uint32Array(contexts * alphabet);
    const cumulative = new Uint32Array(contexts * alphabet);
    for (let c = 0; c < contexts; c++) {
      const used = counted.subarray(c * alphabet, (c + 1) * alphabet);
      let length = alphabet;
      while (length > 0 && used[length - 1] === 0) length--;
      if (length === 0) {
        header.writeGamma(1); // context unused
        continue;
      }
      const table = normalizeFrequencies(used.subarray(0, length));
      header.writeGamma(2); // a table of its own follows
      header.writeGamma(length);
      for (let s = 0; s < length - 1; s++) header.writeGamma(table[s]! + 1);
      let sum = 0;
      for (let s = 0; s < length; s++) {
        frequency[c * alphabet + s] = table[s]!;
        cumulative[c * alphabet + s] = sum;
        sum += table[s]!;
      }
    }

    // Encode in reverse so the decoder reads forwards; words come out last-first, at most one per
    // symbol (x < 2^32 drops below any limit f·2^21 after one 16-bit shift).
    if (wordScratch.length < count + 1) wordScratch = new Uint16Array(count + 1);
    const words = wordScratch;
    let wordCount = 0;
    let x = STATE_LOW; // < 2^32, held as a double
    const limitScale = 2 ** (32 - RANS_PRECISION_BITS);
    const reciprocal = RECIPROCALS;
    for (let i = count - 1; i >= 0; i--) {
      const k = keys[i]!;
      const f = frequency[k]!;
      if (x >= f * limitScale) {
        words[wordCount++] = x & 0xffff;
        x = x >>> 16;
      }
      let quotient = Math.floor(x * reciprocal[f]!);
      let remainder = x - quotient * f;
      if (remainder < 0) {
        quotient--;
        remainder += f;
      } else if (remainder >= f) {
        quotient++;
        remainder -= f;
      }
      x = quotient * TOTAL + remainder + cumulative[k]!;
    }

    const head = header.finish();
    const raw = this.raw.finish();
    const out = new Uint8Array(head.length + 8 + 2 * wordCount + raw.length);
    out.set(head, 0);
    const view = new DataView(out.buffer);
    view.setUint32(head.length, x, true);
    view.setUint32(head.length + 4, wordCount, true);
    let at = head.length + 8;
    for (let k = wordCount - 1; k >= 0; k--, at += 2) view.setUint16(at, words[k]!, true);
    out.set(raw, at);
    return out;
  }
}

/**
 * Decodes a stream of RansEncoder. Checks the header when constructed (a typed MalformedSection error
 * names `label`), never fails while decoding, and checks the end in `finish()`.
 */
export class RansDecoder {
  /**
   * Per context, its table's 2048 slots from `base[c]`: bits 0–7 the symbol, 8–18 frequency − 1, 19–29
   * its cumulative frequency, bit 30 NO_TABLE. A symbol's slots are alike, so they are filled natively.
   * Contexts without a table share slots that decode symbol 0 and leave the state as it is, marked
   * NO_TABLE: a decoder ORs every entry it uses into `seen`, and finish() rejects the stream if a marked
   * one was among them.
   */
  readonly slots: Int32Array;
  readonly base: Int32Array;
  /** The state, a u32 held as its int32 bit pattern so that V8 keeps it an integer (3× faster). */
  x: number;
  /** The OR of every slot entry used: bit 30 (NO_TABLE) set when a context without a table was. */
  seen = 0;
  wordAt: number;
  readonly wordEnd: number;
  /** The raw bits after the words (§10.6.2). */
  readonly raw: BitReader;
  private readonly rawStart: number;

  constructor(
    readonly bytes: Uint8Array,
    contexts: number,
    alphabet: number,
    private readonly label: string,
  ) {
    const fail = (reason: string): never => {
      throw formatErrors.malformedSection(label, reason);
    };
    const header = new BitReader(bytes);
    const gamma = () => header.readGamma() ?? fail('its frequency tables are damaged');
    const tables: Uint16Array[] = [];
    const tableOf = new Int32Array(contexts).fill(-1);
    for (let c = 0; c < contexts; c++) {
      const kind = gamma();
      if (kind === 1) continue;
      if (kind > 2) {
        const shared = kind - 3;
        if (shared >= c || tableOf[shared] === -1)
          fail(`context ${c} shares the table of context ${shared}, which has none`);
        tableOf[c] = tableOf[shared]!;
        continue;
      }
      const length = gamma();
      if (length > alphabet) fail(`a table of ${length} symbols; the alphabet has ${alphabet}`);
      const table = new Uint16Array(length);
      let sum = 0;
      for (let s = 0; s < length - 1; s++) {
        // Checked before it is stored: a Uint16Array would wrap a damaged 66,561 into a valid 1,025.
        const frequency = gamma() - 1;
        sum += frequency;
        if (sum >= TOTAL) fail(`its frequencies add up to ${TOTAL} or more before the last`);
        table[s] = frequency;
      }
      table[length - 1] = TOTAL - sum;
      tableOf[c] = tables.length;
      tables.push(table);
    }
    if (header.overrun) fail('ends inside its frequency tables');
    const start = header.byteEnd;
    if (start + 8 > bytes.length) fail('ends before its rANS state');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.x = view.getInt32(start, true);
    const wordCount = view.getUint32(start + 4, true);
    if (this.x >>> 16 === 0) fail('its rANS state is out of range');
    this.wordAt = start + 8;
    this.wordEnd = this.wordAt + 2 * wordCount;
    if (this.wordEnd > bytes.length) fail(`announces ${wordCount} words, more than it holds`);
    this.rawStart = this.wordEnd;
    this.raw = new BitReader(bytes, this.wordEnd * 8);

    const withoutTable = tables.length;
    this.slots = new Int32Array((tables.length + (tableOf.includes(-1) ? 1 : 0)) * TOTAL);
    for (let t = 0; t < tables.length; t++) {
      const table = tables[t]!;
      let cumulative = 0;
      for (let s = 0; s < table.length; s++) {
        const f = table[s]!;
        const at = t * TOTAL + cumulative;
        this.slots.fill(s | ((f - 1) << 8) | (cumulative << RANS_CUMULATIVE_SHIFT), at, at + f);
        cumulative += f;
      }
    }
    if (tableOf.includes(-1)) this.slots.fill(NO_TABLE_ENTRY, withoutTable * TOTAL);
    this.base = Int32Array.from(tableOf, (t) => (t < 0 ? withoutTable : t) * TOTAL);
  }

  /** The next symbol, coded in `context`. */
  decode(context: number): number {
    let x = this.x;
    const slot = x & RANS_SLOT_MASK;
    const entry = this.slots[this.base[context]! + slot]!;
    this.seen |= entry;
    // f·(x >> 11) + slot − cumulative < 2^32: imul's wrapped product is the exact u32 bit pattern.
    x =
      (Math.imul(((entry >>> 8) & RANS_SLOT_MASK) + 1, x >>> RANS_PRECISION_BITS) +
        slot -
        ((entry >>> RANS_CUMULATIVE_SHIFT) & RANS_SLOT_MASK)) |
      0;
    if (x >>> 16 === 0) {
      const at = this.wordAt;
      // Past the end reads zeros; finish() then reports the damage.
      const word = at + 1 < this.wordEnd ? this.bytes[at]! | (this.bytes[at + 1]! << 8) : 0;
      this.wordAt = at + 2;
      x = (x << 16) | word;
    }
    this.x = x;
    return entry & 0xff;
  }

  /** `count` raw bits (≤ 32), most significant first. */
  decodeBits(count: number): number {
    return this.raw.read(count);
  }

  /** Throws unless the stream ended exactly where the encoder ended it. */
  finish(): void {
    if (this.seen & NO_TABLE)
      throw formatErrors.malformedSection(this.label, 'a value is coded in a context without a table');
    if (this.x >>> 0 !== STATE_LOW || this.wordAt !== this.wordEnd)
      throw formatErrors.malformedSection(this.label, 'its rANS stream does not end where it should');
    if (this.raw.overrun || this.raw.byteEnd !== this.bytes.length)
      throw formatErrors.malformedSection(
        this.label,
        `its raw bits end at byte ${this.raw.byteEnd - this.rawStart} of ${this.bytes.length - this.rawStart}`,
      );
  }
}
