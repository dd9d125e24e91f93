// The colour tables of Baler's images, with no drawing library attached, so that the plots (canvas in
// Node) and the web viewer (a browser bundle) share them: viridis (perceptually uniform, readable in
// greyscale and by most colour-blind readers) for values, a red-blue diverging map centred on zero for
// differences. 256-entry lookup tables interpolated between matplotlib's colours at eleven stops, which
// is indistinguishable at these sizes and costs a few hundred bytes instead of a colour library.

export interface Colormap {
  name: string;
  /** 256 × RGB. */
  lut: Uint8Array;
}

function fromStops(name: string, stops: string[]): Colormap {
  const rgb = stops.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)));
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(rgb[k]![c]! * (1 - f) + rgb[k + 1]![c]! * f);
  }
  return { name, lut };
}

export const VIRIDIS = fromStops('viridis', [
  '#440154',
  '#482475',
  '#414487',
  '#355f8d',
  '#2a788e',
  '#21918c',
  '#22a884',
  '#44bf70',
  '#7ad151',
  '#bddf26',
  '#fde725',
]);

export const RED_BLUE = fromStops('RdBu_r', [
  '#053061',
  '#2166ac',
  '#4393c3',
  '#92c5de',
  '#d1e5f0',
  '#f7f7f7',
  '#fddbc7',
  '#f4a582',
  '#d6604d',
  '#b2182b',
  '#67001f',
]);

/** viridis' 256 RGB triples, index 0 for the low end of the scale. */
export const VIRIDIS_LUT: Uint8Array = VIRIDIS.lut;
