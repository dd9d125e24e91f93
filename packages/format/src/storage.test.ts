import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dataset, Field, Table } from './dataset.ts';
import { isBalerError } from './errors.ts';
import { bytesSource, MemorySink } from './io.ts';
import { SECTION_KIND } from './layout.ts';
import type { BalerMetadata, FieldMetadata, TableMetadata } from './metadata.ts';
import type { BlockInfo } from './model/blocks.ts';
import { blockCount, codesPerBlock, predictionsFromBlocks, splitBlockCodes } from './model/blocks.ts';
import { runDenseNetwork } from './model/canonical.ts';
import { runWithEngineBound } from './model/engine-bound.ts';
import type { DecoderInfo } from './model/latents.ts';
import { parseDenseOnnx } from './model/onnx.ts';
import { findSections, openBaler } from './reader.ts';
import type { DecoderPlan, NetworkEngine, StreamPlan } from './storage.ts';
import {
  describeDataset,
  readDataset,
  writeDataset,
  writeDatasetPieces,
  writeExactDataset,
} from './storage.ts';
import { datasetsIdentical, sampleField, sampleTable, seededRandom } from './testing.ts';

async function write(dataset: Dataset, options = {}): Promise<Uint8Array> {
  const sink = new MemorySink();
  const length = await writeExactDataset(dataset, sink, options);
  const bytes = sink.bytes();
  expect(bytes.length).toBe(length);
  return bytes;
}

async function roundTrip(
  dataset: Dataset,
  options = {},
  rows?: { start: number; end: number },
): Promise<Dataset> {
  return readDataset(await openBaler(bytesSource(await write(dataset, options))), rows ? { rows } : {});
}

describe('exact storage', () => {
  it('round-trips a table of every dtype bit for bit, NaN/±Inf/-0/denormals and text included', async () => {
    const table = sampleTable(50);
    for (const chunkRows of [1, 7, 50, 1000]) {
      expect(datasetsIdentical(await roundTrip(table, { chunkRows }), table)).toBe(true);
    }
  });

  it('round-trips a 3-D field through non-dividing blocks', async () => {
    const field = sampleField([5, 6, 7]);
    for (const chunkShape of [
      [2, 4, 7],
      [1, 1, 1],
      [5, 6, 7],
      [3, 5, 2],
    ]) {
      expect(datasetsIdentical(await roundTrip(field, { chunkShape }), field)).toBe(true);
    }
  });

  it('reads any row range of a table and of a field, equal to the slice of the whole', async () => {
    const table = sampleTable(50);
    const field = sampleField([9, 4, 3]);
    for (const [start, end] of [
      [0, 50],
      [0, 1],
      [13, 29],
      [49, 50],
      [20, 20],
    ] as const) {
      const part = (await roundTrip(table, { chunkRows: 8 }, { start, end })) as Table;
      expect(part.rowCount).toBe(end - start);
      part.columns.forEach((column, j) => {
        const whole = table.columns[j]!.data;
        expect(Array.from(column.data as ArrayLike<unknown>)).toEqual(
          Array.from(whole as ArrayLike<unknown>).slice(start, end),
        );
      });
    }
    const frames = await roundTrip(field, { chunkShape: [2, 3, 2] }, { start: 3, end: 7 });
    expect(frames.kind === 'field' && frames.shape).toEqual([4, 4, 3]);
    expect(frames.kind === 'field' && Array.from(frames.data as Float32Array)).toEqual(
      Array.from((field.data as Float32Array).subarray(3 * 12, 7 * 12)),
    );
  });

  it('reads only the sections of the chunks a row range needs', async () => {
    const bytes = await write(sampleTable(50), { chunkRows: 10 });
    const touched: [number, number][] = [];
    const source = bytesSource(bytes);
    const file = await openBaler({
      size: source.size,
      read: (o, l) => {
        touched.push([o, l]);
        return source.read(o, l);
      },
    });
    touched.length = 0;
    await readDataset(file, { rows: { start: 12, end: 18 } });
    const chunkOne = file.sections.filter((s) => s.kind === 6 && s.chunk === 1);
    expect(touched).toEqual(chunkOne.map((s) => [s.offset, s.storedLength]));
  });

  it('handles empty tables, single rows and constant or all-zero columns', async () => {
    const empty: Table = {
      kind: 'table',
      rowCount: 0,
      columns: [{ name: 'a', dtype: 'float64', data: new Float64Array(0) }],
      attributes: {},
    };
    expect(datasetsIdentical(await roundTrip(empty), empty)).toBe(true);
    const noColumns: Table = { kind: 'table', rowCount: 0, columns: [], attributes: {} };
    expect(datasetsIdentical(await roundTrip(noColumns), noColumns)).toBe(true);
    const single: Table = {
      kind: 'table',
      rowCount: 1,
      columns: [
        { name: 'zero', dtype: 'float32', data: new Float32Array(1) },
        { name: 'huge', dtype: 'float64', data: Float64Array.of(1e300) },
      ],
      attributes: {},
    };
    expect(datasetsIdentical(await roundTrip(single), single)).toBe(true);
  });

  it('streams fields with an empty axis after the first: rows kept, no chunk written', async () => {
    for (const shape of [
      [5, 0],
      [3, 0, 4],
    ]) {
      const field: Field = {
        kind: 'field',
        dtype: 'float32',
        shape,
        data: new Float32Array(0),
        attributes: {},
      };
      const sink = new MemorySink();
      async function* pieces() {
        yield { ...field, shape: [2, ...shape.slice(1)] };
        yield { ...field, shape: [shape[0]! - 2, ...shape.slice(1)] };
      }
      const plan: StreamPlan = {
        method: { name: 'quantized', domain: 'linear', step: 0.02, predictor: { name: 'lorenzo' } },
        bound: { kind: 'abs', value: 0.01 },
        tolerance: { absolute: 0.01, relative: 0 },
      };
      await writeDatasetPieces(describeDataset(field), pieces(), sink, [plan]);
      const decoded = await readDataset(await openBaler(bytesSource(sink.bytes())));
      expect(datasetsIdentical(decoded, field)).toBe(true);
    }
  });

  it('writes byte-identical files for the same input', async () => {
    expect(await write(sampleTable(30))).toEqual(await write(sampleTable(30)));
  });

  it('refuses row ranges outside the file with a typed error', async () => {
    const file = await openBaler(bytesSource(await write(sampleTable(10))));
    for (const rows of [
      { start: -1, end: 3 },
      { start: 5, end: 11 },
      { start: 4, end: 3 },
    ]) {
      await expect(readDataset(file, { rows })).rejects.toSatisfy((e) => isBalerError(e, 'BadRequest'));
    }
  });

  it('rejects columns whose length differs from the row count', async () => {
    const bad: Table = {
      kind: 'table',
      rowCount: 3,
      columns: [{ name: 'a', dtype: 'float64', data: new Float64Array(2) }],
      attributes: {},
    };
    await expect(write(bad)).rejects.toThrow(/column "a" holds 2 values, the table has 3 rows/);
  });
});

describe('fields predicted in blocks (SPEC.md §7.3.1)', () => {
  // The committed 3 → 2 decoder: blocks of two values, three latents each.
  const onnx = new Uint8Array(readFileSync(new URL('model/testdata/tiny-decoder.onnx', import.meta.url)));
  const network = parseDenseOnnx(onnx);
  const shape = [5, 7, 9];
  const block = [2, 1, 1];
  const blocks: BlockInfo = { shape: block, centerStep: 0.02, spreadStep: 0.01 };
  const info: DecoderInfo = { latent: 3, latentStep: 0.05, outputs: 2, blocks };
  const random = seededRandom(21);
  const chunkRows = 3; // chunks of 3 and 2 frames: the second cuts its blocks short along axis 0
  const chunkCodes = [0, 3].map((start) => {
    const extent = [Math.min(chunkRows, shape[0]! - start), ...shape.slice(1)];
    const count = blockCount(extent, block) * codesPerBlock(3);
    return Int32Array.from({ length: count }, (_, k) =>
      k % 5 === 4 ? 50 + Math.round(random() * 50) : Math.round((random() - 0.5) * 200),
    );
  });
  const spec = { name: 'block-model' as const, output: 0 };
  // Values the blocks explain up to ±0.004: the network's predictions plus a little noise.
  const data = new Float64Array(5 * 7 * 9);
  chunkCodes.forEach((codes, c) => {
    const extent = [c === 0 ? 3 : 2, 7, 9];
    const { input, center, spread } = splitBlockCodes(codes, 3, info.latentStep, blocks);
    const out = runDenseNetwork(network, input, blockCount(extent, block));
    const p = predictionsFromBlocks(spec, out, 2, center, spread, extent, block);
    for (let i = 0; i < p.length; i++) data[c * 3 * 63 + i] = p[i]! + (random() - 0.5) * 0.008;
  });
  const field: Field = { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
  const plan = (predictor: object): StreamPlan => ({
    method: { name: 'quantized', domain: 'linear', step: 0.02 * (1 - 2 ** -30), predictor } as never,
    bound: { kind: 'abs', value: 0.01 },
    tolerance: { absolute: 0.01, relative: 0 },
  });

  async function writeField(predictor: object, decoder?: DecoderPlan): Promise<Uint8Array> {
    const sink = new MemorySink();
    async function* pieces() {
      for (const start of [0, 3]) {
        const rows = Math.min(chunkRows, 5 - start);
        const part = data.slice(start * 63, (start + rows) * 63);
        yield { ...field, shape: [rows, 7, 9], data: part } as Field;
      }
    }
    await writeDatasetPieces(describeDataset(field), pieces(), sink, [plan(predictor)], {
      ...(decoder ? { decoder } : {}),
    });
    return sink.bytes();
  }
  const decoder: DecoderPlan = { onnx, info, latents: (_piece, chunk) => chunkCodes[chunk]! };

  it('decodes within the bound, with edge blocks cut short, from one latents section per chunk', async () => {
    const bytes = await writeField(spec, decoder);
    const file = await openBaler(bytesSource(bytes));
    expect(file.metadata.decoder).toEqual(info);
    const decoded = (await readDataset(file)) as Field;
    const values = decoded.data as Float64Array;
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(values[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(0.01);
    const rows = (await readDataset(file, { rows: { start: 2, end: 4 } })) as Field;
    expect(Array.from(rows.data as Float64Array)).toEqual(Array.from(values.subarray(2 * 63, 4 * 63)));
    expect(findSections(file, SECTION_KIND.latents).length).toBe(2);
  });

  it('writes a row-model field with writeDataset only when it is chunked along axis 0 alone', async () => {
    const rowField: Field = {
      kind: 'field',
      shape: [4, 2],
      dtype: 'float64',
      data: new Float64Array(8),
      attributes: {},
    };
    const rowDecoder: DecoderPlan = {
      onnx,
      info: { latent: 3, latentStep: 0.05, outputs: 2 },
      latents: (piece) => new Int32Array((piece as Field).shape[0]! * 3),
    };
    const rowPlan = [plan({ name: 'model', output: 0, scale: 1, offset: 0 })];
    const write = (chunkShape: number[]) =>
      writeDataset(rowField, new MemorySink(), rowPlan, { chunkShape, decoder: rowDecoder });
    await expect(write([2, 1])).rejects.toThrow(/chunked along axis 0 only/);
    const sink = new MemorySink();
    await writeDataset(rowField, sink, rowPlan, { chunkShape: [2, 2], decoder: rowDecoder });
    const decoded = (await readDataset(await openBaler(bytesSource(sink.bytes())))) as Field;
    expect(Array.from(decoded.data as Float64Array).every((v) => Math.abs(v) <= 0.01)).toBe(true);
  });

  it('keeps every bound under any engine within §11.4 when the file allows it (decoder.anyOrder)', async () => {
    // The worst engines §11.4 allows: every output pushed to the edge of its bound, one way or the other.
    const edgeEngine = (push: (k: number) => number): NetworkEngine => ({
      name: 'edge',
      canonical: false,
      async run(model, input, batch) {
        const { out, bound } = runWithEngineBound(parseDenseOnnx(model), input, batch);
        return out.map((v, k) => v + push(k) * bound[k]!);
      },
    });
    const pushes = [() => 1, () => -1, (k: number) => (k % 2 ? 1 : -1), (k: number) => (k % 3 ? -1 : 1)];
    const safe = await openBaler(
      bytesSource(await writeField(spec, { ...decoder, info: { ...info, anyOrder: true } })),
    );
    expect(safe.metadata.decoder?.anyOrder).toBe(true);
    for (const push of pushes) {
      const values = ((await readDataset(safe, { engine: edgeEngine(push) })) as Field).data as Float64Array;
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(values[i]! - data[i]!));
      expect(worst).toBeLessThanOrEqual(0.01);
    }
    // Without the flag the file's values are only safe under the canonical kernels: other engines are refused.
    const strict = await openBaler(bytesSource(await writeField(spec, decoder)));
    await expect(readDataset(strict, { engine: edgeEngine(() => 1) })).rejects.toMatchObject({
      _tag: 'Unsupported',
    });
    // And the engine's outputs are what the reader used: pushed far beyond §11.4, values leave the bound.
    const strictValues = (
      (await readDataset(
        { ...strict, metadata: { ...strict.metadata, decoder: { ...info, anyOrder: true } } },
        {
          engine: edgeEngine((k) => (k % 2 ? 1 : -1) * 1e4),
        },
      )) as Field
    ).data as Float64Array;
    expect(strictValues.some((v, i) => Math.abs(v - data[i]!) > 0.01)).toBe(true);
  });

  it('rejects inconsistent block descriptions with typed errors', async () => {
    const file = await openBaler(bytesSource(await writeField(spec, decoder)));
    const meta = file.metadata as FieldMetadata;
    const tagOf = (metadata: object) =>
      readDataset({ ...file, metadata: metadata as BalerMetadata }).then(
        () => 'ok',
        (e) =>
          isBalerError(e) ? `${e._tag} ${(e.fields as { path?: string }).path ?? ''}`.trim() : String(e),
      );
    const { blocks: _, ...rowDecoder } = info;
    expect(await tagOf({ ...meta, decoder: rowDecoder })).toBe('MalformedMetadata $.decoder.blocks');
    expect(await tagOf({ ...meta, decoder: { ...info, blocks: { ...blocks, shape: [2, 1] } } })).toBe(
      'MalformedMetadata $.decoder.blocks.shape',
    );
    const rowPredictor = { name: 'model', output: 0, scale: 1, offset: 0 };
    expect(await tagOf({ ...meta, method: { ...meta.method, predictor: rowPredictor } })).toBe(
      'MalformedMetadata $.decoder.blocks',
    );
    // Smaller blocks need more codes than the latents section holds.
    expect(await tagOf({ ...meta, decoder: { ...info, blocks: { ...blocks, shape: [1, 1, 1] } } })).toMatch(
      /^MalformedSection/,
    );
    // Blocks bigger than the network's output.
    expect(await tagOf({ ...meta, decoder: { ...info, blocks: { ...blocks, shape: [2, 2, 1] } } })).toMatch(
      /^MalformedMetadata \$\.method\.predictor\.output/,
    );
    const table = { ...sampleTableMetadata(), decoder: info };
    expect(await tagOf(table)).toBe('MalformedMetadata $.decoder.blocks');
  });
});

function sampleTableMetadata(): TableMetadata {
  return {
    kind: 'table',
    shape: [0, 1],
    columns: [{ name: 'a', dtype: 'float64', method: { name: 'exact' }, bound: { kind: 'lossless' } }],
    attributes: {},
    model: null,
    provenance: { tool: 'test', configHash: null, source: null },
  };
}
