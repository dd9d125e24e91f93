import { fileURLToPath } from 'node:url';
import type { Field, StreamPlan } from '@baler/format';
import { encodeStreamForTrial } from '@baler/format';
import { deflateSync } from 'fflate';
import { planField } from '../src/compress/field-predictor.ts';
import { trainStencilNetwork, withStencilNetwork } from '../src/compress/stencil-network.ts';
import { parseBound, readDataFile } from '../src/index.ts';
import { residualStats } from './stats.ts';

const CFD = fileURLToPath(new URL('../../../../shared/data/cfd-animation.h5', import.meta.url));
const field = (await readDataFile(`${CFD}:/data`)) as Field;
const bound = parseBound(process.argv[2] ?? 'abs=1e-4');
const hidden = (process.argv[3] ?? '16,16').split(',').map(Number);
const epochs = Number(process.argv[4] ?? 40);
const { plans, reasons } = planField(field, bound);
const plan = plans[0]!;
console.log(reasons, (plan.method as any).predictor.name);
const shape = field.shape;
const base = encodeStreamForTrial(plan, field.data, shape, field.dtype);
console.log(
  'classical stream bytes',
  base.bytes,
  residualStats(
    (plan.method as any).predictor,
    undefined,
    base.decoded as Float64Array,
    field.data as Float64Array,
    shape,
    (plan.method as any).step,
  ),
);
let source = Float64Array.from(base.decoded as Float64Array);
const target = Float64Array.from(field.data as Float64Array);
for (let round = 0; round < 1; round++) {
  const t0 = performance.now();
  const trained = await trainStencilNetwork(
    target,
    source,
    shape,
    (plan.method as any).predictor,
    { hidden, epochs, activation: (process.argv[5] ?? 'tanh') as 'tanh' },
    (e, l) => {
      if (e % 10 === 0)
        console.log('epoch', e, l.toFixed(4), ((performance.now() - t0) / 1000).toFixed(1), 's');
    },
  );
  if (!trained) throw new Error('none');
  const t1 = performance.now();
  const trial = encodeStreamForTrial(
    withStencilNetwork(plan, trained),
    field.data,
    shape,
    field.dtype,
    trained.network,
  );
  const t2 = performance.now();
  const model = deflateSync(trained.onnx).length;
  console.log(
    `round ${round}: stream ${trial.bytes} + model ${model} (onnx ${trained.onnx.length}) = ${trial.bytes + model} vs ${base.bytes}; train ${((t1 - t0) / 1000).toFixed(1)} s, encode+decode ${((t2 - t1) / 1000).toFixed(2)} s`,
  );
  console.log(
    residualStats(
      trained.predictor,
      trained.network,
      trial.decoded as Float64Array,
      field.data as Float64Array,
      shape,
      (plan.method as any).step,
    ),
  );
  source = Float64Array.from(trial.decoded as Float64Array);
}
