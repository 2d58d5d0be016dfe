// Installs what is missing on a fresh machine (../shared/TOOLCHAIN.md), skipping what is
// already present at the right version. Used by `npm start` and `npm test`; safe to rerun.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cargoBin = join(homedir(), '.cargo', 'bin');

/** PATH with ~/.cargo/bin and node_modules/.bin first (wasm-pack finds wasm-bindgen and wasm-opt there). */
export function toolEnv(extra = {}) {
  return {
    ...process.env,
    PATH: [join(root, 'node_modules', '.bin'), cargoBin, process.env.PATH].join(':'),
    WASM_BINDGEN_BIN: join(cargoBin, 'wasm-bindgen'),
    WASM_OPT_BIN: join(root, 'node_modules', '.bin', 'wasm-opt'),
    ESBUILD_BIN: join(root, 'node_modules', '.bin', 'esbuild'),
    WRANGLER_SEND_METRICS: 'false',
    ...extra,
  };
}

export function log(msg) {
  console.log(`\x1b[36m[setup]\x1b[0m ${msg}`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: toolEnv(), ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
  }
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env: toolEnv(), stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The version of a crate in Cargo.lock (the wasm-bindgen CLI must equal the crate). */
export function lockedVersion(crate) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!m) throw new Error(`${crate} is not in Cargo.lock`);
  return m[1];
}

function ensureCargoTool(bin, crate, version, args) {
  const have = output(join(cargoBin, bin), ['--version']);
  if (have.includes(version)) return;
  log(`installing ${crate} ${version} (have: ${have || 'none'}) — takes a few minutes once`);
  run('cargo', ['install', crate, '--version', `=${version}`, ...args]);
}

function ensureNpm() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dev dependencies');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function ensureWasmTarget() {
  if (output('rustup', ['target', 'list', '--installed']).split('\n').includes('wasm32-unknown-unknown')) return;
  log('adding the wasm32-unknown-unknown target');
  run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
}

/** Debian's Chromium for browser tests (Playwright cannot download one here). */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  log('installing Chromium from apt (about a minute)');
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
  const apt = (args) => run(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', ...args] : args, { env: { ...toolEnv(), DEBIAN_FRONTEND: 'noninteractive' } });
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'chromium', 'chromium-driver']);
}

/** Nightly Rust and cargo-fuzz (libFuzzer) for the fuzz targets in fuzz/ (issue 6). */
export function ensureFuzz() {
  if (!output('rustup', ['toolchain', 'list']).split('\n').some((t) => t.startsWith('nightly'))) {
    log('installing nightly Rust (minimal profile) for cargo-fuzz');
    run('rustup', ['toolchain', 'install', 'nightly', '--profile', 'minimal']);
  }
  ensureCargoTool('cargo-fuzz', 'cargo-fuzz', '0.13.2', ['--locked']);
}

/** Everything the build and the tests need. */
export function ensureToolchain({ worker = false, browser = false, fuzz = false } = {}) {
  ensureNpm();
  ensureWasmTarget();
  if (!existsSync(join(root, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
  ensureCargoTool('wasm-bindgen', 'wasm-bindgen-cli', lockedVersion('wasm-bindgen'), []);
  ensureCargoTool('wasm-pack', 'wasm-pack', '0.15.1', ['--locked']);
  if (worker) ensureCargoTool('worker-build', 'worker-build', lockedVersion('worker'), ['--locked']);
  if (browser) ensureChromium();
  if (fuzz) ensureFuzz();
}
