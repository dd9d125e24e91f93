// Adaptive models for signed integers on top of the binary range coder (normative text:
// SPEC.md §10.4). Built for quantized prediction residuals: mostly 0, otherwise small, rarely huge.
// Each value becomes a zero flag, a sign, an exponent (two unary steps for the common small ones, then a
// 6-bit tree, so a large value costs 8 decisions, not one per octave) and mantissa bits; the first
// mantissa bits are modelled (their distribution is skewed), the rest are sent as direct bits.

import type { RangeDecoder, RangeEncoder } from './range-coder.ts';
import { createBitStates } from './range-coder.ts';

/** The largest exponent e = floor(log2 |value|); |value| <= 2^53 - 1. */
const MAX_EXPONENT = 52;
/** How many mantissa bits below the leading one are coded with adaptive states. */
const MODELLED_BITS = 3;
// The layout of one context's states (indices of binary contexts, relative to the context's base).
const ZERO = 0;
const SIGN = 1;
const UNARY = 2; // + i, i in [0, UNARY_STEPS): e > i ?
/** Small exponents (the common case for good predictions) are coded in unary, larger ones by a tree. */
const UNARY_STEPS = 4;
const EXPONENT_TREE = UNARY + UNARY_STEPS; // + node - 1, node in [1, 63]: the 6 bits of e - UNARY_STEPS
const EXPONENT_BITS = 6;
const TREE = EXPONENT_TREE + (1 << EXPONENT_BITS) - 1; // + 7 (e - 1) + node - 1, for e in [1, 52], node in [1, 7]
const TREE_SIZE = (1 << MODELLED_BITS) - 1;
/** Binary contexts per integer context. */
export const INTEGER_CONTEXT_STATES = TREE + MAX_EXPONENT * TREE_SIZE;

const TWO_30 = 0x40000000;

/**
 * Codes signed integers with |value| <= 2^53 - 1 in `contextCount` independent adaptive contexts.
 * Encoder and decoder each use their own model instance, fed the same sequence of contexts.
 */
export class SignedIntegerModel {
  readonly contextCount: number;
  /** The adaptive states of all contexts (see `createBitStates`). */
  readonly states: Uint16Array;

  constructor(contextCount: number) {
    if (!Number.isInteger(contextCount) || contextCount < 1 || contextCount > 0x10000) {
      throw new RangeError(`SignedIntegerModel: contextCount must be in [1, 65536], got ${contextCount}`);
    }
    this.contextCount = contextCount;
    this.states = createBitStates(contextCount * INTEGER_CONTEXT_STATES);
  }

  /**
   * Codes `value` in `context`, which must lie in [0, contextCount): it is not checked on this hot path.
   * Throws RangeError unless `value` is an integer with |value| <= 2^53 - 1 (-0 is coded as 0).
   */
  encode(encoder: RangeEncoder, value: number, context: number): void {
    const states = this.states;
    const base = context * INTEGER_CONTEXT_STATES;
    if (value === 0) {
      encoder.encodeBit(states, base + ZERO, 0);
      return;
    }
    // Fast path: |value| < 2^31, where 32-bit integer operations are exact.
    if ((value | 0) === value && value !== -0x80000000) {
      const m = value < 0 ? -value : value;
      const e = 31 - Math.clz32(m);
      encoder.encodeBit(states, base + ZERO, 1);
      encoder.encodeBit(states, base + SIGN, value < 0 ? 1 : 0);
      encodeExponent(encoder, states, base, e);
      if (e === 0) return;
      const k = Math.min(e, MODELLED_BITS);
      const n = e - k;
      const tree = base + TREE + TREE_SIZE * (e - 1) - 1;
      let node = 1;
      for (let j = k - 1; j >= 0; j--) {
        const bit = (m >>> (n + j)) & 1;
        encoder.encodeBit(states, tree + node, bit);
        node = (node << 1) | bit;
      }
      if (n > 0) encoder.encodeDirect(m, n);
      return;
    }
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`SignedIntegerModel: ${value} is not an integer with |value| <= 2^53 - 1`);
    }
    this.encodeLarge(encoder, value, base);
  }

  /** Decodes a value coded by `encode` in `context`. Never throws; corrupt input yields some safe integer. */
  decode(decoder: RangeDecoder, context: number): number {
    const states = this.states;
    const base = context * INTEGER_CONTEXT_STATES;
    if (decoder.decodeBit(states, base + ZERO) === 0) return 0;
    const negative = decoder.decodeBit(states, base + SIGN);
    // At most 8 decisions, clamped to MAX_EXPONENT: garbage input cannot produce an unsafe integer.
    let e = 0;
    while (e < UNARY_STEPS && decoder.decodeBit(states, base + UNARY + e) === 1) e++;
    if (e === UNARY_STEPS) {
      let node = 1;
      for (let j = 0; j < EXPONENT_BITS; j++) {
        node = (node << 1) | decoder.decodeBit(states, base + EXPONENT_TREE + node - 1);
      }
      e = Math.min(MAX_EXPONENT, node - (1 << EXPONENT_BITS) + UNARY_STEPS);
    }
    let m = 1;
    if (e > 0) {
      const k = Math.min(e, MODELLED_BITS);
      const n = e - k;
      const tree = base + TREE + TREE_SIZE * (e - 1) - 1;
      let node = 1;
      for (let j = 0; j < k; j++) node = (node << 1) | decoder.decodeBit(states, tree + node);
      // node = 1 followed by the k bits: the leading one and the modelled bits of m.
      if (e <= 30) {
        m = n > 0 ? (node << n) | decoder.decodeDirect(n) : node;
      } else {
        const low =
          n > 30 ? decoder.decodeDirect(n - 30) * TWO_30 + decoder.decodeDirect(30) : decoder.decodeDirect(n);
        m = node * 2 ** n + low;
      }
    }
    return negative ? -m : m;
  }

  private encodeLarge(encoder: RangeEncoder, value: number, base: number): void {
    const states = this.states;
    const m = value < 0 ? -value : value;
    const high = Math.floor(m / 0x100000000);
    const e = high > 0 ? 63 - Math.clz32(high) : 31 - Math.clz32(m);
    encoder.encodeBit(states, base + ZERO, 1);
    encoder.encodeBit(states, base + SIGN, value < 0 ? 1 : 0);
    encodeExponent(encoder, states, base, e);
    const n = e - MODELLED_BITS; // e >= 31 here
    const scale = 2 ** n;
    const top = Math.floor(m / scale); // the leading one and the 3 modelled bits
    const tree = base + TREE + TREE_SIZE * (e - 1) - 1;
    let node = 1;
    for (let j = MODELLED_BITS - 1; j >= 0; j--) {
      const bit = (top >>> j) & 1;
      encoder.encodeBit(states, tree + node, bit);
      node = (node << 1) | bit;
    }
    const rest = m - top * scale; // < 2^n <= 2^49
    if (n > 30) {
      encoder.encodeDirect(Math.floor(rest / TWO_30), n - 30);
      encoder.encodeDirect(rest % TWO_30, 30);
    } else {
      encoder.encodeDirect(rest, n);
    }
  }
}

/**
 * The exponent (SPEC.md §10.4.2): up to UNARY_STEPS unary decisions "e > i?", then, for e >= UNARY_STEPS,
 * the 6 bits of e - UNARY_STEPS through a binary tree.
 */
function encodeExponent(encoder: RangeEncoder, states: Uint16Array, base: number, e: number): void {
  for (let i = 0; i < UNARY_STEPS; i++) {
    encoder.encodeBit(states, base + UNARY + i, e > i ? 1 : 0);
    if (e === i) return;
  }
  const rest = e - UNARY_STEPS;
  let node = 1;
  for (let j = EXPONENT_BITS - 1; j >= 0; j--) {
    const bit = (rest >>> j) & 1;
    encoder.encodeBit(states, base + EXPONENT_TREE + node - 1, bit);
    node = (node << 1) | bit;
  }
}
