// NumPy .npy files (format 1.0) written in the browser, for the viewer's downloads: a field block as one
// array, table rows as a structured array whose fields are the columns in their own dtypes.
import type { DType, NumericArray, Table } from '@baler/format';

const DESCR: Record<Exclude<DType, 'string'>, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
};

/** A .npy file of `data` (C order) with `shape`. */
export function fieldToNpy(data: NumericArray, dtype: Exclude<DType, 'string'>, shape: number[]): Uint8Array {
  const header = npyHeader(`'${DESCR[dtype]}'`, shape);
  const body = littleEndianBytes(data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** A .npy file of the table's rows as a structured array; text columns become fixed-width unicode ('<U'). */
export function tableToNpy(table: Table): Uint8Array {
  const fields = table.columns.map((column) => {
    if (column.dtype !== 'string') {
      const data = column.data as NumericArray;
      return { column, descr: DESCR[column.dtype], size: data.BYTES_PER_ELEMENT, chars: 0 };
    }
    const chars = Math.max(1, ...(column.data as string[]).map((s) => [...s].length));
    return { column, descr: `<U${chars}`, size: 4 * chars, chars };
  });
  const descr = `[${fields.map((f) => `(${pythonString(f.column.name)}, '${f.descr}')`).join(', ')}]`;
  const header = npyHeader(descr, [table.rowCount]);
  const rowBytes = fields.reduce((n, f) => n + f.size, 0);
  const out = new Uint8Array(header.length + rowBytes * table.rowCount);
  out.set(header);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const field of fields) {
    const base = header.length + offset;
    if (field.chars > 0) {
      const texts = field.column.data as string[];
      texts.forEach((text, row) => {
        let at = base + row * rowBytes;
        for (const char of text) {
          view.setUint32(at, char.codePointAt(0)!, true);
          at += 4;
        }
      });
    } else {
      const bytes = littleEndianBytes(field.column.data as NumericArray);
      for (let row = 0; row < table.rowCount; row++)
        out.set(bytes.subarray(row * field.size, (row + 1) * field.size), base + row * rowBytes);
    }
    offset += field.size;
  }
  return out;
}

function npyHeader(descr: string, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let text = `{'descr': ${descr}, 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + text.length + 1) / 64) * 64;
  text = `${text.padEnd(total - 10 - 1)}\n`;
  if (text.length > 0xffff) throw new Error('too many columns for a .npy 1.0 header; download CSV instead');
  const out = new Uint8Array(total);
  out.set([
    0x93,
    ...'NUMPY'.split('').map((c) => c.charCodeAt(0)),
    1,
    0,
    text.length & 0xff,
    text.length >> 8,
  ]);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

/** A Python string literal in ASCII (the .npy 1.0 header is latin-1); non-ASCII as \uXXXX escapes. */
function pythonString(text: string): string {
  let out = "'";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "'" || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/** The array's bytes in little-endian order, whatever the platform's order. */
function littleEndianBytes(data: NumericArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += width)
    for (let b = 0; b < width; b++) out[i + b] = bytes[i + width - 1 - b]!;
  return out;
}
