// A minimal Protocol Buffers wire-format reader for the ONNX subset of SPEC.md §11: it walks the fields
// of one message without a schema and never allocates from a declared length (every length is checked
// against the bytes actually present first). Problems end in the caller's typed error.

/** Wire types of the protobuf encoding. Groups (3, 4) are obsolete and rejected. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

export interface ProtoField {
  field: number;
  wire: number;
  /** The value of a varint field when it is at most 2^53 − 1, else −1 (no valid ONNX count or enum). */
  varint: number;
  /** Payload range of a length-delimited, fixed32 or fixed64 field, relative to the message's bytes. */
  start: number;
  end: number;
}

/** Reads the fields of one message. `fail(reason)` must throw; it is called on malformed bytes. */
export function readFields(bytes: Uint8Array, fail: (reason: string) => never): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      if (pos >= bytes.length) fail('a protobuf varint runs past the end of its message');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value <= Number.MAX_SAFE_INTEGER ? value : -1;
    }
    return fail('a protobuf varint is longer than 10 bytes');
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (key < 0 || field < 1 || field > 0x1fffffff) fail(`invalid protobuf field number in key ${key}`);
    let value = 0;
    let start = pos;
    switch (wire) {
      case WIRE.varint:
        value = varint();
        break;
      case WIRE.fixed64:
        pos += 8;
        break;
      case WIRE.fixed32:
        pos += 4;
        break;
      case WIRE.bytes: {
        const length = varint();
        start = pos;
        if (length < 0 || length > bytes.length - pos) {
          fail(`field ${field} declares ${length} bytes but only ${bytes.length - pos} remain`);
        }
        pos += length;
        break;
      }
      default:
        fail(`field ${field} has unsupported protobuf wire type ${wire}`);
    }
    if (pos > bytes.length) fail(`field ${field} runs past the end of its message`);
    fields.push({ field, wire, varint: value, start, end: pos });
  }
  return fields;
}

/** Reads a packed run of varints (a `repeated int64` field stored packed). */
export function readPackedVarints(bytes: Uint8Array, fail: (reason: string) => never): number[] {
  const values: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let value = 0;
    let scale = 1;
    for (let k = 0; ; k++) {
      if (k === 10) fail('a packed protobuf varint is longer than 10 bytes');
      if (pos >= bytes.length) fail('a packed protobuf varint runs past the end of its field');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    values.push(value <= Number.MAX_SAFE_INTEGER ? value : -1);
  }
  return values;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a string field's UTF-8 bytes; invalid UTF-8 is malformed. */
export function readString(bytes: Uint8Array, fail: (reason: string) => never): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return fail('a protobuf string is not valid UTF-8');
  }
}
