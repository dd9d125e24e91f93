// Fallback stencils for a field's edges (SPEC.md §7.2.1): where some of a stencil's neighbours lie outside
// the block, the decoder takes the first fallback whose neighbours are all inside, else Lorenzo. On the
// 60 × 50 × 50 CFD field a sixth of the values are within two cells of an edge, and Lorenzo's seven
// noisy terms predict them so badly that they cost a third of the file; a least-squares fit on the
// neighbours each edge does have predicts them about as well as the interior.

import type { LinearStencil } from '@baler/format';
import { fitStencilAt, stencilInterior } from './stencil-fit.ts';

/** Bit k set: offset k of the stencil lies inside the block. */
type Availability = number;

export interface EdgeGroup {
  /** The offsets (indices into the stencil's) available to every point of the group. */
  available: Availability;
  /** The points, flat indices in C order. */
  points: Int32Array;
}

/** Significant digits of fallback weights: they serve few points, and every digit is metadata (on CFD,
 * 4 digits wrote smaller files than 3 or 5 at both abs=1e-3 and 1e-4). */
const FALLBACK_DIGITS = 4;

/** A fallback is fitted only on at least this many points per offset. */
const POINTS_PER_OFFSET = 8;

/** Whether a group has the points to fit a fallback over the offsets it has. */
export function enoughToFit(group: EdgeGroup): boolean {
  return group.points.length >= POINTS_PER_OFFSET * popcount(group.available);
}

/** Most offsets an availability mask holds (a 32-bit integer). */
const MAX_OFFSETS = 30;

/**
 * The points of a block of `shape` where `offsets` are not all inside, grouped by which of them are,
 * largest group first. Empty when the stencil has more offsets than a mask holds.
 */
export function edgeGroups(shape: readonly number[], offsets: readonly number[][]): EdgeGroup[] {
  const k = offsets.length;
  if (k === 0 || k > MAX_OFFSETS) return [];
  const rank = shape.length;
  const all = 2 ** k - 1;
  const groups = new Map<Availability, number[]>();
  const index = new Array<number>(rank).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < total; i++) {
    let available = 0;
    for (let o = 0; o < k; o++) {
      const offset = offsets[o]!;
      let inside = true;
      for (let d = 0; d < rank && inside; d++) {
        const at = index[d]! + offset[d]!;
        inside = at >= 0 && at < shape[d]!;
      }
      if (inside) available |= 1 << o;
    }
    if (available !== all && available !== 0) {
      const group = groups.get(available);
      if (group) group.push(i);
      else groups.set(available, [i]);
    }
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return [...groups]
    .map(([available, points]) => ({ available, points: Int32Array.from(points) }))
    .sort((a, b) => b.points.length - a.points.length || a.available - b.available);
}

/**
 * Fallback stencils over the availability masks `chosen`, richest first (the order the decoder tries
 * them), each fitted by least squares on the edge points it will serve: those whose first fallback with
 * every offset inside it is. A mask whose fit fails (too few points, singular) is left out, and the
 * others are refitted on the points they then serve; `masks` are the ones kept, in the file's order.
 */
export function fitFallbacks(
  target: ArrayLike<number>,
  source: ArrayLike<number>,
  shape: readonly number[],
  offsets: readonly number[][],
  groups: readonly EdgeGroup[],
  chosen: readonly Availability[],
): { fallbacks: LinearStencil[]; masks: Availability[] } {
  const { flat } = stencilInterior(shape, offsets);
  let order = [...chosen].sort((a, b) => popcount(b) - popcount(a) || a - b);
  for (;;) {
    const served = order.map(() => [] as number[]);
    for (const group of groups) {
      const f = order.findIndex((mask) => (mask & group.available) === mask);
      if (f >= 0) for (const i of group.points) served[f]!.push(i);
    }
    const fits = order.map((mask, f) => {
      const members = offsets.map((_, o) => o).filter((o) => mask & (1 << o));
      const points = Int32Array.from(served[f]!);
      if (points.length < POINTS_PER_OFFSET * members.length) return undefined;
      const flatMembers = Int32Array.from(members, (o) => flat[o]!);
      const weights = fitStencilAt(target, source, points, flatMembers, FALLBACK_DIGITS);
      return weights ? { offsets: members.map((o) => offsets[o]!), weights } : undefined;
    });
    if (fits.every((fit) => fit !== undefined)) return { fallbacks: fits, masks: order };
    order = order.filter((_, f) => fits[f] !== undefined);
  }
}

/** The offsets an availability mask holds. */
export function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}
