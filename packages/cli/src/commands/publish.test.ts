import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openBytes } from '@baler/decoder';
import type { Dataset, DenseNetwork, Table } from '@baler/format';
import {
  BalerWriter,
  bytesSource,
  findSections,
  MemorySink,
  OPTIONAL_KIND_BASE,
  openBaler,
  readSection,
  SECTION_KIND,
  writeDataset,
  writeDatasetPieces,
  writeExactDataset,
} from '@baler/format';
import { fixtureStencilOffsets } from '@baler/format/testing';
import { datasetPieces, denseNetworkToOnnx } from '@baler/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableToNpy } from '../../viewer/npy.ts';
import { runCapturing } from '../test-support.ts';

const PYTHON_ENTITIES: Record<string, string> = { quot: '"', '#39': "'", lt: '<', gt: '>', amp: '&' };
let dir: string;
const rows = 64;
const table: Table = {
  kind: 'table',
  rowCount: rows,
  columns: ['a', 'b'].map((name, j) => ({
    name,
    dtype: 'float64' as const,
    data: Float64Array.from({ length: rows }, (_, i) => Math.sin(i / 7 + j)),
  })),
  attributes: {},
};

/** Runs Python code in `cwd`; null when there is no Python (BALER_PYTHON, default python3) to run it. */
async function runPython(code: string, cwd: string): Promise<{ stdout: string; stderr: string } | null> {
  const python = process.env.BALER_PYTHON ?? 'python3';
  const ran = await promisify(execFile)(python, ['-c', code], { cwd }).catch((error) => error);
  return ran.code === 'ENOENT' ? null : { stdout: ran.stdout, stderr: ran.stderr };
}

/** A small table whose values a two-layer network predicts: the file carries that network as ONNX. */
async function withDecoderNetwork(): Promise<Uint8Array> {
  const network: DenseNetwork = {
    layers: [
      {
        inputs: 1,
        outputs: 4,
        weight: Float32Array.of(1, -1, 0.5, 2),
        bias: new Float32Array(4),
        activation: 'tanh',
        alpha: 0.01,
      },
      {
        inputs: 4,
        outputs: 2,
        weight: new Float32Array(8).fill(0.25),
        bias: new Float32Array(2),
        activation: 'linear',
        alpha: 0.01,
      },
    ],
  };
  const sink = new MemorySink();
  const source = datasetPieces(table);
  await writeDatasetPieces(
    source.header,
    source.pieces(32),
    sink,
    table.columns.map((_, j) => ({
      method: {
        name: 'quantized',
        domain: 'linear',
        step: 2e-3,
        predictor: { name: 'model', output: j, scale: 1, offset: 0 },
      } as never,
      bound: { kind: 'abs', value: 1e-3 },
      tolerance: { absolute: 1e-3, relative: 0 },
    })),
    {
      decoder: {
        onnx: denseNetworkToOnnx(network),
        info: { latent: 1, latentStep: 0.1, outputs: 2 },
        latents: () => Int32Array.from({ length: 32 }, (_, i) => i % 5),
      },
    },
  );
  return sink.bytes();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-publish-cmd-'));
  const sink = new MemorySink();
  await writeExactDataset(table, sink, { chunkRows: 16 });
  await writeFile(join(dir, 'exact.baler'), sink.bytes());
  await writeFile(join(dir, 'learned.baler'), await withDecoderNetwork());
  await writeFile(join(dir, 'stencil.baler'), await withStencilNetwork());
});

/** A small field predicted by the format tests' committed stencil network (5 neighbours → 1). */
async function withStencilNetwork(): Promise<Uint8Array> {
  const onnx = new Uint8Array(
    await readFile(new URL('../../../format/src/model/testdata/stencil-network.onnx', import.meta.url)),
  );
  const shape = [6, 7, 8];
  const data = Float64Array.from({ length: 6 * 7 * 8 }, (_, i) => Math.sin(i / 9));
  const sink = new MemorySink();
  const predictor = {
    name: 'stencil-network',
    offsets: fixtureStencilOffsets(),
    weights: [1, 1, -1, 0, 0],
    inputOffset: 0,
    inputScale: 1,
    outputScale: 1e-3,
  };
  const field: Dataset = { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
  const plan = {
    method: { name: 'quantized', domain: 'linear', step: 2e-3, predictor } as never,
    bound: { kind: 'abs', value: 1e-3 } as const,
    tolerance: { absolute: 1e-3, relative: 0 },
  };
  await writeDataset(field, sink, [plan], { stencilNetwork: onnx });
  return sink.bytes();
}
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('baler publish', () => {
  it('writes the files, their carried decoder.onnx byte for byte, the landing page and the viewer', async () => {
    const site = join(dir, 'site');
    const run = await runCapturing([
      'publish',
      join(dir, 'exact.baler'),
      join(dir, 'learned.baler'),
      join(dir, 'stencil.baler'),
      '-o',
      site,
      '-q',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/wrote .*site\/: 3 files \(2 with its network as \.onnx\)/);
    expect((await readdir(site)).sort()).toEqual([
      'baler-decoder.js',
      'exact.baler',
      'index.html',
      'learned.baler',
      'learned.decoder.onnx',
      'site.css',
      'stencil.baler',
      'stencil.stencil-network.onnx',
      'sw.js',
      'viewer.html',
      'viewer.js',
    ]);
    const learned = await openBaler(bytesSource(await readFile(join(site, 'learned.baler'))));
    const model = await readSection(learned, findSections(learned, SECTION_KIND.model)[0]!);
    expect(new Uint8Array(await readFile(join(site, 'learned.decoder.onnx')))).toEqual(model);

    const landing = await readFile(join(site, 'index.html'), 'utf8');
    expect(landing).toContain('href="viewer.html?file=exact.baler"');
    expect(landing).toContain('table, 64 rows × 2 columns (float64)');
    expect(landing).toContain('session = ort.InferenceSession(&quot;learned.decoder.onnx&quot;)');
    expect(landing).toContain('input [batch, 1], output [batch, 2]');
    // A stencil network is described as what it is, not as a decoder of latents.
    expect(landing).toContain('input [batch, 5], output [batch, 1]');
    expect(landing).toContain(
      'stencil.stencil-network.onnx (corrects the field&#39;s stencil, run once per value)',
    );
    expect(landing).toContain('this file carries no decoder network');
    // The Python snippets run as printed on the page, on the published files: the standard-library part
    // always (where python3 exists), the onnxruntime part where BALER_PYTHON has onnxruntime and numpy.
    const snippet = (id: string) =>
      /<pre id="python-\d"><code>([\s\S]*?)<\/code>/
        .exec(landing.slice(landing.indexOf(`<pre id="${id}">`)))![1]!
        .replace(/&(quot|#39|lt|gt|amp);/g, (_, e) => PYTHON_ENTITIES[e]!);
    const metadata = await runPython(snippet('python-0').split('\n\n')[0]!, site);
    if (metadata)
      expect(metadata).toEqual({
        stderr: '',
        stdout:
          "[64, 2] {'tool': 'baler 0.1.0', 'configHash': None, 'source': None} [('a', {'kind': 'lossless'}), ('b', {'kind': 'lossless'})]\n",
      });
    // The viewer's download of the rows it shows first (0:32), which the snippet loads.
    const firstRows = await (await openBytes(await readFile(join(site, 'learned.baler')))).read({
      start: 0,
      end: 32,
    });
    await writeFile(join(site, 'learned-rows-0-32.npy'), tableToNpy(firstRows as Table));
    const onnx = await runPython(snippet('python-1'), site);
    if (onnx && !/No module named/.test(onnx.stderr)) {
      expect(onnx.stderr).toBe('');
      const decoded = (firstRows as Table).columns[0]!.data as Float64Array;
      const [shape, names] = onnx.stdout.split('\n').slice(1, 3);
      expect(shape).toBe('(4, 2)');
      expect(names!.startsWith("('a', 'b') [")).toBe(true);
      expect(JSON.parse(names!.slice(names!.indexOf('[')))).toEqual([...decoded.subarray(0, 5)]);
    }
    // Offline: nothing on the site refers to another host (the one link to Baler's home is not fetched).
    for (const name of ['index.html', 'viewer.html', 'viewer.js', 'sw.js', 'site.css'])
      expect(
        (await readFile(join(site, name), 'utf8')).match(/(src|href)="https?:[^"]*"/g) ?? [],
        name,
      ).toEqual(name === 'index.html' ? ['href="https://github.com/baler-collaboration/baler"'] : []);
    const sw = await readFile(join(site, 'sw.js'), 'utf8');
    expect(sw).not.toContain('__SITE_VERSION__');
    expect(sw).toMatch(/baler-site-[0-9a-f]{16}/);
  });

  it('keeps an existing folder unless --force, and --force replaces only a site it wrote', async () => {
    const site = join(dir, 'again');
    expect((await runCapturing(['publish', join(dir, 'exact.baler'), '-o', site, '-q'])).code).toBe(0);
    const refused = await runCapturing(['publish', join(dir, 'learned.baler'), '-o', site, '-q']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('already exists; pass --force');
    const replaced = await runCapturing(['publish', join(dir, 'learned.baler'), '-o', site, '--force', '-q']);
    expect(replaced.code).toBe(0);
    expect(await readdir(site)).not.toContain('exact.baler');

    const other = join(dir, 'photos');
    await mkdir(other);
    await writeFile(join(other, 'holiday.jpg'), 'not a site');
    const kept = await runCapturing(['publish', join(dir, 'exact.baler'), '-o', other, '--force']);
    expect(kept.code).toBe(2);
    expect(kept.err).toContain('not a baler site');
    expect(await readdir(other)).toEqual(['holiday.jpg']);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a file with a damaged chunk before writing anything', async () => {
    const bytes = await readFile(join(dir, 'exact.baler'));
    const file = await openBaler(bytesSource(bytes));
    const last = findSections(file, SECTION_KIND.exact).at(-1)!;
    const damaged = Uint8Array.from(bytes);
    damaged[last.offset + (last.storedLength >> 1)]! ^= 0x10;
    await writeFile(join(dir, 'damaged.baler'), damaged);
    const site = join(dir, 'damaged-site');
    const refused = await runCapturing(['publish', join(dir, 'damaged.baler'), '-o', site, '-q']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/checksum/i);
    expect(await readdir(dir)).not.toContain('damaged-site');
  });

  it('skips optional sections, which readers may skip too (SPEC.md §4.1), even damaged ones', async () => {
    // exact.baler rewritten with an optional section (kind 0x8001) whose stored bytes are then damaged.
    const original = await openBaler(bytesSource(await readFile(join(dir, 'exact.baler'))));
    const sink = new MemorySink();
    const writer = await BalerWriter.start(sink);
    for (const entry of original.sections) {
      if (entry.kind === SECTION_KIND.metadata || entry.kind === SECTION_KIND.chunkIndex) continue;
      const { kind, chunk, stream } = entry;
      await writer.addSection({ kind, chunk, stream, payload: await readSection(original, entry) });
    }
    const extra = await writer.addSection({
      kind: OPTIONAL_KIND_BASE + 1,
      payload: Uint8Array.of(1, 2, 3, 4),
    });
    await writer.finish(original.metadata, original.grid);
    const bytes = sink.bytes();
    bytes[extra.offset + 1]! ^= 0x40;
    await writeFile(join(dir, 'optional.baler'), bytes);
    const site = join(dir, 'optional-site');
    expect((await runCapturing(['publish', join(dir, 'optional.baler'), '-o', site, '-q'])).code).toBe(0);
    expect(await readdir(site)).toContain('optional.baler');
  });

  it('says what is wrong with the arguments, and has --help', async () => {
    expect((await runCapturing(['publish', join(dir, 'exact.baler')])).err).toContain('missing -o SITE/');
    expect((await runCapturing(['publish', '-o', join(dir, 'x')])).err).toContain('missing FILE.baler');
    const twice = await runCapturing([
      'publish',
      join(dir, 'exact.baler'),
      join(dir, 'exact.baler'),
      '-o',
      join(dir, 'y'),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/exact\.baler would write exact\.baler, which .*exact\.baler writes too/);
    // A file whose network would land on another file's name (here: the site's own viewer.js) is refused.
    await writeFile(join(dir, 'viewer.js'), await readFile(join(dir, 'exact.baler')));
    const clash = await runCapturing(['publish', join(dir, 'viewer.js'), '-o', join(dir, 'w')]);
    expect(clash.code).toBe(2);
    expect(clash.err).toContain('would write viewer.js, which the site itself writes too');
    const missing = await runCapturing(['publish', join(dir, 'nope.baler'), '-o', join(dir, 'z')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such file');
    const help = await runCapturing(['publish', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('baler publish FILE.baler... -o SITE/');
  });
});
