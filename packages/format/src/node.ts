/**
 * @baler/format/node — file access for Node: a ByteSource over a file handle and an atomic file sink.
 *
 * @example
 * ```ts
 * import { openBaler, readDataset } from '@baler/format';
 * import { openFileSource } from '@baler/format/node';
 * const source = await openFileSource('data.baler');
 * try { const data = await readDataset(await openBaler(source)); } finally { await source.close(); }
 * ```
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ByteSink, ByteSource } from './io.ts';

export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

/** Random access to a file on disk; only the ranges asked for are read. */
export async function openFileSource(path: string): Promise<FileSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? bytes : bytes.subarray(0, done);
    },
    close: () => handle.close(),
  };
}

export interface AtomicFileSink extends ByteSink {
  /** Where the bytes go until commit: readable (e.g. to verify them) once the writes have resolved. */
  readonly temporaryPath: string;
  /** Flushes, and renames the temporary file onto the target path. */
  commit(): Promise<void>;
  /** Deletes the temporary file; the target is left untouched. */
  abort(): Promise<void>;
}

export class OutputExistsError extends Error {
  override readonly name = 'OutputExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists; pass --force to overwrite it, or choose another output path.`);
  }
}

/** An output path that cannot be written (its directory is missing, say), with what to do about it. */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${path} ${problem}. ${fix}`);
  }
}

/** Temporary files of writes in progress: what removeTemporaryFiles deletes. */
const temporaryFiles = new Set<string>();

/**
 * Deletes the temporary files of the atomic writes still in progress, for a program's handler of
 * SIGINT or SIGTERM, which exits right after (so synchronous). The library installs no handler itself.
 */
export function removeTemporaryFiles(): void {
  for (const temporary of temporaryFiles) rmSync(temporary, { force: true });
  temporaryFiles.clear();
}

/** A fresh temporary path beside `path`, hidden, for a write that is renamed onto `path` when done. */
function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `path` through a temporary file beside it, for writers that take a path (a library making the
 * file itself): checks the output path (checkOutputPath), runs `write(temporary)`, and renames the file
 * into place. A failed `write` leaves no temporary file, and removeTemporaryFiles knows it meanwhile.
 * Does not refuse an existing `path`: callers decide.
 */
export async function writeThroughTemporaryFile(
  path: string,
  write: (temporary: string) => Promise<void>,
): Promise<void> {
  await checkOutputPath(path);
  const temporary = temporaryPathFor(path);
  temporaryFiles.add(temporary);
  try {
    await write(temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    temporaryFiles.delete(temporary);
  }
}

/**
 * Refuses an output `path` whose directory is missing, is a file, or cannot be searched, or that is
 * itself a directory, with a message that names the output: checked before a temporary file is made
 * beside it, whose name the system's error would give instead. Other failures are left to the write.
 */
export async function checkOutputPath(path: string): Promise<void> {
  const directory = dirname(path);
  const kind = async (p: string): Promise<string> =>
    stat(p).then(
      (info) => (info.isDirectory() ? 'directory' : 'file'),
      (error: NodeJS.ErrnoException) => error.code ?? 'unknown',
    );
  const fail = (problem: string, fix: string) => {
    throw new OutputPathError(path, `cannot be written: ${problem}`, fix);
  };
  switch (await kind(directory)) {
    case 'ENOENT':
      fail(
        `the directory ${directory} does not exist`,
        'Create the directory first, or choose another output path.',
      );
      break;
    case 'ENOTDIR':
      fail(`a part of ${directory} is a file, not a directory`, 'Choose an output path in a directory.');
      break;
    case 'file':
      fail(`${directory} is a file, not a directory`, 'Choose an output path in a directory.');
      break;
    case 'EACCES':
      fail(
        `permission denied on the way to ${directory}`,
        'Choose an output path in a directory you can write to.',
      );
      break;
  }
  if ((await kind(path)) === 'directory')
    throw new OutputPathError(path, 'is a directory', 'Give a file name for the output.');
}

/**
 * Writes to a temporary file beside `path` and renames it into place on commit, so that readers never
 * see a half-written file and a failed write leaves no debris. Refuses an existing `path` unless `overwrite`.
 */
export async function createAtomicFileSink(
  path: string,
  options: { overwrite?: boolean } = {},
): Promise<AtomicFileSink> {
  await checkOutputPath(path);
  if (!options.overwrite && (await exists(path))) throw new OutputExistsError(path);
  const temporary = temporaryPathFor(path);
  // Known before it exists: a signal handled while it is being created must not leave it behind.
  temporaryFiles.add(temporary);
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'wx');
  } catch (error) {
    temporaryFiles.delete(temporary);
    throw error;
  }
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  const discard = async () => {
    await close();
    await rm(temporary, { force: true });
    temporaryFiles.delete(temporary);
  };
  return {
    temporaryPath: temporary,
    async write(bytes) {
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    },
    async commit() {
      await handle.sync();
      await close();
      if (!options.overwrite && (await exists(path))) {
        await discard();
        throw new OutputExistsError(path);
      }
      await rename(temporary, path);
      temporaryFiles.delete(temporary);
    },
    abort: discard,
  };
}

/** Runs `write` against an atomic sink for `path`, committing on success and cleaning up on failure. */
export async function writeFileAtomically<T>(
  path: string,
  write: (sink: AtomicFileSink) => Promise<T>,
  options: { overwrite?: boolean } = {},
): Promise<T> {
  const sink = await createAtomicFileSink(path, options);
  try {
    const result = await write(sink);
    await sink.commit();
    return result;
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
