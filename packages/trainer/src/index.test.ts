import { describe, expect, it } from 'vitest';
import * as trainer from './index.ts';

describe('@baler/trainer public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(trainer).sort()).toMatchInlineSnapshot(`
      [
        "BoundSyntaxError",
        "BoundViolationError",
        "DATA_FILE_EXTENSIONS",
        "DataInputError",
        "compressDataset",
        "compressToFile",
        "datasetPieces",
        "denseNetworkToOnnx",
        "describeBoundSpec",
        "isDataInputError",
        "openDataPieces",
        "parseBound",
        "parseColumnOverride",
        "parseCsv",
        "parseDataSpec",
        "parseNpy",
        "parseNpz",
        "readDataFile",
        "readHdf5",
        "readHdf5Chunks",
        "serializeCsv",
        "serializeNpy",
        "serializeNpz",
        "writeDataFile",
        "writeHdf5",
      ]
    `);
  });
});
