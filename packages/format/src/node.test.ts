import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAtomicFileSink,
  OutputExistsError,
  OutputPathError,
  removeTemporaryFiles,
  writeFileAtomically,
  writeThroughTemporaryFile,
} from './node.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-node-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('atomic file output', () => {
  it('writes through a temporary file and leaves only the output', async () => {
    const out = join(dir, 'written.bin');
    await writeFileAtomically(out, async (sink) => {
      await sink.write(Uint8Array.of(1, 2, 3));
    });
    expect([...(await readFile(out))]).toEqual([1, 2, 3]);
    expect(await readdir(dir)).toEqual(['written.bin']);
    await expect(writeFileAtomically(out, async () => {})).rejects.toBeInstanceOf(OutputExistsError);
  });

  it('names the output and its directory when the path cannot be written, making no file', async () => {
    await writeFile(join(dir, 'plain'), 'a file');
    await mkdir(join(dir, 'folder'));
    const cases = [
      [join(dir, 'missing', 'x.baler'), /the directory .*missing does not exist. Create the directory first/],
      [join(dir, 'plain', 'x.baler'), /plain is a file, not a directory/],
      [join(dir, 'plain', 'sub', 'x.baler'), /a part of .*plain\/sub is a file, not a directory/],
      [join(dir, 'folder'), /folder is a directory. Give a file name/],
    ] as const;
    for (const [path, message] of cases) {
      const attempt = createAtomicFileSink(path, { overwrite: true });
      await expect(attempt).rejects.toBeInstanceOf(OutputPathError);
      await expect(attempt).rejects.toThrow(message);
    }
    expect((await readdir(dir)).sort()).toEqual(['folder', 'plain', 'written.bin']);
  });

  it('removeTemporaryFiles deletes the files of writes in progress, and only those', async () => {
    const pending = await createAtomicFileSink(join(dir, 'pending.bin'));
    await pending.write(Uint8Array.of(7));
    const done = await createAtomicFileSink(join(dir, 'done.bin'));
    await done.commit();
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    removeTemporaryFiles();
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(dir)).toContain('done.bin');
    await pending.abort(); // closes its handle

    // A writer given a temporary path: known while its write runs (a signal arriving mid-write).
    let own = '';
    await expect(
      writeThroughTemporaryFile(join(dir, 'own.bin'), async (temporary) => {
        own = temporary;
        await writeFile(temporary, 'partial');
        removeTemporaryFiles();
      }),
    ).rejects.toThrow(/ENOENT/); // the rename finds the file gone
    expect(own).toMatch(/\.own\.bin\.[0-9a-f]{12}\.tmp$/);
    expect((await readdir(dir)).filter((name) => name.includes('own.bin'))).toEqual([]);
  });
});
