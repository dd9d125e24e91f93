// The built-in decoder engine: the canonical kernels of @baler/format on the weights read out of the ONNX
// bytes. No dependencies, bit-exact by definition (SPEC.md §11.1).
import type { DenseNetwork } from '@baler/format';
import { parseDenseOnnx, runDenseNetwork } from '@baler/format';
import type { DecoderEngine } from './engine.ts';

/** Creates a canonical engine; its parsed-network cache is keyed weakly by the model bytes. */
export function canonicalEngine(): DecoderEngine {
  const networks = new WeakMap<Uint8Array, DenseNetwork>();
  const networkOf = (model: Uint8Array): DenseNetwork => {
    let network = networks.get(model);
    if (!network) {
      network = parseDenseOnnx(model);
      networks.set(model, network);
    }
    return network;
  };
  return {
    name: 'canonical',
    canonical: true,
    run: async (model, input, batch) => runDenseNetwork(networkOf(model), input, batch),
    release: async (model) => {
      networks.delete(model);
    },
  };
}
