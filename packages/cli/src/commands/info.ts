// `baler info FILE.baler`: what the file holds and the honest byte breakdown of what decoding needs.
import type { BalerMetadata, FileSummary, StorageMethod } from '@baler/format';
import { openBaler, summarizeFile } from '@baler/format';
import { openFileSource } from '@baler/format/node';
import { formatBytes, formatRatio } from '../format-bytes.ts';
import { parseCommand, requireOne } from '../usage.ts';

export const infoUsage = 'baler info FILE.baler [--json]';

export const infoHelp = `${infoUsage}

Prints the shape, dtypes, error bound, how the values are stored (the residual coder, and a stencil
network where one predicts them, which makes decoding slow), provenance and the byte breakdown of a .baler
file: every byte that decoding needs (container, metadata, chunk index, decoder weights, latents, residual
codes, exact values, exceptions: NaN, ±Inf, -0 and values the quantizer cannot hold), with the ratio
against the original dtype's bytes and against float32 bytes.

Options:
  --json     print the summary as JSON
  -h, --help show this help`;

export async function infoCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'info',
    args,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    infoUsage,
  );
  if (values.help) return void console.log(infoHelp);
  const path = requireOne(positionals, 'FILE.baler', infoUsage);
  const source = await openFileSource(path);
  try {
    const file = await openBaler(source);
    const summary = summarizeFile(file);
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            file: path,
            ...summary,
            attributes: file.metadata.attributes,
            provenance: file.metadata.provenance,
            model: file.metadata.model,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(renderSummary(path, summary, file.metadata.provenance, file.metadata));
    }
  } finally {
    await source.close();
  }
}

const KIND_LABELS: Record<string, string> = {
  metadata: 'metadata',
  'chunk-index': 'chunk index',
  model: 'decoder weights (model)',
  latents: 'latents',
  residuals: 'residual codes',
  exact: 'exact values',
  // Values the quantizer cannot hold within the bound (NaN, ±Inf, -0, far outliers), stored as they are.
  exceptions: 'exceptions (stored as is)',
};

/** What each storage method means for a reader (SPEC.md §7): its residual coder sets decoding speed. */
const METHOD_NOTES: Record<string, string> = {
  quantized: 'adaptive range coder',
  'quantized-rans': 'static rANS, fast to decode',
};

/**
 * Predictors that set decoding speed more than the residual coder does (SPEC.md §7.2.1): a stencil network
 * runs once per decoded value, on the canonical kernels.
 */
const PREDICTOR_NOTES: Record<string, string> = {
  'stencil-network': 'a stencil network (slow to decode: the network runs once per value)',
};

/** The predictor notes for the streams of `metadata`, e.g. "2 columns predicted by a stencil network (…)". */
function describePredictors(metadata: BalerMetadata): string[] {
  const methods: StorageMethod[] =
    metadata.kind === 'table' ? metadata.columns.map((c) => c.method) : [metadata.method];
  const counts = new Map<string, number>();
  for (const method of methods) {
    const name = (method as { predictor?: { name?: unknown } }).predictor?.name;
    if (typeof name === 'string' && PREDICTOR_NOTES[name]) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => {
    const streams = metadata.kind === 'table' ? `${count} column${count === 1 ? '' : 's'} ` : '';
    return `${streams}predicted by ${PREDICTOR_NOTES[name]}`;
  });
}

function describeMethod(name: string, count: number, kind: 'table' | 'field'): string {
  const notes = [
    METHOD_NOTES[name],
    kind === 'table' ? `${count} column${count === 1 ? '' : 's'}` : undefined,
  ];
  const note = notes.filter(Boolean).join(', ');
  return note ? `${name} (${note})` : name;
}

/** `metadata`, when given, adds how the values are predicted where that sets the decoding speed. */
export function renderSummary(
  path: string,
  s: FileSummary,
  provenance: { tool: string; source: string | null; configHash: string | null },
  metadata?: BalerMetadata,
): string {
  const dtypes = [...new Set(s.dtypes)].join(', ');
  const what =
    s.kind === 'table'
      ? `table ${s.shape[0]} rows × ${s.shape[1]} columns`
      : `field [${s.shape.join(' × ')}]`;
  const lines = [
    `${path}: .baler ${s.version}, ${what} (${dtypes}), ${s.chunks} chunk${s.chunks === 1 ? '' : 's'}`,
    `error bound: ${s.bounds.join('; ')}`,
    `stored as: ${[
      ...Object.entries(s.methods).map(([name, count]) => describeMethod(name, count, s.kind)),
      ...(metadata ? describePredictors(metadata) : []),
    ].join('; ')}`,
    `written by ${provenance.tool}${provenance.source ? ` from ${provenance.source}` : ''}${provenance.configHash ? `, config ${provenance.configHash}` : ''}`,
    '',
    `${'part'.padEnd(26)}${'sections'.padStart(9)}${'bytes'.padStart(12)}${'share'.padStart(8)}`,
  ];
  const row = (label: string, count: string, bytes: number) =>
    lines.push(
      `${label.padEnd(26)}${count.padStart(9)}${bytes.toLocaleString('en-US').padStart(12)}${`${((100 * bytes) / s.fileBytes).toFixed(1)}%`.padStart(8)}`,
    );
  row('header, table, footer', '-', s.containerBytes);
  for (const t of s.sections) row(KIND_LABELS[t.kind] ?? t.kind, String(t.sections), t.storedBytes);
  row('total', '', s.fileBytes);
  lines.push(
    '',
    `original (${dtypes}): ${formatBytes(s.originalBytes)} → ratio ${formatRatio(s.ratioToOriginal)}`,
    `as float32: ${formatBytes(s.float32Bytes)} → ratio ${formatRatio(s.ratioToFloat32)}`,
  );
  return lines.join('\n');
}
