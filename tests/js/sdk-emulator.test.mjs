// The emulator ("ACS in a box") driven by a client we did not write: the official
// @azure/communication-call-automation 1.6.0 SDK (with communication-common 2.4.2), unchanged,
// over real HTTP. It proves the emulator's wire format: the SDK's HMAC signing (api-version
// 2026-03-12, port in the signed host) is accepted, every response deserialises into what the
// SDK promises, and every callback body parses with the SDK's own `parseCallAutomationEvent`.
//
// Runs on real time (Dana answers after 3 s); independent calls run concurrently so the file
// stays well under a minute. `DEBUG_EMULATOR=1` prints the emulator's request/delivery lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { CallAutomationClient, parseCallAutomationEvent } from '@azure/communication-call-automation';
import { getIdentifierRawId } from '@azure/communication-common';
import { startEmulator } from '../../emulator/server.mjs';

const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
const DANA_RAW = `8:orgid:${DANA}`;
const JO = '6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170'; // never answers
const CUSTOMER = '+14255550123';
const RESOURCE_NUMBER = '+18005550100';
const RESOURCE_ID = '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f';
const ISSUER = 'https://acscallautomation.communication.azure.com';
const T = { timeout: 20_000 }; // per test: a hung request fails the test instead of the run
const PORTS = [8790, 8791, 8792, 8793, 8794, 8795, 8796, 8797, 8798, 8799];

let emu; // {url, connectionString, close()}
let receiver; // {url, close()}
let client;
const callbacks = []; // {path, headers, text, at}
const emulatorLines = [];
let agentId;
let botId; // the identity Call Automation acts as (`source` of created calls)

// ---- helpers ---------------------------------------------------------------------------------

async function startEmulatorOnFreePort() {
  let last;
  for (const port of PORTS) {
    try {
      return await startEmulator({
        port,
        host: '127.0.0.1',
        log: (line) => {
          emulatorLines.push(line);
          if (process.env.DEBUG_EMULATOR) console.log(line);
        },
      });
    } catch (e) {
      if (e?.code !== 'EADDRINUSE') throw e;
      last = e;
    }
  }
  throw last;
}

/** A loopback callback receiver: records every request, answers 200. */
async function startReceiver() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      callbacks.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        text: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections?.();
      }),
  };
}

/** Every callback received on `path`, parsed by the SDK. */
function eventsOn(path) {
  return callbacks.filter((c) => c.path === path).map((c) => parseCallAutomationEvent(c.text));
}

/** Polls until `find()` returns a truthy value (or fails after `timeoutMs`). */
async function waitFor(what, find, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = callbacks.map((c) => `${c.path} ${JSON.parse(c.text)[0]?.type}`).join('\n  ');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; callbacks so far:\n  ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for an event of `kind` on `path` (optionally matching `pred`). */
function waitForEvent(path, kind, pred = () => true, timeoutMs) {
  return waitFor(`${kind} on ${path}`, () => eventsOn(path).find((e) => e.kind === kind && pred(e)), timeoutMs);
}

async function control(path) {
  const res = await fetch(`${emu.url}/control/${path}`);
  assert.equal(res.status, 200, `GET /control/${path}`);
  return res.json();
}

const b64urlJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const rawIds = (participants) => participants.map((p) => getIdentifierRawId(p.identifier));

// ---- lifecycle -------------------------------------------------------------------------------

before(async () => {
  emu = await startEmulatorOnFreePort();
  receiver = await startReceiver();
  client = new CallAutomationClient(emu.connectionString, { allowInsecureConnection: true });
  const world = await control('world');
  agentId = world.agents[0].id;
  botId = world.resource.botId;
});

after(async () => {
  await receiver?.close();
  await emu?.close();
});

// The calls of the scenario (filled in as the tests go).
const seed = { path: '/cb/seed' }; // createCall → Dana; add agent; play; record; hang up (leave)
const pstn = { path: '/cb/pstn' }; // createCall → customer from the resource number; blind transfer to Dana
const ended = { path: '/cb/terminate' }; // createCall → customer; terminated for everyone

// ---- the scenario ----------------------------------------------------------------------------

test('createCall: a Teams user by object id, and a PSTN customer from the resource number', T, async () => {
  const [a, b, c] = await Promise.all([
    client.createCall({ targetParticipant: { microsoftTeamsUserId: DANA } }, receiver.url + seed.path, {
      operationContext: 'seed-create',
    }),
    client.createCall(
      { targetParticipant: { phoneNumber: CUSTOMER }, sourceCallIdNumber: { phoneNumber: RESOURCE_NUMBER } },
      receiver.url + pstn.path,
    ),
    client.createCall(
      { targetParticipant: { phoneNumber: CUSTOMER }, sourceCallIdNumber: { phoneNumber: RESOURCE_NUMBER } },
      receiver.url + ended.path,
    ),
  ]);
  for (const [call, result] of [[seed, a], [pstn, b], [ended, c]]) {
    const p = result.callConnectionProperties;
    assert.match(p.callConnectionId, /^[0-9a-f-]{36}$/, 'callConnectionId');
    assert.equal(p.callConnectionState, 'connecting');
    // SDK quirk: CallConnectionProperties declares `callbackUrl`, but createCall spreads the
    // generated model, so the value arrives as `callbackUri` (and `callbackUrl` stays undefined).
    assert.equal(p.callbackUri ?? p.callbackUrl, receiver.url + call.path);
    assert.ok(p.serverCallId, 'serverCallId');
    assert.equal(p.targetParticipants?.length, 1);
    call.id = p.callConnectionId;
    call.serverCallId = p.serverCallId;
    call.connection = result.callConnection;
  }
  assert.equal(getIdentifierRawId(a.callConnectionProperties.targetParticipants[0]), DANA_RAW);
  assert.equal(a.callConnectionProperties.targetParticipants[0].microsoftTeamsUserId, DANA);
  assert.equal(b.callConnectionProperties.targetParticipants[0].phoneNumber, CUSTOMER);
  assert.equal(b.callConnectionProperties.sourceCallerIdNumber?.phoneNumber, RESOURCE_NUMBER);
  assert.equal(a.callConnectionProperties.source?.communicationUserId, botId);
  assert.equal(new Set([seed.id, pstn.id, ended.id]).size, 3);
});

test('CallConnected arrives on each callback URL (Dana answers after 3 s)', T, async () => {
  const [connected] = await Promise.all([
    waitForEvent(seed.path, 'CallConnected', undefined, 8_000),
    waitForEvent(pstn.path, 'CallConnected', undefined, 8_000),
    waitForEvent(ended.path, 'CallConnected', undefined, 8_000),
  ]);
  assert.equal(connected.callConnectionId, seed.id);
  assert.equal(connected.serverCallId, seed.serverCallId);
  assert.equal(connected.operationContext, 'seed-create');
  assert.ok(connected.correlationId);
  const props = await seed.connection.getCallConnectionProperties();
  assert.equal(props.callConnectionState, 'connected');
  assert.equal(props.callConnectionId, seed.id);
});

test('addParticipant: the agent ACS user (202 with invitationId), AddParticipantSucceeded', T, async () => {
  const res = await seed.connection.addParticipant(
    { targetParticipant: { communicationUserId: agentId }, sourceDisplayName: 'Contoso Support' },
    { operationContext: 'add-agent', invitationTimeoutInSeconds: 30 },
  );
  assert.match(res.invitationId ?? '', /^[0-9a-f-]{36}$/, 'invitationId');
  assert.equal(res.operationContext, 'add-agent');
  assert.equal(getIdentifierRawId(res.participant.identifier), agentId);
  const ok = await waitForEvent(seed.path, 'AddParticipantSucceeded', (e) => e.operationContext === 'add-agent');
  assert.equal(ok.participant.communicationUserId, agentId);
  assert.equal(ok.resultInformation.code, 200);
  assert.equal(ok.callConnectionId, seed.id);
  await waitForEvent(seed.path, 'ParticipantsUpdated', (e) => rawIds(e.participants).includes(agentId));
});

test('listParticipants and getParticipant', T, async () => {
  const list = await seed.connection.listParticipants();
  const ids = rawIds(list.values);
  assert.ok(ids.includes(DANA_RAW), `participants ${ids}`);
  assert.ok(ids.includes(agentId), `participants ${ids}`);
  const dana = list.values.find((p) => getIdentifierRawId(p.identifier) === DANA_RAW);
  assert.equal(dana.identifier.microsoftTeamsUserId, DANA);
  assert.equal(dana.isMuted, false);
  assert.equal(dana.isOnHold, false);

  const one = await seed.connection.getParticipant({ microsoftTeamsUserId: DANA });
  assert.equal(getIdentifierRawId(one.identifier), DANA_RAW);
  assert.equal(one.isMuted, false);
  const agent = await seed.connection.getParticipant({ communicationUserId: agentId });
  assert.equal(agent.identifier.communicationUserId, agentId);
});

test('playToAll a file, recording start/pause/resume', T, async () => {
  const media = seed.connection.getCallMedia();
  const recording = client.getCallRecording();
  await media.playToAll([{ kind: 'fileSource', url: 'https://contoso.example/audio/welcome.wav' }], {
    operationContext: 'welcome',
  });
  const rec = await recording.start({
    callLocator: { id: seed.serverCallId, kind: 'serverCallLocator' },
  });
  assert.ok(rec.recordingId, 'recordingId');
  assert.equal(rec.recordingState, 'inactive');
  const active = await waitForEvent(
    seed.path,
    'RecordingStateChanged',
    (e) => e.recordingId === rec.recordingId && e.state === 'active',
  );
  assert.equal(active.callConnectionId, seed.id);
  assert.equal((await recording.getState(rec.recordingId)).recordingState, 'active');
  await recording.pause(rec.recordingId);
  await waitForEvent(seed.path, 'RecordingStateChanged', (e) => e.state === 'inactive');
  assert.equal((await recording.getState(rec.recordingId)).recordingState, 'inactive');
  await recording.resume(rec.recordingId);
  await waitFor('the recording active again', () =>
    eventsOn(seed.path).filter((e) => e.kind === 'RecordingStateChanged' && e.state === 'active').length >= 2,
  );
  seed.recordingId = rec.recordingId;

  const started = await waitForEvent(seed.path, 'PlayStarted', (e) => e.operationContext === 'welcome');
  assert.equal(started.callConnectionId, seed.id);
  const done = await waitForEvent(seed.path, 'PlayCompleted', (e) => e.operationContext === 'welcome');
  assert.equal(done.resultInformation.code, 200);
});

test('more mid-call operations: mute, hold/unhold, cancel an invitation, remove, stop refused', T, async () => {
  const agent = { communicationUserId: agentId };
  const muted = await seed.connection.muteParticipant(agent, { operationContext: 'mute-agent' });
  assert.equal(muted.operationContext, 'mute-agent');
  assert.equal((await seed.connection.getParticipant(agent)).isMuted, true);

  const media = seed.connection.getCallMedia();
  await media.hold(agent);
  assert.equal((await seed.connection.getParticipant(agent)).isOnHold, true);
  await media.unhold(agent);
  assert.equal((await seed.connection.getParticipant(agent)).isOnHold, false);

  // Jo never answers: cancel the ringing invitation.
  const jo = await seed.connection.addParticipant(
    { targetParticipant: { microsoftTeamsUserId: JO } },
    { operationContext: 'add-jo' },
  );
  const cancel = await seed.connection.cancelAddParticipantOperation(jo.invitationId, {
    operationContext: 'cancel-jo',
  });
  assert.equal(cancel.invitationId, jo.invitationId);
  const cancelled = await waitForEvent(seed.path, 'CancelAddParticipantSucceeded');
  assert.equal(cancelled.invitationId, jo.invitationId);
  assert.equal(cancelled.operationContext, 'cancel-jo');

  const removed = await seed.connection.removeParticipant(agent, { operationContext: 'remove-agent' });
  assert.equal(removed.operationContext, 'remove-agent');
  const gone = await waitForEvent(seed.path, 'RemoveParticipantSucceeded');
  assert.equal(gone.participant.communicationUserId, agentId);
  assert.ok(!rawIds((await seed.connection.listParticipants()).values).includes(agentId));

  // The preview limit: a recording started after a Teams user joined cannot be stopped.
  await assert.rejects(client.getCallRecording().stop(seed.recordingId), (e) => {
    assert.equal(e.name, 'RestError');
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, '8520');
    return true;
  });
});

test('blind transfer of the 1:1 PSTN call to Dana: CallTransferAccepted, then CallDisconnected', T, async () => {
  const res = await pstn.connection.transferCallToParticipant(
    { microsoftTeamsUserId: DANA },
    { operationContext: 'to-dana' },
  );
  assert.equal(res.operationContext, 'to-dana');
  const accepted = await waitForEvent(pstn.path, 'CallTransferAccepted', undefined, 8_000);
  assert.equal(accepted.operationContext, 'to-dana');
  assert.equal(accepted.callConnectionId, pstn.id);
  // SDK quirk: the parser converts `participant` members but not `transferTarget` / `transferee`,
  // which stay wire models ({kind, rawId, microsoftTeamsUser: {userId}}).
  assert.equal(accepted.transferTarget.rawId, DANA_RAW);
  assert.equal(accepted.transferTarget.microsoftTeamsUser.userId, DANA);
  assert.equal(accepted.transferee.rawId, `4:${CUSTOMER}`);
  assert.equal(accepted.transferee.phoneNumber.value, CUSTOMER);
  await waitForEvent(pstn.path, 'CallDisconnected');
});

test('hangUp(false) leaves the seed call; hangUp(true) terminates another; a gone call is 404', T, async () => {
  await seed.connection.hangUp(false);
  await ended.connection.hangUp(true);
  const [left, terminated] = await Promise.all([
    waitForEvent(seed.path, 'CallDisconnected'),
    waitForEvent(ended.path, 'CallDisconnected'),
  ]);
  assert.equal(left.callConnectionId, seed.id);
  assert.equal(terminated.callConnectionId, ended.id);
  // The recording stopped before the connection's last event.
  const seedKinds = eventsOn(seed.path).map((e) => e.kind);
  assert.equal(seedKinds.at(-1), 'CallDisconnected');

  await assert.rejects(ended.connection.hangUp(true), (e) => {
    assert.equal(e.name, 'RestError');
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, '8522');
    return true;
  });

  const truth = await control('calls');
  const byId = Object.fromEntries(truth.map((c) => [c.callConnectionId, c]));
  for (const c of [seed, pstn, ended]) assert.equal(byId[c.id]?.ended, true, `call ${c.id} ended`);
});

// ---- what arrived, and what the emulator saw ---------------------------------------------------

test('every callback parses with the SDK and covers the scenario', T, () => {
  assert.ok(callbacks.length > 0);
  const kinds = new Set();
  for (const c of callbacks) {
    assert.equal(c.method, 'POST');
    assert.match(c.headers['content-type'] ?? '', /^application\/json/);
    const raw = JSON.parse(c.text);
    assert.ok(Array.isArray(raw) && raw.length === 1, 'a JSON array of one CloudEvent');
    const ev = parseCallAutomationEvent(c.text);
    assert.ok(ev.callConnectionId, `${ev.kind} has callConnectionId`);
    assert.ok(ev.serverCallId, `${ev.kind} has serverCallId`);
    kinds.add(ev.kind);
  }
  for (const k of [
    'CallConnected',
    'ParticipantsUpdated',
    'AddParticipantSucceeded',
    'PlayStarted',
    'PlayCompleted',
    'RecordingStateChanged',
    'CallTransferAccepted',
    'CallDisconnected',
  ]) {
    assert.ok(kinds.has(k), `saw ${k} (saw ${[...kinds].join(', ')})`);
  }
  // ParticipantsUpdated went through the SDK's participant converter.
  const roster = eventsOn(seed.path).filter((e) => e.kind === 'ParticipantsUpdated');
  assert.ok(roster.some((e) => rawIds(e.participants).includes(DANA_RAW)));
  assert.ok(roster.every((e) => typeof e.sequenceNumber === 'number'));
});

test('every callback carries a Bearer JWT from the ACS issuer for the resource, verifiable with the JWKS', T, async () => {
  assert.ok(callbacks.length >= 20, `callbacks received: ${callbacks.length}`);
  const jwks = await (await fetch(`${emu.url}/calling/keys`)).json();
  for (const c of callbacks) {
    const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(c.headers.authorization ?? '');
    assert.ok(m, `Authorization: Bearer <JWT> on ${c.path}`);
    const [, h, p, s] = m;
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, RESOURCE_ID);
    assert.ok(claims.exp > claims.iat && claims.exp * 1000 > c.at - 1_000, 'not expired when received');
    assert.equal(header.alg, 'RS256');
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, `kid ${header.kid} in the JWKS`);
    const ok = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(s, 'base64url'),
    );
    assert.ok(ok, 'JWT signature verifies');
  }
});

test("the emulator's log: the SDK's signed requests were accepted (2xx, never 401)", T, async () => {
  const { entries } = await control('log');
  const requests = entries.filter((e) => e.kind === 'request');
  assert.ok(requests.length > 0);
  const unauthorized = requests.filter((e) => e.status === 401);
  assert.deepEqual(unauthorized, [], 'no request failed HMAC authentication');
  for (const e of requests) assert.match(e.path, /[?&]api-version=2026-03-12(&|$)/, `SDK api-version on ${e.path}`);

  const ok = (op) => requests.filter((e) => e.operation === op && e.status >= 200 && e.status < 300);
  for (const op of [
    'createCall',
    'getCall',
    'addParticipant',
    'getParticipants',
    'getParticipant',
    'play',
    'startRecording',
    'getRecordingProperties',
    'pauseRecording',
    'resumeRecording',
    'transferToParticipant',
    'hangupCall',
    'terminateCall',
  ]) {
    assert.ok(ok(op).length > 0, `${op} answered 2xx (log: ${requests.map((e) => `${e.operation} ${e.status}`).join(', ')})`);
  }
  assert.equal(ok('createCall').length, 3);
  // Repeatability headers the SDK sends on createCall / addParticipant / transfer / startRecording / terminate.
  for (const op of ['createCall', 'addParticipant', 'transferToParticipant', 'startRecording', 'terminateCall']) {
    assert.ok(ok(op).every((e) => e.repeatabilityRequestId), `${op} carried Repeatability-Request-ID`);
  }
  // The one expected failure: terminating the call that had already ended.
  // The expected failures: stopping the recording (Teams preview limit), terminating a gone call.
  const failed = requests.filter((e) => e.status >= 300);
  assert.deepEqual(
    failed.map((e) => [e.operation, e.status]),
    [
      ['stopRecording', 400],
      ['terminateCall', 404],
    ],
  );
  // What the SDK sent on the wire, as the emulator recorded it (SPEC §8).
  const add = ok('addParticipant')[0].body;
  assert.equal(add.participantToAdd.rawId, agentId);
  assert.deepEqual(add.customCallingContext, { voipHeaders: {}, sipHeaders: {} });
  const creates = ok('createCall').map((e) => e.body);
  const toDana = creates.find((b) => b.callbackUri.endsWith(seed.path));
  assert.deepEqual(toDana.targets, [
    { kind: 'microsoftTeamsUser', rawId: DANA_RAW, microsoftTeamsUser: { userId: DANA, isAnonymous: false, cloud: 'public' } },
  ]);
  const toCustomer = creates.find((b) => b.callbackUri.endsWith(pstn.path));
  assert.equal(toCustomer.targets[0].phoneNumber.value, CUSTOMER);
  assert.equal(toCustomer.sourceCallerIdNumber.value, RESOURCE_NUMBER);
  const play = ok('play')[0].body;
  assert.deepEqual(play.playSources, [{ kind: 'file', file: { uri: 'https://contoso.example/audio/welcome.wav' } }]);
  assert.deepEqual(play.playTo, []);
  assert.deepEqual(play.playOptions, { loop: false });
  for (const op of ['cancelAddParticipant', 'muteParticipants', 'removeParticipant', 'hold', 'unhold']) {
    assert.equal(ok(op).length, 1, `${op} answered 2xx`);
  }

  // The check is not vacuous: the same SDK with a wrong access key is refused with 401.
  const wrongKey = emu.connectionString.replace(/accesskey=[^;]*/i, `accesskey=${Buffer.alloc(32, 7).toString('base64')}`);
  const intruder = new CallAutomationClient(wrongKey, { allowInsecureConnection: true });
  await assert.rejects(intruder.getCallConnection(seed.id).getCallConnectionProperties(), (e) => {
    assert.equal(e.statusCode, 401);
    return true;
  });
  const after401 = (await control('log')).entries.filter((e) => e.kind === 'request' && e.status === 401);
  assert.deepEqual(after401.map((e) => e.operation), ['getCall']);
});
