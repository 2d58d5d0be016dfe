// The expert-consultation story, told live through the Worker's agent API against ACS in a
// box: a customer calls in, the agent joins, asks three Teams experts in turn, one joins with a
// recording running, leaves, and the call ends. Every line printed comes from the Worker's
// answers or from the console WebSocket of the call.
import WebSocket from 'ws';

const DANA = '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b';
const ROBIN = '2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const SAM = '0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e';

/** Runs the story; resolves to the call's final snapshot. */
export async function runStory({ workerUrl, emulatorUrl, token, agentAcsId, say = console.log }) {
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
  const api = async (method, path, body) => {
    const res = await fetch(`${workerUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    const line = res.ok ? '' : ` ${json?.error?.code}: ${json?.error?.message}`;
    say(`${stamp()}   → ${method} ${path.replace(/^\/api\/calls\/[^/:]+/, '…')} ${res.status}${line}`);
    return { status: res.status, json };
  };
  const until = async (check, ms = 20_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('the story stalled');
      await new Promise((r) => setTimeout(r, 150));
    }
  };

  say(`${stamp()} A customer (+14255550123) calls the contact center through the Direct Routing SBC.`);
  await fetch(`${emulatorUrl}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550123', callerDisplayName: 'Casey Customer' }) });
  const list = async () => (await fetch(`${workerUrl}/api/calls`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const since = t0 - 1000;
  const call = await until(async () => (await list()).calls.find((c) => c.createdAt >= since && c.connectionState === 'connected'));
  const id = call.callId;
  say(`${stamp()} The Worker answered; call ${id} is connected. The console watches it live:`);

  const ws = new WebSocket(`${workerUrl.replace('http', 'ws')}/api/calls/${id}/events?access_token=${encodeURIComponent(token)}`);
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m));
    if (msg.type === 'consultation') say(`${stamp()}   ◆ consultation ${msg.consultation.id}: ${msg.consultation.phase}${msg.consultation.result ? ` (${msg.consultation.result.code}/${msg.consultation.result.subCode})` : ''}`);
    if (msg.type === 'events') for (const e of msg.events) say(`${stamp()}   · ${e.type}`);
    if (msg.type === 'notice') say(`${stamp()}   ! ${msg.message}`);
  });
  await new Promise((r) => ws.once('open', r));
  const view = async () => (await fetch(`${workerUrl}/api/calls/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json();

  await api('POST', `/api/calls/${id}/participants`, { participants: [{ acsUserId: agentAcsId }], operationContext: 'agent' });
  await until(async () => (await view()).participants.some((p) => p.identifier.rawId === agentAcsId && p.status === 'connected'));
  say(`${stamp()} The agent asks for an expert, shown as "Contoso Support": Robin (Busy, iOS) declines, Sam has no Teams Phone licence, then Dana (Available, desktop) — with the call recorded first, so the recording stays stoppable.`);
  await api('POST', `/api/calls/${id}/consultations`, { expert: ROBIN, operationContext: 'robin' });
  await api('POST', `/api/calls/${id}/consultations`, { expert: SAM, operationContext: 'sam' });
  await until(async () => (await view()).consultations.filter((c) => ['declined', 'failed'].includes(c.phase)).length === 2);
  await api('POST', `/api/calls/${id}/consultations`, { expert: DANA, record: true, operationContext: 'dana' });
  await api('POST', `/api/calls/${id}/consultations`, { expert: DANA, operationContext: 'dana-twice' });
  await until(async () => (await view()).consultations.some((c) => c.id === 'dana' && c.phase === 'joined'));
  await api('POST', `/api/calls/${id}/recording:pause`);
  await new Promise((r) => setTimeout(r, 800));
  await api('POST', `/api/calls/${id}/recording:resume`);
  say(`${stamp()} Dana helps for a few seconds...`);
  await new Promise((r) => setTimeout(r, 2_500));
  await api('DELETE', `/api/calls/${id}/participants/${encodeURIComponent(`8:orgid:${DANA}`)}`);
  await until(async () => (await view()).consultations.some((c) => c.id === 'dana' && c.phase === 'left'));
  say(`${stamp()} Dana is released; the agent and the customer carry on, then the agent ends the call for everyone.`);
  await api('POST', `/api/calls/${id}/recording:stop`);
  await api('POST', `/api/calls/${id}:terminate`);
  const final = await until(async () => {
    const v = await view();
    return v.ended ? v : null;
  });
  await new Promise((r) => setTimeout(r, 300));
  ws.close();
  return final;
}

/**
 * Peak overflow, told through the queue view: a customer calls the queue number while no agent
 * takes queue calls; the queue answers onto hold audio and offers the call to the tenant's Teams
 * knowledge workers by presence. Prints each new status line; resolves to the call's last view.
 */
export async function runOverflowStory({ workerUrl, emulatorUrl, token, queueNumber = '+18005550177', say = console.log }) {
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
  const view = async () => (await fetch(`${workerUrl}/api/queue`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const before = new Set(((await view()).calls ?? []).map((c) => c.callId));
  say(`${stamp()} Peak hour: a customer (+14255550126) calls the queue (${queueNumber}); no agent is taking queue calls.`);
  await fetch(`${emulatorUrl}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550126', to: queueNumber }) });
  const deadline = Date.now() + 60_000;
  let last = '';
  for (;;) {
    const call = (await view()).calls?.find((c) => !before.has(c.callId));
    const line = call?.offers?.length ? `${call.status} — offers: ${call.offers.map((o) => `${o.name} ${o.words}`).join('; ')}` : call?.status;
    if (line && line.replace(/\d+:\d\d/g, '') !== last.replace(/\d+:\d\d/g, '')) say(`${stamp()}   ◆ ${line}`);
    last = line ?? last;
    if (call && !call.live) return call;
    if (Date.now() > deadline) throw new Error('the overflow story stalled');
    await new Promise((r) => setTimeout(r, 250));
  }
}
