// The package against the official @azure/communication-call-automation 1.6.0 SDK, side by
// side (`npm run bench` runs it after building pkg/ and the criterion bench; alone:
// `node bench/compare.mjs`). Prints one table and writes bench/results.json. What each figure
// measures, and what dominates it, is in bench/README.md.
//
// In this process, interleaved: parse, build + sign (after the equality check, which fails the
// run), a callback end to end. In fresh processes: cold start (node, workerd), RSS. Then sizes
// (esbuild bundles, gzip -9, twiggy) and the native ceiling (criterion's estimates).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { run as inProcess } from './node.mjs';
import { edgeBundles, nodeColdStart, workerdColdStart } from './cold.mjs';
import { rss } from './rss.mjs';
import { namedBuild, sizes, twiggy } from './size.mjs';
import { workerdWorkerColdStart } from './worker-cold.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WASM_OPT_FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types'];

const log = (s = '') => console.log(s);
const kb = (b) => `${(b / 1000).toFixed(1)} KB`; // decimal, as the issue writes sizes

/** MB/s of criterion's median for `bench` over `bytes` per iteration, or null. */
function criterion(bench, bytes) {
  const f = join(root, 'target', 'criterion', 'parse', bench, 'new', 'estimates.json');
  if (!existsSync(f)) return null;
  const ns = JSON.parse(readFileSync(f, 'utf8')).median.point_estimate;
  return Math.round((bytes / ns) * 1e3); // bytes/ns → MB/s
}

/** The Worker bundle (build/), if built: raw and gzip -9 of its wasm and JS. */
function workerBundle() {
  const wasm = join(root, 'build', 'index_bg.wasm');
  const js = join(root, 'build', 'index.js');
  if (!existsSync(wasm) || !existsSync(js)) return null;
  const m = (f) => {
    const b = readFileSync(f);
    return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
  };
  return { wasm: m(wasm), js: m(js) };
}

log(`Switchboard against @azure/communication-call-automation 1.6.0 — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
log('');
const started = loadavg()[0];
const speed = await inProcess({ log });
log('');
log('cold start (fresh processes, interleaved, median) …');
const cold = nodeColdStart();
const bundles = await edgeBundles();
const workerd = await workerdColdStart(bundles);
const worker = await workerdWorkerColdStart();
log('RSS after 100,000 events (fresh processes) …');
const memory = rss();
const size = sizes(bundles);
const named = namedBuild(root, join(root, 'node_modules', '.bin', 'wasm-opt'), WASM_OPT_FEATURES);
const bytesOf = named ? twiggy(named) : { error: 'no named build (run after `node scripts/build.mjs`)' };
if (named) rmSync(dirname(named), { recursive: true, force: true });
const native = { typed_mb_per_s: criterion('typed', speed.corpus.bytes), value_mb_per_s: criterion('value', speed.corpus.bytes) };
const workerSize = workerBundle();

const goals = [
  ['build ≥ 10× the SDK', speed.build.ratio, speed.build.ratio >= 10, `×${speed.build.ratio}`],
  ['callback ≥ 10× the SDK', speed.callback.ratio, speed.callback.ratio >= 10, `×${speed.callback.ratio}`],
  ['parse ≥ 3× the SDK', speed.parse.ratio, speed.parse.ratio >= 3, `×${speed.parse.ratio}`],
  ['cold start ≤ ½ the SDK (node)', cold.ours / cold.sdk, cold.ours <= cold.sdk / 2, `${cold.ours} / ${cold.sdk} ms = ${(cold.ours / cold.sdk).toFixed(2)} (beyond a bare node's ${cold.bare} ms: ours ${(cold.ours - cold.bare).toFixed(1)}, the SDK's ${(cold.sdk - cold.bare).toFixed(1)})`],
  ['RSS ≤ the SDK', memory.ours / memory.sdk, memory.ours <= memory.sdk, `${memory.ours} / ${memory.sdk} MB`],
  ['wasm + glue gzip ≤ 1.5× the SDK handler', size.ours.total.gzip / size.sdk.total.gzip, size.ours.total.gzip <= 1.5 * size.sdk.total.gzip, `${kb(size.ours.total.gzip)} / ${kb(size.sdk.total.gzip)} = ${(size.ours.total.gzip / size.sdk.total.gzip).toFixed(2)}×`],
  ['typed parse within 2× of serde_json::Value (native)', native.typed_mb_per_s && native.value_mb_per_s / native.typed_mb_per_s, native.typed_mb_per_s !== null && native.typed_mb_per_s * 2 >= native.value_mb_per_s, `${native.typed_mb_per_s} vs ${native.value_mb_per_s} MB/s`],
];

const row = (cells) => `| ${cells.join(' | ')} |`;
log('');
log(row(['work', 'ours', 'official SDK', 'ours / SDK']));
log(row(['---', '---:', '---:', '---:']));
log(row([`parse one callback (${speed.corpus.bodies} bodies, 16 types + unknown)`, `${speed.parse.ours_ops_per_s.toLocaleString('en')} /s`, `${speed.parse.sdk_ops_per_s.toLocaleString('en')} /s`, `×${speed.parse.ratio}`]));
log(row([`build + sign one request (${speed.requests.length} operations)`, `${speed.build.ours_ops_per_s.toLocaleString('en')} /s`, `${speed.build.sdk_ops_per_s.toLocaleString('en')} /s`, `×${speed.build.ratio}`]));
log(row([`callback end to end (${speed.handler.callbacks} callbacks → ${speed.handler.requests} requests)`, `${speed.callback.ours_ops_per_s.toLocaleString('en')} /s`, `${speed.callback.sdk_ops_per_s.toLocaleString('en')} /s`, `×${speed.callback.ratio}`]));
log(row(['cold start, fresh node (bare node)', `${cold.ours} ms`, `${cold.sdk} ms`, `${(cold.ours / cold.sdk).toFixed(2)} (bare ${cold.bare} ms)`]));
if (workerd.error) log(row(['cold start, fresh workerd', 'n/a', 'n/a', workerd.error.slice(0, 80)]));
else log(row(['cold start, fresh workerd (bare worker)', `${workerd.ours} ms`, `${workerd.sdk} ms`, `${(workerd.ours / workerd.sdk).toFixed(2)} (bare ${workerd.bare} ms)`]));
if (worker.error) log(row(['cold start, the Worker in workerd', 'n/a', '—', worker.error.slice(0, 80)]));
else log(row(['cold start, the Worker in workerd (first event)', `${worker.worker} ms`, '—', `(bare worker ${worker.bare} ms)`]));
log(row(['handler download, gzip -9 (raw)', `${kb(size.ours.total.gzip)} (${kb(size.ours.total.raw)})`, `${kb(size.sdk.total.gzip)} (${kb(size.sdk.total.raw)})`, `${(size.ours.total.gzip / size.sdk.total.gzip).toFixed(2)}×`]));
log(row(['  of which wasm / JS, gzip', `${kb(size.ours.wasm.gzip)} / ${kb(size.ours.js.gzip)}`, `— / ${kb(size.sdk.js.gzip)}`, '']));
if (workerSize) log(row(['the Worker bundle, gzip (wasm + JS)', `${kb(workerSize.wasm.gzip + workerSize.js.gzip)}`, '—', '']));
log(row(['RSS after 100,000 events', `${memory.ours} MB`, `${memory.sdk} MB`, `${(memory.ours / memory.sdk).toFixed(2)}`]));
log(row(['native typed parse (serde_json::Value)', `${native.typed_mb_per_s} MB/s`, `(${native.value_mb_per_s} MB/s)`, '']));
log('');
if (!bytesOf.error) {
  log(`what the wasm is (twiggy, ${kb(bytesOf.total)} with names stripped):`);
  for (const g of bytesOf.groups.slice(0, 12)) log(`  ${String(g.share).padStart(5)} %  ${kb(g.bytes).padStart(9)}  ${g.owner}`);
  log('');
} else log(bytesOf.error);
for (const [goal, , met, detail] of goals) log(`${met ? 'met    ' : 'NOT MET'}  ${goal}: ${detail}`);

const results = {
  parse: speed.parse,
  build: speed.build,
  callback: speed.callback,
  cold_start_ms: { ours: cold.ours, sdk: cold.sdk },
  bundle_gzip_bytes: { ours: size.ours.total.gzip, sdk: size.sdk.total.gzip },
  rss_mb: { ours: memory.ours, sdk: memory.sdk },
  native,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}`, load_average_at_start: Number(started.toFixed(2)) },
  date: new Date().toISOString(),
  goals: Object.fromEntries(goals.map(([g, , met, detail]) => [g, { met, detail }])),
  details: {
    corpus: speed.corpus,
    requests: speed.requests,
    handler: speed.handler,
    cold_start_ms: { node: cold, workerd, worker },
    sizes: { ...size, worker: workerSize },
    rss_mb: memory,
    wasm_bytes: bytesOf,
  },
};
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
log('');
log('wrote bench/results.json');
