// Byte codecs of section payloads, keyed by the id stored in the section table.
// Deflate comes from fflate: pure JS, synchronous, deterministic at a fixed level on every platform
// (the writer's bytes must not depend on the machine), and its inflater costs ~3 KB in the decoder.
import { type DeflateOptions, deflateSync, inflateSync } from 'fflate';
import { formatErrors } from './errors.ts';

export const CODEC = {
  /** Bytes stored as they are. */
  raw: 0,
  /** Raw DEFLATE (RFC 1951, no zlib or gzip wrapper). */
  deflate: 1,
  /** One byte giving the element size w (1..16), then raw DEFLATE of the byte-shuffled payload. */
  shuffleDeflate: 2,
} as const;

export type CodecId = (typeof CODEC)[keyof typeof CODEC];

export const CODEC_NAMES: Record<number, string> = { 0: 'raw', 1: 'deflate', 2: 'shuffle-deflate' };

/** DEFLATE never expands its input more than this (RFC 1951 stored blocks bound the other way). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Level 9, with a hash table that fits the input: fflate's `mem` m allocates and clears tables of 2^(12+m)
 * entries on every call, which for a few KB of metadata (every file) costs more than compressing it;
 * both settings are fixed, so the same bytes always deflate the same way.
 */
function deflateOptions(length: number): DeflateOptions {
  return { level: 9, mem: length < 65536 ? 2 : 8 };
}

/** Encodes `bytes` with the codec; `elementSize` is the value width for shuffle-deflate. */
export function encodeBytes(codec: CodecId, bytes: Uint8Array, elementSize = 1): Uint8Array {
  switch (codec) {
    case CODEC.raw:
      return bytes;
    case CODEC.deflate:
      return deflateSync(bytes, deflateOptions(bytes.length));
    case CODEC.shuffleDeflate: {
      const shuffled = shuffleBytes(bytes, elementSize);
      const packed = deflateSync(shuffled, deflateOptions(shuffled.length));
      const out = new Uint8Array(packed.length + 1);
      out[0] = elementSize;
      out.set(packed, 1);
      return out;
    }
  }
}

/**
 * Decodes a section payload. `decodedLength` comes from the section table and has been checked
 * against the reader's limits; the output must have exactly that length.
 */
export function decodeBytes(
  codec: number,
  stored: Uint8Array,
  decodedLength: number,
  section: string,
): Uint8Array {
  switch (codec) {
    case CODEC.raw:
      if (stored.length !== decodedLength) {
        throw formatErrors.malformedSection(
          section,
          `raw payload holds ${stored.length} bytes but the table says ${decodedLength}`,
        );
      }
      return stored;
    case CODEC.deflate:
      return inflateExactly(stored, decodedLength, section);
    case CODEC.shuffleDeflate: {
      if (stored.length < 1) throw formatErrors.malformedSection(section, 'shuffle-deflate payload is empty');
      const elementSize = stored[0]!;
      if (elementSize < 1 || elementSize > 16 || decodedLength % elementSize !== 0) {
        throw formatErrors.malformedSection(
          section,
          `shuffle element size ${elementSize} does not divide the decoded length ${decodedLength}`,
        );
      }
      return unshuffleBytes(inflateExactly(stored.subarray(1), decodedLength, section), elementSize);
    }
    default:
      throw formatErrors.unknownCodec(section, codec);
  }
}

/** Checks the stored/decoded lengths a codec can possibly produce, before anything is allocated. */
export function checkCodecLengths(
  codec: number,
  storedLength: number,
  decodedLength: number,
  section: string,
): void {
  if (codec === CODEC.raw && storedLength !== decodedLength) {
    throw formatErrors.malformedSection(
      section,
      `raw section stores ${storedLength} bytes but decodes to ${decodedLength}`,
    );
  }
  if (
    (codec === CODEC.deflate || codec === CODEC.shuffleDeflate) &&
    decodedLength > storedLength * MAX_DEFLATE_RATIO
  ) {
    throw formatErrors.malformedSection(
      section,
      `${storedLength} deflated bytes cannot expand to the declared ${decodedLength}`,
    );
  }
  if (!(codec in CODEC_NAMES)) throw formatErrors.unknownCodec(section, codec);
}

function inflateExactly(stored: Uint8Array, decodedLength: number, section: string): Uint8Array {
  // Inflate into a buffer one byte larger than declared so that an overlong stream is detected.
  const out = new Uint8Array(decodedLength + 1);
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(stored, { out });
  } catch (error) {
    throw formatErrors.malformedSection(section, `invalid deflate stream (${(error as Error).message})`);
  }
  if (inflated.length !== decodedLength) {
    throw formatErrors.malformedSection(
      section,
      `deflate stream decodes to ${inflated.length} bytes but the table says ${decodedLength}`,
    );
  }
  return inflated.buffer === out.buffer ? out.subarray(0, decodedLength) : inflated;
}

/** Byte shuffle: all first bytes of the values, then all second bytes, ... (as in HDF5/Blosc). */
export function shuffleBytes(bytes: Uint8Array, elementSize: number): Uint8Array {
  if (elementSize <= 1) return bytes.slice();
  const count = Math.floor(bytes.length / elementSize);
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < elementSize; b++) {
    const base = b * count;
    for (let i = 0; i < count; i++) out[base + i] = bytes[i * elementSize + b]!;
  }
  out.set(bytes.subarray(count * elementSize), count * elementSize);
  return out;
}

export function unshuffleBytes(bytes: Uint8Array, elementSize: number): Uint8Array {
  if (elementSize <= 1) return bytes;
  const count = Math.floor(bytes.length / elementSize);
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < elementSize; b++) {
    const base = b * count;
    for (let i = 0; i < count; i++) out[i * elementSize + b] = bytes[base + i]!;
  }
  out.set(bytes.subarray(count * elementSize), count * elementSize);
  return out;
}
