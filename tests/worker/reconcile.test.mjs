// Lost callbacks in real workerd: ACS does not redeliver a webhook that failed, so the Worker
// reads the call (getCall, getParticipants) from a Durable Object alarm — when a call has been
// quiet for the policy's reconcileAfterSeconds (2 s here), or an outcome is overdue — and the
// alarm survives a Worker restart. Needs a built Worker (npm test builds it first).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack, until } from '../../scripts/stack.mjs';

let stack;
let url;

before(async () => {
  stack = await startStack({ policy: { reconcileAfterSeconds: 2 } });
  url = stack.worker.url;
});

after(async () => {
  await stack?.stop();
});

const setFaults = (faults) => fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: JSON.stringify(faults) });
const reads = async () => (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries
  .filter((e) => e.kind === 'request' && ['getCall', 'getParticipants'].includes(e.operation)).length;
const view = async (id) => (await api(url, 'GET', `/api/calls/${id}`)).json;

test('with every callback lost, the agent joining is learned by reading the call, also across a restart', async () => {
  const created = await api(url, 'POST', '/api/calls', { body: { targets: [{ phoneNumber: '+14255560042' }], sourceCallerIdNumber: '+18005550100' } });
  assert.equal(created.status, 201, created.text);
  const id = created.json.callId;
  await until(async () => (await view(id)).connectionState === 'connected', 15_000, 'the call to connect');
  const before = await reads();

  // From now on every callback is lost (the Worker answers them, ACS never sends them).
  assert.equal((await setFaults({ callbacks: { drop: 1 } })).status, 200);
  const agent = stack.tenants.tenants.contoso.agents[0].acsUserId;
  const add = await api(url, 'POST', `/api/calls/${id}/participants`, { body: { participants: [{ acsUserId: agent }] } });
  assert.equal(add.status, 202, add.text);
  const inCall = (v) => v.participants.some((p) => p.identifier.rawId === agent && p.status === 'connected');
  assert.ok(!inCall(await view(id)), 'nothing heard yet');
  // The Worker restarts before its alarm rings: the alarm is stored with the object.
  await stack.restartWorker();
  url = stack.worker.url;
  const seen = await until(async () => {
    const v = await view(id);
    return inCall(v) && v;
  }, 20_000, 'the agent to be read in the call');
  assert.ok(seen.checkedAt > 0, 'the view says when the call was last read');
  assert.ok(await reads() >= before + 2, 'getCall and getParticipants were sent');

  const log = await api(url, 'GET', `/api/calls/${id}/log`);
  assert.ok(log.json.entries.some((r) => r.kind === 'workflow' && r.detail.check), 'the check is in the call log');
  assert.ok(log.json.entries.some((r) => r.kind === 'sent' && r.detail.operation === 'getParticipants' && r.detail.purpose.kind === 'reconcile'));
});

test('ACS failing for seconds as a call comes in: the answer is sent again until it gets through', async () => {
  const caller = '+14255560077';
  const inCall = (c) => !c.ended && c.participants.some((p) => p.rawId === `4:${caller}`);
  // Every request fails (503) — the answer's four attempts included — for about three seconds.
  assert.equal((await setFaults({ requests: { serverError: 1 } })).status, 200);
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: caller }) });
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.counterpart === `4:${caller}`), 15_000, 'the call to be offered');
  await until(async () => {
    const log = await api(url, 'GET', `/api/calls/${call.callId}/log`);
    return log.json.entries.some((r) => r.kind === 'workflow' && r.detail.retry?.operation === 'answerCall' && r.detail.retry.status === 503);
  }, 15_000, 'the failed answer to be kept for another try');
  assert.equal((await view(call.callId)).connectionState === 'connected', false);
  assert.equal((await setFaults({})).status, 200);
  // The alarm sends it again (5 s after the failure), with the same Repeatability key.
  await until(async () => (await view(call.callId)).connectionState === 'connected', 20_000, 'the call to connect');
  const truth = await (await fetch(`${stack.emulator.url}/control/calls`)).json();
  assert.equal(truth.filter(inCall).length, 1, 'ACS has the call, once');
});
