// The expert consultation end to end in real workerd (wrangler dev), against ACS in a box: the
// emulator's customer calls in → Event Grid → the Worker answers → an agent console (a Node
// WebSocket client) watches the call, adds the agent, asks for Dana with a display name and a
// recording → Dana's Teams client rings and joins → recording paused and resumed → Dana records
// from her Teams client (shown apart; the app's recording untouched) → Dana is released → the
// call is terminated. Asserted on the emulator's request log and on the events the console
// received, in order. Then the Durable Object's state survives a restart.
// Needs a built Worker (npm test builds it first).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { api, startStack, until, CUSTOMER, DANA } from '../../scripts/stack.mjs';

let stack;
let url;
let callId;
const received = [];

before(async () => {
  // The exact list of requests sent to ACS is asserted below: no timing-dependent reads of a
  // quiet call (tests/worker/reconcile.test.mjs covers those).
  stack = await startStack({ policy: { reconcileAfterSeconds: 0 } });
  url = stack.worker.url;
});

after(async () => {
  await stack?.stop();
});

const emulatorLog = async () => (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries;
const operations = async () => (await emulatorLog()).filter((e) => e.kind === 'request' && e.operation).map((e) => `${e.operation} ${e.status}`);
const view = async () => (await api(url, 'GET', `/api/calls/${callId}`)).json;

test('a customer calls in, the Worker answers and lists the call', async () => {
  const inbound = await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER, callerDisplayName: 'Casey' }) });
  assert.equal(inbound.status, 202);
  const calls = await until(async () => {
    const r = await api(url, 'GET', '/api/calls');
    return r.json.calls.find((c) => c.connectionState === 'connected');
  }, 15_000, 'the call to connect');
  callId = calls.callId;
  assert.equal(calls.counterpart, `4:${CUSTOMER}`);
  assert.equal(calls.direction, 'inbound');
  assert.deepEqual(await operations(), ['answerCall 200']);
  // The list names the call as ACS does (its logs, Azure support): its call connection and
  // correlation ids, the emulator's own.
  const truth = (await (await fetch(`${stack.emulator.url}/control/calls`)).json())[0];
  assert.deepEqual([calls.callConnectionId, calls.correlationId], [truth.callConnectionId, truth.correlationId]);
  assert.match(calls.correlationId, /^[0-9a-f-]{36}$/);
});

test('the console watches, adds the agent and consults Dana with a recording', async () => {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/calls/${callId}/events?access_token=dev-agent-token-contoso-alex`);
  ws.on('message', (m) => received.push(JSON.parse(String(m))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until(() => received.length > 0, 5_000, 'the hello snapshot');
  assert.equal(received[0].type, 'snapshot');
  assert.equal(received[0].snapshot.callId, callId);

  const agent = stack.tenants.tenants.contoso.agents[0].acsUserId;
  const add = await api(url, 'POST', `/api/calls/${callId}/participants`, { body: { participants: [{ acsUserId: agent }], operationContext: 'agent-joins' } });
  assert.equal(add.status, 202, add.text);
  assert.ok(add.json.acs.body.invitationId);
  await until(async () => (await view()).participants.some((p) => p.identifier.rawId === agent && p.status === 'connected'), 10_000, 'the agent to join');

  const consult = await api(url, 'POST', `/api/calls/${callId}/consultations`, { body: { expert: DANA, sourceDisplayName: 'Contoso Billing', record: true, operationContext: 'dana' } });
  assert.equal(consult.status, 202, consult.text);
  assert.deepEqual(consult.json.sent.map((s) => [s.operation, s.status]), [['startRecording', 200], ['addParticipant', 202]]);
  const joined = await until(async () => (await view()).consultations.find((c) => c.phase === 'joined'), 15_000, 'Dana to join');
  assert.equal(joined.sourceDisplayName, 'Contoso Billing');
  // Dana's desktop client showed the custom name.
  const world = await (await fetch(`${stack.emulator.url}/control/world`)).json();
  assert.deepEqual(world.sightings.map((s) => [s.objectId, s.shownCaller]), [[DANA, 'Contoso Billing']]);
  ws.close();
});

test('recording pauses and resumes; refused commands send nothing', async () => {
  await until(async () => (await view()).recording?.status === 'active', 10_000, 'the recording');
  assert.equal((await api(url, 'POST', `/api/calls/${callId}/recording:pause`)).status, 202);
  await until(async () => (await view()).recording?.status === 'paused', 10_000, 'the pause');
  assert.equal((await api(url, 'POST', `/api/calls/${callId}/recording:resume`)).status, 202);
  await until(async () => (await view()).recording?.status === 'active', 10_000, 'the resume');

  const before = (await emulatorLog()).length;
  const again = await api(url, 'POST', `/api/calls/${callId}/participants`, { body: { participant: { teamsUserId: DANA } } });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'refused_by_rule');
  assert.ok(again.json.error.detail.rule);
  const transfer = await api(url, 'POST', `/api/calls/${callId}:transfer`, { body: { target: { phoneNumber: '+14255550199' } } });
  assert.equal(transfer.status, 409, 'a group call with a Teams user cannot be transferred');
  assert.equal((await emulatorLog()).length, before, 'nothing reached ACS');
});

test("Dana records from Teams: shown apart, the app's recording untouched", async () => {
  const acsCall = (await view()).callConnectionId;
  const control = (state) => fetch(`${stack.emulator.url}/control/calls/${acsCall}/teamsRecording`, { method: 'POST', body: JSON.stringify({ state }) });
  assert.equal((await control('active')).status, 200);
  const during = await until(async () => {
    const v = await view();
    return v.teamsRecording?.status === 'active' && v;
  }, 10_000, "Dana's recording");
  assert.deepEqual([during.teamsRecording.kind, during.recording.status, during.recording.kind], ['teams', 'active', 'azureCommunicationServices']);
  assert.equal((await control('inactive')).status, 200);
  const after = await until(async () => {
    const v = await view();
    return v.teamsRecording?.status === 'stopped' && v;
  }, 10_000, "the end of Dana's recording");
  assert.equal(after.recording.status, 'active', "the app's recording runs on");
  assert.equal((await api(url, 'POST', `/api/calls/${callId}/recording:pause`)).status, 202, 'and is still the app\'s to pause');
  await until(async () => (await view()).recording?.status === 'paused', 10_000, 'the pause');
  assert.equal((await api(url, 'POST', `/api/calls/${callId}/recording:resume`)).status, 202);
  await until(async () => (await view()).recording?.status === 'active', 10_000, 'the resume');
});

test('participants are listed and read from ACS', async () => {
  const list = await api(url, 'GET', `/api/calls/${callId}/participants`);
  assert.equal(list.status, 200, list.text);
  const ids = list.json.value.map((p) => p.identifier.rawId).sort();
  assert.ok(ids.includes(`8:orgid:${DANA}`) && ids.includes(`4:${CUSTOMER}`), ids.join());
  const one = await api(url, 'GET', `/api/calls/${callId}/participants/${encodeURIComponent(`8:orgid:${DANA}`)}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.identifier.rawId, `8:orgid:${DANA}`);
});

test('Dana is released, the call carries on, then ends for everyone', async () => {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/calls/${callId}/events?access_token=dev-agent-token-contoso-alex`);
  ws.on('message', (m) => received.push(JSON.parse(String(m))));
  await new Promise((r) => ws.once('open', r));
  const remove = await api(url, 'DELETE', `/api/calls/${callId}/participants/${encodeURIComponent(`8:orgid:${DANA}`)}`);
  assert.equal(remove.status, 202, remove.text);
  const left = await until(async () => (await view()).consultations.find((c) => c.phase === 'left'), 10_000, 'Dana to leave');
  assert.ok(left.leftAt > left.joinedAt);
  assert.equal((await view()).connectionState, 'connected');
  const end = await api(url, 'POST', `/api/calls/${callId}:terminate`);
  assert.equal(end.status, 200, end.text);
  await until(async () => (await view()).ended, 10_000, 'the call to end');
  await until(() => received.some((m) => m.type === 'events' && m.events.some((e) => e.type === 'CallDisconnected')), 5_000, 'CallDisconnected on the socket');
  ws.close();

  assert.deepEqual(await operations(), [
    'answerCall 200',
    'addParticipant 202',
    'startRecording 200',
    'addParticipant 202',
    'pauseRecording 202',
    'resumeRecording 202',
    'pauseRecording 202',
    'resumeRecording 202',
    'getParticipants 200',
    'getParticipant 200',
    'removeParticipant 202',
    'terminateCall 204',
  ]);
  // What the consoles heard, in order: the phases of the consultation, then the end.
  const phases = received.filter((m) => m.type === 'consultation').map((m) => m.consultation.phase);
  assert.deepEqual([...new Set(phases)], ['recording', 'ringing', 'joined', 'left']);
  const types = received.filter((m) => m.type === 'events').flatMap((m) => m.events.map((e) => e.type));
  const order = ['AddParticipantSucceeded', 'RecordingStateChanged', 'RemoveParticipantSucceeded', 'CallDisconnected'].map((t) => types.indexOf(t));
  assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `${types.join(' ')}`);
});

test('the log keeps every event and command, and survives a Worker restart', async () => {
  const before = await api(url, 'GET', `/api/calls/${callId}/log`);
  assert.equal(before.status, 200);
  const kinds = new Set(before.json.entries.map((e) => e.kind));
  assert.deepEqual([...kinds].sort(), ['callback', 'command', 'offer', 'request', 'sent', 'workflow']);
  const snapshot = await view();
  await stack.restartWorker();
  url = stack.worker.url;
  assert.deepEqual(await view(), snapshot);
  const after = await api(url, 'GET', `/api/calls/${callId}/log`);
  assert.deepEqual(after.json, before.json);
  const calls = await api(url, 'GET', '/api/calls');
  assert.equal(calls.json.calls[0].callId, callId);
  assert.equal(calls.json.calls[0].ended, true);
});
