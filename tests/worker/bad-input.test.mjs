// Bad input against every route of the Worker, in real workerd (wrangler dev) against ACS in a
// box, table-driven (issue 6). The routes come from the Worker's own OpenAPI document at run
// time, and the first test checks that the table below covers every path and method in it (and
// nothing else), so a new route cannot be added without bad-input cases.
//
// For each route, as applicable: wrong methods (405 naming the allowed ones), malformed JSON,
// JSON that is not an object, wrong types for every body member the OpenAPI schemas document
// (string where number or object, number where string, arrays where objects, bad array items),
// missing required members, unknown members (top-level and inside a target), values out of
// range, invalid identifiers in every member that names a participant (bad GUID, wrong cloud,
// empty rawId, non-E.164 phone number, empty acsUserId, ...), invalid path ids, unknown calls,
// unknown verbs, bodies over 1 MiB (413, with and without Content-Length), non-UTF-8 and deeply
// nested bodies, and the wrong content type. The callback and Event Grid routes get their own
// bad bodies behind valid credentials (a callback JWT signed here with the emulator's published
// development key; contoso's Event Grid key).
//
// Content type: the Worker reads every body as JSON whatever its Content-Type says. A valid JSON
// body sent as text/plain is accepted (and checked like any other), a body that is not JSON is a
// 400 `invalid_json` whatever its Content-Type.
//
// Every answer must be 4xx with `{"error":{"code","message"}}` and, when a field is to blame,
// `error.field` naming it as the client sent it (dotted path: `participants[0].teamsUserId`).
// Nothing may change: after each case the emulator's request log, the live call's log and the
// tenant's call list are compared (so a case that changed something is named), and after all of
// them the call's snapshot and log must be equal to what they were before.
//
// Bodies that a lenient Worker might accept carry one more unknown member, SAFETY_NET: unknown
// members are checked after every other member, so if the bad value under test were wrongly
// accepted, the request is still refused (naming SAFETY_NET, which fails the case) instead of
// inviting Dana or ending the call under the remaining cases.
//
// Every case must pass: a case the Worker answers wrongly fails the suite. (The first run of this
// table found nine such bugs — field names of shortcuts, unknown members inside targets, the full
// phoneNumber identifier, `participant` read as a list, createCall's operationContext, an empty
// invitationId, 405 without Allow, callback data given as an array — all fixed with it.)
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startStack, until, CONTOSO_TOKEN, CUSTOMER, DANA } from '../../scripts/stack.mjs';
import { freePort, root } from '../../scripts/wrangler.mjs';

const RESOURCE = '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f';
const ISSUER = 'https://acscallautomation.communication.azure.com';
const EVENT_GRID_QUERY = '?tenant=contoso&key=dev-event-grid-key-contoso';
const MIB = 1 << 20;
const SAFETY_NET = 'zzzSafetyNet';
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const OFFERED_NUMBER = '+18005550199'; // contoso routes calls to it as `offer`: nothing is sent to ACS
const key = createPrivateKey(readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'));

let stack;
let url;
let emulator;
let kid;
let callId;
let connectionId;
let doc;

// ---- the route table ---------------------------------------------------------------------------
//
// One entry per path and method of the OpenAPI document. `auth`: how a request is authenticated
// (agent token, callback JWT, Event Grid key in the query, or nothing). Agent routes with a body:
// `base` is a minimal valid body (only ever sent with a bad member in it), `baseFor` the body to
// start from when one member is under test, `eitherOf` the member named when none of the
// alternatives that make a body complete is there. `execute: true`: the route acts on the call,
// so a body is always refused in some way before it could reach ACS.
const TABLE = {
  'GET /api/health': { id: 'health', auth: 'public' },
  'GET /api/openapi.json': { id: 'openApi', auth: 'public' },
  'POST /api/events/incoming': { id: 'eventGridWebhook', auth: 'eventGrid' },
  'OPTIONS /api/events/incoming': { id: 'eventGridHandshake', auth: 'public' },
  'POST /api/callbacks/{tenant}/{callId}': { id: 'acsCallback', auth: 'callback' },
  'GET /api/me': { id: 'whoAmI', auth: 'agent' },
  'GET /api/checks': { id: 'runChecks', auth: 'agent' },
  'GET /api/experts': { id: 'listExperts', auth: 'agent' },
  'GET /api/queue': { id: 'getQueue', auth: 'agent' },
  'GET /api/queue/events': { id: 'watchQueue', auth: 'agent' },
  'GET /api/calls': { id: 'listCalls', auth: 'agent' },
  'POST /api/calls': { id: 'createCall', auth: 'agent', base: () => ({ targets: [{ teamsUserId: DANA }] }) },
  'GET /api/calls/{callId}': { id: 'getCall', auth: 'agent' },
  'GET /api/calls/{callId}/log': { id: 'getCallLog', auth: 'agent' },
  'GET /api/calls/{callId}/events': { id: 'watchCall', auth: 'agent' },
  'GET /api/calls/{callId}/participants': { id: 'listParticipants', auth: 'agent' },
  'POST /api/calls/{callId}/participants': {
    id: 'addParticipants',
    auth: 'agent',
    base: () => ({ participants: [{ teamsUserId: DANA }] }),
    baseFor: { participant: () => ({}) },
    eitherOf: 'participants',
  },
  'POST /api/calls/{callId}/participants:cancel': {
    id: 'cancelAddParticipant',
    auth: 'agent',
    base: () => ({ invitationId: 'inv-1' }),
    baseFor: { participant: () => ({}) },
    eitherOf: 'invitationId',
  },
  'GET /api/calls/{callId}/participants/{rawId}': { id: 'getParticipant', auth: 'agent' },
  'DELETE /api/calls/{callId}/participants/{rawId}': { id: 'removeParticipant', auth: 'agent' },
  'POST /api/calls/{callId}/consultations': { id: 'startConsultation', auth: 'agent', base: () => ({ expert: DANA }) },
  'POST /api/calls/{callId}:answer': { id: 'answerCall', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}:redirect': { id: 'redirectCall', auth: 'agent', base: () => ({ target: { phoneNumber: '+14255550199' } }) },
  'POST /api/calls/{callId}:reject': { id: 'rejectCall', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}:play': {
    id: 'play',
    auth: 'agent',
    base: () => ({ fileUrl: 'https://contoso.example/hold.wav' }),
    baseFor: { fileUrls: () => ({}) },
    eitherOf: 'fileUrl',
  },
  'POST /api/calls/{callId}:transfer': { id: 'transfer', auth: 'agent', base: () => ({ target: { phoneNumber: '+14255550199' } }) },
  'POST /api/calls/{callId}:hangup': { id: 'hangUp', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}:terminate': { id: 'terminateCall', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}/recording:start': { id: 'startRecording', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}/recording:pause': { id: 'pauseRecording', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}/recording:resume': { id: 'resumeRecording', auth: 'agent', base: () => ({}) },
  'POST /api/calls/{callId}/recording:stop': { id: 'stopRecording', auth: 'agent', base: () => ({}) },
};

// ---- helpers -----------------------------------------------------------------------------------

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function jwt() {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: RESOURCE, iat: now, nbf: now, exp: now + 300, jti: `bad-input-${Math.random()}` };
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

// The signed callback URL a call gives ACS (`?sig=`: HMAC under the tenant's access key), as
// tests/worker/errors.test.mjs builds it: without it a callback is refused before its body is read.
function callbackSig(tenant, call) {
  const access = Buffer.from(stack.tenants.tenants[tenant].connectionString.split('accesskey=')[1], 'base64');
  return createHmac('sha256', access).update(`switchboard-callback\n${tenant}\n${call}`).digest().subarray(0, 16).toString('base64url');
}

// Mutating agent requests are rate limited per agent token (AGENT_LIMITER: 600 a minute). This
// suite sends more bad ones than that within a minute, so they are spread over contoso's agent
// Alex and a few more contoso agents added to the tenants for the run.
const EXTRA_AGENTS = ['bad-input-1', 'bad-input-2', 'bad-input-3'];
const AGENT_TOKENS = [CONTOSO_TOKEN, ...EXTRA_AGENTS.map((a) => `dev-agent-token-contoso-${a}`)];
let sent = 0;

const clone = (v) => structuredClone(v);
const short = (v, n = 90) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s;
};

/** `path` with its parameters filled in (the live call, contoso, the customer's raw id). */
function concrete(template, { call = callId, tenant = 'contoso', rawId = encodeURIComponent(`4:${CUSTOMER}`) } = {}) {
  const path = template.replace('{callId}', call).replace('{tenant}', tenant).replace('{rawId}', rawId);
  // Callback URLs carry their signature (for the call they name, when the tenant exists).
  return template.startsWith('/api/callbacks/') && stack.tenants.tenants[tenant] ? `${path}?sig=${callbackSig(tenant, call)}` : path;
}

/** A body that arrives in chunks, without Content-Length. */
function chunked(text) {
  const bytes = Buffer.from(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

/** A request through node:http, for headers fetch will not send (`Upgrade`). */
function rawRequest(c, headers) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${c.path}`, { method: c.method, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, text, json, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function send(c) {
  const headers = { ...(c.headers ?? {}) };
  if (c.auth === 'agent') headers.Authorization = `Bearer ${AGENT_TOKENS[sent++ % AGENT_TOKENS.length]}`;
  if (c.auth === 'callback') headers.Authorization = `Bearer ${jwt()}`;
  if (c.raw) return rawRequest(c, headers);
  const init = { method: c.method, headers };
  if (c.body !== undefined) {
    const body = typeof c.body === 'function' ? c.body() : c.body;
    init.body = typeof body === 'string' || body instanceof Uint8Array || body instanceof ReadableStream ? body : JSON.stringify(body);
    if (body instanceof ReadableStream) init.duplex = 'half';
    if (c.contentType !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = c.contentType ?? 'application/json';
    }
  }
  const query = c.auth === 'eventGrid' ? EVENT_GRID_QUERY : '';
  const res = await fetch(`${url}${c.path}${query}`, init);
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json, headers: res.headers };
}

const emulatorLog = async () => (await (await fetch(`${emulator}/control/log?since=0`)).json()).entries;
const agentGet = async (path) => {
  const r = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${CONTOSO_TOKEN}` } });
  assert.equal(r.status, 200, `GET ${path}`);
  return r.json();
};
const withoutUpdatedAt = (v) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'updatedAt' ? undefined : x)));
/** What must not change: counted after every case. */
async function counters() {
  const [emu, log, calls] = await Promise.all([emulatorLog(), agentGet(`/api/calls/${callId}/log`), agentGet('/api/calls')]);
  return { emulatorRequests: emu.length, lastEmulatorEntry: emu.at(-1), callLog: log.entries.length, calls: calls.calls.length };
}

// ---- case generators ---------------------------------------------------------------------------
//
// A case: {name, op, category, method, path, auth, body?, contentType?, headers?, expect: {status,
// code?, field?, allow?, allowHeader?}, afterStateCheck?}. Names are unique.

const docOperations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => HTTP_METHODS.includes(m.toUpperCase()))
      .map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op })),
  );

const resolve = (schema) => (schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema);
const isTarget = (schema) => schema?.$ref === '#/components/schemas/Target';

/** Wrong values for a documented member: [label, value, field]. */
function wrongTypes(name, schema, schemaName) {
  const out = [];
  const add = (label, value, field = name) => out.push([label, value, field]);
  if (isTarget(schema)) {
    add('a string where a target object', '8:orgid:' + DANA);
    add('a number where a target object', 42);
    add('true where a target object', true);
    add('an array where a target object', [{ teamsUserId: DANA }], name);
  } else if (schema.oneOf) {
    // StartConsultation.expert: an Entra object id string or a target object.
    add('a number where a string or object', 42);
    add('true where a string or object', true);
    add('an array where a string or object', [DANA]);
  } else if (schema.enum) {
    add('a number where an enum string', 42);
    add('true where an enum string', true);
    add('an array where an enum string', [schema.enum[0]]);
    add('an object where an enum string', { value: schema.enum[0] });
    add('a value outside the enum', 'bogus');
  } else if (schema.type === 'string') {
    add('a number where a string', 42);
    add('true where a string', true);
    add('an object where a string', { value: 'x' });
    add('an array where a string', ['x']);
  } else if (schema.type === 'integer') {
    add('a string where an integer', '30');
    add('true where an integer', true);
    add('an object where an integer', { seconds: 30 });
    add('an array where an integer', [30]);
    add('a fraction where an integer', 30.5);
  } else if (schema.type === 'boolean') {
    add('a string where a boolean', 'true');
    add('a number where a boolean', 1);
    add('an object where a boolean', {});
    add('an array where a boolean', [true]);
  } else if (schema.type === 'array') {
    add('a string where an array', 'x');
    add('a number where an array', 42);
    add('true where an array', true);
    if (isTarget(schema.items)) {
      // A single target object is accepted in place of the array (a documented shortcut), so
      // "an object where an array" is not wrong here; the items are.
      add('a string item where a target', ['8:orgid:' + DANA], `${name}[0]`);
      add('a number item where a target', [42], `${name}[0]`);
      add('an array item where a target', [[{ teamsUserId: DANA }]], `${name}[0]`);
    } else {
      add('an object where an array', { 0: 'https://contoso.example/a.wav' });
      add('a number item where a string', [42], `${name}[0]`);
      add('an object item where a string', [{ url: 'https://contoso.example/a.wav' }], `${name}[0]`);
    }
  } else {
    return null;
  }
  return out;
}

/** Out-of-range and badly formatted values: [label, value, field]. */
function badValues(name, schema) {
  const out = [];
  const add = (label, value, field = name) => out.push([label, value, field]);
  if (schema.type === 'integer') {
    if (schema.minimum !== undefined) add(`below the minimum ${schema.minimum}`, schema.minimum - 1);
    if (schema.maximum !== undefined) add(`above the maximum ${schema.maximum}`, schema.maximum + 1);
    add('negative', -30);
    add('30.0 (a float)', 30.000001);
  }
  if (schema.type === 'array' && isTarget(schema.items)) {
    if (schema.minItems) add('an empty array', []);
    if (schema.maxItems) add(`${schema.maxItems + 1} items`, Array.from({ length: schema.maxItems + 1 }, () => ({ teamsUserId: DANA })));
  }
  if (schema.type === 'array' && schema.items?.type === 'string') add('an item that is not an http(s) URL', ['ftp://contoso.example/a.wav'], `${name}[0]`);
  if (schema.oneOf) add('a string that is not an Entra object id', 'dana');
  if (name === 'operationContext') {
    add('an empty string', '');
    add('257 characters', 'x'.repeat(257));
  }
  if (name === 'sourceDisplayName') {
    add('an empty string', '');
    add('only spaces', '   ');
    add('257 characters', 'x'.repeat(257));
  }
  if (name === 'sourceCallerIdNumber') {
    add('not E.164', '0800123456');
    add('an empty string', '');
  }
  if (['fileUrl', 'greetingUrl'].includes(name)) {
    add('an ftp URL', 'ftp://contoso.example/a.wav');
    add('not a URL', 'hold music');
  }
  if (name === 'invitationId') add('an empty string', '');
  return out;
}

/** Invalid participants, for a member at `at` (`participants[0]`, `target`, ...): [label, value, field]. */
function badTargets(at) {
  // [label, value, field the error must name, known bug]
  return [
    ['teamsUserId not a GUID', { teamsUserId: 'dana' }, `${at}.teamsUserId`],
    ['teamsUserId a GUID without dashes', { teamsUserId: DANA.replaceAll('-', '') }, `${at}.teamsUserId`],
    ['teamsUserId a GUID with a non-hex digit', { teamsUserId: `g${DANA.slice(1)}` }, `${at}.teamsUserId`],
    ['teamsUserId empty', { teamsUserId: '' }, `${at}.teamsUserId`],
    ['teamsUserId a number', { teamsUserId: 7 }, `${at}.teamsUserId`],
    ['an unknown cloud', { teamsUserId: DANA, cloud: 'mars' }, `${at}.cloud`],
    ['cloud a number', { teamsUserId: DANA, cloud: 7 }, `${at}.cloud`],
    ['rawId empty', { rawId: '' }, `${at}.rawId`],
    ['rawId a Teams user with a bad GUID', { rawId: '8:orgid:dana' }, `${at}.rawId`],
    ['rawId of an unknown kind', { rawId: '99:x' }, `${at}.rawId`],
    ['phoneNumber without +', { phoneNumber: CUSTOMER.slice(1) }, `${at}.phoneNumber`],
    ['phoneNumber with spaces', { phoneNumber: '+1 425 555 0123' }, `${at}.phoneNumber`],
    ['phoneNumber starting with 0', { phoneNumber: '+0800123456' }, `${at}.phoneNumber`],
    ['phoneNumber of 16 digits', { phoneNumber: '+1425555012345678' }, `${at}.phoneNumber`],
    ['phoneNumber empty', { phoneNumber: '' }, `${at}.phoneNumber`],
    ['acsUserId empty', { acsUserId: '' }, `${at}.acsUserId`],
    ['acsUserId blank', { acsUserId: '   ' }, `${at}.acsUserId`],
    ['an empty object', {}, at],
    ['an identifier with a bad Teams userId', { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: 'dana' } }, `${at}.microsoftTeamsUser.userId`],
    ['an identifier with a non-E.164 number', { kind: 'phoneNumber', phoneNumber: { value: '0800' } }, `${at}.phoneNumber.value`],
    ['an identifier with an empty ACS id', { kind: 'communicationUser', communicationUser: { id: '' } }, `${at}.communicationUser.id`],
    ['an identifier with microsoftTeamsUser a string', { kind: 'microsoftTeamsUser', microsoftTeamsUser: DANA }, `${at}.microsoftTeamsUser`],
    ['an identifier of an unknown kind', { kind: 'pigeon', rawId: '99:x' }, `${at}.kind`],
    ['an unknown member in a shortcut (cloud misspelt)', { teamsUserId: DANA, clod: 'gcch' }, `${at}.clod`],
    ['an unknown member in an identifier', { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: DANA }, extra: 1 }, `${at}.extra`],
    ['an unknown member inside an identifier\'s typed member', { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: DANA, clod: 'gcch' } }, `${at}.microsoftTeamsUser.clod`],
    // Not bad: a complete phoneNumber identifier, as the Target schema allows. Only the safety net
    // must refuse this body.
    ['(control) a valid phoneNumber identifier', { kind: 'phoneNumber', phoneNumber: { value: '+14255550199' } }, SAFETY_NET],
  ];
}

/** Members of a request schema that name participants: [member, location of one target, wrap]. */
function targetMembers(schema) {
  const out = [];
  for (const [name, member] of Object.entries(schema.properties ?? {})) {
    if (isTarget(member)) out.push([name, name, (t) => t]);
    else if (member.type === 'array' && isTarget(member.items)) out.push([name, `${name}[0]`, (t) => [t]]);
    else if (member.oneOf?.some(isTarget)) out.push([name, name, (t) => t]);
  }
  return out;
}

const MALFORMED = [
  ['truncated JSON', '{"participants": ['],
  ['a trailing comma', '{"operationContext": "x",}'],
  ['single quotes', "{'operationContext': 'x'}"],
  ['an unquoted member name', '{operationContext: "x"}'],
  ['a bare word', 'hello'],
  ['two JSON values', '{} {}'],
  ['a number out of range', '{"invitationTimeoutInSeconds": 1e400}'],
  ['a lone surrogate escape', '{"operationContext": "\\ud800"}'],
];
const NOT_OBJECTS = [
  ['an array', '[]'],
  ['an array of an object', '[{"operationContext":"x"}]'],
  ['a number', '42'],
  ['a string', '"x"'],
  ['null', 'null'],
  ['true', 'true'],
];
const deep = (n) => `{"operationContext": ${'['.repeat(n)}${']'.repeat(n)}}`;
const padded = (json, size) => json + ' '.repeat(size - Buffer.byteLength(json));

/** The bad requests for one documented operation. */
function casesFor(o) {
  const spec = TABLE[o.key];
  const out = [];
  const path = concrete(o.path);
  const add = (category, what, c) => {
    const name = `${o.key} · ${category}: ${what}`;
    out.push({ name, op: o.key, category, method: o.method, path, auth: spec.auth, ...c });
  };
  const bodyRoute = o.method === 'POST';
  const schemaName = o.op.requestBody?.content?.['application/json']?.schema?.$ref?.split('/').pop();
  const schema = schemaName && doc.components.schemas[schemaName];

  // Wrong methods: 405 naming every method the path takes.
  const allowed = Object.keys(doc.paths[o.path]).map((m) => m.toUpperCase()).filter((m) => HTTP_METHODS.includes(m));
  if (o.method === allowed[0]) {
    for (const m of HTTP_METHODS.filter((m) => !allowed.includes(m))) {
      add('wrong method', m, { method: m, body: ['POST', 'PUT', 'PATCH'].includes(m) ? '{}' : undefined, expect: { status: 405, code: 'method_not_allowed', allow: allowed } });
    }
    add('wrong method', 'PUT, with an Allow header', { method: 'PUT', body: '{}', expect: { status: 405, code: 'method_not_allowed', allow: allowed, allowHeader: allowed } });
  }

  // Bad ids in the path.
  if (o.path.includes('{callId}')) {
    for (const [what, id] of [['with a space', 'bad%20id'], ['65 characters', 'c'.repeat(65)], ['with a dot', 'a.b'], ['with a plus', 'a+b'], ['non-ASCII', 'caf%C3%A9']]) {
      add('invalid callId', what, { path: concrete(o.path, { call: id }), body: bodyRoute ? '{}' : undefined, expect: { status: 400, code: 'invalid_id', field: 'callId' } });
    }
    const unknown = '00000000-aaaa-4bbb-8ccc-000000000000';
    const body = o.key.startsWith('POST /api/callbacks') ? [] : bodyRoute ? {} : undefined;
    add('unknown call', unknown, { path: concrete(o.path, { call: unknown }), body, expect: { status: 404, code: 'not_found' } });
  }
  if (o.path.includes('{tenant}')) {
    add('invalid tenant', 'with a space', { path: concrete(o.path, { tenant: 'bad%20tenant' }), body: [], expect: { status: 400, code: 'invalid_id', field: 'tenant' } });
  }
  if (o.path.includes('{rawId}')) {
    for (const [what, raw] of [['a bad escape', '%zz'], ['a truncated escape', '4%3A%2'], ['not UTF-8', '%FF%FE'], ['a control character', '4%3A%0A']]) {
      add('invalid rawId', what, { path: concrete(o.path, { rawId: raw }), expect: { status: 400, code: 'invalid_id', field: 'rawId' } });
    }
  }

  if (o.key === 'GET /api/calls/{callId}/events' || o.key === 'GET /api/queue/events') {
    add('not a WebSocket upgrade', 'no Upgrade header', { expect: { status: 426, code: 'upgrade_required' } });
    add('not a WebSocket upgrade', 'Upgrade: h2c', { raw: true, headers: { Connection: 'Upgrade', Upgrade: 'h2c' }, expect: { status: 426, code: 'upgrade_required' } });
  }

  if (!bodyRoute) return out;

  // Bodies that are not JSON, or not an object, or too big: every route that reads one.
  const isEvents = spec.auth === 'callback' || spec.auth === 'eventGrid';
  // Grammatical JSON the agent API's reader refuses (a number beyond f64, a lone surrogate, nesting
  // past serde_json's limit) is, on the event routes, an object without an event type.
  const oddButGrammatical = ['a number out of range', 'a lone surrogate escape'];
  const noType = { status: 400, code: 'invalid_event', field: '[0].type' };
  for (const [what, text] of MALFORMED) {
    add('malformed JSON', what, { body: text, expect: isEvents && oddButGrammatical.includes(what) ? noType : { status: 400, code: 'invalid_json' } });
  }
  add('malformed JSON', 'nested 100000 deep', { body: deep(100_000), expect: isEvents ? noType : { status: 400, code: 'invalid_json' } });
  add('malformed JSON', 'not UTF-8', { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), expect: { status: 400 } });
  if (!isEvents) {
    for (const [what, text] of NOT_OBJECTS) add('not a JSON object', what, { body: text, expect: { status: 400, code: 'invalid_body' } });
  }
  const big = JSON.stringify({ [SAFETY_NET]: 'x'.repeat(MIB) });
  add('too large', 'over 1 MiB with Content-Length', { body: big, expect: { status: 413, code: 'body_too_large' } });
  add('too large', 'over 1 MiB, chunked (no Content-Length)', { body: () => chunked(big), expect: { status: 413, code: 'body_too_large' } });
  const almost = isEvents ? '[{}]' : JSON.stringify({ ...spec.base(), [SAFETY_NET]: 1 });
  add('too large', 'exactly 1 MiB + 1 byte', { body: padded(almost, MIB + 1), expect: { status: 413, code: 'body_too_large' } });
  add('too large', 'exactly 1 MiB is read (and refused for what it says)', {
    body: padded(almost, MIB),
    expect: isEvents ? { status: 400, code: 'invalid_event', field: '[0].type' } : { status: 400, code: 'invalid_body', field: SAFETY_NET },
  });
  for (const [ct, text] of [
    ['application/x-www-form-urlencoded', 'participants=dana&operationContext=x'],
    ['text/plain', 'please add Dana'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="operationContext"\r\n\r\nx\r\n--b--\r\n'],
    ['application/xml', '<call><terminate/></call>'],
  ]) {
    add('wrong content type', `${ct.split(';')[0]}, not JSON`, { contentType: ct, body: text, expect: { status: 400, code: 'invalid_json' } });
  }

  if (isEvents) {
    eventCases(o, add);
    return out;
  }

  // The body is read as JSON whatever the content type says: a JSON body sent as text/plain (or
  // with no Content-Type) is checked like any other.
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', null]) {
    add('wrong content type', `${ct ?? 'no Content-Type'}, JSON with an unknown member`, { contentType: ct, body: JSON.stringify({ ...spec.base(), [SAFETY_NET]: true }), expect: { status: 400, code: 'invalid_body', field: SAFETY_NET } });
  }

  // Unknown members.
  const withNet = (b) => ({ ...b, [SAFETY_NET]: true });
  add('unknown member', 'force', { body: { ...spec.base(), force: true }, expect: { status: 400, code: 'invalid_body', field: 'force' } });
  add('unknown member', 'a member name in another case', { body: withNet({ ...spec.base(), OperationContext: 'x' }), expect: { status: 400, code: 'invalid_body', field: 'OperationContext' } });

  if (!schema) return out;

  // Missing required members.
  const required = [...(schema.required ?? []), ...(spec.eitherOf ? [spec.eitherOf] : [])];
  for (const member of required) {
    const without = { ...spec.base() };
    for (const k of [member, ...Object.keys(spec.baseFor ?? {})]) delete without[k];
    add('missing required member', `${member}: absent`, { body: withNet(without), expect: { status: 400, code: 'invalid_body', field: member } });
    add('missing required member', `${member}: null`, { body: withNet({ ...without, [member]: null }), expect: { status: 400, code: 'invalid_body', field: member } });
    add('missing required member', `${member}: empty body`, { body: '', expect: { status: 400, code: 'invalid_body', field: member } });
  }

  // Every documented member: wrong types, then bad values.
  for (const [member, memberSchema] of Object.entries(schema.properties ?? {})) {
    const start = () => clone(spec.baseFor?.[member]?.() ?? spec.base());
    const wrong = wrongTypes(member, memberSchema, schemaName);
    assert.ok(wrong, `${schemaName}.${member}: no wrong-type generator for ${JSON.stringify(memberSchema)}`);
    for (const [label, value, field] of wrong) {
      add(`wrong type of ${member}`, label, { body: withNet({ ...start(), [member]: value }), expect: { status: 400, code: 'invalid_body', field } });
    }
    for (const [label, value, field] of badValues(member, memberSchema)) {
      add(`bad value of ${member}`, label, { body: withNet({ ...start(), [member]: value }), expect: { status: 400, code: 'invalid_body', field } });
    }
  }

  // Invalid identifiers in every member that names a participant.
  for (const [member, at, wrap] of targetMembers(schema)) {
    const start = () => clone(spec.baseFor?.[member]?.() ?? spec.base());
    // Every case of addParticipants' single `participant` is named `participant[0]…` today.
    for (const [label, value, field] of badTargets(at)) {
      if (member === 'expert' && label.startsWith('(control)')) continue; // a phone number is never an expert
      add(`invalid identifier in ${member}`, label, { body: withNet({ ...start(), [member]: wrap(value) }), expect: { status: 400, code: 'invalid_body', field } });
    }
    if (at.endsWith('[0]')) {
      // The second item is bad: the first (valid) must not be acted on either.
      add(`invalid identifier in ${member}`, 'the second item bad', {
        body: withNet({ ...start(), [member]: [{ phoneNumber: '+14255550199' }, { teamsUserId: 'dana' }] }),
        expect: { status: 400, code: 'invalid_body', field: `${member}[1].teamsUserId` },
      });
    }
  }
  if (schemaName === 'StartConsultation') {
    add('invalid identifier in expert', 'not a Teams user (a phone number)', { body: withNet({ expert: { phoneNumber: '+14255550199' } }), expect: { status: 400, code: 'invalid_body', field: 'expert' } });
    add('invalid identifier in expert', 'not a Teams user (an ACS user)', { body: withNet({ expert: { acsUserId: '8:acs:r_u' } }), expect: { status: 400, code: 'invalid_body', field: 'expert' } });
  }
  return out;
}

/** Bad bodies for the callback and Event Grid routes (valid credentials). */
function eventCases(o, add) {
  const callback = o.key.startsWith('POST /api/callbacks');
  const at = () => new Date().toISOString();
  const ce = (type, data, extra = {}) => ({ id: `bad-input-${Math.random()}`, source: `calling/callConnections/${connectionId}`, type: `Microsoft.Communication.${type}`, specversion: '1.0', time: at(), data, ...extra });
  const eg = (eventType, data, extra = {}) => ({ id: `bad-input-${Math.random()}`, topic: 'bad-input', subject: 'bad-input', eventType, eventTime: at(), dataVersion: '1', data, ...extra });
  const result = { code: 200, subCode: 0, message: 'ok' };
  const played = () => ce('PlayCompleted', { callConnectionId: connectionId, operationContext: 'x', resultInformation: result });
  const phone = (n) => ({ kind: 'phoneNumber', rawId: `4:${n}`, phoneNumber: { value: n } });
  const incoming = (data = {}) => eg('Microsoft.Communication.IncomingCall', { to: phone(OFFERED_NUMBER), from: phone(CUSTOMER), incomingCallContext: 'bad-input-context', serverCallId: 'bad-input', correlationId: 'bad-input', ...data });
  const validation = (data) => eg('Microsoft.EventGrid.SubscriptionValidationEvent', data);
  const without = (o, k) => {
    const c = { ...o };
    delete c[k];
    return c;
  };
  const cases = [
    // Not events at all.
    ['not events', 'a number', '42', 'not_events'],
    ['not events', 'a string', '"events"', 'not_events'],
    ['not events', 'null', 'null', 'not_events'],
    ['not events', 'true', 'true', 'not_events'],
    ['not events', 'an empty body', '', 'invalid_json'],
    ['not events', 'an array of a number', '[42]', 'invalid_event', '[0].event'],
    ['not events', 'an array of an array', '[[]]', 'invalid_event', '[0].event'],
    ['not events', 'an array of a string', '["PlayCompleted"]', 'invalid_event', '[0].event'],
    // The envelope.
    ['bad envelope', 'an empty event', [{}], 'invalid_event', '[0].type'],
    ['bad envelope', 'an empty event, not in an array', {}, 'invalid_event', '[0].type'],
    ['bad envelope', 'type a number', [{ ...played(), type: 42 }], 'invalid_event', '[0].type'],
    ['bad envelope', 'id missing', [without(played(), 'id')], 'invalid_event', '[0].id'],
    ['bad envelope', 'id empty', [{ ...played(), id: '' }], 'invalid_event', '[0].id'],
    ['bad envelope', 'id a number', [{ ...played(), id: 42 }], 'invalid_event', '[0].id'],
    ['bad envelope', 'specversion 2.0', [{ ...played(), specversion: '2.0' }], 'invalid_event', '[0].specversion'],
    ['bad envelope', 'time an object', [{ ...played(), time: {} }], 'invalid_event', '[0].time'],
    ['bad envelope', 'source an array', [{ ...played(), source: [] }], 'invalid_event', '[0].source'],
    ['bad envelope', 'the second event empty (the first must not be applied)', callback ? [played(), {}] : [incoming(), {}], 'invalid_event', '[1].type'],
  ];
  if (callback) {
    cases.push(
      ['bad data', 'PlayCompleted without data', [without(played(), 'data')], 'invalid_event_data', '[0].data'],
      ['bad data', 'data a string', [{ ...played(), data: 'ok' }], 'invalid_event_data', '[0].data'],
      ['bad data', 'data an array', [{ ...played(), data: [] }], 'invalid_event_data', '[0].data', { afterStateCheck: true }],
      ['bad data', 'callConnectionId a number', [ce('PlayCompleted', { callConnectionId: 42, resultInformation: result })], 'invalid_event_data', '[0].data.callConnectionId'],
      ['bad data', 'resultInformation a string', [ce('PlayCompleted', { callConnectionId: connectionId, resultInformation: 'ok' })], 'invalid_event_data', '[0].data.resultInformation'],
      ['bad data', 'resultInformation.code a string', [ce('PlayCompleted', { callConnectionId: connectionId, resultInformation: { ...result, code: '200' } })], 'invalid_event_data', '[0].data.resultInformation.code'],
      ['bad data', 'participants an object', [ce('ParticipantsUpdated', { callConnectionId: connectionId, sequenceNumber: 99, participants: {} })], 'invalid_event_data', '[0].data.participants'],
      ['bad data', 'a participant identifier a string', [ce('ParticipantsUpdated', { callConnectionId: connectionId, sequenceNumber: 99, participants: [{ identifier: `4:${CUSTOMER}`, isMuted: false }] })], 'invalid_event_data', '[0].data.participants[0].identifier'],
      ['bad data', 'sequenceNumber a string', [ce('ParticipantsUpdated', { callConnectionId: connectionId, sequenceNumber: 'nine', participants: [] })], 'invalid_event_data', '[0].data.sequenceNumber'],
      ['bad data', 'CallDisconnected data a number', [ce('CallDisconnected', 42)], 'invalid_event_data', '[0].data'],
    );
  } else {
    cases.push(
      ['bad envelope', 'eventType a number', [{ ...incoming(), eventType: 42 }], 'invalid_event', '[0].eventType'],
      ['bad data', 'validation without data', [without(validation({}), 'data')], 'invalid_event_data', '[0].data'],
      ['bad data', 'validation without validationCode', [validation({})], 'invalid_event_data', '[0].data.validationCode'],
      ['bad data', 'validationCode a number', [validation({ validationCode: 42 })], 'invalid_event_data', '[0].data.validationCode'],
      ['bad data', 'IncomingCall without data', [without(incoming(), 'data')], 'invalid_event_data', '[0].data'],
      ['bad data', 'IncomingCall data a string', [{ ...incoming(), data: 'call' }], 'invalid_event_data', '[0].data'],
      ['bad data', 'IncomingCall data an array', [{ ...incoming(), data: [] }], 'invalid_event_data', '[0].data'],
      ['bad data', 'validation data an array', [validation([])], 'invalid_event_data', '[0].data'],
      // ACS always sends incomingCallContext, and a call cannot be answered, redirected or rejected
      // without it. Without it the event cannot be acted on; if it were accepted, a call would be
      // created (contoso offers calls to this number, so nothing reaches ACS): run after the check.
      ['bad data', 'IncomingCall without incomingCallContext', [{ ...incoming(), data: without(incoming().data, 'incomingCallContext') }], 'invalid_event_data', '[0].data.incomingCallContext', { afterStateCheck: true }],
      ['bad data', 'IncomingCall with an empty incomingCallContext', [incoming({ incomingCallContext: '' })], 'invalid_event_data', '[0].data.incomingCallContext', { afterStateCheck: true }],
      ['bad data', 'IncomingCall without to', [{ ...incoming(), data: without(incoming().data, 'to') }], 'invalid_event_data', '[0].data.to'],
      ['bad data', 'IncomingCall to a number', [incoming({ to: 42 })], 'invalid_event_data', '[0].data.to'],
      ['bad data', 'IncomingCall from an array', [incoming({ from: [] })], 'invalid_event_data', '[0].data.from'],
      ['bad data', 'IncomingCall incomingCallContext a number', [incoming({ incomingCallContext: 42 })], 'invalid_event_data', '[0].data.incomingCallContext'],
      ['bad data', 'IncomingCall to phoneNumber a string', [incoming({ to: { kind: 'phoneNumber', phoneNumber: OFFERED_NUMBER } })], 'invalid_event_data', '[0].data.to.phoneNumber'],
    );
  }
  for (const [category, what, body, code, field, more] of cases) {
    add(category, what, { body: typeof body === 'string' ? body : JSON.stringify(body), expect: { status: 400, code, ...(field ? { field } : {}) }, ...more });
  }
}

/** Query parameters with a value they cannot take: 400 `invalid_query` naming them. */
function queryCases() {
  return ['maybe', 'yes', 'TRUE', 'true&available=false'].map((v) => ({
    name: `GET /api/experts · bad query: available=${v}`,
    op: 'GET /api/experts',
    category: 'bad query',
    method: 'GET',
    path: `/api/experts?available=${v}`,
    auth: 'agent',
    expect: { status: 400, code: 'invalid_query', field: 'available' },
  }));
}

/** Paths no route takes: unknown operations and verbs. */
function unknownRouteCases() {
  const out = [];
  const add = (method, path, what) => {
    const name = `${method} ${path.replace(callId, '{callId}')} · unknown route: ${what}`;
    out.push({ name, op: null, category: 'unknown route', method, path, auth: 'agent', body: method === 'POST' ? '{}' : undefined, expect: { status: 404, code: 'not_found' } });
  };
  const c = `/api/calls/${callId}`;
  add('POST', `${c}:explode`, 'an unknown call verb');
  add('POST', `${c}:Terminate`, 'a verb in another case');
  add('POST', `${c}:`, 'an empty verb');
  add('POST', `${c}:terminate:now`, 'two verbs');
  add('POST', `${c}/recording:rewind`, 'an unknown recording verb');
  add('POST', `${c}/recording:`, 'an empty recording verb');
  add('POST', `${c}/recording`, 'recording without a verb');
  add('POST', `${c}/participants:explode`, 'an unknown participants verb');
  add('POST', `${c}/consultations:start`, 'a verb on consultations');
  add('GET', `${c}/nothing`, 'an unknown call resource');
  add('GET', `${c}/log/extra`, 'a segment after log');
  add('DELETE', `${c}/participants/${encodeURIComponent(`4:${CUSTOMER}`)}/extra`, 'a segment after a participant');
  add('POST', `${c}:answer/extra`, 'a segment after a verb');
  // A trailing slash is another path: a mistyped URL must not run the command.
  add('POST', `${c}:hangup/`, 'a verb with a trailing slash');
  add('GET', `${c}/`, 'a call with a trailing slash');
  add('GET', '/api/calls/', 'the call list with a trailing slash');
  add('GET', '/api/nothing', 'an unknown API');
  add('GET', '/api', 'the API root');
  add('GET', '/api/calls/x/y/z/w', 'too deep');
  add('GET', '/api/Calls', 'a path in another case');
  add('POST', '/api/events/outgoing', 'an unknown event route');
  add('POST', '/api/callbacks/contoso', 'a callback without a call id');
  return out;
}

// ---- running a case ----------------------------------------------------------------------------

let baseline;

async function runCase(c) {
  const r = await send(c);
  const about = `${c.method} ${c.path.slice(0, 120)} ${c.body === undefined ? '' : short(typeof c.body === 'function' ? '<chunked stream>' : c.body instanceof Uint8Array ? `<bytes ${Buffer.from(c.body).toString('hex')}>` : c.body)}\n→ ${r.status} ${short(r.text, 400)}`;
  // Whatever happened, compare what must not change (and move the baseline so that the next
  // case is not blamed for this one).
  const now = await counters();
  const changed = Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(baseline[k]));
  const was = baseline;
  baseline = now;

  assert.ok(r.status >= 400 && r.status < 500, `a 4xx answer\n${about}`);
  assert.equal(r.status, c.expect.status, `status\n${about}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `a JSON content type\n${about}`);
  assert.ok(r.json && typeof r.json.error === 'object', `a JSON {"error":…} body\n${about}`);
  assert.equal(typeof r.json.error.code, 'string', `error.code\n${about}`);
  assert.ok(r.json.error.code.length > 0 && typeof r.json.error.message === 'string' && r.json.error.message.length > 0, `error.code and error.message\n${about}`);
  if (c.expect.code) assert.equal(r.json.error.code, c.expect.code, `error.code\n${about}`);
  if (c.expect.field) {
    const hint = r.json.error.field === SAFETY_NET && c.expect.field !== SAFETY_NET ? ' (the bad value was accepted: only the safety-net member stopped the request)' : '';
    assert.equal(r.json.error.field, c.expect.field, `error.field${hint}\n${about}`);
  }
  if (c.expect.allow) {
    for (const m of c.expect.allow) assert.match(r.json.error.message, new RegExp(`\\b${m}\\b`), `the 405 names ${m}\n${about}`);
  }
  if (c.expect.allowHeader) {
    const allow = (r.headers.get('allow') ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort();
    assert.deepEqual(allow, [...c.expect.allowHeader].sort(), `the Allow header\n${about}`);
  }
  assert.deepEqual(changed, [], `nothing changed (before ${JSON.stringify(was)}, after ${JSON.stringify(now)})\n${about}`);
}

// ---- the tests ---------------------------------------------------------------------------------

let cases = [];
let before_;
const started = Date.now();

before(async () => {
  stack = await startStack({
    inspectorPort: await freePort(), // not wrangler's default 9229: another stack may be running
    mutateTenants: (t) => {
      for (const id of EXTRA_AGENTS) t.tenants.contoso.agents.push({ id, name: id, token: `dev-agent-token-contoso-${id}` });
      return t;
    },
    // "Nothing changed" is checked down to the call log and ACS's request log: the quiet-call
    // check (a read of the call from ACS after 60 s without events) would add to both.
    policy: { reconcileAfterSeconds: 0 },
  });
  url = stack.worker.url;
  emulator = stack.emulator.url;
  kid = (await (await fetch(`${emulator}/calling/keys`)).json()).keys[0].kid;
  doc = await (await fetch(`${url}/api/openapi.json`)).json();
  await fetch(`${emulator}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await agentGet('/api/calls')).calls.find((c) => c.connectionState === 'connected'), 15_000, 'a connected call');
  callId = call.callId;
  connectionId = (await agentGet(`/api/calls/${callId}`)).callConnectionId;
  assert.ok(connectionId, 'the call has its ACS callConnectionId');
  // Let the call settle (the callbacks after the answer), then take the state to compare.
  let last = '';
  await until(async () => {
    const now = JSON.stringify(await counters());
    const settled = now === last;
    last = now;
    if (!settled) await new Promise((r) => setTimeout(r, 500));
    return settled;
  }, 15_000, 'the call to settle');
  baseline = await counters();
  before_ = {
    view: withoutUpdatedAt(await agentGet(`/api/calls/${callId}`)),
    log: await agentGet(`/api/calls/${callId}/log`),
    emulator: (await emulatorLog()).length,
    calls: withoutUpdatedAt(await agentGet('/api/calls')),
  };
  cases = [...docOperations().flatMap(casesFor), ...queryCases(), ...unknownRouteCases()];
});

after(async () => {
  await stack?.stop();
});

test('the table covers every path and method of the OpenAPI document, and nothing else', () => {
  const ops = docOperations();
  const inDoc = ops.map((o) => o.key).sort();
  assert.deepEqual(Object.keys(TABLE).sort(), inDoc, 'TABLE keys = the document\'s "METHOD path"s');
  for (const o of ops) assert.equal(TABLE[o.key].id, o.op.operationId, `${o.key}: operationId`);
  // Each operation got the categories that apply to it.
  const by = (key) => new Set(cases.filter((c) => c.op === key).map((c) => c.category.replace(/ of .*| in .*/, '')));
  for (const o of ops) {
    const got = by(o.key);
    const want = [];
    if (o.path.includes('{callId}')) want.push('invalid callId', 'unknown call');
    if (o.path.includes('{rawId}')) want.push('invalid rawId');
    if (o.method === 'POST') want.push('malformed JSON', 'too large', 'wrong content type');
    if (o.method === 'POST' && TABLE[o.key].auth === 'agent') want.push('not a JSON object', 'unknown member');
    if (o.op.requestBody && TABLE[o.key].auth === 'agent') want.push('wrong type');
    if (['callback', 'eventGrid'].includes(TABLE[o.key].auth)) want.push('not events', 'bad envelope', 'bad data');
    for (const w of want) assert.ok(got.has(w), `${o.key} has ${w} cases (has: ${[...got].join(', ')})`);
  }
  const paths = new Set(ops.map((o) => o.path));
  for (const p of paths) assert.ok(cases.some((c) => c.category === 'wrong method' && c.op?.endsWith(` ${p}`)), `${p} has wrong-method cases`);
  // Every documented member of every request body has wrong-type cases.
  for (const o of ops.filter((o) => o.op.requestBody && TABLE[o.key].auth === 'agent')) {
    const schema = resolve(o.op.requestBody.content['application/json'].schema);
    for (const m of Object.keys(schema.properties ?? {})) {
      assert.ok(cases.some((c) => c.op === o.key && c.category === `wrong type of ${m}`), `${o.key}: wrong types of ${m}`);
    }
  }
  const names = cases.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, 'case names are unique');
});

test('bad input: every case answers 4xx with a JSON error naming the field, and changes nothing', async (t) => {
  for (const c of cases.filter((c) => !c.afterStateCheck)) {
    await t.test(c.name, () => runCase(c));
  }
});

test('after every bad request, the call is as it was: snapshot, log, ACS, call list', async (t) => {
  assert.deepEqual(withoutUpdatedAt(await agentGet(`/api/calls/${callId}`)), before_.view);
  assert.deepEqual(await agentGet(`/api/calls/${callId}/log`), before_.log);
  assert.equal((await emulatorLog()).length, before_.emulator, 'ACS (the emulator) received no request');
  assert.deepEqual(withoutUpdatedAt(await agentGet('/api/calls')), before_.calls);
});

// Cases that would change the call or the tenant's list if the Worker accepted them (and one that
// does today): after the check above, each still checked on its own.
test('bad input that would change something if accepted', async (t) => {
  baseline = await counters();
  for (const c of cases.filter((c) => c.afterStateCheck)) {
    await t.test(c.name, () => runCase(c));
  }
  t.diagnostic(`${cases.length} cases, ${((Date.now() - started) / 1000).toFixed(1)} s including the stack's start`);
});
