// A slow, literal transliteration of SPEC.md §10, for tests only (not exported by index.ts). It
// shares no code with the fast coder and handles carries differently: `low` is one unbounded BigInt
// that every normalization shifts left by 8 bits, so the stream is simply its big-endian bytes. When the
// fast coder's bytes equal these, its cache/cacheSize carry propagation and its 32-bit tricks are right.

/** One binary decision: an adaptive bit of binary context `context`, or a direct bit (`context` -1). */
export interface Decision {
  context: number;
  bit: number;
}

export interface ReferenceStream {
  bytes: Uint8Array;
  /** Carries that ran through two or more pending 0xFF bytes (SPEC.md §10.3.4). */
  longCarries: number;
}

/** Encodes `decisions` over `contextCount` binary contexts exactly as SPEC.md §10.2-§10.3 say. */
export function referenceEncode(decisions: readonly Decision[], contextCount: number): ReferenceStream {
  const fast = new Array<number>(contextCount).fill(16384);
  const slow = new Array<number>(contextCount).fill(16384);
  let low = 0n;
  let range = 0xffffffff;
  let shifts = 0;
  let longCarries = 0;
  const add = (amount: number) => {
    const before = low >> 32n;
    low += BigInt(amount);
    if (low >> 32n !== before && (before & 0xffffn) === 0xffffn) longCarries++;
  };
  const normalize = () => {
    while (range < 2 ** 24) {
      range *= 256;
      low <<= 8n;
      shifts++;
    }
  };
  for (const { context, bit } of decisions) {
    if (context < 0) {
      range = Math.floor(range / 2);
      if (bit) add(range);
    } else {
      const a = fast[context]!;
      const b = slow[context]!;
      const p = Math.floor((a + b) / 2);
      const bound = Math.floor(range / 32768) * p;
      if (bit === 0) {
        range = bound;
        fast[context] = a + Math.floor((32768 - a) / 16);
        slow[context] = b + Math.floor((32768 - b) / 128);
      } else {
        add(bound);
        range -= bound;
        fast[context] = a - Math.floor(a / 16);
        slow[context] = b - Math.floor(b / 128);
      }
    }
    normalize();
  }
  // The stream is low as a big-endian number of (shifts + 5) bytes; its first byte is always 0.
  const length = shifts + 5;
  const bytes = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(low & 0xffn);
    low >>= 8n;
  }
  if (low !== 0n) throw new Error('reference: low outgrew the stream');
  return { bytes, longCarries };
}

/** Binary contexts per integer context, in the order of SPEC.md §10.4.1. */
export const REFERENCE_INTEGER_STATES = 1 + 1 + 4 + 63 + 52 * 7;

/** The decisions SPEC.md §10.4.2 makes for `value` in integer context `context`. */
export function referenceIntegerDecisions(value: number, context: number): Decision[] {
  const base = context * REFERENCE_INTEGER_STATES;
  if (value === 0) return [{ context: base, bit: 0 }];
  const out: Decision[] = [
    { context: base, bit: 1 },
    { context: base + 1, bit: value < 0 ? 1 : 0 },
  ];
  const m = BigInt(Math.abs(value));
  const e = m.toString(2).length - 1;
  for (let i = 0; i < 4 && i <= e; i++) out.push({ context: base + 2 + i, bit: e > i ? 1 : 0 });
  if (e >= 4) {
    const bits = (e - 4).toString(2).padStart(6, '0');
    let t = 1;
    for (const c of bits) {
      const bit = c === '1' ? 1 : 0;
      out.push({ context: base + 6 + t - 1, bit });
      t = 2 * t + bit;
    }
  }
  const bitsBelowLeadingOne = m.toString(2).slice(1);
  let node = 1;
  for (let j = 0; j < e; j++) {
    const bit = bitsBelowLeadingOne[j] === '1' ? 1 : 0;
    if (j < 3) {
      out.push({ context: base + 69 + 7 * (e - 1) + node - 1, bit });
      node = 2 * node + bit;
    } else {
      out.push({ context: -1, bit });
    }
  }
  return out;
}
