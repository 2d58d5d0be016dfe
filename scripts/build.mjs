// Builds the npm package (pkg/web, pkg/node) with wasm-pack, then shrinks the wasm with
// binaryen's wasm-opt from npm. `node scripts/build.mjs [--skip-setup]`.
// `node scripts/build.mjs --worker-only [--skip-setup]` builds only the Cloudflare Worker
// (build/, with worker-build); wrangler.toml's `[build] command` runs it.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { ensureToolchain, log, root, run, toolEnv } from './setup.mjs';

/** The Node build's compiler flags (see buildPackage). */
const NODE_RUSTFLAGS = '-C llvm-args=-inline-threshold=40 -C target-feature=+simd128';

const WASM_OPT_FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types'];

/**
 * The browser build (pkg/web) is built for size: a page or an edge bundle downloads it. The Node
 * build (pkg/node) is built for speed (Cargo profile `node`, opt-level 3, the unrolled SHA-256
 * — RUSTFLAGS replaces .cargo/config.toml's compact one —, LLVM's inlining threshold at 40, not
 * 225, which keeps V8's baseline code and so the process's memory near the size build's, wasm
 * SIMD (Node ≥ 16.4 has it; the package asks for 20), which the event reader's string scan uses,
 * the one-pass event reader (feature `fast-reader`; the browser build reads every body with
 * serde, with the same results) and wasm-opt -O3): nothing is downloaded there, and it parses,
 * signs and handles callbacks about 1.5× faster (bench/README.md). Both are the same code with
 * the same tests.
 */
export function buildPackage() {
  for (const target of ['web', 'nodejs']) {
    const node = target === 'nodejs';
    const out = join('pkg', node ? 'node' : target);
    log(`wasm-pack build --target ${target} (${node ? 'for speed' : 'for size'}) → ${out}`);
    run('wasm-pack', ['build', '--target', target, '--out-dir', out, '--out-name', 'switchboard', ...(node ? ['--profile', 'node'] : ['--release']), '--no-pack', '--mode', 'no-install', '--', '--no-default-features', '--features', node ? 'js,fast-reader' : 'js'], node ? { env: toolEnv({ RUSTFLAGS: NODE_RUSTFLAGS }) } : {});
    rmSync(join(root, out, '.gitignore'), { force: true });
    // The nodejs target is CommonJS inside an ESM package.
    if (node) writeFileSync(join(root, out, 'package.json'), '{ "type": "commonjs" }\n');
    const wasm = join(root, out, 'switchboard_bg.wasm');
    // --low-memory-unused: Rust never uses the first KB of memory (its data starts at 1 MiB, its
    // stack grows down from there), which lets wasm-opt fold address offsets into loads and
    // stores (~1 KB gzip).
    run(join(root, 'node_modules', '.bin', 'wasm-opt'), [node ? '-O3' : '-Oz', '--low-memory-unused', '--strip-debug', '--strip-producers', ...WASM_OPT_FEATURES, ...(node ? ['--enable-simd'] : []), wasm, '-o', wasm]);
  }
  return sizes();
}

/**
 * The emulator's wasm, shipped as the package's `./emulator` entry (pkg/emulator/web, pkg/emulator/node)
 * and used by the Node server. Built for speed (profile `emulator`): it signs a JWT per callback.
 */
export function buildEmulator() {
  for (const target of ['web', 'nodejs']) {
    const out = join('pkg', 'emulator', target === 'nodejs' ? 'node' : target);
    log(`wasm-pack build --target ${target} --features js,emulator → ${out}`);
    run('wasm-pack', ['build', '--target', target, '--out-dir', out, '--out-name', 'switchboard_emulator', '--profile', 'emulator', '--no-pack', '--mode', 'no-install', '--', '--no-default-features', '--features', 'js,emulator']);
    rmSync(join(root, out, '.gitignore'), { force: true });
    if (target === 'nodejs') writeFileSync(join(root, out, 'package.json'), '{ "type": "commonjs" }\n');
    const wasm = join(root, out, 'switchboard_emulator_bg.wasm');
    run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-O3', '--strip-debug', '--strip-producers', ...WASM_OPT_FEATURES, wasm, '-o', wasm]);
  }
}

/**
 * The Cloudflare Worker (feature `worker`) into build/: worker-build runs cargo, wasm-bindgen and
 * esbuild (from toolEnv(): WASM_BINDGEN_BIN, ESBUILD_BIN; its own wasm-opt pass is off through
 * Cargo.toml's wasm-pack metadata), then wasm-opt -Oz --strip-debug drops the name section it
 * keeps (~25% gzip). Returns the sizes of the wasm, the JS glue and wrangler's entry shim.
 */
export function buildWorker() {
  log('worker-build --release --no-default-features --features worker → build/');
  // Arguments after the flags worker-build knows go to `cargo build` unchanged.
  run('worker-build', ['--release', '--no-default-features', '--features', 'worker']);
  const wasm = join(root, 'build', 'index_bg.wasm');
  // exception-handling: wasm-bindgen's catch wrappers use try_table; worker-build enables the same set.
  // --low-memory-unused as for the package (buildPackage says why): ~3 KB gzip here.
  // --converge: -Oz again until nothing changes (~0.5 KB gzip here, ~10 s; ~0.1 KB on pkg/web).
  // --gufa: binaryen's whole-program flow analysis, then -Oz over what it simplified (~0.6 KB).
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--gufa', '-Oz', '--converge', '--low-memory-unused', '--strip-debug', '--strip-producers', ...WASM_OPT_FEATURES, '--enable-exception-handling', wasm, '-o', wasm]);
  return workerSizes();
}

/**
 * The agent console as the Worker serves it (build/www): www/ plus the npm package's browser
 * entry (pkg/web.js, pkg/api.js, pkg/web/*), so the page imports the package as any web app would.
 * Needs pkg/ built. Returns the first-load size (every file the page loads), gzip.
 */
export function buildConsole() {
  const out = join(root, 'build', 'www');
  rmSync(out, { recursive: true, force: true });
  cpSync(join(root, 'www'), out, { recursive: true });
  for (const f of ['web.js', 'api.js', 'web/switchboard.js', 'web/switchboard_bg.wasm']) {
    mkdirSync(dirname(join(out, 'pkg', f)), { recursive: true });
    copyFileSync(join(root, 'pkg', f), join(out, 'pkg', f));
  }
  // The API document, served by the Worker at /api/openapi.json from here (not in its bundle).
  copyFileSync(join(root, 'src', 'api', 'openapi.json'), join(out, 'openapi.json'));
  return consoleSizes();
}

/** Gzip size of everything the console's first load fetches. */
export function consoleSizes() {
  const out = join(root, 'build', 'www');
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.(html|js|css|wasm|svg)$/.test(e.name)) files.push(join(d, e.name)); // not openapi.json: not loaded by the page
    }
  };
  walk(out);
  const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  return { files: files.length, gzip };
}

/** Raw and gzip -9 sizes of the Worker's wasm, its JS glue and the entry shim wrangler loads. */
export function workerSizes() {
  const wasm = measure('build/index_bg.wasm');
  const glue = measure('build/index.js');
  const shim = measure('build/worker/shim.mjs');
  return { wasm, glue, shim, totalGzip: wasm.gzip + glue.gzip + shim.gzip };
}

function measure(f) {
  const bytes = readFileSync(join(root, f));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Raw and gzip -9 sizes of the package's wasm and glue. */
export function sizes() {
  return {
    wasm: measure('pkg/web/switchboard_bg.wasm'),
    glue: measure('pkg/web/switchboard.js'),
    wrapper: measure('pkg/api.js'),
  };
}

/** The Worker's sizes as one log line. */
export function formatWorkerSizes(s) {
  return `worker wasm ${s.wasm.raw} B raw / ${s.wasm.gzip} B gzip; JS glue ${s.glue.raw} B raw / ${s.glue.gzip} B gzip; shim ${s.shim.gzip} B gzip; total ${s.totalGzip} B gzip`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const workerOnly = process.argv.includes('--worker-only');
  if (!process.argv.includes('--skip-setup')) ensureToolchain({ worker: workerOnly });
  if (workerOnly) {
    // What `wrangler dev` / `wrangler deploy` serve: the Worker and the console beside it.
    if (!existsSync(join(root, 'pkg', 'web', 'switchboard_bg.wasm'))) buildPackage();
    log(formatWorkerSizes(buildWorker()));
    const c = buildConsole();
    log(`console first load: ${c.files} files, ${c.gzip} B gzip`);
  } else {
    const s = buildPackage();
    buildEmulator();
    log(`pkg wasm ${s.wasm.raw} B raw / ${s.wasm.gzip} B gzip; glue ${s.glue.gzip} B gzip; wrapper ${s.wrapper.gzip} B gzip`);
  }
}
