// The decoder in a real browser: Debian's Chromium, driven by playwright-core, loads the esbuild bundle of
// @baler/decoder from a local static server and decodes a .baler file of the real LHCb table over HTTP
// range requests, on a page and in a module Web Worker. Every column must equal Node's decode bit for bit,
// and a row-range read must download only part of the file.
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBytes } from '@baler/decoder';
import type { Dataset } from '@baler/format';
import { compressDataset, parseBound, readDataFile } from '@baler/trainer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../packages/decoder/scripts/build.ts';
import { launchChromium } from '../packages/decoder/scripts/chromium.ts';
import { type StaticServer, startStaticServer } from './static-server.ts';

const FIXTURES = fileURLToPath(new URL('fixtures/browser/', import.meta.url));
const LHCB = fileURLToPath(new URL('../../shared/data/lhcb-b2hhh.h5', import.meta.url));

interface Description {
  kind: string;
  shape: number[];
  chunks: number;
  streams: { name: string; dtype: string; length: number; sha256: string }[];
  bytesFetched: number;
  requests: number;
}

declare global {
  interface Window {
    decodeOnPage(url: string, rows?: { start: number; end: number }): Promise<Description>;
    decodeInWorker(url: string, rows?: { start: number; end: number }): Promise<Description>;
  }
}

let dir: string;
let fileBytes: Uint8Array;
let server: StaticServer;
let origin: string;
let served: Map<string, number>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** What the browser side reports, computed in Node from @baler/decoder's own decode. */
async function describeInNode(rows?: { start: number; end: number }) {
  const reader = await openBytes(fileBytes);
  const data: Dataset = await reader.read(rows);
  const streams = data.kind === 'table' ? data.columns : [{ name: '', dtype: data.dtype, data: data.data }];
  return {
    kind: data.kind,
    shape: reader.info.shape,
    chunks: reader.info.chunks,
    streams: streams.map((s) => {
      const array = s.data as Float64Array;
      const sha256 = createHash('sha256')
        .update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
        .digest('hex');
      return { name: s.name, dtype: s.dtype, length: array.length, sha256 };
    }),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-browser-'));
  // Build the bundle as `npm run build -w @baler/decoder` does, so that a clean clone needs no build step.
  await buildBrowserBundle(join(dir, 'baler-decoder.js'));
  for (const name of ['index.html', 'decode.js', 'worker.js'])
    await copyFile(join(FIXTURES, name), join(dir, name));

  const table = await readDataFile(`${LHCB}:/data`);
  const compressed = await compressDataset(table, { bound: parseBound('pwrel=1e-3'), chunkRows: 500 });
  fileBytes = compressed.bytes;
  await writeFile(join(dir, 'lhcb.baler'), fileBytes);

  server = await startStaticServer(dir);
  ({ origin, served } = server);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => document.title === 'ready');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@baler/decoder in Chromium', () => {
  it('decodes the LHCb file over range requests on a page, bit for bit as Node does', async () => {
    const expected = await describeInNode();
    expect(expected.shape).toEqual([4322, 26]);
    expect(expected.chunks).toBe(9);
    served.clear();
    const got = await page.evaluate((url) => window.decodeOnPage(url), `${origin}/lhcb.baler`);
    expect(got).toMatchObject(expected);
    expect(served.get('/lhcb.baler')).toBe(got.bytesFetched);
    // Opening reads the header and the tail; the read-ahead then fetches adjacent sections together.
    expect(got.requests).toBeLessThan(20);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('reads rows 2000:2100 fetching only a small part of the file', async () => {
    served.clear();
    const rows = { start: 2000, end: 2100 };
    const expected = await describeInNode(rows);
    const got = await page.evaluate(([url, r]) => window.decodeOnPage(url, r), [
      `${origin}/lhcb.baler`,
      rows,
    ] as const);
    expect(got).toMatchObject(expected);
    expect(got.streams[0]!.length).toBe(100);
    // What the decoder counted is what the server sent, and it is one chunk of nine plus the file's tail.
    expect(served.get('/lhcb.baler')).toBe(got.bytesFetched);
    expect(got.bytesFetched).toBeLessThan(fileBytes.length / 3);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('decodes the same file in a module Web Worker that imports the bundle', async () => {
    const expected = await describeInNode();
    const whole = await page.evaluate((url) => window.decodeInWorker(url), `${origin}/lhcb.baler`);
    expect(whole).toMatchObject(expected);
    const rows = { start: 4300, end: 4322 };
    const part = await page.evaluate(([url, r]) => window.decodeInWorker(url, r), [
      `${origin}/lhcb.baler`,
      rows,
    ] as const);
    expect(part).toMatchObject(await describeInNode(rows));
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
