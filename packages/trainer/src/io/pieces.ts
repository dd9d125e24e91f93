// Datasets as consecutive pieces along axis 0, so that compression holds one piece in memory at a time:
// HDF5 through hyperslabs, C-order little- or big-endian .npy through file reads; other inputs (CSV,
// .npz, Fortran-order .npy) are read whole and then cut into pieces.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Dataset, DatasetHeader, NumericArray, NumericDType } from '@baler/format';
import {
  allocateArray,
  describeDataset,
  dtypeByteSize,
  LITTLE_ENDIAN_HOST,
  littleEndianBytesToArray,
  shapeSize,
} from '@baler/format';
import { readDataFile } from './dataset-files.ts';
import { describeHdf5, readHdf5Chunks } from './hdf5.ts';
import { readNpyLayout } from './npy.ts';
import { parseDataSpec } from './spec.ts';

export interface DataPieces {
  header: DatasetHeader;
  /** Rows along axis 0. */
  rows: number;
  /** The pieces in order, each of at most `rowsPerPiece` rows; may be walked again for another pass. */
  pieces(rowsPerPiece: number): AsyncGenerator<Dataset>;
}

/** Opens the dataset `spec` for reading in pieces (see the module comment for which inputs stream). */
export async function openDataPieces(spec: string): Promise<DataPieces> {
  const { path, inner, format } = parseDataSpec(spec);
  if (format === 'hdf5') {
    const { shape, dtype, columnNames, attributes } = await describeHdf5(spec);
    const header: DatasetHeader = columnNames
      ? { kind: 'table', columns: columnNames.map((name) => ({ name, dtype })), attributes }
      : { kind: 'field', dtype, rowShape: shape.slice(1), attributes };
    return {
      header,
      rows: shape[0]!,
      async *pieces(rowsPerPiece) {
        for await (const chunk of readHdf5Chunks(spec, rowsPerPiece)) yield chunk.dataset;
      },
    };
  }
  // With an `:inner` part readDataFile refuses the spec, as a .npy file holds one array.
  if (format === 'npy' && inner === undefined) {
    const streamed = await openNpyPieces(path);
    if (streamed) return streamed;
  }
  return datasetPieces(await readDataFile(spec));
}

/** An in-memory dataset as pieces (views, not copies, where the layout allows). */
export function datasetPieces(dataset: Dataset): DataPieces {
  const rows = dataset.kind === 'table' ? dataset.rowCount : dataset.shape[0]!;
  return {
    header: describeDataset(dataset),
    rows,
    async *pieces(rowsPerPiece) {
      for (let start = 0; start < rows; start += rowsPerPiece) {
        const end = Math.min(rows, start + rowsPerPiece);
        if (dataset.kind === 'table') {
          const columns = dataset.columns.map((c) => ({
            ...c,
            data: Array.isArray(c.data) ? c.data.slice(start, end) : c.data.subarray(start, end),
          }));
          yield { ...dataset, rowCount: end - start, columns };
        } else {
          const rowSize = shapeSize(dataset.shape.slice(1));
          const data = dataset.data.subarray(start * rowSize, end * rowSize) as NumericArray;
          yield { ...dataset, shape: [end - start, ...dataset.shape.slice(1)], data };
        }
      }
    },
  };
}

/** Views freshly read little-endian bytes (offset 0, so aligned) as values, copying only on big-endian hosts. */
function viewLittleEndian(bytes: Uint8Array, dtype: NumericDType): NumericArray {
  if (!LITTLE_ENDIAN_HOST || bytes.byteOffset !== 0) return littleEndianBytesToArray(bytes, dtype);
  const empty = allocateArray(dtype, 0) as unknown as {
    constructor: new (b: ArrayBuffer, o: number, n: number) => NumericArray;
  };
  return new empty.constructor(bytes.buffer as ArrayBuffer, 0, bytes.length / dtypeByteSize(dtype));
}

/** A numeric C-order .npy file read piece by piece, or undefined when its layout needs a whole read. */
async function openNpyPieces(path: string): Promise<DataPieces | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined; // readDataFile gives the proper error message
  }
  try {
    const head = new Uint8Array(65536);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const layout = readNpyLayout(head.subarray(0, bytesRead), path);
    const { element, shape, fortranOrder, dataOffset } = layout;
    if (
      element.kind !== 'numeric' ||
      element.bigEndian ||
      (fortranOrder && shape.length > 1) ||
      shape.length === 0
    ) {
      return undefined;
    }
    const dtype = element.dtype;
    const rowValues = shapeSize(shape.slice(1));
    const rowBytes = rowValues * dtypeByteSize(dtype);
    const { size } = await handle.stat();
    if (size < dataOffset + shape[0]! * rowBytes) return undefined; // truncated: let the whole read explain
    return {
      header: { kind: 'field', dtype, rowShape: shape.slice(1), attributes: {} },
      rows: shape[0]!,
      async *pieces(rowsPerPiece) {
        const file = await open(path, 'r');
        try {
          for (let start = 0; start < shape[0]!; start += rowsPerPiece) {
            const end = Math.min(shape[0]!, start + rowsPerPiece);
            const bytes = new Uint8Array((end - start) * rowBytes);
            let done = 0;
            while (done < bytes.length) {
              const { bytesRead: n } = await file.read(
                bytes,
                done,
                bytes.length - done,
                dataOffset + start * rowBytes + done,
              );
              if (n === 0) throw new Error(`${path}: the file shrank while it was being read`);
              done += n;
            }
            yield {
              kind: 'field',
              shape: [end - start, ...shape.slice(1)],
              dtype,
              data: viewLittleEndian(bytes, dtype),
              attributes: {},
            };
          }
        } finally {
          await file.close();
        }
      },
    };
  } finally {
    await handle.close();
  }
}
