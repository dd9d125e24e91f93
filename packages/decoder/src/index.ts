/**
 * @baler/decoder — read .baler files anywhere: Node, the browser, a Web Worker, an edge function. This entry
 * is platform-free (it needs only `fetch`, for URLs); `@baler/decoder/node` adds files on disk. Errors in
 * a file are the format's typed `BalerError`s (branch on `error._tag`); HTTP problems are `HttpRangeError`s.
 *
 * @example Any runtime with fetch: read rows 100:200 of a remote file, downloading only their chunks.
 * ```ts
 * import { openUrl } from '@baler/decoder';
 * const reader = await openUrl('https://example.org/lhcb.baler');
 * console.log(reader.info.shape, reader.info.ratioToFloat32);
 * const rows = await reader.read({ start: 100, end: 200 });
 * if (rows.kind === 'table') console.log(rows.columns[0]!.name, rows.columns[0]!.data);
 * console.log(`${reader.source.bytesFetched} of ${reader.info.fileBytes} bytes fetched`);
 * ```
 *
 * @example A plain page, no build step: `dist/baler-decoder.js` is a single ES module (`npm run build`).
 * ```html
 * <script type="module">
 *   import { openBytes } from './baler-decoder.js';
 *   const bytes = await (await fetch('lhcb.baler')).arrayBuffer();
 *   for await (const { start, end, data } of (await openBytes(bytes)).chunks()) console.log(start, end, data);
 * </script>
 * ```
 *
 * @example A Web Worker: `new Worker('decode.js', { type: 'module' })`, decode.js being
 * ```js
 * import { openUrl } from './baler-decoder.js';
 * onmessage = async ({ data: url }) => {
 *   const field = await (await openUrl(url)).read();
 *   postMessage(field.data, [field.data.buffer]); // hand the array over without a copy
 * };
 * ```
 */
export type { BalerErrorTag, BalerFile, ByteSource, Dataset, FileSummary } from '@baler/format';
export { BalerError, isBalerError } from '@baler/format';
export { canonicalEngine } from './engines/canonical.ts';
export type { DecoderEngine } from './engines/engine.ts';
export type {
  OnnxRuntimeEngineOptions,
  OnnxRuntimeModule,
  OnnxRuntimeSession,
} from './engines/onnxruntime.ts';
export { onnxRuntimeEngine } from './engines/onnxruntime.ts';
export type { BalerReader, OpenOptions } from './open.ts';
export { openBytes } from './open.ts';
export type { HttpSource, HttpSourceOptions } from './web.ts';
export { HttpRangeError, httpSource, openUrl } from './web.ts';
