// Decode throughput in Debian's Chromium: the browser bundle, served from a local static server, decodes
// each file from memory on a page; the median of batches of decodes after a second of warm-up.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { launchChromium } from '../scripts/chromium.ts';

export interface BrowserTiming {
  file: string;
  medianMs: number;
  float32Bytes: number;
}

/** Serves `dir` (which holds baler-decoder.js and the files) and times `runs` decodes of each file. */
export async function measureInChromium(
  dir: string,
  files: string[],
  runs: number,
): Promise<BrowserTiming[]> {
  const server = createServer(async (request, response) => {
    const name = new URL(request.url ?? '/', 'http://x').pathname.slice(1);
    if (name === '') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
      return;
    }
    try {
      if (!/^[\w.-]+$/.test(name)) throw new Error('not served');
      const body = await readFile(join(dir, name));
      const type = name.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ files, runs }) => {
        const bundle = '/baler-decoder.js'; // a URL for the page, not a module of this project
        const { openBytes } = await import(bundle);
        const results = [];
        for (const file of files) {
          const bytes = new Uint8Array(await (await fetch(`/${file}`)).arrayBuffer());
          const reader = await openBytes(bytes);
          // A second of reads first, as in Node: the JIT optimises the loops.
          for (const start = performance.now(); performance.now() - start < 1000; ) await reader.read();
          // Each sample is a batch of reads lasting ≥ 50 ms: a page's clock is coarsened (to 0.1 ms or
          // more), too coarse to time one read of a few milliseconds.
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const start = performance.now();
            let reads = 0;
            do {
              await reader.read();
              reads++;
            } while (performance.now() - start < 50);
            times.push((performance.now() - start) / reads);
          }
          times.sort((a, b) => a - b);
          results.push({ file, medianMs: times[times.length >> 1]!, float32Bytes: reader.info.float32Bytes });
        }
        return results;
      },
      { files, runs },
    );
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
