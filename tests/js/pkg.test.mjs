// The npm package (pkg/, nodejs target) tested in Node: every export, outputs and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createHmac, createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as sb from '../../pkg/node.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const read = (p) => readFileSync(new URL(p, fixtures), 'utf8');
const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const CS = `endpoint=https://contoso.communication.azure.com/;accesskey=${KEY}`;
const OID = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
const REP = '0f8fad5b-d9cb-469f-a165-70867728950e';
const DATE = new Date(Date.UTC(2025, 3, 1, 12, 0, 0));

function throwsCode(fn, code, field) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, 'expected an Error');
  assert.equal(caught.code, code, caught.message);
  if (field !== undefined) assert.equal(caught.field, field, caught.message);
  return caught;
}

test('init is a no-op in Node', async () => {
  assert.equal(await sb.init(), undefined);
});

test('parseEvents: every callback fixture, flat ACS names, unknown kept', () => {
  const dir = new URL('events/', fixtures);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 17);
  for (const f of files) {
    const body = read(`events/${f}`);
    const [ev] = sb.parseEvents(body);
    const original = JSON.parse(body)[0];
    assert.equal(ev.id, original.id);
    if (f.includes('Unknown')) {
      assert.equal(ev.type, 'Unknown');
      assert.equal(ev.eventType, 'Microsoft.Communication.TeamsFutureEvent');
      assert.deepEqual(ev.raw, original);
    } else {
      assert.equal(ev.type, original.type.replace('Microsoft.Communication.', ''));
      // ACS's two casings of a recording's state and kind come in the canonical one.
      const canonical = (k, v) => (k === 'state' || k === 'recordingKind' ? v.replace(/^./, (c) => c.toLowerCase()) : v);
      for (const [k, v] of Object.entries(original.data)) assert.deepEqual(ev[k], canonical(k, v), `${f} ${k}`);
    }
  }
});

test('parseEvents: a located body gives the events a whole parse gives', () => {
  // Node's parseEvents parses only the data of a body the core located and slices the envelope
  // strings (eventSpans); a body with a non-ASCII character anywhere is parsed whole. The same
  // body with one non-ASCII member the flat event does not carry is the reference.
  const raw = createRequire(import.meta.url)('../../pkg/node/switchboard.js');
  const located = (body, data) => {
    const at = new Uint32Array(raw.wasmMemory().buffer, raw.eventSpans(), 2);
    try {
      return JSON.stringify(JSON.parse(body.slice(at[0], at[1]))) === JSON.stringify(data);
    } catch {
      return false;
    }
  };
  const dir = new URL('events/', fixtures);
  let checked = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.includes('Unknown'))) {
    const el = JSON.parse(read(`events/${f}`))[0];
    const { data, ...envelope } = el;
    const variants = [
      el,
      { ...el, time: el.time.replace('+', '\\u002B'), id: `${el.id}\\"x` }, // escapes in envelope strings
      { id: el.id, topic: el.source, subject: el.subject, data, eventType: el.type, eventTime: el.time }, // Event Grid, data first
      { ...envelope, time: null, eventTime: el.time, subject: null, data },
      { id: el.id, type: el.type, data },
    ];
    for (const v of variants) {
      for (const body of [JSON.stringify([v]).replaceAll('\\\\u002B', '\\u002B').replaceAll('\\\\\\"', '\\"'), JSON.stringify(v, null, 2)]) {
        const [e] = sb.parseEvents(body);
        assert.ok(located(body, data), `${f} not located: ${body.slice(0, 200)}`);
        const [whole] = sb.parseEvents(body.replace(/^(\s*\[?\s*\{)/, '$1"note":"é",'));
        assert.equal(JSON.stringify(e), JSON.stringify(whole), `${f}: ${body.slice(0, 200)}`);
        checked++;
      }
    }
  }
  assert.equal(checked, 16 * 5 * 2);
});

test('parseEvents: typed members of the expert-consultation events', () => {
  const [added] = sb.parseEvents(read('events/03_AddParticipantSucceeded.json'));
  assert.equal(added.type, 'AddParticipantSucceeded');
  assert.equal(added.participant.rawId, `8:orgid:${OID}`);
  assert.equal(added.operationContext, 'expert-1');
  const [failed] = sb.parseEvents(read('events/05_AddParticipantFailed.json'));
  assert.deepEqual([failed.resultInformation.code, failed.resultInformation.subCode], [403, 7604]);
  // An already-parsed body works too, and Event Grid schema in a single object.
  const [incoming] = sb.parseEvents(JSON.parse(read('acs-examples/eventgrid/event-grid-schema/incoming_call.json')));
  assert.equal(incoming.type, 'IncomingCall');
  assert.equal(incoming.incomingCallContext, '{incoming-call-contextValue}');
});

test('parseEvents: errors name what is wrong', () => {
  throwsCode(() => sb.parseEvents('not json'), 'invalid_json');
  throwsCode(() => sb.parseEvents('42'), 'not_events');
  throwsCode(() => sb.parseEvents('[{"data":{}}]'), 'invalid_event', '[0].type');
  throwsCode(
    () => sb.parseEvents('[{"id":"1","type":"Microsoft.Communication.ParticipantsUpdated","data":{"sequenceNumber":"x"}}]'),
    'invalid_event_data',
    '[0].data.sequenceNumber',
  );
  assert.deepEqual(sb.parseEvents('[]'), []);
});

test('identifierFromRawId and rawIdOf round trip every kind', () => {
  const cases = [
    ['8:acs:r_u', 'communicationUser'],
    ['4:+14255550123', 'phoneNumber'],
    [`8:orgid:${OID}`, 'microsoftTeamsUser'],
    [`8:gcch:${OID}`, 'microsoftTeamsUser'],
    [`8:teamsvisitor:${OID}`, 'microsoftTeamsUser'],
    [`28:orgid:${OID}`, 'microsoftTeamsApp'],
    ['8:acs:r_t_u', 'teamsExtensionUser'],
    ['48:x', 'unknown'],
  ];
  for (const [raw, kind] of cases) {
    const id = sb.identifierFromRawId(raw);
    assert.equal(id.kind, kind, raw);
    assert.equal(sb.rawIdOf(id), raw);
    // Rebuilt from the typed member alone (an unknown identifier has nothing but its raw id).
    const { rawId, ...withoutRawId } = id;
    if (kind !== 'unknown') assert.equal(sb.rawIdOf(withoutRawId), raw, `rebuilt ${raw}`);
  }
  assert.equal(sb.identifierFromRawId(`8:gcch:${OID}`).microsoftTeamsUser.cloud, 'gcch');
  assert.equal(sb.rawIdOf({ microsoftTeamsUser: { userId: OID } }), `8:orgid:${OID}`);
  throwsCode(() => sb.identifierFromRawId(''), 'invalid_raw_id', 'rawId');
  throwsCode(() => sb.rawIdOf({}), 'invalid_identifier');
  throwsCode(() => sb.rawIdOf({ kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: OID, cloud: 'mars' } }), 'invalid_identifier', 'microsoftTeamsUser.cloud');
});

test('signRequest reproduces the SPEC §1.3 vector and matches an independent HMAC', () => {
  const body = '{"targets":[{"kind":"communicationUser","communicationUser":{"id":"8:acs:x_y"}}],"callbackUri":"https://app.example/cb"}';
  const h = sb.signRequest({ method: 'POST', url: 'https://contoso.communication.azure.com/calling/callConnections?api-version=2025-05-15', body, date: DATE }, CS);
  assert.equal(h['x-ms-date'], 'Tue, 01 Apr 2025 12:00:00 GMT');
  assert.equal(h['x-ms-content-sha256'], 'CXVHrrDJ6nq2H04mjTFL1V6endG5kZukCwKPsfAHwc4=');
  assert.equal(h.Authorization, 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=haiRn2MCzmA67QRey7V70MKLGyUjCsDIeX/At/IWJQU=');
  // Node's own crypto agrees for another request (port kept in the host, empty body).
  const url = 'http://127.0.0.1:8788/calling/callConnections/c1?api-version=2025-05-15';
  const h2 = sb.signRequest({ method: 'get', url, date: 0 }, 'endpoint=http://127.0.0.1:8788/;accesskey=' + KEY);
  const hash = createHash('sha256').update('').digest('base64');
  const sts = `GET\n/calling/callConnections/c1?api-version=2025-05-15\nThu, 01 Jan 1970 00:00:00 GMT;127.0.0.1:8788;${hash}`;
  const sig = createHmac('sha256', Buffer.from(KEY, 'base64')).update(sts).digest('base64');
  assert.equal(h2.Authorization, `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`);
  throwsCode(() => sb.signRequest({ url: 'nope' }, CS), 'invalid_url', 'url');
  throwsCode(() => sb.signRequest({ url: 'https://a.b/' }, 'endpoint=https://a.b/'), 'invalid_connection_string', 'connectionString');
  throwsCode(() => sb.signRequest({ method: 'GET' }, CS), 'invalid_request', 'url');
});

test('buildRequest: add a Teams expert, deterministic with options', () => {
  const params = { callConnectionId: 'call-1', participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: OID } }, sourceDisplayName: 'Contoso Support', invitationTimeoutInSeconds: 30 };
  const a = sb.buildRequest('addParticipant', params, CS, { date: DATE, repeatabilityRequestId: REP });
  const b = sb.buildRequest('addParticipant', params, CS, { date: DATE, repeatabilityRequestId: REP });
  assert.deepEqual(a, b);
  assert.equal(a.method, 'POST');
  assert.equal(a.url, 'https://contoso.communication.azure.com/calling/callConnections/call-1/participants:add?api-version=2025-05-15');
  assert.deepEqual(JSON.parse(a.body), {
    participantToAdd: { kind: 'microsoftTeamsUser', rawId: `8:orgid:${OID}`, microsoftTeamsUser: { userId: OID, isAnonymous: false, cloud: 'public' } },
    sourceDisplayName: 'Contoso Support',
    invitationTimeoutInSeconds: 30,
  });
  assert.equal(a.headers['Repeatability-Request-ID'], REP);
  assert.equal(a.headers['Repeatability-First-Sent'], 'Tue, 01 Apr 2025 12:00:00 GMT');
  // The signature covers exactly these bytes.
  const sts = `POST\n/calling/callConnections/call-1/participants:add?api-version=2025-05-15\n${a.headers['x-ms-date']};contoso.communication.azure.com;${createHash('sha256').update(a.body).digest('base64')}`;
  assert.ok(a.headers.Authorization.endsWith(createHmac('sha256', Buffer.from(KEY, 'base64')).update(sts).digest('base64')));
  // Without options: a fresh UUID each time, current date.
  const c = sb.buildRequest('addParticipant', params, CS);
  const d = sb.buildRequest('addParticipant', params, CS);
  assert.match(c.headers['Repeatability-Request-ID'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(c.headers['Repeatability-Request-ID'], d.headers['Repeatability-Request-ID']);
});

test('buildRequest: the other scenario operations', () => {
  const opts = { date: DATE, repeatabilityRequestId: REP };
  const create = sb.buildRequest('createCall', { targets: [{ rawId: `8:orgid:${OID}` }], callbackUri: 'https://app.example/cb', sourceDisplayName: 'Contoso' }, CS, opts);
  assert.equal(create.url, 'https://contoso.communication.azure.com/calling/callConnections?api-version=2025-05-15');
  const play = sb.buildRequest('playToAll', { callConnectionId: 'c', playSources: [{ kind: 'file', file: { uri: 'https://cdn.example/hello.wav' } }] }, CS, opts);
  assert.equal(JSON.parse(play.body).playSources[0].file.uri, 'https://cdn.example/hello.wav');
  assert.equal(play.headers['Repeatability-Request-ID'], undefined, 'play takes no Repeatability');
  const term = sb.buildRequest('terminateCall', { callConnectionId: 'c' }, CS, opts);
  assert.deepEqual([term.method, term.body, term.headers['Content-Type']], ['POST', null, undefined]);
  const hang = sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, opts);
  assert.equal(hang.method, 'DELETE');
  const get = sb.buildRequest('getParticipant', { callConnectionId: 'c', participantRawId: '8:acs:r_u' }, CS, opts);
  assert.ok(get.url.endsWith('/participants/8%3Aacs%3Ar_u?api-version=2025-05-15'));
  const rec = sb.buildRequest('startRecording', { callConnectionId: 'c', recordingContentType: 'audio' }, CS, { ...opts, apiVersion: '2026-03-12' });
  assert.deepEqual(JSON.parse(rec.body), { callConnectionId: 'c', recordingContentType: 'audio' });
  assert.ok(rec.url.endsWith('/calling/recordings?api-version=2026-03-12'));
  const pause = sb.buildRequest('pauseRecording', { recordingId: 'eyJ/x==' }, CS, opts);
  assert.ok(pause.url.endsWith('/calling/recordings/eyJ%2Fx%3D%3D:pause?api-version=2025-05-15'));
  const transfer = sb.buildRequest('transferToParticipant', { callConnectionId: 'c', targetParticipant: { rawId: '4:+14255550100' } }, CS, opts);
  assert.equal(JSON.parse(transfer.body).targetParticipant.phoneNumber.value, '+14255550100');
});

test('buildRequest: errors are typed and name the field', () => {
  const p = { callConnectionId: 'c', participantToAdd: { rawId: `8:orgid:${OID}` } };
  throwsCode(() => sb.buildRequest('teleport', {}, CS), 'unknown_operation', 'operation');
  throwsCode(() => sb.buildRequest('addParticipant', { ...p, callConnectionId: undefined }, CS), 'invalid_params', 'callConnectionId');
  throwsCode(() => sb.buildRequest('addParticipant', { callConnectionId: 'c', participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: 'not-a-guid' } } }, CS), 'invalid_params', 'participantToAdd.microsoftTeamsUser.userId');
  throwsCode(() => sb.buildRequest('addParticipant', { ...p, invitationTimeoutInSeconds: 181 }, CS), 'invalid_params', 'invitationTimeoutInSeconds');
  throwsCode(() => sb.buildRequest('addParticipant', { ...p, sourceDisplayname: 'typo' }, CS), 'invalid_params', 'sourceDisplayname');
  throwsCode(() => sb.buildRequest('createCall', { targets: [], callbackUri: 'https://a.b/' }, CS), 'invalid_params', 'targets');
  throwsCode(() => sb.buildRequest('createCall', { targets: [{ rawId: `8:orgid:${OID}` }], callbackUri: 'http://app.example/cb' }, CS), 'invalid_params', 'callbackUri');
  throwsCode(() => sb.buildRequest('addParticipant', p, 'endpoint=http://127.0.0.1:8787/emulator/;accesskey=' + KEY), 'invalid_connection_string');
  throwsCode(() => sb.buildRequest('addParticipant', p, CS, { date: 'yesterday' }), 'invalid_options', 'date');
  throwsCode(() => sb.buildRequest('addParticipant', p, CS, { repeatabilityRequestId: 'abc' }), 'invalid_options', 'repeatabilityRequestId');
  throwsCode(() => sb.buildRequest('addParticipant', '[1]', CS), 'invalid_params');
  // Unknown members go through only when asked.
  const loose = sb.buildRequest('addParticipant', { ...p, futureField: 1 }, CS, { allowUnknownFields: true });
  assert.equal(JSON.parse(loose.body).futureField, 1);
});

test('operations() and rules() list the catalogue', () => {
  const ops = sb.operations();
  assert.equal(ops.length, 35);
  const add = ops.find((o) => o.name === 'addParticipant');
  assert.deepEqual(add, { name: 'addParticipant', method: 'POST', path: '/calling/callConnections/{callConnectionId}/participants:add', pathParams: ['callConnectionId'], success: [202], repeatable: true, apiVersion: '2025-05-15' });
  const names = sb.rules().map((r) => r.name);
  assert.ok(names.includes('dtmf_not_in_teams_calls') && names.includes('stop_recording_started_after_teams_joined'));
  assert.equal(names.length, 15);
});

test('CallState: expert joins and leaves, rules follow, duplicates ignored', () => {
  const s = new sb.CallState();
  const connected = s.apply(read('events/01_CallConnected.json'));
  assert.deepEqual(connected[0].changes[0], { change: 'connection', state: 'connected' });
  s.apply(read('events/02_ParticipantsUpdated.json'));
  assert.deepEqual(s.can({ operation: 'recognize', recognizeInputType: 'dtmf' }), { allowed: true });
  const ringing = s.recordCommand({ operation: 'addParticipant', participantToAdd: { rawId: `8:orgid:${OID}` }, operationContext: 'expert-1', sourceDisplayName: 'Contoso' }, { at: DATE, by: 'agent-7' });
  assert.deepEqual(ringing, [{ change: 'participant', rawId: `8:orgid:${OID}`, status: 'ringing' }]);
  assert.deepEqual(s.recordResponse('addParticipant', { status: 202, body: { invitationId: 'inv-1', operationContext: 'expert-1' }, operationContext: 'expert-1' }), []);
  const joined = s.apply(read('events/04_ParticipantsUpdated_teams.json'));
  assert.ok(joined[0].changes.some((c) => c.change === 'participant' && c.status === 'connected' && c.rawId === `8:orgid:${OID}`));
  assert.deepEqual(s.apply(read('events/04_ParticipantsUpdated_teams.json')), [{ outcome: 'duplicate' }]);
  const dtmf = s.can({ operation: 'recognize', recognizeInputType: 'dtmf' });
  assert.equal(dtmf.allowed, false);
  assert.equal(dtmf.rule, 'dtmf_not_in_teams_calls');
  assert.equal(s.can({ operation: 'transferToParticipant', targetParticipant: { rawId: '4:+14255550100' } }).rule, 'blind_transfer_one_to_one');
  const snap = s.snapshot();
  const expert = snap.participants.find((p) => p.identifier.rawId === `8:orgid:${OID}`);
  assert.equal(expert.status, 'connected');
  assert.equal(expert.invitation.invitationId, 'inv-1');
  assert.equal(expert.invitation.sourceDisplayName, 'Contoso');
  assert.equal(snap.teamsUsersActive, 1);
  const ended = s.apply(read('events/16_CallDisconnected.json'));
  assert.ok(ended[0].changes.some((c) => c.change === 'connection' && c.state === 'disconnected'));
  const after = s.snapshot();
  assert.equal(after.ended, true);
  assert.ok(after.participants.every((p) => p.status !== 'connected'));
  assert.ok(after.participants.find((p) => p.identifier.rawId === `8:orgid:${OID}`).stays[0].leftAt > 0);
  assert.equal(s.can({ operation: 'playToAll' }).rule, 'call_not_ended');
  s.free();
});

test('CallState: refusals are recorded and errors are typed', () => {
  const s = new sb.CallState();
  s.apply(read('events/01_CallConnected.json'));
  s.recordCommand({ operation: 'startRecording', operationContext: 'rec-1' }, { at: 1 });
  const refused = s.recordResponse('startRecording', { status: 403, body: { error: { code: '7605', message: 'Unauthorized Teams recording interop' } }, operationContext: 'rec-1' });
  assert.deepEqual(refused[0], { change: 'recording', status: 'failed' });
  assert.equal(s.snapshot().lastError.result.subCode, 7605);
  throwsCode(() => s.can({}), 'invalid_action', 'operation');
  throwsCode(() => s.can({ operation: 'addParticipant', participantToAdd: { kind: 'microsoftTeamsUser' } }), 'invalid_action', 'participantToAdd.microsoftTeamsUser');
  throwsCode(() => s.apply('{'), 'invalid_json');
  throwsCode(() => s.recordResponse('fly', { status: 200 }), 'unknown_operation');
  throwsCode(() => s.recordResponse('addParticipant', {}), 'invalid_response', 'status');
  throwsCode(() => s.recordResponse('addParticipant', { status: 202, body: '<html>' }), 'invalid_response', 'body');
  // A refusal from a proxy with an HTML body is still a refusal: its text becomes the message.
  const changes = s.recordResponse('startRecording', { status: 502, body: '<html>Bad gateway</html>', operationContext: 'rec' });
  assert.equal(s.snapshot().lastError.result.message, '<html>Bad gateway</html>');
  assert.deepEqual(changes.at(-1), { change: 'operation', operationContext: 'rec', operation: 'startRecording', succeeded: false, event: 'Refused' });
});

test('no input makes the wasm trap: random text into every parser', () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const alphabet = '{}[]":,0123456789abc-+.\\ \n\u00e9\u{1F600}trufalsenul';
  const s = new sb.CallState();
  for (let i = 0; i < 2000; i++) {
    let t = '';
    const n = Math.floor(rand() * 40);
    for (let j = 0; j < n; j++) t += alphabet[Math.floor(rand() * alphabet.length)];
    for (const fn of [() => sb.parseEvents(t), () => sb.identifierFromRawId(t), () => sb.rawIdOf(t), () => s.apply(t), () => s.can(t), () => sb.buildRequest('addParticipant', t, CS)]) {
      try {
        fn();
      } catch (e) {
        assert.ok(typeof e.code === 'string', `untyped error for ${JSON.stringify(t)}: ${e}`);
      }
    }
  }
  // Still alive and correct afterwards.
  assert.equal(sb.identifierFromRawId('4:+1').kind, 'phoneNumber');
});

test('describeResult puts ACS results in plain words', () => {
  assert.match(sb.describeResult(403, 7604), /no Teams Phone licence/);
  assert.equal(sb.describeResult(603, 8538), 'declined the call');
  assert.equal(sb.describeResult(408), 'did not answer in time');
  assert.equal(sb.describeResult(200, 0), undefined);
});

test('CallState.applyLogRecord replays a Switchboard call log', () => {
  const ccid = 'cc-1';
  const dana = '8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
  const ev = (id, type, data) => ({ id, source: `calling/callConnections/${ccid}`, type: `Microsoft.Communication.${type}`, specversion: '1.0', time: '2025-04-01T12:00:01Z', data: { callConnectionId: ccid, ...data } });
  const records = [
    { seq: 1, at: 1000, kind: 'callback', detail: { type: 'CallConnected', event: ev('e1', 'CallConnected', { serverCallId: 'srv' }) } },
    { seq: 2, at: 2000, kind: 'request', detail: { operation: 'addParticipant', params: { callConnectionId: ccid, participantToAdd: { rawId: dana } }, operationContext: 'dana', by: 'alex' } },
    { seq: 3, at: 2100, kind: 'sent', detail: { operation: 'addParticipant', operationContext: 'dana', status: 202, body: { invitationId: 'inv-1', operationContext: 'dana', participant: { rawId: dana } } } },
    { seq: 4, at: 2200, kind: 'workflow', detail: { consultation: 'dana', phase: 'ringing' } },
  ];
  const s = new sb.CallState();
  for (const r of records) s.applyLogRecord(r);
  const p = s.snapshot().participants.find((x) => x.identifier.rawId === dana);
  assert.equal(p.status, 'ringing');
  assert.equal(p.invitation.invitationId, 'inv-1');
  assert.deepEqual(s.can({ operation: 'addParticipant', participantToAdd: { rawId: dana } }).allowed, false, 'already ringing');
  assert.deepEqual(s.applyLogRecord({ seq: 5, at: 1, kind: 'command', detail: {} }), []);
});

test('CallState.receive: each event with its outcome, as parseEvents and apply give them', () => {
  const a = new sb.CallState();
  const b = new sb.CallState();
  for (const f of ['01_CallConnected', '02_ParticipantsUpdated', '04_ParticipantsUpdated_teams', '17_Unknown_TeamsFutureEvent', '04_ParticipantsUpdated_teams']) {
    const body = read(`events/${f}.json`);
    const received = a.receive(body);
    const outcomes = b.apply(body);
    assert.deepEqual(received.map(({ event, ...o }) => o), outcomes, f);
    assert.deepEqual(received.map((r) => r.event), sb.parseEvents(body), f);
  }
  assert.equal(a.receive(read('events/04_ParticipantsUpdated_teams.json'))[0].outcome, 'duplicate');
  throwsCode(() => a.receive('[{"id":"1"}]'), 'invalid_event', '[0].type');
  a.free();
  b.free();
});

test('CallState.command: the rules, the signed request and the record in one step', () => {
  const s = new sb.CallState();
  s.apply(read('events/01_CallConnected.json'));
  s.apply(read('events/02_ParticipantsUpdated.json'));
  const add = { operation: 'addParticipant', callConnectionId: 'call-1', participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: OID } }, sourceDisplayName: 'Contoso Support', operationContext: 'expert-1' };
  const options = { date: DATE, repeatabilityRequestId: REP, apiVersion: '2026-03-12', by: 'agent-7' };
  const done = s.command(add, CS, options);
  assert.equal(done.allowed, true);
  const { operation, ...params } = add;
  assert.deepEqual(done.request, sb.buildRequest(operation, params, CS, options));
  assert.deepEqual(done.changes, [{ change: 'participant', rawId: `8:orgid:${OID}`, status: 'ringing' }]);
  const p = s.snapshot().participants.find((x) => x.identifier.rawId === `8:orgid:${OID}`);
  assert.equal(p.invitation.invitedAt, DATE.getTime());
  // The same invitation again is refused, and nothing is built or recorded.
  const before = s.snapshot();
  assert.deepEqual(s.command(add, CS, options), { allowed: false, rule: 'no_duplicate_invitation', reason: s.can(add).reason });
  assert.deepEqual(s.snapshot(), before);
  // Dates as strings go through the core's date reading.
  const play = { operation: 'playToAll', callConnectionId: 'call-1', playSources: [{ kind: 'file', file: { uri: 'https://cdn.example/a.wav' } }] };
  assert.equal(s.command(play, CS, { date: 'Tue, 01 Apr 2025 12:00:00 GMT' }).request.headers['x-ms-date'], 'Tue, 01 Apr 2025 12:00:00 GMT');
  throwsCode(() => s.command({ ...play, playSources: [] }, CS), 'invalid_params', 'playSources');
  throwsCode(() => s.command({ callConnectionId: 'c' }, CS), 'invalid_action', 'operation');
  throwsCode(() => s.command(play, CS, { date: 'yesterday' }), 'invalid_options', 'date');
  s.free();
});

test('the wrapper: string dates, line breaks, large and non-ASCII bodies, legacy shapes', () => {
  const params = { callConnectionId: 'call-1', participantToAdd: { rawId: `8:orgid:${OID}` } };
  // A date given as text is read by the core, as a Date or Unix ms are.
  const byText = sb.buildRequest('addParticipant', params, CS, { date: 'Tue, 01 Apr 2025 12:00:00 GMT', repeatabilityRequestId: REP });
  assert.deepEqual(byText, sb.buildRequest('addParticipant', params, CS, { date: DATE.getTime(), repeatabilityRequestId: REP }));
  throwsCode(() => sb.buildRequest('addParticipant', params, CS, { clientRequestId: 'a\nb' }), 'invalid_options', 'clientRequestId');
  throwsCode(() => sb.buildRequest('addParticipant', params, CS, { repeatabilityRequestId: 7 }), 'invalid_options', 'repeatabilityRequestId');
  // Bodies larger than the input buffer, and text outside ASCII, arrive whole.
  const ev = (i, name) => ({ id: `e${i}`, type: 'Microsoft.Communication.CallConnected', source: 'calling/callConnections/c1', data: { callConnectionId: 'c1', operationContext: name } });
  const many = Array.from({ length: 400 }, (_, i) => ev(i, `Zoë ☎ 👩‍💼 ${i}`));
  const parsed = sb.parseEvents(JSON.stringify(many));
  assert.equal(parsed.length, 400);
  assert.equal(parsed[399].operationContext, 'Zoë ☎ 👩‍💼 399');
  assert.equal(sb.parseEvents([ev(1, 'é')])[0].operationContext, 'é');
  // Legacy payloads: the core's normalised members are merged in (SPEC §9 shape drift).
  const [legacy] = sb.parseEvents([{ id: 'x', type: 'Microsoft.Communication.CallConnected', source: 'calling/callConnections/c9', data: { resultInfo: { code: 200, subCode: 0, message: 'ok' } } }]);
  assert.equal(legacy.callConnectionId, 'c9');
  assert.deepEqual(legacy.resultInformation, { code: 200, subCode: 0, message: 'ok' });
  assert.deepEqual(legacy.resultInfo, { code: 200, subCode: 0, message: 'ok' });
  assert.deepEqual(Object.keys(legacy), ['resultInfo', 'callConnectionId', 'resultInformation', 'type', 'id', 'source']);
});

test('parseEvents: strings read right wherever a quote, escape or control character falls', () => {
  // The reader scans strings 8 or 16 bytes at a time (16 with wasm SIMD, the Node build): a
  // stopping byte at every offset of strings up to 40 bytes long, and multi-byte UTF-8.
  const body = JSON.stringify(JSON.parse(readFileSync(new URL('../fixtures/events/01_CallConnected.json', import.meta.url), 'utf8')));
  const specials = ['\\"', '\\\\', '\\n', '\\/', '\\u00e9', '\\u20ac', 'é', '€', '😀', "'"];
  let checked = 0;
  for (let n = 0; n <= 40; n++) {
    for (let p = 0; p <= n; p++) {
      for (const sp of p === n ? [''] : specials) {
        const ctx = 'a'.repeat(p) + sp + 'b'.repeat(Math.max(0, n - p - 1));
        const text = body.replace('"operationContext":"inbound-1"', `"operationContext":"${ctx}"`);
        const [e] = sb.parseEvents(text);
        assert.equal(e.operationContext, JSON.parse(text)[0].data.operationContext, text);
        checked++;
      }
      if (p < n) {
        // A raw control character inside a string is not JSON.
        const bad = body.replace('"operationContext":"inbound-1"', `"operationContext":"${'a'.repeat(p)}\u0001${'b'.repeat(n - p - 1)}"`);
        assert.throws(() => sb.parseEvents(bad), (err) => err.code === 'invalid_json', `control character at ${p} of ${n}`);
      }
    }
  }
  assert.ok(checked > 8000, String(checked));
});

test('CallState: a Teams user\'s own recording is shown apart and does not move ours', () => {
  const call = new sb.CallState();
  const ev = (id, type, time, data) => ({ id, type: `Microsoft.Communication.${type}`, source: 'calling/callConnections/c1', time, specversion: '1.0', data: { callConnectionId: 'c1', ...data } });
  call.receive([ev('e1', 'CallConnected', '2025-04-01T12:00:00Z', {})]);
  call.receive([ev('e2', 'RecordingStateChanged', '2025-04-01T12:00:05Z', { recordingId: 'rec-1', state: 'active', recordingKind: 'azureCommunicationServices' })]);
  const [o] = call.receive([ev('e3', 'TeamsRecordingStateChanged', '2025-04-01T12:00:10Z', { recordingId: 'rec-T', state: 'active' })]);
  assert.deepEqual(o.changes, [{ change: 'teamsRecording', status: 'active' }]);
  call.receive([ev('e4', 'TeamsRecordingStateChanged', '2025-04-01T12:00:20Z', { recordingId: 'rec-T', state: 'inactive' })]);
  const v = call.snapshot();
  assert.deepEqual([v.recording.recordingId, v.recording.status, v.recording.kind], ['rec-1', 'active', 'azureCommunicationServices']);
  assert.deepEqual([v.teamsRecording.recordingId, v.teamsRecording.status, v.teamsRecording.kind], ['rec-T', 'stopped', 'teams']);
  assert.equal(call.can({ operation: 'stopRecording', recordingId: 'rec-1' }).allowed, true);
  const theirs = call.can({ operation: 'pauseRecording', recordingId: 'rec-T' });
  assert.deepEqual([theirs.allowed, theirs.rule], [false, 'teams_recording_not_controllable']);
  call.free();
});

test('arguments of the wrong type are typed errors, never a crash of the wasm instance', () => {
  const call = new sb.CallState();
  const cases = [
    [() => sb.identifierFromRawId(42), 'invalid_raw_id', 'rawId'],
    [() => sb.identifierFromRawId({}), 'invalid_raw_id', 'rawId'],
    [() => sb.buildRequest(5, { callConnectionId: 'c' }, CS), 'unknown_operation', 'operation'],
    [() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, 42), 'invalid_connection_string', 'connectionString'],
    [() => sb.signRequest({ method: 'GET', url: 'https://x.communication.azure.com/y' }, 42), 'invalid_connection_string', 'connectionString'],
    [() => call.recordResponse(5, { status: 202 }), 'unknown_operation', 'operation'],
    [() => call.recordResponse('addParticipant', { status: 202, operationContext: 7 }), 'invalid_response', 'operationContext'],
    [() => call.recordResponse('hangupCall', { status: 99999 }), 'invalid_response', 'status'],
    [() => call.recordCommand({ operation: 'hangupCall' }, { by: 5 }), 'invalid_action', 'by'],
    [() => call.recordCommand({ operation: 'hangupCall' }, { at: 'now' }), 'invalid_action', 'at'],
    [() => call.recordCommand({ operation: 'hangupCall' }, { at: NaN }), 'invalid_action', 'at'],
    [() => call.command({ operation: 'hangupCall' }, null), 'invalid_connection_string', 'connectionString'],
  ];
  for (const [fn, code, field] of cases) {
    const e = throwsCode(fn, code, field);
    assert.ok(!(e instanceof WebAssembly.RuntimeError), e.message);
  }
  // The module still works.
  assert.equal(sb.identifierFromRawId(`8:orgid:${OID}`).kind, 'microsoftTeamsUser');
  call.free();
});

test('options the core would silently lose are refused: invalid dates, unknown keys, a non-object', () => {
  const params = { callConnectionId: 'c' };
  throwsCode(() => sb.buildRequest('hangupCall', params, CS, { date: NaN }), 'invalid_options', 'date');
  throwsCode(() => sb.buildRequest('hangupCall', params, CS, { date: new Date('x') }), 'invalid_options', 'date');
  throwsCode(() => sb.buildRequest('hangupCall', params, CS, { repeatabilityFirstSent: Infinity }), 'invalid_options', 'repeatabilityFirstSent');
  throwsCode(() => sb.buildRequest('hangupCall', params, CS, { dat: DATE }), 'invalid_options', 'dat');
  throwsCode(() => sb.buildRequest('hangupCall', params, CS, 'x'), 'invalid_options', 'options');
  const call = new sb.CallState();
  throwsCode(() => call.command({ operation: 'hangupCall', callConnectionId: 'c' }, CS, { date: NaN }), 'invalid_options', 'date');
  assert.equal(sb.buildRequest('hangupCall', params, CS, { date: DATE, repeatabilityRequestId: REP }).headers['x-ms-date'], 'Tue, 01 Apr 2025 12:00:00 GMT');
  call.free();
});

test('a freed CallState says so (code freed); freeing twice is harmless', () => {
  const call = new sb.CallState();
  call.free();
  call.free();
  for (const fn of [() => call.snapshot(), () => call.can({ operation: 'hangupCall' }), () => call.apply('[]')]) throwsCode(fn, 'freed');
});

test("a recording's state and kind come in the canonical spelling whichever casing ACS used", () => {
  const body = (state, kind) =>
    JSON.stringify([{ id: `r-${state}-${kind}`, source: 'calling/recordings/s/r', type: 'Microsoft.Communication.RecordingStateChanged', time: '2025-04-01T12:00:00Z', specversion: '1.0', data: { callConnectionId: 'c-1', recordingId: 'r', state, recordingKind: kind } }]);
  for (const [state, kind, want] of [['Active', 'AzureCommunicationServices', ['active', 'azureCommunicationServices']], ['inactive', 'TeamsCompliance', ['inactive', 'teamsCompliance']], ['active', 'teams', ['active', 'teams']], ['active', 'Zoom', ['active', 'Zoom']]]) {
    const [e] = sb.parseEvents(body(state, kind));
    assert.deepEqual([e.state, e.recordingKind], want, `${state} ${kind}`);
    // Several events at once take the index path: the same answer.
    const [, again] = sb.parseEvents(`[${body('active', 'teams').slice(1, -1)},${body(state, kind).slice(1, -1)}]`);
    assert.deepEqual([again.state, again.recordingKind], want);
    const call = new sb.CallState();
    const [received] = call.receive(body(state, kind));
    assert.deepEqual([received.event.state, received.event.recordingKind], want);
    call.free();
  }
});

test('bodies as bytes parse as their text; a raw id string gives its canonical raw id', () => {
  const text = read('events/01_CallConnected.json');
  assert.deepEqual(sb.parseEvents(Buffer.from(text)), sb.parseEvents(text));
  assert.deepEqual(sb.parseEvents(new TextEncoder().encode(text)), sb.parseEvents(text));
  assert.equal(sb.rawIdOf(`8:orgid:${OID}`), `8:orgid:${OID}`);
  assert.equal(sb.rawIdOf('4:+14255550123'), '4:+14255550123');
  assert.equal(sb.rawIdOf(JSON.stringify({ kind: 'phoneNumber', phoneNumber: { value: '+14255550123' } })), '4:+14255550123');
});

test('the browser build before init(): not_initialized, a failed load says from where, and nothing is left broken', async () => {
  // A module instance of its own: nothing in this process has loaded the web build.
  const web = await import('../../pkg/web.js?before-init');
  throwsCode(() => web.parseEvents('[]'), 'not_initialized', 'init');
  throwsCode(() => web.buildRequest('hangupCall', { callConnectionId: 'c' }, CS), 'not_initialized', 'init');
  throwsCode(() => new web.CallState(), 'not_initialized', 'init');
  const missing = 'file:///nowhere/switchboard_bg.wasm';
  await assert.rejects(web.init(missing), (e) => e.code === 'not_initialized' && e.message.includes(missing) && /pass its URL/.test(e.message));
  // Bytes that are no wasm: the message says so without spelling the bytes out.
  await assert.rejects(web.init(new Uint8Array(5000)), (e) => e.code === 'not_initialized' && e.message.includes('the bytes or module given') && e.message.length < 600);
  await web.init(readFileSync(new URL('../../pkg/web/switchboard_bg.wasm', import.meta.url)));
  // The calls made before init() left nothing behind: the same answers as the Node build.
  const body = read('events/05_AddParticipantFailed.json');
  assert.deepEqual(web.parseEvents(body), sb.parseEvents(body));
  const options = { date: DATE, repeatabilityRequestId: REP };
  assert.deepEqual(web.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, options), sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, options));
  const call = new web.CallState();
  assert.equal(call.apply(body)[0].outcome, 'applied');
  call.free();
});

test('values the request cannot carry as given are refused, naming the member', () => {
  const add = { callConnectionId: 'c', participantToAdd: { microsoftTeamsUser: { userId: OID } } };
  // JSON has no NaN or Infinity: JSON.stringify would send them as null, i.e. "not given".
  throwsCode(() => sb.buildRequest('addParticipant', { ...add, invitationTimeoutInSeconds: NaN }, CS), 'invalid_params', 'invitationTimeoutInSeconds');
  throwsCode(() => sb.buildRequest('playToAll', { callConnectionId: 'c', playSources: [{ kind: 'file', file: { uri: 'https://x/a.wav' } }], playOptions: { loop: false, x: -Infinity } }, CS), 'invalid_params', 'playOptions.x');
  const call = new sb.CallState();
  throwsCode(() => call.command({ operation: 'addParticipant', ...add, invitationTimeoutInSeconds: Infinity }, CS), 'invalid_action', 'invitationTimeoutInSeconds');
  // SPEC §4.1: one typed member per identifier.
  throwsCode(() => sb.buildRequest('addParticipant', { callConnectionId: 'c', participantToAdd: { communicationUser: { id: '8:acs:a' }, phoneNumber: { value: '+14255550123' } } }, CS), 'invalid_params', 'participantToAdd.phoneNumber');
  // Dates an HTTP date cannot write, and signRequest's own members.
  const url = 'https://contoso.communication.azure.com/calling/callConnections/c?api-version=2025-05-15';
  throwsCode(() => sb.signRequest({ url, date: NaN }, CS), 'invalid_request', 'date');
  throwsCode(() => sb.signRequest({ url, date: new Date('x') }, CS), 'invalid_request', 'date');
  throwsCode(() => sb.signRequest({ url, date: -1e20 }, CS), 'invalid_request', 'date');
  throwsCode(() => sb.signRequest({ url, Body: '{"a":1}' }, CS), 'invalid_request', 'Body');
  throwsCode(() => sb.signRequest(null, CS), 'invalid_request', 'request');
  throwsCode(() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, { date: 1e16 }), 'invalid_options', 'date');
  throwsCode(() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, { date: '0001-01-01T00:00:00Z', repeatabilityFirstSent: -1 }), 'invalid_options', 'repeatabilityFirstSent');
  // A header value is printable ASCII; a flag is a boolean.
  throwsCode(() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, { clientRequestId: 'a\uD800b' }), 'invalid_options', 'clientRequestId');
  throwsCode(() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, { clientRequestId: 'caf\u00e9' }), 'invalid_options', 'clientRequestId');
  throwsCode(() => sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS, { allowUnknownFields: 'yes' }), 'invalid_options', 'allowUnknownFields');
  // describeResult: integers only (wasm would wrap 2**32 + 403 to 403).
  throwsCode(() => sb.describeResult(2 ** 32 + 403, 7604), 'invalid_result', 'code');
  throwsCode(() => sb.describeResult('403', 7604), 'invalid_result', 'code');
  throwsCode(() => sb.describeResult(403, 7604.5), 'invalid_result', 'subCode');
  assert.match(sb.describeResult(403, 7604), /licen/i);
  // Arguments that are not what they must be.
  throwsCode(() => call.can(undefined), 'invalid_action', 'action');
  throwsCode(() => call.recordCommand({ operation: 'hangupCall', callConnectionId: 'c' }, 5), 'invalid_action', 'options');
  throwsCode(() => sb.rawIdOf(undefined), 'invalid_identifier', 'identifier');
  assert.ok(Array.isArray(call.recordCommand({ operation: 'hangupCall', callConnectionId: 'c' }, null)));
  call.free();
});

test('escaped lone surrogates (a name cut inside an emoji) are read as U+FFFD, not refused', () => {
  const incoming = read('acs-examples/eventgrid/event-grid-schema/incoming_call.json').replace('"callerDisplayName": "', '"callerDisplayName": "Zo\\ud83d');
  const [e] = sb.parseEvents(incoming);
  assert.equal(e.type, 'IncomingCall');
  assert.ok(e.callerDisplayName.startsWith('Zo\uD83D'), 'the event is the body as JSON.parse reads it');
  const r = sb.buildRequest('addParticipant', { callConnectionId: 'c', participantToAdd: { microsoftTeamsUser: { userId: OID } }, sourceDisplayName: 'Zo\uD83D' }, CS, { date: DATE, repeatabilityRequestId: REP });
  assert.equal(JSON.parse(r.body).sourceDisplayName, 'Zo\uFFFD');
});

test('operations only preview versions have are built with the preview api-version unless asked otherwise', () => {
  const unmute = { callConnectionId: 'c', targetParticipants: [{ communicationUser: { id: '8:acs:r_u' } }] };
  assert.match(sb.buildRequest('unmuteParticipants', unmute, CS).url, /\?api-version=2024-09-01-preview$/);
  assert.match(sb.buildRequest('unmuteParticipants', unmute, CS, { apiVersion: '2026-03-12' }).url, /\?api-version=2026-03-12$/);
  assert.match(sb.buildRequest('hangupCall', { callConnectionId: 'c' }, CS).url, /\?api-version=2025-05-15$/);
  const ops = Object.fromEntries(sb.operations().map((o) => [o.name, o.apiVersion]));
  assert.deepEqual([ops.unmuteParticipants, ops.interruptAudioAndAnnounce, ops.addParticipant], ['2024-09-01-preview', '2024-09-01-preview', '2025-05-15']);
});
