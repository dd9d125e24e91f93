// The viewer of a `baler publish` site: opens a .baler file by URL (HTTP range requests, so only the chunks
// it shows are fetched) or from a dropped file, shows its summary, and for a table a column's histogram and
// statistics, for a field a frame with a colour bar; downloads the rows or frames shown as CSV or .npy.
// Plain DOM and canvas, no framework: the whole viewer is a few KB on top of the decoder.
import type { BalerReader, ByteSource } from '@baler/decoder';
import { HttpRangeError, openBytes, openUrl } from '@baler/decoder';
import type { ErrorBound, Field, NumericArray, Table } from '@baler/format';
import { histogram, toFloat64 } from '../src/plot/stats.ts';
import { cellFormatter, fieldToCsv, tableToCsv } from './csv.ts';
import { drawColourBar, drawFrame, drawHistogram } from './draw.ts';
import { fieldToNpy, tableToNpy } from './npy.ts';
import { boundAt, describeBoundFor, format, summarize } from './stats.ts';

/** What the page exposes for tests and the console: the open file and how many of its bytes were read. */
export interface ViewerState {
  reader: BalerReader | null;
  name: string;
  bytesRead: () => number;
}

declare global {
  interface Window {
    baler: ViewerState;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const state: ViewerState = { reader: null, name: '', bytesRead: () => 0 };
window.baler = state;

const status = $('status');
function say(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

/** A File read lazily slice by slice, counting what it read, so a large local file opens as fast as a URL. */
function fileSource(file: File): ByteSource & { bytesRead: number } {
  const source = {
    size: file.size,
    bytesRead: 0,
    async read(offset: number, length: number) {
      const bytes = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
      source.bytesRead += bytes.length;
      return bytes;
    },
  };
  return source;
}

async function openFromUrl(url: string): Promise<void> {
  const resolved = new URL(url, location.href);
  say(`Opening ${resolved.href} …`);
  try {
    const reader = await openUrl(resolved);
    show(
      reader,
      decodeURIComponent(resolved.pathname.split('/').pop() ?? url),
      () => reader.source.bytesFetched,
    );
  } catch (error) {
    if (!(error instanceof HttpRangeError) || !/range request/.test(error.message)) throw error;
    // A host that ignores Range (python -m http.server): the whole file, once, rather than nothing.
    const bytes = new Uint8Array(await (await fetch(resolved)).arrayBuffer());
    show(await openBytes(bytes), resolved.pathname.split('/').pop() ?? url, () => bytes.length);
    say('This host ignores HTTP Range requests, so the whole file was downloaded.');
  }
}

async function openFromFile(file: File): Promise<void> {
  say(`Opening ${file.name} …`);
  const source = fileSource(file);
  show(await openBytes(source), file.name, () => source.bytesRead);
}

function show(reader: BalerReader, name: string, bytesRead: () => number): void {
  document.body.dataset.state = 'loading';
  Object.assign(state, { reader, name, bytesRead });
  document.title = `${name} — Baler viewer`;
  renderInfo(reader, name);
  $('table-view').hidden = reader.info.kind !== 'table';
  $('field-view').hidden = reader.info.kind !== 'field';
  if (reader.info.kind === 'table') void run(() => setUpTable(reader));
  else void run(() => setUpField(reader));
}

/** Runs an action of the UI, reporting its failure on the page instead of the console. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    say(`${(error as Error).message}`, true);
    document.body.dataset.state = 'error';
  }
}

function reportBytes(): void {
  const total = state.reader?.info.fileBytes ?? 0;
  const read = state.bytesRead();
  $('bytes').textContent =
    `${read.toLocaleString('en-US')} bytes fetched so far of a ${total.toLocaleString('en-US')}-byte file ` +
    `(${((100 * read) / Math.max(1, total)).toFixed(1)}%): its header and section table, then only the ` +
    'chunks shown.';
  document.body.dataset.bytesRead = String(read);
}

// ---- the file's summary -------------------------------------------------------------------------------

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function definitionList(entries: [string, string][]): HTMLDListElement {
  const list = element('dl');
  for (const [term, value] of entries) list.append(element('dt', term), element('dd', value));
  return list;
}

function renderInfo(reader: BalerReader, name: string): void {
  const { info, file } = reader;
  const { provenance } = file.metadata;
  const what =
    info.kind === 'table'
      ? `table, ${info.shape[0]!.toLocaleString('en-US')} rows × ${info.shape[1]} columns`
      : `field [${info.shape.join(' × ')}]`;
  const body = $('info-body');
  body.replaceChildren(
    definitionList([
      ['file', name],
      [
        'holds',
        `${what} (${[...new Set(info.dtypes)].join(', ')}), ${info.chunks} chunk${info.chunks === 1 ? '' : 's'}`,
      ],
      ['error bound', info.bounds.join('; ')],
      ['file size', `${info.fileBytes.toLocaleString('en-US')} bytes: everything decoding needs`],
      [
        'ratio',
        `${info.ratioToOriginal.toFixed(2)}× to the original dtypes, ${info.ratioToFloat32.toFixed(2)}× to float32`,
      ],
      ['written by', provenance.tool],
      ['source', provenance.source ?? 'not recorded'],
      ['configuration hash', provenance.configHash ?? 'not recorded'],
      [
        'network',
        file.metadata.decoder
          ? `carried: a decoder of latents (latent width ${file.metadata.decoder.latent})`
          : info.sections.some((s) => s.kind === 'model' && s.sections > 0)
            ? 'carried: a stencil correction, run once per decoded value'
            : 'none',
      ],
      ['format version', info.version],
    ]),
  );
  const breakdown = element('table');
  breakdown.append(element('caption', 'Bytes by part of the file'));
  const head = element('tr');
  head.append(element('th', 'part', { scope: 'col' }), element('th', 'sections', { scope: 'col' }));
  head.append(element('th', 'bytes', { scope: 'col' }), element('th', 'share', { scope: 'col' }));
  breakdown.append(head);
  const addRow = (part: string, sections: string, bytes: number) => {
    const row = element('tr');
    row.append(element('th', part, { scope: 'row' }), element('td', sections));
    row.append(element('td', bytes.toLocaleString('en-US')));
    row.append(element('td', `${((100 * bytes) / info.fileBytes).toFixed(1)}%`));
    breakdown.append(row);
  };
  addRow('header, table, footer', '-', info.containerBytes);
  for (const part of info.sections)
    if (part.sections > 0) addRow(part.kind, String(part.sections), part.storedBytes);
  body.append(breakdown);
  const attributes = Object.keys(file.metadata.attributes);
  if (attributes.length > 0) {
    const details = element('details');
    details.append(element('summary', `attributes (${attributes.length})`));
    details.append(element('pre', JSON.stringify(file.metadata.attributes, null, 2).slice(0, 20_000)));
    body.append(details);
  }
  $('info').hidden = false;
}

// ---- tables -------------------------------------------------------------------------------------------

let loadedTable: Table | null = null;
let loadedRows = { start: 0, end: 0 };

function chunkEnd(reader: BalerReader, row: number): number {
  const cuts = reader.file.grid.boundaries[0] ?? [0];
  return cuts.find((cut) => cut > row) ?? reader.info.shape[0]!;
}

async function setUpTable(reader: BalerReader): Promise<void> {
  const rows = reader.info.shape[0]!;
  const start = $<HTMLInputElement>('row-start');
  const end = $<HTMLInputElement>('row-end');
  start.max = String(rows);
  end.max = String(rows);
  start.value = '0';
  end.value = String(chunkEnd(reader, 0));
  $('row-count').textContent = `of ${rows.toLocaleString('en-US')} rows`;
  const select = $<HTMLSelectElement>('column');
  select.replaceChildren(
    ...reader.info.columns.map((column, j) => {
      const option = element('option', `${column} (${reader.info.dtypes[j]})`);
      option.value = String(j);
      return option;
    }),
  );
  select.selectedIndex = 0;
  await loadRows(reader);
}

async function loadRows(reader: BalerReader): Promise<void> {
  const rows = reader.info.shape[0]!;
  const start = Math.max(0, Math.min(rows, Number($<HTMLInputElement>('row-start').value) || 0));
  const end = Math.max(start, Math.min(rows, Number($<HTMLInputElement>('row-end').value) || 0));
  say(`Decoding rows ${start}:${end} …`);
  document.body.dataset.state = 'loading';
  const data = await reader.read({ start, end });
  if (data.kind !== 'table') throw new Error('expected a table');
  loadedTable = data;
  loadedRows = { start, end };
  showColumn(reader);
  renderPreview(data, start);
  reportBytes();
  say(`Rows ${start}:${end} decoded.`);
  document.body.dataset.state = 'ready';
}

function columnBound(reader: BalerReader, j: number): ErrorBound {
  const metadata = reader.file.metadata;
  return metadata.kind === 'table' ? metadata.columns[j]!.bound : metadata.bound;
}

function showColumn(reader: BalerReader): void {
  if (!loadedTable) return;
  const j = Number($<HTMLSelectElement>('column').value || 0);
  const column = loadedTable.columns[j]!;
  const canvas = $<HTMLCanvasElement>('histogram');
  const caption = $('histogram-caption');
  const stats = $('column-stats');
  if (column.dtype === 'string') {
    canvas.hidden = true;
    caption.textContent = `${column.name} holds text, stored exactly.`;
    stats.replaceChildren();
    return;
  }
  canvas.hidden = false;
  const values = column.data as NumericArray;
  const summary = summarize(values);
  // Log bins for positive data spanning decades (χ² and momenta do), so the bulk is not one bar.
  const log = summary.min > 0 && summary.max / summary.min > 1e3;
  const bins = histogram(toFloat64(values), summary.min, summary.max, 48, log);
  const bound = columnBound(reader, j);
  drawHistogram(canvas, bins, bound);
  const widest = boundAt(bound, Math.max(Math.abs(summary.min), Math.abs(summary.max)) || 0);
  const narrowest = Math.min(...Array.from(bins.counts.keys(), (i) => bins.edges[i + 1]! - bins.edges[i]!));
  canvas.setAttribute(
    'aria-label',
    `Histogram of ${column.name} over rows ${loadedRows.start}:${loadedRows.end}, from ${format(summary.min)} to ${format(summary.max)}`,
  );
  caption.textContent =
    `${column.name}, rows ${loadedRows.start}:${loadedRows.end}: decoded values in ${bins.counts.length} ` +
    `${log ? 'logarithmic ' : ''}bins (blue); the orange band widens each bin by the error bound, where the ` +
    'originals of its values lie. ' +
    (summary.max > summary.min && widest > 0
      ? `Narrowest bin ${format(narrowest)}, bound at most ±${format(widest)}.`
      : '');
  stats.replaceChildren(
    definitionList([
      ['values', summary.count.toLocaleString('en-US')],
      ['non-finite', String(summary.nonFinite)],
      ['min', format(summary.min)],
      ['max', format(summary.max)],
      ['mean', format(summary.mean)],
      ['standard deviation', format(summary.std)],
      ['error bound', describeBoundFor(bound, summary)],
    ]),
  );
}

function renderPreview(table: Table, start: number): void {
  const preview = $('rows-preview');
  const shown = Math.min(table.rowCount, 20);
  const head = element('tr');
  head.append(element('th', 'row', { scope: 'col' }));
  for (const column of table.columns) head.append(element('th', column.name, { scope: 'col' }));
  const body = [head];
  // Numbers as CSV prints them (shortest exact form in their dtype); text as it is, unquoted.
  const cells = table.columns.map(({ data }) =>
    Array.isArray(data) ? (i: number) => data[i]! : cellFormatter(data),
  );
  for (let i = 0; i < shown; i++) {
    const row = element('tr');
    row.append(element('th', String(start + i), { scope: 'row' }));
    for (const cell of cells) row.append(element('td', cell(i)));
    body.push(row);
  }
  preview.replaceChildren(
    element('caption', `First ${shown} of the ${table.rowCount.toLocaleString('en-US')} rows loaded`),
    ...body,
  );
}

// ---- fields -------------------------------------------------------------------------------------------

/**
 * Decoded chunk rows of axis 0, the last two kept: moving the slider within a chunk fetches nothing. The
 * promises are kept, so that key repeats arriving while a chunk is on its way wait for that one fetch.
 */
const chunkCache = new Map<number, Promise<Field>>();

async function frameRows(reader: BalerReader, index: number): Promise<{ field: Field; offset: number }> {
  const cuts = reader.file.grid.boundaries[0] ?? [0];
  let chunk = 0;
  while (chunk + 2 < cuts.length && cuts[chunk + 1]! <= index) chunk++;
  let field = chunkCache.get(chunk);
  if (!field) {
    field = reader.read({ start: cuts[chunk]!, end: cuts[chunk + 1]! }).then((data) => {
      if (data.kind !== 'field') throw new Error('expected a field');
      return data;
    });
    field.catch(() => chunkCache.delete(chunk));
    chunkCache.set(chunk, field);
    if (chunkCache.size > 2) chunkCache.delete(chunkCache.keys().next().value!);
  }
  return { field: await field, offset: index - cuts[chunk]! };
}

/** The leading axes that pick a frame: all but the last two (a 1-D or 2-D field is one frame). */
function leadingAxes(shape: number[]): number {
  return Math.max(0, shape.length - 2);
}

async function setUpField(reader: BalerReader): Promise<void> {
  chunkCache.clear();
  heldScale = null;
  $<HTMLInputElement>('hold-scale').checked = false;
  const shape = reader.info.shape;
  const sliders = $('axis-sliders');
  sliders.replaceChildren();
  for (let axis = 0; axis < leadingAxes(shape); axis++) {
    const id = `axis-${axis}`;
    const wrap = element('div', undefined, { class: 'slider' });
    const label = element('label', axis === 0 ? 'Frame (axis 0)' : `Axis ${axis}`, { for: id });
    const input = element('input', undefined, {
      id,
      type: 'range',
      min: '0',
      max: String(shape[axis]! - 1),
      value: '0',
      step: '1',
    });
    const output = element('output', `0 of ${shape[axis]! - 1}`, { for: id, id: `${id}-value` });
    input.addEventListener('input', () => void run(() => showFrame(reader)));
    wrap.append(label, input, output);
    sliders.append(wrap);
  }
  $<HTMLInputElement>('block-start').value = '0';
  $<HTMLInputElement>('block-end').value = '1';
  $<HTMLInputElement>('block-end').max = String(shape[0]);
  await showFrame(reader);
}

let shownFrame: { data: NumericArray; rows: number; cols: number; index: number[] } | null = null;
/** A colour scale the user chose to keep while moving through frames, so that frames compare. */
let heldScale: { min: number; max: number } | null = null;
/** Counts frame requests: a frame that arrives after a later one was asked for is not drawn. */
let frameRequests = 0;

async function showFrame(reader: BalerReader): Promise<void> {
  const request = ++frameRequests;
  document.body.dataset.state = 'loading';
  const shape = reader.info.shape;
  const lead = leadingAxes(shape);
  const index = Array.from({ length: lead }, (_, axis) => Number($<HTMLInputElement>(`axis-${axis}`).value));
  index.forEach((value, axis) => {
    $(`axis-${axis}-value`).textContent = `${value} of ${shape[axis]! - 1}`;
  });
  const rows = shape.length >= 2 ? shape[shape.length - 2]! : 1;
  const cols = shape[shape.length - 1]!;
  let data: NumericArray;
  if (lead === 0) {
    const whole = await reader.read();
    data = (whole as Field).data;
  } else {
    const { field, offset } = await frameRows(reader, index[0]!);
    // Offset of the frame within the decoded rows: axis 0 from `offset`, the other leading axes as chosen.
    let start = offset;
    for (let axis = 1; axis < lead; axis++) start = start * shape[axis]! + index[axis]!;
    data = field.data.subarray(start * rows * cols, (start + 1) * rows * cols) as NumericArray;
  }
  if (request !== frameRequests) return;
  shownFrame = { data, rows, cols, index };
  const summary = summarize(data);
  const scale = heldScale ?? { min: summary.min, max: summary.max };
  drawFrame($<HTMLCanvasElement>('frame'), data, rows, cols, scale.min, scale.max);
  drawColourBar($<HTMLCanvasElement>('colour-bar'), scale.min, scale.max);
  const bound = columnBound(reader, 0);
  const where = lead > 0 ? `frame [${index.join(', ')}]` : 'the whole field';
  $('frame').setAttribute(
    'aria-label',
    `${where}: ${rows} × ${cols} values from ${format(summary.min)} to ${format(summary.max)}`,
  );
  $('frame-caption').textContent =
    `${where}, ${rows} × ${cols} decoded values; ` +
    (heldScale
      ? `colours on the held scale ${format(scale.min)} to ${format(scale.max)}. `
      : "colours span this frame's own range. ") +
    `Error bound: ${describeBoundFor(bound, summary)}.`;
  $('frame-stats').replaceChildren(
    definitionList([
      ['min', format(summary.min)],
      ['max', format(summary.max)],
      ['mean', format(summary.mean)],
      ['standard deviation', format(summary.std)],
      ['non-finite', String(summary.nonFinite)],
    ]),
  );
  if (lead > 0) {
    $<HTMLInputElement>('block-start').value = String(index[0]);
    $<HTMLInputElement>('block-end').value = String(index[0]! + 1);
  }
  reportBytes();
  say(`Showing ${where}.`);
  document.body.dataset.state = 'ready';
}

function showValueUnderPointer(event: MouseEvent): void {
  if (!shownFrame || !state.reader) return;
  const canvas = event.currentTarget as HTMLCanvasElement;
  const box = canvas.getBoundingClientRect();
  const col = Math.floor(((event.clientX - box.left) / box.width) * shownFrame.cols);
  const row = Math.floor(((event.clientY - box.top) / box.height) * shownFrame.rows);
  if (col < 0 || row < 0 || col >= shownFrame.cols || row >= shownFrame.rows) return;
  const value = Number(shownFrame.data[row * shownFrame.cols + col]!);
  const bound = boundAt(columnBound(state.reader, 0), value);
  $('pointer').textContent =
    `[${[...shownFrame.index, row, col].join(', ')}] = ${format(value)} ± ${format(bound)}`;
}

// ---- downloads ----------------------------------------------------------------------------------------

function download(bytes: Uint8Array | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = element('a', undefined, { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const stem = () => state.name.replace(/\.baler$/, '');

function downloadRows(kind: 'csv' | 'npy'): void {
  if (!loadedTable) return;
  const name = `${stem()}-rows-${loadedRows.start}-${loadedRows.end}.${kind}`;
  if (kind === 'csv') download(tableToCsv(loadedTable), name, 'text/csv');
  else download(tableToNpy(loadedTable), name, 'application/octet-stream');
}

async function downloadBlock(kind: 'csv' | 'npy'): Promise<void> {
  const reader = state.reader;
  if (!reader) return;
  const frames = reader.info.shape[0]!;
  const start = Math.max(0, Math.min(frames - 1, Number($<HTMLInputElement>('block-start').value) || 0));
  const end = Math.max(start + 1, Math.min(frames, Number($<HTMLInputElement>('block-end').value) || 0));
  say(`Decoding frames ${start}:${end} …`);
  const block = (await reader.read({ start, end })) as Field;
  reportBytes();
  const shape = [end - start, ...block.shape.slice(1)];
  const name = `${stem()}-frames-${start}-${end}.${kind}`;
  if (kind === 'csv') download(fieldToCsv(block.data, shape, start), name, 'text/csv');
  else download(fieldToNpy(block.data, block.dtype, shape), name, 'application/octet-stream');
  say(`Frames ${start}:${end} downloaded as ${name}.`);
}

// ---- wiring -------------------------------------------------------------------------------------------

function onReader(action: (reader: BalerReader) => Promise<void> | void) {
  return (event?: Event) => {
    event?.preventDefault();
    if (state.reader) void run(async () => action(state.reader!));
  };
}

$('open-url').addEventListener('submit', (event) => {
  event.preventDefault();
  void run(() => openFromUrl($<HTMLInputElement>('url').value.trim()));
});
$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void run(() => openFromFile(file));
});
const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void run(() => openFromFile(file));
});
$('rows-form').addEventListener('submit', onReader(loadRows));
$('column').addEventListener('change', onReader(showColumn));
$('table-csv').addEventListener(
  'click',
  onReader(() => downloadRows('csv')),
);
$('table-npy').addEventListener(
  'click',
  onReader(() => downloadRows('npy')),
);
$('block-csv').addEventListener(
  'click',
  onReader(() => downloadBlock('csv')),
);
$('block-npy').addEventListener(
  'click',
  onReader(() => downloadBlock('npy')),
);
$('block-form').addEventListener('submit', (event) => event.preventDefault());
$<HTMLInputElement>('hold-scale').addEventListener(
  'change',
  onReader(async (reader) => {
    const held = $<HTMLInputElement>('hold-scale').checked && shownFrame ? summarize(shownFrame.data) : null;
    heldScale = held && { min: held.min, max: held.max };
    await showFrame(reader);
  }),
);
$('frame').addEventListener('mousemove', showValueUnderPointer);

// Offline: the service worker keeps the viewer and the file ranges already fetched (see sw.ts).
if ('serviceWorker' in navigator && location.protocol !== 'file:')
  navigator.serviceWorker.register('sw.js').catch(() => {});

const requested = new URLSearchParams(location.search).get('file');
if (requested) {
  $<HTMLInputElement>('url').value = requested;
  void run(() => openFromUrl(requested));
} else {
  document.body.dataset.state = 'idle';
}
