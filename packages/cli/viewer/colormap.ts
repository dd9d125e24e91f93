// The viewer's colour scale: the plots' viridis table (../src/plot/colour-tables.ts, canvas-free).
export { VIRIDIS_LUT as VIRIDIS } from '../src/plot/colour-tables.ts';

/** The table index of `x` on the scale [min, max]; values off the scale clamp to its ends. */
export function colourIndex(x: number, min: number, max: number): number {
  if (!(max > min)) return 128;
  return Math.max(0, Math.min(255, Math.round(((x - min) / (max - min)) * 255)));
}
