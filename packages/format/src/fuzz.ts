// Corruption fuzzing of the reader (SPEC.md §8): every damaged file must end in a typed BalerError or
// decode to exactly the original data; anything else (another exception, wrong values) is a failure.
import { crc32 } from './crc32.ts';
import type { Dataset } from './dataset.ts';
import { isBalerError } from './errors.ts';
import { bytesSource, MemorySink } from './io.ts';
import { ENTRY_SIZE, FOOTER_SIZE, HEADER_SIZE } from './layout.ts';
import { openBaler } from './reader.ts';
import type { DecoderPlan, StreamPlan } from './storage.ts';
import { readDataset, writeDataset, writeExactDataset } from './storage.ts';
import {
  datasetsIdentical,
  fixtureStencilOffsets,
  sampleField,
  sampleTable,
  seededRandom,
} from './testing.ts';

export interface FuzzCounts {
  cases: number;
  typedErrors: number;
  identical: number;
  /** Reads of re-checksummed structural mutations that produced a consistent dataset. */
  consistent: number;
  wrongData: number;
  crashes: number;
  errorTags: Record<string, number>;
  failures: string[];
}

const MUTATIONS = ['truncate', 'flip', 'overwrite', 'append', 'structure'] as const;

/** ONNX networks that add learned files to the corpus (the committed test networks). */
export interface FuzzNetworks {
  /** 3 latents → 2 outputs: files predicted by a decoder network (rows and blocks). */
  decoder?: Uint8Array;
  /** 5 neighbours → 1: a field predicted by a stencil network. */
  stencil?: Uint8Array;
}

/** Builds the valid files the fuzzer damages: multi-chunk table and field, and an empty table. */
export async function fuzzCorpus(
  networks: FuzzNetworks = {},
): Promise<{ bytes: Uint8Array; dataset: Dataset }[]> {
  const datasets: [Dataset, { chunkRows?: number; chunkShape?: number[] }][] = [
    [sampleTable(40), { chunkRows: 16 }],
    [sampleField([5, 6, 7]), { chunkShape: [2, 4, 7] }],
    [
      {
        kind: 'table',
        rowCount: 0,
        columns: [{ name: 'a', dtype: 'float64', data: new Float64Array(0) }],
        attributes: {},
      },
      {},
    ],
  ];
  const corpus = [];
  for (const [dataset, options] of datasets) {
    const sink = new MemorySink();
    await writeExactDataset(dataset, sink, options);
    corpus.push({ bytes: sink.bytes(), dataset });
  }
  // The same field stored lossily (Lorenzo and log-domain quantization with exceptions, a stencil with
  // edge fallbacks, and one corrected by a network; coded by the range coder and by rANS): decoding any damaged version must still be refused;
  // undamaged it decodes to the values the writer verified.
  const field = sampleField([5, 6, 7]);
  const offsets = fixtureStencilOffsets();
  const stencil = {
    offsets,
    weights: [0.9, 0.8, -0.7, 0.2, -0.1],
    fallbacks: [{ offsets: [[0, 0, -1]], weights: [0.95] }],
  };
  // [method, domain, predictor, stencil network]: both coders (§10.3, §10.6) in both domains.
  const lossy: [string, string, object, Uint8Array?][] = [
    ['quantized', 'linear', { name: 'lorenzo' }],
    ['quantized', 'log', { name: 'lorenzo' }],
    ['quantized', 'linear', { name: 'stencil-fallbacks', ...stencil }],
    ['quantized-rans', 'linear', { name: 'stencil-fallbacks', ...stencil }],
    ['quantized-rans', 'log', { name: 'lorenzo' }],
  ];
  if (networks.stencil) {
    const predictor = {
      name: 'stencil-network',
      ...stencil,
      inputOffset: 0,
      inputScale: 0.1,
      outputScale: 0.05,
    };
    lossy.push(['quantized', 'linear', predictor, networks.stencil]);
  }
  for (const [name, domain, predictor, stencilNetwork] of lossy) {
    const sink = new MemorySink();
    const method = { name, domain, step: domain === 'log' ? 0.01 : 0.02, predictor };
    const tolerance = domain === 'log' ? { absolute: 0, relative: 0.01 } : { absolute: 0.01, relative: 0 };
    await writeDataset(
      field,
      sink,
      [{ method, bound: { kind: 'abs', value: 0.01 }, tolerance } as StreamPlan],
      {
        chunkShape: [2, 6, 7],
        ...(stencilNetwork ? { stencilNetwork } : {}),
      },
    );
    const bytes = sink.bytes();
    corpus.push({ bytes, dataset: await readDataset(await openBaler(bytesSource(bytes))) });
  }
  if (networks.decoder) corpus.push(...(await learnedCorpus(networks.decoder)));
  return corpus;
}

/**
 * Files whose values a decoder network predicts (SPEC.md §7.3), from `onnx` (3 latents → 2 outputs,
 * the committed tiny decoder): a table with a row model and a field predicted in blocks of 2, both
 * written for any engine (decoder.anyOrder), so damage can strike the model, latents and metadata too.
 */
async function learnedCorpus(onnx: Uint8Array): Promise<{ bytes: Uint8Array; dataset: Dataset }[]> {
  const random = seededRandom(5);
  const codes = (count: number, width: number) =>
    Int32Array.from({ length: count * width }, (_, k) =>
      k % width === width - 1 && width > 3
        ? 40 + Math.round(random() * 40)
        : Math.round((random() - 0.5) * 60),
    );
  const tolerance = { absolute: 0.01, relative: 0 };
  const quantized = (predictor: object) =>
    ({ name: 'quantized', domain: 'linear', step: 0.02 * (1 - 2 ** -30), predictor }) as never;
  const corpus = [];
  const table = sampleTable(24);
  const columns = table.columns.slice(0, 2).map((c) => ({
    ...c,
    dtype: 'float64' as const,
    data: Float64Array.from(c.data as Float64Array, (v) => Number(v) * 1e-3),
  }));
  const learnedTable: Dataset = { ...table, columns };
  const tableCodes = [codes(12, 3), codes(12, 3)];
  const field = sampleField([4, 6, 5]);
  const blocks = { shape: [2, 1, 1], centerStep: 0.01, spreadStep: 0.01 };
  const fieldCodes = [codes(30, 5), codes(30, 5)];
  const cases: [Dataset, StreamPlan[], DecoderPlan][] = [
    [
      learnedTable,
      columns.map((_, j) => ({
        method: quantized({ name: 'model', output: j, scale: 1, offset: 0 }),
        bound: { kind: 'abs', value: 0.01 },
        tolerance,
      })),
      {
        onnx,
        info: { latent: 3, latentStep: 0.05, outputs: 2, anyOrder: true },
        latents: (_, c) => tableCodes[c]!,
      },
    ],
    [
      field,
      [
        {
          method: quantized({ name: 'block-model', output: 0 }),
          bound: { kind: 'abs', value: 0.01 },
          tolerance,
        },
      ],
      {
        onnx,
        info: { latent: 3, latentStep: 0.05, outputs: 2, blocks, anyOrder: true },
        latents: (_, c) => fieldCodes[c]!,
      },
    ],
  ];
  for (const [dataset, plans, decoder] of cases) {
    const sink = new MemorySink();
    // Two chunks each, as the latent codes above were made.
    await writeDataset(dataset, sink, plans, { chunkRows: dataset.kind === 'table' ? 12 : 2, decoder });
    const bytes = sink.bytes();
    corpus.push({ bytes, dataset: await readDataset(await openBaler(bytesSource(bytes))) });
  }
  return corpus;
}

/** `networks` (the committed test networks) add files predicted by networks to the corpus. */
export async function runFuzz(cases: number, seed: number, networks: FuzzNetworks = {}): Promise<FuzzCounts> {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const corpus = await fuzzCorpus(networks);
  const counts: FuzzCounts = {
    cases: 0,
    typedErrors: 0,
    identical: 0,
    consistent: 0,
    wrongData: 0,
    crashes: 0,
    errorTags: {},
    failures: [],
  };
  for (let i = 0; i < cases; i++) {
    const original = corpus[int(corpus.length)]!;
    const mutation = MUTATIONS[int(MUTATIONS.length)]!;
    const bytes = mutate(original.bytes, mutation, int, random);
    counts.cases++;
    try {
      const file = await openBaler(bytesSource(bytes));
      const dataset = await readDataset(file);
      if (datasetsIdentical(dataset, original.dataset)) counts.identical++;
      else if (mutation === 'structure' && consistent(dataset)) counts.consistent++;
      else {
        counts.wrongData++;
        counts.failures.push(`case ${i} (${mutation}): decoded data differs from the original`);
      }
    } catch (error) {
      if (isBalerError(error)) {
        counts.typedErrors++;
        counts.errorTags[error._tag] = (counts.errorTags[error._tag] ?? 0) + 1;
      } else {
        counts.crashes++;
        counts.failures.push(`case ${i} (${mutation}): ${(error as Error)?.stack ?? String(error)}`);
      }
    }
  }
  return counts;
}

function mutate(
  source: Uint8Array,
  mutation: (typeof MUTATIONS)[number],
  int: (n: number) => number,
  random: () => number,
): Uint8Array {
  const bytes = source.slice();
  switch (mutation) {
    case 'truncate':
      return bytes.subarray(0, int(bytes.length));
    case 'flip': {
      const flips = 1 + int(8);
      for (let k = 0; k < flips; k++) bytes[int(bytes.length)]! ^= 1 << int(8);
      return bytes;
    }
    case 'overwrite': {
      const start = int(bytes.length);
      const end = Math.min(bytes.length, start + 1 + int(64));
      for (let k = start; k < end; k++) bytes[k] = int(256);
      return bytes;
    }
    case 'append': {
      const extra = new Uint8Array(1 + int(100)).map(() => int(256));
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes);
      out.set(extra, bytes.length);
      return out;
    }
    case 'structure':
      return mutateStructure(bytes, int, random);
  }
}

/**
 * Damages the header, table, metadata or chunk index and then recomputes every checksum, so that the
 * validators behind the CRCs are exercised: the reader must still refuse or read consistently.
 */
function mutateStructure(bytes: Uint8Array, int: (n: number) => number, random: () => number): Uint8Array {
  const view = new DataView(bytes.buffer);
  const footerAt = bytes.length - FOOTER_SIZE;
  const tableOffset = Number(view.getBigUint64(footerAt, true));
  const count = view.getUint32(footerAt + 8, true);
  const entries = Array.from({ length: count }, (_, i) => tableOffset + i * ENTRY_SIZE);
  const structural = entries.filter((at) => {
    const kind = view.getUint16(at, true);
    return kind === 1 || kind === 2;
  });
  const target = random();
  if (target < 0.15) {
    bytes[8 + int(8)] = int(256); // version or header CRC region
  } else if (target < 0.55 && count > 0) {
    const at = entries[int(count)]! + int(ENTRY_SIZE);
    if (random() < 0.5) bytes[at] = int(256);
    else view.setUint32(at - (at % 4), random() < 0.5 ? 0xffffffff : int(1 << 16), true);
  } else if (structural.length > 0) {
    // Flip bytes inside the metadata or chunk-index payload (both are stored raw).
    const entry = structural[int(structural.length)]!;
    const offset = Number(view.getBigUint64(entry + 16, true));
    const length = Number(view.getBigUint64(entry + 24, true));
    if (length > 0) {
      const flips = 1 + int(4);
      for (let k = 0; k < flips; k++) bytes[offset + int(length)] = int(256);
    }
  }
  // Recompute checksums: every section whose entry still points inside the file, then table, header, footer.
  for (const at of entries) {
    const offset = Number(view.getBigUint64(at + 16, true));
    const length = Number(view.getBigUint64(at + 24, true));
    if (offset + length <= tableOffset)
      view.setUint32(at + 12, crc32(bytes.subarray(offset, offset + length)), true);
  }
  view.setUint32(12, crc32(bytes.subarray(0, 12)), true);
  if (tableOffset >= HEADER_SIZE && tableOffset + count * ENTRY_SIZE <= footerAt) {
    view.setUint32(footerAt + 12, crc32(bytes.subarray(tableOffset, tableOffset + count * ENTRY_SIZE)), true);
  }
  view.setUint32(footerAt + 24, crc32(bytes.subarray(footerAt, footerAt + 24)), true);
  return bytes;
}

function consistent(dataset: Dataset): boolean {
  if (dataset.kind === 'field') return dataset.data.length === dataset.shape.reduce((a, b) => a * b, 1);
  return dataset.columns.every((c) => c.data.length === dataset.rowCount);
}
