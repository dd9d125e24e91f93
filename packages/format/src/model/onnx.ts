// Reads the dense decoder network out of the ONNX bytes of a file's `model` section (SPEC.md §11.2).
// It understands exactly the subset Baler writes — a chain of MatMul, Add and an optional LeakyRelu, Tanh
// or Sigmoid per layer, weights stored as float32, float16 (+ Cast) or int8 (+ Cast + Mul by per-output
// scales) — and rejects everything else with a typed BalerError, so the canonical kernels
// never run a graph they would misread.
import { formatErrors } from '../errors.ts';
import type { Activation, DenseLayer, DenseNetwork } from './dense-network.ts';
import { type ProtoField, readFields, readPackedVarints, readString, WIRE } from './protobuf.ts';

/** What this reader accepts, and what Baler's exporter writes within it. */
export const ONNX_SUBSET = {
  /** Default-domain opset versions whose MatMul, Add, LeakyRelu, Tanh and Sigmoid mean the same for float. */
  minOpset: 13,
  maxOpset: 21,
  minIrVersion: 7,
  maxIrVersion: 10,
  /** Largest layer width (inputs or outputs) accepted. */
  maxWidth: 1 << 24,
} as const;

const SECTION = 'section "model"';
const FLOAT = 1;
const INT8 = 3;
const FLOAT16 = 10;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
/** Bytes per element of the initializer data types the subset accepts. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = { [FLOAT]: 4, [FLOAT16]: 2, [INT8]: 1 };
const ONNX_DATA_TYPES: Readonly<Record<number, string>> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  16: 'BFLOAT16',
};
const ACTIVATIONS = new Map<string, Activation>([
  ['LeakyRelu', 'leaky-relu'],
  ['Tanh', 'tanh'],
  ['Sigmoid', 'sigmoid'],
]);
/** LeakyRelu's alpha when the attribute is absent (ONNX default 0.01, as a float32). */
const DEFAULT_LEAKY_ALPHA = Math.fround(0.01);

function fail(reason: string): never {
  throw formatErrors.malformedSection(SECTION, `ONNX: ${reason}`);
}

interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  /** FLOAT: the values; FLOAT16: their bit patterns; INT8: the integers. */
  data: Float32Array | Uint16Array | Int8Array;
}

interface ValueInfo {
  name: string;
  /** Per dimension: its fixed size, or −1 when symbolic or unknown. */
  dims: number[];
}

interface Attribute {
  name: string;
  type: number;
  f: number | undefined;
  i: number | undefined;
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

/**
 * Parses ONNX bytes written by Baler's exporter (or any model within the subset of SPEC.md §11.2) into
 * a DenseNetwork with bit-exact float32 weights. Throws `MalformedSection` for damaged or inconsistent
 * bytes and `Unsupported` for valid ONNX outside the subset (another operator, data type or opset).
 */
export function parseDenseOnnx(bytes: Uint8Array): DenseNetwork {
  let irVersion = -1;
  const opsets: { domain: string; version: number }[] = [];
  let graphBytes: Uint8Array | undefined;
  for (const f of readFields(bytes, fail)) {
    if (f.field === 1)
      irVersion = single(irVersion, varint(f, 'ModelProto.ir_version'), 'ModelProto.ir_version');
    else if (f.field === 8) opsets.push(readOpset(sub(bytes, f, 'ModelProto.opset_import')));
    else if (f.field === 7) {
      if (graphBytes) fail('ModelProto.graph appears twice');
      graphBytes = sub(bytes, f, 'ModelProto.graph');
    }
    // Other fields (producer, doc_string, metadata_props, functions, training_info) do not change
    // what the graph computes: functions are reachable only from non-default domains, rejected below.
  }
  if (irVersion < ONNX_SUBSET.minIrVersion || irVersion > ONNX_SUBSET.maxIrVersion) {
    throw formatErrors.unsupported('ONNX IR version', String(irVersion));
  }
  if (opsets.length !== 1) fail(`expected one opset_import (the default domain), found ${opsets.length}`);
  const opset = opsets[0]!;
  if (opset.domain !== '' && opset.domain !== 'ai.onnx')
    throw formatErrors.unsupported('ONNX domain', opset.domain);
  if (opset.version < ONNX_SUBSET.minOpset || opset.version > ONNX_SUBSET.maxOpset) {
    throw formatErrors.unsupported('ONNX opset version', String(opset.version));
  }
  if (!graphBytes) fail('ModelProto has no graph');
  return readGraph(graphBytes);
}

function readGraph(bytes: Uint8Array): DenseNetwork {
  const nodes: Node[] = [];
  const initializers = new Map<string, Tensor>();
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  for (const f of readFields(bytes, fail)) {
    switch (f.field) {
      case 1:
        nodes.push(readNode(sub(bytes, f, 'GraphProto.node')));
        break;
      case 5: {
        const tensor = readTensor(sub(bytes, f, 'GraphProto.initializer'));
        if (initializers.has(tensor.name)) fail(`initializer "${tensor.name}" appears twice`);
        initializers.set(tensor.name, tensor);
        break;
      }
      case 11:
        inputs.push(readValueInfo(sub(bytes, f, 'GraphProto.input')));
        break;
      case 12:
        outputs.push(readValueInfo(sub(bytes, f, 'GraphProto.output')));
        break;
      case 15:
        throw formatErrors.unsupported('ONNX graph feature', 'sparse_initializer');
      // name, doc_string, value_info, quantization_annotation, metadata_props: informative.
    }
  }
  const [input] = inputs;
  const [output] = outputs;
  if (inputs.length !== 1 || !input) fail(`the graph must have one input, found ${inputs.length}`);
  if (outputs.length !== 1 || !output) fail(`the graph must have one output, found ${outputs.length}`);
  if (initializers.has(input.name)) fail(`the graph input "${input.name}" is also an initializer`);

  // Every value is defined once: the input, the initializers, and each node output.
  const defined = new Set<string>([input.name, ...initializers.keys()]);
  for (const node of nodes) {
    for (const name of node.outputs) {
      if (defined.has(name)) fail(`value "${name}" is defined twice`);
      defined.add(name);
    }
  }

  const used = new Set<string>();
  const takeTensor = (name: string | undefined, dims: number[], role: string, dataType = FLOAT): Tensor => {
    const tensor = name === undefined ? undefined : initializers.get(name);
    if (!tensor) fail(`${role} "${name}" is not an initializer`);
    if (used.has(tensor.name)) fail(`initializer "${tensor.name}" is used twice`);
    used.add(tensor.name);
    if (tensor.dims.length !== dims.length || tensor.dims.some((d, k) => d !== dims[k])) {
      fail(`${role} "${tensor.name}" has shape [${tensor.dims}], expected [${dims}]`);
    }
    if (tensor.dataType !== dataType) {
      fail(
        `${role} "${tensor.name}" is ${dataTypeName(tensor.dataType)}, expected ${dataTypeName(dataType)}`,
      );
    }
    return tensor;
  };
  const takeInitializer = (name: string | undefined, dims: number[], role: string): Float32Array =>
    takeTensor(name, dims, role).data as Float32Array;

  const layers: DenseLayer[] = [];
  let cursor = input.name;
  let width = input.dims[1] ?? -1;
  if (input.dims.length !== 2 || width < 1) fail(`the graph input must be [batch, n] with fixed n ≥ 1`);
  let k = 0;
  while (k < nodes.length) {
    // A weight stored at reduced precision is widened right before its MatMul (§11.2): Cast, or Cast + Mul.
    const widening: Node[] = [];
    if (nodes[k]!.op === 'Cast') widening.push(nodes[k++]!);
    if (widening.length === 1 && nodes[k]?.op === 'Mul') widening.push(nodes[k++]!);
    const matmul = nodes[k++];
    if (!matmul) fail(`the graph ends before a MatMul`);
    expectOp(matmul, 'MatMul', 2, [cursor]);
    const widened = widening.at(-1);
    if (widened && matmul.inputs[1] !== widened.outputs[0]) {
      fail(`MatMul "${matmul.outputs[0]}" does not use the ${widened.op} before it as its weight`);
    }
    const weightName = widening[0] ? widening[0].inputs[0]! : matmul.inputs[1]!;
    const weightTensor = initializers.get(weightName);
    if (weightTensor?.dims.length !== 2) fail(`MatMul weight "${weightName}" must be a 2-D initializer`);
    const outputsCount = weightTensor.dims[1]!;
    const dims = [width, outputsCount];
    const weight =
      widening.length > 0
        ? widenedWeight(widening, dims, takeTensor)
        : takeInitializer(weightName, dims, 'MatMul weight');
    const add = nodes[k++];
    if (!add) fail(`MatMul "${matmul.outputs[0]}" is not followed by an Add`);
    expectOp(add, 'Add', 2, [matmul.outputs[0]!]);
    const bias = takeInitializer(add.inputs[1], [outputsCount], 'Add bias');
    cursor = add.outputs[0]!;
    let activation: Activation = 'linear';
    let alpha = 0;
    const next = nodes[k];
    if (next && next.op !== 'MatMul' && next.op !== 'Cast') {
      const act = ACTIVATIONS.get(next.op);
      if (next.op === 'Add') fail(`Add "${next.outputs[0]}" follows another Add`);
      if (!act) throw formatErrors.unsupported('ONNX operator', next.op);
      expectOp(next, next.op, 1, [cursor]);
      activation = act;
      if (act === 'leaky-relu') alpha = leakyAlpha(next);
      else if (next.attributes.length > 0) fail(`${next.op} takes no attributes`);
      cursor = next.outputs[0]!;
      k++;
    }
    layers.push({ inputs: width, outputs: outputsCount, weight, bias, activation, alpha });
    width = outputsCount;
  }
  if (layers.length === 0) fail('the graph has no layers');
  if (cursor !== output.name)
    fail(`the graph output "${output.name}" is not the last layer's result "${cursor}"`);
  if (output.dims.length !== 2 || output.dims[1] !== width) {
    fail(`the graph output must be [batch, ${width}], found [${output.dims.map((d) => (d < 0 ? '?' : d))}]`);
  }
  for (const name of initializers.keys()) if (!used.has(name)) fail(`initializer "${name}" is never used`);
  return { layers };
}

const KNOWN_OPS = new Set(['MatMul', 'Add', 'Cast', 'Mul', ...ACTIVATIONS.keys()]);
const OPS_WITH_ATTRIBUTES = new Set(['LeakyRelu', 'Cast']);

function expectOp(node: Node, op: string, inputCount: number, leading: string[]): void {
  if (node.op !== op) {
    if (KNOWN_OPS.has(node.op)) fail(`expected ${op} but found ${node.op}`);
    throw formatErrors.unsupported('ONNX operator', node.op);
  }
  if (node.inputs.length !== inputCount || node.outputs.length !== 1) {
    fail(`${op} must have ${inputCount} inputs and 1 output`);
  }
  leading.forEach((name, i) => {
    if (node.inputs[i] !== name) fail(`${op} input ${i} is "${node.inputs[i]}", expected "${name}"`);
  });
  if (!OPS_WITH_ATTRIBUTES.has(op) && node.attributes.length > 0) fail(`${op} takes no attributes`);
}

type TakeTensor = (name: string | undefined, dims: number[], role: string, dataType?: number) => Tensor;

/**
 * The float32 weights of a MatMul whose weight is widened (§11.2): `Cast(to = FLOAT)` of a FLOAT16
 * initializer (exact), or `Cast(to = FLOAT)` of an INT8 initializer then `Mul` by a FLOAT initializer of
 * one scale per output column: `W[i·m + o] = f32(q[i·m + o] × scale[o])`.
 */
function widenedWeight(widening: Node[], dims: number[], take: TakeTensor): Float32Array {
  const [inputs, outputs] = dims as [number, number];
  const [cast, mul] = widening as [Node, Node | undefined];
  expectOp(cast, 'Cast', 1, []);
  const to = cast.attributes.find((a) => a.name === 'to');
  if (cast.attributes.length !== 1 || to?.type !== ATTRIBUTE_INT || to.i !== FLOAT) {
    fail('Cast must have the single INT attribute to = FLOAT (1)');
  }
  if (!mul) {
    const half = take(cast.inputs[0], dims, 'Cast weight', FLOAT16).data as Uint16Array;
    return Float32Array.from(half, float16ToFloat32);
  }
  expectOp(mul, 'Mul', 2, [cast.outputs[0]!]);
  const q = take(cast.inputs[0], dims, 'Cast weight', INT8).data as Int8Array;
  const scale = take(mul.inputs[1], [outputs], 'Mul scale').data as Float32Array;
  if (scale.some((s) => !Number.isFinite(s))) fail('the int8 weight scales must be finite');
  const weight = new Float32Array(inputs * outputs);
  // q × scale is exact in binary64 (8 × 24 significant bits); storing it rounds once, like a float32 product.
  for (let i = 0; i < inputs; i++) {
    for (let o = 0; o < outputs; o++) weight[i * outputs + o] = q[i * outputs + o]! * scale[o]!;
  }
  return weight;
}

/** The exact binary32 value of an IEEE binary16 bit pattern. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

function leakyAlpha(node: Node): number {
  let alpha = DEFAULT_LEAKY_ALPHA;
  for (const a of node.attributes) {
    if (a.name !== 'alpha') fail(`LeakyRelu has unknown attribute "${a.name}"`);
    if (a.type !== ATTRIBUTE_FLOAT || a.f === undefined || !Number.isFinite(a.f)) {
      fail('LeakyRelu alpha must be a finite FLOAT attribute');
    }
    alpha = a.f;
  }
  if (node.attributes.length > 1) fail('LeakyRelu has alpha twice');
  return alpha;
}

function readOpset(bytes: Uint8Array): { domain: string; version: number } {
  let domain = '';
  let version = -1;
  for (const f of readFields(bytes, fail)) {
    if (f.field === 1) domain = readString(sub(bytes, f, 'OperatorSetIdProto.domain'), fail);
    else if (f.field === 2) version = varint(f, 'OperatorSetIdProto.version');
  }
  return { domain, version };
}

function readNode(bytes: Uint8Array): Node {
  const node: Node = { op: '', inputs: [], outputs: [], attributes: [] };
  let domain = '';
  for (const f of readFields(bytes, fail)) {
    if (f.field === 1) node.inputs.push(readString(sub(bytes, f, 'NodeProto.input'), fail));
    else if (f.field === 2) node.outputs.push(readString(sub(bytes, f, 'NodeProto.output'), fail));
    else if (f.field === 4) node.op = readString(sub(bytes, f, 'NodeProto.op_type'), fail);
    else if (f.field === 5) node.attributes.push(readAttribute(sub(bytes, f, 'NodeProto.attribute')));
    else if (f.field === 7) domain = readString(sub(bytes, f, 'NodeProto.domain'), fail);
  }
  if (domain !== '' && domain !== 'ai.onnx') throw formatErrors.unsupported('ONNX domain', domain);
  if (node.op === '') fail('a node has no op_type');
  if (node.inputs.includes('') || node.outputs.includes(''))
    fail(`${node.op} has an omitted (empty) input or output`);
  return node;
}

function readAttribute(bytes: Uint8Array): Attribute {
  const attribute: Attribute = { name: '', type: 0, f: undefined, i: undefined };
  for (const f of readFields(bytes, fail)) {
    if (f.field === 1) attribute.name = readString(sub(bytes, f, 'AttributeProto.name'), fail);
    else if (f.field === 20) attribute.type = varint(f, 'AttributeProto.type');
    else if (f.field === 3) attribute.i = varint(f, 'AttributeProto.i');
    else if (f.field === 2) {
      if (f.wire !== WIRE.fixed32) fail('AttributeProto.f is not a fixed32');
      attribute.f = new DataView(bytes.buffer, bytes.byteOffset + f.start, 4).getFloat32(0, true);
    } else if (f.field === 21) fail('AttributeProto.ref_attr_name is only valid inside functions');
  }
  return attribute;
}

function readValueInfo(bytes: Uint8Array): ValueInfo {
  let name: string | undefined;
  let type: Uint8Array | undefined;
  for (const f of readFields(bytes, fail)) {
    if (f.field === 1) name = readString(sub(bytes, f, 'ValueInfoProto.name'), fail);
    else if (f.field === 2) type = sub(bytes, f, 'ValueInfoProto.type');
  }
  if (name === undefined || name === '') fail('a graph input or output has no name');
  if (!type) fail(`graph value "${name}" has no type`);
  let tensorType: Uint8Array | undefined;
  for (const f of readFields(type, fail)) {
    if (f.field === 1) tensorType = sub(type, f, 'TypeProto.tensor_type');
    else if (f.field !== 6) fail(`graph value "${name}" is not a tensor`);
  }
  if (!tensorType) fail(`graph value "${name}" is not a tensor`);
  let elemType = 0;
  let shape: Uint8Array | undefined;
  for (const f of readFields(tensorType, fail)) {
    if (f.field === 1) elemType = varint(f, 'TypeProto.Tensor.elem_type');
    else if (f.field === 2) shape = sub(tensorType, f, 'TypeProto.Tensor.shape');
  }
  if (elemType !== FLOAT) throw formatErrors.unsupported('ONNX tensor data type', dataTypeName(elemType));
  if (!shape) fail(`graph value "${name}" has no shape`);
  const dims: number[] = [];
  for (const f of readFields(shape, fail)) {
    if (f.field !== 1) continue;
    const dim = sub(shape, f, 'TensorShapeProto.dim');
    let size = -1;
    for (const g of readFields(dim, fail)) if (g.field === 1) size = varint(g, 'Dimension.dim_value');
    dims.push(size);
  }
  return { name, dims };
}

function readTensor(bytes: Uint8Array): Tensor {
  const dims: number[] = [];
  let dataType = 0;
  let name: string | undefined;
  let raw: Uint8Array | undefined;
  const floatRuns: Uint8Array[] = [];
  for (const f of readFields(bytes, fail)) {
    switch (f.field) {
      case 1:
        if (f.wire === WIRE.bytes) dims.push(...readPackedVarints(sub(bytes, f, 'TensorProto.dims'), fail));
        else dims.push(varint(f, 'TensorProto.dims'));
        break;
      case 2:
        dataType = varint(f, 'TensorProto.data_type');
        break;
      case 8:
        name = readString(sub(bytes, f, 'TensorProto.name'), fail);
        break;
      case 9:
        if (raw) fail('TensorProto.raw_data appears twice');
        raw = sub(bytes, f, 'TensorProto.raw_data');
        break;
      case 4:
        if (f.wire === WIRE.bytes) floatRuns.push(sub(bytes, f, 'TensorProto.float_data'));
        else if (f.wire === WIRE.fixed32) floatRuns.push(bytes.subarray(f.start, f.end));
        else fail('TensorProto.float_data has the wrong wire type');
        break;
      case 3:
        throw formatErrors.unsupported('ONNX tensor feature', 'segment');
      case 13:
      case 14:
        throw formatErrors.unsupported('ONNX tensor feature', 'external data');
      case 5:
      case 6:
      case 7:
      case 10:
      case 11:
        // Valid ONNX (int32_data holds float16 and int8 too), but outside the subset: raw_data is.
        throw formatErrors.unsupported('ONNX tensor data field', 'other than raw_data or float_data');
    }
  }
  if (name === undefined || name === '') fail('an initializer has no name');
  const size = ELEMENT_BYTES[dataType];
  if (size === undefined) throw formatErrors.unsupported('ONNX tensor data type', dataTypeName(dataType));
  if (dims.length < 1 || dims.length > 2) fail(`tensor "${name}" has rank ${dims.length}; 1 or 2 expected`);
  let count = 1;
  for (const d of dims) {
    if (d < 1 || d > ONNX_SUBSET.maxWidth) fail(`tensor "${name}" has dimension ${d}, outside [1, 2^24]`);
    count *= d;
  }
  if (raw && floatRuns.length > 0) fail(`tensor "${name}" has both raw_data and float_data`);
  if (dataType !== FLOAT && !raw) fail(`tensor "${name}" of ${dataTypeName(dataType)} must hold raw_data`);
  const runs = raw ? [raw] : floatRuns;
  const byteLength = runs.reduce((sum, run) => sum + run.length, 0);
  // Checked before allocating: the declared shape must match the bytes present.
  if (byteLength !== count * size)
    fail(`tensor "${name}" has ${byteLength} data bytes; [${dims}] needs ${count * size}`);
  const out = new Uint8Array(count * size);
  let at = 0;
  for (const run of runs) {
    out.set(run, at);
    at += run.length;
  }
  if (BIG_ENDIAN_HOST && size > 1)
    for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  const data =
    dataType === FLOAT
      ? new Float32Array(out.buffer)
      : dataType === FLOAT16
        ? new Uint16Array(out.buffer)
        : new Int8Array(out.buffer);
  return { name, dims, dataType, data };
}

/** Float32Array views use the host's byte order; ONNX (like .baler) stores little-endian. */
const BIG_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 0;

function sub(bytes: Uint8Array, f: ProtoField, what: string): Uint8Array {
  if (f.wire !== WIRE.bytes) fail(`${what} has wire type ${f.wire}, expected length-delimited`);
  return bytes.subarray(f.start, f.end);
}

function varint(f: ProtoField, what: string): number {
  if (f.wire !== WIRE.varint) fail(`${what} has wire type ${f.wire}, expected varint`);
  return f.varint;
}

function single(previous: number, value: number, what: string): number {
  if (previous !== -1) fail(`${what} appears twice`);
  return value;
}

function dataTypeName(type: number): string {
  return ONNX_DATA_TYPES[type] ?? `data type ${type}`;
}
