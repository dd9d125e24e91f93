import { BlockPredictor } from '../../format/src/quantize/predictors.ts';
import { stencilInterior } from '../src/compress/stencil-fit.ts';
export function residualStats(
  spec: any,
  network: any,
  decoded: Float64Array,
  truth: Float64Array,
  shape: number[],
  step: number,
) {
  const p = new BlockPredictor(spec, shape, undefined, network);
  const rowLen = shape[shape.length - 1]!;
  const rows = decoded.length / rowLen;
  const idx = new Int32Array(shape.length - 1);
  const counts = new Map<number, number>();
  const inside = new Uint8Array(decoded.length);
  for (const i of stencilInterior(shape, spec.offsets).points) inside[i] = 1;
  let si = 0,
    ni = 0;
  let s2 = 0;
  for (let r = 0; r < rows; r++) {
    let rr = r;
    for (let d = shape.length - 2; d >= 0; d--) {
      idx[d] = rr % shape[d]!;
      rr = Math.floor(rr / shape[d]!);
    }
    p.startRow(idx);
    for (let x = 0; x < rowLen; x++) {
      const i = r * rowLen + x;
      const e = truth[i]! - p.at(decoded, i, x);
      s2 += e * e;
      if (inside[i]) {
        si += e * e;
        ni++;
      }
      const q = Math.round(e / step);
      counts.set(q, (counts.get(q) ?? 0) + 1);
    }
  }
  let h = 0;
  for (const c of counts.values()) {
    const f = c / decoded.length;
    h -= f * Math.log2(f);
  }
  return {
    interior: Math.sqrt(si / ni),
    ni,
    std: Math.sqrt(s2 / decoded.length),
    H: h,
    bytes: (h * decoded.length) / 8,
  };
}
