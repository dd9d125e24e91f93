// The viewer's files, built when `baler publish` runs: the viewer and its service worker bundled by the
// decoder's own browser build (esbuild, with its check that no Node built-in slips in), the decoder bundle
// itself for the snippets, and the page and styles copied as they are. Bundling at publish time rather
// than committing a prebuilt bundle keeps the viewer in step with the decoder it ships.
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildBrowserBundle } from '@baler/decoder/build';

const VIEWER = fileURLToPath(new URL('../../viewer/', import.meta.url));

export interface ViewerAssets {
  /** File name → bytes, of every file written. */
  files: Record<string, number>;
  /** gzip -9 bytes of what the viewer page downloads: viewer.js, viewer.html and site.css. */
  viewerGzipBytes: number;
}

/**
 * Writes the viewer, decoder bundle, styles and service worker into `dir`. The service worker's cache is
 * named after a hash of these files and `landingPage`, so that a new site replaces an older cache.
 */
export async function writeViewerAssets(dir: string, landingPage: string): Promise<ViewerAssets> {
  const decoder = await buildBrowserBundle(join(dir, 'baler-decoder.js'));
  const viewer = await buildBrowserBundle(join(dir, 'viewer.js'), join(VIEWER, 'main.ts'));
  const worker = await buildBrowserBundle(join(dir, 'sw.js'), join(VIEWER, 'sw.ts'));
  await copyFile(join(VIEWER, 'viewer.html'), join(dir, 'viewer.html'));
  await copyFile(join(VIEWER, 'site.css'), join(dir, 'site.css'));
  const hash = createHash('sha256').update(landingPage);
  for (const name of ['baler-decoder.js', 'viewer.js', 'viewer.html', 'site.css'])
    hash.update(await readFile(join(dir, name)));
  const swPath = join(dir, 'sw.js');
  const sw = await readFile(swPath, 'utf8');
  await writeFile(swPath, sw.replace('__SITE_VERSION__', hash.digest('hex').slice(0, 16)));
  const gzip = async (name: string) => gzipSync(await readFile(join(dir, name)), { level: 9 }).length;
  return {
    files: {
      'baler-decoder.js': decoder.bytes,
      'viewer.js': viewer.bytes,
      'sw.js': worker.bytes,
      'viewer.html': (await readFile(join(dir, 'viewer.html'))).length,
      'site.css': (await readFile(join(dir, 'site.css'))).length,
    },
    viewerGzipBytes: viewer.gzipBytes + (await gzip('viewer.html')) + (await gzip('site.css')),
  };
}
