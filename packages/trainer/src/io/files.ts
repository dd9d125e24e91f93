// Reading and writing whole files in Node, with the operating system's errors turned into DataInputErrors
// that tell the user what to check.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputPathError, writeThroughTemporaryFile } from '@baler/format/node';
import { DataInputError } from './errors.ts';

/** Throws a DataInputError unless `path` is an existing regular file. */
export async function assertReadableFile(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw readError(path, error);
  }
  if (!isFile)
    throw new DataInputError({ path, problem: 'is not a file (a directory?)', fix: 'Pass a data file.' });
}

/** The file's bytes. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  await assertReadableFile(path);
  try {
    const buffer = await readFile(path);
    // A plain Uint8Array: a Buffer's slice() shares memory, which surprises code written for Uint8Array.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw readError(path, error);
  }
}

/** The file's text, decoded as UTF-8. */
export async function readFileText(path: string): Promise<string> {
  await assertReadableFile(path);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw readError(path, error);
  }
}

/**
 * Writes `path` through a temporary file in the same directory and a rename (format/node's
 * writeThroughTemporaryFile), so that a failed or interrupted write never leaves a half-written file under
 * the user's name, with failures as DataInputErrors. `write` receives the temporary path.
 */
export async function writeThroughTemporaryPath(
  path: string,
  write: (temporaryPath: string) => Promise<void>,
) {
  try {
    await writeThroughTemporaryFile(path, write);
  } catch (error) {
    if (error instanceof OutputPathError)
      throw new DataInputError({ path, problem: error.problem, fix: error.fix });
    throw error instanceof DataInputError ? error : writeError(path, error);
  }
}

/** Writes bytes or text to `path` atomically (see {@link writeThroughTemporaryPath}). */
export async function writeFileContents(path: string, contents: Uint8Array | string): Promise<void> {
  await writeThroughTemporaryPath(path, (temporaryPath) => writeFile(temporaryPath, contents));
}

function readError(path: string, error: unknown): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DataInputError({
        path,
        problem: 'no such file',
        fix: `Check the path (relative paths start from ${process.cwd()}).`,
      });
    case 'EACCES':
    case 'EPERM':
      return new DataInputError({
        path,
        problem: 'cannot be read: permission denied',
        fix: 'Check its permissions.',
      });
    case 'EISDIR':
      return new DataInputError({ path, problem: 'is a directory, not a file', fix: 'Pass a data file.' });
    default:
      return error;
  }
}

function writeError(path: string, error: unknown): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DataInputError({
        path,
        problem: `cannot be written: the directory ${dirname(path)} does not exist`,
        fix: 'Create the directory first, or choose another output path.',
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new DataInputError({
        path,
        problem: 'cannot be written: permission denied',
        fix: 'Choose an output path in a directory you can write to.',
      });
    case 'EISDIR':
      return new DataInputError({ path, problem: 'is a directory', fix: 'Give a file name for the output.' });
    default:
      return error;
  }
}
