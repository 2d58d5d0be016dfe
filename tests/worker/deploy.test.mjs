// The production deploy, as far as it goes without a Cloudflare account: `wrangler deploy --env
// production --dry-run` on the built Worker validates wrangler.toml's production environment and
// bundles the upload. Bindings are not inherited by environments, so a Durable Object or rate
// limiter added at the top level and forgotten under [env.production] would only show as a
// runtime error in production; this test compares the two lists, checks that every Durable
// Object class is exported by the bundle, that the tenants stay a secret, and that the upload
// fits the Workers plan limits.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildlessConfig, root, wranglerBin } from '../../scripts/wrangler.mjs';

/** `[[…durable_objects.bindings]]` / `[[…ratelimits]]` entries of wrangler.toml, by environment. */
function declared(toml) {
  const out = { top: { durableObjects: [], ratelimits: [] }, production: { durableObjects: [], ratelimits: [] } };
  let current = null;
  for (const line of toml.split('\n')) {
    const table = line.match(/^\s*\[\[(env\.production\.)?(durable_objects\.bindings|ratelimits)\]\]/);
    if (table) {
      current = { env: table[1] ? 'production' : 'top', list: table[2] === 'ratelimits' ? 'ratelimits' : 'durableObjects', entry: {} };
      out[current.env][current.list].push(current.entry);
      continue;
    }
    if (/^\s*\[/.test(line)) current = null;
    const kv = line.match(/^\s*(name|class_name)\s*=\s*"([^"]+)"/);
    if (current && kv) current.entry[kv[1]] = kv[2];
  }
  return out;
}

test('wrangler.toml: the production environment declares every binding the local one has', () => {
  const d = declared(readFileSync(join(root, 'wrangler.toml'), 'utf8'));
  assert.ok(d.top.durableObjects.length >= 3, 'CALLS, TENANT_INDEX and QUEUES at the top level');
  assert.deepEqual(d.production.durableObjects, d.top.durableObjects);
  assert.deepEqual(d.production.ratelimits.map((r) => r.name), d.top.ratelimits.map((r) => r.name));
});

test('wrangler deploy --env production --dry-run: bindings, exported classes, secrets, size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-deploy-'));
  try {
    const config = buildlessConfig(dir);
    const outdir = join(dir, 'out');
    const r = spawnSync(wranglerBin, ['deploy', '--config', config, '--env', 'production', '--dry-run', '--outdir', outdir], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(dir, 'logs'), CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.match(output, /--dry-run: exiting now/);

    // What the deployed Worker would be bound to.
    const { top } = declared(readFileSync(join(root, 'wrangler.toml'), 'utf8'));
    for (const { name, class_name } of top.durableObjects) {
      assert.match(output, new RegExp(`env\\.${name} \\(${class_name}\\)\\s+Durable Object`), `${name} bound in production`);
    }
    for (const limiter of ["AGENT_LIMITER", "AUTH_LIMITER"]) assert.match(output, new RegExp(`env\\.${limiter} .*Rate Limit`));
    assert.match(output, /env\.ASSETS\s+Assets/);
    assert.match(output, /env\.ACS_MODE \("acs"\)/, 'production talks to ACS, not the emulator');
    assert.doesNotMatch(output, /env\.TENANTS\b/, 'the tenants (access keys) are a secret, never a var');

    // Every Durable Object class is exported by the bundle that would be uploaded.
    const files = readdirSync(outdir);
    const shim = files.find((f) => /\.m?js$/.test(f) && !f.endsWith('.map'));
    assert.ok(shim, `a script in ${files.join(', ')}`);
    const exports = readFileSync(join(outdir, shim), 'utf8').match(/export\s*\{([^}]*)\}/)?.[1] ?? '';
    for (const { class_name } of top.durableObjects) assert.match(exports, new RegExp(`\\bas ${class_name}\\b`), `${class_name} exported`);
    assert.match(exports, /\bas default\b/);

    // Workers' script size limit: 3 MB compressed on the free plan (10 MB paid), 64 MB raw.
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one wasm module: ${wasm.join(', ')}`);
    const bytes = [shim, ...wasm].map((f) => readFileSync(join(outdir, f)));
    const gzip = bytes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
    const raw = [shim, ...wasm].reduce((n, f) => n + statSync(join(outdir, f)).size, 0);
    assert.ok(gzip < 3 * 1024 * 1024, `${gzip} B gzip fits the free plan's 3 MB`);
    assert.ok(raw < 64 * 1024 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
