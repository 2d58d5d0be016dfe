// The whole stack on loopback, for `npm start` and the tests: ACS in a box (emulator/server.mjs) on one port and the
// Worker in real workerd (wrangler dev) on another, wired to each other — the tenants'
// connection strings, JWKS and Graph point at the emulator; the emulator's Event Grid webhook
// points at the Worker with contoso's key.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, demoWorld } from '../emulator/server.mjs';
import { freePort, root, startWrangler } from './wrangler.mjs';

export const CONTOSO_TOKEN = 'dev-agent-token-contoso-alex';
export const FABRIKAM_TOKEN = 'dev-agent-token-fabrikam-fay';
export const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
export const ROBIN = '2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
export const SAM = '0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e';
export const CUSTOMER = '+14255550123';

/** The development tenants with every emulator URL moved to `emulatorUrl`. */
export function tenantsFor(emulatorUrl) {
  const text = readFileSync(join(root, 'config', 'tenants.dev.json'), 'utf8');
  return JSON.parse(text.replaceAll('http://127.0.0.1:8788', emulatorUrl));
}

/**
 * Starts both. `persistTo` keeps Durable Object state (a fresh temp dir by default);
 * `world` adjusts the demo world; `policy` is merged into contoso's call policy (e.g.
 * `{reconcileAfterSeconds: 0}`); `mutateTenants` changes the tenants further; `readyStatus`: the
 * health status that means started (503 for a Worker configured not to be healthy).
 */
export async function startStack({ emulatorPort, workerPort, inspectorPort = null, vars = {}, persistTo, world: adjust = (w) => w, policy = null, mutateTenants = (t) => t, log = null, readyStatus = 200 } = {}) {
  emulatorPort ??= await freePort();
  workerPort ??= await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  // Durable Object state given to keep (persistTo) may have seen a seeded world's call ids: a
  // fresh seed then, or the first new call would land in an object whose call ended.
  const world = adjust(persistTo ? { ...demoWorld(), seed: Date.now() } : demoWorld());
  world.eventGrid = { webhook: `${workerUrl}/api/events/incoming?tenant=contoso&key=dev-event-grid-key-contoso` };
  const emulator = await startEmulator({ port: emulatorPort, world, log });
  const base = tenantsFor(emulator.url);
  if (policy) base.tenants.contoso.policy = { ...(base.tenants.contoso.policy ?? {}), ...policy };
  const tenants = mutateTenants(base);
  const dir = persistTo ?? mkdtempSync(join(tmpdir(), 'switchboard-do-'));
  let worker;
  try {
    worker = await startWrangler({ port: workerPort, persistTo: dir, inspectorPort, readyStatus, vars: { ...vars, TENANTS: JSON.stringify(tenants) } });
  } catch (e) {
    await emulator.close();
    throw e;
  }
  return {
    emulator,
    worker,
    tenants,
    persistTo: dir,
    /** Restarts the Worker on the same port and storage. */
    async restartWorker() {
      await worker.stop();
      worker = await startWrangler({ port: workerPort, persistTo: dir, vars: { ...vars, TENANTS: JSON.stringify(tenants) } });
      this.worker = worker;
    },
    async stop({ keepStorage = false } = {}) {
      await worker.stop();
      await emulator.close();
      if (!keepStorage && !persistTo) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON request to the Worker's API as an agent. */
export async function api(url, method, path, { token = CONTOSO_TOKEN, body, headers = {} } = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}

/** Polls `check()` until it returns a truthy value (or fails after `ms`). */
export async function until(check, ms = 15_000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A minter of callback JWTs as ACS mints them, signed with ACS in a box's published development
 * key (its `kid` read from the emulator's JWKS), each good for an hour and for one delivery: the
 * Worker takes a token once (its `jti`, or its signature where it has none), so every callback
 * needs a new one, as from ACS. Signing costs about a millisecond: benchmarks mint before they
 * time.
 */
export async function callbackTokens(emulatorUrl) {
  const kid = (await (await fetch(`${emulatorUrl}/calling/keys`)).json()).keys[0].kid;
  const key = createPrivateKey(readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'));
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  let n = 0;
  const run = randomUUID();
  return () => {
    const now = Math.floor(Date.now() / 1000);
    n += 1;
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iss: 'https://acscallautomation.communication.azure.com', aud: '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f', iat: now, nbf: now, exp: now + 3600, jti: `${run}-${n}` })}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };
}

/**
 * The path and query of the callback URL the Worker gave ACS for each call it has had a callback
 * on (with its `?sig=`), by call id. The Worker's own log and answers hide the signature (it
 * answers the call), so it is read from ACS's side: the emulator's log of its deliveries.
 */
export async function callbackPaths(emulatorUrl) {
  const { entries } = await (await fetch(`${emulatorUrl}/control/log?since=0`)).json();
  const paths = new Map();
  for (const e of entries) {
    const u = typeof e.url === 'string' && e.url.includes('/api/callbacks/') ? new URL(e.url) : null;
    if (u !== null) paths.set(u.pathname.split('/').pop(), u.pathname + u.search);
  }
  return paths;
}

/** {@link callbackPaths} of one call, which must have had a callback. */
export async function callbackPath(emulatorUrl, callId) {
  const path = (await callbackPaths(emulatorUrl)).get(callId);
  if (path === undefined) throw new Error(`ACS has delivered no callback for call ${callId} yet`);
  return path;
}
