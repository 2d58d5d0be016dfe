// `npm test`: installs what is missing, then runs every test — Rust natively, the npm package's
// wasm in Node, its TypeScript types, the Worker in workerd (wrangler dev) and a small chaos run
// through it, and the package and the agent console in headless Chromium. Each step prints its
// name; the first failure stops it.
import { ensureToolchain, log, run } from './setup.mjs';
import { buildConsole, buildEmulator, buildPackage, buildWorker, formatWorkerSizes } from './build.mjs';
import { fuzzAll } from './fuzz.mjs';

const steps = [
  ['toolchain', () => ensureToolchain({ browser: true, worker: true, fuzz: true })],
  ['rustfmt', () => run('cargo', ['fmt', '--check'])],
  ['clippy (core, emulator, tests)', () => run('cargo', ['clippy', '--all-targets', '--features', 'emulator', '--', '-D', 'warnings'])],
  ['clippy (npm package, wasm32)', () => run('cargo', ['clippy', '--features', 'js', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings'])],
  ['clippy (Worker, wasm32)', () => run('cargo', ['clippy', '--no-default-features', '--features', 'worker', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings'])],
  ['cargo test (unit, black-box, emulator, properties, doc)', () => run('cargo', ['test', '--features', 'emulator'])],
  ['build pkg/ (wasm-pack, wasm-opt)', () => {
    const s = buildPackage();
    log(`pkg wasm ${s.wasm.raw} B raw / ${s.wasm.gzip} B gzip (goal <= 150 KB gzip); JS glue ${s.glue.gzip} + ${s.wrapper.gzip} B gzip`);
  }],
  ['build the emulator (pkg/emulator: web and Node)', () => buildEmulator()],
  ['npm package and emulator in Node (node:test, official SDK)', () => run('node', ['--test', 'tests/js/'])],
  ['TypeScript types (tsc --strict)', () => run('node_modules/.bin/tsc', ['-p', 'tests/js'])],
  ['build the Worker and the console (worker-build, wasm-opt)', () => {
    log(`${formatWorkerSizes(buildWorker())} (goal <= 400 KB gzip)`);
    const c = buildConsole();
    log(`console first load ${c.gzip} B gzip over ${c.files} files (goal <= 250 KB gzip)`);
  }],
  ['Worker in workerd (wrangler dev)', () => run('node', ['--test', 'tests/worker/'])],
  // A small `npm run chaos` (seeded faults, a restart), so the harness cannot rot unnoticed.
  ['chaos: 30 consultations with faults and a Worker restart', () => run('node', ['scripts/chaos.mjs', '--calls', '30', '--skip-build', '--out', 'test-results/chaos.json'])],
  ['npm package, emulator and the agent console in headless Chromium', () => run('node', ['--test', 'tests/browser/'])],
  [`fuzz targets (cargo-fuzz, ${process.env.FUZZ_SECONDS ?? 60} s each)`, () => fuzzAll({ seconds: Number(process.env.FUZZ_SECONDS ?? 60), setup: false })],
];

const started = Date.now();
for (const [name, step] of steps) {
  log(`▶ ${name}`);
  const t = Date.now();
  await step();
  log(`✔ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
log(`all tests passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
