import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBalerError } from '../errors.ts';
import { seededRandom } from '../testing.ts';
import { parseDenseOnnx } from './onnx.ts';

// Structural rejections (other operators, data types, graphs) are tested in @baler/trainer, which has the
// protobuf writer to build them; here: the committed fixture, its damaged copies and raw protobuf faults.
const FIXTURE = new Uint8Array(readFileSync(new URL('testdata/tiny-decoder.onnx', import.meta.url)));

function tagOf(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (isBalerError(error)) return error._tag;
    throw error; // anything else is a crash: the test fails with it
  }
}

describe('parseDenseOnnx', () => {
  it('reads the committed tiny decoder', () => {
    const network = parseDenseOnnx(FIXTURE);
    expect(network.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [3, 5, 'leaky-relu'],
      [5, 4, 'tanh'],
      [4, 4, 'sigmoid'],
      [4, 2, 'linear'],
    ]);
    expect(network.layers[0]!.alpha).toBe(Math.fround(0.2));
    expect(Object.is(network.layers[0]!.weight[1], -0)).toBe(true);
    expect(network.layers[0]!.weight[2]).toBe(Math.fround(1e-40));
  });

  it('reads bytes that are a view into a larger buffer', () => {
    const padded = new Uint8Array(FIXTURE.length + 7);
    padded.set(FIXTURE, 3);
    expect(parseDenseOnnx(padded.subarray(3, 3 + FIXTURE.length))).toEqual(parseDenseOnnx(FIXTURE));
  });

  it('rejects non-protobuf bytes with MalformedSection', () => {
    for (const bytes of [
      Uint8Array.of(0x0f), // wire type 7
      Uint8Array.of(0x0b, 0x00), // group (wire type 3)
      Uint8Array.of(0x3a, 0x80), // graph length: varint runs off the end
      Uint8Array.of(0x3a, 0x10, 0x01), // graph declares 16 bytes, 1 present
      Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), // 11-byte varint
      Uint8Array.of(0x00, 0x00), // field number 0
      Uint8Array.of(0x3a, 0x00), // an empty graph, no IR version
    ]) {
      expect(['MalformedSection', 'Unsupported']).toContain(tagOf(() => parseDenseOnnx(bytes)));
    }
    expect(tagOf(() => parseDenseOnnx(new Uint8Array(0)))).toBe('Unsupported'); // IR version absent
    expect(() => parseDenseOnnx(Uint8Array.of(0x3a, 0x10, 0x01))).toThrow(/section "model": ONNX: field 7/);
  });

  it('ends every truncation in a typed error', () => {
    for (let n = 0; n < FIXTURE.length; n++) {
      expect(tagOf(() => parseDenseOnnx(FIXTURE.subarray(0, n)))).not.toBe('ok');
    }
  });

  it('ends 20,000 random corruptions in a typed error or a valid network, never a crash', () => {
    const random = seededRandom(20261124);
    const tags: Record<string, number> = {};
    for (let k = 0; k < 20_000; k++) {
      const bytes = FIXTURE.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * bytes.length);
        if (random() < 0.5) bytes[at]! ^= 1 << Math.floor(random() * 8);
        else bytes[at] = Math.floor(random() * 256);
      }
      const tag = tagOf(() => parseDenseOnnx(bytes));
      tags[tag] = (tags[tag] ?? 0) + 1;
    }
    // Damage in the structure must be caught; damage inside the weights is (rightly) still a network.
    expect(tags.MalformedSection).toBeGreaterThan(5_000);
    expect(tags.ok).toBeGreaterThan(1_000);
    expect(Object.keys(tags).every((t) => ['ok', 'MalformedSection', 'Unsupported'].includes(t))).toBe(true);
  });
});
