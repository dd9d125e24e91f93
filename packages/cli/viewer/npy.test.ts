import type { Table } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { fieldToNpy, tableToNpy } from './npy.ts';

function header(bytes: Uint8Array): { text: string; dataStart: number } {
  const length = bytes[8]! | (bytes[9]! << 8);
  return { text: new TextDecoder('latin1').decode(bytes.subarray(10, 10 + length)), dataStart: 10 + length };
}

describe('.npy writing', () => {
  it('writes a field block with its dtype and shape, header padded to 64 bytes', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 4);
    const bytes = fieldToNpy(data, 'float32', [2, 3, 4]);
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const { text, dataStart } = header(bytes);
    expect(dataStart % 64).toBe(0);
    expect(text.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }");
    expect(text.endsWith('\n')).toBe(true);
    expect(new Float32Array(bytes.slice(dataStart).buffer)).toEqual(data);
  });

  it('writes table rows as a structured array, text as fixed-width UTF-32 and names escaped', () => {
    const table: Table = {
      kind: 'table',
      rowCount: 2,
      columns: [
        { name: "p'T", dtype: 'float64', data: Float64Array.of(1.5, -2) },
        { name: 'n', dtype: 'int16', data: Int16Array.of(7, -8) },
        { name: 'label', dtype: 'string', data: ['ab', 'é'] },
        { name: 'µ', dtype: 'uint8', data: Uint8Array.of(1, 255) },
      ],
      attributes: {},
    };
    const bytes = tableToNpy(table);
    const { text, dataStart } = header(bytes);
    expect(text).toContain(
      "'descr': [('p\\'T', '<f8'), ('n', '<i2'), ('label', '<U2'), ('\\u00b5', '|u1')], 'fortran_order': False, 'shape': (2,),",
    );
    const view = new DataView(bytes.buffer, dataStart);
    const rowBytes = 8 + 2 + 8 + 1;
    expect(bytes.length - dataStart).toBe(2 * rowBytes);
    expect(view.getFloat64(rowBytes, true)).toBe(-2);
    expect(view.getInt16(rowBytes + 8, true)).toBe(-8);
    expect(view.getUint32(rowBytes + 10, true)).toBe(0xe9);
    expect(view.getUint32(rowBytes + 14, true)).toBe(0); // 'é' padded to two characters
    expect(view.getUint8(rowBytes + 18)).toBe(255);
  });
});
