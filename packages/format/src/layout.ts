// Byte layout of a .baler file (SPEC.md §2–§4): header, section payloads, section table, footer.
// All integers are little-endian. Structures here are fixed-size so they can be checked before use.
import { crc32 } from './crc32.ts';
import { formatErrors } from './errors.ts';

export const MAGIC = Uint8Array.of(0x89, 0x42, 0x41, 0x4c, 0x45, 0x52, 0x0d, 0x0a); // \x89BALER\r\n
export const END_MAGIC = Uint8Array.of(0x42, 0x41, 0x4c, 0x45); // BALE
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 3;

export const HEADER_SIZE = 16;
export const FOOTER_SIZE = 32;
export const ENTRY_SIZE = 40;
/** A chunk or stream field with this value means "not tied to a chunk / stream". */
export const NONE = 0xffffffff;

export const SECTION_KIND = {
  metadata: 1,
  chunkIndex: 2,
  model: 3,
  latents: 4,
  residuals: 5,
  exact: 6,
  exceptions: 7,
} as const;

export type SectionKind = (typeof SECTION_KIND)[keyof typeof SECTION_KIND];

export const SECTION_KIND_NAMES: Record<number, string> = {
  1: 'metadata',
  2: 'chunk-index',
  3: 'model',
  4: 'latents',
  5: 'residuals',
  6: 'exact',
  7: 'exceptions',
};

/** Kinds at or above this value may be skipped by readers that do not know them (SPEC.md §4). */
export const OPTIONAL_KIND_BASE = 0x8000;

/** Reader limits: nothing is allocated from a declared size above these. */
export const LIMITS = {
  maxSections: 1 << 24,
  maxSectionBytes: 1 << 30,
  maxMetadataBytes: 64 << 20,
  maxRank: 32,
};

export interface SectionEntry {
  kind: number;
  codec: number;
  chunk: number;
  stream: number;
  crc: number;
  offset: number;
  storedLength: number;
  decodedLength: number;
}

export interface Footer {
  tableOffset: number;
  sectionCount: number;
  tableCrc: number;
  fileLength: number;
}

export function sectionLabel(entry: Pick<SectionEntry, 'kind' | 'chunk' | 'stream'>): string {
  const name = SECTION_KIND_NAMES[entry.kind] ?? `kind ${entry.kind}`;
  const chunk = entry.chunk === NONE ? '' : ` chunk ${entry.chunk}`;
  const stream = entry.stream === NONE ? '' : ` stream ${entry.stream}`;
  return `section "${name}"${chunk}${stream}`;
}

export function encodeHeader(): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(8, FORMAT_MAJOR, true);
  view.setUint16(10, FORMAT_MINOR, true);
  view.setUint32(12, crc32(bytes.subarray(0, 12)), true);
  return bytes;
}

/** Checks the 16-byte header and returns the format version it declares. */
export function decodeHeader(bytes: Uint8Array, fileLength: number): { major: number; minor: number } {
  if (bytes.length < HEADER_SIZE) throw formatErrors.truncated('the header', HEADER_SIZE, fileLength);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw formatErrors.badMagic('header', bytes.subarray(0, MAGIC.length));
  }
  const view = view_(bytes);
  const stored = view.getUint32(12, true);
  const computed = crc32(bytes.subarray(0, 12));
  if (stored !== computed) throw formatErrors.checksum('header', stored, computed);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major !== FORMAT_MAJOR) throw formatErrors.unsupportedVersion(major, minor, FORMAT_MAJOR);
  return { major, minor };
}

export function encodeFooter(footer: Footer): Uint8Array {
  const bytes = new Uint8Array(FOOTER_SIZE);
  const view = new DataView(bytes.buffer);
  setUint64(view, 0, footer.tableOffset);
  view.setUint32(8, footer.sectionCount, true);
  view.setUint32(12, footer.tableCrc, true);
  setUint64(view, 16, footer.fileLength);
  view.setUint32(24, crc32(bytes.subarray(0, 24)), true);
  bytes.set(END_MAGIC, 28);
  return bytes;
}

/** Checks the 32-byte footer against the file's real length. */
export function decodeFooter(bytes: Uint8Array, fileLength: number): Footer {
  const minimum = HEADER_SIZE + FOOTER_SIZE;
  if (fileLength < minimum) throw formatErrors.truncated('header and footer', minimum, fileLength);
  for (let i = 0; i < END_MAGIC.length; i++) {
    if (bytes[28 + i] !== END_MAGIC[i]) throw formatErrors.badMagic('footer', bytes.subarray(28, 32));
  }
  const view = view_(bytes);
  const stored = view.getUint32(24, true);
  const computed = crc32(bytes.subarray(0, 24));
  if (stored !== computed) throw formatErrors.checksum('footer', stored, computed);
  const declaredLength = getUint64(view, 16, 'the file length in the footer');
  if (declaredLength !== fileLength) {
    if (declaredLength > fileLength) throw formatErrors.truncated('the file', declaredLength, fileLength);
    throw formatErrors.outOfRange(
      'the file length declared in the footer',
      declaredLength,
      fileLength,
      fileLength,
    );
  }
  const sectionCount = view.getUint32(8, true);
  if (sectionCount > LIMITS.maxSections) {
    throw formatErrors.absurdSize('the section count', sectionCount, LIMITS.maxSections);
  }
  const tableOffset = getUint64(view, 0, 'the section table offset');
  const expectedOffset = fileLength - FOOTER_SIZE - sectionCount * ENTRY_SIZE;
  if (tableOffset !== expectedOffset || tableOffset < HEADER_SIZE) {
    throw formatErrors.outOfRange(
      'the section table offset',
      tableOffset,
      HEADER_SIZE,
      Math.max(HEADER_SIZE, expectedOffset),
    );
  }
  return { tableOffset, sectionCount, tableCrc: view.getUint32(12, true), fileLength };
}

export function encodeTable(entries: readonly SectionEntry[]): Uint8Array {
  const bytes = new Uint8Array(entries.length * ENTRY_SIZE);
  const view = new DataView(bytes.buffer);
  entries.forEach((entry, i) => {
    const at = i * ENTRY_SIZE;
    view.setUint16(at, entry.kind, true);
    view.setUint16(at + 2, entry.codec, true);
    view.setUint32(at + 4, entry.chunk, true);
    view.setUint32(at + 8, entry.stream, true);
    view.setUint32(at + 12, entry.crc, true);
    setUint64(view, at + 16, entry.offset);
    setUint64(view, at + 24, entry.storedLength);
    setUint64(view, at + 32, entry.decodedLength);
  });
  return bytes;
}

/** Decodes and checks the section table: payloads lie between header and table, in order, disjoint. */
export function decodeTable(bytes: Uint8Array, footer: Footer): SectionEntry[] {
  const computed = crc32(bytes);
  if (computed !== footer.tableCrc) throw formatErrors.checksum('section table', footer.tableCrc, computed);
  const view = view_(bytes);
  const entries: SectionEntry[] = [];
  let previousEnd = HEADER_SIZE;
  for (let i = 0; i < footer.sectionCount; i++) {
    const at = i * ENTRY_SIZE;
    const entry: SectionEntry = {
      kind: view.getUint16(at, true),
      codec: view.getUint16(at + 2, true),
      chunk: view.getUint32(at + 4, true),
      stream: view.getUint32(at + 8, true),
      crc: view.getUint32(at + 12, true),
      offset: getUint64(view, at + 16, `the offset of section ${i}`),
      storedLength: getUint64(view, at + 24, `the stored length of section ${i}`),
      decodedLength: getUint64(view, at + 32, `the decoded length of section ${i}`),
    };
    const label = sectionLabel(entry);
    if (entry.offset < previousEnd || entry.offset > footer.tableOffset) {
      throw formatErrors.outOfRange(`the offset of ${label}`, entry.offset, previousEnd, footer.tableOffset);
    }
    const room = footer.tableOffset - entry.offset;
    if (entry.storedLength > room) {
      throw formatErrors.outOfRange(`the stored length of ${label}`, entry.storedLength, 0, room);
    }
    const limit = entry.kind === 1 ? LIMITS.maxMetadataBytes : LIMITS.maxSectionBytes;
    if (entry.decodedLength > limit)
      throw formatErrors.absurdSize(`${label} (decoded)`, entry.decodedLength, limit);
    previousEnd = entry.offset + entry.storedLength;
    entries.push(entry);
  }
  return entries;
}

function view_(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a u64 as a JS number; values past 2^53 are never valid offsets or lengths. */
export function getUint64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw formatErrors.outOfRange(what, Number(value), 0, Number.MAX_SAFE_INTEGER);
  }
  return Number(value);
}

export function setUint64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}
