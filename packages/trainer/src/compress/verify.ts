// The check behind every file Baler writes: decode it chunk by chunk and compare every value with a
// fresh read of the input, before the file may be kept.
import type { ByteSource, Dataset, Field, NumericArray, StreamPlan, Table, Tolerance } from '@baler/format';
import { checkBound, openBaler, readDataset } from '@baler/format';
import type { DataPieces } from '../io/pieces.ts';
import { EXACT } from './plan.ts';

export interface Verification {
  values: number;
  maxAbsoluteError: number;
  maxRelativeError: number;
}

export class BoundViolationError extends Error {
  override readonly name = 'BoundViolationError';
}

/** Decodes a written file chunk by chunk and checks every value against a fresh read of the input. */
export async function verifyCompressed(
  bytes: ByteSource,
  source: DataPieces,
  plans: readonly StreamPlan[],
  rowsPerPiece: number,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<Verification> {
  const file = await openBaler(bytes);
  const result: Verification = { values: 0, maxAbsoluteError: 0, maxRelativeError: 0 };
  let start = 0;
  for await (const piece of source.pieces(rowsPerPiece)) {
    const rows = piece.kind === 'table' ? piece.rowCount : piece.shape[0]!;
    const decoded = await readDataset(file, { rows: { start, end: start + rows } });
    const part = checkPiece(piece, decoded, plans, start);
    result.values += part.values;
    result.maxAbsoluteError = Math.max(result.maxAbsoluteError, part.maxAbsoluteError);
    result.maxRelativeError = Math.max(result.maxRelativeError, part.maxRelativeError);
    start += rows;
    onProgress?.('verify', start, source.rows);
  }
  if (start !== file.metadata.shape[0]) {
    throw new BoundViolationError(
      `verification failed: the file holds ${file.metadata.shape[0]} rows, the input ${start}; the file was not written.`,
    );
  }
  return result;
}

/** Checks one piece against its decoded rows: lossy streams within their tolerance, the rest identical. */
function checkPiece(
  original: Dataset,
  decoded: Dataset,
  plans: readonly StreamPlan[],
  start: number,
): Verification {
  const result: Verification = { values: 0, maxAbsoluteError: 0, maxRelativeError: 0 };
  const streams: [NumericArray | string[], NumericArray | string[], StreamPlan, string][] =
    original.kind === 'table'
      ? original.columns.map((c, j) => [
          c.data,
          (decoded as Table).columns[j]!.data,
          plans[j] ?? EXACT,
          `column "${c.name}"`,
        ])
      : [[original.data, (decoded as Field).data, plans[0] ?? EXACT, 'the field']];
  for (const [a, b, plan, what] of streams) {
    result.values += a.length;
    if (Array.isArray(a) || Array.isArray(b) || !plan.tolerance) {
      if (!identical(a, b)) {
        throw new BoundViolationError(
          `verification failed: ${what} did not come back exactly (rows from ${start}); the file was not written.`,
        );
      }
      continue;
    }
    const check = checkBound(a, b, plan.tolerance);
    if (check.firstViolation >= 0) {
      const rowValues = original.kind === 'table' ? 1 : a.length / Math.max(1, original.shape[0]!);
      throw new BoundViolationError(
        `verification failed: a value of ${what} in row ${start + Math.floor(check.firstViolation / rowValues)} breaks its bound (${describeTolerance(plan.tolerance)}); the file was not written. Please report this.`,
      );
    }
    result.maxAbsoluteError = Math.max(result.maxAbsoluteError, check.maxAbsoluteError);
    result.maxRelativeError = Math.max(result.maxRelativeError, check.maxRelativeError);
  }
  return result;
}

function identical(a: NumericArray | string[], b: NumericArray | string[]): boolean {
  if (a.length !== b.length) return false;
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.every((v, i) => v === b[i]);
  if (a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}

function describeTolerance(t: Tolerance): string {
  return t.relative > 0 ? `|error| ≤ ${t.relative}·|x|` : `|error| ≤ ${t.absolute}`;
}
