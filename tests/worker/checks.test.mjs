// GET /api/checks in real workerd against the emulator: every check passes on the development
// tenants; a wrong access key is ACS's 401, a Graph that does not answer and a key document
// that is not there are said in words, each with its status, and the answer is then a 503.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack, until, CONTOSO_TOKEN, FABRIKAM_TOKEN } from '../../scripts/stack.mjs';
import { freePort } from '../../scripts/wrangler.mjs';

let stack;
const APP = { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b', clientSecret: 'dev+graph/secret=1' };

before(async () => {
  const deadPort = await freePort();
  stack = await startStack({
    world: (w) => ({ ...w, entraApps: [{ clientId: APP.clientId, clientSecret: APP.clientSecret }] }),
    mutateTenants: (t) => {
      // fabrikam: a rotated-away key (valid base64, not the resource's) and a Graph nobody runs.
      t.tenants.fabrikam.connectionString = t.tenants.fabrikam.connectionString.replace(/accesskey=.*/, 'accesskey=cm90YXRlZC1hd2F5LWtleS0wMTIzNDU2Nzg5YWJjZGVm');
      t.tenants.fabrikam.graph = { endpoint: `http://127.0.0.1:${deadPort}` };
      return t;
    },
  });
});

after(async () => {
  await stack?.stop();
});

const byName = (json) => Object.fromEntries(json.checks.map((c) => [c.name, c]));

test('every check passes for a tenant configured right', async () => {
  const r = await api(stack.worker.url, 'GET', '/api/checks', { token: CONTOSO_TOKEN });
  assert.equal(r.status, 200, r.text);
  const c = byName(r.json);
  assert.equal(r.json.ok, true);
  assert.deepEqual([c.acs.ok, c.acs.status], [true, 404]);
  assert.deepEqual([c.callbackKeys.ok, c.callbackKeys.status], [true, 200]);
  assert.match(c.callbackKeys.message, /^1 RS256 signing key/);
  assert.deepEqual([c.graph.ok, c.graph.status], [true, 200]);
  assert.match(c.graph.message, /presence for \d+ of \d+ user/);
});

test('a wrong access key and a Graph that does not answer fail their checks, in words', async () => {
  const r = await api(stack.worker.url, 'GET', '/api/checks', { token: FABRIKAM_TOKEN });
  assert.equal(r.status, 503, r.text);
  const c = byName(r.json);
  assert.equal(r.json.ok, false);
  assert.deepEqual([c.acs.ok, c.acs.status], [false, 401]);
  assert.match(c.acs.message, /refused the access key/);
  assert.deepEqual([c.graph.ok, c.graph.status], [false, 0]);
  assert.equal(c.callbackKeys.ok, true, 'the shared key document is fine');
  // The answer names no secret.
  assert.ok(!r.text.includes('cm90YXRlZC1hd2F5'), r.text);
});

test('Graph down: the check fails with its status, and the queue says nobody is offered', async () => {
  const faults = (f) => fetch(`${stack.emulator.url}/control/faults`, { method: 'PUT', body: JSON.stringify(f) });
  assert.equal((await faults({ graph: { status: 503 } })).status, 200);
  try {
    const r = await api(stack.worker.url, 'GET', '/api/checks', { token: CONTOSO_TOKEN });
    assert.equal(r.status, 503, r.text);
    assert.deepEqual([byName(r.json).graph.ok, byName(r.json).graph.status], [false, 503]);
    await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550140', to: '+18005550177' }) });
    const view = await until(async () => {
      const q = await api(stack.worker.url, 'GET', '/api/queue', { token: CONTOSO_TOKEN });
      return q.json.presence?.failing ? q.json : null;
    }, 15_000, 'the queue to find Graph down');
    assert.match(view.presence.words, /^Teams presence cannot be read \(Microsoft Graph does not answer\): knowledge workers are not offered calls/);
    assert.ok(view.calls[0].live && view.calls[0].offers.length === 0, JSON.stringify(view.calls[0]));
  } finally {
    await faults({});
  }
});

test('a callback key document that is not there fails its check; agents only', async () => {
  stack.tenants.acs.jwksUrl = `${stack.emulator.url}/calling/no-such-keys`;
  await stack.restartWorker();
  const r = await api(stack.worker.url, 'GET', '/api/checks', { token: CONTOSO_TOKEN });
  assert.equal(r.status, 503, r.text);
  const c = byName(r.json);
  assert.deepEqual([c.callbackKeys.ok, c.callbackKeys.status, c.acs.ok], [false, 404, true]);
  assert.match(c.callbackKeys.message, /no-such-keys answered 404: callbacks are refused/);
  assert.equal((await api(stack.worker.url, 'GET', '/api/checks', { token: null })).status, 401);
});

test('Graph by an app registration: the Worker gets its own token; a wrong secret is said with the platform\'s reason', async () => {
  const contoso = stack.tenants.tenants.contoso;
  stack.tenants.acs.jwksUrl = `${stack.emulator.url}/calling/keys`;
  contoso.graph = { endpoint: stack.emulator.url, app: { ...APP, authority: stack.emulator.url } };
  await stack.restartWorker();
  const ok = await api(stack.worker.url, 'GET', '/api/checks', { token: CONTOSO_TOKEN });
  assert.equal(ok.status, 200, ok.text);
  assert.match(byName(ok.json).graph.message, /^Graph answered presence for \d+ of \d+ user/);
  // The expert list reads presence through the same token.
  const experts = await api(stack.worker.url, 'GET', '/api/experts', { token: CONTOSO_TOKEN });
  assert.equal(experts.json.presence, 'graph');

  contoso.graph.app.clientSecret = 'not-the-secret';
  await stack.restartWorker();
  const refused = await api(stack.worker.url, 'GET', '/api/checks', { token: CONTOSO_TOKEN });
  assert.equal(refused.status, 503, refused.text);
  const graph = byName(refused.json).graph;
  assert.deepEqual([graph.ok, graph.status], [false, 401]);
  assert.match(graph.message, /the identity platform answered 401: AADSTS7000215: Invalid client secret provided/);
  assert.ok(!refused.text.includes('not-the-secret') && !refused.text.includes(APP.clientSecret), 'no secret in the answer');
});
