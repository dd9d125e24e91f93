// A WebAssembly SIMD version of the canonical dense layer (SPEC.md §11.1), bit-identical to the plain
// JavaScript loop and several times faster. It stays canonical because WebAssembly's f32x4.mul and
// f32x4.add are exactly IEEE binary32 multiplication and addition per lane (never fused, subnormals kept),
// and the SIMD lanes run across OUTPUTS: each output still adds its products in the order i = 0 … n−1.
// The module is assembled here from its bytes (no build step, ~300 bytes) and compiled synchronously; where
// WebAssembly or SIMD is unavailable (or blocked by a Content-Security-Policy) callers fall back to JS.

/** Rows per block and outputs per block of the micro-kernel: 4 × 8 accumulators in 8 v128 registers. */
const ROWS = 4;
const COLS = 8;
/** Floats of input plus output rows handled per kernel call. */
const SLICE_FLOATS = 1 << 20;

// Local indices: params 0..6, then i32 locals 7..12, then v128 locals 13..23.
const P_X = 0;
const P_W = 1;
const P_B = 2;
const P_Y = 3;
const P_N = 4;
const P_ROW_BLOCKS = 5;
const P_COL_BLOCKS = 6;
const L_R = 7;
const L_C = 8;
const L_I = 9;
const L_XP = 10;
const L_WP = 11;
const L_YP = 12;
const L_ACC = 13; // 13 … 20: acc[row k][half h] = L_ACC + 2k + h
const L_V0 = 21;
const L_V1 = 22;
const L_S = 23;

/**
 * kernel(x, w, b, y, n, rowBlocks, colBlocks): for each block of 4 rows and 8 outputs,
 * acc = b[8 outputs]; for i in 0 … n−1: acc[row] = acc[row] + splat(x[row][i]) × w[block][i][8]; store.
 * Byte addresses: x is [4·rowBlocks][n], w is packed [colBlocks][n][8], b is [8·colBlocks],
 * y is [4·rowBlocks][8·colBlocks]. n, rowBlocks and colBlocks are ≥ 1.
 */
function kernelBody(): number[] {
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const i32 = (v: number) => [0x41, ...sleb(v)];
  const add = 0x6a;
  const mul = 0x6c;
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const v128Load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
  const v128Store = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
  const f32Load = (offset: number) => [0x2a, 2, ...uleb(offset)];
  const f32x4Splat = simd(0x13);
  const f32x4Add = simd(0xe4);
  const f32x4Mul = simd(0xe6);
  const loop = 0x03;
  const empty = 0x40;
  const end = 0x0b;
  const brIf = (depth: number) => [0x0d, depth];

  const body: number[] = [];
  const emit = (...parts: (number | number[])[]) => {
    for (const p of parts) body.push(...(Array.isArray(p) ? p : [p]));
  };
  // locals: 6 × i32, 11 × v128
  emit(2, 6, 0x7f, 11, 0x7b);
  emit(i32(0), set(L_R));
  emit(loop, empty); // rows
  emit(i32(0), set(L_C));
  emit(loop, empty); // columns
  // acc[k][0..1] = b[c·8 …]
  for (let h = 0; h < 2; h++) {
    emit(get(P_B), get(L_C), i32(COLS * 4), mul, add, v128Load(16 * h), set(L_ACC + h));
    for (let k = 1; k < ROWS; k++) emit(get(L_ACC + h), set(L_ACC + 2 * k + h));
  }
  // wp = w + c · n · 32; xp = x + r · 4 · n · 4; i = n
  emit(get(P_W), get(L_C), get(P_N), mul, i32(COLS * 4), mul, add, set(L_WP));
  emit(get(P_X), get(L_R), get(P_N), mul, i32(ROWS * 4), mul, add, set(L_XP));
  emit(get(P_N), set(L_I));
  emit(loop, empty); // inputs
  emit(get(L_WP), v128Load(0), set(L_V0), get(L_WP), v128Load(16), set(L_V1));
  for (let k = 0; k < ROWS; k++) {
    // s = splat(x[row k][i]), at xp + k·n·4 (a computed address: offsets are constants)
    emit(get(L_XP), get(P_N), i32(4 * k), mul, add, f32Load(0), f32x4Splat, set(L_S));
    for (let h = 0; h < 2; h++) {
      emit(get(L_ACC + 2 * k + h), get(L_S), get(h === 0 ? L_V0 : L_V1), f32x4Mul, f32x4Add);
      emit(set(L_ACC + 2 * k + h));
    }
  }
  emit(get(L_WP), i32(COLS * 4), add, set(L_WP));
  emit(get(L_XP), i32(4), add, set(L_XP));
  emit(get(L_I), i32(1), 0x6b /* i32.sub */, [0x22, L_I] /* tee */, brIf(0), end);
  // yp = y + (r · 4 · m8 + c · 8) · 4, with m8 = colBlocks · 8
  emit(get(P_Y), get(L_R), get(P_COL_BLOCKS), mul, i32(ROWS * COLS * 4), mul, add);
  emit(get(L_C), i32(COLS * 4), mul, add, set(L_YP));
  for (let k = 0; k < ROWS; k++) {
    for (let h = 0; h < 2; h++) {
      // address yp + k · m8 · 4 + 16h
      emit(
        get(L_YP),
        get(P_COL_BLOCKS),
        i32(COLS * 4 * k),
        mul,
        add,
        get(L_ACC + 2 * k + h),
        v128Store(16 * h),
      );
    }
  }
  emit(get(L_C), i32(1), add, [0x22, L_C], get(P_COL_BLOCKS), 0x49 /* i32.lt_u */, brIf(0), end);
  emit(get(L_R), i32(1), add, [0x22, L_R], get(P_ROW_BLOCKS), 0x49, brIf(0), end);
  emit(end);
  return body;
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const body = kernelBody();
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 7, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // (7 × i32) → ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]), // memory: 1 page to start, grown on demand
    ...section(7, [2, ...name('kernel'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

interface Kernel {
  run: (x: number, w: number, b: number, y: number, n: number, rowBlocks: number, colBlocks: number) => void;
  memory: WebAssembly.Memory;
}

let kernel: Kernel | null | undefined;

function instantiate(): Kernel | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
    const { kernel: run, memory } = instance.exports as unknown as {
      kernel: Kernel['run'];
      memory: WebAssembly.Memory;
    };
    return { run, memory };
  } catch {
    return null; // no SIMD, or compilation forbidden (CSP): the JavaScript kernel does the work
  }
}

/** One layer of a resident network: its input row (fill it) and its output row (after `run`), both views
 * into the instance's memory. */
export interface ResidentLayer {
  input: Float32Array;
  output: Float32Array;
  run: () => void;
}

/**
 * Dense layers copied once into a WebAssembly instance of their own, to be run one row at a time (a
 * predictor that needs its network once per value): a call writes the row and reads the output, nothing
 * else. The kernel computes a block of 4 rows; rows 1–3 stay zero and are ignored. Undefined where SIMD is
 * unavailable. Bit-identical to the JavaScript loop, as the batched kernel is.
 */
export function residentLayers(
  layers: readonly { weight: Float32Array; bias: Float32Array; inputs: number; outputs: number }[],
): ResidentLayer[] | undefined {
  if (!wasmKernelAvailable()) return undefined;
  const own = instantiate();
  if (!own) return undefined;
  // Layout in floats, per layer: packed weights | bias | x (4 rows) | y (4 rows); each a multiple of 4.
  const plan = layers.map((layer) => {
    const colBlocks = Math.ceil(layer.outputs / COLS);
    const m8 = colBlocks * COLS;
    const xFloats = ROWS * layer.inputs + ((4 - ((ROWS * layer.inputs) % 4)) % 4);
    return {
      layer,
      colBlocks,
      m8,
      xFloats,
      floats: colBlocks * layer.inputs * COLS + m8 + xFloats + ROWS * m8,
    };
  });
  const total = plan.reduce((n, p) => n + p.floats, 0) * 4;
  try {
    if (own.memory.buffer.byteLength < total)
      own.memory.grow(Math.ceil((total - own.memory.buffer.byteLength) / 65536));
  } catch {
    return undefined;
  }
  const heap = new Float32Array(own.memory.buffer);
  let at = 0;
  return plan.map(({ layer, colBlocks, m8, xFloats, floats }) => {
    const packed = pack(layer.weight, layer.inputs, layer.outputs);
    const wAt = at;
    const bAt = wAt + packed.length;
    const xAt = bAt + m8;
    const yAt = xAt + xFloats;
    heap.set(packed, wAt);
    heap.set(layer.bias, bAt);
    at += floats;
    const n = layer.inputs;
    return {
      input: heap.subarray(xAt, xAt + n),
      output: heap.subarray(yAt, yAt + layer.outputs),
      run: () => own.run(xAt * 4, wAt * 4, bAt * 4, yAt * 4, n, 1, colBlocks),
    };
  });
}

/** True when the SIMD kernel compiled here (Node ≥ 16.4 and current browsers); else runs fall back to JS. */
export function wasmKernelAvailable(): boolean {
  if (kernel === undefined) kernel = instantiate();
  return kernel !== null;
}

/** The weights rearranged for the kernel: [colBlocks][n][8], zero-padded past the last output. */
const packedWeights = new WeakMap<Float32Array, Float32Array>();

function pack(weight: Float32Array, n: number, m: number): Float32Array {
  let packed = packedWeights.get(weight);
  const colBlocks = Math.ceil(m / COLS);
  if (!packed || packed.length !== colBlocks * n * COLS) {
    packed = new Float32Array(colBlocks * n * COLS);
    for (let c = 0; c < colBlocks; c++) {
      for (let i = 0; i < n; i++) {
        const row = i * m;
        const to = (c * n + i) * COLS;
        for (let j = 0; j < COLS && c * COLS + j < m; j++) packed[to + j] = weight[row + c * COLS + j]!;
      }
    }
    packedWeights.set(weight, packed);
  }
  return packed;
}

/**
 * y = x·W + b for `batch` rows, canonically rounded, with the SIMD kernel. Returns false (and leaves `y`
 * alone) when WebAssembly SIMD is unavailable. The packed weights are cached per weight array, so a
 * network's weights must not be modified in place between calls.
 */
export function denseLayerWasm(
  weight: Float32Array,
  bias: Float32Array,
  n: number,
  m: number,
  x: Float32Array,
  batch: number,
  y: Float32Array,
): boolean {
  if (kernel === undefined) kernel = instantiate();
  if (!kernel || batch === 0) return kernel !== null;
  const colBlocks = Math.ceil(m / COLS);
  const m8 = colBlocks * COLS;
  const packed = pack(weight, n, m);
  // Rows go through in slices of at most ~4 MiB of input and output, so memory stays small for any batch.
  const sliceRows = Math.max(ROWS, Math.floor(SLICE_FLOATS / (n + m8) / ROWS) * ROWS);
  // Layout in floats: w | b | x | y, each 16-byte aligned (every length is a multiple of 4 floats).
  const bAt = packed.length;
  const xAt = bAt + m8;
  const xFloats = Math.min(sliceRows, Math.ceil(batch / ROWS) * ROWS) * n;
  const yAt = xAt + xFloats + ((4 - (xFloats % 4)) % 4);
  const total = (yAt + (xFloats / n) * m8) * 4;
  const { memory } = kernel;
  try {
    if (memory.buffer.byteLength < total) memory.grow(Math.ceil((total - memory.buffer.byteLength) / 65536));
  } catch {
    return false; // beyond what WebAssembly memory can hold: the JavaScript kernel does the work
  }
  const heap = new Float32Array(memory.buffer);
  heap.set(packed, 0);
  heap.fill(0, bAt, bAt + m8);
  heap.set(bias, bAt);
  for (let first = 0; first < batch; first += sliceRows) {
    const rows = Math.min(sliceRows, batch - first);
    const rowBlocks = Math.ceil(rows / ROWS);
    heap.set(x.subarray(first * n, (first + rows) * n), xAt);
    heap.fill(0, xAt + rows * n, xAt + rowBlocks * ROWS * n); // padding rows: computed, then dropped
    kernel.run(xAt * 4, 0, bAt * 4, yAt * 4, n, rowBlocks, colBlocks);
    for (let r = 0; r < rows; r++) y.set(heap.subarray(yAt + r * m8, yAt + r * m8 + m), (first + r) * m);
  }
  return true;
}
