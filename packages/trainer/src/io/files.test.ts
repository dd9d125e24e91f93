import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDataInputError } from './errors.ts';
import { assertReadableFile, readFileBytes, writeFileContents, writeThroughTemporaryPath } from './files.ts';
import { temporaryDirectory } from './test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterAll(() => cleanup());

describe('files', () => {
  it('writes and reads bytes as a plain Uint8Array', async () => {
    const path = join(dir, 'a.bin');
    await writeFileContents(path, Uint8Array.of(1, 2, 3));
    const bytes = await readFileBytes(path);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(Array.from(bytes)).toEqual([1, 2, 3]);
  });

  it('leaves nothing behind when a write fails', async () => {
    const sub = join(dir, 'failing');
    await mkdir(sub);
    const path = join(sub, 'out.txt');
    await expect(
      writeThroughTemporaryPath(path, async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(sub)).toEqual([]);
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'b.txt');
    await writeFileContents(path, 'old');
    await writeFileContents(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('explains missing files and directories passed as files', async () => {
    await expect(assertReadableFile(join(dir, 'missing.csv'))).rejects.toThrow(
      /missing\.csv: no such file\. Check the path/,
    );
    const error = await assertReadableFile(dir).catch((e: unknown) => e);
    expect(isDataInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(/is not a file/);
  });
});
