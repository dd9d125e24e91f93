// The scale figure of the codec issue: compress an input larger than memory budgets allow and report
// time and peak RSS (goal ≤ 512 MB). The input is built by tiling the shared CFD frames into a .npy of
// at least SIZE gigabytes (default 5), which Baler reads piece by piece.
// Run: node --import tsx bench/large.ts [SIZE_GB] [DIR] [--fast-decode] [--keep]
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Field } from '@baler/format';
import { compressToFile, openDataPieces, parseBound, readDataFile } from '@baler/trainer';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGB = Number(positional[0] ?? 5);
const directory = positional[1] ?? tmpdir();
const fastDecode = process.argv.includes('--fast-decode');
const input = join(directory, 'baler-large-input.npy');
const output = join(directory, 'baler-large-output.baler');
const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

const cfd = (await readDataFile(`${DATA}cfd-animation.npz`)) as Field;
const frameValues = 50 * 50;
const frameBytes = frameValues * 8;
const frames = Math.ceil((sizeGB * 1e9) / frameBytes);

/** A .npy v1.0 header for a little-endian float64 C-order array of `shape`, padded to 64 bytes. */
function npyHeader(shape: number[]): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const unpadded = 10 + dict.length + 1;
  const text = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const bytes = new Uint8Array(10 + text.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(bytes.buffer).setUint16(8, text.length, true);
  bytes.set(new TextEncoder().encode(text), 10);
  return bytes;
}

let started = performance.now();
const handle = await open(input, 'w');
await handle.write(npyHeader([frames, 50, 50]));
const block = new Uint8Array(cfd.data.buffer, cfd.data.byteOffset, cfd.data.byteLength);
for (let written = 0; written < frames; written += 60) {
  const n = Math.min(60, frames - written);
  await handle.write(block, 0, n * frameBytes);
}
await handle.close();
const inputBytes = frames * frameBytes;
console.log(
  `input: ${input}, ${frames} frames of 50×50 float64, ${(inputBytes / 1e9).toFixed(2)} GB, written in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);

try {
  started = performance.now();
  let lastReport = 0;
  // When the first check of the written file begins: compression (planning on the first piece, then
  // encoding and the writer's own check of every stream) ends there.
  let verifyStarted: number | undefined;
  const result = await compressToFile(await openDataPieces(input), output, {
    bound: parseBound('abs=1e-4'),
    fastDecode,
    overwrite: true,
    onProgress: (stage, done, total) => {
      const now = performance.now();
      if (stage === 'verify') verifyStarted ??= now;
      if (now - lastReport > 15000) {
        lastReport = now;
        console.log(
          `  ${stage} ${((100 * done) / total).toFixed(0)}%  rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
        );
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log('| figure | measured | goal |');
  console.log('|---|---|---|');
  console.log(
    `| input | ${(inputBytes / 1e9).toFixed(2)} GB float64 (${(inputBytes / 2e9).toFixed(2)} GB as float32) | ≥ 5 GB |`,
  );
  console.log(
    `| compress + verify every value${fastDecode ? ' (--fast-decode)' : ''}, wall time | ${seconds.toFixed(0)} s (${(inputBytes / 1e6 / seconds).toFixed(1)} MB/s of float64 input, ${(inputBytes / 2e6 / seconds).toFixed(1)} MB/s as float32) | — |`,
  );
  if (verifyStarted !== undefined) {
    const compressSeconds = (verifyStarted - started) / 1000;
    console.log(
      `|   of which compression (plan on the first piece, encode, each stream decoded and checked) | ${compressSeconds.toFixed(0)} s (${(inputBytes / 2e6 / compressSeconds).toFixed(1)} MB/s as float32) | ≥ 50 MB/s |`,
    );
    console.log(
      `|   and the check of the written file (read back, decoded, compared with a second read of the input) | ${(seconds - compressSeconds).toFixed(0)} s | — |`,
    );
  }
  console.log(`| peak RSS of the process | ${peakMB.toFixed(0)} MB | ≤ 512 MB |`);
  console.log(
    `| output | ${result.summary.fileBytes} bytes, ${result.summary.ratioToFloat32.toFixed(2)}× vs float32, ${result.summary.chunks} chunks | — |`,
  );
  console.log(
    `| verified | ${result.verification?.values} values, max |error| ${result.verification?.maxAbsoluteError.toExponential(3)} (bound 1e-4) | — |`,
  );
} finally {
  if (!process.argv.includes('--keep')) {
    await rm(input, { force: true });
    await rm(output, { force: true });
  }
}
