// The package against the official SDK in one Node process (`npm run bench`, or
// `node bench/node.mjs` alone): parse, build + sign, a callback end to end. Warm-up, then
// interleaved rounds (ours, theirs, ours, …) of ~BENCH_MS each; the figure is the median round.
// Before any timing, `checkRequests` proves both sides send the same requests, and the run
// fails when they do not.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as sb from '../pkg/node.js';
import { API_VERSION, CALL_ORDER, CS, REQUESTS, SdkCallState, corpus, decide, sdkClient, sdkParse, sdkSend } from './sides.mjs';

const ROUND_MS = Number(process.env.BENCH_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const KEY = Buffer.from(CS.split('accesskey=')[1], 'base64');

// ---- the equality check ----------------------------------------------------------------------

/** Drops members whose value is `{}` or `[]` (after dropping theirs): the SDK's empty defaults. */
function withoutEmpty(v) {
  if (Array.isArray(v)) return v.map(withoutEmpty);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const y = withoutEmpty(x);
    const empty = y !== null && typeof y === 'object' && Object.keys(y).length === 0;
    if (!empty) out[k] = y;
  }
  return out;
}

const lower = (headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

/** The HMAC check of SPEC §1.3, by Node's own crypto. */
function assertSigned(method, url, body, headers, who) {
  const u = new URL(url);
  const hash = createHash('sha256').update(body ?? '').digest('base64');
  assert.equal(headers['x-ms-content-sha256'], hash, `${who}: content hash`);
  const sts = `${method}\n${u.pathname}${u.search}\n${headers['x-ms-date']};${u.host};${hash}`;
  const sig = createHmac('sha256', KEY).update(sts).digest('base64');
  assert.equal(headers.authorization, `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`, `${who}: signature`);
}

/**
 * Before anything is timed: for each request of the build benchmark, what the SDK sends and
 * what `buildRequest` builds must agree in method, path, query and JSON body (up to the SDK's
 * empty defaults: `customCallingContext: {voipHeaders: {}, sipHeaders: {}}`, `playTo: []`), carry
 * the same Repeatability and signing headers, and both be signed correctly (checked with
 * node:crypto). Throws on the first difference.
 */
export async function checkRequests() {
  const { client, captured } = sdkClient();
  const checked = [];
  for (const r of REQUESTS) {
    await r.sdk(client);
    const theirs = captured.last;
    const ours = sb.buildRequest(r.name, r.ours, CS, { apiVersion: API_VERSION });
    const t = new URL(theirs.url);
    const o = new URL(ours.url);
    assert.equal(ours.method, theirs.method, `${r.name}: method`);
    assert.equal(o.origin + o.pathname, t.origin + t.pathname, `${r.name}: path`);
    assert.deepEqual(Object.fromEntries(o.searchParams), Object.fromEntries(t.searchParams), `${r.name}: query`);
    const theirBody = theirs.body == null ? null : JSON.parse(theirs.body);
    const ourBody = ours.body == null ? null : JSON.parse(ours.body);
    assert.deepEqual(withoutEmpty(ourBody), withoutEmpty(theirBody), `${r.name}: body`);
    const th = theirs.headers.toJSON();
    const oh = lower(ours.headers);
    for (const h of ['repeatability-request-id', 'repeatability-first-sent', 'content-type']) {
      assert.equal(h in oh, h in th, `${r.name}: ${h} ${h in th ? 'missing' : 'not sent by the SDK'}`);
    }
    for (const h of Object.keys(oh)) assert.ok(h in th, `${r.name}: header ${h} is not sent by the SDK`);
    assert.equal(oh.accept, th.accept, `${r.name}: accept`);
    assertSigned(theirs.method, theirs.url, theirs.body, th, `${r.name} (SDK)`);
    assertSigned(ours.method, ours.url, ours.body, oh, `${r.name} (ours)`);
    // And our signing of the SDK's own request gives the SDK's signature.
    const resigned = sb.signRequest({ method: theirs.method, url: theirs.url, body: theirs.body ?? '', date: th['x-ms-date'] }, CS);
    assert.equal(resigned.Authorization, th.authorization, `${r.name}: signRequest of the SDK's request`);
    checked.push(r.name);
  }
  return checked;
}

// ---- timing ----------------------------------------------------------------------------------

/**
 * Runs `fn` (which does `per` operations) for ~ROUND_MS; returns operations per second. Each
 * round starts on a collected heap (with `node --expose-gc`), so neither side pays for the
 * other's garbage: both share this process's heap.
 */
async function round(per, fn) {
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  const until = start + BigInt(ROUND_MS) * 1_000_000n;
  let calls = 0;
  let now = start;
  while (now < until) {
    await fn();
    calls += 1;
    now = process.hrtime.bigint();
  }
  return (calls * per) / (Number(now - start) / 1e9);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Warm-up, then ROUNDS interleaved rounds of each side; medians and ratio ours / theirs. */
async function compare(name, ours, theirs) {
  for (const [per, fn] of [ours, theirs]) for (let i = 0; i < 3; i++) await round(per, fn);
  const o = [];
  const t = [];
  for (let i = 0; i < ROUNDS; i++) {
    o.push(await round(...ours));
    t.push(await round(...theirs));
  }
  const result = { ours_ops_per_s: Math.round(median(o)), sdk_ops_per_s: Math.round(median(t)) };
  result.ratio = Number((result.ours_ops_per_s / result.sdk_ops_per_s).toFixed(2));
  return result;
}

// ---- the three workloads ---------------------------------------------------------------------

function parseWorkload(bodies) {
  const ours = [bodies.length, () => {
    for (const b of bodies) sb.parseEvents(b);
  }];
  const theirs = [bodies.length, () => {
    for (const b of bodies) sdkParse(b);
  }];
  return [ours, theirs];
}

function buildWorkload() {
  const { client } = sdkClient();
  const options = { apiVersion: API_VERSION };
  const ours = [REQUESTS.length, () => {
    for (const r of REQUESTS) sb.buildRequest(r.name, r.ours, CS, options);
  }];
  const theirs = [REQUESTS.length, async () => {
    for (const r of REQUESTS) await r.sdk(client);
  }];
  return [ours, theirs];
}

/** One call's callbacks through each handler: parse, fold, decide, build (when allowed). */
function callbackWorkload(bodies) {
  // The handler acts when a callback arrives, and the fixtures are dated 2025: each command is
  // dated with its callback's time (what `Date.now()` would be live), worked out before timing.
  // Dated now, a recording state stamped 30 s after its start would be a year older than the
  // start, i.e. an earlier recording's (CallState folds by time).
  const options = bodies.map((b) => {
    const el = [JSON.parse(b)].flat()[0];
    return { apiVersion: API_VERSION, date: Date.parse(el.time ?? el.eventTime) };
  });
  const oursCall = () => {
    const call = new sb.CallState();
    const sent = [];
    for (let i = 0; i < bodies.length; i++) {
      for (const o of call.receive(bodies[i])) {
        if (o.outcome !== 'applied') continue;
        const action = decide(o.event.type, o.event.callConnectionId);
        if (action === null) continue;
        const r = call.command(action, CS, options[i]);
        if (r.allowed) sent.push(r.request);
      }
    }
    call.free();
    return sent;
  };
  const { client, captured } = sdkClient();
  const theirsCall = async () => {
    const call = new SdkCallState();
    const sent = [];
    for (const body of bodies) {
      const e = sdkParse(body);
      if (e === null) continue;
      call.apply(e);
      const action = decide(e.kind, e.callConnectionId);
      if (action === null || !call.can(action)) continue;
      call.record(action);
      await sdkSend(client, action);
      sent.push(captured.last);
    }
    return sent;
  };
  return { ours: [bodies.length, oursCall], theirs: [bodies.length, theirsCall], oursCall, theirsCall };
}

/**
 * Before the callback benchmark: both handlers, over one call's callbacks, must send the same
 * requests in the same order (method and path). Throws on a difference; returns the workload.
 */
export async function checkHandlers() {
  const byName = new Map(corpus().map((e) => [e.name, e.body]));
  const callBodies = CALL_ORDER.map((n) => byName.get(n));
  const cb = callbackWorkload(callBodies);
  const ourSent = cb.oursCall().map((r) => `${r.method} ${new URL(r.url).pathname}`);
  const theirSent = (await cb.theirsCall()).map((r) => `${r.method} ${new URL(r.url).pathname}`);
  assert.deepEqual(ourSent, theirSent, 'both handlers send the same requests');
  return { cb, callBodies, ourSent };
}

/** Runs the in-process comparison; prints a line per workload; returns the figures. */
export async function run({ log = console.log } = {}) {
  const checked = await checkRequests();
  log(`requests equal to the SDK's (method, path, query, body, signature): ${checked.join(', ')}`);
  const bodies = corpus().map((e) => e.body);
  const { cb, callBodies, ourSent } = await checkHandlers();
  log(`callback handler: ${callBodies.length} callbacks → ${ourSent.length} signed requests on each side`);

  const results = {};
  const line = (name, r, unit) =>
    log(`${name.padEnd(34)} ours ${String(r.ours_ops_per_s).padStart(9)} ${unit}  SDK ${String(r.sdk_ops_per_s).padStart(8)} ${unit}  ×${r.ratio}`);
  results.parse = await compare('parse', ...parseWorkload(bodies));
  line(`parse (${bodies.length} bodies)`, results.parse, 'bodies/s');
  results.build = await compare('build', ...buildWorkload());
  line(`build + sign (${REQUESTS.length} requests)`, results.build, 'req/s');
  results.callback = await compare('callback', cb.ours, cb.theirs);
  line('callback end to end', results.callback, 'cb/s');
  return { ...results, corpus: { bodies: bodies.length, bytes: bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) }, requests: checked, handler: { callbacks: callBodies.length, requests: ourSent.length } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Node ${process.version}; rounds of ${ROUND_MS} ms, ${ROUNDS} per side, interleaved${globalThis.gc ? ', heap collected before each' : ' (run with --expose-gc to collect the heap between rounds)'}`);
  await run();
}
