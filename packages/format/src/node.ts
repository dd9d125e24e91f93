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

/**
 * Writes to a temporary file beside `path` and renames it into place on commit, so that readers never
 * see a half-written file and a failed write leaves no debris. Refuses an existing `path` unless `overwrite`.
 */
export async function createAtomicFileSink(
  path: string,
  options: { overwrite?: boolean } = {},
): Promise<AtomicFileSink> {
  if (!options.overwrite && (await exists(path))) throw new OutputExistsError(path);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle: FileHandle = await open(temporary, 'wx');
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
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
        await rm(temporary, { force: true });
        throw new OutputExistsError(path);
      }
      await rename(temporary, path);
    },
    async abort() {
      await close();
      await rm(temporary, { force: true });
    },
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
