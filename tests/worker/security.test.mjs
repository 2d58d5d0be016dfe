// Security in real workerd: CORS only for configured console origins, rate limiting per agent
// token on mutating routes and per client address on guessed tokens, the Event Grid topic allow-list (and its validation-first rule), no
// secret — access key, agent tokens, Event Grid keys, callback URL signatures, incoming call
// contexts — in logs, pushes, error bodies, the console's assets or the npm package; tokens in
// URLs only on WebSocket upgrades; the console's security headers; and, against real ACS,
// callback URIs only from PUBLIC_ORIGIN, never from a request's Host; a failing JWKS endpoint is
// not asked once per token.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { api, startStack, until, CONTOSO_TOKEN, CUSTOMER, DANA, FABRIKAM_TOKEN } from '../../scripts/stack.mjs';
import { root } from '../../scripts/wrangler.mjs';

const CONSOLE = 'https://console.contoso.example';
const TOPIC = '/subscriptions/0000/resourceGroups/fab/providers/Microsoft.Communication/CommunicationServices/fabrikam-acs';
let stack;
let url;

before(async () => {
  stack = await startStack({
    vars: { CONSOLE_ORIGINS: `${CONSOLE}, https://other.example` },
    mutateTenants: (t) => {
      t.tenants.fabrikam.eventGridTopics = [TOPIC];
      return t;
    },
  });
  url = stack.worker.url;
});

after(async () => {
  await stack?.stop();
});

test('CORS: configured console origins only', async () => {
  const preflight = (origin) => fetch(`${url}/api/calls`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
  const ok = await preflight(CONSOLE);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), CONSOLE);
  assert.match(ok.headers.get('access-control-allow-headers'), /Authorization/);
  const evil = await preflight('https://evil.example');
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const get = await fetch(`${url}/api/calls`, { headers: { Origin: CONSOLE, Authorization: `Bearer ${CONTOSO_TOKEN}` } });
  assert.equal(get.headers.get('access-control-allow-origin'), CONSOLE);
  const other = await fetch(`${url}/api/calls`, { headers: { Origin: 'https://evil.example', Authorization: `Bearer ${CONTOSO_TOKEN}` } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('Event Grid topic allow-list: unknown topics refused, validation first', async () => {
  const eg = (body) => api(url, 'POST', '/api/events/incoming?tenant=fabrikam&key=dev-event-grid-key-fabrikam', { token: null, body });
  const incoming = (topic, id) => [{ id, topic, subject: 'x', eventType: 'Microsoft.Communication.IncomingCall', eventTime: new Date().toISOString(), dataVersion: '1.0', data: { to: { kind: 'phoneNumber', rawId: '4:+18005550100', phoneNumber: { value: '+18005550100' } }, from: { kind: 'phoneNumber', rawId: '4:+14255550123', phoneNumber: { value: '+14255550123' } }, serverCallId: 'c2Vydg', incomingCallContext: 'ctx', correlationId: 'corr' } }];
  const validation = (topic) => [{ id: 'v', topic, subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: new Date().toISOString(), dataVersion: '1', data: { validationCode: 'code-1' } }];
  const wrong = await eg(incoming('/subscriptions/evil', 'a'));
  assert.deepEqual([wrong.status, wrong.json.error.code], [403, 'topic_not_allowed']);
  const early = await eg(incoming(TOPIC, 'b'));
  assert.deepEqual([early.status, early.json.error.code], [403, 'subscription_not_validated']);
  assert.deepEqual((await eg(validation('/subscriptions/evil'))).status, 403);
  assert.deepEqual((await eg(validation(TOPIC))).json, { validationResponse: 'code-1' });
  const later = await eg(incoming(TOPIC, 'c'));
  assert.equal(later.status, 200, later.text);
  assert.equal(later.json.calls[0].route, 'offer');
  const calls = (await api(url, 'GET', '/api/calls', { token: FABRIKAM_TOKEN })).json.calls;
  assert.equal(calls.length, 1, 'only the validated topic made a call');
});

test('no secret leaks into logs, pushes, errors, the console assets or the package', async () => {
  const tenant = stack.tenants.tenants.contoso;
  const secrets = [tenant.connectionString.split('accesskey=')[1], CONTOSO_TOKEN, FABRIKAM_TOKEN, tenant.eventGridKey, ...tenant.callbackKeys, stack.tenants.tenants.fabrikam.eventGridKey];
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'a call');
  const pushes = [];
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/calls/${call.callId}/events?access_token=${CONTOSO_TOKEN}`);
  ws.on('message', (m) => pushes.push(String(m)));
  await new Promise((r) => ws.once('open', r));
  await api(url, 'POST', `/api/calls/${call.callId}/consultations`, { body: { expert: DANA } });
  await until(async () => (await api(url, 'GET', `/api/calls/${call.callId}`)).json.consultations[0]?.phase === 'joined', 15_000, 'Dana');
  ws.close();
  const texts = [
    (await api(url, 'GET', `/api/calls/${call.callId}/log`)).text,
    (await api(url, 'GET', `/api/calls/${call.callId}`)).text,
    (await api(url, 'GET', '/api/calls', { token: 'wrong-token-0123456789' })).text,
    (await api(url, 'POST', `/api/calls/${call.callId}:transfer`, { body: { target: { teamsUserId: 'x' } } })).text,
    (await api(url, 'POST', '/api/events/incoming?tenant=contoso&key=nope', { token: null, body: '[]' })).text,
    ...pushes,
  ];
  const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  for (const f of [...files(join(root, 'build', 'www')), ...files(join(root, 'pkg', 'web')), join(root, 'pkg', 'api.js'), join(root, 'pkg', 'web.js')]) {
    texts.push(readFileSync(f).toString('latin1'));
  }
  for (const secret of secrets) {
    for (const t of texts) assert.ok(!t.includes(secret), `a secret (${secret.slice(0, 6)}…) appears in: ${t.slice(0, 120)}`);
  }
  // The callback URLs ACS was given carry a signature, never a key.
  const log = (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries;
  const callbackUrls = log.filter((e) => e.url?.includes('/api/callbacks/')).map((e) => e.url);
  assert.ok(callbackUrls.length > 0 && callbackUrls.every((u) => /\?sig=[\w-]{22}$/.test(u)), callbackUrls[0]);
  // Nor does any agent get that signature or the incoming call's context (it answers the call):
  // the call's log, its pushes and the command answers hide them.
  const sigs = callbackUrls.map((u) => u.split('sig=')[1]);
  const contexts = log.flatMap((e) => (e.body?.incomingCallContext ? [e.body.incomingCallContext] : []));
  assert.ok(contexts.length > 0, 'the answer carried the incoming call context to ACS');
  for (const hidden of [...sigs, ...contexts]) {
    for (const t of texts) assert.ok(!t.includes(hidden), `${hidden.slice(0, 8)}… appears in: ${t.slice(0, 120)}`);
  }
  assert.match(texts[0], /sig=\(hidden\)/);
  assert.match(texts[0], /"incomingCallContext":"\(hidden\)"/);
});

test('?access_token= is taken on a WebSocket upgrade only (tokens in URLs end up in logs)', async () => {
  const r = await fetch(`${url}/api/calls?access_token=${CONTOSO_TOKEN}`);
  assert.equal(r.status, 401, await r.text());
  const post = await fetch(`${url}/api/calls/x:hangup?access_token=${CONTOSO_TOKEN}`, { method: 'POST' });
  assert.equal(post.status, 401);
  // Nor does an Upgrade header make a token in the URL good on a route that is no WebSocket's.
  const { request } = await import('node:http');
  for (const path of ['/api/calls', '/api/me']) {
    const status = await new Promise((resolve, reject) => {
      const req = request(`${url}${path}?access_token=${CONTOSO_TOKEN}`, { headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401, path);
  }
});

test('the console is served with a content security policy and may not be framed', async () => {
  const r = await fetch(`${url}/`);
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  const csp = r.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000');
  // The API's answers (the Worker's own, a call object's, an error) are never cached nor sniffed.
  const calls = (await api(url, 'GET', '/api/calls')).json.calls;
  for (const path of ['/api/calls', '/api/me', `/api/calls/${calls[0]?.callId ?? 'none'}`, '/api/nothing']) {
    const a = await api(url, 'GET', path);
    assert.deepEqual([a.headers.get('cache-control'), a.headers.get('x-content-type-options')], ['no-store', 'nosniff'], `${path} ${a.status}`);
  }
});

test('changes and reads that reach ACS or Graph are rate limited per agent token (429 with Retry-After)', async () => {
  // Bad bodies are answered after the limiter: cheap requests that still count.
  // Sent 25 at a time, so 600 fit in one 60 s window even on a loaded machine (sent one by
  // one, the window could roll over first).
  const exhaust = async () => {
    for (let sent = 0; sent < 1400; sent += 25) {
      const batch = await Promise.all(Array.from({ length: 25 }, () =>
        fetch(`${url}/api/calls/c-1/participants`, { method: 'POST', headers: { Authorization: `Bearer ${CONTOSO_TOKEN}` }, body: '{}' })));
      let limited = null;
      for (const r of batch) {
        if (r.status === 429 && !limited) limited = r;
        else await r.arrayBuffer();
      }
      if (limited) return limited;
    }
    return null;
  };
  // Reads that reach ACS or Graph count too. The limiter's windows are fixed minutes: when one
  // ends between the 429 and these reads, they start the next window — spent again and re-read
  // (twice in a row would need two minute boundaries within a few seconds).
  let limited = null;
  let reads = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    limited = await exhaust();
    assert.ok(limited, 'no 429 within 1400 requests');
    reads = [(await api(url, 'GET', '/api/experts')).status, (await api(url, 'GET', '/api/calls/c-1/participants')).status];
    if (reads.every((status) => status === 429)) break;
  }
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal((await limited.json()).error.code, 'rate_limited');
  assert.deepEqual(reads, [429, 429], 'the reads that reach ACS or Graph are limited too');
  // Another agent (another tenant here) is not affected, and the Worker's own reads are not
  // limited.
  assert.notEqual((await api(url, 'POST', '/api/calls/c-1/participants', { token: FABRIKAM_TOKEN, body: {} })).status, 429);
  assert.equal((await api(url, 'GET', '/api/calls')).status, 200);
});

test('against real ACS, callback URIs come only from PUBLIC_ORIGIN: without it, 503 and health says why', async () => {
  const { startWrangler } = await import('../../scripts/wrangler.mjs');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-acs-mode-'));
  const worker = await startWrangler({ persistTo: dir, readyStatus: 503, vars: { ACS_MODE: 'acs', TENANTS: JSON.stringify(stack.tenants) } });
  try {
    const health = await (await fetch(`${worker.url}/api/health`)).json();
    assert.equal(health.ok, false);
    assert.match(health.problem, /^PUBLIC_ORIGIN is not set/);
    // A request's Host would otherwise choose where ACS sends the call's signed callbacks.
    const r = await fetch(`${worker.url}/api/calls`, { method: 'POST', headers: { Authorization: `Bearer ${CONTOSO_TOKEN}`, Host: 'evil.example' }, body: JSON.stringify({ targets: [{ teamsUserId: DANA }] }) });
    const e = await r.json();
    assert.deepEqual([r.status, e.error.code], [503, 'misconfigured']);
  } finally {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('against real ACS, a tenants document made for the emulator is refused, and health says why', async () => {
  // The development document trusts the emulator's JWKS (its signing key is public) and calls a
  // loopback ACS: deployed by mistake, anyone could sign callbacks.
  const { startWrangler } = await import('../../scripts/wrangler.mjs');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-acs-trust-'));
  const worker = await startWrangler({ persistTo: dir, readyStatus: 503, vars: { ACS_MODE: 'acs', PUBLIC_ORIGIN: 'https://sb.example', TENANTS: JSON.stringify(stack.tenants) } });
  try {
    const r = await fetch(`${worker.url}/api/health`);
    const health = await r.json();
    assert.deepEqual([r.status, health.ok], [503, false]);
    assert.match(health.problem, /^TENANTS has an `acs` block: callback tokens would be trusted from .*remove it against real ACS/);
    const me = await fetch(`${worker.url}/api/me`, { headers: { Authorization: `Bearer ${CONTOSO_TOKEN}` } });
    assert.deepEqual([me.status, (await me.json()).error.code], [503, 'misconfigured']);
  } finally {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing JWKS endpoint is asked at most once per 5 s, whatever the tokens sent', async () => {
  // Tokens name a key before their signature is checked, so each one could make the Worker
  // fetch ACS's keys: while that endpoint fails, its failure is remembered for 5 s.
  const { createServer } = await import('node:http');
  const { createHmac, createPrivateKey, sign } = await import('node:crypto');
  const { startWrangler } = await import('../../scripts/wrangler.mjs');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  let hits = 0;
  const keys = createServer((req, res) => {
    hits += 1;
    res.writeHead(503).end('down');
  });
  await new Promise((r) => keys.listen(0, '127.0.0.1', r));
  const tenants = structuredClone(stack.tenants);
  tenants.acs = { ...tenants.acs, jwksUrl: `http://127.0.0.1:${keys.address().port}/calling/keys` };
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-jwks-'));
  const worker = await startWrangler({ persistTo: dir, vars: { TENANTS: JSON.stringify(tenants) } });
  try {
    const key = createPrivateKey(readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'));
    const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = (n) => {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid: `k-${n}` })}.${b64url({ iss: tenants.acs.issuer ?? 'https://acscallautomation.communication.azure.com', aud: tenants.tenants.contoso.acsResourceId, exp: now + 300, jti: `j-${n}` })}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    };
    const call = 'c-jwks';
    const accessKey = Buffer.from(tenants.tenants.contoso.connectionString.split('accesskey=')[1], 'base64');
    const sig = createHmac('sha256', accessKey).update(`switchboard-callback\ncontoso\n${call}`).digest().subarray(0, 16).toString('base64url');
    const send = async (n) => {
      const r = await fetch(`${worker.url}/api/callbacks/contoso/${call}?sig=${sig}`, { method: 'POST', headers: { Authorization: `Bearer ${token(n)}`, 'Content-Type': 'application/json' }, body: '[]' });
      return [r.status, (await r.json()).error];
    };
    const [first, ...rest] = [await send(0), await send(1), await send(2), await send(3)];
    assert.deepEqual([first[0], first[1].code], [502, 'jwks_unavailable'], JSON.stringify(first));
    assert.match(first[1].message, /answered 503/);
    for (const [status, error] of rest) {
      assert.deepEqual([status, error.code], [502, 'jwks_unavailable']);
      assert.match(error.message, /answered 503 \(tried again 5 s after a failure\)/);
    }
    assert.equal(hits, 1, 'one fetch for four tokens');
    // After 5 s the endpoint is asked again.
    await new Promise((r) => setTimeout(r, 5_200));
    assert.deepEqual((await send(4))[0], 502);
    assert.equal(hits, 2);
  } finally {
    await worker.stop();
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Last in this file: it spends this address's allowance of unknown tokens for a minute.
test('guessed agent tokens meet a limit per client address; a real token is never limited by it', async () => {
  // Sent at once; a second batch only if a fixed minute window ended in the middle of the first.
  let guesses = [];
  for (let batch = 0; batch < 2 && !guesses.some((g) => g.status === 429); batch++) {
    guesses = await Promise.all(Array.from({ length: 45 }, (_, i) => api(url, 'GET', '/api/me', { token: `guess-${batch}-${String(i).padStart(16, '0')}` })));
  }
  const statuses = guesses.map((g) => g.status);
  assert.ok(statuses.slice(0, 10).every((s) => s === 401 || s === 429), statuses.join(' '));
  assert.ok(statuses.filter((s) => s === 401).length >= 1, `some guesses are plainly refused: ${statuses.join(' ')}`);
  const limited = guesses.find((g) => g.status === 429);
  assert.ok(limited, `no 429 within 45 guesses (AUTH_LIMITER allows 30 a minute): ${statuses.join(' ')}`);
  assert.equal(limited.json.error.code, 'rate_limited');
  assert.match(limited.json.error.message, /unknown agent tokens/);
  assert.equal(limited.headers.get('retry-after'), '60');
  // The agent whose token is real is not locked out by someone else's guessing.
  const me = await api(url, 'GET', '/api/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.agent.id, stack.tenants.tenants.contoso.agents[0].id);
});
