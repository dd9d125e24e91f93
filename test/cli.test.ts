// End to end through the real `baler` command: compress the shared datasets at each kind of bound, decode
// them again, and check every value; plus the failure paths a user meets first.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Field, NumericArray, Table } from '@baler/format';
import { readDataFile } from '@baler/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../packages/cli/bin/baler.js', import.meta.url));
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const LHCB = `${DATA}lhcb-b2hhh.h5:/data`;
const CFD = `${DATA}cfd-animation.h5:/data`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-e2e-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function baler(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      maxBuffer: 1 << 26,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function expectWithin(
  original: NumericArray,
  decoded: NumericArray,
  allowed: (x: number) => number,
  what: string,
) {
  expect(decoded.length, what).toBe(original.length);
  let worst = 0;
  for (let i = 0; i < original.length; i++) {
    const x = Number(original[i]);
    const excess = Math.abs(Number(decoded[i]) - x) - allowed(x);
    if (excess > worst) worst = excess;
  }
  expect(worst, `${what}: largest excess over the bound`).toBe(0);
}

describe('baler compress / decompress / info on the shared datasets', () => {
  it('LHCb at pwrel=1e-3: every value within bound, charges and flags exact, honest byte account', async () => {
    const out = join(dir, 'lhcb.baler');
    const compressed = await baler(
      'compress',
      LHCB,
      '-o',
      out,
      '--error-bound',
      'pwrel=1e-3',
      '--column',
      'H?_Charge=exact',
      '--json',
    );
    expect(compressed.code, compressed.stderr).toBe(0);
    const summary = JSON.parse(compressed.stdout);
    expect(summary.verified.maxRelativeError).toBeLessThanOrEqual(1e-3);

    const info = JSON.parse((await baler('info', out, '--json')).stdout);
    const accounted =
      info.containerBytes +
      info.sections.reduce((n: number, s: { storedBytes: number }) => n + s.storedBytes, 0);
    expect(accounted).toBe((await readFile(out)).length);
    expect(info.columns).toHaveLength(26);

    const decodedPath = join(dir, 'lhcb.npz');
    expect((await baler('decompress', out, '-o', decodedPath)).code).toBe(0);
    const original = (await readDataFile(LHCB)) as Table;
    const decoded = (await readDataFile(decodedPath)) as Table;
    original.columns.forEach((column, j) => {
      const values = column.data as Float64Array;
      const back = decoded.columns[j]!.data as Float64Array;
      if (/Charge|isMuon/.test(column.name)) expect(back, column.name).toEqual(values);
      else expectWithin(values, back, (x) => 1e-3 * Math.abs(x), column.name);
    });
  }, 60_000);

  it('CFD at abs=1e-4 and rel=1e-3: within bound; a row slice equals the slice of the whole; same bytes twice', async () => {
    const original = (await readDataFile(CFD)) as Field;
    for (const [bound, allowed] of [
      ['abs=1e-4', 1e-4],
      ['rel=1e-3', 1e-3 * 0.05876113474369049],
    ] as const) {
      const out = join(dir, `cfd-${bound}.baler`);
      expect((await baler('compress', CFD, '-o', out, '-e', bound, '-q')).code).toBe(0);
      const decodedPath = join(dir, `cfd-${bound}.npy`);
      expect((await baler('decompress', out, '-o', decodedPath)).code).toBe(0);
      const decoded = (await readDataFile(decodedPath)) as Field;
      expect(decoded.shape).toEqual([60, 50, 50]);
      expectWithin(original.data, decoded.data, () => allowed * (1 + 1e-12), `CFD ${bound}`);

      const slicePath = join(dir, `cfd-${bound}-slice.npy`);
      expect((await baler('decompress', out, '-o', slicePath, '--rows', '7:19')).code).toBe(0);
      const slice = (await readDataFile(slicePath)) as Field;
      expect(slice.shape).toEqual([12, 50, 50]);
      expect(slice.data).toEqual(decoded.data.subarray(7 * 2500, 19 * 2500));
    }
    const again = join(dir, 'cfd-again.baler');
    await baler('compress', CFD, '-o', again, '-e', 'abs=1e-4', '-q');
    expect(await readFile(again)).toEqual(await readFile(join(dir, 'cfd-abs=1e-4.baler')));
  }, 90_000);
});

describe('what a user meets when something is wrong', () => {
  it('refuses to overwrite without --force, and never overwrites the input', async () => {
    const out = join(dir, 'exists.baler');
    await writeFile(out, 'keep me');
    const refused = await baler('compress', LHCB, '-o', out, '-e', 'lossless');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; pass --force/);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const csv = join(dir, 'in.csv');
    await writeFile(csv, 'a,b\n1,2\n');
    expect((await baler('compress', csv, '-o', csv, '-e', 'lossless', '--force')).stderr).toMatch(
      /never overwrites its input/,
    );
  }, 30_000);

  it('names a damaged file, a wrong dataset path and a ragged CSV, each with exit code 2', async () => {
    const good = join(dir, 'small.baler');
    const csv = join(dir, 'small.csv');
    await writeFile(csv, 'x,y,label\n1.5,2,a\n-0,NaN,b\n3,Infinity,c\n');
    expect((await baler('compress', csv, '-o', good, '-e', 'abs=0.01')).code).toBe(0);
    const reversed = await baler('decompress', good, '-o', join(dir, 'y.csv'), '--rows', '3:1');
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--rows 3:1 ends before it starts; write a:b with a ≤ b, e.g. 1:3/);
    const past = await baler('decompress', good, '-o', join(dir, 'y.csv'), '--rows', '5:');
    expect(past.stderr).toMatch(/--rows 5: is outside the file's 3 rows; use a range within 0:3/);
    const bytes = await readFile(good);
    bytes[20]! ^= 0x40;
    const damaged = join(dir, 'damaged.baler');
    await writeFile(damaged, bytes);
    const result = await baler('decompress', damaged, '-o', join(dir, 'x.csv'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Checksum mismatch in section "exact|residuals|exceptions/);

    const wrongPath = await baler(
      'compress',
      `${DATA}lhcb-b2hhh.h5:/nope`,
      '-o',
      join(dir, 'w.baler'),
      '-e',
      'lossless',
    );
    expect(wrongPath.code).toBe(2);
    expect(wrongPath.stderr).toMatch(/\/data/);

    const ragged = join(dir, 'ragged.csv');
    await writeFile(ragged, 'a,b\n1,2\n3\n');
    const raggedResult = await baler('compress', ragged, '-o', join(dir, 'r.baler'), '-e', 'lossless');
    expect(raggedResult.code).toBe(2);
    expect(raggedResult.stderr).toMatch(/line 3/);
  }, 30_000);
});
