// Viridis (perceptually uniform, readable in greyscale and by most colour-blind readers), as 9 stops
// linearly interpolated into a 256-entry table: a few hundred bytes instead of a colour library.
const STOPS = [0x440154, 0x472c7a, 0x3b518b, 0x2c718e, 0x21908d, 0x27ad81, 0x5cc863, 0xaadc32, 0xfde725];

/** 256 RGB triples, index 0 for the low end of the scale. */
export const VIRIDIS: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const position = (i / 255) * (STOPS.length - 1);
    const low = Math.min(STOPS.length - 2, Math.floor(position));
    const t = position - low;
    for (let c = 0; c < 3; c++) {
      const shift = 16 - 8 * c;
      const a = (STOPS[low]! >> shift) & 0xff;
      const b = (STOPS[low + 1]! >> shift) & 0xff;
      table[i * 3 + c] = Math.round(a + (b - a) * t);
    }
  }
  return table;
})();

/** The table index of `x` on the scale [min, max]; values off the scale clamp to its ends. */
export function colourIndex(x: number, min: number, max: number): number {
  if (!(max > min)) return 128;
  return Math.max(0, Math.min(255, Math.round(((x - min) / (max - min)) * 255)));
}
