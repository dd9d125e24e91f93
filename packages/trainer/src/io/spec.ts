// Dataset specs: the strings users pass for data, a file path optionally followed by `:inner` to pick an
// array inside it (`run.h5:/events/data`, `arrays.npz:x`). The file type comes from the extension.

export type DataFileFormat = 'hdf5' | 'npy' | 'npz' | 'csv';

/** Extensions by format, lower case with the dot. */
export const DATA_FILE_EXTENSIONS: Readonly<Record<DataFileFormat, readonly string[]>> = {
  hdf5: ['.h5', '.hdf5', '.he5'],
  npy: ['.npy'],
  npz: ['.npz'],
  csv: ['.csv'],
};

export interface DataSpec {
  /** The file path, without any `:inner` suffix. */
  path: string;
  /** What follows the `:` after a known extension (an HDF5 dataset path, an .npz key), if anything. */
  inner: string | undefined;
  /** The format the extension names, or undefined for an unknown extension. */
  format: DataFileFormat | undefined;
}

const KNOWN_EXTENSIONS = Object.values(DATA_FILE_EXTENSIONS)
  .flat()
  .map((extension) => extension.slice(1));
// Lazy, so the first known extension followed by ':' or the end wins; a Windows drive letter's ':' precedes
// the extension and never matches.
const SPEC_PATTERN = new RegExp(`^(.*?\\.(${KNOWN_EXTENSIONS.join('|')}))(?::(.*))?$`, 'is');

/** Splits `file.ext[:inner]` into the file path, the inner part and the format. */
export function parseDataSpec(spec: string): DataSpec {
  const match = SPEC_PATTERN.exec(spec);
  if (match === null) return { path: spec, inner: undefined, format: undefined };
  const [, path, extension, inner] = match as unknown as [string, string, string, string | undefined];
  return {
    path,
    inner: inner === '' ? undefined : inner,
    format: formatOfExtension(`.${extension.toLowerCase()}`),
  };
}

function formatOfExtension(extension: string): DataFileFormat | undefined {
  for (const [format, extensions] of Object.entries(DATA_FILE_EXTENSIONS)) {
    if (extensions.includes(extension)) return format as DataFileFormat;
  }
  return undefined;
}
