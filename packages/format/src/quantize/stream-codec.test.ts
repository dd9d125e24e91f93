import { describe, expect, it } from 'vitest';
import type { BalerError } from '../errors.ts';
import { seededRandom } from '../testing.ts';
import { canonicalExp2 } from './exp2.ts';
import type { QuantizerParams } from './stream-codec.ts';
import {
  APPROXIMATE_LOG2_ERROR,
  approximateLog2,
  decodeQuantizedStream,
  encodeQuantizedStream,
  exp2OfIndices,
  logWindow,
} from './stream-codec.ts';

describe('quantized streams', () => {
  const shape = [6, 7, 8];
  const random = seededRandom(9);
  const values = Float64Array.from({ length: 6 * 7 * 8 }, (_, i) => Math.sin(i / 9) + 0.01 * random());
  const params = (coder: 'range' | 'rans', predictor: QuantizerParams['predictor']): QuantizerParams => ({
    domain: 'linear',
    step: 2e-3,
    predictor,
    coder,
  });

  /**
   * A log-domain rANS stream of `values` at pwrel=`relative` around the constant `centre`, decoded at the
   * stream level (below the writer's safe path); throws at the first value out of bound.
   */
  const logRoundTrip = (
    values: Float32Array | Float64Array,
    dtype: 'float32' | 'float64',
    relative: number,
    centre: number,
  ) => {
    const n = values.length;
    const p: QuantizerParams = {
      domain: 'log',
      step: 2 * Math.log2(1 + relative) * (1 - 2 ** -30),
      predictor: { name: 'constant', value: centre },
      coder: 'rans',
    };
    const { residuals, exceptions } = encodeQuantizedStream(values, [n], dtype, p, { absolute: 0, relative });
    const back = decodeQuantizedStream(residuals, exceptions, [n], dtype, p, 'section "residuals"');
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!(Math.abs((back[i] as number) - v) <= relative * Math.abs(v)))
        throw new Error(`${dtype} at pwrel=${relative}: ${v} decoded as ${back[i]}`);
    }
    return exceptions;
  };

  it('decode to the same values with either coder', () => {
    const tolerance = { absolute: 1e-3, relative: 0 };
    const decoded = (['range', 'rans'] as const).map((coder): Float64Array => {
      const p = params(coder, { name: 'lorenzo' });
      const { residuals, exceptions } = encodeQuantizedStream(values, shape, 'float64', p, tolerance);
      return decodeQuantizedStream(
        residuals,
        exceptions,
        shape,
        'float64',
        p,
        'section "residuals"',
      ) as Float64Array;
    });
    expect(decoded[1]).toEqual(decoded[0]);
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(decoded[0]![i]! - values[i]!)).toBeLessThanOrEqual(1e-3);
  });

  // 60 octaves: large indices, too spread out for the memo of powers; 1/4 octave: repeated indices, each
  // power computed once by the decoder (exp2OfIndices).
  it.each([
    ['large indices', 60],
    ['repeated indices', 0.25],
  ])(
    'decode the log domain (zeros, signs, exceptions, %s) within the bound with either coder',
    (_, octaves) => {
      // Checked at the stream, below the writer's safe path: a decoder bug here cannot hide behind a
      // fallback to exact storage.
      const logValues = Float64Array.from({ length: 2000 }, (_, i) => {
        if (i % 97 === 0) return 0;
        if (i % 331 === 0) return Number.NaN;
        if (i % 401 === 0) return -0;
        if (i % 499 === 0) return Number.NEGATIVE_INFINITY;
        const sign = random() < 0.5 ? -1 : 1;
        return sign * 2 ** ((random() - 0.5) * octaves);
      });
      const tolerance = { absolute: 0, relative: 1e-3 };
      const decoded = (['range', 'rans'] as const).map((coder): Float32Array => {
        const p: QuantizerParams = {
          domain: 'log',
          step: 2 * Math.log2(1 + 1e-3) * (1 - 2 ** -30),
          predictor: { name: 'constant', value: 0 },
          coder,
        };
        const { residuals, exceptions } = encodeQuantizedStream(logValues, [2000], 'float32', p, tolerance);
        // Only the specials are exceptions: every zero and every finite value is coded.
        expect(exceptions.positions.length).toBe(
          logValues.filter((v) => !Number.isFinite(v) || Object.is(v, -0)).length,
        );
        return decodeQuantizedStream(
          residuals,
          exceptions,
          [2000],
          'float32',
          p,
          'section "residuals"',
        ) as Float32Array;
      });
      expect(decoded[1]).toEqual(decoded[0]);
      logValues.forEach((v, i) => {
        const back = decoded[0]![i]!;
        if (!Number.isFinite(v) || v === 0)
          expect(Object.is(back, v) || (Number.isNaN(v) && Number.isNaN(back))).toBe(true);
        else expect(Math.abs(back - v)).toBeLessThanOrEqual(1e-3 * Math.abs(v));
      });
    },
  );

  it('accept log-domain indices without exp2 only where the bound holds: every value of 600,000 checked', () => {
    // The encoder's window (logWindow) skips the exact check; the stream is decoded here, below the
    // writer's safe path, so a window too wide shows as a value out of bound. Values are spread over
    // 40 octaves; bounds from 0.5 down to 1e-6, in float32 and float64.
    const n = 50_000;
    for (const relative of [0.5, 0.1, 1e-3, 1.7e-3, 1e-5, 1e-6]) {
      for (const dtype of ['float32', 'float64'] as const) {
        const data = Float64Array.from(
          { length: n },
          () => (random() < 0.5 ? -1 : 1) * 2 ** ((random() - 0.5) * 40),
        );
        const values = dtype === 'float32' ? Float32Array.from(data) : data;
        const exceptions = logRoundTrip(values, dtype, relative, 1.5);
        // float32 values at the edges of tight bounds, where the cast's rounding (2^−24, ~6 % of the room
        // at 1e-6) decides, are kept exactly as the step leaves no room for it: ~1 % at most.
        expect(exceptions.positions.length).toBeLessThanOrEqual(dtype === 'float64' ? 0 : n / 50);
      }
    }
  });

  it('check values of extreme magnitude exactly, outside the window: subnormal float32, 2^±1000 in float64', () => {
    // The window assumes normal outputs: for |x| beyond [2^-100, 2^100] the encoder checks through exp2.
    const n = 4000;
    for (const [dtype, low, high] of [
      ['float32', -149, -90],
      ['float32', 100, 127],
      ['float64', -1074, -1000],
      ['float64', 1000, 1023],
    ] as const) {
      const data = Float64Array.from(
        { length: n },
        () => (random() < 0.5 ? -1 : 1) * 2 ** (low + random() * (high - low)),
      );
      const values = dtype === 'float32' ? Float32Array.from(data) : data;
      logRoundTrip(values, dtype, 1e-3, (low + high) / 2);
    }
  });

  it('refuse a rANS stream whose raw bits were cut short', () => {
    // Indices of octaves 4 to 12 carry raw bits, read by the hot loop's inlined reader; the stream's
    // last byte is raw bits. Cut off, the reader reads zeros past the end and finish() must notice.
    const n = 3000;
    const data = Float64Array.from({ length: n }, () => (random() - 0.5) * 8);
    const p = params('rans', { name: 'constant', value: 0 }); // step 2e-3
    const tolerance = { absolute: 1e-3, relative: 0 };
    const { residuals, exceptions } = encodeQuantizedStream(data, [n], 'float64', p, tolerance);
    for (const cut of [1, 2, 5]) {
      try {
        decodeQuantizedStream(
          residuals.subarray(0, residuals.length - cut),
          exceptions,
          [n],
          'float64',
          p,
          'section "residuals"',
        );
      } catch (error) {
        expect((error as BalerError)._tag).toBe('MalformedSection');
        continue;
      }
      throw new Error(`decoded a stream with ${cut} bytes cut off`);
    }
  });

  it('know approximateLog2 to within APPROXIMATE_LOG2_ERROR, which logWindow allows for', () => {
    // Every segment of the table, at its start, its end and between, in several octaves.
    let worst = 0;
    for (let k = 0; k < 256; k++) {
      for (let j = 0; j <= 64; j++) {
        const mantissa = 1 + (k + j / 64 - 2 ** -40) / 256;
        for (const octave of [-90, -1, 0, 7, 90]) {
          const x = mantissa * 2 ** octave;
          worst = Math.max(worst, Math.abs(approximateLog2(x) - Math.log2(x)));
        }
      }
    }
    expect(worst).toBeGreaterThan(APPROXIMATE_LOG2_ERROR / 2); // the bound is not loose by orders
    expect(worst).toBeLessThanOrEqual(APPROXIMATE_LOG2_ERROR);
    const window = logWindow(1e-3)!;
    expect(window.above).toBeLessThan(Math.log2(1 + 1e-3) - APPROXIMATE_LOG2_ERROR);
    expect(window.below).toBeGreaterThan(Math.log2(1 - 1e-3) + APPROXIMATE_LOG2_ERROR);
    expect(logWindow(0.6)).toBeUndefined();
    expect(logWindow(1e-7)).toBeUndefined(); // narrower than the approximation's error: always checked
  });

  it('read indices of every octave, raw bits inlined (≤ 24) and through the bit reader (> 24), in any mix', () => {
    // Linear, constant prediction 0, a step of 2e-6: |Q| from 0 to ~5 × 10^8 (octaves up to 28), small
    // and huge alternating at random so that the hot loop's inlined reads and the bit reader's hand over
    // their state both ways. One desynchronized bit would put values out of bound or fail finish().
    const n = 3000;
    const wide = Float64Array.from({ length: n }, () => {
      const sign = random() < 0.5 ? -1 : 1;
      return sign * (random() < 0.5 ? random() * 1e-3 : 10 ** (random() * 3));
    });
    const p = { ...params('rans', { name: 'constant', value: 0 }), step: 2e-6 };
    const tolerance = { absolute: 1e-6, relative: 0 };
    const { residuals, exceptions } = encodeQuantizedStream(wide, [n], 'float64', p, tolerance);
    expect(exceptions.positions.length).toBe(0);
    const back = decodeQuantizedStream(
      residuals,
      exceptions,
      [n],
      'float64',
      p,
      'section "residuals"',
    ) as Float64Array;
    let beyond24 = 0;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(back[i]! - wide[i]!)).toBeLessThanOrEqual(1e-6);
      if (Math.abs(wide[i]!) / 2e-6 >= 2 ** 25) beyond24++;
    }
    expect(beyond24).toBeGreaterThan(n / 10);
  });

  it('compute 2^(c + Q × step) once per index to the same bits as canonicalExp2 of every value', () => {
    // Indices that repeat (a span ≤ 2n: computed once each, in kept scratch or, beyond 2^20 indices, in
    // scratch of their own) and indices spread too far (the direct loop), with zeros (signs 1) and
    // negatives (signs 2) among them.
    for (const [n, spread] of [
      [2000, 300],
      [2000, 1_000_000],
      [600_000, 1_100_000],
    ] as const) {
      const quantized = Int32Array.from({ length: n }, () => Math.round((random() - 0.5) * spread));
      const signs = Uint8Array.from({ length: n }, () => (random() < 0.1 ? 1 : random() < 0.5 ? 2 : 0));
      const c = -3.217;
      const step = 2 * Math.log2(1 + 1e-3);
      const working = new Float64Array(n);
      exp2OfIndices(working, quantized, signs, n, c, step);
      for (let i = 0; i < n; i++) {
        const expected =
          signs[i] === 1 ? 0 : (signs[i] === 2 ? -1 : 1) * canonicalExp2(c + quantized[i]! * step);
        if (!Object.is(working[i], expected))
          throw new Error(`n ${n}, value ${i}: ${working[i]} ≠ ${expected}`);
      }
    }
  });

  it('refuse a rANS stream that codes a value in a context it has no table for', () => {
    // Coded with a constant predictor, every value in context 0; read as Lorenzo, values fall into
    // other contexts, which the stream has no tables for: MalformedSection, never made-up values.
    const tolerance = { absolute: 1e-3, relative: 0 };
    const constant = params('rans', { name: 'constant', value: 0 });
    const { residuals, exceptions } = encodeQuantizedStream(values, shape, 'float64', constant, tolerance);
    const lorenzo = params('rans', { name: 'lorenzo' });
    try {
      decodeQuantizedStream(residuals, exceptions, shape, 'float64', lorenzo, 'section "residuals"');
    } catch (error) {
      expect((error as BalerError)._tag).toBe('MalformedSection');
      expect((error as Error).message).toMatch(/context without a table/);
      return;
    }
    throw new Error('decoded a stream whose contexts have no tables');
  });
});
