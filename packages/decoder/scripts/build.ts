// Builds the browser bundle `dist/baler-decoder.js`: one minified ES module of the platform-free entry
// (src/index.ts with @baler/format and fflate inlined), loadable from a plain <script type="module"> or a
// module Web Worker. Fails if anything in it would import a Node built-in. Run: `npm run build`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));
export const OUTFILE = fileURLToPath(new URL('../dist/baler-decoder.js', import.meta.url));

export interface BrowserBundle {
  path: string;
  bytes: number;
  /** Size after gzip -9, what a browser downloads from a server that compresses. */
  gzipBytes: number;
}

/**
 * Bundles, checks and writes the browser bundle of `entry` (default: the decoder's web entry) to `outfile`.
 * Other browser code built on the decoder (the `baler publish` viewer) goes through the same build and check.
 */
export async function buildBrowserBundle(outfile = OUTFILE, entry = ENTRY): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const text = new TextDecoder().decode(code);
  const nodeImports = [
    ...Object.keys(result.metafile.inputs).filter((p) => p.startsWith('node:')),
    ...(text.match(/\bfrom\s*["']node:[^"']+["']|\bimport\s*\(\s*["']node:[^"']+["']/g) ?? []),
  ];
  if (nodeImports.length > 0)
    throw new Error(`the browser bundle would import Node built-ins: ${nodeImports.join(', ')}`);
  await mkdir(dirname(outfile), { recursive: true });
  await writeFile(outfile, code);
  return { path: outfile, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bundle = await buildBrowserBundle();
  console.log(
    `${relative(process.cwd(), bundle.path)}: ${(bundle.bytes / 1024).toFixed(1)} KiB minified, ` +
      `${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzip`,
  );
}
