// The smallest learned model Baler has: a linear predictor over a field's already-decoded neighbours,
// fitted by least squares. Its weights cost tens of bytes, so it earns its place whenever it predicts
// better than the fixed Lorenzo rule.

/** Causal neighbours by rank: previous along each axis, diagonals behind, and one step further back. */
export const STENCIL_OFFSETS: Record<number, number[][]> = {
  1: [[-1], [-2], [-3]],
  2: [
    [0, -1],
    [-1, 0],
    [-1, -1],
    [-1, 1],
    [0, -2],
    [-2, 0],
  ],
  3: causalBox(2, 1, 1, [
    [0, 0, -2],
    [0, -2, 0],
    [0, -1, -2],
    [0, -2, -1],
    [0, -1, 2],
  ]),
};

/** Every causal offset within ±t, ±y, ±x of a 3-D value, in C order, then the extra offsets. */
function causalBox(t: number, y: number, x: number, extra: number[][]): number[][] {
  const offsets: number[][] = [];
  for (let dt = -t; dt <= 0; dt++)
    for (let dy = -y; dy <= y; dy++)
      for (let dx = -x; dx <= x; dx++) {
        if (dt < 0 || dy < 0 || (dy === 0 && dx < 0)) offsets.push([dt, dy, dx]);
      }
  return [...offsets, ...extra];
}

/**
 * `offsets` sorted by how far back in C order they reach in a block of `shape`, farthest first (ties keep
 * their order). SPEC.md sums a stencil in list order, so every term waits for the previous one; with the
 * nearest neighbour — the value decoded just before — last, the terms before it can be summed while that
 * value is still being decoded, in the encoder and in every decoder.
 */
export function farthestFirst(offsets: readonly number[][], shape: readonly number[]): number[][] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const flat = (o: readonly number[]) => o.reduce((n, v, d) => n + v * strides[d]!, 0);
  return [...offsets].sort((a, b) => flat(a) - flat(b));
}

/**
 * Least-squares weights predicting `target[i]` from `source[i + offset]` over every interior point of a
 * C-order array of `shape`. `source` is the data the decoder will see (the reconstruction, once known).
 * Returns undefined when the system is singular or there are too few points.
 */
export function fitStencil(
  target: ArrayLike<number>,
  source: ArrayLike<number>,
  shape: readonly number[],
  offsets: readonly number[][],
  significantDigits = 5,
): number[] | undefined {
  const { flat, points } = stencilInterior(shape, offsets);
  return fitStencilAt(target, source, points, flat, significantDigits);
}

/** Least-squares weights predicting `target[i]` from `source[i + flat[k]]` over the points `interior`. */
export function fitStencilAt(
  target: ArrayLike<number>,
  source: ArrayLike<number>,
  interior: Int32Array,
  flat: Int32Array,
  significantDigits = 5,
): number[] | undefined {
  const k = flat.length;
  const { ata, atb, points } = normalEquations(target, source, interior, flat);
  if (points < 4 * k) return undefined;
  const weights = solveSymmetric(ata, atb, k);
  return weights?.map((w) => Number(w.toPrecision(significantDigits)));
}

/**
 * AᵀA, Aᵀy and yᵀy of the least-squares problem over the points where the target and every neighbour are
 * finite (`points` of them); row a of A holds `source[i + flat[a]]`.
 */
function normalEquations(
  target: ArrayLike<number>,
  source: ArrayLike<number>,
  interior: Int32Array,
  flat: Int32Array,
): { ata: Float64Array; atb: Float64Array; yy: number; points: number } {
  const k = flat.length;
  const ata = new Float64Array(k * k);
  const atb = new Float64Array(k);
  const row = new Float64Array(k);
  let points = 0;
  let yy = 0;
  for (const i of interior) {
    const y = target[i]!;
    let finite = Number.isFinite(y);
    for (let a = 0; a < k; a++) {
      row[a] = source[i + flat[a]!]!;
      if (!Number.isFinite(row[a]!)) finite = false;
    }
    if (finite) {
      points++;
      yy += y * y;
      for (let a = 0; a < k; a++) {
        atb[a]! += row[a]! * y;
        for (let b = 0; b <= a; b++) ata[a * k + b]! += row[a]! * row[b]!;
      }
    }
  }
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) ata[a * k + b] = ata[b * k + a]!;
  return { ata, atb, yy, points };
}

/**
 * The `taps` offsets of `offsets` whose least-squares stencil leaves the smallest residual, chosen one at
 * a time (greedy forward selection on the normal equations of all of them), in the order chosen. A short stencil decodes faster: SPEC.md fixes the order of its sum, so every tap is a
 * dependent add.
 */
export function selectOffsets(
  target: ArrayLike<number>,
  source: ArrayLike<number>,
  shape: readonly number[],
  offsets: readonly number[][],
  taps: number,
): number[][] {
  if (offsets.length <= taps) return [...offsets];
  const { flat, points } = stencilInterior(shape, offsets);
  const k = flat.length;
  const { ata, atb, yy } = normalEquations(target, source, points, flat);
  const chosen: number[] = [];
  while (chosen.length < taps) {
    let best = -1;
    let bestResidual = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (chosen.includes(c)) continue;
      const subset = [...chosen, c];
      const m = subset.length;
      const a = new Float64Array(m * m);
      const b = new Float64Array(m);
      subset.forEach((p, r) => {
        b[r] = atb[p]!;
        subset.forEach((q, s) => {
          a[r * m + s] = ata[p * k + q]!;
        });
      });
      const w = solveSymmetric(a, b, m);
      if (!w) continue;
      const residual = yy - w.reduce((sum, wr, r) => sum + wr * b[r]!, 0);
      if (residual < bestResidual) [best, bestResidual] = [c, residual];
    }
    if (best < 0) break;
    chosen.push(best);
  }
  return chosen.map((c) => offsets[c]!);
}

/**
 * The points of a C-order array of `shape` where every offset lies inside (where a stencil applies,
 * SPEC.md §7.2.1), as flat indices in C order, and the offsets as flat index differences.
 */
export function stencilInterior(
  shape: readonly number[],
  offsets: readonly number[][],
): { flat: Int32Array; points: Int32Array } {
  const rank = shape.length;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const flat = Int32Array.from(offsets, (o) => o.reduce((n, v, d) => n + v * strides[d]!, 0));
  const low = shape.map((_, d) => Math.max(0, ...offsets.map((o) => -o[d]!)));
  const high = shape.map((n, d) => n - Math.max(0, ...offsets.map((o) => o[d]!)));
  const points: number[] = [];
  const index = new Array<number>(rank).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < total; i++) {
    let inside = true;
    for (let d = 0; d < rank; d++) if (index[d]! < low[d]! || index[d]! >= high[d]!) inside = false;
    if (inside) points.push(i);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { flat, points: Int32Array.from(points) };
}

/** Solves A w = b for symmetric positive semi-definite A with a tiny ridge, by Gaussian elimination. */
function solveSymmetric(a: Float64Array, b: Float64Array, k: number): number[] | undefined {
  const m = Float64Array.from(a);
  const r = Float64Array.from(b);
  let trace = 0;
  for (let i = 0; i < k; i++) trace += m[i * k + i]!;
  const ridge = (trace / k) * 1e-10;
  for (let i = 0; i < k; i++) m[i * k + i]! += ridge;
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let i = col + 1; i < k; i++)
      if (Math.abs(m[i * k + col]!) > Math.abs(m[pivot * k + col]!)) pivot = i;
    if (Math.abs(m[pivot * k + col]!) < 1e-300) return undefined;
    if (pivot !== col) {
      for (let j = 0; j < k; j++) [m[col * k + j], m[pivot * k + j]] = [m[pivot * k + j]!, m[col * k + j]!];
      [r[col], r[pivot]] = [r[pivot]!, r[col]!];
    }
    for (let i = col + 1; i < k; i++) {
      const f = m[i * k + col]! / m[col * k + col]!;
      for (let j = col; j < k; j++) m[i * k + j]! -= f * m[col * k + j]!;
      r[i]! -= f * r[col]!;
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < k; j++) s -= m[i * k + j]! * w[j]!;
    w[i] = s / m[i * k + i]!;
  }
  return w.every(Number.isFinite) ? w : undefined;
}
