// Writes a .baler container in one streaming pass: header, then each section as it is produced, then
// the chunk index, metadata, section table and footer (SPEC.md §2). Nothing is held back but the table.
import type { ChunkGrid } from './chunks.ts';
import { encodeChunkGrid } from './chunks.ts';
import type { CodecId } from './codecs.ts';
import { CODEC, encodeBytes } from './codecs.ts';
import { crc32 } from './crc32.ts';
import type { ByteSink } from './io.ts';
import type { SectionEntry } from './layout.ts';
import {
  encodeFooter,
  encodeHeader,
  encodeTable,
  FOOTER_SIZE,
  LIMITS,
  NONE,
  SECTION_KIND,
} from './layout.ts';
import type { BalerMetadata } from './metadata.ts';
import { encodeMetadata, validateMetadata } from './metadata.ts';

export interface SectionInput {
  kind: number;
  chunk?: number;
  stream?: number;
  codec?: CodecId;
  /** Value width for the shuffle-deflate codec. */
  elementSize?: number;
  /** The decoded payload; the writer applies the codec. */
  payload: Uint8Array;
}

export class BalerWriter {
  private readonly entries: SectionEntry[] = [];
  private offset = 0;
  private finished = false;

  private constructor(private readonly sink: ByteSink) {}

  /** Starts a file on `sink` by writing its header. */
  static async start(sink: ByteSink): Promise<BalerWriter> {
    const writer = new BalerWriter(sink);
    await writer.emit(encodeHeader());
    return writer;
  }

  /** Encodes and appends one section; returns its table entry. */
  async addSection(input: SectionInput): Promise<SectionEntry> {
    if (this.finished) throw new Error('BalerWriter: addSection after finish');
    if (input.payload.length > LIMITS.maxSectionBytes) {
      throw new RangeError(
        `a section of ${input.payload.length} bytes exceeds the format's ${LIMITS.maxSectionBytes}-byte limit: use smaller chunks`,
      );
    }
    const codec = input.codec ?? CODEC.raw;
    const stored = encodeBytes(codec, input.payload, input.elementSize);
    const entry: SectionEntry = {
      kind: input.kind,
      codec,
      chunk: input.chunk ?? NONE,
      stream: input.stream ?? NONE,
      crc: crc32(stored),
      offset: this.offset,
      storedLength: stored.length,
      decodedLength: input.payload.length,
    };
    await this.emit(stored);
    this.entries.push(entry);
    return entry;
  }

  /** Writes the chunk index, metadata, table and footer; returns the file's total length. */
  async finish(metadata: BalerMetadata, grid: ChunkGrid): Promise<number> {
    try {
      validateMetadata(JSON.parse(JSON.stringify(metadata)));
    } catch (error) {
      // The reader's MalformedMetadata tells users to fetch the file again: here the writer is at fault.
      throw new Error(`the writer built metadata that breaks SPEC.md: ${(error as Error).message}`);
    }
    await this.addSection({ kind: SECTION_KIND.chunkIndex, payload: encodeChunkGrid(grid) });
    // Deflated: the JSON repeats its keys for every column, and compresses several times over.
    await this.addSection({
      kind: SECTION_KIND.metadata,
      codec: CODEC.deflate,
      payload: encodeMetadata(metadata),
    });
    this.finished = true;
    const table = encodeTable(this.entries);
    const tableOffset = this.offset;
    await this.emit(table);
    const fileLength = tableOffset + table.length + FOOTER_SIZE;
    await this.emit(
      encodeFooter({ tableOffset, sectionCount: this.entries.length, tableCrc: crc32(table), fileLength }),
    );
    return fileLength;
  }

  private async emit(bytes: Uint8Array): Promise<void> {
    await this.sink.write(bytes);
    this.offset += bytes.length;
  }
}
