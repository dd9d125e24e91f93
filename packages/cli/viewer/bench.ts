// How fast the viewer of a `baler publish` site opens a large remote file: a 128 × 256 × 256 float32
// field (32 MiB) is compressed, published and served locally; Chromium, on a network emulated at
// 20 Mbit/s with 40 ms latency, opens it in the viewer and steps to the last frame. Prints the time to the
// first frame and the bytes fetched, next to what downloading the whole file would take.
// Run: node --import tsx packages/cli/viewer/bench.ts
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressDataset, parseBound } from '@baler/trainer';
import { flowLikeField } from '../../../test/flow-field.ts';
import { startStaticServer } from '../../../test/static-server.ts';
import { launchChromium } from '../../decoder/scripts/chromium.ts';
import { publishSite } from '../src/publish/site.ts';

const [FRAMES, ROWS, COLS] = [128, 256, 256];
const BITS_PER_SECOND = 20e6;
const LATENCY_MS = 40;

const dir = await mkdtemp(join(tmpdir(), 'baler-viewer-bench-'));
try {
  let started = performance.now();
  const compressed = await compressDataset(flowLikeField(FRAMES, ROWS, COLS, 0.05), {
    bound: parseBound('abs=1e-3'),
    source: 'bench field',
  });
  console.log(
    `compressed 32 MiB to ${compressed.bytes.length.toLocaleString('en-US')} bytes, ` +
      `${compressed.summary.chunks} chunks, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  await writeFile(join(dir, 'big.baler'), compressed.bytes);
  await publishSite([join(dir, 'big.baler')], join(dir, 'site'), { quiet: true });
  const server = await startStaticServer(join(dir, 'site'));
  const browser = await launchChromium();
  try {
    // No service worker: the bench measures the network, not the cache.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY_MS,
      downloadThroughput: BITS_PER_SECOND / 8,
      uploadThroughput: BITS_PER_SECOND / 8,
    });
    const ready = () => page.waitForFunction(() => document.body.dataset.state === 'ready');
    const fetched = () => server.served.get('/big.baler') ?? 0;
    started = performance.now();
    await page.goto(`${server.origin}/viewer.html?file=big.baler`);
    await ready();
    const firstFrame = performance.now() - started;
    const firstBytes = fetched();
    started = performance.now();
    await page.locator('#axis-0').focus();
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.getElementById('axis-0-value')?.textContent?.startsWith('127'));
    await ready();
    const lastFrame = performance.now() - started;
    const whole = (compressed.bytes.length * 8) / BITS_PER_SECOND + LATENCY_MS / 1000;
    console.log(
      `network ${BITS_PER_SECOND / 1e6} Mbit/s, ${LATENCY_MS} ms latency; viewer page included in the first figure\n` +
        `first frame shown after ${(firstFrame / 1000).toFixed(2)} s, ${firstBytes.toLocaleString('en-US')} bytes of the file fetched ` +
        `(${((100 * firstBytes) / compressed.bytes.length).toFixed(1)}%)\n` +
        `last frame shown ${(lastFrame / 1000).toFixed(2)} s later, ${fetched().toLocaleString('en-US')} bytes fetched in all\n` +
        `downloading the whole file would take ${whole.toFixed(2)} s at this speed`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
