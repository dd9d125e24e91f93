import { describe, expect, it } from 'vitest';
import { isDataInputError } from './errors.ts';
import { fieldToNpy, npyToField, parseNpy, serializeNpy } from './npy.ts';
import {
  expectSameBits,
  float32EdgeValues,
  float64EdgeValues,
  INTEGER_DTYPES,
  integerEdgeValues,
} from './test-support.ts';

/** A .npy file built by hand, as numpy would write it: header text padded to 64 bytes, then `body`. */
function npyFile(header: string, body: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  out.set(new TextEncoder().encode(header.padEnd(total - prefix - 1, ' ')), prefix);
  out[total - 1] = 0x0a;
  out.set(body, total);
  return out;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('serializeNpy / parseNpy', () => {
  it('round-trips float64 and float32 edge values bit for bit', () => {
    for (const values of [float64EdgeValues(), float32EdgeValues()]) {
      const parsed = parseNpy(serializeNpy(values, [values.length]));
      expect(parsed.shape).toEqual([values.length]);
      expectSameBits(parsed.data as Float64Array, values);
    }
  });

  it.each(INTEGER_DTYPES)('round-trips %s extremes', (dtype) => {
    const values = integerEdgeValues(dtype);
    const parsed = parseNpy(serializeNpy(values, [1, values.length]));
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.shape).toEqual([1, values.length]);
    expectSameBits(parsed.data as typeof values, values);
  });

  it('writes the header numpy writes: version 1.0, 64-byte aligned, Python tuple syntax', () => {
    const bytes = serializeNpy(new Float64Array(6), [2, 3]);
    expect(bytes[6]).toBe(1);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header.trimEnd()).toBe("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith('\n')).toBe(true);
    expect(bytes.length).toBe(10 + headerLength + 48);
    const oneD = new TextDecoder().decode(serializeNpy(Uint8Array.of(1), [1]).subarray(10, 64));
    expect(oneD).toContain("'descr': '|u1'");
    expect(oneD).toContain("'shape': (1,)");
  });

  it('switches to version 2.0 when the header does not fit in 64 KiB', () => {
    const shape = Array.from({ length: 30000 }, () => 1);
    const bytes = serializeNpy(Float64Array.of(2.5), shape);
    expect(bytes[6]).toBe(2);
    const parsed = parseNpy(bytes);
    expect(parsed.shape).toEqual(shape);
    expect(Array.from(parsed.data as Float64Array)).toEqual([2.5]);
  });

  it('round-trips text as <U (UTF-32), including characters outside the BMP', () => {
    const names = ['B_FlightDistance', 'ä', '😀x', ''];
    const bytes = serializeNpy(names, [4]);
    expect(new TextDecoder().decode(bytes.subarray(0, 64))).toContain("'descr': '<U16'");
    expect(parseNpy(bytes)).toEqual({ dtype: 'string', shape: [4], data: names });
  });

  it('reads a 0-d scalar with shape ()', () => {
    const parsed = parseNpy(serializeNpy(Float64Array.of(-0), []));
    expect(parsed.shape).toEqual([]);
    expect(Object.is((parsed.data as Float64Array)[0], -0)).toBe(true);
  });

  it('reads from a Node Buffer that is a view into a larger pool', () => {
    const file = serializeNpy(float64EdgeValues(), [12]);
    const pool = Buffer.alloc(file.length + 24);
    pool.set(file, 8);
    expectSameBits(parseNpy(pool.subarray(8, 8 + file.length)).data as Float64Array, float64EdgeValues());
  });

  it('refuses a shape that does not match the array', () => {
    expect(() => serializeNpy(new Float64Array(5), [2, 3])).toThrow(RangeError);
  });
});

describe('parseNpy of files written elsewhere', () => {
  it('reads big-endian dtypes', () => {
    const body = new Uint8Array(16);
    const view = new DataView(body.buffer);
    view.setFloat64(0, -0, false);
    view.setFloat64(8, 1.25, false);
    const f8 = parseNpy(npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", body));
    expect(f8.dtype).toBe('float64');
    expect(Object.is((f8.data as Float64Array)[0], -0)).toBe(true);
    expect((f8.data as Float64Array)[1]).toBe(1.25);

    const i2 = parseNpy(
      npyFile("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", Uint8Array.of(0xff, 0xfe, 0, 7)),
    );
    expect(Array.from(i2.data as Int16Array)).toEqual([-2, 7]);

    const u = new Uint8Array(8);
    new DataView(u.buffer).setUint32(0, 0x1f600, false); // 😀
    new DataView(u.buffer).setUint32(4, 0x61, false);
    expect(parseNpy(npyFile("{'descr': '>U2', 'fortran_order': False, 'shape': (1,), }", u)).data).toEqual([
      '😀a',
    ]);
  });

  it('reads bool as uint8 and |S byte strings as text', () => {
    const bools = parseNpy(
      npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.of(1, 0, 1)),
    );
    expect(bools.dtype).toBe('uint8');
    expect(Array.from(bools.data as Uint8Array)).toEqual([1, 0, 1]);
    const bytes = new TextEncoder().encode('ab\0\0cde\0');
    expect(
      parseNpy(npyFile("{'descr': '|S4', 'fortran_order': False, 'shape': (2,), }", bytes)).data,
    ).toEqual(['ab', 'cde']);
  });

  it('transposes fortran_order arrays into C order', () => {
    // C-order [[1, 2, 3], [4, 5, 6]] stored column by column.
    const body = bytesOf(Float32Array.of(1, 4, 2, 5, 3, 6));
    const parsed = parseNpy(npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", body));
    expect(parsed.shape).toEqual([2, 3]);
    expect(Array.from(parsed.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);

    // 3-D: element (i, j, k) of shape (2, 3, 4) holds 100i + 10j + k.
    const fortran = new Int32Array(24);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const cube = parseNpy(
      npyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", bytesOf(fortran)),
    );
    const expected = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
    expect(Array.from(cube.data as Int32Array)).toEqual(expected);
  });

  it('reads versions 2.0 and 3.0 headers', () => {
    const body = bytesOf(Float64Array.of(1, 2));
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    for (const version of [2, 3]) {
      expect(Array.from(parseNpy(npyFile(header, body, version)).data as Float64Array)).toEqual([1, 2]);
    }
  });

  it('explains what is wrong with unreadable input', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [new TextEncoder().encode('x,y\n1,2\n'), /not a \.npy file/],
      [npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(8)), /truncated/],
      [
        npyFile("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)),
        /dtype <c16.*supported/,
      ],
      [npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /dtype \|O/],
      [
        npyFile("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
        /structured/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const error = thrown(() => parseNpy(bytes, 'x.npy'));
      expect(isDataInputError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.startsWith('x.npy: ')).toBe(true);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('npyToField / fieldToNpy', () => {
  it('gives a scalar shape [1] and refuses text arrays', () => {
    expect(npyToField(serializeNpy(Int16Array.of(3), []), 'a.npy').shape).toEqual([1]);
    expect(() => npyToField(serializeNpy(['a'], [1]), 'a.npy')).toThrow(/holds text/);
  });

  it('refuses tables, whose names .npy cannot keep', () => {
    const table = { kind: 'table' as const, rowCount: 0, columns: [], attributes: {} };
    expect(() => fieldToNpy(table, 'out.npy')).toThrow(/write the table as \.npz/i);
  });
});
