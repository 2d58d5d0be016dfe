// Load test on loopback (`npm run load`): the whole stack — ACS in a box and the Worker in real
// workerd through `wrangler dev`, started by scripts/stack.mjs — under a bounded Node client,
// across 1,000 simulated calls. Four kinds of request, each in its own phase so that its
// throughput means something:
//
//   create call    agent POST /api/calls to the customer's number: the Worker creates the call's
//                  Durable Object, signs createCall to ACS, updates the tenant index. The customer
//                  answers; ACS in a box calls back (CallConnected, ParticipantsUpdated).
//   agent command  POST …/recording:start on every call, then POST …/participants adding Dana
//                  (the Teams expert, who answers): rules, outbox, a signed request to ACS each.
//   agent read     GET /api/calls/{id} (the Durable Object's snapshot) and
//                  GET /api/calls/{id}/participants (read from ACS through the Worker), in turn,
//                  while ACS in a box delivers the joins (recording state, Dana answering).
//   callback       signed callbacks to the URL each call gave ACS (`?sig=` included), an RS256
//                  JWT with its own `jti` each (the emulator's published development key):
//                  ParticipantsUpdated rosters with the next sequence number, folded by the
//                  call's Durable Object. Every 1/--inject-th accepted token is sent again, which
//                  the Worker must refuse (401 token_replayed): counted as injected, not as errors.
//
// Calls must be connected before the commands (up to --settle-ms waiting for ACS in a box's
// CallConnected); the joins it delivers run on under the reads and callbacks, and what is left is
// waited for at the end (up to --drain-ms).
//
// The callbacks ACS in a box itself delivers (one at a time, not retried) are timed and shown as a
// fifth row. Prints one table (requests, req/s, p50/p99/max latency, errors, 429s, injected),
// the memory (RSS) of the workerd processes wrangler started, before, after each phase and at the
// end, the CPU time each process used per phase (and what other work on the machine took), the
// requests the Worker made to ACS, and the first error bodies; writes all of it to
// bench/load.json. Numbers are printed, never asserted: the exit code is 1 when the harness
// fails, 2 when the run is invalid (a workerd process went away, or --live-build and build/
// changed), 0 otherwise.
//
//   node bench/load.mjs [--calls 1000] [--concurrency 32] [--callbacks-per-call 3]
//                       [--reads-per-call 2] [--agents 8] [--inject 0.01] [--out bench/load.json]
//                       [--timeout-ms 30000] [--settle-ms 90000] [--drain-ms 45000]
//                       [--phase-deadline-ms 120000]
//                       [--reconcile-after S] [--live-build]
//
// - The Worker measured is build/ (`node scripts/build.mjs --worker-only` first), copied with
//   pkg/, emulator/ and the stack scripts into a temporary directory before the stack starts,
//   since wrangler reloads the Worker whenever the files it runs change (--live-build: run from
//   the working tree instead).
// - The emulator runs in this process, on the main thread (startStack); the load client runs in a
//   worker thread, so the emulator's work does not sit in the client's event loop.
// - Mutating agent routes are rate limited per agent token (AGENT_LIMITER, 600/min): the harness
//   adds --agents - 1 agents to the contoso tenant beside Alex (only in the TENANTS it hands the
//   Worker) and spreads the calls over them; with --agents 1 the limiter shows, counted as 429s.
// - The Worker reads a call from ACS when an outcome is 15 s overdue or the call was quiet for the
//   tenant's policy.reconcileAfterSeconds: --reconcile-after S sets it (0: off) to see that cost.
// - wrangler's debug log (every inspector event of every subrequest) and dev registry go to a
//   temporary directory, not ~/.config/.wrangler: another `wrangler dev` starting or stopping on
//   the machine would otherwise reload the Worker mid-run. Its output, less request lines, goes
//   to bench/out/.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

// ---- the main thread: the stack, the emulator's deliveries, memory and CPU --------------------

async function main() {
  const { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync, rmSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const os = await import('node:os');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const root = fileURLToPath(new URL('..', import.meta.url));

  const opts = parseArgs(process.argv.slice(2));
  const out = opts.out ?? join(root, 'bench', 'load.json');
  const say = (line) => console.log(line);

  // The stack runs from a snapshot of the built artifacts (see `snapshot`) unless --live-build.
  const snap = opts.liveBuild ? null : await snapshot(root, say);
  // wrangler's machine-wide state goes to a private temporary directory (wrangler.mjs passes our
  // environment on): its debug log — every log call, the inspector's Network events of every
  // subrequest included, tens of MB a run in ~/.config/.wrangler/logs by default — and its dev
  // registry. Every `wrangler dev` on the machine shares ~/.config/.wrangler/registry and reloads
  // its Worker (a new runtime, requests in flight cut) whenever another one starts or stops:
  // tests or another stack running beside the load test would restart the Worker under it.
  const wranglerLogDir = mkdtempSync(join(os.tmpdir(), 'switchboard-load-wrangler-'));
  process.env.WRANGLER_LOG_PATH = join(wranglerLogDir, 'wrangler-debug.log');
  process.env.WRANGLER_REGISTRY_PATH = join(wranglerLogDir, 'registry');
  const buildBefore = buildInfo(root, snap ?? root, { statSync, join });
  let stackModule;
  try {
    stackModule = await import(snap ? pathToFileURL(join(snap, 'scripts', 'stack.mjs')).href : '../scripts/stack.mjs');
  } catch (e) {
    if (snap) rmSync(snap, { recursive: true, force: true });
    rmSync(wranglerLogDir, { recursive: true, force: true });
    throw e;
  }
  const { startStack, CONTOSO_TOKEN, CUSTOMER, DANA } = stackModule;

  // Every delivery ACS in a box makes to the Worker, from its log lines
  // (`→ POST <url> <EventType> <status>`): per call and event type, and the tally.
  const delivered = new Map(); // callId -> Map(eventType -> count of 2xx)
  let phase = 'startup';
  const deliveries = { total: 0, ok: 0, failed: 0, byStatus: {}, byType: {}, failedByPhase: {}, samples: [] };
  const acsRequests = { total: 0, byStatus: {}, byOperation: {}, byPhase: {} };
  const emulatorLog = (line) => {
    const m = /^→ (\S+) (\S+) (\S+) (.+?)( \(before the response\))?$/.exec(line);
    if (m) {
      const [, , url, type, status] = m;
      const code = /^\d+$/.test(status) ? Number(status) : 0;
      deliveries.total += 1;
      deliveries.byStatus[code] = (deliveries.byStatus[code] ?? 0) + 1;
      deliveries.byType[type] = (deliveries.byType[type] ?? 0) + 1;
      const call = /\/api\/callbacks\/[^/]+\/([^/?]+)/.exec(url)?.[1];
      if (code >= 200 && code < 300) {
        deliveries.ok += 1;
        if (call) {
          const seen = delivered.get(call) ?? new Map();
          seen.set(type, (seen.get(type) ?? 0) + 1);
          delivered.set(call, seen);
        }
      } else {
        deliveries.failed += 1;
        deliveries.failedByPhase[phase] = (deliveries.failedByPhase[phase] ?? 0) + 1;
        if (deliveries.samples.length < 5) deliveries.samples.push(`${type} to ${url.replace(/\?sig=.*/, '?sig=…')} during ${phase}: ${status}`);
      }
      return;
    }
    const r = /^(GET|POST|PUT|PATCH|DELETE) (\S+) (\d+)$/.exec(line);
    if (r && r[2].startsWith('/calling/')) {
      acsRequests.total += 1;
      acsRequests.byStatus[r[3]] = (acsRequests.byStatus[r[3]] ?? 0) + 1;
      // `GET /calling/callConnections/{id}/participants`: ids (GUIDs, server call ids) folded.
      const op = `${r[1]} ${r[2].split('/').map((seg) => (/^[0-9a-f-]{16,}$/i.test(seg) || seg.length > 40 ? '{id}' : seg)).join('/')}`;
      acsRequests.byOperation[op] = (acsRequests.byOperation[op] ?? 0) + 1;
      const inPhase = (acsRequests.byPhase[phase] ??= {});
      inPhase[op] = (inPhase[op] ?? 0) + 1;
    }
  };

  // ACS in a box delivers with the global fetch (emulator-api.js, fetchDelivery), one at a time:
  // timed here, to the response headers, with the whole error when one fails.
  const acsCallbacks = { lat: [], failures: [], first: null, last: null };
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = String(input?.url ?? input);
    if (!/\/api\/(callbacks|events)\//.test(url)) return realFetch(input, init);
    const t0 = performance.now();
    acsCallbacks.first ??= t0;
    try {
      const res = await realFetch(input, init);
      acsCallbacks.lat.push(performance.now() - t0);
      return res;
    } catch (e) {
      const c = e?.cause;
      acsCallbacks.failures.push({ phase, afterMs: Math.round(performance.now() - t0), error: `${e?.message}${c ? `: ${c.code ?? ''} ${c.message ?? c}` : ''}`, socket: c?.socket ?? null });
      throw e;
    } finally {
      acsCallbacks.last = performance.now();
    }
  };

  // Bench agents beside Alex, so the per-token rate limit is shared out as a team of agents would.
  const agentTokens = [CONTOSO_TOKEN];
  const addAgents = (tenants) => {
    for (let i = 1; i < opts.agents; i += 1) {
      const token = `load-agent-token-contoso-${i}`;
      tenants.tenants.contoso.agents.push({ id: `load-${i}`, name: `Load Agent ${i}`, token });
      agentTokens.push(token);
    }
    // The tenant's policy.reconcileAfterSeconds (the Worker's default when not given; 0: off).
    if (opts.reconcileAfter !== null) tenants.tenants.contoso.policy = { ...tenants.tenants.contoso.policy, reconcileAfterSeconds: opts.reconcileAfter };
    return tenants;
  };
  // Dana stays once she has joined (the demo world has her leave after 90 s, which would send a
  // late roster into the callback phase).
  const world = (w) => {
    const dana = w.teams.find((t) => t.objectId === DANA);
    if (dana) dana.behavior = { ...dana.behavior, leaveAfterMs: null };
    return w;
  };

  say(`load test: ${opts.calls} calls, ${opts.concurrency} in flight, ${opts.agents} agent token(s), ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const startedAt = Date.now();
  let stack = null;
  let thread = null;
  let sampler = null;
  let stopping = null;
  const stop = async () => {
    stopping ??= (async () => {
      clearInterval(sampler);
      await thread?.terminate();
      await stack?.stop();
      if (snap) rmSync(snap, { recursive: true, force: true });
      rmSync(wranglerLogDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping the stack`);
      stop().finally(() => process.exit(130));
    });
  }

  try {
    stack = await startStack({ log: emulatorLog, mutateTenants: addAgents, world });
    say(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: emulator ${stack.emulator.url}, Worker ${stack.worker.url} (wrangler dev started in ${(stack.worker.startMs / 1000).toFixed(1)} s)`);

    const procs = processTracker(stack.worker.port, { readFileSync, readdirSync });
    if (procs.workerd().length === 0) throw new Error(`no workerd process found for port ${stack.worker.port}`);
    const rss = () => procs.workerd().map((p) => ({ ...p, ...memoryOf(p.pid, readFileSync) }));
    const memory = { before: rss(), end: null, peakTotalKb: 0, peakAt: null, phases: {} };
    const totalKb = (list) => list.reduce((a, p) => a + (p.rssKb ?? 0), 0);
    memory.peakTotalKb = totalKb(memory.before);
    phase = 'idle';
    procs.phase = () => phase;
    // wrangler's output, less its request lines ("[wrangler:info] GET /api/… 200 OK (12ms)"):
    // warnings, errors, reloads, kept whole (scripts/wrangler.mjs keeps only the last 64 KB).
    const notable = [];
    let seenTail = stack.worker.output().slice(-300); // the start-up banner is not news
    const readOutput = () => {
      const text = stack.worker.output();
      const at = seenTail ? text.lastIndexOf(seenTail) : -1;
      const fresh = at >= 0 ? text.slice(at + seenTail.length) : text;
      seenTail = text.slice(-300);
      for (const raw of fresh.split('\n')) {
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
        if (!line || /^\[wrangler:info\] (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ \d{3}/.test(line)) continue;
        notable.push(`${new Date().toISOString()} [${phase}] ${line}`);
      }
    };
    sampler = setInterval(() => {
      readOutput();
      procs.refresh();
      const t = totalKb(rss());
      if (t > memory.peakTotalKb) {
        memory.peakTotalKb = t;
        memory.peakAt = phase;
      }
    }, 500);
    sampler.unref();

    // CPU time per phase: each workerd, this process (emulator + client), wrangler's Node
    // processes, and everything else on the machine (other work shares these cores).
    const cpu = () => {
      procs.refresh();
      return {
        at: performance.now(),
        workerd: { runtime: procs.cpu('runtime'), proxy: procs.cpu('proxy') },
        wrangler: procs.cpu('wrangler'),
        harness: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage()),
        machine: machineCpu(readFileSync),
      };
    };
    const cpuPhases = {};
    let cpuAt = null;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const loopPhases = {};

    const tenant = stack.tenants.tenants.contoso;
    thread = new Worker(fileURLToPath(import.meta.url), {
      workerData: {
        workerUrl: stack.worker.url,
        emulatorUrl: stack.emulator.url,
        tokens: agentTokens,
        customer: CUSTOMER,
        callerId: '+18005550100',
        dana: DANA,
        audience: tenant.acsResourceId,
        signingKey: readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'),
        opts,
      },
    });
    const result = await new Promise((resolve, reject) => {
      thread.on('error', reject);
      thread.on('exit', (code) => reject(new Error(`the load client exited (${code}) before reporting`)));
      thread.on('message', (msg) => {
        if (msg.type === 'log') say(msg.line);
        else if (msg.type === 'phase-start') {
          phase = msg.name;
          cpuAt = cpu();
          loopDelay.reset();
        } else if (msg.type === 'phase-end') {
          const now = cpu();
          cpuPhases[msg.name] = cpuDelta(cpuAt, now);
          loopPhases[msg.name] = { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
          const mem = rss();
          memory.phases[msg.name] = { total: totalKb(mem), ...Object.fromEntries(mem.map((p) => [p.role, p.rssKb])) };
          phase = 'idle';
        } else if (msg.type === 'await') {
          awaitDeliveries(delivered, deliveries, msg).then(({ ready, seconds }) => thread.postMessage({ type: 'awaited', id: msg.id, ready, seconds }));
        } else if (msg.type === 'done') resolve(msg.result);
        else if (msg.type === 'failed') reject(Object.assign(new Error(msg.message), { stack: msg.stack }));
      });
    });
    loopDelay.disable();
    clearInterval(sampler);
    procs.refresh();
    memory.end = rss();
    memory.peakTotalKb = Math.max(memory.peakTotalKb, totalKb(memory.end));

    // wrangler's own output (request lines, the Worker's console, workerd's errors), for a look after.
    const logFile = join(root, 'bench', 'out', 'load-wrangler.log');
    mkdirSync(dirname(logFile), { recursive: true });
    readOutput();
    writeFileSync(logFile, `${notable.join('\n')}\n`);
    const notableCounts = {};
    for (const line of notable) {
      const key = line.replace(/^\S+ /, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').slice(0, 200);
      notableCounts[key] = (notableCounts[key] ?? 0) + 1;
    }
    const storageBytes = duBytes(stack.persistTo, { readdirSync, statSync, join });
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgAtEnd: os.loadavg(), node: process.version },
      options: opts,
      wallSeconds: (Date.now() - startedAt) / 1000,
      stackStartSeconds: stack.worker.startMs / 1000,
      calls: result.calls,
      kinds: result.kinds,
      notSent: result.notSent,
      tokenMintMs: result.tokenMintMs,
      settleSeconds: result.settleSeconds,
      memory: {
        unit: 'kB',
        before: memory.before,
        end: memory.end,
        totalBeforeKb: totalKb(memory.before),
        totalEndKb: totalKb(memory.end),
        peakTotalKb: memory.peakTotalKb,
        peakDuring: memory.peakAt,
        totalAfterPhaseKb: memory.phases,
        harnessRssKb: Math.round(process.memoryUsage().rss / 1024),
        wranglerNodeRssKb: procs.others().reduce((a, p) => a + (memoryOf(p.pid, readFileSync).rssKb ?? 0), 0),
        durableObjectStorageBytes: storageBytes,
        wranglerDebugLogBytes: duBytes(wranglerLogDir, { readdirSync, statSync, join }),
      },
      cpuSeconds: cpuPhases,
      emulatorEventLoop: loopPhases,
      emulatorDeliveries: { ...deliveries, samples: deliveries.samples },
      acsCallbacks: (() => {
        const lat = [...acsCallbacks.lat].sort((a, b) => a - b);
        const span = ((acsCallbacks.last ?? 0) - (acsCallbacks.first ?? 0)) / 1000;
        return {
          kind: 'ACS callback',
          note: 'delivered by ACS in a box one at a time (no retry), during the create, command and wait phases; timed to the response headers',
          requests: deliveries.total,
          throughput: span > 0 ? deliveries.total / span : 0, // over the whole run: a pace, not a capacity
          p50Ms: percentile(lat, 0.5),
          p99Ms: percentile(lat, 0.99),
          maxMs: lat.at(-1) ?? 0,
          errors: deliveries.failed,
          limited: 0,
          injected: 0,
          failures: acsCallbacks.failures.slice(0, 10),
          failureCauses: acsCallbacks.failures.reduce((a, f) => {
            const c = `no answer: ${f.error.replace(/^fetch failed: /, '')}`;
            a[c] = (a[c] ?? 0) + 1;
            return a;
          }, {}),
        };
      })(),
      acsRequests,
      processEvents: procs.events,
      wranglerLog: logFile,
      wranglerNotable: Object.entries(notableCounts).sort((a, b) => b[1] - a[1]).slice(0, 30).map(([line, n]) => ({ n, line })),
    };
    // A rebuild of build/ during the run makes wrangler reload the Worker (and fail, when it
    // catches the wasm half written): the figures then mix builds and outages.
    report.worker = { ...buildBefore, snapshot: !!snap };
    const rebuilt = !snap && buildInfo(root, root, { statSync, join }).builtAt !== buildBefore.builtAt;
    const restarted = procs.events.some((e) => e.event === 'gone');
    report.valid = !rebuilt && !restarted;
    const anyErrors = Object.values(report.kinds).some((k) => k.errors > 0) || deliveries.failed > 0;
    if (restarted || anyErrors) {
      // Keep what wrangler logged besides the inspector's Network events and request lines.
      try {
        const text = readFileSync(process.env.WRANGLER_LOG_PATH, 'utf8');
        const blocks = text.split(/\n(?=--- \d{4}-\d\d-\d\dT)/).filter((b) => !/RUNTIME INCOMING MESSAGE|\[wrangler:info\] (GET|POST|DELETE) /.test(b));
        report.wranglerDebugLog = join(root, 'bench', 'out', 'load-wrangler-debug.log');
        writeFileSync(report.wranglerDebugLog, blocks.join('\n'));
      } catch {}
    }
    const order = ['date', 'valid', 'worker'];
    const sorted = Object.fromEntries([...order.map((k) => [k, report[k]]), ...Object.entries(report).filter(([k]) => !order.includes(k))]);
    printReport(report, say);
    writeFileSync(out, `${JSON.stringify(sorted, null, 2)}\n`);
    say(`\nfigures written to ${out}`);
    await stop();
    if (!report.valid) {
      console.error(`\nINVALID RUN: ${rebuilt ? `build/ was rebuilt during the run (it was built at ${buildBefore.builtAt})` : ''}${rebuilt && restarted ? '; ' : ''}${restarted ? 'a workerd process of the Worker went away during the run' : ''}. The figures above are not those of one Worker; rerun when build/ is quiet.`);
      process.exit(2);
    }
  } catch (e) {
    await stop().catch(() => {});
    console.error(`load test harness failed: ${e?.stack ?? e}`);
    if (stack?.worker?.output) console.error(`--- wrangler output (tail) ---\n${stack.worker.output().slice(-3000)}`);
    process.exit(1);
  }
}

/**
 * Copies what the stack runs — build/ (the Worker), pkg/ and emulator/ (ACS in a box),
 * config/, wrangler.toml, scripts/stack.mjs and scripts/wrangler.mjs — into a temporary
 * directory (node_modules linked), so the run measures one build: wrangler reloads the Worker
 * whenever the files it runs change, and build/ may be rebuilt while this runs. A copy is taken
 * only when nothing in it changed for 3 s, and kept only if nothing changed while copying.
 */
async function snapshot(root, say) {
  const { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const parts = ['build', 'pkg', 'emulator', 'config', 'wrangler.toml', 'package.json', 'scripts/stack.mjs', 'scripts/wrangler.mjs'];
  const stamp = () => {
    const seen = [];
    let newest = 0;
    const walk = (p) => {
      const st = statSync(p);
      newest = Math.max(newest, st.mtimeMs);
      if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
      else seen.push(`${p}:${st.size}:${st.mtimeMs}`);
    };
    for (const part of parts) walk(join(root, part));
    return { key: seen.sort().join('\n'), newest };
  };
  const deadline = Date.now() + 180_000;
  for (let attempt = 1; ; attempt += 1) {
    const before = stamp();
    const quietFor = Date.now() - before.newest;
    // scripts/build.mjs writes build/index_bg.wasm twice: worker-build's output, then wasm-opt's
    // (stripped of the `name` and `producers` sections) up to a minute later.
    const finished = stripped(readFileSync(join(root, 'build', 'index_bg.wasm'))) || quietFor >= 60_000;
    if (quietFor >= 3_000 && finished) {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-load-'));
      for (const part of parts) cpSync(join(root, part), join(dir, part), { recursive: true, preserveTimestamps: true });
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      if (stamp().key === before.key) return dir;
      rmSync(dir, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error('build/ or pkg/ kept changing for 3 minutes: no stable build to measure');
    if (attempt === 1) say('build/ or pkg/ is being written; waiting for it to settle...');
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** True when a wasm module has neither a `name` nor a `producers` custom section (wasm-opt has run). */
function stripped(bytes) {
  const leb = (at) => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return [value, at];
    }
  };
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) return false;
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, body] = leb(at + 1);
    if (id === 0) {
      const [len, name] = leb(body);
      const section = bytes.subarray(name, name + len).toString('utf8');
      if (section === 'name' || section === 'producers') return false;
    }
    at = body + size;
  }
  return true;
}

/** Which Worker was measured: the build's time and size, the commit and whether the tree was dirty. */
function buildInfo(root, from, { statSync, join }) {
  const info = {};
  try {
    const wasm = statSync(join(from, 'build', 'index_bg.wasm'));
    info.wasmBytes = wasm.size;
    info.builtAt = wasm.mtime.toISOString();
  } catch {}
  try {
    info.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the index (read only).
    const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
    info.dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', env }).trim() !== '';
  } catch {}
  return info;
}

function parseArgs(argv) {
  const opts = { calls: 1000, concurrency: 32, callbacksPerCall: 3, readsPerCall: 2, agents: 8, inject: 0.01, timeoutMs: 30_000, settleMs: 90_000, drainMs: 45_000, phaseDeadlineMs: 120_000, out: null, liveBuild: false, reconcileAfter: null };
  const names = { '--calls': 'calls', '--concurrency': 'concurrency', '--callbacks-per-call': 'callbacksPerCall', '--reads-per-call': 'readsPerCall', '--agents': 'agents', '--inject': 'inject', '--timeout-ms': 'timeoutMs', '--settle-ms': 'settleMs', '--drain-ms': 'drainMs', '--phase-deadline-ms': 'phaseDeadlineMs', '--reconcile-after': 'reconcileAfter', '--out': 'out' };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--help' || flag === '-h') {
      console.log('node bench/load.mjs [--calls 1000] [--concurrency 32] [--callbacks-per-call 3] [--reads-per-call 2] [--agents 8] [--inject 0.01] [--timeout-ms 30000] [--settle-ms 90000] [--drain-ms 45000] [--phase-deadline-ms 120000] [--reconcile-after S] [--out bench/load.json] [--live-build]');
      process.exit(0);
    }
    if (flag === '--live-build') {
      opts.liveBuild = true;
      continue;
    }
    const key = names[flag];
    if (!key) throw new Error(`unknown option ${argv[i]} (try --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    opts[key] = key === 'out' ? value : Number(value);
    if (key !== 'out' && !Number.isFinite(opts[key])) throw new Error(`${flag}: not a number: ${value}`);
  }
  if (opts.calls < 1 || opts.concurrency < 1 || opts.agents < 1) throw new Error('--calls, --concurrency and --agents must be at least 1');
  return opts;
}

/** Resolves once every call in `msg.calls` had the events `msg.need` ({type: count}) delivered 2xx, or at `msg.timeoutMs`. */
/**
 * Gives up early when nothing more was delivered for 10 s (a failed delivery is not retried,
 * so a call can wait forever). Resolves to the calls ready and the seconds until the last one was.
 */
async function awaitDeliveries(delivered, deliveries, msg) {
  const start = Date.now();
  const deadline = start + msg.timeoutMs;
  const done = (call) => Object.entries(msg.need).every(([type, n]) => (delivered.get(call)?.get(type) ?? 0) >= n);
  let count = -1;
  let lastReadyAt = start;
  let total = deliveries.total;
  let lastDeliveryAt = start;
  for (;;) {
    const ready = msg.calls.filter(done);
    const now = Date.now();
    if (ready.length !== count) {
      count = ready.length;
      lastReadyAt = now;
    }
    if (deliveries.total !== total) {
      total = deliveries.total;
      lastDeliveryAt = now;
    }
    if (ready.length === msg.calls.length || now > deadline || now - lastDeliveryAt > 10_000) return { ready, seconds: (lastReadyAt - start) / 1000 };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Nearest-rank percentile of sorted `xs`. */
function percentile(xs, q) {
  return xs.length ? xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))] : 0;
}

// ---- /proc: the workerd processes of our wrangler, their memory and CPU ------------------------

const TICK = 100; // USER_HZ on Linux

function procStat(pid, readFileSync) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

/**
 * wrangler (started detached by scripts/wrangler.mjs, so it leads its own process group) runs
 * two workerd: a proxy on the port we were given, and the runtime that runs the Worker and its
 * Durable Objects. Found by the proxy's `--socket-addr=entry=127.0.0.1:<port>`, then by group;
 * `refresh()` notices a process that went away or a new one (a crashed runtime restarted), and
 * CPU time is summed over every process a role ever had.
 */
function processTracker(port, { readFileSync, readdirSync }) {
  // Every process's stat; the command line only of those in `group` (or all, the first time).
  const scan = (group = null) => {
    const all = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = procStat(d, readFileSync);
        if (group !== null && st.pgid !== group) continue;
        if (st.state === 'Z') continue; // exited, not yet reaped: gone
        all.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0'), ...st });
      } catch {}
    }
    return all;
  };
  const entry = `--socket-addr=entry=127.0.0.1:${port}`;
  const isWorkerd = (p) => p.cmd[0].endsWith('workerd');
  const proxy = scan().find((p) => isWorkerd(p) && p.cmd.includes(entry));
  const pgid = proxy?.pgid ?? null;
  const known = new Map(); // pid -> {pid, role, cpu (last seen), gone}
  const events = [];
  const tracker = {
    events,
    phase: () => 'idle',
    refresh() {
      if (pgid === null) return;
      const group = scan(pgid);
      const alive = new Set(group.map((p) => p.pid));
      const first = known.size === 0;
      for (const p of group) {
        const k = known.get(p.pid);
        // A process keeps the role it was first seen with (its command line is gone once it exits).
        const role = k?.role ?? (isWorkerd(p) ? (p.cmd.includes(entry) ? 'proxy' : 'runtime') : 'wrangler');
        if (!k && !first && role !== 'wrangler') events.push({ event: 'started', pid: p.pid, role, phase: tracker.phase(), at: new Date().toISOString() });
        known.set(p.pid, { pid: p.pid, role, cpu: (p.utime + p.stime) / TICK, gone: false });
      }
      for (const k of known.values()) {
        if (!k.gone && !alive.has(k.pid)) {
          k.gone = true;
          if (k.role !== 'wrangler') events.push({ event: 'gone', pid: k.pid, role: k.role, phase: tracker.phase(), at: new Date().toISOString() });
        }
      }
    },
    workerd: () => [...known.values()].filter((k) => !k.gone && k.role !== 'wrangler').map(({ pid, role }) => ({ pid, role })).sort((a, b) => (a.role < b.role ? 1 : -1)),
    others: () => [...known.values()].filter((k) => !k.gone && k.role === 'wrangler'),
    cpu: (role) => [...known.values()].filter((k) => k.role === role).reduce((a, k) => a + k.cpu, 0),
  };
  tracker.refresh();
  return tracker;
}

function memoryOf(pid, readFileSync) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return { rssKb: null, hwmKb: null };
  }
}

function machineCpu(readFileSync) {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}

function cpuDelta(a, b) {
  const workerd = Object.fromEntries(Object.keys(b.workerd).map((k) => [k, b.workerd[k] - (a.workerd[k] ?? 0)]));
  const ours = Object.values(workerd).reduce((x, y) => x + y, 0) + (b.wrangler - a.wrangler) + (b.harness - a.harness);
  const busy = b.machine.busy - a.machine.busy;
  return {
    wallSeconds: (b.at - a.at) / 1000,
    workerd,
    wranglerNode: b.wrangler - a.wrangler,
    harnessAndEmulator: b.harness - a.harness,
    otherProcesses: Math.max(0, busy - ours),
    machineIdle: Math.max(0, b.machine.total - a.machine.total - busy),
  };
}

function duBytes(dir, { readdirSync, statSync, join }) {
  let sum = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      sum += e.isDirectory() ? duBytes(p, { readdirSync, statSync, join }) : statSync(p).size;
    }
  } catch {}
  return sum;
}

// ---- the table -------------------------------------------------------------------------------

function printReport(r, say) {
  const mb = (kb) => (kb == null ? '?' : `${(kb / 1024).toFixed(0)} MB`);
  const pad = (s, n, left = false) => (left ? String(s).padEnd(n) : String(s).padStart(n));
  const rows = ['create call', 'agent command', 'agent read', 'callback'].map((k) => r.kinds[k]).filter((k) => k?.requests);
  if (r.acsCallbacks.requests) rows.push({ ...r.acsCallbacks, kind: 'ACS callback*' });
  say('');
  say(`${pad('kind', 14, true)} ${pad('requests', 8)} ${pad('req/s', 7)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('max ms', 7)} ${pad('errors', 6)} ${pad('429 limited', 11)} ${pad('injected', 14)}`);
  say('-'.repeat(14 + 8 + 7 * 4 + 6 + 11 + 14 + 8));
  for (const k of rows) {
    const inj = k.injected ? `${k.injected} (${k.injectedAsExpected} ok)` : '-';
    say(`${pad(k.kind, 14, true)} ${pad(k.requests, 8)} ${pad(k.kind === 'ACS callback*' ? 'serial' : k.throughput.toFixed(0), 7)} ${pad(k.p50Ms.toFixed(1), 7)} ${pad(k.p99Ms.toFixed(1), 7)} ${pad(k.maxMs.toFixed(0), 7)} ${pad(k.errors, 6)} ${pad(k.limited || '-', 11)} ${pad(inj, 14)}`);
  }
  const all = rows.reduce((a, k) => ({ requests: a.requests + k.requests, errors: a.errors + k.errors }), { requests: 0, errors: 0 });
  say(`${pad('all', 14, true)} ${pad(all.requests, 8)} ${pad('', 7)} ${pad('', 7)} ${pad('', 7)} ${pad('', 7)} ${pad(all.errors, 6)}   error rate ${((100 * all.errors) / Math.max(1, all.requests)).toFixed(2)} % (goal 0 non-injected)`);
  if (Object.keys(r.notSent ?? {}).length) say(`not sent (phase deadline reached): ${Object.entries(r.notSent).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  say('* the callbacks ACS in a box (the emulator) delivered itself as calls connected and Dana joined: one at a time, not retried');
  const cb = r.kinds.callback?.workerComputeMsMean;
  if (cb) say(`callbacks, the Worker's own computing time (Server-Timing, I/O waits excluded): mean ${((cb.worker ?? 0) + (cb.do ?? 0)).toFixed(2)} ms = JWT check ${(cb.worker ?? 0).toFixed(2)} ms + Durable Object ${(cb.do ?? 0).toFixed(2)} ms`);
  const m = r.memory;
  say('');
  say(`Worker memory, RSS of the workerd processes wrangler started: ${mb(m.totalBeforeKb)} before, ${mb(m.totalEndKb)} at the end, peak ${mb(m.peakTotalKb)}${m.peakDuring ? ` (during ${m.peakDuring})` : ''}`);
  for (const p of m.end) {
    const b = m.before.find((x) => x.pid === p.pid);
    say(`  ${pad(p.role, 8, true)} pid ${pad(p.pid, 7, true)} ${pad(mb(b?.rssKb), 7)} → ${pad(mb(p.rssKb), 7)} (high-water mark ${mb(p.hwmKb)})`);
  }
  say(`  after each phase (runtime + proxy): ${Object.entries(m.totalAfterPhaseKb).map(([k, v]) => `${k.replace(' (ACS callbacks)', '')} ${mb(v.runtime)} + ${mb(v.proxy)}`).join(', ')}`);
  say(`  Durable Object storage on disk ${(m.durableObjectStorageBytes / 1048576).toFixed(1)} MB; wrangler's debug log ${(m.wranglerDebugLogBytes / 1048576).toFixed(0)} MB; this process (client + emulator) ${mb(m.harnessRssKb)}`);
  say('');
  say('CPU seconds per phase (2 cores = 2 CPU-seconds per second of wall time):');
  say(`  ${pad('phase', 27, true)} ${pad('wall s', 6)} ${pad('runtime', 8)} ${pad('proxy', 6)} ${pad('wrangler', 8)} ${pad('client+emulator', 15)} ${pad('other work', 10)} ${pad('idle', 6)}  emulator loop lag p99`);
  for (const [name, c] of Object.entries(r.cpuSeconds)) {
    say(`  ${pad(name, 27, true)} ${pad(c.wallSeconds.toFixed(1), 6)} ${pad((c.workerd.runtime ?? 0).toFixed(1), 8)} ${pad((c.workerd.proxy ?? 0).toFixed(1), 6)} ${pad(c.wranglerNode.toFixed(1), 8)} ${pad(c.harnessAndEmulator.toFixed(1), 15)} ${pad(c.otherProcesses.toFixed(1), 10)} ${pad(c.machineIdle.toFixed(1), 6)}  ${pad((r.emulatorEventLoop[name]?.p99Ms ?? 0).toFixed(0), 5)} ms`);
  }
  const d = r.emulatorDeliveries;
  say('');
  say(`calls: ${r.calls.requested} asked, ${r.calls.created} created, ${r.calls.connected} connected, ${r.calls.expertJoined} with Dana joined and the recording on`);
  say(`ACS in a box → Worker callbacks (real deliveries, one at a time): ${d.total}, ${d.failed} not 2xx (${Object.entries(d.byType).map(([t, n]) => `${t.replace('Microsoft.Communication.', '')} ${n}`).join(', ')})`);
  say(`Worker → ACS in a box requests: ${r.acsRequests.total} (${Object.entries(r.acsRequests.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ')}): ${Object.entries(r.acsRequests.byOperation).sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op.replace('/calling/', '')} ${n}`).join(', ')}`);
  if (r.processEvents.length) {
    say('');
    say(`workerd processes came and went: ${r.processEvents.map((e) => `${e.role} ${e.pid} ${e.event} during ${e.phase}`).join('; ')}`);
  }
  if (r.wranglerDebugLog) say(`wrangler's debug log, less inspector events and request lines: ${r.wranglerDebugLog}`);
  if (r.wranglerNotable.length) {
    say('');
    say(`wrangler said (besides request lines; all of it in ${r.wranglerLog}):`);
    for (const { n, line } of r.wranglerNotable.slice(0, 8)) say(`  ${pad(`${n}×`, 6)} ${line}`);
  }
  const causes = {};
  for (const k of rows) for (const [c, n] of Object.entries(k.errorCauses ?? {})) causes[c] = (causes[c] ?? 0) + n;
  for (const [c, n] of Object.entries(r.acsCallbacks.failureCauses)) causes[`ACS callback, ${c}`] = n;
  const proxied = Object.entries(r.emulatorDeliveries.byStatus).filter(([st]) => st === '503').reduce((a, [, n]) => a + n, 0);
  if (proxied) causes['ACS callback: 503 (wrangler proxy or the Worker)'] = proxied;
  if (Object.keys(causes).length) {
    say('');
    say(`errors by cause: ${Object.entries(causes).map(([c, n]) => `${c}: ${n}`).join('; ')}`);
  }
  const samples = rows
    .flatMap((k) => (k.errorSamples ?? []).map((s) => `  ${k.kind}: ${s}`))
    .concat(d.samples.map((s) => `  ACS callback: ${s}`))
    .concat(r.acsCallbacks.failures.slice(0, 3).map((f) => `  ACS callback failed after ${f.afterMs} ms during ${f.phase}: ${f.error}${f.socket ? ` ${JSON.stringify(f.socket)}` : ''}`));
  if (samples.length) {
    say('');
    say('first errors:');
    for (const s of samples) say(s);
  }
}

// ---- the load client (a worker thread) --------------------------------------------------------

async function client({ workerUrl, emulatorUrl, tokens, customer, callerId, dana, audience, signingKey, opts }) {
  const http = await import('node:http');
  const { createPrivateKey, sign, randomUUID } = await import('node:crypto');
  const log = (line) => parentPort.postMessage({ type: 'log', line });
  try {
    const base = new URL(workerUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });

    /** One request; resolves to {status, text, ms} (status 0: no answer, `text` says why). */
    const send = (method, path, { headers = {}, body } = {}) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const data = body === undefined ? undefined : Buffer.from(body);
        const req = http.request(
          { host: base.hostname, port: base.port, method, path, agent, headers: { ...headers, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}) } },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0, t0, timing: res.headers['server-timing'] }));
            res.on('error', (e) => resolve({ status: 0, text: `response: ${e.message}`, ms: performance.now() - t0, t0 }));
          },
        );
        req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
        req.on('error', (e) => resolve({ status: 0, text: `request: ${e.message}`, ms: performance.now() - t0, t0 }));
        req.end(data);
      });
    const json = (text) => {
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    };

    const kinds = {};
    const runStart = performance.now();
    const stat = (kind) =>
      (kinds[kind] ??= { kind, requests: 0, ok: 0, errors: 0, limited: 0, injected: 0, injectedAsExpected: 0, lat: [], errorSamples: [], errorTimes: [], errorCauses: {}, statuses: {}, seconds: 0, timing: {}, timingN: 0, buckets: new Map() });
    /** Counts one answer; `expect` marks an injected request and the answer it must get. */
    const count = (kind, what, res, expect = null) => {
      const s = stat(kind);
      s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1;
      const sample = () => {
        s.errorTimes.push(Math.round((res.t0 + res.ms - runStart) / 100) / 10);
        s.errorCauses[causeOf(res)] = (s.errorCauses[causeOf(res)] ?? 0) + 1;
        if (s.errorSamples.length < 4) s.errorSamples.push(`${what} → ${res.status} ${res.text.slice(0, 300).replace(/\s+/g, ' ')} (at +${((res.t0 + res.ms - runStart) / 1000).toFixed(1)} s)`);
      };
      if (expect) {
        s.injected += 1;
        const code = json(res.text)?.error?.code;
        if (res.status === expect.status && code === expect.code) s.injectedAsExpected += 1;
        else {
          s.errors += 1;
          sample();
        }
        return false;
      }
      s.requests += 1;
      s.lat.push(res.ms);
      // Per second of the run: answers and the slowest, to see stalls.
      const sec = Math.floor((res.t0 + res.ms - runStart) / 1000);
      const b = s.buckets.get(sec) ?? { n: 0, maxMs: 0 };
      b.n += 1;
      b.maxMs = Math.max(b.maxMs, res.ms);
      s.buckets.set(sec, b);
      // The Worker's own computing time, where it reports it (callbacks: `worker` = the JWT
      // check, `do` = the Durable Object's fold and workflow; I/O waits excluded).
      if (res.timing) {
        s.timingN += 1;
        for (const part of res.timing.split(',')) {
          const [name, dur] = part.trim().split(';dur=');
          if (dur !== undefined) s.timing[name] = (s.timing[name] ?? 0) + Number(dur);
        }
      }
      if (res.status >= 200 && res.status < 300) {
        s.ok += 1;
        return true;
      }
      if (res.status === 429 && json(res.text)?.error?.code === 'rate_limited') {
        s.limited += 1;
        return false;
      }
      s.errors += 1;
      sample();
      return false;
    };

    /** Runs `jobs` (an array that may grow while running) `opts.concurrency` at a time. */
    // Runs `jobs` (an array that may grow while running) `opts.concurrency` at a time, for at most
    // --phase-deadline-ms: then no new job starts (the rest is reported as not sent), so a Worker
    // that stops answering cannot hold the run for 30 s a request. Progress every 15 s.
    const notSent = {};
    const pool = async (jobs, run, kind) => {
      let next = 0;
      let done = 0;
      const deadline = performance.now() + opts.phaseDeadlineMs;
      const progress = setInterval(() => log(`  … ${done}/${jobs.length} answered, ${stat(kind).errors} errors so far`), 15_000);
      const lane = async () => {
        while (next < jobs.length && performance.now() < deadline) {
          await run(jobs[next++]);
          done += 1;
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(1, jobs.length)) }, lane));
      } finally {
        clearInterval(progress);
      }
      if (next < jobs.length) {
        notSent[kind] = (notSent[kind] ?? 0) + jobs.length - next;
        log(`  phase deadline (${opts.phaseDeadlineMs / 1000} s): ${jobs.length - next} ${kind} requests not sent`);
      }
    };
    const settled = {};
    /** One phase: the main thread takes CPU and memory readings at both ends. */
    const phase = async (name, kind, body) => {
      parentPort.postMessage({ type: 'phase-start', name });
      const t0 = performance.now();
      const out = await body();
      const seconds = (performance.now() - t0) / 1000;
      if (kind) stat(kind).seconds += seconds;
      else settled[name] = seconds;
      parentPort.postMessage({ type: 'phase-end', name });
      return out;
    };
    let awaitId = 0;
    const awaiting = new Map();
    parentPort.on('message', (m) => {
      if (m.type === 'awaited') awaiting.get(m.id)?.(m);
    });
    const awaitDelivered = (calls, need, timeoutMs = opts.settleMs) =>
      new Promise((resolve) => {
        awaitId += 1;
        awaiting.set(awaitId, resolve);
        parentPort.postMessage({ type: 'await', id: awaitId, calls, need, timeoutMs });
      });
    const auth = (call) => ({ Authorization: `Bearer ${call.token}` });

    // 1. Create the calls: agents dial the customer (the customer answers after ~2 s).
    const calls = [];
    const creates = Array.from({ length: opts.calls }, (_, i) => i);
    log(`creating ${opts.calls} calls (POST /api/calls to ${customer})...`);
    await phase('create', 'create call', () =>
      pool(creates, async (i) => {
        const token = tokens[i % tokens.length];
        const body = JSON.stringify({ targets: [{ phoneNumber: customer }], sourceCallerIdNumber: callerId });
        const res = await send('POST', '/api/calls', { headers: { Authorization: `Bearer ${token}` }, body });
        if (!count('create call', 'POST /api/calls', res)) return;
        const v = json(res.text);
        const acs = v?.acs?.body ?? {};
        if (!v?.callId || !acs.callbackUri) {
          stat('create call').errors += 1;
          stat('create call').errorSamples.push(`POST /api/calls → ${res.status} without callId or callbackUri: ${res.text.slice(0, 200)}`);
          return;
        }
        calls.push({ i, token, id: v.callId, ccid: acs.callConnectionId, serverCallId: acs.serverCallId, correlationId: acs.correlationId });
      }, 'create call'),
    );
    calls.sort((a, b) => a.i - b.i);
    // ACS in a box calls back one delivery at a time: wait for them (a phase of its own in the CPU table).
    const connectWait = await phase('connect (ACS callbacks)', null, () => awaitDelivered(calls.map((c) => c.id), { CallConnected: 1, ParticipantsUpdated: 1 }));
    const connectedIds = new Set(connectWait.ready);
    const connected = calls.filter((c) => connectedIds.has(c.id));
    // The signed callback URL of each call as ACS was given it (the Worker's answers hide its
    // signature): from the emulator's log of its deliveries, as stack.mjs's callbackPaths reads it.
    const delivered = (await (await fetch(`${emulatorUrl}/control/log?since=0`)).json()).entries.filter((e) => e.url?.includes('/api/callbacks/'));
    const paths = new Map(delivered.map((e) => new URL(e.url)).map((u) => [u.pathname.split('/').pop(), u.pathname + u.search]));
    for (const c of connected) c.callbackPath = paths.get(c.id);
    log(`  ${calls.length} created, ${connected.length} connected (CallConnected and the roster delivered to the Worker; the last ${connectWait.seconds.toFixed(1)} s after the last create)`);

    // 2. Agent commands: start the recording, then add Dana, on every connected call.
    const commands = [
      ...connected.map((c) => ({ c, path: `/api/calls/${c.id}/recording:start`, body: '{}', what: 'POST …/recording:start' })),
      ...connected.map((c) => ({ c, path: `/api/calls/${c.id}/participants`, body: JSON.stringify({ participant: { teamsUserId: dana } }), what: 'POST …/participants (Dana)' })),
    ];
    log(`agent commands: ${commands.length} (recording:start, then add Dana, per call)...`);
    const commanded = new Map();
    await phase('command', 'agent command', () =>
      pool(commands, async (j) => {
        const res = await send('POST', j.path, { headers: auth(j.c), body: j.body });
        if (count('agent command', j.what, res)) commanded.set(j.c.id, (commanded.get(j.c.id) ?? 0) + 1);
      }, 'agent command'),
    );
    // ACS in a box now delivers the recordings' state and Dana's joins, one at a time, while the
    // agents read and the callbacks run (as they would); what is left is waited for at the end.
    const both = connected.filter((c) => commanded.get(c.id) === 2).map((c) => c.id);

    // 3. Agent reads: the snapshot and the participants (from ACS), alternately, round-robin over the calls.
    const reads = [];
    for (let r = 0; r < opts.readsPerCall; r += 1) {
      for (const c of connected) reads.push(r % 2 === 0 ? { c, path: `/api/calls/${c.id}`, what: 'GET /api/calls/{id}' } : { c, path: `/api/calls/${c.id}/participants`, what: 'GET …/participants' });
    }
    log(`agent reads: ${reads.length}, while ACS in a box delivers the joins...`);
    await phase('read (+ ACS callbacks)', 'agent read', () =>
      pool(reads, async (j) => {
        count('agent read', j.what, await send('GET', j.path, { headers: auth(j.c) }));
      }, 'agent read'),
    );
    // 4. Callbacks: each call's own signed URL, a fresh token (own jti) per callback, rosters as
    //    ACS in a box has them (who is in the call, Dana included once she answered, even if
    //    her join is not delivered yet), each with the next sequence number (from 1000: the
    //    emulator's own rosters, later, are older and only fill in history) and the customer's
    //    mute toggled. Tokens are minted before the phase, not while it runs.
    const truth = await (await fetch(`${emulatorUrl}/control/calls`)).json();
    const rosters = new Map(truth.map((t) => [t.callConnectionId, t.participants]));
    const kid = (await (await fetch(`${emulatorUrl}/calling/keys`)).json()).keys[0].kid;
    const key = createPrivateKey(signingKey);
    const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const header = b64({ alg: 'RS256', typ: 'JWT', kid });
    const mint = () => {
      const now = Math.floor(Date.now() / 1000);
      const input = `${header}.${b64({ iss: 'https://acscallautomation.communication.azure.com', aud: audience, iat: now, nbf: now, exp: now + 300, jti: randomUUID() })}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    };
    const body = (c, seq) => {
      const people = (rosters.get(c.ccid) ?? [{ rawId: `4:${customer}`, isMuted: false, isOnHold: false }]).map((p) => ({
        identifier: identifierOf(p.rawId),
        isMuted: p.rawId.startsWith('4:') ? seq % 2 === 0 : p.isMuted,
        isOnHold: p.isOnHold ?? false,
      }));
      return JSON.stringify([{
        id: `load-${c.i}-${seq}-${randomUUID()}`, source: `calling/callConnections/${c.ccid}`, type: 'Microsoft.Communication.ParticipantsUpdated', specversion: '1.0', time: new Date().toISOString(),
        data: { callConnectionId: c.ccid, serverCallId: c.serverCallId, correlationId: c.correlationId, sequenceNumber: seq, participants: people },
      }]);
    };
    const t0 = performance.now();
    const callbacks = [];
    for (let r = 0; r < opts.callbacksPerCall; r += 1) for (const c of connected) callbacks.push({ c, seq: 1000 + r, token: mint() });
    const tokenMintMs = performance.now() - t0;
    log(`callbacks: ${callbacks.length} (tokens minted in ${(tokenMintMs / 1000).toFixed(1)} s), ${opts.inject > 0 ? `about ${(opts.inject * 100).toFixed(1)} % more replaying a used token` : 'no replays injected'}...`);
    const every = opts.inject > 0 ? Math.max(1, Math.round(1 / opts.inject)) : 0;
    let okCallbacks = 0;
    await phase('callback (+ ACS callbacks)', 'callback', () =>
      pool(callbacks, async (j) => {
        const res = await send('POST', j.c.callbackPath, { headers: { Authorization: `Bearer ${j.token}` }, body: body(j.c, j.seq) });
        if (j.replay) {
          count('callback', 'POST /api/callbacks/… (replayed jti)', res, { status: 401, code: 'token_replayed' });
          return;
        }
        if (count('callback', 'POST /api/callbacks/…', res)) {
          okCallbacks += 1;
          // The same token again (a new body): must be refused, whatever the body says.
          if (every && okCallbacks % every === 0) callbacks.push({ ...j, seq: j.seq + 500, replay: true });
        }
      }, 'callback'),
    );

    // What ACS in a box has not delivered yet: waited for (at most --drain-ms, or until nothing
    // moved for 10 s), to count every delivery and the calls Dana joined as the Worker knows it.
    const joinWait = await phase('drain (ACS callbacks)', null, () => awaitDelivered(both, { RecordingStateChanged: 1, AddParticipantSucceeded: 1, ParticipantsUpdated: 2 }, opts.drainMs));
    const joinedIds = new Set(joinWait.ready);
    log(`  Dana joined and the recording on, as the Worker was told, in ${joinedIds.size} calls (the last ${joinWait.seconds.toFixed(1)} s after the callbacks)`);

    const pct = percentile;
    const summary = {};
    for (const s of Object.values(kinds)) {
      const lat = s.lat.sort((a, b) => a - b);
      const { lat: _, buckets, timing, timingN, ...rest } = s;
      summary[s.kind] = {
        ...rest,
        workerComputeMsMean: timingN ? Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, v / timingN])) : null,
        perSecond: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, b]) => ({ t, n: b.n, maxMs: Math.round(b.maxMs) })),
        throughput: s.requests / Math.max(1e-9, s.seconds),
        p50Ms: pct(lat, 0.5),
        p90Ms: pct(lat, 0.9),
        p99Ms: pct(lat, 0.99),
        maxMs: lat.at(-1) ?? 0,
        meanMs: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
      };
    }
    agent.destroy();
    parentPort.postMessage({
      type: 'done',
      result: { kinds: summary, notSent, tokenMintMs, settleSeconds: { ...settled, lastConnected: connectWait.seconds, lastJoined: joinWait.seconds }, calls: { requested: opts.calls, created: calls.length, connected: connected.length, expertJoined: joinedIds.size } },
    });
  } catch (e) {
    parentPort.postMessage({ type: 'failed', message: String(e?.message ?? e), stack: e?.stack });
  }
}

/**
 * Where a failed answer came from. wrangler's ProxyWorker answers 503 "Your worker restarted
 * mid-request" to a POST whenever its own fetch to the runtime fails (it retries GETs silently);
 * status 0 is no answer at all.
 */
function causeOf(res) {
  if (res.status === 503 && res.text.startsWith('Your worker restarted mid-request')) return 'wrangler proxy: its fetch to the runtime failed (503)';
  if (res.status === 0) return `no answer: ${res.text.replace(/:\d+$/, '')}`;
  const code = (() => {
    try {
      return JSON.parse(res.text)?.error?.code;
    } catch {
      return null;
    }
  })();
  return `the Worker: ${res.status}${code ? ` ${code}` : ''}`;
}

/** A CommunicationIdentifier from a raw id (the kinds a roster of these calls holds). */
function identifierOf(rawId) {
  if (rawId.startsWith('4:')) return { kind: 'phoneNumber', phoneNumber: { value: rawId.slice(2), isAnonymous: false }, rawId };
  if (rawId.startsWith('8:orgid:')) return { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: rawId.slice(8), isAnonymous: false, cloud: 'public' }, rawId };
  if (rawId.startsWith('8:acs:')) return { kind: 'communicationUser', communicationUser: { id: rawId }, rawId };
  return { kind: 'unknown', unknown: { id: rawId }, rawId };
}

// Last, so every constant above is initialised before either side starts.
if (isMainThread) await main();
else await client(workerData);
