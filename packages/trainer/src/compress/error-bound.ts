// The error bounds users state on the command line: `abs=E`, `rel=E`, `pwrel=E`, `lossless` (or `exact`),
// and per-column overrides `NAME-OR-GLOB=BOUND` (e.g. `*Charge=exact`).

import type { DatasetHeader } from '@baler/format';

export type BoundSpec =
  | { kind: 'lossless' }
  | { kind: 'abs'; value: number }
  | { kind: 'rel'; value: number }
  | { kind: 'pwrel'; value: number };

export interface ColumnOverride {
  pattern: string;
  matches: (name: string) => boolean;
  bound: BoundSpec;
}

export class BoundSyntaxError extends Error {
  override readonly name = 'BoundSyntaxError';
  readonly _tag = 'DataInputError' as const;
}

const FORMS = 'abs=E, rel=E, pwrel=E or lossless (e.g. --error-bound pwrel=1e-3)';

export function parseBound(text: string): BoundSpec {
  const trimmed = text.trim();
  if (trimmed === 'lossless' || trimmed === 'exact') return { kind: 'lossless' };
  const match = /^(abs|rel|pwrel)\s*=\s*(.+)$/.exec(trimmed);
  if (!match) throw new BoundSyntaxError(`cannot read the error bound "${text}": use ${FORMS}.`);
  const value = Number(match[2]);
  if (!Number.isFinite(value) || value < 0) {
    throw new BoundSyntaxError(`the error bound "${text}" needs a finite number ≥ 0 after "${match[1]}=".`);
  }
  if (match[1] === 'pwrel' && value >= 1) {
    throw new BoundSyntaxError(
      `pwrel=${value} would allow values to change sign or vanish; use a value below 1 (e.g. pwrel=1e-3).`,
    );
  }
  return value === 0 ? { kind: 'lossless' } : { kind: match[1] as 'abs' | 'rel' | 'pwrel', value };
}

/**
 * Refuses overrides that match no column of the table `header`, and any override for a field: a misspelt
 * pattern would otherwise leave its column at the default bound without a word. `label(i)` names
 * override i in the message (`--column NAME=…`, or a sweep file's `$.columns[i]`).
 */
export function checkColumnOverrides(
  header: DatasetHeader,
  overrides: readonly ColumnOverride[],
  label: (i: number) => string,
): void {
  if (overrides.length === 0) return;
  if (header.kind !== 'table')
    throw new BoundSyntaxError(
      `${label(0)}: per-column bounds apply to tables, and this input is a field (one N-dimensional array); remove them.`,
    );
  overrides.forEach((override, i) => {
    const matched = header.columns.filter((c) => override.matches(c.name));
    if (matched.length === 0)
      throw new BoundSyntaxError(
        `${label(i)}: ${override.pattern} matches no column; columns are: ${header.columns.map((c) => c.name).join(', ')}`,
      );
    // Text is always stored exactly: a lossy bound that reaches only text columns would do nothing.
    if (override.bound.kind !== 'lossless' && matched.every((c) => c.dtype === 'string'))
      throw new BoundSyntaxError(
        `${label(i)}: ${override.pattern} matches only text (${matched.map((c) => c.name).join(', ')}), which is always stored exactly; error bounds apply to numeric columns.`,
      );
  });
}

/** Parses `--column` overrides: `NAME=BOUND` where NAME may use `*` and `?` wildcards. */
export function parseColumnOverride(text: string): ColumnOverride {
  const split = /^(.+?)=((?:abs|rel|pwrel)=.*|lossless|exact)$/.exec(text.trim());
  if (!split) {
    throw new BoundSyntaxError(
      `cannot read the column override "${text}": use NAME=BOUND, e.g. --column '*Charge=exact' or --column 'H1_PZ=abs=0.5'.`,
    );
  }
  const pattern = split[1]!;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return { pattern, matches: (name) => regex.test(name), bound: parseBound(split[2]!) };
}

export function describeBoundSpec(bound: BoundSpec): string {
  return bound.kind === 'lossless' ? 'lossless' : `${bound.kind}=${bound.value}`;
}
