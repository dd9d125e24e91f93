// Values a lossy method stores exactly (SPEC.md §7.4): non-finite values, −0, and any value whose
// quantized reconstruction would break the bound. Payload: u32 count, count × u32 positions (strictly
// increasing, within the chunk's stream), then count values in the output dtype, little-endian.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { arrayToLittleEndianBytes, dtypeByteSize, littleEndianBytesToArray } from '../dataset.ts';
import { formatErrors } from '../errors.ts';

export interface Exceptions {
  positions: Uint32Array;
  values: NumericArray;
}

export function encodeExceptions(exceptions: Exceptions): Uint8Array {
  const count = exceptions.positions.length;
  const values = arrayToLittleEndianBytes(exceptions.values);
  const out = new Uint8Array(4 + 4 * count + values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, count, true);
  for (let i = 0; i < count; i++) view.setUint32(4 + 4 * i, exceptions.positions[i]!, true);
  out.set(values, 4 + 4 * count);
  return out;
}

export function decodeExceptions(
  bytes: Uint8Array,
  dtype: NumericDType,
  streamLength: number,
  label: string,
): Exceptions {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw formatErrors.malformedSection(label, 'shorter than its count');
  const count = view.getUint32(0, true);
  const width = dtypeByteSize(dtype);
  if (count > streamLength || bytes.length !== 4 + count * (4 + width)) {
    throw formatErrors.malformedSection(
      label,
      `declares ${count} exceptions but holds ${bytes.length} bytes`,
    );
  }
  const positions = new Uint32Array(count);
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const position = view.getUint32(4 + 4 * i, true);
    if (position <= previous || position >= streamLength) {
      throw formatErrors.malformedSection(
        label,
        `exception position ${position} is out of order or past the chunk's ${streamLength} values`,
      );
    }
    positions[i] = position;
    previous = position;
  }
  return { positions, values: littleEndianBytesToArray(bytes.subarray(4 + 4 * count), dtype) };
}
