import type { Table } from '@baler/format';
import { encodeStreamForTrial } from '@baler/format';
import { planColumn } from '../src/compress/plan.ts';
import { parseBound, readDataFile } from '../src/index.ts';

const table = (await readDataFile('/work/shared/data/lhcb-b2hhh.h5:/data')) as Table;
const bound = parseBound('pwrel=1e-3');
let total = 0,
  ideal = 0;
for (const c of table.columns) {
  const { plan, reason } = planColumn(c, bound, [], undefined);
  const t = encodeStreamForTrial(plan, c.data, [table.rowCount], c.dtype);
  total += t.bytes;
  const m = plan.method as any;
  let line = `${c.name.padEnd(16)} ${String(t.bytes).padStart(7)} B  ${((t.bytes * 8) / table.rowCount).toFixed(2)} b/v  ${reason}`;
  if (m.name === 'quantized' && m.domain === 'log') {
    const p = m.predictor.value;
    const q = Array.from(c.data as Float64Array, (v) =>
      v === 0 ? null : Math.round((Math.log2(Math.abs(v)) - p) / m.step),
    ).filter((v) => v !== null) as number[];
    const neg = Array.from(c.data as Float64Array).filter((v) => v < 0).length / q.length;
    const hs = neg > 0 && neg < 1 ? -(neg * Math.log2(neg) + (1 - neg) * Math.log2(1 - neg)) : 0;
    let best = 1e9,
      bestB = 0;
    for (let b = 0; b < 16; b++) {
      const h = new Map<number, number>();
      for (const v of q) {
        const k = Math.floor(v / 2 ** b);
        h.set(k, (h.get(k) ?? 0) + 1);
      }
      let e = 0;
      for (const n of h.values()) {
        const f = n / q.length;
        e -= f * Math.log2(f);
      }
      // two-part: histogram cost ~ log2(n) bits per occupied bin
      const cost = e + b + (h.size * Math.log2(q.length)) / q.length / 2;
      if (cost < best) {
        best = cost;
        bestB = b;
      }
    }
    ideal += ((best + hs) * q.length) / 8;
    line += `  ideal ${(best + hs).toFixed(2)} b/v (b=${bestB}) sign ${hs.toFixed(2)}`;
  } else ideal += t.bytes;
  console.log(line);
}
console.log('total', total, 'ideal-ish', ideal.toFixed(0));
