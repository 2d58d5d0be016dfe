// Key rotation in real workerd: a call's callback URL is signed under the tenant's first
// `callbackKeys` entry. A Worker restarted with a new key put first (the old one kept) still
// takes the callbacks of calls already going on, through the URL ACS was given when they
// started; once the old key is dropped, that URL is refused (401) and new calls use the new key.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, callbackPath, callbackTokens, startStack, until, CUSTOMER, DANA } from '../../scripts/stack.mjs';

const NEW = 'dev-callback-key-contoso-2026-12-0002';
let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

test('a new callback key put first keeps calls in progress; dropping the old one refuses their URLs', async () => {
  const contoso = stack.tenants.tenants.contoso;
  const [old] = contoso.callbackKeys;
  const mint = await callbackTokens(stack.emulator.url);
  const post = async (path) => {
    const r = await fetch(`${stack.worker.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${mint()}`, 'Content-Type': 'application/json' }, body: '[]' });
    return { status: r.status, json: await r.json() };
  };
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await api(stack.worker.url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'a call');
  const path = await callbackPath(stack.emulator.url, call.callId);
  assert.equal((await post(path)).status, 200, 'the URL ACS was given, before any rotation');

  contoso.callbackKeys = [NEW, old];
  await stack.restartWorker();
  assert.equal((await post(path)).status, 200, 'the old key still verifies');
  const consult = await api(stack.worker.url, 'POST', `/api/calls/${call.callId}/consultations`, { body: { expert: DANA } });
  assert.equal(consult.status, 202, consult.text);
  await until(async () => (await api(stack.worker.url, 'GET', `/api/calls/${call.callId}`)).json.consultations[0]?.phase === 'joined', 15_000, 'Dana joins: ACS callbacks still taken');
  assert.equal(await callbackPath(stack.emulator.url, call.callId), path, 'ACS kept the URL it was given');

  contoso.callbackKeys = [NEW];
  await stack.restartWorker();
  const refused = await post(path);
  assert.deepEqual([refused.status, refused.json.error.code], [401, 'callback_signature']);

  // A call made now is signed under the new key, and its callbacks are taken.
  const fresh = await api(stack.worker.url, 'POST', '/api/calls', { body: { targets: [{ teamsUserId: DANA }] } });
  assert.equal(fresh.status, 201, fresh.text);
  await until(async () => (await api(stack.worker.url, 'GET', `/api/calls/${fresh.json.callId}`)).json.connectionState === 'connected', 15_000, 'the new call connects');
  const freshPath = await callbackPath(stack.emulator.url, fresh.json.callId);
  assert.notEqual(freshPath.split('sig=')[1], path.split('sig=')[1]);
  assert.equal((await post(freshPath)).status, 200);
});
