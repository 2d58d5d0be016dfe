// The expert consultation, fully in-process on a virtual clock: the npm package's emulator plays
// ACS, the npm package's core plays the app (Event Grid handshake, answer, CallState from the
// callbacks, every command built and signed by buildRequest and sent through emulator.fetch).
// Shared by the Node test and the browser test, so both run the very same code.
//
// Returns what the tests assert on: the final snapshot, the event types seen, what Dana's client
// showed, and the JWT header of a callback.

export const CUSTOMER = '+14255550123';
export const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
export const SAM = '0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e';

export async function expertConsultation({ sb, AcsEmulator, demoWorld }) {
  let t = Date.UTC(2026, 10, 26, 9, 0, 0);
  const world = demoWorld();
  world.eventGrid = { webhook: 'https://app.example/api/events/incoming' };
  const callback = 'https://app.example/api/callbacks/1';
  const state = new sb.CallState();
  const seen = [];
  let incoming = null;
  let authorization = null;

  // The app's webhook, in-process.
  function deliver(d) {
    if (d.kind === 'validation' && d.method === 'OPTIONS') return { status: 200 };
    const events = sb.parseEvents(d.body);
    for (const e of events) seen.push(e.type);
    if (d.kind === 'validation') {
      return { status: 200, body: JSON.stringify({ validationResponse: events[0].validationCode }) };
    }
    if (d.kind === 'eventGrid') {
      incoming = events.find((e) => e.type === 'IncomingCall') ?? incoming;
      return { status: 200 };
    }
    authorization ??= d.headers.Authorization;
    state.apply(d.body);
    return { status: 200 };
  }

  const emulator = new AcsEmulator({ world, now: () => t, deliver });
  const cs = emulator.connectionString;
  const pathParams = new Map(sb.operations().map((o) => [o.name, o.pathParams]));
  let callId = null;

  async function send(operation, params) {
    const onCall = pathParams.get(operation).includes('callConnectionId');
    const req = sb.buildRequest(operation, onCall ? { callConnectionId: callId, ...params } : params, cs, { date: t });
    const res = await emulator.fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
    const text = await res.text();
    state.recordResponse(operation, { status: res.status, body: text, operationContext: params.operationContext, at: t });
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Lets `ms` of virtual time pass, delivering what falls due on the way. */
  async function wait(ms) {
    const end = t + ms;
    for (let next = emulator.nextDue(); next !== null && next <= end; next = emulator.nextDue()) {
      t = Math.max(t, next);
      await emulator.pump();
    }
    t = end;
  }

  await wait(10);
  emulator.inbound({ from: CUSTOMER, callerDisplayName: 'Casey Customer' });
  await wait(100);
  const answered = await send('answerCall', { incomingCallContext: incoming.incomingCallContext, callbackUri: callback, operationContext: 'answer' });
  callId = answered.body.callConnectionId;
  await wait(1_000);
  const agent = world.agents[0].id;
  await send('addParticipant', { participantToAdd: { rawId: agent }, operationContext: 'agent' });
  await wait(2_000);
  const teams = (userId) => ({ kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId } });
  const sam = await send('addParticipant', { participantToAdd: teams(SAM), sourceDisplayName: 'Contoso Support', operationContext: 'sam' });
  const dana = await send('addParticipant', { participantToAdd: teams(DANA), sourceDisplayName: 'Contoso Support', operationContext: 'dana' });
  await wait(6_000);
  const dtmfAllowed = state.can({ operation: 'recognize', recognizeInputType: 'dtmf' });
  // Dana records from Teams for a while: shown apart, not the app's recording.
  emulator.teamsRecording(callId, 'active');
  await wait(500);
  const teamsRecording = state.snapshot().teamsRecording?.status;
  emulator.teamsRecording(callId, 'inactive');
  await wait(500);
  await send('removeParticipant', { participantToRemove: { rawId: `8:orgid:${DANA}` }, operationContext: 'dana-done' });
  await wait(1_000);
  const terminated = await send('terminateCall', {});
  await wait(1_000);

  const result = {
    statuses: { answer: answered.status, sam: sam.status, dana: dana.status, terminate: terminated.status },
    dtmfAllowed,
    teamsRecording,
    seen,
    snapshot: state.snapshot(),
    sightings: emulator.world().sightings,
    jwtHeader: JSON.parse(atob(authorization.slice('Bearer '.length).split('.')[0].replace(/-/g, '+').replace(/_/g, '/'))),
    logLength: emulator.log().length,
  };
  state.free();
  emulator.free();
  return result;
}

/** The assertions both runtimes make, on `expertConsultation`'s result. */
export function checkExpertConsultation(assert, r) {
  assert.deepEqual(r.statuses, { answer: 200, sam: 202, dana: 202, terminate: 204 });
  assert.deepEqual(r.seen.slice(0, 3), ['SubscriptionValidation', 'IncomingCall', 'CallConnected']);
  assert.equal(r.seen.at(-1), 'CallDisconnected');
  assert.ok(r.seen.includes('AddParticipantFailed'), 'Sam (no Teams Phone licence) fails');
  assert.equal(r.dtmfAllowed.allowed, false, 'DTMF is refused while a Teams user is in the call');
  assert.equal(r.teamsRecording, 'active', "Dana's own recording shows while it runs");
  assert.deepEqual([r.snapshot.teamsRecording.status, r.snapshot.teamsRecording.kind], ['stopped', 'teams']);
  assert.equal(r.snapshot.recording, null, 'the app never recorded');
  const dana = r.snapshot.participants.find((p) => p.identifier.rawId === `8:orgid:${DANA}`);
  assert.equal(dana.status, 'removed');
  assert.equal(dana.stays.length, 1);
  assert.ok(dana.stays[0].leftAt > dana.stays[0].joinedAt);
  const sam = r.snapshot.participants.find((p) => p.identifier.rawId === `8:orgid:${SAM}`);
  assert.equal(sam.status, 'failed');
  assert.deepEqual([sam.lastResult.code, sam.lastResult.subCode], [403, 7604]);
  assert.equal(r.snapshot.connectionState, 'disconnected');
  assert.deepEqual(r.sightings.map((s) => [s.objectId, s.shownCaller]), [[DANA, 'Contoso Support']]);
  assert.deepEqual([r.jwtHeader.alg, r.jwtHeader.typ], ['RS256', 'JWT']);
  assert.ok(r.logLength > 20, `${r.logLength} log entries`);
}
