// The package's two builds give the same answers. pkg/web (for browsers and edge bundles) is
// built for size and reads every webhook body with serde; pkg/node is built for speed, with the
// one-pass event reader (feature `fast-reader`), SIMD and opt-level 3. Same inputs, same
// outputs — events, refusals and their fields, requests, call-state outcomes — checked here on
// the fixtures and on a few thousand deterministic mutations of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as node from '../../pkg/node.js';
import * as web from '../../pkg/web.js';

await web.init(readFileSync(new URL('../../pkg/web/switchboard_bg.wasm', import.meta.url)));

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const CS = `endpoint=https://contoso.communication.azure.com/;accesskey=${KEY}`;
const OPTIONS = { date: Date.UTC(2025, 3, 1, 12, 0, 0), repeatabilityRequestId: '0f8fad5b-d9cb-469f-a165-70867728950e' };

const dir = new URL('../fixtures/events/', import.meta.url);
const FIXTURES = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.stringify(JSON.parse(readFileSync(new URL(f, dir), 'utf8'))));
const LEGACY = ['RecognizeCompleted.legacy-2022.json', 'RecognizeFailed.legacy-2022.json'].map((f) =>
  readFileSync(new URL(`../fixtures/acs-examples/docs-extracted/${f}`, import.meta.url), 'utf8'),
);

/** What a call gave: its value, or the error's code, field and message. */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: { code: e.code, field: e.field, message: e.message } };
  }
}

/** Small deterministic PRNG (mulberry32), so a failure names a reproducible body. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SWAPS = [
  ['"callConnectionId"', '"callconnectionid"'],
  ['"resultInformation"', '"resultInfo"'],
  ['"identifier"', '"id"'],
  ['"specversion":"1.0"', '"specversion":"2.0"'],
  ['"type"', '"eventType"'],
  ['"time"', '"eventTime"'],
  ['"source"', '"topic"'],
  [':200,', ':200.5,'],
  [':200,', ':2e2,'],
  [':false', ':0'],
  ['"data":{', '"data":[{'],
  ['"data":{', '"data":null,"x":{'],
  ['Microsoft.Communication.', 'Microsoft.Communication.Future'],
  ['8:orgid:', '8:teamsvisitor:'],
  ['"kind":"', '"kind":"x'],
  ['","', '", "'],
  ['"}', '\\u00e9"}'],
];

/** A mutation of `body`: a swapped spelling, a cut, a dropped or doubled byte. */
function mutate(body, rand) {
  const pick = (n) => Math.floor(rand() * n);
  switch (pick(4)) {
    case 0: {
      const [from, to] = SWAPS[pick(SWAPS.length)];
      return body.includes(from) ? body.replace(from, to) : body.slice(0, -1);
    }
    case 1:
      return body.slice(0, pick(body.length));
    case 2: {
      const at = pick(body.length);
      return body.slice(0, at) + body.slice(at + 1);
    }
    default: {
      const at = pick(body.length);
      return body.slice(0, at) + body[at] + body.slice(at);
    }
  }
}

test('parseEvents: both builds agree on every fixture and on mutated bodies', () => {
  const bodies = [...FIXTURES, ...LEGACY, `[${FIXTURES.join(',')}]`, '[]', '{}', '42', ''];
  const rand = prng(20261127);
  for (let i = 0; i < 3000; i++) bodies.push(mutate(FIXTURES[i % FIXTURES.length], rand));
  let events = 0;
  let refused = 0;
  for (const body of bodies) {
    const ours = outcome(() => node.parseEvents(body));
    assert.deepEqual(outcome(() => web.parseEvents(body)), ours, body);
    if (ours.value) events += ours.value.length;
    else refused += 1;
  }
  // The mutations reach both sides of the readers: accepted bodies and refusals.
  assert.ok(events > 1500 && refused > 1000, `${events} events, ${refused} refusals`);
});

test('CallState.receive and command: both builds reach the same state and requests', () => {
  const calls = [new node.CallState(), new web.CallState()];
  const actions = [
    { operation: 'playToAll', callConnectionId: 'c1', playSources: [{ kind: 'file', file: { uri: 'https://cdn.contoso.example/hold.wav' } }] },
    { operation: 'addParticipant', callConnectionId: 'c1', participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' } }, operationContext: 'expert-1' },
    { operation: 'startRecording', callConnectionId: 'c1' },
  ];
  let allowed = 0;
  for (const [i, body] of FIXTURES.entries()) {
    const [n, w] = calls.map((c) => outcome(() => c.receive(body)));
    assert.deepEqual(w, n, body);
    const action = actions[i % actions.length];
    const [cn, cw] = calls.map((c) => outcome(() => c.command(action, CS, OPTIONS)));
    assert.deepEqual(cw, cn, `${action.operation} after ${body.slice(0, 80)}`);
    if (cn.value?.allowed) allowed += 1;
  }
  assert.ok(allowed >= 5, `${allowed} commands allowed`);
  assert.deepEqual(calls[1].snapshot(), calls[0].snapshot());
  for (const c of calls) c.free();
});

test('buildRequest: both builds sign the same bytes and refuse the same params', () => {
  const cases = [
    ['addParticipant', { callConnectionId: 'c1', participantToAdd: { rawId: '8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' }, sourceDisplayName: 'Contoso Support' }],
    ['createCall', { targets: [{ rawId: '4:+14255550123' }], callbackUri: 'https://app.contoso.example/cb' }],
    ['transferToParticipant', { callConnectionId: 'c1', targetParticipant: { rawId: '8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' } }],
    ['addParticipant', { callConnectionId: 'c1', participantToAdd: { rawId: '8:orgid:not-a-guid' } }],
    ['playToAll', { callConnectionId: 'c1', playSources: [] }],
    ['noSuchOperation', {}],
  ];
  for (const [op, params] of cases) {
    const ours = outcome(() => node.buildRequest(op, params, CS, OPTIONS));
    assert.deepEqual(outcome(() => web.buildRequest(op, params, CS, OPTIONS)), ours, op);
  }
});
