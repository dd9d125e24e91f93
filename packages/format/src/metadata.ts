// The metadata section (SPEC.md §5): a UTF-8 JSON object describing the array, how each part of it is
// stored, and where it came from. Parsed strictly: anything off-schema is a MalformedMetadata error.
import type { Attributes, DType, JsonValue, NumericDType } from './dataset.ts';
import { isDType, isNumericDType } from './dataset.ts';
import { formatErrors } from './errors.ts';
import { LIMITS } from './layout.ts';
import type { BlockInfo } from './model/blocks.ts';
import type { DecoderInfo } from './model/latents.ts';

/** The error the writer promised and verified, per value. */
export type ErrorBound =
  | { kind: 'lossless' }
  /** |x̂ − x| ≤ value */
  | { kind: 'abs'; value: number }
  /** |x̂ − x| ≤ value × (max − min) of the column (table) or array (field); `absolute` is that product. */
  | { kind: 'rel'; value: number; absolute: number }
  /** |x̂ − x| ≤ value × |x| */
  | { kind: 'pwrel'; value: number };

/** How values are stored; `exact` keeps every bit (SPEC.md §7). Later methods add parameters. */
export interface StorageMethod {
  name: string;
  [parameter: string]: JsonValue;
}

export interface ColumnMetadata {
  name: string;
  dtype: DType;
  method: StorageMethod;
  bound: ErrorBound;
}

export interface Provenance {
  /** Name and version of the writing tool, e.g. "baler 0.1.0". */
  tool: string;
  /** sha256 of the canonical JSON of the compression/training configuration, or null. */
  configHash: string | null;
  /** Where the data came from, as the user named it (e.g. "data.h5:/data"), or null. */
  source: string | null;
}

interface CommonMetadata {
  attributes: Attributes;
  /** Present when the file carries a decoder network (a `model` section and per-chunk `latents`). */
  decoder?: DecoderInfo | null;
  /** Description of the learned model, or null when none is used. Informative only. */
  model: JsonValue;
  provenance: Provenance;
}

export interface TableMetadata extends CommonMetadata {
  kind: 'table';
  /** [rows, columns] */
  shape: [number, number];
  columns: ColumnMetadata[];
}

export interface FieldMetadata extends CommonMetadata {
  kind: 'field';
  shape: number[];
  dtype: NumericDType;
  method: StorageMethod;
  bound: ErrorBound;
}

export type BalerMetadata = TableMetadata | FieldMetadata;

export function encodeMetadata(metadata: BalerMetadata): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(metadata));
}

export function decodeMetadata(bytes: Uint8Array): BalerMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw formatErrors.malformedMetadata('$', `not valid UTF-8 JSON (${(error as Error).message})`);
  }
  return validateMetadata(parsed);
}

export function validateMetadata(value: unknown): BalerMetadata {
  const m = object(value, '$');
  const kind = m.kind;
  const common: CommonMetadata = {
    attributes: object(m.attributes, '$.attributes') as Attributes,
    model: (m.model ?? null) as JsonValue,
    provenance: provenance(m.provenance),
    decoder: decoderInfo(m.decoder),
  };
  const shape = shapeOf(m.shape);
  if (kind === 'table') {
    if (shape.length !== 2) fail('$.shape', `a table has shape [rows, columns], got rank ${shape.length}`);
    const columns = array(m.columns, '$.columns').map((c, i) => column(c, `$.columns[${i}]`));
    if (columns.length !== shape[1]) {
      fail('$.columns', `lists ${columns.length} columns but the shape says ${shape[1]}`);
    }
    if (common.decoder?.blocks) fail('$.decoder.blocks', 'only a field can be predicted in blocks');
    columns.forEach((c, i) => {
      if (predictorName(c.method) === 'block-model')
        fail(`$.columns[${i}].method.predictor`, '"block-model" predicts fields only');
      checkStencilNetwork(common.decoder, predictorName(c.method));
    });
    return { kind, shape: [shape[0]!, shape[1]!], columns, ...common };
  }
  if (kind === 'field') {
    if (shape.length === 0) fail('$.shape', 'a field has rank ≥ 1 (store a scalar as shape [1])');
    if (!isNumericDType(m.dtype)) fail('$.dtype', `unknown numeric dtype ${JSON.stringify(m.dtype)}`);
    const fieldMethod = method(m.method, '$.method');
    checkBlocks(common.decoder, predictorName(fieldMethod), shape.length);
    checkStencilNetwork(common.decoder, predictorName(fieldMethod));
    return {
      kind,
      shape,
      dtype: m.dtype,
      method: fieldMethod,
      bound: bound(m.bound, '$.bound'),
      ...common,
    };
  }
  return fail('$.kind', `must be "table" or "field", got ${JSON.stringify(kind)}`);
}

/** SPEC.md §7.2.1: the `stencil-network` predictor runs the file's one network, so there are no latents. */
function checkStencilNetwork(decoder: DecoderInfo | null | undefined, predictor: string | undefined): void {
  if (predictor === 'stencil-network' && decoder)
    fail('$.decoder', 'a stream predicts with "stencil-network": the file\'s network is its, so no decoder');
}

function predictorName(storage: StorageMethod): string | undefined {
  return (storage as { predictor?: { name?: string } }).predictor?.name;
}

/** SPEC.md §7.3.1: `blocks` and the `block-model` predictor come together, blocks of the field's rank. */
function checkBlocks(
  decoder: DecoderInfo | null | undefined,
  predictor: string | undefined,
  rank: number,
): void {
  const blocks = decoder?.blocks;
  if (predictor === 'block-model' && !blocks)
    fail('$.decoder.blocks', 'the field predicts with "block-model", but the decoder describes no blocks');
  if (!blocks) return;
  if (predictor !== 'block-model')
    fail(
      '$.decoder.blocks',
      `with blocks the field's predictor must be "block-model", not ${JSON.stringify(predictor ?? 'none')}`,
    );
  if (blocks.shape.length !== rank)
    fail('$.decoder.blocks.shape', `has rank ${blocks.shape.length}, the field has rank ${rank}`);
}

function decoderInfo(value: unknown): DecoderInfo | null {
  if (value === undefined || value === null) return null;
  const d = object(value, '$.decoder');
  const count = (v: unknown, path: string) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 65536)
      fail(path, 'must be an integer in 1..65536');
    return v as number;
  };
  if (typeof d.latentStep !== 'number' || !(d.latentStep > 0) || !Number.isFinite(d.latentStep)) {
    fail('$.decoder.latentStep', 'must be a finite number > 0');
  }
  return {
    latent: count(d.latent, '$.decoder.latent'),
    latentStep: d.latentStep,
    outputs: count(d.outputs, '$.decoder.outputs'),
    ...(d.blocks === undefined ? {} : { blocks: blockInfo(d.blocks, count) }),
    ...(d.anyOrder === undefined ? {} : { anyOrder: flag(d.anyOrder, '$.decoder.anyOrder') }),
  };
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value as boolean;
}

/** `$.decoder.blocks` (SPEC.md §7.3.1); its rank and the field's are checked where both are known. */
function blockInfo(value: unknown, count: (v: unknown, path: string) => number): BlockInfo {
  const b = object(value, '$.decoder.blocks');
  const shape = array(b.shape, '$.decoder.blocks.shape');
  if (shape.length === 0 || shape.length > LIMITS.maxRank)
    fail('$.decoder.blocks.shape', `must list 1..${LIMITS.maxRank} extents`);
  const step = (v: unknown, path: string) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(path, 'must be a finite number > 0');
    return v as number;
  };
  return {
    shape: shape.map((e, i) => count(e, `$.decoder.blocks.shape[${i}]`)),
    centerStep: step(b.centerStep, '$.decoder.blocks.centerStep'),
    spreadStep: step(b.spreadStep, '$.decoder.blocks.spreadStep'),
  };
}

function column(value: unknown, path: string): ColumnMetadata {
  const c = object(value, path);
  if (typeof c.name !== 'string') fail(`${path}.name`, 'must be a string');
  if (!isDType(c.dtype)) fail(`${path}.dtype`, `unknown dtype ${JSON.stringify(c.dtype)}`);
  return {
    name: c.name,
    dtype: c.dtype,
    method: method(c.method, `${path}.method`),
    bound: bound(c.bound, `${path}.bound`),
  };
}

function method(value: unknown, path: string): StorageMethod {
  const m = object(value, path);
  if (typeof m.name !== 'string' || m.name === '') fail(`${path}.name`, 'must be a non-empty string');
  return m as StorageMethod;
}

function bound(value: unknown, path: string): ErrorBound {
  const b = object(value, path);
  if (b.kind === 'lossless') return { kind: 'lossless' };
  if (b.kind === 'abs' || b.kind === 'pwrel' || b.kind === 'rel') {
    if (typeof b.value !== 'number' || !(b.value >= 0)) fail(`${path}.value`, 'must be a number ≥ 0');
    if (b.kind !== 'rel') return { kind: b.kind, value: b.value };
    if (typeof b.absolute !== 'number' || !(b.absolute >= 0))
      fail(`${path}.absolute`, 'must be a number ≥ 0');
    return { kind: 'rel', value: b.value, absolute: b.absolute };
  }
  return fail(`${path}.kind`, `unknown bound kind ${JSON.stringify(b.kind)}`);
}

function provenance(value: unknown): Provenance {
  const p = object(value, '$.provenance');
  if (typeof p.tool !== 'string') fail('$.provenance.tool', 'must be a string');
  const optionalString = (v: unknown, path: string) => {
    if (v !== null && typeof v !== 'string') fail(path, 'must be a string or null');
    return v as string | null;
  };
  return {
    tool: p.tool,
    configHash: optionalString(p.configHash ?? null, '$.provenance.configHash'),
    source: optionalString(p.source ?? null, '$.provenance.source'),
  };
}

function shapeOf(value: unknown): number[] {
  const shape = array(value, '$.shape');
  if (shape.length > LIMITS.maxRank) fail('$.shape', `rank ${shape.length} exceeds ${LIMITS.maxRank}`);
  let total = 1;
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      fail(`$.shape[${i}]`, 'must be an integer ≥ 0');
    total *= d;
  });
  if (!Number.isSafeInteger(total)) fail('$.shape', 'holds more than 2^53 elements');
  return shape as number[];
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, 'must be a JSON object');
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be a JSON array');
  return value;
}

function fail(path: string, reason: string): never {
  throw formatErrors.malformedMetadata(path, reason);
}
