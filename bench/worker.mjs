// Webhook benchmark: ACS callbacks through the whole Worker path in real workerd (wrangler dev)
// — JWT check (claims in Rust, RS256 by WebCrypto), the call's Durable Object folding the event
// and running the workflow, state and log written to storage. Prints throughput and latency
// from autocannon, and the time the Worker and the Durable Object spend computing per callback,
// measured inside workerd around each synchronous stretch (I/O waits excluded) and reported in
// `Server-Timing`. workerd's clock ticks in whole milliseconds: each stretch reads 0 or 1 ms
// more than it took with odds proportional to the fraction, so means are exact over many
// callbacks and single readings are not.
//
//   node bench/worker.mjs [--seconds 10] [--connections 8]
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { api, callbackPath, callbackTokens, startStack, until, CUSTOMER } from '../scripts/stack.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('--seconds', 10);
const connections = arg('--connections', 8);
const stack = await startStack();

try {
  const url = stack.worker.url;
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'a call');
  const view = (await api(url, 'GET', `/api/calls/${call.callId}`)).json;
  const ccid = view.callConnectionId;

  // A token per callback, as ACS mints them (the Worker takes each once), minted before timing:
  // enough for the sequential part and a generous autocannon run, more minted if it runs out.
  const mint = await callbackTokens(stack.emulator.url);
  const minted = Array.from({ length: 550 + seconds * 800 }, mint);
  const token = () => minted.pop() ?? mint();

  // A roster update per callback, each with a new event id and sequence number: every one is
  // folded (no duplicate short-cut) and moves the state.
  const others = view.participants.map((p) => ({ identifier: p.identifier, isMuted: false, isOnHold: false }));
  let seq = 1000;
  const body = () => {
    seq += 1;
    const muted = seq % 2 === 0;
    return JSON.stringify([{
      id: `bench-${seq}`, source: `calling/callConnections/${ccid}`, type: 'Microsoft.Communication.ParticipantsUpdated', specversion: '1.0', time: new Date().toISOString(),
      data: { callConnectionId: ccid, serverCallId: view.serverCallId, correlationId: view.correlationId, sequenceNumber: seq, participants: others.map((p) => ({ ...p, isMuted: muted })) },
    }]);
  };
  const path = await callbackPath(stack.emulator.url, call.callId); // the URL the Worker gave ACS (its ?sig=)

  // A console watches, as in production (every callback is pushed to it).
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/calls/${call.callId}/events?access_token=dev-agent-token-contoso-alex`);
  let pushed = 0;
  ws.on('message', () => (pushed += 1));
  await new Promise((r) => ws.once('open', r));

  // Warm up (JWKS fetched, code compiled).
  for (let i = 0; i < 50; i += 1) await (await fetch(`${url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token()}` }, body: body() })).arrayBuffer();
  // One at a time: the time each callback spent computing, as the Worker reports it.
  const cpu = [];
  for (let i = 0; i < 500; i += 1) {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token()}` }, body: body() });
    if (r.status !== 200) throw new Error(`callback ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
    const timing = Object.fromEntries((r.headers.get('server-timing') ?? '').split(',').map((t) => t.trim().split(';dur=')).map(([k, v]) => [k, Number(v)]));
    cpu.push({ worker: timing.worker ?? NaN, object: timing.do ?? NaN });
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const total = cpu.map((c) => c.worker + c.object).sort((a, b) => a - b);

  const result = await autocannon({
    url: `${url}${path}`,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' }, body: body() }) }],
  });
  ws.close();
  const non2xx = result.non2xx + result.errors;
  console.log(`webhook callbacks (JWT + Durable Object fold + workflow + storage), ${connections} connections, ${seconds} s, wrangler dev on loopback:`);
  console.log(`  throughput  ${result.requests.average.toFixed(0)} callbacks/s (${result.requests.total} in all, ${non2xx} not 2xx)`);
  console.log(`  latency     p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
  console.log(`  computing time per callback inside workerd (${total.length} sequential): mean ${mean(total).toFixed(2)} ms = Worker ${mean(cpu.map((c) => c.worker)).toFixed(2)} ms (JWT) + Durable Object ${mean(cpu.map((c) => c.object)).toFixed(2)} ms (fold, workflow, state); readings p50 ${total[Math.floor(total.length / 2)]} ms, p99 ${total[Math.floor(total.length * 0.99)]} ms (goal p50 <= 1 ms)`);
  console.log(`  pushed to the watching console: ${pushed} messages`);
} finally {
  await stack.stop();
}
