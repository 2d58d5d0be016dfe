// A minimal contact-center app on the npm package, standing in for the Worker (issue 4) in
// `npm start`: it answers Event Grid's handshake and IncomingCall, keeps a CallState per call
// from the callbacks, and runs the expert consultation against the emulator — every command
// checked by CallState.can, built and signed by buildRequest, sent with fetch.
import http from 'node:http';
import * as sb from '../pkg/node.js';

export const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
export const ROBIN = '2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
export const SAM = '0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e';

const readBody = (req) => new Promise((resolve) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
});

/** Starts the app; `say` prints a timeline line. Returns `{url, close, calls, command}`. */
export async function startDemoApp({ port = 8787, host = '127.0.0.1', connectionString, say = console.log }) {
  const origin = `http://${host}:${port}`;
  const pathParams = new Map(sb.operations().map((o) => [o.name, o.pathParams]));
  const calls = new Map(); // callConnectionId → {state, waiters}
  const waiters = [];
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;

  function stateOf(id) {
    if (!calls.has(id)) calls.set(id, new sb.CallState());
    return calls.get(id);
  }

  async function command(callId, operation, params, { by = 'agent-7' } = {}) {
    const state = stateOf(callId);
    const action = { operation, ...params };
    const verdict = state.can(action);
    if (!verdict.allowed) {
      say(`${stamp()}   ✘ ${operation} refused by ${verdict.rule}: ${verdict.reason}`);
      return null;
    }
    const onCall = pathParams.get(operation)?.includes('callConnectionId');
    const req = sb.buildRequest(operation, onCall ? { callConnectionId: callId, ...params } : params, connectionString);
    state.recordCommand(action, { at: Date.now(), by });
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
    const text = await res.text();
    state.recordResponse(operation, { status: res.status, body: text, operationContext: params.operationContext });
    say(`${stamp()}   → ${operation} ${res.status}${res.ok ? '' : ` ${text}`}`);
    return res.ok ? (text ? JSON.parse(text) : {}) : null;
  }

  function onEvents(callId, body) {
    const state = stateOf(callId);
    for (const outcome of state.apply(body)) {
      for (const c of outcome.changes ?? []) {
        if (c.change === 'participant') say(`${stamp()}   · ${c.rawId} ${c.status}${c.result ? ` (${c.result.code}/${c.result.subCode}: ${c.result.message})` : ''}`);
        if (c.change === 'connection') say(`${stamp()}   · call ${c.state}`);
        if (c.change === 'recording') say(`${stamp()}   · recording ${c.status}`);
      }
    }
    for (const w of waiters.splice(0)) w();
  }

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'WebHook-Allowed-Origin': req.headers['webhook-request-origin'] ?? '*' });
      return res.end();
    }
    if (req.url === '/api/events/incoming') {
      for (const ev of sb.parseEvents(body)) {
        if (ev.type === 'SubscriptionValidation') {
          say(`${stamp()} Event Grid subscription validated`);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify({ validationResponse: ev.validationCode }));
        }
        if (ev.type === 'IncomingCall') {
          say(`${stamp()} Incoming call from ${ev.from.rawId} — answering`);
          const answer = sb.buildRequest('answerCall', { incomingCallContext: ev.incomingCallContext, callbackUri: `${origin}/api/callbacks/demo`, operationContext: 'answer' }, connectionString);
          fetch(answer.url, { method: answer.method, headers: answer.headers, body: answer.body }).then((r) => say(`${stamp()}   → answerCall ${r.status}`));
        }
      }
      res.writeHead(200);
      return res.end();
    }
    if (req.url.startsWith('/api/callbacks/')) {
      const events = sb.parseEvents(body);
      const id = events.find((e) => e.callConnectionId)?.callConnectionId;
      if (id) onEvents(id, body);
      res.writeHead(200);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  /** Resolves when `predicate(snapshot)` holds for some call (or rejects after `ms`). */
  function until(predicate, ms = 15_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the call')), ms);
      const check = () => {
        for (const [id, s] of calls) {
          const snap = s.snapshot();
          if (predicate(snap)) {
            clearTimeout(timer);
            return resolve({ id, snap });
          }
        }
        waiters.push(check);
      };
      check();
    });
  }

  return { url: origin, calls, command, until, close: () => new Promise((r) => server.close(r)) };
}

/** The expert-consultation story, live: returns the final snapshot. */
export async function runStory(app, { emulatorUrl, agentId, say = console.log }) {
  await fetch(`${emulatorUrl}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550123', callerDisplayName: 'Casey Customer' }) });
  say('Customer +14255550123 calls the contact center (PSTN via the Direct Routing SBC).');
  const { id } = await app.until((s) => s.connectionState === 'connected');
  await app.command(id, 'addParticipant', { participantToAdd: { rawId: agentId }, operationContext: 'agent' });
  await app.until((s) => s.participants.some((p) => p.identifier.rawId === agentId && p.status === 'connected'));
  say('The agent asks for experts, shown to them as "Contoso Support": Robin (Busy, on iOS) declines, Sam has no Teams Phone licence, Dana (Available, desktop) answers; a double click on Dana is refused.');
  await app.command(id, 'addParticipant', { participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: ROBIN } }, sourceDisplayName: 'Contoso Support', operationContext: 'robin' });
  await app.command(id, 'addParticipant', { participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: SAM } }, sourceDisplayName: 'Contoso Support', operationContext: 'sam' });
  await app.command(id, 'addParticipant', { participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: DANA } }, sourceDisplayName: 'Contoso Support', operationContext: 'dana' });
  await app.command(id, 'addParticipant', { participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: DANA } }, sourceDisplayName: 'Contoso Support', operationContext: 'dana-again' });
  await app.until((s) => s.participants.some((p) => p.identifier.rawId === `8:orgid:${DANA}` && p.status === 'connected'));
  await app.command(id, 'recognize', { recognizeInputType: 'dtmf', recognizeOptions: { targetParticipant: { rawId: '4:+14255550123' } } });
  const rec = await app.command(id, 'startRecording', { callConnectionId: id });
  await app.until((s) => s.recording?.status === 'active');
  await app.command(id, 'stopRecording', { recordingId: rec.recordingId });
  await app.command(id, 'pauseRecording', { recordingId: rec.recordingId });
  say('Dana talks with the customer and the agent for a few seconds...');
  await new Promise((r) => setTimeout(r, 4_000));
  await app.command(id, 'removeParticipant', { participantToRemove: { rawId: `8:orgid:${DANA}` }, operationContext: 'dana-done' });
  await app.until((s) => s.participants.some((p) => p.identifier.rawId === `8:orgid:${DANA}` && p.status === 'removed'));
  say('Dana has helped and is released; the agent and the customer carry on, then the agent ends the call for everyone.');
  await app.command(id, 'terminateCall', {});
  const { snap } = await app.until((s) => s.ended);
  return snap;
}
