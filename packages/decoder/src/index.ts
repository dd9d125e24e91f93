/**
 * @baler/decoder — read .baler files anywhere: Node, the browser, a worker, an edge function. This entry is
 * platform-free; `@baler/decoder/node` adds files on disk.
 *
 * @example
 * ```ts
 * import { httpSource, openBytes } from '@baler/decoder';
 * const reader = await openBytes(await httpSource('https://example.org/lhcb.baler'));
 * console.log(reader.info.shape, reader.info.ratioToFloat32);
 * const rows = await reader.read({ start: 100, end: 200 }); // fetches only the chunks holding those rows
 * ```
 */
export type { BalerErrorTag, Dataset, FileSummary } from '@baler/format';
export { BalerError, isBalerError } from '@baler/format';
export type { BalerReader } from './open.ts';
export { openBytes } from './open.ts';
export type { HttpSource, HttpSourceOptions } from './web.ts';
export { HttpRangeError, httpSource } from './web.ts';
