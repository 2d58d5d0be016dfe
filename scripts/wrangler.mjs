// Runs the built Worker (build/, from `node scripts/build.mjs --worker-only`) in real workerd
// through `wrangler dev`, for tests.
//
// wrangler is started directly from node_modules/.bin (an `npx` wrapper, once killed, leaves
// workerd running) in its own process group, and stopped by signalling that group, so the
// workerd children die with it.
//
// wrangler dev always runs `[build] command` on start (twice: once more when its file watcher
// is ready) and again on every change under src/. Tests run the artifact the test runner has
// just built, and must not reload while someone edits src/, so they start wrangler with a copy
// of wrangler.toml without its `[build]` table (written to a temporary directory, with `main`
// made absolute): no build, no watcher on src/.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** wrangler from node_modules (not `npx`: see above). */
export const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');

/** A free loopback TCP port (closed again right away: a small race, fine for tests). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** wrangler.toml without `[build]`, with `main` absolute, written into `dir`. */
export function buildlessConfig(dir) {
  const source = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  const lines = [];
  let inBuild = false;
  let sawBuild = false;
  let sawMain = false;
  for (const line of source.split('\n')) {
    if (/^\s*\[/.test(line)) inBuild = /^\s*\[build\]\s*(#.*)?$/.test(line);
    if (inBuild) {
      sawBuild = true;
      continue;
    }
    const dir = line.match(/^directory\s*=\s*"([^"]+)"\s*$/);
    if (dir) {
      lines.push(`directory = ${JSON.stringify(join(root, dir[1]))}`);
      continue;
    }
    const main = line.match(/^main\s*=\s*"([^"]+)"\s*$/);
    if (main) {
      sawMain = true;
      const entry = join(root, main[1]);
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`node scripts/build.mjs --worker-only\` first`);
      lines.push(`main = ${JSON.stringify(entry)}`);
      continue;
    }
    lines.push(line);
  }
  if (!sawBuild || !sawMain) throw new Error('wrangler.toml changed shape: expected `main = "…"` and a `[build]` table');
  const path = join(dir, 'wrangler.toml');
  writeFileSync(path, lines.join('\n'));
  return path;
}

const groupAlive = (pid) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts `wrangler dev` on 127.0.0.1 and resolves once `GET /api/health` answers 200
 * (`readyStatus`: another status, for a Worker configured not to be healthy).
 * `persistTo`: Durable Object storage directory (reuse it to keep state across restarts).
 * `vars`: `--var K:V` overrides of wrangler.toml's `[vars]`.
 * Resolves to `{ url, startMs, output(), stop() }`; `stop()` ends wrangler and its workerd children.
 */
export async function startWrangler({ port, persistTo, vars = {}, inspectorPort = null, timeoutMs = 90_000, readyStatus = 200 } = {}) {
  if (!persistTo) throw new Error('startWrangler: persistTo is required (a fresh temporary directory for a clean slate)');
  port ??= await freePort();
  const configDir = mkdtempSync(join(tmpdir(), 'switchboard-wrangler-'));
  const config = buildlessConfig(configDir);
  const args = ['dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo, '--show-interactive-dev-session=false', '--log-level', 'log'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  // Never wrangler's default inspector port (9229): a second wrangler dev on this machine (an
  // `npm start` left running while `npm test` runs, two test files) would fail to bind it.
  args.push('--inspector-port', String(inspectorPort ?? (await freePort())));

  const started = Date.now();
  const child = spawn(wranglerBin, args, {
    cwd: root,
    detached: true, // its own process group: stop() signals wrangler and workerd together
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own dev registry and log directory: wrangler dev sessions sharing
    // ~/.config/.wrangler/registry reload each other whenever one starts or stops (a test's
    // Worker was reloaded mid-request by a chaos run beside it), and the debug log grows by
    // ~70 MB per thousand calls.
    env: {
      WRANGLER_REGISTRY_PATH: join(configDir, 'registry'),
      WRANGLER_LOG_PATH: join(configDir, 'logs'),
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CI: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-64_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  // Should the test process end without stop() (an uncaught error, process.exit), take the
  // detached group with it rather than leave workerd running.
  const killOnExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    rmSync(configDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (groupAlive(child.pid)) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const deadline = Date.now() + 10_000;
      while (groupAlive(child.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(child.pid)) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
    }
    await exit;
    rmSync(configDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`wrangler dev exited (${exited.code ?? exited.signal}) before answering:\n${log}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /api/health within ${timeoutMs} ms:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === readyStatus) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, startMs: Date.now() - started, output: () => log, stop };
}
