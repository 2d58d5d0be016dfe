// `npm run fuzz`: runs every cargo-fuzz (libFuzzer) target in fuzz/ for a bounded time.
//
// Seeds come from the repository's fixtures (tests/fixtures: the official REST examples and the
// recorded callback bodies) and are written to fuzz/seeds/<target>/ (committed, readable); what
// libFuzzer finds beyond them grows in fuzz/corpus/<target>/ (kept on this machine between runs,
// not committed). A crash, a panic, a hang (-timeout) or running out of memory fails the run and
// leaves the input in fuzz/artifacts/<target>/.
//
//   node scripts/fuzz.mjs [--seconds 60] [--jobs 2] [--skip-setup] [target ...]
//
// `npm test` runs it with FUZZ_SECONDS (60 by default, as in the issue). libFuzzer's seed is
// fixed (FUZZ_SEED, default 1) so a run can be repeated; set another to explore elsewhere.
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFuzz, log, root, run, toolEnv } from './setup.mjs';

export const TARGETS = ['events', 'raw_id', 'connection_string', 'jwt', 'emulator', 'api_commands', 'ops'];

const fixtures = join(root, 'tests', 'fixtures');
const examplesDir = join(fixtures, 'acs-examples', 'spec-2025-05-15');
const eventsDir = join(fixtures, 'events');

const json = (v) => JSON.stringify(v);
const le64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
};
const withPrefix = (prefix, text) => Buffer.concat([Buffer.from(prefix), Buffer.from(text)]);

function examples() {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, doc: JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) }));
}

function eventBodies() {
  return readdirSync(eventsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readFileSync(join(eventsDir, f), 'utf8'));
}

/** Every value of `key` anywhere in a JSON document. */
function collect(value, key, out = []) {
  if (Array.isArray(value)) value.forEach((v) => collect(v, key, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

/** The operation names in the order of `OPERATIONS` (src/ops/params.rs), for the ops target's selector byte. */
function operationNames() {
  const text = readFileSync(join(root, 'src', 'ops', 'params.rs'), 'utf8');
  return [...text.matchAll(/^\s+"(\w+)" => \w+::\w+,$/gm)].map((m) => m[1]);
}

function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

/** Tokens shaped like ACS callback JWTs, signed with the emulator's public dev key (deterministic). */
function tokens() {
  const key = createPrivateKey(readFileSync(join(root, 'src', 'emulator', 'dev_signing_key.pem')));
  const now = 1_743_508_800;
  const claims = {
    iss: 'https://acscallautomation.communication.azure.com',
    aud: '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f',
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  };
  const signed = (header, payload) => {
    const input = `${base64url(json(header))}.${base64url(json(payload))}`;
    return `${input}.${base64url(sign('sha256', Buffer.from(input), key))}`;
  };
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  // The emulator's kid: the first 8 bytes of SHA-256 over the modulus, in hex (src/emulator/jwt.rs).
  const kid = createHash('sha256').update(Buffer.from(jwk.n, 'base64url')).digest('hex').slice(0, 16);
  return {
    now,
    list: [
      signed({ alg: 'RS256', typ: 'JWT', kid }, claims),
      signed({ alg: 'RS256', kid: 'unknown' }, { ...claims, aud: 'someone-else' }),
      `${base64url(json({ alg: 'none' }))}.${base64url(json(claims))}.`,
      `${base64url(json({ alg: 'HS256', kid }))}.${base64url(json(claims))}.c2ln`,
      `Bearer ${signed({ alg: 'RS256', kid }, { ...claims, exp: now - 1 })}`,
    ],
    jwks: json({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }),
    openid: json({
      issuer: claims.iss,
      jwks_uri: 'https://acscallautomation.communication.azure.com/calling/keys',
    }),
  };
}

/** Seed inputs per target, in each target's input format (see the doc comment of fuzz/fuzz_targets/<target>.rs). */
export function seeds() {
  const ex = examples();
  const events = eventBodies();
  const out = Object.fromEntries(TARGETS.map((t) => [t, []]));

  out.events.push(...events, json(events.map((e) => JSON.parse(e)).flat()));

  const rawIds = new Set(collect(ex.map((e) => e.doc).concat(events.map((e) => JSON.parse(e))), 'rawId'));
  const identifiers = collect(ex.map((e) => e.doc), 'target').concat(collect(ex.map((e) => e.doc), 'participantToAdd'));
  out.raw_id.push(...[...rawIds].sort(), ...identifiers.map(json), '4:+14255550123', '8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b');

  out.connection_string.push(
    'endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=',
    'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    ['POST', '/calling/callConnections?api-version=2025-05-15', '127.0.0.1:8788', 'Tue, 01 Apr 2025 12:00:00 GMT',
      '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
      'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA', '{}'].join('\n'),
  );

  const t = tokens();
  out.jwt.push(...t.list.map((tok) => withPrefix(le64(t.now + 10), tok)), withPrefix(le64(t.now), t.jwks), withPrefix(le64(t.now), t.openid));

  const bodies = [
    { targets: [{ kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' } }], sourceDisplayName: 'Contoso support' },
    { target: { rawId: '8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' }, operationContext: 'consult' },
    { expertId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' },
    { fileUrl: 'https://example.com/hold.wav', loop: true },
    { invitationId: '9f1b0d3e-0000-4000-8000-000000000000' },
  ];
  bodies.forEach((b, i) => out.api_commands.push(withPrefix([i * 4], json(b))));
  out.api_commands.push(withPrefix([20], json({ target: { phoneNumber: { value: '+14255550123' } }, callbackUri: 'https://x/cb' })));
  out.api_commands.push(withPrefix([1], '/api/calls/401f3500-62bd-46a9-8c09-9e1b06caca01/participants/8%3Aorgid%3Ax'));
  out.api_commands.push(withPrefix([2], readFileSync(join(root, 'config', 'tenants.dev.json'), 'utf8')));

  const names = operationNames();
  for (const { file, doc } of ex) {
    const op = file.replace(/\.json$/, '').split('_').pop();
    const index = names.indexOf(op[0].toLowerCase() + op.slice(1));
    if (index < 0) continue;
    out.ops.push(withPrefix([index, 0, 200, 0], json(doc.parameters)));
    const [status, response] = Object.entries(doc.responses ?? {})[0] ?? [];
    if (response?.body) out.ops.push(withPrefix([index, 1, Number(status) & 0xff, Number(status) >> 8], json(response.body)));
  }
  // The emulator target reads an `arbitrary` script; libFuzzer starts it from nothing.
  return out;
}

/** Writes fuzz/seeds/<target>/<sha1> for every seed; returns how many per target. */
export function writeSeeds() {
  const counts = {};
  for (const [target, list] of Object.entries(seeds())) {
    const dir = join(root, 'fuzz', 'seeds', target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const seed of list) {
      const bytes = Buffer.from(seed);
      writeFileSync(join(dir, createHash('sha1').update(bytes).digest('hex').slice(0, 16)), bytes);
    }
    writeFileSync(join(dir, '.keep'), '');
    counts[target] = list.length;
  }
  return counts;
}

function fuzzOne(target, seconds) {
  const corpus = join(root, 'fuzz', 'corpus', target);
  mkdirSync(corpus, { recursive: true });
  mkdirSync(join(root, 'fuzz', 'artifacts', target), { recursive: true });
  const args = ['+nightly', 'fuzz', 'run', target, corpus, join(root, 'fuzz', 'seeds', target), '--',
    `-max_total_time=${seconds}`, `-seed=${process.env.FUZZ_SEED ?? 1}`, '-timeout=10', '-rss_limit_mb=2048', '-max_len=65536', '-print_final_stats=1'];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('cargo', args, { cwd: root, env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk) => { tail = (tail + chunk).slice(-20000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => {
      const runs = tail.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1];
      const cov = [...tail.matchAll(/cov: (\d+)/g)].pop()?.[1];
      resolve({ target, code, runs: Number(runs ?? 0), cov: Number(cov ?? 0), seconds: (Date.now() - started) / 1000, tail });
    });
  });
}

export async function fuzzAll({ seconds = 60, jobs = 2, targets = TARGETS, setup = true } = {}) {
  if (setup) ensureFuzz();
  const counts = writeSeeds();
  log(`seeds: ${Object.entries(counts).map(([t, n]) => `${t}=${n}`).join(' ')}`);
  log('building the fuzz targets (nightly, sanitizer)');
  if (targets.length === TARGETS.length) run('cargo', ['+nightly', 'fuzz', 'build']);
  else for (const t of targets) run('cargo', ['+nightly', 'fuzz', 'build', t]);
  const queue = [...targets];
  const results = [];
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, async () => {
    while (queue.length) {
      const r = await fuzzOne(queue.shift(), seconds);
      log(`${r.target}: ${r.code === 0 ? 'no crash' : `FAILED (exit ${r.code})`}, ${r.runs} runs in ${r.seconds.toFixed(0)} s, coverage ${r.cov}`);
      results.push(r);
    }
  }));
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) console.error(`\n--- ${r.target} ---\n${r.tail.slice(-6000)}`);
  if (failed.length) throw new Error(`fuzz targets failed: ${failed.map((r) => r.target).join(', ')} (inputs in fuzz/artifacts/)`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const [, value] = argv.splice(i, 2);
    return value;
  };
  const seconds = Number(opt('--seconds', process.env.FUZZ_SECONDS ?? 60));
  const jobs = Number(opt('--jobs', 2));
  const skip = argv.includes('--skip-setup');
  const targets = argv.filter((a) => !a.startsWith('--'));
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown fuzz target ${t}; one of ${TARGETS.join(', ')}`);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');
  await fuzzAll({ seconds, jobs, targets: targets.length ? targets : TARGETS, setup: !skip });
}
