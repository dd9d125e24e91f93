import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';
import type { BalerErrorTag } from './errors.ts';
import { isBalerError } from './errors.ts';
import { bytesSource, MemorySink } from './io.ts';
import { ENTRY_SIZE, FOOTER_SIZE, SECTION_KIND } from './layout.ts';
import { openBaler } from './reader.ts';
import { readDataset, writeExactDataset } from './storage.ts';
import { sampleTable } from './testing.ts';

const valid = await (async () => {
  const sink = new MemorySink();
  await writeExactDataset(sampleTable(20), sink, { chunkRows: 8 });
  return sink.bytes();
})();

async function failure(bytes: Uint8Array): Promise<{ tag: BalerErrorTag; fields: object; message: string }> {
  try {
    await readDataset(await openBaler(bytesSource(bytes)));
  } catch (error) {
    if (isBalerError(error)) return { tag: error._tag, fields: error.fields, message: error.message };
    throw error;
  }
  throw new Error('expected the read to fail');
}

function edit(change: (bytes: Uint8Array, view: DataView) => void): Uint8Array {
  const bytes = valid.slice();
  change(bytes, new DataView(bytes.buffer));
  return bytes;
}

const footerAt = valid.length - FOOTER_SIZE;
const tableAt = Number(new DataView(valid.buffer).getBigUint64(footerAt, true));
const sectionCount = new DataView(valid.buffer).getUint32(footerAt + 8, true);

/** Edits the section table, then re-seals the table and footer checksums so deeper validation is reached. */
function sealedEdit(change: (view: DataView) => void): Uint8Array {
  return edit((bytes, view) => {
    change(view);
    view.setUint32(footerAt + 12, crc32(bytes.subarray(tableAt, tableAt + sectionCount * ENTRY_SIZE)), true);
    view.setUint32(footerAt + 24, crc32(bytes.subarray(footerAt, footerAt + 24)), true);
  });
}

describe('reader validation', () => {
  it('names a non-.baler file as such', async () => {
    const result = await failure(new TextEncoder().encode('time,x\n0,1\n'.repeat(10)));
    expect(result.tag).toBe('BadMagic');
    expect(result.message).toMatch(/Not a .baler file/);
  });

  it('reports truncation anywhere as a typed error', async () => {
    for (const length of [0, 5, 16, 40, valid.length - 1]) {
      expect(['BadMagic', 'Truncated']).toContain((await failure(valid.subarray(0, length))).tag);
    }
  });

  it('refuses a newer major version and says to upgrade', async () => {
    const bytes = edit((b, v) => {
      v.setUint16(8, 2, true);
      v.setUint32(12, crc32(b.subarray(0, 12)), true);
    });
    const result = await failure(bytes);
    expect(result.tag).toBe('UnsupportedVersion');
    expect(result.message).toMatch(/Upgrade/);
  });

  it('detects a damaged payload with the section, expected and found checksums', async () => {
    const view = new DataView(valid.buffer);
    const firstOffset = Number(view.getBigUint64(tableAt + 16, true));
    const result = await failure(
      edit((b) => {
        b[firstOffset + 3]! ^= 0x10;
      }),
    );
    expect(result.tag).toBe('ChecksumMismatch');
    expect(result.fields).toMatchObject({ section: 'section "exact" chunk 0 stream 0' });
  });

  it('rejects offsets and lengths that point outside the file even with valid checksums', async () => {
    const offset = await failure(sealedEdit((v) => v.setBigUint64(tableAt + 16, 10n ** 9n, true)));
    expect(offset.tag).toBe('OutOfRange');
    const length = await failure(sealedEdit((v) => v.setBigUint64(tableAt + 24, 2n ** 40n, true)));
    expect(length.tag).toBe('OutOfRange');
  });

  it('never allocates from an absurd declared size', async () => {
    const result = await failure(sealedEdit((v) => v.setBigUint64(tableAt + 32, 2n ** 40n, true)));
    expect(result.tag).toBe('AbsurdSize');
  });

  it('rejects unknown codecs and unknown required section kinds', async () => {
    expect((await failure(sealedEdit((v) => v.setUint16(tableAt + 2, 77, true)))).tag).toBe('UnknownCodec');
    expect((await failure(sealedEdit((v) => v.setUint16(tableAt, 300, true)))).tag).toBe('UnknownSection');
  });

  it('rejects a missing section for a chunk', async () => {
    // Turn the first exact section into an optional unknown kind: the reader skips it, then misses it.
    const result = await failure(sealedEdit((v) => v.setUint16(tableAt, 0x8001, true)));
    expect(result.tag).toBe('MalformedSection');
    expect(result.message).toMatch(/expected exactly one, found 0/);
  });

  it('exposes the sections of each kind for byte accounting', async () => {
    const file = await openBaler(bytesSource(valid));
    expect(file.sections.filter((s) => s.kind === SECTION_KIND.metadata)).toHaveLength(1);
    expect(file.chunkCount).toBe(3);
    expect(file.version).toEqual({ major: 1, minor: 3 });
  });
});
