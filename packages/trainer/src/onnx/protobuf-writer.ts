// A minimal Protocol Buffers wire-format writer: just what the ONNX exporter needs (varints, strings,
// bytes, fixed32 floats and nested messages). Fields are written in the order given, so the bytes are a
// deterministic function of the call sequence.

import { concatBytes } from '@baler/format';

const utf8 = new TextEncoder();

/** Builds one message. Nested messages are built with their own writer and added with {@link message}. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  /** An unsigned integer (int32/int64/enum ≥ 0) as a varint. */
  varint(field: number, value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`varint ${value} is not a safe integer ≥ 0`);
    this.key(field, 0);
    this.pushVarint(value);
    return this;
  }

  /** A float32 (wire type fixed32, little-endian). */
  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.flush();
    this.append(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Length-delimited bytes (also used for packed repeated fields). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.pushVarint(value.length);
    this.flush();
    this.append(value);
    return this;
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flush();
    if (this.parts.length === 1) return this.parts[0]!;
    return concatBytes(this.parts, this.length);
  }

  private key(field: number, wire: number): void {
    this.pushVarint(field * 8 + wire);
  }

  private pushVarint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.scratch.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.scratch.push(v);
  }

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.append(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private append(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
}
