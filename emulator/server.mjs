// ACS in a box over real HTTP: the sans-IO emulator (Rust, compiled to wasm) served at the root
// of its own origin, as ACS is, so the official SDK and any client reach it unchanged
// (`endpoint=http://127.0.0.1:8788/;accesskey=<dev key>`). This file only does I/O: it passes
// requests in, writes responses out, and delivers the callbacks the emulator returns.
//
//   node emulator/server.mjs [--port 8788] [--host 127.0.0.1] [--world world.json] [--manual-clock]
//
// --manual-clock: time stands still unless POST /control/clock {advanceMs} moves it (tests).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { AcsEmulator, demoWorld, fetchDelivery } from '../pkg/emulator-node.js';

export { demoWorld };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts the emulator server. Returns `{server, url, emulator, connectionString, close()}`.
 * `world`: a world config object (null: the demo world); `log`: a line logger (or null).
 */
export async function startEmulator({ port = 8788, host = '127.0.0.1', world = null, manualClock = false, log = console.log } = {}) {
  const origin = `http://${host}:${port}`;
  const start = Date.now();
  const now = () => (manualClock ? start : Date.now());
  const short = (d) => `${d.method} ${d.url} ${d.eventType.replace('Microsoft.Communication.', '')}`;
  const emulator = new AcsEmulator({
    world,
    origin,
    now,
    onDelivered: (d, res) => log?.(`→ ${short(d)} ${res.status || `failed: ${res.error}`}`),
  });
  let timer = null;

  // Deliveries go out in due order, one at a time (faults reorder on purpose, the transport does not).
  async function pump() {
    try {
      await emulator.pump();
    } finally {
      arm();
    }
  }

  function arm() {
    clearTimeout(timer);
    const next = emulator.nextDue();
    if (next === null) return;
    const wait = manualClock ? (next <= now() ? 0 : null) : Math.max(0, Math.min(1000, next - now()));
    if (wait !== null) timer = setTimeout(pump, wait);
  }

  const server = http.createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const out = emulator.handle({ method: req.method, path: req.url, headers, body });
      for (const d of out.deliverFirst) {
        const r = await fetchDelivery(d);
        emulator.delivered(d.id, r.status, r.body);
        log?.(`→ ${short(d)} ${r.status || `failed: ${r.error}`} (before the response)`);
      }
      const h = { ...out.headers, 'Access-Control-Allow-Origin': '*', 'Content-Length': Buffer.byteLength(out.body ?? '') };
      res.writeHead(out.status, h);
      res.end(out.body);
      if (!req.url.startsWith('/control/log')) log?.(`${req.method} ${req.url.split('?')[0]} ${out.status}`);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'EmulatorHostError', message: String(e?.message ?? e) } }));
    }
    setImmediate(pump);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  arm();
  return {
    server,
    url: origin,
    emulator,
    connectionString: emulator.connectionString,
    close: () => new Promise((resolve) => {
      clearTimeout(timer);
      server.close(resolve);
      server.closeAllConnections?.();
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const worldFile = arg('--world', null);
  const port = Number(arg('--port', 8788));
  const running = await startEmulator({
    port,
    host: arg('--host', '127.0.0.1'),
    world: worldFile ? JSON.parse(readFileSync(worldFile, 'utf8')) : null,
    manualClock: process.argv.includes('--manual-clock'),
  }).catch((e) => {
    if (e?.code !== 'EADDRINUSE') throw e;
    console.error(`port ${port} is in use (is \`npm start\` running? its emulator is already there); choose another with --port`);
    process.exit(1);
  });
  console.log(`ACS emulator listening on ${running.url}/`);
  console.log(`connection string: ${running.connectionString}`);
}
