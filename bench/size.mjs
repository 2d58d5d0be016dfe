// Size, ours against the SDK (bench/compare.mjs): what a web handler downloads, raw and
// gzip -9. Ours: pkg/web's wasm plus the minimal handler (bench/edge/ours.mjs) bundled with
// esbuild (the package's JS: web.js, api.js and the wasm-bindgen glue). Theirs: the same handler
// on the SDK (bench/edge/sdk.mjs) bundled the same way (browser platform, minified, `node:fs`
// external). And what the wasm's bytes are, by twiggy on a build that keeps its names.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const measure = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });

/** `{ours: {wasm, js, total}, sdk: {js, total}}`, each `{raw, gzip}` in bytes. */
export function sizes(bundles) {
  const wasm = measure(bundles.ours.wasm);
  const js = measure(Buffer.from(bundles.ours.js));
  const sdk = measure(Buffer.from(bundles.sdk.js));
  return {
    ours: { wasm, js, total: { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip } },
    sdk: { js: sdk, total: sdk },
  };
}

/** Groups a twiggy item name into what it belongs to (crate, our module, data, …). */
function owner(name) {
  if (/^data segment|^"function names"|^"data names"|^custom section/.test(name)) return 'data (strings, tables)';
  if (/ multivalue shim$|^[a-zA-Z_]+$/.test(name)) return 'wasm-bindgen exports (with what got inlined into them)';
  // Formatting and string machinery (`<f64 as core::fmt::Display>`: serde's error messages).
  if (/(^|<|as |&)(core|alloc|std)(\[[0-9a-f]+\])?::/.test(name) && !/switchboard::/.test(name)) return 'Rust std (alloc, fmt, str, …)';
  if (/^<?(code|elem|table|func)\[\d+\]/.test(name)) return 'unnamed (tables, glue)';
  const m = name.match(/^(?:<)?(?:&(?:mut )?)?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::(?:([a-z_][a-z0-9_]*)::)?/);
  if (!m) return 'other';
  const [, krate, module] = m;
  if (krate === 'switchboard') return `switchboard::${module ?? ''}`;
  if (krate === 'alloc' || krate === 'core' || krate === 'std' || krate === '__rustc') return 'Rust std (alloc, fmt, str, …)';
  return krate;
}

/**
 * What the package's wasm is made of: twiggy over `namedWasm` (a wasm-opt -Oz build that keeps
 * the name section), grouped by owner. `{total, groups: [{owner, bytes, share}], top: [...]}`.
 */
export function twiggy(namedWasm) {
  let rows;
  try {
    rows = JSON.parse(execFileSync('twiggy', ['top', '-f', 'json', namedWasm], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  } catch (e) {
    return { error: `twiggy failed (cargo install twiggy): ${e.message.split('\n')[0]}` };
  }
  // The name sections only exist in this build (the shipped wasm has none).
  rows = rows.filter((r) => !/^"(function|data|local|type|global|elem|table|memory|label|module) names"/.test(r.name) && !/name section/.test(r.name));
  const total = rows.reduce((n, r) => n + r.shallow_size, 0);
  const groups = new Map();
  for (const r of rows) groups.set(owner(r.name), (groups.get(owner(r.name)) ?? 0) + r.shallow_size);
  const share = (b) => Number(((100 * b) / total).toFixed(1));
  return {
    total,
    groups: [...groups].sort((a, b) => b[1] - a[1]).map(([o, bytes]) => ({ owner: o, bytes, share: share(bytes) })),
    top: rows.slice(0, 12).map((r) => ({ item: r.name.slice(0, 110), bytes: r.shallow_size, share: share(r.shallow_size) })),
  };
}

/**
 * A named copy of the package's wasm from cargo's output (`target/.../switchboard.wasm`, as
 * `wasm-pack` left it), through wasm-bindgen and `wasm-opt -Oz -g`. Returns its path (in a
 * temporary directory the caller removes) or null.
 */
export function namedBuild(root, wasmOpt, features) {
  const input = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'switchboard.wasm');
  if (!existsSync(input)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-twiggy-'));
  execFileSync('wasm-bindgen', [input, '--out-dir', dir, '--target', 'web', '--keep-debug'], { stdio: 'ignore' });
  const out = join(dir, 'named.wasm');
  execFileSync(wasmOpt, ['-Oz', '-g', ...features, join(dir, 'switchboard_bg.wasm'), '-o', out], { stdio: 'ignore' });
  // The Worker build writes the same path: make sure this is the package's (it exports parseEventCode).
  if (!readFileSync(join(dir, 'switchboard.js'), 'utf8').includes('parseEventCode')) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return out;
}
