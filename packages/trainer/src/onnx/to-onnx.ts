// Exports a DenseNetwork as the ONNX model a .baler file carries in its `model` section (SPEC.md
// §11.2): per layer MatMul + Add and an optional LeakyRelu / Tanh / Sigmoid, float32 initializers stored as
// little-endian raw_data, and a symbolic batch dimension. onnxruntime in any language runs it as is, and
// @baler/format's parseDenseOnnx reads the exact weights back for the canonical kernels.
import type { Activation, DenseNetwork } from '@baler/format';
import { validateDenseNetwork } from '@baler/format';
import { ProtoWriter } from './protobuf-writer.ts';

export interface OnnxExportOptions {
  /** Name of the graph input, [batch, inputs] float32. Default "latent". */
  inputName?: string;
  /** Name of the graph output, [batch, outputs] float32. Default "output". */
  outputName?: string;
  /** Default-domain opset version, 13 … 21. Default 13. */
  opset?: number;
  /** Name of the symbolic batch dimension. Default "batch". */
  batchDimension?: string;
}

/** ONNX TensorProto.DataType FLOAT; AttributeProto.AttributeType FLOAT. */
const FLOAT = 1;
const ACTIVATION_OPS: Record<Activation, string | undefined> = {
  linear: undefined,
  'leaky-relu': 'LeakyRelu',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
};

/** The lowest IR version that may carry a model of this opset (onnx/helper.py VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/**
 * Serializes `network` as ONNX. The bytes are a pure function of the network and options (no timestamps
 * or random ids), so the same network always gives the same `model` section.
 */
export function denseNetworkToOnnx(network: DenseNetwork, options: OnnxExportOptions = {}): Uint8Array {
  const { inputName = 'latent', outputName = 'output', opset = 13, batchDimension = 'batch' } = options;
  validateDenseNetwork(network);
  const first = network.layers[0];
  const last = network.layers.at(-1);
  if (!first || !last) throw new RangeError('cannot export a dense network without layers');
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new RangeError(`opset ${opset} is not in 13 … 21`);
  if (inputName === '' || outputName === '' || inputName === outputName) {
    throw new RangeError('input and output names must be non-empty and different');
  }
  for (const name of [inputName, outputName]) {
    if (/^layer\d+\./.test(name)) throw new RangeError(`"${name}" collides with the exporter's value names`);
  }

  const graph = new ProtoWriter();
  let cursor = inputName;
  network.layers.forEach((layer, k) => {
    if (!Object.hasOwn(ACTIVATION_OPS, layer.activation)) {
      throw new RangeError(`layer ${k}: unknown activation "${layer.activation}"`);
    }
    if (layer.activation === 'leaky-relu' && !Number.isFinite(layer.alpha)) {
      throw new RangeError(`layer ${k}: leaky-relu alpha ${layer.alpha} is not finite`);
    }
    const op = ACTIVATION_OPS[layer.activation];
    const isLast = k === network.layers.length - 1;
    const weight = `layer${k}.weight`;
    const bias = `layer${k}.bias`;
    const product = `layer${k}.matmul`;
    const sum = isLast && !op ? outputName : `layer${k}.add`;
    graph.message(1, node('MatMul', [cursor, weight], product, `layer${k}/MatMul`));
    graph.message(1, node('Add', [product, bias], sum, `layer${k}/Add`));
    cursor = sum;
    if (op) {
      const result = isLast ? outputName : `layer${k}.${op.toLowerCase()}`;
      const activation = node(op, [sum], result, `layer${k}/${op}`);
      if (layer.activation === 'leaky-relu') {
        activation.message(5, new ProtoWriter().string(1, 'alpha').float(2, layer.alpha).varint(20, FLOAT));
      }
      graph.message(1, activation);
      cursor = result;
    }
  });
  graph.string(2, 'baler-decoder');
  network.layers.forEach((layer, k) => {
    graph.message(5, tensor(`layer${k}.weight`, [layer.inputs, layer.outputs], layer.weight));
    graph.message(5, tensor(`layer${k}.bias`, [layer.outputs], layer.bias));
  });
  graph.message(11, valueInfo(inputName, batchDimension, first.inputs));
  graph.message(12, valueInfo(outputName, batchDimension, last.outputs));

  return new ProtoWriter()
    .varint(1, irVersionFor(opset))
    .string(2, 'baler')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, opset))
    .finish();
}

function node(op: string, inputs: string[], output: string, name: string): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of inputs) writer.string(1, input);
  return writer.string(2, output).string(3, name).string(4, op);
}

function tensor(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const writer = new ProtoWriter();
  for (const d of dims) writer.varint(1, d);
  return writer.varint(2, FLOAT).string(8, name).bytes(9, littleEndianBytes(values));
}

function valueInfo(name: string, batchDimension: string, width: number): ProtoWriter {
  const shape = new ProtoWriter()
    .message(1, new ProtoWriter().string(2, batchDimension))
    .message(1, new ProtoWriter().varint(1, width));
  const tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

const BIG_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 0;

/** The exact bits of the weights (NaN payloads and −0 included), little-endian. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (BIG_ENDIAN_HOST) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}
