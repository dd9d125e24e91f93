import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conformanceFiles, stencilNetworkFixture } from './conformance.ts';

// The vectors live beside the format's canonical kernels, which are what they specify.
const TESTDATA = new URL('../../../format/src/model/testdata/', import.meta.url);

describe('conformance vectors of the canonical kernels', () => {
  it('are committed and current (regenerate with BALER_UPDATE_FIXTURES=1)', () => {
    const { onnx, vectors } = conformanceFiles();
    const json = `${JSON.stringify(vectors, null, 2)}\n`;
    const onnxUrl = new URL('tiny-decoder.onnx', TESTDATA);
    const jsonUrl = new URL('tiny-decoder.json', TESTDATA);
    if (process.env.BALER_UPDATE_FIXTURES === '1' || !existsSync(onnxUrl)) {
      mkdirSync(TESTDATA, { recursive: true });
      writeFileSync(onnxUrl, onnx);
      writeFileSync(jsonUrl, json);
    }
    // The exporter's bytes are part of the contract: a change must be deliberate and regenerate these.
    expect(new Uint8Array(readFileSync(onnxUrl))).toEqual(onnx);
    expect(JSON.parse(readFileSync(jsonUrl, 'utf8'))).toEqual(vectors); // any formatting
  });

  it('include the stencil-network fixture of the format tests, current', () => {
    const url = new URL('stencil-network.onnx', TESTDATA);
    const onnx = stencilNetworkFixture();
    if (process.env.BALER_UPDATE_FIXTURES === '1' || !existsSync(url)) writeFileSync(url, onnx);
    expect(new Uint8Array(readFileSync(url))).toEqual(onnx);
  });
});
