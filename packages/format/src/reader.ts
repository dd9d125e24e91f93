// Opens a .baler file from any ByteSource and validates its structure before anything is trusted:
// header, footer, section table, chunk index and metadata, each checked and checksummed (SPEC.md §8).
// Payload sections are read lazily, so a reader of rows a:b fetches only the chunks that hold them.
import type { ChunkGrid } from './chunks.ts';
import { chunkCount, decodeChunkGrid } from './chunks.ts';
import { checkCodecLengths, decodeBytes } from './codecs.ts';
import { crc32 } from './crc32.ts';
import { formatErrors } from './errors.ts';
import type { ByteSource } from './io.ts';
import type { Footer, SectionEntry } from './layout.ts';
import {
  decodeFooter,
  decodeHeader,
  decodeTable,
  ENTRY_SIZE,
  FOOTER_SIZE,
  HEADER_SIZE,
  LIMITS,
  NONE,
  OPTIONAL_KIND_BASE,
  SECTION_KIND,
  SECTION_KIND_NAMES,
  sectionLabel,
} from './layout.ts';
import type { BalerMetadata } from './metadata.ts';
import { decodeMetadata } from './metadata.ts';

/** How much of the file's end the first read fetches: footer and table, and often metadata and index too. */
const TAIL_PROBE = 4096;

export interface BalerFile {
  readonly source: ByteSource;
  readonly version: { major: number; minor: number };
  readonly footer: Footer;
  readonly sections: readonly SectionEntry[];
  readonly metadata: BalerMetadata;
  readonly grid: ChunkGrid;
  readonly chunkCount: number;
}

/** Opens and validates a .baler file; throws a BalerError for anything malformed. */
export async function openBaler(source: ByteSource): Promise<BalerFile> {
  const size = source.size;
  if (!Number.isSafeInteger(size) || size < 0)
    throw formatErrors.outOfRange('the file size', size, 0, Number.MAX_SAFE_INTEGER);
  if (size < HEADER_SIZE) {
    const head = await source.read(0, size);
    decodeHeader(head, size); // reports bad magic before truncation, which is the more useful message
  }
  const tailStart = Math.max(0, size - TAIL_PROBE);
  const [head, tail] = await Promise.all([
    source.read(0, Math.min(HEADER_SIZE, size)),
    source.read(tailStart, size - tailStart),
  ]);
  const version = decodeHeader(head, size);
  const footer = decodeFooter(tail.subarray(tail.length - FOOTER_SIZE), size);
  const tableBytes = await readRange(
    source,
    tail,
    tailStart,
    footer.tableOffset,
    footer.sectionCount * ENTRY_SIZE,
  );
  const sections = decodeTable(tableBytes, footer);

  const metadataEntry = single(sections, SECTION_KIND.metadata);
  const indexEntry = single(sections, SECTION_KIND.chunkIndex);
  // Writers put the chunk index and metadata just before the table: fetch both in one read when the tail missed them.
  const spanStart = Math.min(metadataEntry.offset, indexEntry.offset);
  const spanEnd = Math.max(
    metadataEntry.offset + metadataEntry.storedLength,
    indexEntry.offset + indexEntry.storedLength,
  );
  const adjacent = spanEnd - spanStart <= metadataEntry.storedLength + indexEntry.storedLength + TAIL_PROBE;
  const span = adjacent ? await readRange(source, tail, tailStart, spanStart, spanEnd - spanStart) : tail;
  const cacheStart = adjacent ? spanStart : tailStart;
  const metadata = decodeMetadata(await readSectionFrom(source, metadataEntry, span, cacheStart));
  const grid = decodeChunkGrid(await readSectionFrom(source, indexEntry, span, cacheStart), metadata.shape);
  const chunks = chunkCount(grid);
  if (metadata.kind === 'table' && grid.boundaries[1]!.length !== 2 && metadata.shape[1] > 0) {
    throw formatErrors.malformedSection('section "chunk-index"', 'a table may be chunked by rows only');
  }
  const streams = metadata.kind === 'table' ? metadata.shape[1] : 1;
  const models = sections.filter((e) => e.kind === SECTION_KIND.model).length;
  if (models > 1)
    throw formatErrors.malformedSection('section "model"', `at most one per file, found ${models}`);
  for (const entry of sections) {
    const label = sectionLabel(entry);
    if (entry.kind >= OPTIONAL_KIND_BASE) continue;
    if (!(entry.kind in SECTION_KIND_NAMES)) throw formatErrors.unknownSection(entry.kind);
    checkCodecLengths(entry.codec, entry.storedLength, entry.decodedLength, label);
    if (entry.chunk !== NONE && entry.chunk >= chunks) {
      throw formatErrors.outOfRange(`the chunk of ${label}`, entry.chunk, 0, chunks - 1);
    }
    if (entry.stream !== NONE && entry.stream >= streams) {
      throw formatErrors.outOfRange(`the stream of ${label}`, entry.stream, 0, streams - 1);
    }
  }
  return { source, version, footer, sections, metadata, grid, chunkCount: chunks };
}

/** Reads one section, checks its CRC and undoes its codec. */
export async function readSection(file: BalerFile, entry: SectionEntry): Promise<Uint8Array> {
  return readSectionFrom(file.source, entry);
}

/** The sections of a kind, optionally of one chunk and stream. */
export function findSections(file: BalerFile, kind: number, chunk?: number, stream?: number): SectionEntry[] {
  return file.sections.filter(
    (e) =>
      e.kind === kind &&
      (chunk === undefined || e.chunk === chunk) &&
      (stream === undefined || e.stream === stream),
  );
}

async function readSectionFrom(
  source: ByteSource,
  entry: SectionEntry,
  cached?: Uint8Array,
  cachedStart = 0,
): Promise<Uint8Array> {
  const label = sectionLabel(entry);
  const stored = await readRange(source, cached, cachedStart, entry.offset, entry.storedLength);
  const found = crc32(stored);
  if (found !== entry.crc) throw formatErrors.checksum(label, entry.crc, found);
  return decodeBytes(entry.codec, stored, entry.decodedLength, label);
}

async function readRange(
  source: ByteSource,
  cached: Uint8Array | undefined,
  cachedStart: number,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  if (cached && offset >= cachedStart && offset + length <= cachedStart + cached.length) {
    return cached.subarray(offset - cachedStart, offset - cachedStart + length);
  }
  if (length > LIMITS.maxSectionBytes)
    throw formatErrors.absurdSize('a read', length, LIMITS.maxSectionBytes);
  const bytes = await source.read(offset, length);
  if (bytes.length !== length)
    throw formatErrors.truncated(`bytes ${offset}..${offset + length}`, length, bytes.length);
  return bytes;
}

function single(sections: readonly SectionEntry[], kind: number): SectionEntry {
  const found = sections.filter((e) => e.kind === kind);
  const name = SECTION_KIND_NAMES[kind]!;
  if (found.length !== 1) {
    throw formatErrors.malformedSection(`section "${name}"`, `expected exactly one, found ${found.length}`);
  }
  const entry = found[0]!;
  if (entry.chunk !== NONE || entry.stream !== NONE) {
    throw formatErrors.malformedSection(`section "${name}"`, 'must belong to the whole file, not to a chunk');
  }
  return entry;
}
