// Offered calls in real workerd against ACS in a box: a call to contoso's offer number rings
// the agents; nothing can be hung up until someone answers; once ACS takes the agent's reject or
// redirect, the call is over for this app — listed as ended, every command refused by rule —
// although no event follows (the app never had a call connection). And a participant ACS does
// not have is a 404.
// Needs a built Worker (npm test builds it first).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack, until, CUSTOMER, DANA, ROBIN } from '../../scripts/stack.mjs';

const OFFER_NUMBER = '+18005550199'; // contoso routes it with `offer` (config/tenants.dev.json)
let stack;
let url;

before(async () => {
  stack = await startStack({ policy: { reconcileAfterSeconds: 0 } });
  url = stack.worker.url;
});

after(async () => {
  await stack?.stop();
});

/** Rings contoso's offer number; resolves to the offered call's id. */
async function offered(known) {
  const res = await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER, to: OFFER_NUMBER }) });
  assert.equal(res.status, 202);
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => !known.includes(c.callId)), 15_000, 'the offered call');
  assert.equal(call.connectionState, 'offered');
  return call.callId;
}

async function operations() {
  const log = await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json();
  return log.entries.filter((e) => e.kind === 'request' && e.operation).map((e) => `${e.operation} ${e.status}`);
}

test('an offered call: nothing to hang up; rejected, it ends here and nothing more is sent', async () => {
  const id = await offered([]);
  for (const verb of ['hangup', 'terminate']) {
    const r = await api(url, 'POST', `/api/calls/${id}:${verb}`);
    assert.equal(r.status, 409, r.text);
    assert.deepEqual([r.json.error.code, r.json.error.detail?.rule], ['refused_by_rule', 'call_connected']);
    assert.match(r.json.error.message, /not answered yet: answer, redirect or reject it/);
  }

  const rejected = await api(url, 'POST', `/api/calls/${id}:reject`, { body: { reason: 'busy' } });
  assert.equal(rejected.status, 200, rejected.text);
  const view = (await api(url, 'GET', `/api/calls/${id}`)).json;
  assert.equal(view.ended, true);
  assert.equal(view.connectionState, 'disconnected');
  assert.equal(view.incoming.handled, 'rejectCall');
  const listed = (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.callId === id);
  assert.deepEqual([listed.ended, listed.connectionState], [true, 'disconnected']);

  for (const [verb, body] of [['hangup', undefined], ['play', { fileUrl: 'https://contoso.example/a.wav' }]]) {
    const r = await api(url, 'POST', `/api/calls/${id}:${verb}`, { body });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.detail?.rule, 'call_not_ended', `${verb}: ${r.text}`);
  }
  assert.deepEqual(await operations(), ['rejectCall 204']);
});

test('redirected to a Teams user, the call ends here too', async () => {
  const known = (await api(url, 'GET', '/api/calls')).json.calls.map((c) => c.callId);
  const id = await offered(known);
  const redirected = await api(url, 'POST', `/api/calls/${id}:redirect`, { body: { target: { teamsUserId: DANA } } });
  assert.equal(redirected.status, 200, redirected.text);
  const view = (await api(url, 'GET', `/api/calls/${id}`)).json;
  assert.deepEqual([view.ended, view.connectionState, view.incoming.handled], [true, 'disconnected', 'redirectCall']);
  assert.deepEqual((await operations()).slice(-1), ['redirectCall 204']);
});

test('a participant ACS does not have in the call is not found (404), not refused', async () => {
  const known = (await api(url, 'GET', '/api/calls')).json.calls.map((c) => c.callId);
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => !known.includes(c.callId) && c.connectionState === 'connected'), 15_000, 'the answered call');
  const r = await api(url, 'GET', `/api/calls/${call.callId}/participants/${encodeURIComponent(`8:orgid:${ROBIN}`)}`);
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'not_found');
  assert.match(r.json.error.message, /no such participant/);
});
