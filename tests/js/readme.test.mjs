// The README examples run as written: each ```js block of the package's README and of the
// repository README's package sections is taken from the file, its package imports pointed at
// pkg/, and run as a module; `fetch` is the test's (capturing requests, or the in-process
// emulator's). What each example says it does is asserted, so an example that rots fails here.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../../', import.meta.url);
const fixture = (name) => readFileSync(new URL(`tests/fixtures/events/${name}`, root), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-readme-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The ```js blocks of a Markdown file, in order. */
function blocks(path) {
  const text = readFileSync(new URL(path, root), 'utf8');
  return [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

let n = 0;
/** Runs `code` as a module with the package's specifiers pointed at pkg/; its exports. */
async function run(code, preamble = '') {
  const pkg = (f) => JSON.stringify(new URL(`pkg/${f}`, root).href);
  const source = preamble + code.replaceAll("'@switchboard/call-automation/emulator'", pkg('emulator-node.js')).replaceAll("'@switchboard/call-automation'", pkg('node.js'));
  const file = join(dir, `example-${n++}.mjs`);
  writeFileSync(file, source);
  return import(pathToFileURL(file).href);
}

/** Replaces `fetch` while `fn` runs; the requests it was given. */
async function capturing(fn, status = 202) {
  const sent = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    sent.push({ url: String(url), method: init.method, headers: init.headers, body: init.body ? JSON.parse(init.body) : null });
    return new Response(status === 204 ? null : '{"invitationId":"inv-1"}', { status });
  };
  try {
    await fn();
  } finally {
    globalThis.fetch = real;
  }
  return sent;
}

const CS = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';

test("pkg/README.md: the callback handler invites the next expert when an add fails", async () => {
  const [handler] = blocks('pkg/README.md');
  const { onCallback } = await run(handler);
  const sent = await capturing(async () => {
    await onCallback(fixture('01_CallConnected.json'), CS);
    await onCallback(fixture('05_AddParticipantFailed.json'), CS);
    await onCallback(fixture('05_AddParticipantFailed.json'), CS); // delivered twice: acted on once
  });
  assert.equal(sent.length, 1, JSON.stringify(sent));
  assert.equal(sent[0].method, 'POST');
  assert.match(sent[0].url, /\/calling\/callConnections\/[^/]+\/participants:add\?api-version=/);
  assert.equal(sent[0].body.participantToAdd.microsoftTeamsUser.userId, DANA);
  assert.equal(sent[0].body.sourceDisplayName, 'Contoso Support');
  assert.ok(sent[0].headers.Authorization?.startsWith('HMAC-SHA256 '), 'signed');
});

test('README.md, the npm package: addExpert signs, records, and a second ask is refused by rule', async () => {
  const [example] = blocks('README.md');
  process.env.ACS_CONNECTION_STRING = CS;
  const { onCallback, addExpert } = await run(example);
  const logged = [];
  const log = console.log;
  console.log = (...a) => logged.push(a);
  try {
    await onCallback(fixture('01_CallConnected.json'));
  } finally {
    console.log = log;
  }
  assert.deepEqual(logged[0][0], { change: 'connection', state: 'connected' });
  const sent = await capturing(() => addExpert('401f3500-62bd-46a9-8c09-9e1b06caca01', DANA));
  assert.equal(sent.length, 1);
  assert.equal(sent[0].body.participantToAdd.microsoftTeamsUser.userId, DANA);
  assert.equal(sent[0].body.invitationTimeoutInSeconds, 30);
  // The comment says: the same expert again is refused (no_duplicate_invitation), nothing sent.
  const again = await capturing(() => assert.rejects(addExpert('401f3500-62bd-46a9-8c09-9e1b06caca01', DANA), /already/));
  assert.equal(again.length, 0);
});

test('README.md, ACS in a box: a createCall to Dana connects on the virtual clock', async () => {
  const example = blocks('README.md').find((b) => b.includes('AcsEmulator'));
  const preamble = 'export const delivered = [];\nconst handleCallback = (body) => delivered.push(...JSON.parse(body).map((e) => e.type));\n';
  const { delivered } = await run(example, preamble);
  assert.ok(delivered.includes('Microsoft.Communication.CallConnected'), delivered.join());
  assert.ok(delivered.includes('Microsoft.Communication.ParticipantsUpdated'), delivered.join());
});
