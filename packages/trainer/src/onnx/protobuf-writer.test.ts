import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf-writer.ts';

describe('ProtoWriter', () => {
  it('writes the protobuf wire format', () => {
    // Examples from the protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
    expect(new ProtoWriter().varint(1, 150).finish()).toEqual(Uint8Array.of(0x08, 0x96, 0x01));
    expect(new ProtoWriter().string(2, 'testing').finish()).toEqual(
      Uint8Array.of(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67),
    );
    expect(new ProtoWriter().float(2, 1).finish()).toEqual(Uint8Array.of(0x15, 0x00, 0x00, 0x80, 0x3f));
    expect(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish()).toEqual(
      Uint8Array.of(0x1a, 0x03, 0x08, 0x96, 0x01),
    );
    expect(new ProtoWriter().varint(1, 2 ** 53 - 1).finish()).toEqual(
      Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f),
    );
    expect(new ProtoWriter().finish()).toEqual(new Uint8Array(0));
  });

  it('refuses values it cannot encode exactly', () => {
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1, 2 ** 53)).toThrow(RangeError);
  });
});
