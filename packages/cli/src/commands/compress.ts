// `baler compress INPUT -o OUT.baler --error-bound SPEC`: plan, encode, verify every value, then write
// atomically. Nothing is written when verification fails.
import { resolve } from 'node:path';
import type { CompressToFileResult } from '@baler/trainer';
import {
  checkColumnOverrides,
  compressToFile,
  loadModelDir,
  MIN_STENCIL_NETWORK_SAVING,
  numericColumnNames,
  openDataPieces,
  parseBound,
  parseColumnOverride,
  predictedByNetwork,
} from '@baler/trainer';
import { formatBytes, formatRatio } from '../format-bytes.ts';
import { createProgress } from '../progress.ts';
import { parseCommand, requireOne, UsageError } from '../usage.ts';

export const compressUsage = 'baler compress INPUT -o OUT.baler --error-bound SPEC [options]';

export const compressHelp = `${compressUsage}

Compresses INPUT so that every value decodes within the bound, counting every byte needed to decode.

INPUT is file.h5[:/dataset], file.npy, file.npz[:key] or file.csv.

Options:
  -o, --output FILE        the .baler file to write (required)
  -e, --error-bound SPEC   the error you accept at every value (required):
                             abs=E     |x̂ − x| ≤ E
                             rel=E     |x̂ − x| ≤ E × (max − min), per column for tables
                             pwrel=E   |x̂ − x| ≤ E × |x|  (zeros and signs exact)
                             lossless  every bit kept
  -c, --column NAME=SPEC   a bound for the columns NAME matches (wildcards * and ?), e.g.
                           --column '*Charge=exact'; repeat for more. Discrete columns (integers,
                           ±1 charges, 0/1 flags) are kept exact unless a --column names them.
      --chunk N            rows (tables) or frames (fields) per chunk
  -m, --model DIR          let the network of a model directory from 'baler train' compete with the
                           classical predictors (kept only when it saves bytes, its decoder's weights
                           and the latents counted); a field's frames must have the model's shape,
                           and a model that can predict nothing under the bound is an error
      --no-learn           skip training the small models that compete with the classical predictors
                           (tables: autoencoders per row; fields: linear block autoencoders and a
                           network correcting the stencil, ~10 s); one is kept only when it saves
                           bytes, network included (a stencil network: 2 % or more, as it decodes
                           ~8× slower)
      --fast-decode        plan for decoding speed: every residual stream in static rANS tables
                           (format 1.3, method quantized-rans; by default only the streams they
                           code smaller, e.g. LHCb's), stencils of at most 8 neighbours, no
                           network; fields' files up to ~25 % larger that decode ~2.5–3× faster
                           than the classical plan and ~40× faster than one with a stencil network
                           (inputs over 64 M values never get a stencil network; --no-learn alone
                           leaves out networks only)
      --no-verify          skip decoding the written bytes to check every value (not recommended)
  -f, --force              overwrite OUT.baler if it exists
      --json               print a JSON summary on stdout
  -q, --quiet              no progress bar
  -h, --help               show this help`;

export async function compressCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'compress',
    args,
    {
      output: { type: 'string', short: 'o' },
      'error-bound': { type: 'string', short: 'e' },
      column: { type: 'string', short: 'c', multiple: true },
      chunk: { type: 'string' },
      'no-verify': { type: 'boolean' },
      'no-learn': { type: 'boolean' },
      'fast-decode': { type: 'boolean' },
      model: { type: 'string', short: 'm' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    compressUsage,
  );
  if (values.help) return void console.log(compressHelp);
  const input = requireOne(positionals, 'INPUT', compressUsage);
  const output = values.output as string | undefined;
  if (!output)
    throw new UsageError(
      `missing -o OUT.baler: say where to write the compressed file.\n\nUsage: ${compressUsage}`,
    );
  const boundText = values['error-bound'] as string | undefined;
  if (!boundText) {
    throw new UsageError(
      `missing --error-bound: state the error you accept, e.g. --error-bound abs=1e-4, rel=1e-3, pwrel=1e-3 or lossless.\n\nUsage: ${compressUsage}`,
    );
  }
  if (resolve(output) === resolve(input.replace(/:[^:]*$/, '')) || resolve(output) === resolve(input)) {
    throw new UsageError(
      'the output is the input file; Baler never overwrites its input. Choose another -o path.',
    );
  }
  const chunkRows = values.chunk === undefined ? undefined : Number(values.chunk);
  if (chunkRows !== undefined && !(Number.isSafeInteger(chunkRows) && chunkRows > 0)) {
    throw new UsageError(`--chunk takes a whole number of rows > 0, got "${values.chunk}"`);
  }
  const bound = parseBound(boundText);
  const columnTexts = (values.column as string[] | undefined) ?? [];
  const overrides = columnTexts.map(parseColumnOverride);
  const quiet = Boolean(values.quiet || values.json);

  if (values['fast-decode'] && values.model)
    throw new UsageError(
      '--fast-decode plans without networks, so a --model cannot compete; drop one of the two.',
    );
  const started = performance.now();
  const model = values.model ? await loadModelDir(values.model as string) : undefined;
  const source = await openDataPieces(input);
  const { header } = source;
  const names = header.kind === 'table' ? header.columns.map((c) => c.name) : [];
  if (/\.csv$/i.test(input) && numericColumnNames(names)) {
    const shown = `${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}`;
    console.error(
      `baler: note: every column name of ${input} is a number (${shown}). If the file has no header row, its first row of data was read as the names: add a header row.`,
    );
  }
  checkColumnOverrides(header, overrides, (i) => `--column ${columnTexts[i]}`);
  const progress = createProgress('compress', 2 * Math.max(1, source.rows), { quiet });
  let result: CompressToFileResult;
  let learnedTrial: { learned: number; classical: number } | undefined;
  let training: ReturnType<typeof createProgress> | undefined;
  try {
    result = await compressToFile(source, output, {
      bound,
      overrides,
      ...(chunkRows ? { chunkRows } : {}),
      source: input,
      verify: !values['no-verify'],
      learn: !values['no-learn'],
      ...(values['fast-decode'] ? { fastDecode: true } : {}),
      ...(model ? { model } : {}),
      overwrite: Boolean(values.force),
      onProgress: (stage, done, total) => {
        if (stage === 'train') {
          training ??= createProgress('train', total, { quiet });
          training.update(done, `stencil network, epoch ${done}/${total}`);
        } else if (stage === 'learn') {
          training?.finish();
          learnedTrial = { learned: done, classical: total };
        } else progress.update(stage === 'verify' ? source.rows + done : done, stage);
      },
    });
  } finally {
    training?.finish();
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    ...compressSummary(input, output, result, seconds),
    // Whether the file uses a trained network, and the candidate's bytes against the classical plan's.
    learnedTrial: learnedTrial ? { ...learnedTrial, kept: result.plans.some(predictedByNetwork) } : null,
  };
  console.log(values.json ? JSON.stringify(summary, null, 2) : renderCompressSummary(summary, result));
}

export function compressSummary(
  input: string,
  output: string,
  result: CompressToFileResult,
  seconds: number,
) {
  const s = result.summary;
  return {
    input,
    output,
    kind: s.kind,
    shape: s.shape,
    bytes: s.fileBytes,
    originalBytes: s.originalBytes,
    float32Bytes: s.float32Bytes,
    ratioToOriginal: s.ratioToOriginal,
    ratioToFloat32: s.ratioToFloat32,
    bounds: s.bounds,
    verified: result.verification,
    seconds,
  };
}

export function renderCompressSummary(
  summary: ReturnType<typeof compressSummary> & {
    learnedTrial?: { learned: number; classical: number } | null;
  },
  result: CompressToFileResult,
): string {
  const what =
    summary.kind === 'table'
      ? `table ${summary.shape[0]} × ${summary.shape[1]}`
      : `field [${summary.shape.join(' × ')}]`;
  const exact = result.summary.columns.filter((_, j) => result.plans[j]?.bound.kind === 'lossless');
  const lines = [
    `compressed ${summary.input} (${what}) → ${summary.output} in ${summary.seconds.toFixed(2)} s`,
    `  bound: ${summary.bounds.join('; ')}${exact.length > 0 && exact.length < result.summary.columns.length ? ` (exact: ${exact.join(', ')})` : ''}`,
  ];
  const kept = result.plans.some(predictedByNetwork);
  const v = summary.verified;
  lines.push(
    v
      ? `  verified ${v.values.toLocaleString('en-US')} values: max |error| ${v.maxAbsoluteError.toPrecision(6)}${summary.bounds.some((b) => b.startsWith('pwrel')) ? `, max relative error ${v.maxRelativeError.toPrecision(6)}` : ''}`
      : '  not verified (--no-verify)',
    `  size ${summary.bytes.toLocaleString('en-US')} bytes (${formatBytes(summary.bytes)}), every byte needed to decode included`,
    ...(summary.learnedTrial
      ? [
          `  learned candidate (network and latents included): ${summary.learnedTrial.learned.toLocaleString('en-US')} bytes vs ${summary.learnedTrial.classical.toLocaleString('en-US')} classical: ${kept ? 'kept' : summary.learnedTrial.learned < summary.learnedTrial.classical ? `not kept (a stencil network must save ${MIN_STENCIL_NETWORK_SAVING * 100} %: it decodes ~8× slower)` : 'not kept'}`,
        ]
      : []),
    `  ratio ${formatRatio(summary.ratioToOriginal)} vs the original dtype (${formatBytes(summary.originalBytes)}), ${formatRatio(summary.ratioToFloat32)} vs float32`,
  );
  return lines.join('\n');
}
