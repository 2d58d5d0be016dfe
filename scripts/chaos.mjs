// `npm run chaos`: many expert consultations at once through the real Worker (wrangler dev,
// workerd) against ACS in a box with faults on, and one Worker restart in the middle. Then, for
// every call, the Durable Object's view is compared with the emulator's ground truth.
//
// Each call: the agent places it to a customer (createCall), adds themself, consults Dana with a
// recording (startRecording + addParticipant), releases Dana, is compared with the truth while
// live (checkpoint A: connection, who is in the call, recording), terminates it, and is compared
// again (checkpoint B: ended everywhere). Faults (seeded): callbacks dropped, duplicated,
// reordered, delayed and delivered before the HTTP response; ACS answering 429 or 5xx (some
// after acting: only Repeatability saves the retry). Dropped callbacks — and those sent while
// the Worker is down — are recovered by the Worker reading the call (getCall, getParticipants,
// getRecordingProperties) when an outcome is overdue or the call has been quiet.
//
// Prints, one per line: `calls: N`, `faults: <kind>=<n> ...`, `mismatches: N`,
// `duplicate executions: N`, `unanswered agent requests: N` (goals: 0), then details.
// Writes bench/chaos.json. Exits 1 when a goal is missed, a call could not be placed, or the
// harness fails.
//
//   node scripts/chaos.mjs [--calls 200] [--seed 7] [--drop 0.05] [--duplicate 0.1]
//       [--reorder 0.1] [--errors 0.05] [--no-restart] [--deadline 300] [--skip-build]
//       [--out bench/chaos.json]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConsole, buildEmulator, buildPackage, buildWorker } from './build.mjs';
import { ensureToolchain, log, root } from './setup.mjs';
import { startStack, DANA } from './stack.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const CALLS = opt('--calls', 200);
// Where the summary goes: bench/chaos.json (the figures the README quotes), or `--out` (npm
// test's smaller run writes to test-results/).
const outAt = argv.indexOf('--out');
const OUT = outAt < 0 ? join(root, 'bench', 'chaos.json') : resolve(root, argv[outAt + 1]);
const SEED = opt('--seed', 7);
const DROP = opt('--drop', 0.05);
const DUPLICATE = opt('--duplicate', 0.1);
const REORDER = opt('--reorder', 0.1);
const ERRORS = opt('--errors', 0.05);
const DEADLINE_S = opt('--deadline', 300);
const RESTART = !argv.includes('--no-restart');
const AGENTS = 10; // tokens: mutating requests are rate limited per agent token (600/min)
const QUIET_S = 10; // policy.reconcileAfterSeconds for the run
const POLL_MS = 2500;
const DANA_RAW = `8:orgid:${DANA}`;
const CALLER_ID = '+18005550100'; // a number of the emulated resource

for (const [name, v] of Object.entries({ CALLS, SEED, DROP, DUPLICATE, REORDER, ERRORS, DEADLINE_S })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name.toLowerCase()}: must be a non-negative number`);
}

// ---- build what is missing -------------------------------------------------------------------

if (!argv.includes('--skip-build')) {
  ensureToolchain({ worker: true });
  if (!existsSync(join(root, 'pkg', 'web', 'switchboard_bg.wasm'))) buildPackage();
  if (!existsSync(join(root, 'pkg', 'emulator', 'node'))) buildEmulator();
  if (!existsSync(join(root, 'build', 'index_bg.wasm'))) {
    buildWorker();
    buildConsole();
  }
}

// ---- the stack: agents with their own tokens, a short quiet period ---------------------------

let acsUserId;
const tokens = Array.from({ length: AGENTS }, (_, k) => `chaos-agent-token-${k}`);
const stack = await startStack({
  mutateTenants: (t) => {
    const contoso = t.tenants.contoso;
    acsUserId = contoso.agents[0].acsUserId;
    contoso.agents = tokens.map((token, k) => ({ id: `chaos-${k}`, name: `Chaos Agent ${k}`, token, acsUserId }));
    // The queue's agent pool names agents of the tenant: Alex is not one here.
    if (contoso.overflow?.agents) contoso.overflow.agents = ['chaos-0'];
    return t;
  },
  policy: { reconcileAfterSeconds: QUIET_S },
});
const url = () => stack.worker.url;
const emulatorUrl = stack.emulator.url;

// ---- agent requests: every one must get an answer --------------------------------------------

const stats = { requests: 0, byStatus: {}, unanswered: [], retriedRefused: 0 };
let gate = null; // a promise while the Worker restarts
let inflight = 0;

async function agent(token, method, path, body) {
  while (gate) await gate;
  inflight += 1;
  stats.requests += 1;
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const res = await fetch(`${url()}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {}
        const key = `${res.status}${res.status >= 400 && json?.error?.code ? ` ${json.error.code}` : ''}`;
        stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
        return { status: res.status, json, text };
      } catch (e) {
        // Refused before it reached the Worker (it is restarting), or a read on a keep-alive
        // connection the old Worker closed: safe to send again, as a browser does.
        const code = e?.cause?.code;
        const stale = method === 'GET' && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET');
        if ((code === 'ECONNREFUSED' || stale) && attempt < 60) {
          stats.retriedRefused += 1;
          await sleep(1000);
          continue;
        }
        stats.unanswered.push(`${method} ${path}: ${e?.cause?.code ?? e?.name ?? e}`);
        return { status: 0, json: null, text: String(e) };
      }
    }
  } finally {
    inflight -= 1;
  }
}

// ---- ground truth --------------------------------------------------------------------------

let truthAt = 0;
let truth = new Map();
async function groundTruth() {
  if (Date.now() - truthAt > 1500) {
    const calls = await (await fetch(`${emulatorUrl}/control/calls`)).json();
    truth = new Map(calls.map((c) => [c.callConnectionId, c]));
    truthAt = Date.now();
  }
  return truth;
}

/** What differs between the Durable Object's view and the emulator's call. */
function differences(view, emu) {
  if (!view || !emu) return [`${view ? '' : 'no view '}${emu ? '' : 'no call in the emulator'}`.trim()];
  const out = [];
  const ours = view.ended ? 'disconnected' : view.connectionState;
  const theirs = emu.ended ? 'disconnected' : emu.state;
  if (ours !== theirs) out.push(`connection ${ours} / ${theirs}`);
  const inCall = (view.participants ?? []).filter((p) => p.status === 'connected').map((p) => p.identifier.rawId).sort().join(',');
  const legs = emu.ended ? '' : emu.participants.map((p) => p.rawId).sort().join(',');
  if (inCall !== legs) out.push(`participants [${inCall}] / [${legs}]`);
  const rec = { active: 'active', paused: 'inactive' }[view.recording?.status] ?? null;
  const emuRec = emu.ended ? null : (emu.recording?.state ?? null);
  if (rec !== emuRec) out.push(`recording ${view.recording?.status ?? 'none'} / ${emuRec ?? 'none'}`);
  return out;
}

const view = async (token, callId) => (await agent(token, 'GET', `/api/calls/${callId}`)).json;

async function waitFor(token, callId, check, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await view(token, callId);
    if (v && check(v)) return v;
    if (Date.now() > end) return null;
    await sleep(POLL_MS);
  }
}

/** Polls until the view equals the truth; the last differences when it never does. */
async function converge(token, callId, ms) {
  const end = Date.now() + ms;
  let last = ['never read'];
  for (;;) {
    const v = await view(token, callId);
    const t = await groundTruth();
    last = differences(v, v?.callConnectionId ? t.get(v.callConnectionId) : null);
    if (last.length === 0) return [];
    if (Date.now() > end) return last;
    await sleep(POLL_MS);
  }
}

// ---- one call ------------------------------------------------------------------------------

const results = [];
const started = Date.now();
const deadline = started + DEADLINE_S * 1000;
let consulted = 0;
let finished = 0;

async function call(i) {
  const token = tokens[i % AGENTS];
  const r = { i, steps: [], mismatch: null };
  results.push(r);
  const step = (name, res, ok) => {
    r.steps.push(`${name} ${res.status}`);
    if (res.status >= 400) (r.errors ??= []).push(`${name}: ${res.json?.error?.message ?? res.text.slice(0, 200)}`);
    return ok.includes(res.status);
  };
  await sleep((i * 37) % 4000); // arrivals spread over four seconds
  const customer = `+1425556${String(i).padStart(4, '0')}`;
  // Sending again after a definite failure is what an agent does; a new operationContext each time.
  const retry = async (name, send, ok) => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const res = await send(attempt);
      if (step(name, res, ok)) return res;
      if (res.status === 0 || (res.status < 500 && res.json?.error?.code !== 'acs_refused')) return null;
      await sleep(2000);
    }
    return null;
  };
  const created = await retry('create', (n) => agent(token, 'POST', '/api/calls', { targets: [{ phoneNumber: customer }], sourceCallerIdNumber: CALLER_ID, operationContext: `c${i}-create-${n}` }), [201]);
  if (!created) return;
  const id = created.json.callId;
  r.callId = id;
  await waitFor(token, id, (v) => v.connectionState === 'connected', 60_000);
  await retry('agent', (n) => agent(token, 'POST', `/api/calls/${id}/participants`, { participants: [{ acsUserId }], operationContext: `c${i}-agent-${n}` }), [202]);
  await waitFor(token, id, (v) => v.participants?.some((p) => p.identifier.rawId === acsUserId && p.status === 'connected'), 60_000);
  await retry('consult', (n) => agent(token, 'POST', `/api/calls/${id}/consultations`, { expert: DANA, record: true, operationContext: `c${i}-dana-${n}` }), [202]);
  consulted += 1;
  // Under load (and with her callbacks lost) Dana may be seen only once she has left again.
  const seen = await waitFor(token, id, (v) => v.consultations?.some((c) => ['joined', 'left', 'failed'].includes(c.phase)), 90_000);
  r.steps.push(`dana ${seen?.consultations?.at(-1)?.phase ?? 'still ringing after 90 s'}`);
  await retry('release', () => agent(token, 'DELETE', `/api/calls/${id}/participants/${encodeURIComponent(DANA_RAW)}`), [202]);
  const a = await converge(token, id, Math.max(10_000, deadline - Date.now() - 60_000));
  if (a.length) r.mismatch = `live: ${a.join('; ')}`;
  await retry('terminate', () => agent(token, 'POST', `/api/calls/${id}:terminate`), [200]);
  const b = await converge(token, id, Math.max(10_000, deadline - Date.now()));
  if (b.length) r.mismatch = `${r.mismatch ? `${r.mismatch} | ` : ''}ended: ${b.join('; ')}`;
}

// ---- the run -------------------------------------------------------------------------------

let restart = null;
try {
  const faults = {
    seed: SEED,
    callbacks: { drop: DROP, duplicate: DUPLICATE, reorder: REORDER, delayMs: [0, 250], beforeResponse: 0.1 },
    requests: { throttle: ERRORS / 2, retryAfterS: 1, serverError: ERRORS / 2 - ERRORS / 10, serverErrorAfterAction: ERRORS / 10 },
  };
  const set = await fetch(`${emulatorUrl}/control/faults`, { method: 'PUT', body: JSON.stringify(faults) });
  if (set.status !== 200) throw new Error(`could not set faults: ${set.status} ${await set.text()}`);
  log(`chaos: ${CALLS} consultations, faults ${JSON.stringify(faults)}, Worker restart ${RESTART ? 'on' : 'off'}`);

  const restarter = (async () => {
    if (!RESTART) return;
    // Mid-run: once half the calls have asked for Dana (callbacks are flowing).
    while (consulted < Math.ceil(CALLS / 2) && finished < CALLS && Date.now() < deadline) await sleep(200);
    let release;
    gate = new Promise((resolve) => { release = resolve; });
    while (inflight > 0) await sleep(50);
    const t = Date.now();
    log('restarting the Worker');
    await stack.restartWorker();
    restart = { atS: (t - started) / 1000, downS: (Date.now() - t) / 1000 };
    // Pooled keep-alive connections to the old process are dead: reads clear them out before
    // commands go out again (a command on a dead connection cannot be known unsent).
    await Promise.all(Array.from({ length: 128 }, () => fetch(`${url()}/api/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer()).catch(() => null)));
    gate = null;
    release();
    log(`Worker restarted at ${restart.atS.toFixed(0)} s (down ${restart.downS.toFixed(1)} s)`);
  })();

  const progress = setInterval(() => log(`… ${((Date.now() - started) / 1000).toFixed(0)} s: ${consulted} consulted, ${finished}/${CALLS} done, ${inflight} requests in flight${gate ? ', Worker restarting' : ''}`), 15_000);
  await Promise.all([...Array.from({ length: CALLS }, (_, i) => call(i).finally(() => { finished += 1; })), restarter]);

  clearInterval(progress);

  // ---- the tally ---------------------------------------------------------------------------
  const world = await (await fetch(`${emulatorUrl}/control/world`)).json();
  const entries = (await (await fetch(`${emulatorUrl}/control/log?since=0`)).json()).entries;
  const requests = entries.filter((e) => e.kind === 'request' && e.operation);
  const acted = requests.filter((e) => !e.repeated && (e.fault === 'server_error_after_action' || (!e.fault && e.status < 300)));
  const mutating = new Set(['createCall', 'addParticipant', 'removeParticipant', 'startRecording', 'stopRecording', 'pauseRecording', 'resumeRecording', 'terminateCall', 'hangupCall', 'play', 'transferToParticipant']);
  const dupes = [];
  const byKey = new Map();
  for (const e of acted.filter((e) => mutating.has(e.operation))) {
    let ctx = null;
    try {
      ctx = JSON.parse(e.body ?? 'null')?.operationContext ?? null;
    } catch {}
    for (const key of [e.repeatabilityRequestId && `key ${e.repeatabilityRequestId}`, ctx && `${e.operation} ${e.callConnectionId ?? ''} ${ctx}`].filter(Boolean)) {
      if (byKey.has(key)) dupes.push(key);
      else byKey.set(key, e);
    }
  }
  const reads = requests.filter((e) => ['getCall', 'getParticipants', 'getRecordingProperties'].includes(e.operation)).length;
  const counts = { ...world.faultCounts, restart: restart ? 1 : 0 };
  const mismatched = results.filter((r) => r.mismatch);
  const placed = results.filter((r) => r.callId).length;
  const summary = {
    calls: CALLS,
    placed,
    faults: counts,
    mismatches: mismatched.length,
    duplicateExecutions: dupes.length,
    unansweredAgentRequests: stats.unanswered.length,
    agentRequests: stats.requests,
    agentAnswers: stats.byStatus,
    refusedDuringRestartAndResent: stats.retriedRefused,
    reconciliationReads: reads,
    restart,
    seconds: (Date.now() - started) / 1000,
    seed: SEED,
  };
  console.log(`calls: ${CALLS}`);
  console.log(`faults: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(`mismatches: ${mismatched.length}`);
  console.log(`duplicate executions: ${dupes.length}`);
  console.log(`unanswered agent requests: ${stats.unanswered.length}`);
  console.log(`(calls placed ${placed}/${CALLS}; agent requests ${stats.requests}: ${Object.entries(stats.byStatus).map(([k, v]) => `${k}×${v}`).join(', ')}; ` +
    `sent again after a refused or closed connection around the restart ${stats.retriedRefused}; Worker reads of calls ${reads}; ${summary.seconds.toFixed(0)} s)`);
  const tally = {};
  for (const r of results) for (const st of r.steps) tally[st] = (tally[st] ?? 0) + 1;
  summary.steps = tally;
  console.log(`(steps: ${Object.entries(tally).map(([k, v]) => `${k}×${v}`).join(', ')})`);
  for (const r of results.filter((r) => r.errors).slice(0, 5)) console.log(`  refused in call ${r.i}: ${r.errors.join(' | ')}`);
  for (const r of mismatched.slice(0, 10)) console.log(`  mismatch call ${r.i} (${r.callId}): ${r.mismatch} — steps: ${r.steps.join(', ')}`);
  for (const r of results.filter((r) => !r.callId).slice(0, 5)) console.log(`  not placed: call ${r.i}: ${r.steps.join(', ')}`);
  for (const d of dupes.slice(0, 10)) console.log(`  executed twice: ${d}`);
  for (const u of stats.unanswered.slice(0, 10)) console.log(`  unanswered: ${u}`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  // For a failed run: each troubled call's own log (what the Worker heard and did), and what
  // the emulator logged about it.
  const troubled = results.filter((r) => r.mismatch || r.errors).slice(0, 20);
  if (troubled.length) {
    const diag = [];
    for (const r of troubled) {
      const token = tokens[r.i % AGENTS];
      const v = r.callId ? await view(token, r.callId) : null;
      const callLog = r.callId ? (await agent(token, 'GET', `/api/calls/${r.callId}/log`)).json : null;
      const emu = entries.filter((e) => v?.callConnectionId && e.callConnectionId === v.callConnectionId);
      diag.push({ ...r, view: v, log: callLog?.entries, emulator: emu });
    }
    const file = join(root, 'test-results', 'chaos-troubled-calls.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(diag, null, 1));
    console.log(`  the troubled calls' logs: ${file}`);
  }
  // A call that was never placed proves nothing: a run that placed fewer than asked failed.
  process.exitCode = mismatched.length || dupes.length || stats.unanswered.length || placed < CALLS ? 1 : 0;
  if (placed < CALLS) console.log(`FAILED: only ${placed} of ${CALLS} calls were placed`);
} finally {
  await stack.stop();
}
