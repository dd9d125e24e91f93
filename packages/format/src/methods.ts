// Storage methods (SPEC.md §7): how one stream — a column of a table chunk, or a field chunk's block —
// becomes sections and comes back. `exact` keeps every bit; `quantized` keeps each value within the bound.
import { CODEC } from './codecs.ts';
import type { ColumnData, DType, NumericArray, NumericDType } from './dataset.ts';
import { arrayToLittleEndianBytes, dtypeByteSize, littleEndianBytesToArray, shapeSize } from './dataset.ts';
import { formatErrors } from './errors.ts';
import { SECTION_KIND, sectionLabel } from './layout.ts';
import type { StorageMethod } from './metadata.ts';
import { decodeExceptions, encodeExceptions } from './quantize/exceptions.ts';
import { validatePredictor } from './quantize/predictors.ts';
import type { PredictorInputs, QuantizerParams, Tolerance } from './quantize/stream-codec.ts';
import { castFor, decodeQuantizedStream, encodeQuantizedStream } from './quantize/stream-codec.ts';
import type { BalerFile } from './reader.ts';
import { findSections, readSection } from './reader.ts';
import type { SectionInput } from './writer.ts';

/** Where a stream lies, and what its predictor takes from outside it (predictions, network). */
export interface StreamLocation extends PredictorInputs {
  chunk: number;
  stream: number;
  /** Shape of the stream's values in this chunk: [rows] for a table column, the block's extent for a field. */
  shape: number[];
  dtype: DType;
}

/** The sections that store `data` with `method`. `tolerance` is required by lossy methods. */
export function encodeStream(
  method: StorageMethod,
  data: ColumnData,
  at: StreamLocation,
  tolerance?: Tolerance,
): SectionInput[] {
  const base = { chunk: at.chunk, stream: at.stream };
  if (method.name === 'exact') {
    if (at.dtype === 'string')
      return [
        { kind: SECTION_KIND.exact, ...base, codec: CODEC.deflate, payload: encodeStrings(data as string[]) },
      ];
    const size = dtypeByteSize(at.dtype);
    return [
      {
        kind: SECTION_KIND.exact,
        ...base,
        codec: size > 1 ? CODEC.shuffleDeflate : CODEC.deflate,
        elementSize: size,
        payload: arrayToLittleEndianBytes(data as NumericArray),
      },
    ];
  }
  if (isQuantized(method)) {
    const params = quantizerParams(method, at.dtype, at.shape.length, '$.method');
    if (!tolerance) throw new Error('the quantized method needs a tolerance');
    const encoded = encodeQuantizedStream(
      data as NumericArray,
      at.shape,
      at.dtype as NumericDType,
      params,
      tolerance,
      at,
    );
    const sections: SectionInput[] = [
      { kind: SECTION_KIND.residuals, ...base, codec: CODEC.raw, payload: encoded.residuals },
    ];
    if (encoded.exceptions.positions.length > 0) {
      sections.push({
        kind: SECTION_KIND.exceptions,
        ...base,
        codec: CODEC.deflate,
        payload: encodeExceptions(encoded.exceptions),
      });
    }
    return sections;
  }
  throw formatErrors.unsupported('storage method', method.name);
}

/** Decodes one stream of one chunk from the file, reading only its own sections. */
export async function decodeStream(
  file: BalerFile,
  method: StorageMethod,
  at: StreamLocation,
): Promise<ColumnData> {
  const kinds =
    method.name === 'exact' ? [SECTION_KIND.exact] : [SECTION_KIND.residuals, SECTION_KIND.exceptions];
  const payloads = new Map<number, { payload: Uint8Array; label: string }>();
  for (const kind of kinds) {
    const found = findSections(file, kind, at.chunk, at.stream);
    if (found.length > 1)
      throw formatErrors.malformedSection(sectionLabel(found[1]!), 'appears more than once');
    const entry = found[0];
    if (!entry) continue;
    if (kind === SECTION_KIND.exact && at.dtype !== 'string') {
      const expected = shapeSize(at.shape) * dtypeByteSize(at.dtype);
      if (entry.decodedLength !== expected) {
        throw formatErrors.malformedSection(
          sectionLabel(entry),
          `holds ${entry.decodedLength} bytes, but ${shapeSize(at.shape)} ${at.dtype} values need ${expected}`,
        );
      }
    }
    payloads.set(kind, { payload: await readSection(file, entry), label: sectionLabel(entry) });
  }
  return decodePayloads(method, payloads, at);
}

/** Decodes a stream straight from the sections an encoder produced (used to verify before writing). */
export function decodeEncodedStream(
  method: StorageMethod,
  sections: readonly SectionInput[],
  at: StreamLocation,
): ColumnData {
  const payloads = new Map(
    sections.map((s) => [
      s.kind,
      { payload: s.payload, label: sectionLabel({ kind: s.kind, chunk: at.chunk, stream: at.stream }) },
    ]),
  );
  return decodePayloads(method, payloads, at);
}

function decodePayloads(
  method: StorageMethod,
  payloads: Map<number, { payload: Uint8Array; label: string }>,
  at: StreamLocation,
): ColumnData {
  const count = shapeSize(at.shape);
  const required = (kind: number) => {
    const found = payloads.get(kind);
    if (!found) {
      throw formatErrors.malformedSection(
        sectionLabel({ kind, chunk: at.chunk, stream: at.stream }),
        'expected exactly one, found 0',
      );
    }
    return found;
  };
  if (method.name === 'exact') {
    const { payload, label } = required(SECTION_KIND.exact);
    if (at.dtype === 'string') return decodeStrings(payload, count, label);
    if (payload.length !== count * dtypeByteSize(at.dtype)) {
      throw formatErrors.malformedSection(
        label,
        `holds ${payload.length} bytes for ${count} ${at.dtype} values`,
      );
    }
    return littleEndianBytesToArray(payload, at.dtype);
  }
  if (isQuantized(method)) {
    const params = quantizerParams(method, at.dtype, at.shape.length, '$.method');
    const dtype = at.dtype as NumericDType;
    const residuals = required(SECTION_KIND.residuals);
    const exceptionPart = payloads.get(SECTION_KIND.exceptions);
    const exceptions = exceptionPart
      ? decodeExceptions(exceptionPart.payload, dtype, count, exceptionPart.label)
      : { positions: new Uint32Array(0), values: new Float64Array(0) };
    return decodeQuantizedStream(residuals.payload, exceptions, at.shape, dtype, params, residuals.label, at);
  }
  throw formatErrors.unsupported('storage method', method.name);
}

/** Whether `method` is one of the quantized methods (SPEC.md §7.2), which differ only in their coder. */
export function isQuantized(method: StorageMethod): boolean {
  return method.name === 'quantized' || method.name === 'quantized-rans';
}

/** Checks a `quantized` method's parameters (SPEC.md §7.2) and returns them typed. */
export function quantizerParams(
  method: StorageMethod,
  dtype: DType,
  rank: number,
  path: string,
): QuantizerParams {
  const { domain, step, predictor } = method as unknown as QuantizerParams;
  if (domain !== 'linear' && domain !== 'log')
    throw formatErrors.malformedMetadata(`${path}.domain`, 'must be "linear" or "log"');
  if (typeof step !== 'number' || !(step > 0) || !Number.isFinite(step)) {
    throw formatErrors.malformedMetadata(`${path}.step`, 'must be a finite number > 0');
  }
  if (dtype === 'string' || dtype === 'int64' || dtype === 'uint64')
    throw formatErrors.unsupported('quantized dtype', dtype);
  castFor(dtype);
  return {
    domain,
    step,
    predictor: validatePredictor(predictor, rank, `${path}.predictor`),
    coder: method.name === 'quantized-rans' ? 'rans' : 'range',
  };
}

/** Strings: for each value, its UTF-8 byte length as u32 LE, then the bytes (SPEC.md §7.1). */
export function encodeStrings(values: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

export function decodeStrings(bytes: Uint8Array, count: number, label: string): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length)
      throw formatErrors.malformedSection(label, `ends after ${i} of ${count} strings`);
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.length)
      throw formatErrors.malformedSection(label, `string ${i} runs past the section`);
    try {
      out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + length)));
    } catch {
      throw formatErrors.malformedSection(label, `string ${i} is not valid UTF-8`);
    }
    at += 4 + length;
  }
  if (at !== bytes.length)
    throw formatErrors.malformedSection(label, `has ${bytes.length - at} bytes after its ${count} strings`);
  return out;
}
