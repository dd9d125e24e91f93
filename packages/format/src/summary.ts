// The honest byte account of a .baler file: every byte that decoding needs, by section kind, against the
// bytes of the original array. This is what `baler info` prints and what every ratio in Baler means.
import { dtypeByteSize, shapeSize } from './dataset.ts';
import { ENTRY_SIZE, FOOTER_SIZE, HEADER_SIZE, SECTION_KIND, SECTION_KIND_NAMES } from './layout.ts';
import type { ErrorBound } from './metadata.ts';
import type { BalerFile } from './reader.ts';

export interface SectionTotal {
  kind: string;
  sections: number;
  storedBytes: number;
  decodedBytes: number;
}

export interface FileSummary {
  version: string;
  kind: 'table' | 'field';
  shape: number[];
  /** The field's dtype, or each column's. */
  dtypes: string[];
  columns: string[];
  chunks: number;
  fileBytes: number;
  /** Header, section table and footer. */
  containerBytes: number;
  sections: SectionTotal[];
  /** Bytes of the array in its own dtypes (UTF-8 bytes for text columns). */
  originalBytes: number;
  /** Bytes of the array with every numeric value as float32. */
  float32Bytes: number;
  ratioToOriginal: number;
  ratioToFloat32: number;
  bounds: string[];
  /** How many streams (columns, or the field) each storage method stores, e.g. { 'quantized-rans': 20 }. */
  methods: Record<string, number>;
}

const ORDER = [
  SECTION_KIND.metadata,
  SECTION_KIND.chunkIndex,
  SECTION_KIND.model,
  SECTION_KIND.latents,
  SECTION_KIND.residuals,
  SECTION_KIND.exact,
  SECTION_KIND.exceptions,
];

export function summarizeFile(file: BalerFile): FileSummary {
  const { metadata } = file;
  const totals = new Map<number, SectionTotal>(
    ORDER.map((kind) => [
      kind,
      { kind: SECTION_KIND_NAMES[kind]!, sections: 0, storedBytes: 0, decodedBytes: 0 },
    ]),
  );
  for (const entry of file.sections) {
    const total = totals.get(entry.kind) ?? {
      kind: SECTION_KIND_NAMES[entry.kind] ?? `kind ${entry.kind}`,
      sections: 0,
      storedBytes: 0,
      decodedBytes: 0,
    };
    total.sections++;
    total.storedBytes += entry.storedLength;
    total.decodedBytes += entry.decodedLength;
    totals.set(entry.kind, total);
  }
  const rows = metadata.shape[0]!;
  let originalBytes = 0;
  let float32Bytes = 0;
  if (metadata.kind === 'table') {
    metadata.columns.forEach((column, j) => {
      if (column.dtype === 'string') {
        const text = file.sections
          .filter((s) => s.kind === SECTION_KIND.exact && s.stream === j)
          .reduce((n, s) => n + s.decodedLength, 0);
        const bytes = Math.max(0, text - 4 * rows);
        originalBytes += bytes;
        float32Bytes += bytes;
      } else {
        originalBytes += rows * dtypeByteSize(column.dtype);
        float32Bytes += rows * 4;
      }
    });
  } else {
    originalBytes = shapeSize(metadata.shape) * dtypeByteSize(metadata.dtype);
    float32Bytes = shapeSize(metadata.shape) * 4;
  }
  const fileBytes = file.footer.fileLength;
  const bounds =
    metadata.kind === 'table'
      ? [...new Set(metadata.columns.map((c) => describeBound(c.bound)))]
      : [describeBound(metadata.bound)];
  const methods: Record<string, number> = {};
  for (const m of metadata.kind === 'table' ? metadata.columns.map((c) => c.method) : [metadata.method])
    methods[m.name] = (methods[m.name] ?? 0) + 1;
  return {
    version: `${file.version.major}.${file.version.minor}`,
    kind: metadata.kind,
    shape: [...metadata.shape],
    dtypes: metadata.kind === 'table' ? metadata.columns.map((c) => c.dtype) : [metadata.dtype],
    columns: metadata.kind === 'table' ? metadata.columns.map((c) => c.name) : [],
    chunks: file.chunkCount,
    fileBytes,
    containerBytes: HEADER_SIZE + file.sections.length * ENTRY_SIZE + FOOTER_SIZE,
    sections: [...totals.values()],
    originalBytes,
    float32Bytes,
    ratioToOriginal: originalBytes / fileBytes,
    ratioToFloat32: float32Bytes / fileBytes,
    bounds,
    methods,
  };
}

export function describeBound(bound: ErrorBound): string {
  switch (bound.kind) {
    case 'lossless':
      return 'lossless';
    case 'rel':
      return `rel=${bound.value} (abs ${bound.absolute})`;
    default:
      return `${bound.kind}=${bound.value}`;
  }
}
