/**
 * `npm run bench`: semantic-gps on every available engine against PyTorch CPU, same inputs,
 * same run.
 *
 *     npm run bench                       # everything (≈ 15 min on 2 cores)
 *     npm run bench -- --quick            # N = 256 and 1024 only, fewer repeats
 *     npm run bench -- --only batch_hard  # one workload (repeatable; comma lists work too)
 *     npm run bench -- --engines wasm,pytorch
 *
 * Each (workload, N, engine) runs in a fresh child process (bench/worker.ts or
 * bench/torch_reference.py) so that peak memory is its own. Values are cross-checked against
 * PyTorch's to 1e-4 relative; a row whose value disagrees is printed and marked invalid, and its
 * time is not compared. Results: a table on stdout and build/bench/results.json.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { ready } from "semantic-gps";
import { DESCRIPTIONS, FIXED_WORKLOADS, makeJob, SIZED_WORKLOADS, SIZES, type Job, type Workload } from "./jobs";

/** Relative tolerance of the value cross-check (the issue's 1e-4). */
const REL_TOL = 1e-4;
/** A child that runs longer than this is stopped and reported. */
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;

const ROOT = resolve(__dirname, "..");
const OUT = join(ROOT, "build", "bench");

interface EngineResult {
  engine: string;
  value?: number;
  times_ms?: number[];
  median_ms?: number;
  peak_rss_mb?: number;
  wasm_heap_mb?: number | null;
  tensors_leaked?: number;
  calls?: number;
  final?: number | null;
  error?: string;
  skipped?: string;
}

interface Row {
  workload: Workload;
  description: string;
  n: number;
  engines: EngineResult[];
  /** The PyTorch figure compared against: the faster of 1 and 2 threads. */
  reference: string | null;
  /** Per TF.js engine: median / PyTorch's median, or null when not comparable. */
  ratios: Record<string, number | null>;
  /** Per engine: whether its value agreed with PyTorch's (null: no reference). */
  valid: Record<string, boolean | null>;
}

interface Args {
  quick: boolean;
  only: Set<string> | null;
  engines: Set<string> | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: null, engines: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--quick") a.quick = true;
    else if (arg === "--only" || arg === "--engines") {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      const set = arg === "--only" ? (a.only ??= new Set()) : (a.engines ??= new Set());
      for (const part of v.split(",")) set.add(part.trim());
    } else throw new Error(`unknown argument ${arg} (use --quick, --only <workload>, --engines <list>)`);
  }
  return a;
}

/** A Python that can import torch: $PYTHON, then Debian's python3 (python3-torch), then python3 on PATH. */
function findTorchPython(): { python: string | null; reason: string } {
  const candidates = [process.env.PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import torch, numpy; print(torch.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return { python: py, reason: `${py} (torch ${r.stdout.trim()})` };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split("\n").pop() ?? "failed")}`);
  }
  return { python: null, reason: `no Python with torch (${tried.join("; ")})` };
}

function hasTfjsNode(): string | null {
  try {
    require.resolve("@tensorflow/tfjs-node");
    return null;
  } catch {
    return "@tensorflow/tfjs-node is not installed (optional dependency)";
  }
}

/** Warm-up and timed calls per engine and size: fewer where one call takes seconds. */
function counts(engine: string, w: Workload, n: number, quick: boolean): { warmup: number; repeats: number } {
  const fixed = w === "corpus_mining" || w === "corpus_bruteforce" || w === "train" || w === "fit_magic";
  // tfjs-cpu trains at 6–20 s per call: one warm-up and one timed call.
  if (engine === "cpu" && fixed) return { warmup: 1, repeats: 1 };
  if (fixed) return { warmup: 1, repeats: quick ? 2 : 3 };
  if (engine === "cpu") return { warmup: 1, repeats: quick ? 2 : 3 };
  const base = n <= 256 ? { warmup: 3, repeats: 15 } : n <= 1024 ? { warmup: 2, repeats: 9 } : { warmup: 1, repeats: 5 };
  return quick ? { warmup: Math.max(1, base.warmup - 1), repeats: Math.ceil(base.repeats / 2) } : base;
}

/** Why an engine does not run a job (it would take minutes, or cannot hold it), or null. */
function skipReason(engine: string, w: Workload, n: number): string | null {
  if (w === "corpus_bruteforce" && engine !== "pytorch") {
    return "a 10k × 100k float32 matrix is 4 GB: above wasm's 4 GiB heap cap with the inputs (the chunked miner is the TF.js way)";
  }
  if (engine === "cpu") {
    // tfjs-cpu runs a matmul at ~0.5 GFLOP/s: batch-hard at N = 4096 took 58 s per call.
    if (n > 1024 && SIZED_WORKLOADS.includes(w)) return "tfjs-cpu needs about a minute per call at N = 4096 (correctness reference only)";
    if (w === "corpus_mining") return "tfjs-cpu would need ~10 min (2.6e11 flops at ~0.5 GFLOP/s)";
    if (w === "semihard" && n > 256) return "tfjs-cpu needs tens of seconds for the listed triplets' gather/scatter";
  }
  return null;
}

function median(times: number[]): number {
  const s = [...times].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, engine: string): EngineResult {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20 });
  if (r.error) return { engine, error: (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${CHILD_TIMEOUT_MS / 1000} s` : r.error.message };
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) return { engine, error: `exit ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}` };
  const out = JSON.parse(line) as EngineResult;
  if (out.error) return { engine, error: out.error };
  out.engine = engine;
  if (out.times_ms) out.median_ms = median(out.times_ms);
  return out;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return "—";
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Job files for fit_magic are made with the library (encoder weights): start its backend quietly.
  await ready();
  mkdirSync(join(OUT, "jobs"), { recursive: true });
  const inputs = join(OUT, "inputs");
  const torch = findTorchPython();
  const tfjsNodeSkip = hasTfjsNode();
  const want = (e: string): boolean => args.engines === null || args.engines.has(e);
  const engines: string[] = [];
  const notes: string[] = [];
  if (want("pytorch")) {
    if (torch.python) engines.push("pytorch");
    else notes.push(`PyTorch skipped: ${torch.reason}`);
  }
  if (want("wasm")) engines.push("wasm");
  if (want("cpu")) engines.push("cpu");
  if (want("tensorflow")) {
    if (tfjsNodeSkip === null) engines.push("tensorflow");
    else notes.push(`tfjs-node skipped: ${tfjsNodeSkip}`);
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, load ${loadavg()[0]?.toFixed(2)} at start`;
  console.log(`semantic-gps bench — ${machine}`);
  if (torch.python) console.log(`PyTorch: ${torch.reason}, 1 and 2 threads (OMP/OpenBLAS/MKL and torch.set_num_threads)`);
  for (const n of notes) console.log(n);

  const sizes = args.quick ? SIZES.filter((n) => n <= 1024) : [...SIZES];
  const plan: [Workload, number][] = [];
  for (const w of SIZED_WORKLOADS) for (const n of sizes) plan.push([w, n]);
  for (const w of FIXED_WORKLOADS) plan.push([w, 0]);
  const selected = plan.filter(([w]) => args.only === null || args.only.has(w));
  if (selected.length === 0) throw new Error(`--only matched nothing; workloads: ${[...SIZED_WORKLOADS, ...FIXED_WORKLOADS].join(", ")}`);

  const rows: Row[] = [];
  const started = Date.now();
  for (const [w, n0] of selected) {
    const base = makeJob(inputs, w, n0);
    const n = base.n;
    const results: EngineResult[] = [];
    for (const engine of engines) {
      const variants = engine === "pytorch" ? ["pytorch-1t", "pytorch-2t"] : [engine === "tensorflow" ? "tfjs-node" : `tfjs-${engine}`];
      const skip = skipReason(engine, w, n);
      for (const name of variants) {
        if (skip) {
          results.push({ engine: name, skipped: skip });
          continue;
        }
        const job: Job = { ...base, ...counts(engine, w, n, args.quick) };
        const jobPath = join(OUT, "jobs", `${w}-${n}-${name}.json`);
        writeFileSync(jobPath, JSON.stringify(job));
        const t0 = Date.now();
        const r =
          engine === "pytorch"
            ? runChild(torch.python as string, ["bench/torch_reference.py", "--threads", name.endsWith("1t") ? "1" : "2", "--job", jobPath], process.env, name)
            : runChild(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", "bench/worker.ts", jobPath], { ...process.env, SEMANTIC_GPS_BACKEND: engine }, name);
        results.push(r);
        process.stderr.write(
          `  ${w} N=${n} ${name}: ${r.error ? `ERROR ${r.error}` : `${fmtMs(r.median_ms)} ms, value ${r.value}`} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
        );
      }
    }
    rows.push(assess(w, n, results));
  }
  printTable(rows);
  const elapsed = (Date.now() - started) / 1000;
  console.log(`\n${rows.length} rows in ${(elapsed / 60).toFixed(1)} min. Reproduce: npm run bench${args.quick ? " -- --quick" : ""}`);
  const file = join(OUT, "results.json");
  writeFileSync(file, JSON.stringify({ machine, date: new Date().toISOString(), args: { ...args, only: args.only && [...args.only], engines: args.engines && [...args.engines] }, notes, rows }, null, 2));
  console.log(`JSON: ${file}`);
}

function assess(w: Workload, n: number, results: EngineResult[]): Row {
  const torchRuns = results.filter((r) => r.engine.startsWith("pytorch") && r.median_ms !== undefined);
  const best = torchRuns.sort((a, b) => (a.median_ms as number) - (b.median_ms as number))[0];
  const refValue = torchRuns.find((r) => r.value !== undefined)?.value;
  const ratios: Record<string, number | null> = {};
  const valid: Record<string, boolean | null> = {};
  for (const r of results) {
    if (r.value === undefined) continue;
    valid[r.engine] = refValue === undefined ? null : close(r.value, refValue);
    if (r.engine.startsWith("pytorch")) continue;
    ratios[r.engine] = best && valid[r.engine] !== false && r.median_ms !== undefined ? r.median_ms / (best.median_ms as number) : null;
  }
  return { workload: w, description: DESCRIPTIONS[w], n, engines: results, reference: best ? best.engine : null, ratios, valid };
}

function printTable(rows: Row[]): void {
  const head = ["workload", "N", "PyTorch ms", "wasm ms", "ratio", "cpu ms", "peak MB torch/wasm (heap)", "check"];
  const widths = [18, 6, 16, 10, 7, 9, 27, 30];
  console.log("\n" + head.map((h, i) => pad(h, widths[i] as number)).join(" "));
  console.log(widths.map((w) => "-".repeat(w)).join(" "));
  const skips: string[] = [];
  for (const row of rows) {
    const by = (e: string): EngineResult | undefined => row.engines.find((r) => r.engine === e);
    const ref = row.reference ? by(row.reference) : undefined;
    const wasm = by("tfjs-wasm");
    const cpu = by("tfjs-cpu");
    const ratio = row.ratios["tfjs-wasm"];
    const checks: string[] = [];
    for (const [e, ok] of Object.entries(row.valid)) if (ok === false) checks.push(`${e} MISMATCH`);
    for (const r of row.engines) {
      if (r.error) checks.push(`${r.engine} error`);
      if (r.tensors_leaked) checks.push(`${r.engine} leaked ${r.tensors_leaked}`);
      if (r.skipped) skips.push(`${row.workload} N=${row.n} ${r.engine}: ${r.skipped}`);
    }
    if (checks.length === 0) checks.push(Object.values(row.valid).some((v) => v === true) ? "values agree" : "no reference");
    const mem = `${ref?.peak_rss_mb?.toFixed(0) ?? "—"} / ${wasm?.peak_rss_mb?.toFixed(0) ?? "—"} (${wasm?.wasm_heap_mb?.toFixed(0) ?? "—"})`;
    const cells = [
      row.workload,
      String(row.n),
      ref ? `${fmtMs(ref.median_ms)} (${row.reference?.slice(-2)})` : "—",
      wasm?.skipped ? "skip" : fmtMs(wasm?.median_ms),
      ratio == null ? "—" : `${ratio.toFixed(2)}×`,
      cpu?.skipped ? "skip" : fmtMs(cpu?.median_ms),
      mem,
      checks.join(", "),
    ];
    console.log(cells.map((c, i) => pad(c, widths[i] as number, i >= 1 && i <= 5)).join(" "));
  }
  const corpusRows = rows.filter((r) => r.workload === "corpus_mining" || r.workload === "corpus_bruteforce");
  if (corpusRows.length) {
    console.log("\nCorpus mining throughput (queries per second, peak RSS):");
    for (const row of corpusRows) {
      for (const r of row.engines) {
        if (r.median_ms === undefined || r.skipped) continue;
        console.log(`  ${pad(row.workload, 18)} ${pad(r.engine, 12)} ${pad((row.n / (r.median_ms / 1000)).toFixed(0), 8, true)} q/s   ${r.peak_rss_mb?.toFixed(0) ?? "—"} MB`);
      }
    }
  }
  if (skips.length) {
    console.log("\nSkipped:");
    for (const s of new Set(skips.map((s) => s.replace(/ N=\d+/, "")))) console.log(`  ${s}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
