// Every error path of the Worker in real workerd: callback JWTs (missing, malformed, expired,
// wrong audience, tampered, unknown key), Event Grid keys and handshakes, agent tokens and
// tenant isolation, malformed and oversized bodies, unknown calls, refused capabilities, and
// ACS answering 5xx before succeeding. Tokens are signed here with the emulator's published
// development key, so each claim can be bent one at a time.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, startStack, until, CUSTOMER, DANA, FABRIKAM_TOKEN } from '../../scripts/stack.mjs';
import { root } from '../../scripts/wrangler.mjs';

const RESOURCE = '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f';
const ISSUER = 'https://acscallautomation.communication.azure.com';
const key = createPrivateKey(readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'));
let stack;
let url;
let kid;
let callId;

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function jwt(claims = {}, header = {}) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid, ...header })}.${b64url({ iss: ISSUER, aud: RESOURCE, iat: now, nbf: now, exp: now + 300, ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

// The signed callback URL a call gives ACS (HMAC under the tenant's access key).
function signedPath(tenant, call) {
  const key = Buffer.from(stack.tenants.tenants[tenant].connectionString.split('accesskey=')[1], 'base64');
  const sig = createHmac('sha256', key).update(`switchboard-callback\n${tenant}\n${call}`).digest().subarray(0, 16).toString('base64url');
  return `/api/callbacks/${tenant}/${call}?sig=${sig}`;
}

const callbackBody = (id) => JSON.stringify([{ id: `evt-${Math.random()}`, source: `calling/callConnections/${id}`, type: 'Microsoft.Communication.PlayCompleted', specversion: '1.0', time: new Date().toISOString(), data: { callConnectionId: id, operationContext: 'x', resultInformation: { code: 200, subCode: 0, message: 'ok' } } }]);

async function callback(path, authorization, body = '[]') {
  return api(url, 'POST', path, { token: null, body, headers: authorization ? { Authorization: authorization } : {} });
}

/** HS256 signed with the RS256 public key as the HMAC secret: the classic alg confusion. */
function hs256() {
  const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' });
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url({ iss: ISSUER, aud: RESOURCE, exp: now + 300 })}`;
  return `${input}.${createHmac('sha256', pub).update(input).digest('base64url')}`;
}

before(async () => {
  stack = await startStack();
  url = stack.worker.url;
  kid = (await (await fetch(`${stack.emulator.url}/calling/keys`)).json()).keys[0].kid;
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  callId = (await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'a call')).callId;
});

after(async () => {
  await stack?.stop();
});

test('callbacks without a valid ACS token are refused before anything else', async () => {
  const path = signedPath('contoso', callId);
  const cases = [
    [null, 401, 'token_missing'],
    ['Basic abc', 401, 'token_malformed'],
    ['Bearer not.a.jwt', 401, 'token_malformed'],
    [`Bearer ${jwt({ exp: Math.floor(Date.now() / 1000) - 3600 })}`, 401, 'token_expired'],
    [`Bearer ${jwt({ aud: '00000000-0000-4000-8000-000000000000' })}`, 401, 'token_wrong_audience'],
    [`Bearer ${jwt({ iss: 'https://evil.example' })}`, 401, 'token_wrong_issuer'],
    [`Bearer ${jwt({}, { alg: 'none' })}`, 401, 'token_unsupported_alg'],
    [`Bearer ${jwt({}, { kid: 'rotated-away' })}`, 401, 'token_unknown_kid'],
    [`Bearer ${jwt({ nbf: Math.floor(Date.now() / 1000) + 3600 })}`, 401, 'token_not_yet_valid'],
    [`Bearer ${hs256()}`, 401, 'token_unsupported_alg'],
  ];
  for (const [auth, status, code] of cases) {
    const r = await callback(path, auth, callbackBody('x'));
    assert.deepEqual([r.status, r.json?.error?.code], [status, code], `${auth}: ${r.text}`);
  }
  // A valid token with another payload: the signature no longer matches.
  const [h, , s] = jwt().split('.');
  const forged = `${h}.${b64url({ iss: ISSUER, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 300 })}.${s}`;
  const r = await callback(path, `Bearer ${forged}`, callbackBody('x'));
  assert.deepEqual([r.status, r.json.error.code], [401, 'token_bad_signature']);
});

test('callbacks for unknown tenants are 401 like a bad URL, for unknown calls 404; bad bodies 400', async () => {
  const ok = () => `Bearer ${jwt({ jti: `j-${Math.random()}` })}`;
  // Which tenants exist is nobody's business: the same answer as a URL not issued for the call,
  // with or without a token (a real tenant without a token: the URL is checked first).
  for (const auth of [ok(), null]) {
    const r = await callback('/api/callbacks/nobody/c1?sig=AAAAAAAAAAAAAAAAAAAAAA', auth, callbackBody('x'));
    assert.deepEqual([r.status, r.json.error.code], [401, 'callback_signature']);
    const real = await callback('/api/callbacks/contoso/c1?sig=AAAAAAAAAAAAAAAAAAAAAA', auth, callbackBody('x'));
    assert.deepEqual([real.status, real.json.error.code], [401, 'callback_signature']);
  }
  const ghost = '00000000-aaaa-4bbb-8ccc-000000000000';
  assert.equal((await callback(signedPath('contoso', ghost), ok(), callbackBody('x'))).status, 404);
  const bad = await callback(signedPath('contoso', callId), ok(), '{"not": "events"');
  assert.equal(bad.status, 400, bad.text);
  // A good one is applied, and its redelivery (a new token, as ACS mints one per delivery) is a duplicate.
  const body = callbackBody((await api(url, 'GET', `/api/calls/${callId}`)).json.callConnectionId);
  const first = await callback(signedPath('contoso', callId), ok(), body);
  assert.deepEqual(first.json, { applied: 1, duplicates: 0 });
  const again = await callback(signedPath('contoso', callId), ok(), body);
  assert.deepEqual(again.json, { applied: 0, duplicates: 1 });
});

test('a callback token is good for one delivery, on the call it was sent to', async () => {
  const token = `Bearer ${jwt({ jti: 'once-only' })}`;
  const ccid = (await api(url, 'GET', `/api/calls/${callId}`)).json.callConnectionId;
  assert.equal((await callback(signedPath('contoso', callId), token, callbackBody(ccid))).status, 200);
  // The same token again with other events: refused, nothing folded.
  const before = (await api(url, 'GET', `/api/calls/${callId}/log`)).json.entries.length;
  const replay = await callback(signedPath('contoso', callId), token, callbackBody(ccid));
  assert.deepEqual([replay.status, replay.json.error.code], [401, 'token_replayed']);
  // On another call's URL (unsigned, or signed for a different call): refused before anything.
  const other = '11111111-aaaa-4bbb-8ccc-000000000000';
  for (const path of [`/api/callbacks/contoso/${other}`, `/api/callbacks/contoso/${other}?sig=${signedPath('contoso', callId).split('sig=')[1]}`]) {
    const r = await callback(path, `Bearer ${jwt({ jti: `x-${Math.random()}` })}`, callbackBody(ccid));
    assert.deepEqual([r.status, r.json.error.code], [401, 'callback_signature'], path);
  }
  assert.equal((await api(url, 'GET', `/api/calls/${callId}/log`)).json.entries.length, before);
  // `jti` is optional in a JWT: a token without one is known by its signature, and is good for
  // one delivery too.
  const bare = `Bearer ${jwt({ iat: Math.floor(Date.now() / 1000) - 7 })}`;
  assert.equal((await callback(signedPath('contoso', callId), bare, callbackBody(ccid))).status, 200);
  const bareAgain = await callback(signedPath('contoso', callId), bare, callbackBody(ccid));
  assert.deepEqual([bareAgain.status, bareAgain.json.error.code], [401, 'token_replayed']);
  // A token valid for hours is not a callback's (ACS's live 5 minutes; its 24 h media-streaming
  // tokens have the same issuer and audience).
  const long = await callback(signedPath('contoso', callId), `Bearer ${jwt({ jti: `long-${Math.random()}`, exp: Math.floor(Date.now() / 1000) + 2 * 3600 })}`, callbackBody(ccid));
  assert.deepEqual([long.status, long.json.error.code], [401, 'token_malformed']);
});

test('Event Grid: key checked, validation handshake answered, CloudEvents preflight allowed', async () => {
  const eg = (q, body) => api(url, 'POST', `/api/events/incoming${q}`, { token: null, body });
  const validation = [{ id: 'v1', topic: 't', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: new Date().toISOString(), dataVersion: '1', data: { validationCode: 'abc-123' } }];
  assert.equal((await eg('', validation)).status, 401);
  assert.equal((await eg('?tenant=contoso&key=wrong', validation)).status, 401);
  assert.equal((await eg('?tenant=nobody&key=dev-event-grid-key-contoso', validation)).status, 401);
  // A stranger's body is refused unread: 401 before its size (413) or its JSON (400).
  assert.equal((await eg('?tenant=contoso&key=wrong', 'x'.repeat(2 << 20))).status, 401);
  assert.equal((await eg('?tenant=contoso&key=dev-event-grid-key-contoso', 'x'.repeat(2 << 20))).status, 413);
  const ok = await eg('?tenant=contoso&key=dev-event-grid-key-contoso', validation);
  assert.deepEqual(ok.json, { validationResponse: 'abc-123' });
  const pre = await fetch(`${url}/api/events/incoming`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get('webhook-allowed-origin'), 'eventgrid.azure.net');
});

test('agents: no token 401, wrong token 401, another tenant sees nothing', async () => {
  assert.equal((await api(url, 'GET', '/api/calls', { token: null })).status, 401);
  const wrong = await api(url, 'GET', '/api/calls', { token: 'dev-agent-token-contoso-alex-not' });
  assert.deepEqual([wrong.status, wrong.json.error.code], [401, 'unauthorized']);
  const other = await api(url, 'GET', `/api/calls/${callId}`, { token: FABRIKAM_TOKEN });
  assert.equal(other.status, 404, 'fabrikam cannot see contoso calls');
  const act = await api(url, 'POST', `/api/calls/${callId}:terminate`, { token: FABRIKAM_TOKEN });
  assert.equal(act.status, 404, 'nor act on them');
  assert.deepEqual((await api(url, 'GET', '/api/calls', { token: FABRIKAM_TOKEN })).json.calls, []);
});

test('bad bodies: malformed JSON, a bad field, a typo, oversized; unknown routes and calls', async () => {
  const p = `/api/calls/${callId}/participants`;
  const malformed = await api(url, 'POST', p, { body: '{"participants": [' });
  assert.deepEqual([malformed.status, malformed.json.error.code], [400, 'invalid_json']);
  const field = await api(url, 'POST', p, { body: { participants: [{ teamsUserId: 'dana' }] } });
  assert.deepEqual([field.status, field.json.error.field], [400, 'participants[0].teamsUserId']);
  const typo = await api(url, 'POST', p, { body: { participants: [{ teamsUserId: DANA }], sourceDisplayname: 'x' } });
  assert.deepEqual([typo.status, typo.json.error.field], [400, 'sourceDisplayname']);
  const huge = await api(url, 'POST', p, { body: JSON.stringify({ participants: [{ teamsUserId: DANA }], pad: 'x'.repeat((1 << 20) + 10) }) });
  assert.deepEqual([huge.status, huge.json.error.code], [413, 'body_too_large']);
  assert.equal((await api(url, 'GET', '/api/calls/no-such-call')).status, 404);
  assert.equal((await api(url, 'GET', '/api/nothing')).status, 404);
  const method = await api(url, 'PUT', '/api/calls');
  assert.deepEqual([method.status, method.json.error.code], [405, 'method_not_allowed']);
});

test('refused capabilities answer 409 with the rule and send nothing', async () => {
  const before = (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries.length;
  const stop = await api(url, 'POST', `/api/calls/${callId}/recording:stop`);
  assert.deepEqual([stop.status, stop.json.error.code], [409, 'no_recording']);
  const answer = await api(url, 'POST', `/api/calls/${callId}:answer`);
  assert.deepEqual([answer.status, answer.json.error.code], [409, 'not_offered']);
  const after = (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries.length;
  assert.equal(after, before);
});

test('ACS answering 5xx is retried until it succeeds, under one Repeatability key', async () => {
  await fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: JSON.stringify({ requests: { serverError: 0.6 }, seed: 7 }) });
  const res = await api(url, 'POST', `/api/calls/${callId}:play`, { body: { fileUrl: 'https://contoso.example/hold.wav', operationContext: 'hold-music' } });
  await fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: '{}' });
  const plays = (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries.filter((e) => e.kind === 'request' && e.operation === 'play');
  assert.ok(plays.length >= 2, `retried: ${plays.map((p) => p.status)}`);
  assert.ok(plays.slice(0, -1).every((p) => p.status >= 500));
  assert.equal(plays.at(-1).status, 202);
  assert.equal(res.status, 202, res.text);
});

test('a consultation whose recording ACS fails says the invitation is still being tried, and it is', async () => {
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550132' }) });
  const call = (await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected' && c.counterpart === '4:+14255550132'), 15_000, 'the call')).callId;
  await fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: JSON.stringify({ requests: { serverError: 1 } }) });
  const res = await api(url, 'POST', `/api/calls/${call}/consultations`, { body: { expert: DANA, record: true } });
  await fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: '{}' });
  assert.deepEqual([res.status, res.json.error.code], [502, 'acs_unavailable'], res.text);
  assert.match(res.json.error.message, /startRecording .*; Switchboard is still trying addParticipant/);
  assert.deepEqual(res.json.error.detail.stillTrying, ['addParticipant']);
  // ACS is back: the kept invitation goes out again (same Repeatability key) and Dana joins.
  await until(async () => (await api(url, 'GET', `/api/calls/${call}`)).json.consultations?.[0]?.phase === 'joined', 20_000, 'Dana to join');
  await api(url, 'POST', `/api/calls/${call}:terminate`);
});

test('the API document is served and names this Worker', async () => {
  const doc = await api(url, 'GET', '/api/openapi.json', { token: null });
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi, '3.1.0');
  assert.equal(doc.json.servers[0].url, url);
  assert.ok(doc.json.paths['/api/calls/{callId}/consultations'].post);
});

test('five terminates at once: one reaches ACS, the others are refused by the rules, not by ACS', async () => {
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550131' }) });
  const call = (await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected' && c.counterpart === '4:+14255550131'), 15_000, 'the call')).callId;
  const terminates = async () => (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries.filter((e) => e.kind === 'request' && e.operation === 'terminateCall');
  const before = (await terminates()).length;
  const answers = await Promise.all(Array.from({ length: 5 }, () => api(url, 'POST', `/api/calls/${call}:terminate`)));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 409, 409, 409, 409], answers.map((a) => a.text).join('\n'));
  for (const a of answers.filter((a) => a.status === 409)) {
    assert.equal(a.json.error.code, 'refused_by_rule', a.text);
    assert.equal(a.json.error.detail.rule, 'call_not_ended');
    assert.match(a.json.error.message, /being ended \(terminateCall was sent\)/);
  }
  const sent = (await terminates()).slice(before);
  assert.deepEqual(sent.map((e) => e.status), [204], 'one terminate reached ACS, and ACS took it');
});

test('every error answer is one JSON line in the Worker log, with its status and request, and no secret', async () => {
  const wrong = 'not-a-real-agent-token-0123456789';
  assert.equal((await api(url, 'GET', '/api/me', { token: wrong })).status, 401);
  const refused = await api(url, 'POST', `/api/calls/${callId}/participants`, { body: { participant: { teamsUserId: 'nope' } } });
  assert.equal(refused.status, 400);
  const keyed = await api(url, 'POST', '/api/events/incoming?tenant=contoso&key=wrong-event-grid-key-0123', { token: null, body: '[]' });
  assert.equal(keyed.status, 401);
  const lines = await until(async () => {
    const found = stack.worker.output().split('\n').map((l) => l.slice(l.indexOf('{"answer":'))).filter((l) => l.startsWith('{"answer":'));
    return found.some((l) => l.includes('"field":"participant.teamsUserId"')) && found;
  }, 10_000, 'the log lines');
  const answers = lines.map((l) => JSON.parse(l));
  assert.ok(answers.some((a) => a.answer === 401 && a.at === 'GET /api/me' && a.error.code), lines.join('\n'));
  // Made in the call's object, it names the request it answers: the call is in the path.
  assert.ok(answers.some((a) => a.answer === 400 && a.at === `POST /api/calls/${callId}/participants` && a.error.field === 'participant.teamsUserId'), lines.join('\n'));
  assert.ok(answers.some((a) => a.answer === 401 && a.at === 'POST /api/events/incoming'), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes(wrong)), 'the token given is not logged');
  assert.ok(!lines.some((l) => l.includes('wrong-event-grid-key')), 'nor a key from a query');
});
