import { describe, expect, it } from 'vitest';
import type { BalerError } from '../errors.ts';
import { seededRandom } from '../testing.ts';
import type { QuantizerParams } from './stream-codec.ts';
import { decodeQuantizedStream, encodeQuantizedStream } from './stream-codec.ts';

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

  it('decode the log domain (zeros, signs, exceptions, large indices) within the bound with either coder', () => {
    // Checked at the stream, below the writer's safe path: a decoder bug here cannot hide behind a
    // fallback to exact storage.
    const logValues = Float64Array.from({ length: 2000 }, (_, i) => {
      if (i % 97 === 0) return 0;
      if (i % 331 === 0) return Number.NaN;
      if (i % 401 === 0) return -0;
      const sign = random() < 0.5 ? -1 : 1;
      return sign * 2 ** ((random() - 0.5) * 60);
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
        logValues.filter((v) => Number.isNaN(v) || Object.is(v, -0)).length,
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
      if (Number.isNaN(v) || v === 0)
        expect(Object.is(back, v) || (Number.isNaN(v) && Number.isNaN(back))).toBe(true);
      else expect(Math.abs(back - v)).toBeLessThanOrEqual(1e-3 * Math.abs(v));
    });
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
