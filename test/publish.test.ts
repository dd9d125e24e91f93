// `baler publish` in a real browser: the embedded LHCb sample and a small CFD-like field are compressed,
// published, and served by a local static server with Range support; Debian's Chromium opens the landing
// page and the viewer, checks decoded values against Node's decode, checks that only part of each file
// was fetched, drives the controls by keyboard, downloads CSV and .npy, reopens a file offline, and saves
// screenshots (BALER_SHOTS, default $TMPDIR/publish-shots) to look at.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openBytes } from '@baler/decoder';
import type { Field, Table } from '@baler/format';
import { compressDataset, parseBound, readDataFile } from '@baler/trainer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapturing } from '../packages/cli/src/test-support.ts';
import { launchChromium } from '../packages/decoder/scripts/chromium.ts';
import { flowLikeField } from './flow-field.ts';
import { type StaticServer, startStaticServer } from './static-server.ts';

const SAMPLE = fileURLToPath(new URL('../data/sample/lhcb-sample.h5', import.meta.url));
const SHOTS = process.env.BALER_SHOTS ?? join(tmpdir(), 'publish-shots');

let dir: string;
let site: string;
let lhcbBytes: Uint8Array;
let fieldBytes: Uint8Array;
let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const pageErrors: string[] = [];

async function waitReady(): Promise<void> {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''));
  expect(await page.evaluate(() => document.getElementById('status')!.textContent)).not.toMatch(/error/i);
  expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-publish-'));
  const table = await readDataFile(`${SAMPLE}:/data`);
  const lhcb = await compressDataset(table, {
    bound: parseBound('pwrel=1e-3'),
    chunkRows: 250,
    source: 'lhcb-sample.h5:/data',
    learn: false,
  });
  lhcbBytes = lhcb.bytes;
  await writeFile(join(dir, 'lhcb-sample.baler'), lhcbBytes);
  // 24 × 48 × 64 with a little noise: large enough next to the file's 4 KiB tail for partial reads to show.
  const field = await compressDataset(flowLikeField(24, 48, 64, 0.01), {
    bound: parseBound('abs=1e-3'),
    chunkRows: 4,
    source: 'synthetic flow',
  });
  fieldBytes = field.bytes;
  await writeFile(join(dir, 'flow.baler'), fieldBytes);

  site = join(dir, 'site');
  const published = await runCapturing([
    'publish',
    join(dir, 'lhcb-sample.baler'),
    join(dir, 'flow.baler'),
    '-o',
    site,
    '--title',
    'Test datasets',
  ]);
  expect(published.err).toBe('');
  expect(published.code).toBe(0);

  server = await startStaticServer(site);
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('baler publish, in Chromium', () => {
  it('lists each file on the landing page with its bound, honest ratio, provenance and snippets', async () => {
    await page.goto(`${server.origin}/`);
    const text = await page.locator('main').textContent();
    const lhcb = (await openBytes(lhcbBytes)).info;
    expect(text).toContain('lhcb-sample.baler');
    expect(text).toContain('table, 1,000 rows × 26 columns (float64)');
    expect(text).toContain(lhcb.bounds.join('; '));
    expect(text).toContain(`${lhcb.fileBytes.toLocaleString('en-US')} bytes`);
    expect(text).toContain('lhcb-sample.h5:/data');
    expect(text).toContain('flow.baler');
    expect(text).toContain('field [24 × 48 × 64] (float32)');
    expect(text).toContain('synthetic flow');
    // The snippets name the address the site is served from, not the placeholder.
    const node = await page.locator('#node-0').textContent();
    expect(node).toContain(`openUrl('${server.origin}/lhcb-sample.baler')`);
    expect(node).not.toContain('your.host');
    await page.getByText('Read it in Node').first().click();
    await page.screenshot({ path: join(SHOTS, 'landing.png'), fullPage: true });
  });

  it('has snippets that run as printed: in Node next to the site’s baler-decoder.js, and in a page', async () => {
    const reader = await openBytes(fieldBytes);
    const first = ((await reader.read({ start: 0, end: 1 })) as Field).data[0];
    const node = (await page.locator('#node-1').textContent())!;
    const script = join(site, 'snippet.mjs');
    await writeFile(script, node);
    // Plain text whatever the runner's environment (nx sets FORCE_COLOR, which colours console.log).
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    const { stdout } = await promisify(execFile)(process.execPath, [script], { env });
    expect(stdout).toContain(`[ 1, 48, 64 ] ${first}`);
    expect(stdout).toMatch(new RegExp(`\\d+ of ${fieldBytes.length} bytes fetched`));

    const html = (await page.locator('#browser-1').textContent())!;
    await writeFile(
      join(site, 'snippet.html'),
      html.replace(
        'console.log(frame.shape, frame.data[0]);',
        'document.title = String([frame.shape, frame.data[0]]);',
      ),
    );
    const snippetPage = await context.newPage();
    await snippetPage.goto(`${server.origin}/snippet.html`);
    await snippetPage.waitForFunction(() => document.title !== '');
    expect(await snippetPage.title()).toBe(`1,48,64,${first}`);
    await snippetPage.close();
  });

  it('opens the LHCb sample from the landing page, decoding values as Node does from part of the file', async () => {
    server.served.clear();
    await page.getByRole('link', { name: 'Open in the viewer' }).first().click();
    await waitReady();
    const reader = await openBytes(lhcbBytes);
    const firstChunk = (await reader.read({ start: 0, end: 250 })) as Table;
    // The preview's cells are the decoded float64 values printed in full: equal to Node's, bit for bit.
    const cells = await page.locator('#rows-preview tr').nth(1).locator('td').allTextContents();
    expect(cells.map(Number)).toEqual(firstChunk.columns.map((c) => (c.data as Float64Array)[0]));
    const bytesRead = Number(await page.evaluate(() => document.body.dataset.bytesRead));
    expect(bytesRead).toBe(server.served.get('/lhcb-sample.baler'));
    expect(bytesRead).toBeLessThan(lhcbBytes.length / 2);
    console.log(`LHCb sample, rows 0:250 shown: ${bytesRead} of ${lhcbBytes.length} bytes fetched`);
    expect(await page.locator('#info-body').textContent()).toContain('lhcb-sample.h5:/data');
  });

  it('is driven by keyboard: rows, columns and downloads, with CSV and .npy equal to Node’s decode', async () => {
    const reader = await openBytes(lhcbBytes);
    const rows = (await reader.read({ start: 600, end: 640 })) as Table;
    await page.locator('#row-start').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('600');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('640');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.getElementById('status')!.textContent === 'Rows 600:640 decoded.',
    );
    await page.locator('#column').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const name = rows.columns[2]!.name;
    await expect
      .poll(() => page.locator('#histogram-caption').textContent())
      .toContain(`${name}, rows 600:640`);
    // Every control has a label a screen reader announces.
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, button'))
        .filter((e) => !(e as HTMLElement).closest('[hidden]'))
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.textContent?.trim())
        .map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'table.png'), fullPage: true });

    // Focus is visible: the control reached by Tab wears the site's 3 px orange outline.
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return [document.activeElement!.tagName, style.outlineStyle, style.outlineWidth, style.outlineColor];
    });
    expect(ring.slice(1)).toEqual(['solid', '3px', 'rgb(224, 112, 16)']);
    await page.locator('#table-csv').focus();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(csv.suggestedFilename()).toBe('lhcb-sample-rows-600-640.csv');
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(41);
    expect(lines[0]!.split(',')).toEqual(rows.columns.map((c) => c.name));
    expect(lines[1]!.split(',').map(Number)).toEqual(rows.columns.map((c) => (c.data as Float64Array)[0]));

    await page.keyboard.press('Tab');
    const [npy] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const npyPath = join(dir, npy.suggestedFilename());
    await npy.saveAs(npyPath);
    const bytes = await readFile(npyPath);
    const headerLength = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
    expect(header).toContain("'shape': (40,)");
    expect(header).toContain(`('${rows.columns[0]!.name}', '<f8')`);
    // Row 0 is the 26 columns' float64 values side by side.
    const first = new Float64Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength)).subarray(0, 26);
    expect([...first]).toEqual(rows.columns.map((c) => (c.data as Float64Array)[0]));
    const numpy = await promisify(execFile)('python3', [
      '-c',
      'import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape, len(a.dtype.names), repr(float(a[5][3])))',
      npyPath,
    ]).catch(() => null); // numpy is optional on a test machine; the bytes are checked above either way
    console.log(`numpy read the .npy: ${numpy ? numpy.stdout.trim() : 'numpy not available, skipped'}`);
    if (numpy) expect(numpy.stdout.trim()).toBe(`(40,) 26 ${(rows.columns[3]!.data as Float64Array)[5]}`);
    expect(pageErrors).toEqual([]);
  });

  it('shows frames of a field by URL with a slider, fetching only their chunks, and downloads a block', async () => {
    await page.goto(`${server.origin}/viewer.html`);
    server.served.clear();
    await page.getByLabel('URL of a .baler file').fill('flow.baler');
    await page.keyboard.press('Enter');
    await waitReady();
    // Hold frame 0's colour scale, so that the frames shown next compare with it.
    await page.locator('#hold-scale').focus();
    await page.keyboard.press('Space');
    await page.locator('#axis-0').focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('#axis-0-value').textContent()).toBe('23 of 23');
    await waitReady();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('#axis-0-value').textContent()).toBe('22 of 23');
    await waitReady();
    expect(await page.locator('#frame-caption').textContent()).toContain('colours on the held scale');
    await page.screenshot({ path: join(SHOTS, 'field.png'), fullPage: true });
    // Frames 0, 23 and 22 live in chunks 0 and 5 of 6 (4 frames each): the other four were never fetched.
    const bytesRead = Number(await page.evaluate(() => document.body.dataset.bytesRead));
    expect(bytesRead).toBe(server.served.get('/flow.baler'));
    expect(bytesRead).toBeLessThan(fieldBytes.length * 0.5);
    console.log(`field, frames 0, 23, 22 shown: ${bytesRead} of ${fieldBytes.length} bytes fetched`);

    const [npy] = await Promise.all([page.waitForEvent('download'), page.locator('#block-npy').click()]);
    expect(npy.suggestedFilename()).toBe('flow-frames-22-23.npy');
    const bytes = await readFile((await npy.path())!);
    const headerLength = bytes.readUInt16LE(8);
    expect(bytes.subarray(10, 10 + headerLength).toString('latin1')).toContain(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 48, 64), }",
    );
    const got = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength));
    const expected = ((await (await openBytes(fieldBytes)).read({ start: 22, end: 23 })) as Field).data;
    expect(got).toEqual(expected);
    expect(pageErrors).toEqual([]);
  });

  it('opens a file chosen from disk, reading it slice by slice like a URL', async () => {
    await page.goto(`${server.origin}/viewer.html`);
    await page.locator('#file').setInputFiles(join(dir, 'lhcb-sample.baler'));
    await waitReady();
    const reader = await openBytes(lhcbBytes);
    const firstChunk = (await reader.read({ start: 0, end: 250 })) as Table;
    const cells = await page.locator('#rows-preview tr').nth(1).locator('td').allTextContents();
    expect(cells.map(Number)).toEqual(firstChunk.columns.map((c) => (c.data as Float64Array)[0]));
    expect(Number(await page.evaluate(() => document.body.dataset.bytesRead))).toBeLessThan(
      lhcbBytes.length / 2,
    );
    expect(pageErrors).toEqual([]);
  });

  it('asks nothing of any other origin, and reopens a file it has seen while offline', async () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(
      requests.filter((url) => !url.startsWith(`${server.origin}/`) && !url.startsWith('blob:')),
    ).toEqual([]);
    // The service worker controls the page once it is active; from then on, what was fetched is cached.
    await page.goto(`${server.origin}/viewer.html?file=lhcb-sample.baler`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await waitReady();
    await context.setOffline(true);
    try {
      await page.reload();
      await waitReady();
      const cells = await page.locator('#rows-preview tr').nth(1).locator('td').allTextContents();
      const reader = await openBytes(lhcbBytes);
      const firstChunk = (await reader.read({ start: 0, end: 250 })) as Table;
      expect(cells.map(Number)).toEqual(firstChunk.columns.map((c) => (c.data as Float64Array)[0]));
      // Truly offline: a range never fetched before does not come back.
      const uncached = await page.evaluate(() =>
        fetch('lhcb-sample.baler', { headers: { range: 'bytes=100-199' } }).then(
          (r) => r.status,
          () => 'failed',
        ),
      );
      expect(uncached).toBe('failed');
    } finally {
      await context.setOffline(false);
    }
  });
});
