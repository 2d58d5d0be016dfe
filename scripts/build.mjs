// Builds the npm package (pkg/web, pkg/node) with wasm-pack, then shrinks the wasm with
// binaryen's wasm-opt from npm. `node scripts/build.mjs [--skip-setup]`.
import { readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ensureToolchain, log, root, run } from './setup.mjs';

const WASM_OPT_FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types'];

export function buildPackage() {
  for (const target of ['web', 'nodejs']) {
    const out = join('pkg', target === 'nodejs' ? 'node' : target);
    log(`wasm-pack build --target ${target} → ${out}`);
    run('wasm-pack', ['build', '--target', target, '--out-dir', out, '--out-name', 'switchboard', '--release', '--no-pack', '--mode', 'no-install', '--', '--no-default-features', '--features', 'js']);
    rmSync(join(root, out, '.gitignore'), { force: true });
    // The nodejs target is CommonJS inside an ESM package.
    if (target === 'nodejs') writeFileSync(join(root, out, 'package.json'), '{ "type": "commonjs" }\n');
    const wasm = join(root, out, 'switchboard_bg.wasm');
    run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', ...WASM_OPT_FEATURES, wasm, '-o', wasm]);
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

/** Raw and gzip -9 sizes of the package's wasm and glue. */
export function sizes() {
  const measure = (f) => {
    const bytes = readFileSync(join(root, f));
    return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  return {
    wasm: measure('pkg/web/switchboard_bg.wasm'),
    glue: measure('pkg/web/switchboard.js'),
    wrapper: measure('pkg/api.js'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv.includes('--skip-setup')) ensureToolchain();
  const s = buildPackage();
  buildEmulator();
  log(`pkg wasm ${s.wasm.raw} B raw / ${s.wasm.gzip} B gzip; glue ${s.glue.gzip} B gzip; wrapper ${s.wrapper.gzip} B gzip`);
}
