// The Worker skeleton in real workerd (wrangler dev): routing and JSON errors, the per-call
// Durable Object's storage surviving a restart, and hibernatable WebSockets (echo, broadcast).
// Needs a built Worker: `node scripts/build.mjs --worker-only` (npm test builds it first).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWrangler } from './wrangler.mjs';

const persistTo = mkdtempSync(join(tmpdir(), 'switchboard-do-'));
const vars = { ACS_MODE: 'emulator' };
let dev;

before(async () => {
  dev = await startWrangler({ persistTo, vars });
});

after(async () => {
  await dev?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

async function json(res) {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return res.json();
}

const counter = async (name, method) => json(await fetch(`${dev.url}/api/debug/calls/${name}/counter`, { method }));

/** The next text message on `ws` (listener armed before `trigger` runs). */
async function nextMessage(ws, trigger = async () => {}) {
  const message = once(ws, 'message');
  await trigger();
  const [data] = await message;
  return data.toString();
}

async function openSocket(name) {
  const ws = new WebSocket(`${dev.url.replace('http', 'ws')}/api/debug/calls/${name}/ws`);
  await once(ws, 'open');
  return ws;
}

test('GET /api/health answers {"ok":true}', async (t) => {
  t.diagnostic(`wrangler dev answered after ${dev.startMs} ms`);
  const res = await fetch(`${dev.url}/api/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(await json(res), { ok: true });
});

test('an unknown route is a JSON 404 naming the method and path', async () => {
  const res = await fetch(`${dev.url}/x`);
  assert.equal(res.status, 404);
  assert.deepEqual(await json(res), { error: { code: 'not_found', message: 'no route GET /x' } });
  const inside = await fetch(`${dev.url}/api/debug/calls/c1/nope`, { method: 'DELETE' });
  assert.equal(inside.status, 404);
  assert.equal((await json(inside)).error.code, 'not_found');
});

test('a WebSocket route without Upgrade is a JSON error, not a bare 500', async () => {
  const res = await fetch(`${dev.url}/api/debug/calls/c1/ws`);
  assert.equal(res.status, 426);
  assert.equal((await json(res)).error.code, 'upgrade_required');
});

test('the call object counts in Durable Object storage, one object per call name', async () => {
  assert.deepEqual(await counter('call-a', 'POST'), { counter: 1 });
  assert.deepEqual(await counter('call-a', 'POST'), { counter: 2 });
  assert.deepEqual(await counter('call-a', 'GET'), { counter: 2 });
  assert.deepEqual(await counter('call-b', 'GET'), { counter: 0 });
});

test('hibernatable WebSockets: echo, and a broadcast reaches every socket of the call', async () => {
  const a = await openSocket('call-ws');
  const b = await openSocket('call-ws');
  const other = await openSocket('call-other');
  try {
    assert.equal(await nextMessage(a, () => a.send('hi')), 'echo:hi');
    assert.equal(await nextMessage(b, () => b.send('there')), 'echo:there');

    const gotA = nextMessage(a);
    const gotB = nextMessage(b);
    let otherGot = null;
    other.once('message', (m) => (otherGot = m.toString()));
    const res = await fetch(`${dev.url}/api/debug/calls/call-ws/broadcast`, { method: 'POST', body: 'to everyone' });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { sent: 2, sockets: 2 });
    assert.equal(await gotA, 'to everyone');
    assert.equal(await gotB, 'to everyone');
    // The other call's socket hears only its own echo.
    assert.equal(await nextMessage(other, () => other.send('ping')), 'echo:ping');
    assert.equal(otherGot, 'echo:ping');
  } finally {
    for (const ws of [a, b, other]) ws.close(1000, 'done');
    await Promise.all([a, b, other].map((ws) => (ws.readyState === WebSocket.CLOSED ? null : once(ws, 'close'))));
  }
});

test('after a restart with the same --persist-to the counter continues', async (t) => {
  await dev.stop();
  dev = await startWrangler({ persistTo, vars });
  t.diagnostic(`wrangler dev restarted in ${dev.startMs} ms`);
  assert.deepEqual(await counter('call-a', 'GET'), { counter: 2 });
  assert.deepEqual(await counter('call-a', 'POST'), { counter: 3 });
});
