/**
 * @baler/decoder/node — open .baler files on disk; only the byte ranges a read needs are loaded.
 *
 * @example
 * ```ts
 * import { openFile } from '@baler/decoder/node';
 * const reader = await openFile('lhcb.baler');
 * try { const table = await reader.read(); } finally { await reader.close(); }
 * ```
 */
import { openFileSource } from '@baler/format/node';
import type { BalerReader, OpenOptions } from './open.ts';
import { openBytes } from './open.ts';

export async function openFile(
  path: string,
  options: OpenOptions = {},
): Promise<BalerReader & { close(): Promise<void> }> {
  const source = await openFileSource(path);
  try {
    return { ...(await openBytes(source, options)), close: () => source.close() };
  } catch (error) {
    await source.close();
    throw error;
  }
}
