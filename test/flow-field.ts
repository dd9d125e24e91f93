// A float32 field like frames of flow past an obstacle (travelling waves across a channel), with seeded
// noise so that its chunks hold real bytes: the field of the publish test and the viewer bench.
import type { Field } from '@baler/format';
import { seededRandom } from '@baler/format/testing';

export function flowLikeField(frames: number, rows: number, cols: number, noise: number): Field {
  const random = seededRandom(12345);
  const data = new Float32Array(frames * rows * cols);
  // Wavelengths scale with the grid, so a large field looks like a finer sampling of a small one.
  const [kx, ky, kt] = [cols / 8, rows / 5, 3];
  for (let t = 0, i = 0; t < frames; t++)
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++, i++) {
        const wave = Math.sin(x / kx - t / kt) * Math.cos((y - rows / 2) / ky) + x / cols;
        data[i] = wave + noise * (random() - 0.5);
      }
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float32', data, attributes: {} };
}
