// The Node reference, @far-analytics/persistence, on the workloads of this repository's JMH
// benchmarks (LockUncontendedBenchmark, LockMixedTreeBenchmark, ClientBenchmark), each beside an
// in-script raw-Node baseline measured in the same seconds. Dependency-free apart from the package.
// Usage: node bench.mjs [--reps 5] [--secs 2] [--warmup 1] [--only REGEX] [--dir DIR]
//                       [--package NAME_OR_PATH] [--json FILE]
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as pth from "node:path";
import { fileURLToPath } from "node:url";

const here = pth.dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    reps: { type: "string", default: "5" },
    secs: { type: "string", default: "2" },
    warmup: { type: "string", default: "1" },
    only: { type: "string", default: "" },
    dir: { type: "string", default: pth.resolve(here, "../target/node-bench") },
    package: { type: "string", default: process.env.PERSISTENCE_PACKAGE ?? "@far-analytics/persistence" },
    json: { type: "string", default: "" },
  },
});
const REPS = Number(opt.reps);
const SECS = Number(opt.secs);
const WARMUP = Number(opt.warmup);
const ONLY = new RegExp(opt.only);

// ---- the package under test: by name from node_modules, or a built checkout given by path ----
const require = createRequire(import.meta.url);
const spec = opt.package.startsWith(".") || opt.package.startsWith("/") ? pth.resolve(opt.package) : opt.package;
const entry = require.resolve(spec);
const { Client, LockManager } = require(entry);
const version = packageVersion(entry);

function packageVersion(file) {
  for (let d = pth.dirname(file); d !== pth.dirname(d); d = pth.dirname(d)) {
    const p = pth.join(d, "package.json");
    if (fs.existsSync(p)) {
      const json = JSON.parse(fs.readFileSync(p, "utf8"));
      if (json.name === "@far-analytics/persistence") return json.version;
    }
  }
  return "unknown";
}

// ---- measurement ----
/** Runs `workers` loops of `op` (each op counts `per` operations) for `secs`; returns ops/s. */
async function rate(op, secs, workers = 1, per = 1) {
  let done = 0;
  const t0 = performance.now();
  const end = t0 + secs * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      await op();
      done += per;
    }
  };
  const loops = [];
  for (let i = 0; i < workers; i++) loops.push(loop());
  await Promise.all(loops);
  return done / ((performance.now() - t0) / 1000);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/**
 * Measures a subject and its baseline in alternating runs (subject first on even repetitions,
 * baseline first on odd ones), after one discarded warm-up run of each. `make*` return a fresh
 * { op, close } per run so that file workloads start each run in a new directory.
 */
async function pair(name, makeSubject, makeBaseline, { workers = 1, per = 1 } = {}) {
  if (!ONLY.test(name)) return;
  const once = async (make, secs) => {
    const run = await make();
    try {
      return await rate(run.op, secs, workers, per);
    } finally {
      await run.close?.();
    }
  };
  if (WARMUP > 0) {
    await once(makeSubject, WARMUP);
    await once(makeBaseline, WARMUP);
  }
  const subject = [];
  const baseline = [];
  for (let r = 0; r < REPS; r++) {
    if (r % 2 === 0) {
      subject.push(await once(makeSubject, SECS));
      baseline.push(await once(makeBaseline, SECS));
    } else {
      baseline.push(await once(makeBaseline, SECS));
      subject.push(await once(makeSubject, SECS));
    }
  }
  const ratios = subject.map((s, i) => s / baseline[i]);
  const row = { name, subject, baseline, ratios };
  results.push(row);
  const f = (xs) => `${fmt(mean(xs))} ± ${fmt(sd(xs))}`;
  console.log(`${name.padEnd(44)} ${f(subject).padStart(24)} ${f(baseline).padStart(24)}   ${mean(ratios).toFixed(3)} ± ${sd(ratios).toFixed(3)}`);
}

function fmt(x) {
  return x >= 1e6 ? `${(x / 1e6).toFixed(3)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(2)} k` : x.toFixed(1);
}

// ---- the raw-Node lock baseline: one global FIFO read/write lock, promise-based ----
/** Readers share, a writer excludes everyone; a request waits if anyone is queued before it. */
class GlobalFifoRwLock {
  readers = 0;
  writer = false;
  queue = [];

  acquire(write) {
    if (this.queue.length === 0 && !this.writer && (!write || this.readers === 0)) {
      this.#grant(write);
      return Promise.resolve(write);
    }
    return new Promise((resolve) => this.queue.push({ write, resolve }));
  }

  release(write) {
    if (write) this.writer = false;
    else this.readers--;
    while (this.queue.length && !this.writer && (!this.queue[0].write || this.readers === 0)) {
      const next = this.queue.shift();
      this.#grant(next.write);
      next.resolve(next.write);
    }
  }

  #grant(write) {
    if (write) this.writer = true;
    else this.readers++;
  }
}

// ---- workloads ----
const results = [];
const static_ = (op) => () => ({ op });

async function locks() {
  const path = "/lockbench/a/b/c";
  for (const mode of ["read", "write"]) {
    const manager = new LockManager();
    const global = new GlobalFifoRwLock();
    const w = mode === "write";
    await pair(
      `uncontended ${mode.toUpperCase()} /lockbench/a/b/c`,
      static_(async () => manager.release(await manager.acquire(path, mode))),
      static_(async () => global.release(await global.acquire(w))),
    );
  }

  // 90 % READ / 10 % WRITE on /lockbench/n0..n9 paths of 1 to 4 segments, a fixed seeded sequence.
  const WORKLOAD = 1 << 14;
  const random = splitmix32(17);
  const paths = [];
  const writes = [];
  for (let i = 0; i < WORKLOAD; i++) {
    const depth = 1 + (random() % 4);
    let p = "/lockbench";
    for (let d = 0; d < depth; d++) p += `/n${random() % 10}`;
    paths.push(p);
    writes.push(random() % 10 === 0);
  }
  const manager = new LockManager();
  const global = new GlobalFifoRwLock();
  let at = 0;
  const next = () => (at = (at + 1) & (WORKLOAD - 1));
  await pair(
    "mixed tree, 1 in flight (sequential awaits)",
    static_(async () => {
      const i = next();
      manager.release(await manager.acquire(paths[i], writes[i] ? "write" : "read"));
    }),
    static_(async () => {
      const i = next();
      global.release(await global.acquire(writes[i]));
    }),
  );
  const outstanding = (acquire, release) => async () => {
    const pending = [];
    const modes = [];
    for (let k = 0; k < 64; k++) {
      const i = next();
      modes.push(writes[i]);
      pending.push(acquire(i));
    }
    for (let k = 0; k < 64; k++) release(await pending[k], modes[k]);
  };
  await pair(
    "mixed tree, 64 outstanding",
    static_(outstanding((i) => manager.acquire(paths[i], writes[i] ? "write" : "read"), (id) => manager.release(id))),
    static_(outstanding((i) => global.acquire(writes[i]), (w) => global.release(w))),
    { per: 64 },
  );
}

/** A 32-bit SplitMix generator: the same sequence on every run. */
function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const KIB = Buffer.alloc(1024, 7);
const READ_FILES = 1000;

async function files(base) {
  // Reads: 1,000 files of 1 KiB in one directory, picked at random.
  const readDir = pth.join(base, `read-${process.pid}`);
  await fsp.mkdir(readDir, { recursive: true });
  for (let i = 0; i < READ_FILES; i++) await fsp.writeFile(pth.join(readDir, `r${i}`), KIB);
  const readPath = () => pth.join(readDir, `r${Math.floor(Math.random() * READ_FILES)}`);
  const reader = new Client({ manager: new LockManager() });
  if ((await reader.read(readPath())).length !== KIB.length) throw new Error("client read the wrong size");
  for (const workers of [1, 16]) {
    await pair(
      `read 1 KiB, ${workers} in flight`,
      static_(() => reader.read(readPath())),
      static_(() => fsp.readFile(readPath())),
      { workers },
    );
  }
  await fsp.rm(readDir, { recursive: true, force: true });

  // Writes: new files in a fresh directory per run, client against the same calls made raw.
  let runs = 0;
  const inFreshDir = (write) => async () => {
    const dir = pth.join(base, `write-${process.pid}-${runs++}`);
    await fsp.mkdir(dir, { recursive: true });
    let n = 0;
    return {
      op: () => write(dir, `w${n++}.bin`),
      close: async () => {
        // Every write left exactly its file: no temp file, none missing.
        const left = (await fsp.readdir(dir)).length;
        if (left !== n) throw new Error(`${dir}: ${left} entries after ${n} writes`);
        await fsp.rm(dir, { recursive: true, force: true });
      },
    };
  };
  for (const durable of [false, true]) {
    const client = new Client({ manager: new LockManager(), durable });
    for (const workers of [1, 16]) {
      await pair(
        `write 1 KiB new file, ${durable ? "durable" : "non-durable"}, ${workers} in flight`,
        inFreshDir((dir, name) => client.write(pth.join(dir, name), KIB)),
        inFreshDir((dir, name) => rawWrite(dir, name, durable)),
        { workers },
      );
    }
  }
}

/** Temp file + rename; durable: the temp file fsynced before the rename, the directory after it. */
async function rawWrite(dir, name, durable) {
  const temp = pth.join(dir, `.${name}.tmp`);
  await fsp.writeFile(temp, KIB, durable ? { flush: true } : undefined);
  await fsp.rename(temp, pth.join(dir, name));
  if (durable) {
    const fh = await fsp.open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

// ---- main ----
const FS_TYPES = { 0xef53: "ext2/3/4", 0x01021994: "tmpfs", 0x58465342: "xfs", 0x9123683e: "btrfs", 0x794c7630: "overlayfs" };
await fsp.mkdir(opt.dir, { recursive: true });
const statfs = fs.statfsSync(opt.dir);
const header = {
  package: `@far-analytics/persistence ${version} (${entry})`,
  node: process.version,
  started: new Date().toISOString(),
  loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}`,
  dir: `${opt.dir} (${FS_TYPES[statfs.type] ?? `fs type 0x${statfs.type.toString(16)}`})`,
  runs: `${REPS} × ${SECS} s per side, alternating, after ${WARMUP} s warm-up per side; mean ± sample standard deviation over the repetitions`,
};
for (const [k, v] of Object.entries(header)) console.log(`# ${k}: ${v}`);
console.log(`${"workload".padEnd(44)} ${"persistence ops/s".padStart(24)} ${"raw-Node baseline ops/s".padStart(24)}   per-pair ratio`);
console.log("# locks: baseline = one in-script global FIFO read/write lock (promise-based)");
await locks();
console.log("# files: baseline = fs.promises.readFile; writeFile(temp) + rename (+ fsync of temp and directory when durable)");
await files(opt.dir);
header.finished = new Date().toISOString();
header.loadavgAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`# finished: ${header.finished}, loadavg ${header.loadavgAtEnd}`);
if (opt.json) await fsp.writeFile(opt.json, JSON.stringify({ header, results }, null, 2));
