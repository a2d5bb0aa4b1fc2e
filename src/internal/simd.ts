/**
 * Vectorised kernels that TF.js lacks, run inside tfjs-backend-wasm's own memory.
 *
 * Why: after the formulation work, the remaining time sat in passes that TF.js on wasm either runs
 * with scalar kernels or has no kernel for:
 * - Adam (13 backend ops, and a scalar Sqrt: ~0.9 ms for 262k floats);
 * - the sparse input layer's JS loops (~1 ms a step);
 * - exp over N² logits (the backend's Exp, or Math.exp in a JS pass: ~7 ns a value);
 * - N × N transposes and dy + dyᵀ (JS tiles: 50 and 34 ms at 4096²);
 * - the distance matrix's elementwise chain;
 * - batch-hard's per-row scan.
 * PyTorch's fused, vectorised CPU kernels do the same in a fraction of that (README Performance).
 *
 * How: a small WebAssembly module, assembled below instruction by instruction, imports the
 * backend's memory. Its kernels read and write tensors where they live (byte offsets into the
 * heap) with the 128-bit SIMD instructions of WebAssembly 2.0, four float32 lanes at a time.
 * Every kernel rounds each operation to float32 as PyTorch's CPU kernels do. Callers keep
 * their JS loops for the cpu backend. They also keep them wherever the module cannot be made,
 * and when the TF.js flag `SEMANTIC_GPS_WASM_KERNELS` is set to false (which tests use to
 * compare both paths).
 */
import * as tf from "@tensorflow/tfjs";

/** The TF.js flag that turns the kernels off (`tf.env().set(WASM_KERNELS_FLAG, false)`); on by default. */
export const WASM_KERNELS_FLAG = "SEMANTIC_GPS_WASM_KERNELS";
tf.env().registerFlag(WASM_KERNELS_FLAG, () => true);

// ---------------------------------------------------------------------------------------------
// A minimal module writer: LEB128 integers, the sections a module of plain functions needs.

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A vector of items as the binary format writes one: its length, then the items. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return vec([...s].map((ch) => [ch.charCodeAt(0)]));
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

interface FuncDef {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

/** The module: one memory imported as env.memory, the functions exported by name. */
function assemble(funcs: FuncDef[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const imports = vec([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(0)]]);
  const funcIndex = vec(funcs.map((_, i) => uleb(i)));
  const exports = vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vec(
    funcs.map((f) => {
      const body = [...vec(f.locals.map((t) => [1, t])), ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcIndex),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Instructions used below (opcodes of the WebAssembly 2.0 core and SIMD specifications).

const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32 = (n: number): number[] => [0x41, ...sleb(n)];
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const I32_LOAD = [0x28, 2, 0];
const F32_LOAD = [0x2a, 2, 0];
const F32_ADD = [0x92];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const F32X4_SPLAT = simd(0x13);
const F32X4_EXTRACT = (lane: number): number[] => [...simd(0x1f), lane];
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const V128_AND = simd(0x4e);
const V128_ANDNOT = simd(0x4f);
const V128_NOT = simd(0x4d);
const V128_BITSELECT = simd(0x52);
const F32X4_GT = simd(0x44);
const F32X4_LT = simd(0x43);
const I32X4_SPLAT = simd(0x11);
const I32X4_EQ = simd(0x37);
const I32X4_ADD = simd(0xae);

/** The arithmetic of one lane width: four float32 lanes in a v128, or one float32. */
interface Lanes {
  bytes: number;
  type: number;
  load: number[];
  store: number[];
  add: number[];
  sub: number[];
  mul: number[];
  div: number[];
  sqrt: number[];
  max: number[];
  min: number[];
  nearest: number[];
  zero: number[];
}

const VECTOR: Lanes = {
  bytes: 16,
  type: V128,
  load: [...simd(0x00), 4, 0],
  store: [...simd(0x0b), 4, 0],
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  sqrt: simd(0xe3),
  max: simd(0xe9),
  min: simd(0xe8),
  nearest: simd(0x6a),
  zero: V128_ZERO,
};

const SCALAR: Lanes = {
  bytes: 4,
  type: F32,
  load: F32_LOAD,
  store: [0x38, 2, 0],
  add: F32_ADD,
  sub: [0x93],
  mul: [0x94],
  div: [0x95],
  sqrt: [0x91],
  max: [0x97],
  min: [0x96],
  nearest: [0x90],
  zero: [0x43, 0, 0, 0, 0],
};

/** `for (i = start; i < end; i += step) body` over i32 locals `i` and `end`. */
function forLoop(i: number, start: number[], end: number, step: number, body: number[]): number[] {
  return [...start, ...set(i), 0x02, 0x40, 0x03, 0x40, ...get(i), ...get(end), ...I32_GE_U, 0x0d, 1, ...body, ...get(i), ...i32(step), ...I32_ADD, ...set(i), 0x0c, 0, 0x0b, 0x0b];
}

/** The address `base + i` of two i32 locals. */
const at = (base: number, i: number): number[] => [...get(base), ...get(i), ...I32_ADD];

/**
 * An elementwise kernel over `n` float32s (local 0.. are the parameters, `n` among them): the
 * vector body over the first n − n mod 4 elements, the scalar body over the rest. `body(L, i, c)`
 * emits one step at byte offset local `i`; `c(k)` pushes the k-th float constant, splatted for
 * vectors. Locals after the parameters: i, end, then the constants' splats, then `temps` of the
 * lane type for each width (the body gets their indices).
 */
function elementwise(nameOf: string, params: number[], n: number, consts: number[], temps: number, body: (L: Lanes, i: number, c: (k: number) => number[], t: number[]) => number[], results: number[] = [], epilogue: number[] = []): FuncDef {
  const i = params.length;
  const end = i + 1;
  const splat0 = end + 1;
  const vt0 = splat0 + consts.length;
  const st0 = vt0 + temps;
  const range = (from: number): number[] => Array.from({ length: temps }, (_, k) => from + k);
  const splats = consts.flatMap((p, k) => [...get(p), ...F32X4_SPLAT, ...set(splat0 + k)]);
  const vectorEnd = [...get(n), ...i32(-4), 0x71 /* i32.and */, ...i32(2), ...I32_SHL, ...set(end)];
  const scalarEnd = [...get(n), ...i32(2), ...I32_SHL, ...set(end)];
  const vecC = (k: number): number[] => get(splat0 + k);
  const scaC = (k: number): number[] => get(consts[k] as number);
  return {
    name: nameOf,
    params,
    results,
    locals: [I32, I32, ...consts.map(() => V128), ...new Array<number>(temps).fill(V128), ...new Array<number>(temps).fill(F32)],
    body: [
      ...splats,
      ...vectorEnd,
      ...forLoop(i, i32(0), end, 16, body(VECTOR, i, vecC, range(vt0))),
      ...scalarEnd,
      ...forLoop(i, get(i), end, 4, body(SCALAR, i, scaC, range(st0))),
      ...epilogue,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The kernels. Pointers are byte offsets into the heap; lengths count elements.

/**
 * adam(p, g, m, v, out, n, b1, c1, b2, c2, stepSize, bc2Sqrt, eps), PyTorch's
 * `_single_tensor_adam` in float32:
 *   m ← m·β₁ + g·(1 − β₁);  v ← v·β₂ + (1 − β₂)·g·g  (both in place)
 *   out ← p − stepSize · m / (√v / bc2Sqrt + ε)
 */
const ADAM = elementwise("adam", [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32], 5, [6, 7, 8, 9, 10, 11, 12], 3, (L, i, c, [g, m, v]) => [
  ...at(1, i), ...L.load, ...set(g as number),
  ...at(2, i), ...at(2, i), ...L.load, ...c(0), ...L.mul, ...get(g as number), ...c(1), ...L.mul, ...L.add, ...tee(m as number), ...L.store,
  ...at(3, i), ...at(3, i), ...L.load, ...c(2), ...L.mul, ...get(g as number), ...get(g as number), ...L.mul, ...c(3), ...L.mul, ...L.add, ...tee(v as number), ...L.store,
  ...at(4, i), ...at(0, i), ...L.load, ...c(4), ...get(m as number), ...get(v as number), ...L.sqrt, ...c(5), ...L.div, ...c(6), ...L.add, ...L.div, ...L.mul, ...L.sub, ...L.store,
]);

/**
 * finiteCheck(x, n) → Σ x·0 as one float32: 0 when every element is finite, NaN otherwise
 * (∞·0 and NaN·0 are NaN, and NaN survives any sum).
 */
const FINITE_CHECK: FuncDef = (() => {
  const f = elementwise("finiteCheck", [I32, I32], 1, [], 1, (L, i, _c, [acc]) => [
    ...get(acc as number), ...at(0, i), ...L.load, ...L.zero, ...L.mul, ...L.add, ...set(acc as number),
  ], [F32]);
  // Locals: 2 i, 3 end, 4 the vector accumulator, 5 the scalar one (both start at zero).
  f.body.push(...get(5), ...get(4), ...F32X4_EXTRACT(0), ...F32_ADD, ...get(4), ...F32X4_EXTRACT(1), ...F32_ADD, ...get(4), ...F32X4_EXTRACT(2), ...F32_ADD, ...get(4), ...F32X4_EXTRACT(3), ...F32_ADD);
  return f;
})();

/**
 * A loop over the rows of compressed sparse rows: params (indptr, indices, values, rows, …);
 * locals r, k, kEnd, col (i32) and val (v128) follow `extra` more locals of the caller.
 * `perEntry` runs for each stored (r, col, val); `perRow` wraps it (code before and after).
 */
function csrLoop(params: number[], locals: number[], before: number[], perEntry: number[], after: number[]): { locals: number[]; body: number[] } {
  const r = params.length + locals.length;
  const [k, kEnd, col, val] = [r + 1, r + 2, r + 3, r + 4];
  const rowEnd = r + 5;
  const entry = [
    ...get(1), ...get(k), ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD, ...set(col),
    ...get(2), ...get(k), ...i32(2), ...I32_SHL, ...I32_ADD, ...F32_LOAD, ...F32X4_SPLAT, ...set(val),
    ...perEntry,
  ];
  const row = [
    ...get(0), ...get(r), ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD, ...set(k),
    ...get(0), ...get(r), ...i32(1), ...I32_ADD, ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD, ...set(kEnd),
    ...before,
    ...forLoop(k, get(k), kEnd, 1, entry),
    ...after,
  ];
  return { locals: [...locals, I32, I32, I32, I32, V128, I32], body: [...get(3), ...set(rowEnd), ...forLoop(r, i32(0), rowEnd, 1, row)] };
}

/**
 * spmm_<act>(indptr, indices, values, rows, w, h, bias, out): out[r, :] = act(Σ_k x[r, k]·w[k, :] + bias)
 * for compressed sparse rows x and a row-major weight w [K, h] (h a multiple of 4); act is
 * "linear" or "relu" (tanh is applied by the caller).
 */
function spmmKernel(act: "linear" | "relu"): FuncDef {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32];
  // Extra locals: 8 c, 9 hBytes, 10 rowOut, 11 src.
  const [c, hBytes, rowOut, src] = [8, 9, 10, 11];
  const r = 12;
  const [col, val] = [15, 16];
  const zeroRow = forLoop(c, i32(0), hBytes, 16, [...at(rowOut, c), ...V128_ZERO, ...VECTOR.store]);
  const addRow = [
    ...get(4), ...get(col), ...get(hBytes), ...I32_MUL, ...I32_ADD, ...set(src),
    ...forLoop(c, i32(0), hBytes, 16, [...at(rowOut, c), ...at(rowOut, c), ...VECTOR.load, ...get(val), ...at(src, c), ...VECTOR.load, ...VECTOR.mul, ...VECTOR.add, ...VECTOR.store]),
  ];
  const biasAct = forLoop(c, i32(0), hBytes, 16, [
    ...at(rowOut, c), ...at(rowOut, c), ...VECTOR.load, ...at(6, c), ...VECTOR.load, ...VECTOR.add,
    ...(act === "relu" ? [...V128_ZERO, ...VECTOR.max] : []),
    ...VECTOR.store,
  ]);
  const inner = csrLoop(params, [I32, I32, I32, I32], [...get(7), ...get(r), ...get(hBytes), ...I32_MUL, ...I32_ADD, ...set(rowOut), ...zeroRow], addRow, biasAct);
  return { name: `spmm_${act}`, params, results: [], locals: inner.locals, body: [...get(5), ...i32(2), ...I32_SHL, ...set(hBytes), ...inner.body] };
}

/**
 * spmmT(indptr, indices, values, rows, dz, h, dw): dw[k, :] += Σ_r x[r, k]·dz[r, :] — xᵀ·dz
 * without forming xᵀ (dw starts at zero; h a multiple of 4).
 */
const SPMM_T: FuncDef = (() => {
  const params = [I32, I32, I32, I32, I32, I32, I32];
  // Extra locals: 7 c, 8 hBytes, 9 rowIn, 10 dst; then r = 11, k, kEnd, col = 14, val = 15.
  const [c, hBytes, rowIn, dst] = [7, 8, 9, 10];
  const r = 11;
  const [col, val] = [14, 15];
  const addRow = [
    ...get(6), ...get(col), ...get(hBytes), ...I32_MUL, ...I32_ADD, ...set(dst),
    ...forLoop(c, i32(0), hBytes, 16, [...at(dst, c), ...at(dst, c), ...VECTOR.load, ...get(val), ...at(rowIn, c), ...VECTOR.load, ...VECTOR.mul, ...VECTOR.add, ...VECTOR.store]),
  ];
  const loop = csrLoop(params, [I32, I32, I32, I32], [...get(4), ...get(r), ...get(hBytes), ...I32_MUL, ...I32_ADD, ...set(rowIn)], addRow, []);
  return { name: "spmmT", params, results: [], locals: loop.locals, body: [...get(5), ...i32(2), ...I32_SHL, ...set(hBytes), ...loop.body] };
})();

/**
 * actGrad_<act>(y, g, dz, rows, h, db): dz = g·act'(from the output y), db = Σ_rows dz
 * (h a multiple of 4): relu passes g where y > 0, tanh scales by 1 − y², linear copies.
 */
function actGradKernel(act: "linear" | "relu" | "tanh"): FuncDef {
  const params = [I32, I32, I32, I32, I32, I32];
  // Locals: 6 r, 7 rowsEnd, 8 c, 9 hBytes, 10 rowOff, 11 d (v128), 12 one (v128).
  const [r, rowsEnd, c, hBytes, rowOff, d, one] = [6, 7, 8, 9, 10, 11, 12];
  const grad =
    act === "relu"
      ? [...at(rowOff, c), ...get(1), ...I32_ADD, ...VECTOR.load, ...at(rowOff, c), ...get(0), ...I32_ADD, ...VECTOR.load, ...V128_ZERO, ...F32X4_GT, ...V128_AND]
      : act === "tanh"
        ? [...at(rowOff, c), ...get(1), ...I32_ADD, ...VECTOR.load, ...get(one), ...at(rowOff, c), ...get(0), ...I32_ADD, ...VECTOR.load, ...at(rowOff, c), ...get(0), ...I32_ADD, ...VECTOR.load, ...VECTOR.mul, ...VECTOR.sub, ...VECTOR.mul]
        : [...at(rowOff, c), ...get(1), ...I32_ADD, ...VECTOR.load];
  const body = [
    ...[0x43, ...new Uint8Array(Float32Array.of(1).buffer)], ...F32X4_SPLAT, ...set(one),
    ...get(4), ...i32(2), ...I32_SHL, ...set(hBytes),
    ...forLoop(c, i32(0), hBytes, 16, [...at(5, c), ...V128_ZERO, ...VECTOR.store]),
    ...get(3), ...set(rowsEnd),
    ...forLoop(r, i32(0), rowsEnd, 1, [
      ...get(r), ...get(hBytes), ...I32_MUL, ...set(rowOff),
      ...forLoop(c, i32(0), hBytes, 16, [
        ...grad, ...set(d),
        ...at(rowOff, c), ...get(2), ...I32_ADD, ...get(d), ...VECTOR.store,
        ...at(5, c), ...at(5, c), ...VECTOR.load, ...get(d), ...VECTOR.add, ...VECTOR.store,
      ]),
    ]),
  ];
  return { name: `actGrad_${act}`, params, results: [], locals: [I32, I32, I32, I32, I32, V128, V128], body };
}

/**
 * exp(x) of local `x` onto the stack, Cephes' `expf` (S. Moshier): x = n·ln 2 + r with n the
 * nearest integer to x·log₂e and ln 2 split in two constants, then a degree-7 polynomial in r
 * (|r| ≤ ln 2 / 2) times 2ⁿ built in the exponent bits. Within 0.55 ulp of the float64 value
 * over 1M points of [−87.33, 0] (measured); below −87.33, where float32 leaves its normal range,
 * the result is 0. NaN gives NaN. Locals `n` and `r` are temporaries of the lane type.
 */
function expOf(L: Lanes, x: number, n: number, r: number): number[] {
  const k = (v: number): number[] => [0x43, ...new Uint8Array(Float32Array.of(v).buffer), ...(L === VECTOR ? F32X4_SPLAT : [])];
  const poly = [1.98756915e-4, 1.39819995e-3, 8.33345191e-3, 4.16657959e-2, 1.66666655e-1, 5.00000012e-1];
  const horner = poly.slice(1).flatMap((coef) => [...get(r), ...L.mul, ...k(coef), ...L.add]);
  const pow2 =
    L === VECTOR
      ? [...get(n), ...simd(0xf8) /* i32x4.trunc_sat_f32x4_s */, ...i32(127), ...I32X4_SPLAT, ...I32X4_ADD, ...i32(23), ...simd(0xab) /* i32x4.shl */]
      : [...get(n), 0xfc, 0x00 /* i32.trunc_sat_f32_s */, ...i32(127), ...I32_ADD, ...i32(23), ...I32_SHL, 0xbe /* f32.reinterpret_i32 */];
  const value = [
    ...get(x), ...k(Math.LOG2E), ...L.mul, ...L.nearest, ...set(n),
    ...get(x), ...get(n), ...k(0.693359375), ...L.mul, ...L.sub, ...get(n), ...k(-2.12194440e-4), ...L.mul, ...L.sub, ...set(r),
    ...k(poly[0] as number), ...horner,
    ...get(r), ...get(r), ...L.mul, ...L.mul, ...get(r), ...L.add, ...k(1), ...L.add,
    ...pow2, ...L.mul,
  ];
  // Below −87.33 the exponent bits would wrap: flush to zero there.
  return L === VECTOR
    ? [...value, ...get(x), ...k(EXP_LOW), ...F32X4_LT, ...V128_ANDNOT]
    : [...value, ...k(0), ...get(x), ...k(EXP_LOW), 0x5d /* f32.lt */, 0x45 /* i32.eqz */, 0x1b /* select */];
}

/** ln(2⁻¹²⁶), the smallest normal float32's logarithm. */
const EXP_LOW = -87.33654;

/**
 * A kernel over the rows of a row-major [rows, cols] matrix, any cols: for each row, `before`,
 * then `body` over its columns (vector lanes, then a scalar tail), then `after`. Locals after the
 * parameters: 0 r, 1 rowsEnd, 2 c, 3 vecEnd, 4 end, 5 rowOff (r·cols·4), then `extra`, then
 * `temps` locals of each lane type. `body(L, t)` addresses element (r, c) as rowOff + c bytes.
 */
function rowKernel(spec: {
  name: string;
  params: number[];
  rows: number;
  cols: number;
  extra: number[];
  temps: number;
  before: (at: (k: number) => number, tv: number[], ts: number[]) => number[];
  body: (L: Lanes, at: (k: number) => number, t: number[]) => number[];
  after: (at: (k: number) => number, tv: number[], ts: number[]) => number[];
  results?: number[];
  epilogue?: number[];
}): FuncDef {
  const base = spec.params.length;
  const at = (k: number): number => base + k;
  const [r, rowsEnd, c, vecEnd, end, rowOff] = [0, 1, 2, 3, 4, 5].map(at) as [number, number, number, number, number, number];
  const tv = Array.from({ length: spec.temps }, (_, k) => base + 6 + spec.extra.length + k);
  const ts = tv.map((t) => t + spec.temps);
  const row = [
    ...get(r), ...get(spec.cols), ...I32_MUL, ...i32(2), ...I32_SHL, ...set(rowOff),
    ...get(spec.cols), ...i32(-4), 0x71, ...i32(2), ...I32_SHL, ...set(vecEnd),
    ...get(spec.cols), ...i32(2), ...I32_SHL, ...set(end),
    ...spec.before(at, tv, ts),
    ...forLoop(c, i32(0), vecEnd, 16, spec.body(VECTOR, at, tv)),
    ...forLoop(c, get(c), end, 4, spec.body(SCALAR, at, ts)),
    ...spec.after(at, tv, ts),
  ];
  return {
    name: spec.name,
    params: spec.params,
    results: spec.results ?? [],
    locals: [I32, I32, I32, I32, I32, I32, ...spec.extra, ...new Array<number>(spec.temps).fill(V128), ...new Array<number>(spec.temps).fill(F32)],
    body: [...get(spec.rows), ...set(rowsEnd), ...forLoop(r, i32(0), rowsEnd, 1, row), ...(spec.epilogue ?? [])],
  };
}

/** The four lanes of v128 local `v` combined with a scalar binary op (add or max) onto the stack. */
function lanesOf(v: number, op: number[]): number[] {
  return [...get(v), ...F32X4_EXTRACT(0), ...get(v), ...F32X4_EXTRACT(1), ...op, ...get(v), ...F32X4_EXTRACT(2), ...op, ...get(v), ...F32X4_EXTRACT(3), ...op];
}

/** A `before` for {@link rowKernel}: row r's entry of the float vector parameter `p` into extra local 7, splatted into extra local 6. */
const rowScalar =
  (p: number) =>
  (at: (k: number) => number): number[] => [...get(p), ...get(at(0)), ...i32(2), ...I32_SHL, ...I32_ADD, ...F32_LOAD, ...tee(at(7)), ...F32X4_SPLAT, ...set(at(6))];

/** Address of element (r, c) of matrix parameter `p`: p + rowOff + c. */
const elem = (p: number, at: (k: number) => number): number[] => [...get(p), ...get(at(5)), ...I32_ADD, ...get(at(2)), ...I32_ADD];

/**
 * softmaxRows(z, e, rows, cols, stats): for each row i, m = max_j z[i, j], e[i, j] = exp(z[i, j] − m)
 * and s = Σ_j e[i, j] (float32, four partial sums); stats[2i] = m, stats[2i + 1] = s.
 */
const SOFTMAX_ROWS = rowKernel({
  name: "softmaxRows",
  params: [I32, I32, I32, I32, I32],
  rows: 2,
  cols: 3,
  // extra: 6 vmax, 7 smax, 8 vsum, 9 ssum (indices relative to `at`).
  extra: [V128, F32, V128, F32],
  temps: 3,
  before: (at) => {
    const [vmax, smax] = [at(6), at(7)];
    const first = [...get(0), ...get(at(5)), ...I32_ADD, ...F32_LOAD];
    // f32x4.pmax (b > a ? b : a) is one instruction; f32x4.max's NaN and −0 rules cost several
    // in a loop-carried chain (2× slower, measured). NaN logits make the sums NaN either way.
    const maxBody = (L: Lanes, acc: number): number[] => [...get(acc), ...elem(0, at), ...L.load, ...(L === VECTOR ? simd(0xeb) : L.max), ...set(acc)];
    return [
      ...first, ...set(smax), ...first, ...F32X4_SPLAT, ...set(vmax),
      ...forLoop(at(2), i32(0), at(3), 16, maxBody(VECTOR, vmax)),
      ...forLoop(at(2), get(at(2)), at(4), 4, maxBody(SCALAR, smax)),
      ...get(smax), ...lanesOf(vmax, SCALAR.max), ...SCALAR.max, ...set(smax), ...get(smax), ...F32X4_SPLAT, ...set(vmax),
      ...V128_ZERO, ...set(at(8)), ...SCALAR.zero, ...set(at(9)),
    ];
  },
  body: (L, at, [x, n, r]) => {
    const [shift, acc] = L === VECTOR ? [at(6), at(8)] : [at(7), at(9)];
    return [
      ...elem(0, at), ...L.load, ...get(shift), ...L.sub, ...set(x as number),
      ...elem(1, at), ...expOf(L, x as number, n as number, r as number), ...tee(x as number), ...L.store,
      ...get(acc), ...get(x as number), ...L.add, ...set(acc),
    ];
  },
  after: (at) => [
    ...get(4), ...get(at(0)), ...i32(3), ...I32_SHL, ...I32_ADD, ...get(at(7)), 0x38, 2, 0,
    ...get(4), ...get(at(0)), ...i32(3), ...I32_SHL, ...I32_ADD, ...get(at(9)), ...lanesOf(at(8), F32_ADD), ...F32_ADD, 0x38, 2, 4,
  ],
});

/** scaleRows(e, g, rows, cols, f): g[i, j] = e[i, j]·f[i]. */
const SCALE_ROWS = rowKernel({
  name: "scaleRows",
  params: [I32, I32, I32, I32, I32],
  rows: 2,
  cols: 3,
  // extra: 6 vf, 7 sf.
  extra: [V128, F32],
  temps: 0,
  before: rowScalar(4),
  body: (L, at) => [...elem(1, at), ...elem(0, at), ...L.load, ...get(L === VECTOR ? at(6) : at(7)), ...L.mul, ...L.store],
  after: () => [],
});

/**
 * expShiftSums(l, e, rows, cols, shift, rowSums, colSums): e = exp(l − shift) for one shift of
 * the whole matrix, with its row sums and column sums (colSums starts at zero) in the same pass.
 */
const EXP_SHIFT_SUMS = rowKernel({
  name: "expShiftSums",
  params: [I32, I32, I32, I32, F32, I32, I32],
  rows: 2,
  cols: 3,
  // extra: 6 vshift, 7 vsum, 8 ssum.
  extra: [V128, V128, F32],
  temps: 3,
  before: (at) => [...get(4), ...F32X4_SPLAT, ...set(at(6)), ...V128_ZERO, ...set(at(7)), ...SCALAR.zero, ...set(at(8))],
  body: (L, at, [x, n, r]) => {
    const [shift, acc] = L === VECTOR ? [get(at(6)), at(7)] : [get(4), at(8)];
    const col = [...get(6), ...get(at(2)), ...I32_ADD];
    return [
      ...elem(0, at), ...L.load, ...shift, ...L.sub, ...set(x as number),
      ...elem(1, at), ...expOf(L, x as number, n as number, r as number), ...tee(x as number), ...L.store,
      ...get(acc), ...get(x as number), ...L.add, ...set(acc),
      ...col, ...col, ...L.load, ...get(x as number), ...L.add, ...L.store,
    ];
  },
  after: (at) => [...get(5), ...get(at(0)), ...i32(2), ...I32_SHL, ...I32_ADD, ...get(at(8)), ...lanesOf(at(7), F32_ADD), ...F32_ADD, 0x38, 2, 0],
});

/** scaleRowsCols(e, g, rows, cols, f, h): g[i, j] = e[i, j]·(f[i] + h[j]). */
const SCALE_ROWS_COLS = rowKernel({
  name: "scaleRowsCols",
  params: [I32, I32, I32, I32, I32, I32],
  rows: 2,
  cols: 3,
  // extra: 6 vf, 7 sf.
  extra: [V128, F32],
  temps: 0,
  before: rowScalar(4),
  body: (L, at) => [...elem(1, at), ...elem(0, at), ...L.load, ...get(L === VECTOR ? at(6) : at(7)), ...get(5), ...get(at(2)), ...I32_ADD, ...L.load, ...L.add, ...L.mul, ...L.store],
  after: () => [],
});

/** minMax(x, n, out): out[0] = min, out[1] = max of n ≥ 1 floats (NaN propagates). */
const MIN_MAX: FuncDef = (() => {
  const f = elementwise("minMax", [I32, I32, I32], 1, [], 2, (L, i, _c, [lo, hi]) => [
    ...get(lo as number), ...at(0, i), ...L.load, ...L.min, ...set(lo as number),
    ...get(hi as number), ...at(0, i), ...L.load, ...L.max, ...set(hi as number),
  ]);
  // Locals: 3 i, 4 end, 5 6 vector lo/hi, 7 8 scalar lo/hi; all start from x[0].
  const first = [...get(0), ...F32_LOAD];
  f.body.unshift(...first, ...tee(7), ...tee(8), ...F32X4_SPLAT, ...tee(5), ...set(6));
  f.body.push(
    ...get(2), ...get(7), ...lanesOf(5, SCALAR.min), ...SCALAR.min, 0x38, 2, 0,
    ...get(2), ...get(8), ...lanesOf(6, SCALAR.max), ...SCALAR.max, 0x38, 2, 4,
  );
  return f;
})();

/** expRow(x, n, shift, out): out[j] = exp(x[j] − shift) for n floats (see {@link expOf}). */
const EXP_ROW = elementwise("expRow", [I32, I32, F32, I32], 1, [2], 3, (L, i, c, [x, n, r]) => [
  ...at(3, i), ...at(0, i), ...L.load, ...c(0), ...L.sub, ...set(x as number),
  ...expOf(L, x as number, n as number, r as number), ...L.store,
]);

/**
 * gramToDistance(g, sqQ, sqR, rows, cols, zeroDiagonal): in place, g[i, j] ← √max(sqQ[i] + sqR[j]
 * − 2·g[i, j], 0), each step rounded to float32 as the backend ops round it (the same bits); with
 * zeroDiagonal, g[i, i] ← 0.
 */
const GRAM_TO_DISTANCE = rowKernel({
  name: "gramToDistance",
  params: [I32, I32, I32, I32, I32, I32],
  rows: 3,
  cols: 4,
  // extra: 6 va, 7 sa.
  extra: [V128, F32],
  temps: 1,
  before: rowScalar(1),
  body: (L, at, [x]) => [
    ...elem(0, at),
    ...get(L === VECTOR ? at(6) : at(7)), ...get(2), ...get(at(2)), ...I32_ADD, ...L.load, ...L.add,
    ...elem(0, at), ...L.load, ...tee(x as number), ...get(x as number), ...L.add, ...L.sub,
    ...L.zero, ...L.max, ...L.sqrt, ...L.store,
  ],
  after: (at) => [
    // if (zeroDiagonal && r < cols) g[r, r] = 0
    ...get(5), ...get(at(0)), ...get(4), 0x48 /* i32.lt_s */, 0x71 /* i32.and */, 0x04, 0x40,
    ...get(0), ...get(at(5)), ...I32_ADD, ...get(at(0)), ...i32(2), ...I32_SHL, ...I32_ADD, ...SCALAR.zero, 0x38, 2, 0,
    0x0b,
  ],
});

/** invDistWeights(dy, d, w, n): w = dy / d where d > 0, else 0 (the Gram-path distance gradient's factor). */
const INV_DIST_WEIGHTS = elementwise("invDistWeights", [I32, I32, I32, I32], 3, [], 0, (L, i) =>
  L === VECTOR
    ? [...at(2, i), ...at(0, i), ...L.load, ...at(1, i), ...L.load, ...L.div, ...at(1, i), ...L.load, ...L.zero, ...F32X4_GT, ...V128_AND, ...L.store]
    : [...at(2, i), ...at(0, i), ...L.load, ...at(1, i), ...L.load, ...L.div, ...L.zero, ...at(1, i), ...L.load, ...L.zero, 0x5e /* f32.gt */, 0x1b /* select */, ...L.store],
);

/** Tile edge of {@link SYMMETRIZE} (entries): 8, 16, 32 and 64 took 16.4, 12.6, 18.3 and 20.3 ms for 4096² (JS tiles: 34 ms), measured. */
const SYMMETRIZE_TILE = 16;

/**
 * symmetrize(x, n): in place, x ← x + xᵀ for a square n × n matrix, n a multiple of 4: each pair
 * of 4 × 4 blocks (i, j), (j, i) is summed once (one float32 sum per pair of entries) and written
 * to both, the diagonal blocks with themselves.
 */
const SYMMETRIZE: FuncDef = (() => {
  // Params: 0 x, 1 n. Locals: 2 bi, 3 bj, 4 end, 5 rowBytes, 6 pa (block (bi, bj)), 7 pb (block (bj, bi)),
  // 8–11 rows of A, 12–15 rows of B, 16–19 the sum's rows, 20–21 temporaries.
  const [bi, bj, end, rowBytes, pa, pb] = [2, 3, 4, 5, 6, 7];
  const A = [8, 9, 10, 11];
  const B = [12, 13, 14, 15];
  const S = [16, 17, 18, 19];
  const [t0, t1] = [20, 21];
  // 22 bi0, 23 bj0 (tile corners), 24 biEnd, 25 bjEnd.
  const [bi0, bj0, biEnd, bjEnd] = [22, 23, 24, 25];
  /** min(local + step, n) onto the stack. */
  const minOf = (local: number, step: number): number[] => [...get(local), ...i32(step), ...I32_ADD, ...get(1), ...get(local), ...i32(step), ...I32_ADD, ...get(1), 0x48 /* i32.lt_s */, 0x1b];
  const addr = (p: number, k: number): number[] => [...get(p), ...(k === 0 ? [] : [...get(rowBytes), ...i32(k), ...I32_MUL, ...I32_ADD])];
  // Rows of the transpose of the four v128 locals `m` onto the stack, one at a time into `into`.
  const transposeInto = (m: number[], into: number[], combine: (k: number) => number[]): number[] => [
    ...get(m[0] as number), ...get(m[1] as number), ...shuffleLanes([0, 4, 1, 5]), ...set(t0),
    ...get(m[2] as number), ...get(m[3] as number), ...shuffleLanes([0, 4, 1, 5]), ...set(t1),
    ...get(t0), ...get(t1), ...shuffleLanes([0, 1, 4, 5]), ...combine(0), ...set(into[0] as number),
    ...get(t0), ...get(t1), ...shuffleLanes([2, 3, 6, 7]), ...combine(1), ...set(into[1] as number),
    ...get(m[0] as number), ...get(m[1] as number), ...shuffleLanes([2, 6, 3, 7]), ...set(t0),
    ...get(m[2] as number), ...get(m[3] as number), ...shuffleLanes([2, 6, 3, 7]), ...set(t1),
    ...get(t0), ...get(t1), ...shuffleLanes([0, 1, 4, 5]), ...combine(2), ...set(into[2] as number),
    ...get(t0), ...get(t1), ...shuffleLanes([2, 3, 6, 7]), ...combine(3), ...set(into[3] as number),
  ];
  const block = [
    ...get(0), ...get(bi), ...get(1), ...I32_MUL, ...get(bj), ...I32_ADD, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(pa),
    ...get(0), ...get(bj), ...get(1), ...I32_MUL, ...get(bi), ...I32_ADD, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(pb),
    ...[0, 1, 2, 3].flatMap((k) => [...addr(pa, k), ...VECTOR.load, ...set(A[k] as number), ...addr(pb, k), ...VECTOR.load, ...set(B[k] as number)]),
    // S = A + Bᵀ, written at (bi, bj); Sᵀ at (bj, bi).
    ...transposeInto(B, S, (k) => [...get(A[k] as number), ...VECTOR.add]),
    ...[0, 1, 2, 3].flatMap((k) => [...addr(pa, k), ...get(S[k] as number), ...VECTOR.store]),
    ...transposeInto(S, B, () => []),
    ...[0, 1, 2, 3].flatMap((k) => [...addr(pb, k), ...get(B[k] as number), ...VECTOR.store]),
  ];
  return {
    name: "symmetrize",
    params: [I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, I32, I32, ...new Array<number>(14).fill(V128), I32, I32, I32, I32],
    body: [
      ...get(1), ...set(end), ...get(1), ...i32(2), ...I32_SHL, ...set(rowBytes),
      // Tiles of SYMMETRIZE_TILE × SYMMETRIZE_TILE entries on each side, so both stay in L1.
      ...forLoop(bi0, i32(0), end, SYMMETRIZE_TILE, forLoop(bj0, get(bi0), end, SYMMETRIZE_TILE, [
        ...minOf(bi0, SYMMETRIZE_TILE), ...set(biEnd),
        ...minOf(bj0, SYMMETRIZE_TILE), ...set(bjEnd),
        ...forLoop(bi, get(bi0), biEnd, 4, forLoop(bj, [...get(bj0), ...get(bi), ...get(bj0), ...get(bi), 0x4a /* i32.gt_s */, 0x1b], bjEnd, 4, block)),
      ])),
    ],
  };
})();

/** rowSums(x, rows, cols, out): out[i] = Σ_j x[i, j] in float32 (four partial sums, then their total). */
const ROW_SUMS = rowKernel({
  name: "rowSums",
  params: [I32, I32, I32, I32],
  rows: 1,
  cols: 2,
  // extra: 6 vacc, 7 sacc.
  extra: [V128, F32],
  temps: 0,
  before: (at) => [...V128_ZERO, ...set(at(6)), ...SCALAR.zero, ...set(at(7))],
  body: (L, at) => {
    const acc = L === VECTOR ? at(6) : at(7);
    return [...get(acc), ...elem(0, at), ...L.load, ...L.add, ...set(acc)];
  },
  after: (at) => [...get(3), ...get(at(0)), ...i32(2), ...I32_SHL, ...I32_ADD, ...get(at(7)), ...lanesOf(at(6), F32_ADD), ...F32_ADD, 0x38, 2, 0],
});

/**
 * hardest_<max|min>(d, y, ry, rows, cols, diagBase, out): per row i of a [rows, cols] matrix
 * (cols a multiple of 4), per lane k (the columns j ≡ k mod 4), the first extreme entry among the
 * positives (ry[j] = y[i], j ≠ i + diagBase: pass a large negative diagBase when no column is the
 * row's own) — the largest for "max", the smallest for "min" — and among the negatives
 * (ry[j] ≠ y[i]) the opposite one, with its column: out[16i ..] = best positive values [4],
 * their columns [4] (−1: none), best negative values [4], their columns [4]. The caller merges
 * the four lanes (ties: the smaller column), so the pick is the first extreme index, as a scan in
 * column order picks it.
 */
function hardestKernel(positives: "max" | "min"): FuncDef {
  // Params: 0 d, 1 y, 2 ry, 3 rows, 4 cols, 5 diagBase, 6 out. Locals: 7 r, 8 rowsEnd, 9 c,
  // 10 end, 11 rowOff; v128: 12 label, 13 diag, 14 jv, 15 bestP, 16 idxP, 17 bestN, 18 idxN,
  // 19 v, 20 same, 21 better.
  const [r, rowsEnd, c, end, rowOff] = [7, 8, 9, 10, 11];
  const [label, diag, jv, bestP, idxP, bestN, idxN, v, same, better] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const [posCmp, negCmp] = positives === "max" ? [F32X4_GT, F32X4_LT] : [F32X4_LT, F32X4_GT];
  const f32 = (x: number): number[] => [0x43, ...new Uint8Array(Float32Array.of(x).buffer), ...F32X4_SPLAT];
  const [posInit, negInit] = positives === "max" ? [-Infinity, Infinity] : [Infinity, -Infinity];
  const lanes0123 = [...simd(0x0c), ...[0, 1, 2, 3].flatMap((k) => [k, 0, 0, 0])];
  const keep = (best: number, idx: number): number[] => [
    ...get(v), ...get(best), ...get(better), ...V128_BITSELECT, ...set(best),
    ...get(jv), ...get(idx), ...get(better), ...V128_BITSELECT, ...set(idx),
  ];
  const step = [
    ...get(0), ...get(rowOff), ...I32_ADD, ...get(c), ...I32_ADD, ...VECTOR.load, ...set(v),
    ...get(2), ...get(c), ...I32_ADD, ...VECTOR.load, ...get(label), ...I32X4_EQ, ...set(same),
    // positives: the same label, not the row's own column
    ...get(v), ...get(bestP), ...posCmp, ...get(same), ...V128_AND, ...get(jv), ...get(diag), ...I32X4_EQ, ...V128_ANDNOT, ...set(better),
    ...keep(bestP, idxP),
    // negatives: another label
    ...get(v), ...get(bestN), ...negCmp, ...get(same), ...V128_ANDNOT, ...set(better),
    ...keep(bestN, idxN),
    ...get(jv), ...i32(4), ...I32X4_SPLAT, ...I32X4_ADD, ...set(jv),
  ];
  const store = (k: number, local: number): number[] => [...get(6), ...get(r), ...i32(6), ...I32_SHL, ...I32_ADD, ...get(local), ...simd(0x0b), 4, 16 * k];
  const row = [
    ...get(r), ...get(4), ...I32_MUL, ...i32(2), ...I32_SHL, ...set(rowOff),
    ...get(1), ...get(r), ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD, ...I32X4_SPLAT, ...set(label),
    // the column excluded as the row's own: r + diagBase (negative when there is none)
    ...get(r), ...get(5), ...I32_ADD, ...I32X4_SPLAT, ...set(diag),
    ...lanes0123, ...set(jv),
    ...f32(posInit), ...set(bestP), ...i32(-1), ...I32X4_SPLAT, ...tee(idxP), ...set(idxN),
    ...f32(negInit), ...set(bestN),
    ...forLoop(c, i32(0), end, 16, step),
    ...store(0, bestP), ...store(1, idxP), ...store(2, bestN), ...store(3, idxN),
  ];
  return {
    name: `hardest_${positives}`,
    params: [I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, I32, ...new Array<number>(10).fill(V128)],
    body: [...get(3), ...set(rowsEnd), ...get(4), ...i32(2), ...I32_SHL, ...set(end), ...forLoop(r, i32(0), rowsEnd, 1, row)],
  };
}

/**
 * The negatives of one anchor row for NT-Xent over all pairs by label: `ry[j] ≠ label`.
 *
 * ntxLogits(m, z, n, scale, ry, label) → M: z[j] = m[j]·scale (float32) for the row's n entries,
 * and M = the largest z[j] over the negatives (−∞ when there is none).
 * ntxExps(z, e, n, ry, label, M) → Σ e: e[j] = exp(z[j] − M) at the negatives, 0 elsewhere.
 */

/** 1 (all lanes) where the label at `ry + i` differs from the splatted/plain label: the negatives mask. */
function negativeMask(L: Lanes, ryAt: number[], label: number[]): number[] {
  return L === VECTOR ? [...ryAt, ...VECTOR.load, ...label, ...I32X4_EQ, ...V128_NOT] : [...ryAt, ...I32_LOAD, ...label, 0x47 /* i32.ne */];
}

const NTX_LOGITS: FuncDef = (() => {
  // Params: 0 m, 1 z, 2 n, 3 scale, 4 ry, 5 label. Locals (elementwise): 6 i, 7 end, 8 scale splat,
  // 9 vector max, 10 scalar max; then 11 the label splat (v128), 12 −∞ splat.
  const f = elementwise("ntxLogits", [I32, I32, I32, F32, I32, I32], 2, [3], 1, (L, i, c, [acc]) => {
    const z = [...at(0, i), ...L.load, ...c(0), ...L.mul];
    return L === VECTOR
      ? [...at(1, i), ...z, ...L.store, ...get(acc as number), ...at(1, i), ...L.load, ...get(12), ...negativeMask(L, at(4, i), get(11)), ...V128_BITSELECT, ...L.max, ...set(acc as number)]
      : [...at(1, i), ...z, ...L.store, ...negativeMask(L, at(4, i), get(5)), 0x04, 0x40, ...get(acc as number), ...at(1, i), ...L.load, ...L.max, ...set(acc as number), 0x0b];
  }, [F32]);
  f.locals.push(V128, V128);
  const minusInf = [0x43, ...new Uint8Array(Float32Array.of(-Infinity).buffer)];
  f.body.unshift(...get(5), ...I32X4_SPLAT, ...set(11), ...minusInf, ...F32X4_SPLAT, ...tee(12), ...set(9), ...minusInf, ...set(10));
  f.body.push(...get(10), ...lanesOf(9, SCALAR.max), ...SCALAR.max);
  return f;
})();

const NTX_EXPS: FuncDef = (() => {
  // Params: 0 z, 1 e, 2 n, 3 ry, 4 label, 5 M. Locals: 6 i, 7 end, 8 M splat, 9–11 vector
  // temporaries (x, n, r), 12 the vector sum, 13–15 scalar temporaries, 16 the scalar sum, 17 the
  // label splat.
  const f = elementwise("ntxExps", [I32, I32, I32, I32, I32, F32], 2, [5], 4, (L, i, c, [x, n, r, acc]) => {
    const value = [...at(0, i), ...L.load, ...c(0), ...L.sub, ...set(x as number), ...expOf(L, x as number, n as number, r as number)];
    return L === VECTOR
      ? [...at(1, i), ...value, ...negativeMask(L, at(3, i), get(17)), ...V128_AND, ...tee(x as number), ...L.store, ...get(acc as number), ...get(x as number), ...L.add, ...set(acc as number)]
      : [...at(1, i), ...value, ...L.zero, ...negativeMask(L, at(3, i), get(4)), 0x1b, ...tee(x as number), ...L.store, ...get(acc as number), ...get(x as number), ...L.add, ...set(acc as number)];
  }, [F32]);
  f.locals.push(V128);
  f.body.unshift(...get(4), ...I32X4_SPLAT, ...set(17));
  f.body.push(...get(16), ...lanesOf(12, F32_ADD), ...F32_ADD);
  return f;
})();

/** scale(x, out, n, factor): out[j] = x[j]·factor. */
const SCALE = elementwise("scale", [I32, I32, I32, F32], 2, [3], 0, (L, i, c) => [...at(1, i), ...at(0, i), ...L.load, ...c(0), ...L.mul, ...L.store]);

/** i8x16.shuffle of two v128s picking 32-bit lanes (0–3 from the first, 4–7 from the second). */
function shuffleLanes(lanes: [number, number, number, number]): number[] {
  return [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}

/**
 * transpose(x, out, rows, cols): out [cols, rows] = xᵀ for rows and cols multiples of 4, in 4 × 4
 * blocks transposed in registers (eight shuffles per block), walked in strips of 64 rows so
 * that each output row receives 256 contiguous bytes at a time. Strips of 8, 16, 32, 64 and 128
 * rows took 31, 21, 11, 8.5 and 8.3 ms for 4096² (JS tiles: 50 ms), measured.
 */
const TRANSPOSE: FuncDef = (() => {
  // Params: 0 x, 1 out, 2 rows, 3 cols. Locals: 4 i0, 5 j, 6 i, 7 iEnd, 8 rowsEnd, 9 colsEnd,
  // 10 src (x + (i·cols + j)·4), 11 dst (out + (j·rows + i)·4), 12 rowBytes, 13 colBytes,
  // 14–17 the rows a, b, c, d, 18–19 temporaries.
  const [i0, j, i, iEnd, rowsEnd, colsEnd, src, dst, rowBytes, colBytes] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [ra, rb, rc, rd, t0, t1] = [14, 15, 16, 17, 18, 19];
  const load = (k: number): number[] => [...get(src), ...(k === 0 ? [] : [...get(colBytes), ...i32(k), ...I32_MUL, ...I32_ADD]), ...VECTOR.load];
  const store = (k: number, value: number[]): number[] => [...get(dst), ...(k === 0 ? [] : [...get(rowBytes), ...i32(k), ...I32_MUL, ...I32_ADD]), ...value, ...VECTOR.store];
  const block = [
    ...get(0), ...get(i), ...get(3), ...I32_MUL, ...get(j), ...I32_ADD, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(src),
    ...get(1), ...get(j), ...get(2), ...I32_MUL, ...get(i), ...I32_ADD, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(dst),
    ...load(0), ...set(ra), ...load(1), ...set(rb), ...load(2), ...set(rc), ...load(3), ...set(rd),
    // t0 = a0 b0 a1 b1, t1 = c0 d0 c1 d1; rows 0 and 1 of the result from them.
    ...get(ra), ...get(rb), ...shuffleLanes([0, 4, 1, 5]), ...set(t0),
    ...get(rc), ...get(rd), ...shuffleLanes([0, 4, 1, 5]), ...set(t1),
    ...store(0, [...get(t0), ...get(t1), ...shuffleLanes([0, 1, 4, 5])]),
    ...store(1, [...get(t0), ...get(t1), ...shuffleLanes([2, 3, 6, 7])]),
    // t0 = a2 b2 a3 b3, t1 = c2 d2 c3 d3; rows 2 and 3.
    ...get(ra), ...get(rb), ...shuffleLanes([2, 6, 3, 7]), ...set(t0),
    ...get(rc), ...get(rd), ...shuffleLanes([2, 6, 3, 7]), ...set(t1),
    ...store(2, [...get(t0), ...get(t1), ...shuffleLanes([0, 1, 4, 5])]),
    ...store(3, [...get(t0), ...get(t1), ...shuffleLanes([2, 3, 6, 7])]),
  ];
  const strip = [
    // iEnd = min(i0 + 64, rows)
    ...get(i0), ...i32(64), ...I32_ADD, ...get(2), ...get(i0), ...i32(64), ...I32_ADD, ...get(2), 0x48 /* i32.lt_s */, 0x1b /* select */, ...set(iEnd),
    ...forLoop(j, i32(0), colsEnd, 4, forLoop(i, get(i0), iEnd, 4, block)),
  ];
  return {
    name: "transpose",
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128],
    body: [
      ...get(2), ...set(rowsEnd), ...get(3), ...set(colsEnd),
      ...get(2), ...i32(2), ...I32_SHL, ...set(rowBytes), ...get(3), ...i32(2), ...I32_SHL, ...set(colBytes),
      ...forLoop(i0, i32(0), rowsEnd, 64, strip),
    ],
  };
})();

// ---------------------------------------------------------------------------------------------
// Instantiation against the backend's memory, and the calls callers make.

interface Exports {
  adam(p: number, g: number, m: number, v: number, out: number, n: number, b1: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
  finiteCheck(x: number, n: number): number;
  spmm_linear(indptr: number, indices: number, values: number, rows: number, w: number, h: number, bias: number, out: number): void;
  spmm_relu(indptr: number, indices: number, values: number, rows: number, w: number, h: number, bias: number, out: number): void;
  spmmT(indptr: number, indices: number, values: number, rows: number, dz: number, h: number, dw: number): void;
  actGrad_linear(y: number, g: number, dz: number, rows: number, h: number, db: number): void;
  actGrad_relu(y: number, g: number, dz: number, rows: number, h: number, db: number): void;
  actGrad_tanh(y: number, g: number, dz: number, rows: number, h: number, db: number): void;
  softmaxRows(z: number, e: number, rows: number, cols: number, stats: number): void;
  scaleRows(e: number, g: number, rows: number, cols: number, f: number): void;
  expShiftSums(l: number, e: number, rows: number, cols: number, shift: number, rowSums: number, colSums: number): void;
  scaleRowsCols(e: number, g: number, rows: number, cols: number, f: number, h: number): void;
  minMax(x: number, n: number, out: number): void;
  transpose(x: number, out: number, rows: number, cols: number): void;
  expRow(x: number, n: number, shift: number, out: number): void;
  gramToDistance(g: number, sqQ: number, sqR: number, rows: number, cols: number, zeroDiagonal: number): void;
  invDistWeights(dy: number, d: number, w: number, n: number): void;
  symmetrize(x: number, n: number): void;
  rowSums(x: number, rows: number, cols: number, out: number): void;
  hardest_max(d: number, y: number, ry: number, rows: number, cols: number, diagBase: number, out: number): void;
  hardest_min(d: number, y: number, ry: number, rows: number, cols: number, diagBase: number, out: number): void;
  ntxLogits(m: number, z: number, n: number, scale: number, ry: number, label: number): number;
  ntxExps(z: number, e: number, n: number, ry: number, label: number, negMax: number): number;
  scale(x: number, out: number, n: number, factor: number): void;
}

interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown }; HEAP32?: Int32Array; HEAPF32?: Float32Array; _malloc?: (bytes: number) => number; _free?: (ptr: number) => void };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

/** The assembled module's bytes (exported for the test that validates them). */
export const KERNEL_MODULE = assemble([ADAM, FINITE_CHECK, spmmKernel("linear"), spmmKernel("relu"), SPMM_T, actGradKernel("linear"), actGradKernel("relu"), actGradKernel("tanh"), SOFTMAX_ROWS, SCALE_ROWS, EXP_SHIFT_SUMS, SCALE_ROWS_COLS, MIN_MAX, TRANSPOSE, EXP_ROW, GRAM_TO_DISTANCE, INV_DIST_WEIGHTS, SYMMETRIZE, ROW_SUMS, hardestKernel("max"), hardestKernel("min"), NTX_LOGITS, NTX_EXPS, SCALE]);

let instance: { memory: WebAssembly.Memory; exports: Exports } | null = null;
/** The region {@link heapScratch} reuses, in the memory of `instance`. */
let scratch = { ptr: 0, bytes: 0 };
let unavailable: WebAssembly.Memory | null | undefined;

/**
 * The kernels bound to the current wasm backend's memory, or null when they cannot run here:
 * another backend, the flag off, a shared (threaded) memory, or no WebAssembly SIMD.
 */
export function wasmKernels(): Exports | null {
  if (tf.getBackend() !== "wasm" || tf.env().getBool(WASM_KERNELS_FLAG) !== true) return null;
  const memory = (tf.backend() as unknown as WasmBackendInternals).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || memory === unavailable) return null;
  if (instance !== null && instance.memory === memory) return instance.exports;
  try {
    if (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer) throw new Error("shared memory");
    const module = new WebAssembly.Module(KERNEL_MODULE);
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
    instance = { memory, exports: kernels };
    scratch = { ptr: 0, bytes: 0 }; // a region of another backend's memory is not ours here
    return kernels;
  } catch {
    unavailable = memory;
    return null;
  }
}

/**
 * A new float32 tensor in the wasm heap whose values are left as the allocator gave them: for a
 * kernel that writes every element (a zero fill would be one more pass over it).
 */
export function heapTensor(shape: number[]): tf.Tensor {
  const backend = tf.backend() as unknown as { makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo };
  const engine = tf.engine() as unknown as { makeTensorFromTensorInfo(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor };
  return engine.makeTensorFromTensorInfo(backend.makeOutput(shape, "float32"), tf.backend());
}

/** A view of `n` float32s at a byte offset of the wasm heap (valid until the next allocation). */
export function heapFloats(offset: number, n: number): Float32Array {
  const heap = (tf.backend() as unknown as WasmBackendInternals).wasm?.HEAPF32 as Float32Array;
  return heap.subarray(offset / 4, offset / 4 + n);
}

/** A float32 or int32 tensor's byte offset in the wasm heap. */
export function heapOffset(t: tf.Tensor): number {
  const offset = (tf.backend() as unknown as WasmBackendInternals).dataIdMap?.get(t.dataId)?.memoryOffset;
  if (typeof offset !== "number") throw new Error(`heapOffset: tensor ${t.id} has no memory in the wasm heap`);
  return offset;
}


/**
 * Copies arrays into one reusable region of the heap (grown when too small, never shrunk) and
 * returns their byte offsets. Valid until the next call.
 */
export function heapScratch(arrays: readonly (Int32Array | Float32Array)[]): number[] {
  const wasm = (tf.backend() as unknown as WasmBackendInternals).wasm;
  if (wasm?._malloc === undefined || wasm._free === undefined) throw new Error("heapScratch: not on the wasm backend");
  const sizes = arrays.map((a) => (a.length + 3) & ~3);
  const bytes = 4 * sizes.reduce((s, n) => s + n, 0);
  if (bytes > scratch.bytes) {
    if (scratch.ptr !== 0) wasm._free(scratch.ptr);
    const grown = Math.max(bytes, 2 * scratch.bytes);
    scratch = { ptr: wasm._malloc(grown), bytes: grown };
  }
  // Views are taken after the allocation, which may have grown the memory.
  const heap32 = (tf.backend() as unknown as WasmBackendInternals).wasm?.HEAP32 as Int32Array;
  const heapF32 = (tf.backend() as unknown as WasmBackendInternals).wasm?.HEAPF32 as Float32Array;
  const offsets: number[] = [];
  let at32 = scratch.ptr / 4;
  arrays.forEach((a, k) => {
    offsets.push(at32 * 4);
    if (a instanceof Int32Array) heap32.set(a, at32);
    else heapF32.set(a, at32);
    at32 += sizes[k] as number;
  });
  return offsets;
}
