// The agent console: the tenant's live calls, and on a call the expert consultation and call
// control; for a tenant with a queue (peak overflow), the queue (queue.js). Built on the npm package: a CallState replica is rebuilt from the call's log and kept
// current from the WebSocket, and every button is enabled by that replica's capability rules
// (`can`) — the same rules the Worker enforces — with the refusing rule's reason shown.
import * as sb from './pkg/web.js';
import { timelineSvg } from './timeline.js';
import { dropQueueSocket, startQueue } from './queue.js';

const $ = (id) => document.getElementById(id);
const api = {
  token: sessionStorage.getItem('switchboard.token') ?? '',
  async call(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    if (!res.ok) throw Object.assign(new Error(json?.error?.message ?? `${res.status}`), { status: res.status, error: json?.error });
    return json;
  },
};

const app = {
  calls: [],
  experts: [],
  callId: null,
  view: null,
  records: [],
  lastSeq: 0,
  replica: null,
  ws: null,
  wsWanted: false,
  retry: 0,
  selected: new Set(),
};

// ---- words ---------------------------------------------------------------------------------

function kindOf(identifier) {
  switch (identifier?.kind) {
    case 'phoneNumber': return 'Phone';
    case 'communicationUser': return 'ACS user';
    case 'microsoftTeamsUser': return `Teams user (${identifier.microsoftTeamsUser?.cloud ?? 'public'})`;
    case 'microsoftTeamsApp': return 'Teams app';
    default: return identifier?.kind ?? '?';
  }
}

function nameOf(p) {
  const id = p.identifier ?? p;
  if (id.kind === 'microsoftTeamsUser') {
    const e = app.experts.find((x) => x.objectId.toLowerCase() === id.microsoftTeamsUser.userId.toLowerCase());
    return e ? e.displayName : id.microsoftTeamsUser.userId;
  }
  if (id.kind === 'phoneNumber') return id.phoneNumber.value;
  if (id.kind === 'communicationUser') return id.rawId === agentRawId() ? 'You (agent)' : `ACS user …${id.rawId.slice(-6)}`;
  return id.rawId;
}

function agentRawId() {
  return sessionStorage.getItem('switchboard.agentRawId') ?? '';
}

/** A result in plain words: "did not answer in time (408)". */
function resultWords(r) {
  if (!r) return '';
  return `${sb.describeResult(r.code, r.subCode) ?? r.message} (${r.code})`;
}

function errorWords(e, who) {
  const err = e.error ?? {};
  if (err.code === 'refused_by_rule') return `Not allowed: ${err.message}`;
  const acs = err.detail?.acs?.body?.error;
  if (acs) {
    const code = Number(err.detail.acs.status);
    const words = sb.describeResult(code, Number(acs.code) || 0) ?? acs.message;
    return `${who ? `${who}: ` : ''}${words} (${code})`;
  }
  if (e.status === 401) return 'Your sign-in is no longer valid: sign in again.';
  return err.message ?? e.message;
}

function consultationWords(c) {
  const who = nameOf(c.expert);
  switch (c.phase) {
    case 'recording': return `${who}: starting the recording first…`;
    case 'inviting': return `${who}: inviting…`;
    case 'ringing': return `${who}'s Teams is ringing${c.sourceDisplayName ? ` (shown “${c.sourceDisplayName}”)` : ''}`;
    case 'joined': return `${who} joined`;
    case 'left': return `${who} helped and left`;
    case 'declined': return `${who} declined the call (${c.result?.code ?? 603})`;
    case 'noAnswer': return `${who} did not answer in time (${c.result?.code ?? 408})`;
    case 'cancelled': return `${who}: invitation cancelled`;
    default: return `${who} cannot be added: ${resultWords(c.result) || 'the invitation failed'}`;
  }
}

// ---- sign-in and the call list ---------------------------------------------------------------

async function signIn(token) {
  api.token = token;
  let me;
  try {
    me = await api.call('GET', '/api/me');
  } catch (e) {
    $('sign-in-error').textContent = e.status === 401 ? 'That token is not valid for any tenant.' : errorWords(e);
    return false;
  }
  sessionStorage.setItem('switchboard.token', token);
  $('sign-in-view').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${me.agent.name} · ${me.tenant}`;
  sessionStorage.setItem('switchboard.agentRawId', me.agent.acsUserId ?? '');
  const [hasQueue] = await Promise.all([
    startQueue(api, me.agent.id, {
      callerName: (rawId) => nameOf(sb.identifierFromRawId(rawId)),
      // The queue put one of its calls through to this agent: it belongs in the call list now.
      taken: () => refreshCalls(),
      open: (callId) => openCall(callId),
    }),
    refreshCalls(),
    refreshExperts(),
  ]);
  // A call id from the address bar is data from whoever made the link: only the shape ids have.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('call');
  if (fromHash && /^[A-Za-z0-9_-]{1,64}$/.test(fromHash)) openCall(fromHash);
  else if (hasQueue) showQueue();
  setInterval(refreshCalls, 2000);
  setInterval(refreshExperts, 10000);
  return true;
}

async function refreshCalls() {
  try {
    app.calls = (await api.call('GET', '/api/calls')).calls;
  } catch (e) {
    if (e.status === 401) return signOut();
    return;
  }
  const list = $('calls');
  list.replaceChildren(...app.calls.map((c) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.callId = c.callId;
    b.setAttribute('aria-current', String(c.callId === app.callId));
    const who = c.counterpart ? nameOf(sb.identifierFromRawId(c.counterpart)) : 'outbound call';
    b.innerHTML = `<strong></strong><small></small>`;
    b.querySelector('strong').textContent = `${c.direction === 'inbound' ? '⇣' : '⇡'} ${who}`;
    b.querySelector('small').textContent = `${c.ended ? 'ended' : c.connectionState} · ${c.participantsConnected} in call · ${new Date(c.createdAt).toLocaleTimeString()}`;
    b.addEventListener('click', () => openCall(c.callId));
    li.append(b);
    return li;
  }));
  if (app.calls.length === 0) list.innerHTML = '<li class="muted">No calls yet.</li>';
}

async function refreshExperts() {
  try {
    app.experts = (await api.call('GET', '/api/experts')).experts;
  } catch {
    return;
  }
  render();
}

function signOut() {
  sessionStorage.clear();
  location.hash = '';
  location.reload();
}

// ---- one call ------------------------------------------------------------------------------

async function openCall(id) {
  app.callId = id;
  location.hash = `call=${encodeURIComponent(id)}`;
  for (const b of document.querySelectorAll('#calls button')) b.setAttribute('aria-current', String(b.dataset.callId === id));
  $('show-queue').setAttribute('aria-current', 'false');
  $('queue').hidden = true;
  $('call').hidden = false;
  $('no-call').hidden = true;
  $('call-body').hidden = false;
  $('error').textContent = '';
  $('feed').replaceChildren();
  closeSocket();
  await resync();
  openSocket();
}

/** Rebuilds everything from the Worker: the log (replayed into a fresh replica) and the view. */
async function resync() {
  const id = app.callId;
  const path = `/api/calls/${encodeURIComponent(id)}`;
  const [log, view] = await Promise.all([api.call('GET', `${path}/log`), api.call('GET', path)]);
  if (id !== app.callId) return;
  app.replica?.free();
  app.replica = new sb.CallState();
  app.records = [];
  app.lastSeq = 0;
  $('feed').replaceChildren();
  // Before the replay: the feed's times count from this call's start, not the last one's.
  app.view = view;
  for (const r of log.entries) take(r);
  render();
}

function take(record) {
  if (record.seq <= app.lastSeq) return;
  app.lastSeq = record.seq;
  app.records.push(record);
  app.replica.applyLogRecord(record);
  if (record.kind === 'callback') feed(`${clock(record.at)} ${record.detail.type}${record.detail.event?.data?.operationContext ? ` — ${record.detail.event.data.operationContext}` : ''}`, record);
  if (record.kind === 'sent' && record.detail.status >= 400) feed(`${clock(record.at)} ${record.detail.operation} refused by ACS (${record.detail.status})`, record);
}

function clock(t) {
  const t0 = app.view?.createdAt ?? app.records[0]?.at ?? t;
  return `+${((t - t0) / 1000).toFixed(1)}s`;
}

function feed(text, record) {
  const li = document.createElement('li');
  li.textContent = text;
  if (record?.detail?.event?.id) li.dataset.eventId = record.detail.event.id;
  $('feed').append(li);
  li.scrollIntoView?.({ block: 'nearest' });
}

function openSocket() {
  app.wsWanted = true;
  const url = `${location.origin.replace(/^http/, 'ws')}/api/calls/${encodeURIComponent(app.callId)}/events?access_token=${encodeURIComponent(api.token)}`;
  const ws = new WebSocket(url);
  app.ws = ws;
  ws.onopen = async () => {
    const again = app.retry > 0;
    app.retry = 0;
    status('live');
    if (again) await resync();
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'log') take(msg.record);
    if (msg.snapshot) app.view = msg.snapshot;
    if (msg.type === 'consultation' && app.view) {
      const list = app.view.consultations ?? [];
      const i = list.findIndex((c) => c.id === msg.consultation.id);
      if (i >= 0) list[i] = msg.consultation;
      else list.push(msg.consultation);
    }
    if (msg.type === 'notice') feed(msg.message);
    render();
  };
  ws.onclose = () => {
    if (app.ws !== ws || !app.wsWanted) return;
    app.retry += 1;
    const wait = Math.min(5000, 250 * 2 ** app.retry);
    status(`connection lost — reconnecting in ${(wait / 1000).toFixed(1)} s`);
    setTimeout(() => app.ws === ws && app.wsWanted && openSocket(), wait);
  };
}

/** The queue in place of a call (the queue keeps its own socket; the call's closes). */
function showQueue() {
  closeSocket();
  app.callId = null;
  location.hash = 'queue';
  for (const b of document.querySelectorAll('#calls button')) b.setAttribute('aria-current', 'false');
  $('show-queue').setAttribute('aria-current', 'true');
  $('call').hidden = true;
  $('queue').hidden = false;
  status('');
}

function closeSocket() {
  app.wsWanted = false;
  app.ws?.close();
  app.ws = null;
}

function status(text) {
  $('link').textContent = text;
  $('link').dataset.state = text === 'live' ? 'live' : 'down';
}

// ---- rendering -----------------------------------------------------------------------------

/** Enables `button` when the replica allows `action`; otherwise disables it with the reason. */
function gate(button, action, extra = null) {
  let verdict = { allowed: false, reason: 'the call is not loaded' };
  if (app.replica) {
    try {
      verdict = app.replica.can(action);
    } catch (e) {
      verdict = { allowed: false, reason: e.message };
    }
  }
  if (verdict.allowed && extra) verdict = { allowed: false, reason: extra };
  button.disabled = !verdict.allowed;
  button.title = verdict.allowed ? '' : `Not allowed: ${verdict.reason}`;
  if (verdict.allowed) button.removeAttribute('aria-description');
  else button.setAttribute('aria-description', button.title);
  return verdict;
}

function render() {
  const v = app.view;
  if (!v || !app.replica) return;
  $('call-title').textContent = v.incoming ? `Call from ${nameOf(v.incoming.from)}` : 'Outbound call';
  const state = v.ended ? 'disconnected' : (v.connectionState ?? (v.incoming && !v.incoming.handled ? 'offered' : 'connecting'));
  $('call-state').textContent = state;
  $('call-state').className = `pill ${state}`;
  const rec = v.recording?.status;
  // A Teams user's (or a compliance policy's) own recording: shown, not ours to control.
  const teamsRec = v.teamsRecording?.status === 'active';
  $('call-recording').textContent = `${rec ? `recording ${rec}` : 'not recording'}${teamsRec ? ' · Teams recording' : ''}`;
  $('call-recording').className = `pill ${rec === 'active' || teamsRec ? 'rec-active' : ''}`;

  // An offered call.
  const offered = v.incoming && !v.incoming.handled && !v.ended;
  $('offer').hidden = !offered;
  if (offered) {
    $('offer-from').textContent = `${nameOf(v.incoming.from)} is calling ${nameOf(v.incoming.to)}.`;
    gate($('answer'), { operation: 'answerCall' });
    gate($('reject'), { operation: 'rejectCall' });
    const target = $('redirect-target').value.trim();
    gate($('redirect'), { operation: 'redirectCall', ...(target ? { target: { rawId: `8:orgid:${target}` } } : {}) }, target ? null : 'enter the Teams user to redirect to');
  }

  // Participants.
  const rows = (v.participants ?? []).map((p) => {
    const tr = document.createElement('tr');
    const stays = (p.stays ?? []).map((s) => `${clock(s.joinedAt)}–${s.leftAt ? clock(s.leftAt) : 'now'}`).join(', ');
    tr.innerHTML = '<td><span class="n"></span><small class="s"></small></td><td class="k"></td><td><span class="st"></span><small class="r"></small></td><td class="a"></td>';
    tr.querySelector('.n').textContent = nameOf(p);
    tr.querySelector('.s').textContent = stays;
    tr.querySelector('.k').textContent = kindOf(p.identifier);
    tr.querySelector('.st').textContent = p.status + (p.isMuted ? ' · muted' : '') + (p.isOnHold ? ' · on hold' : '');
    tr.querySelector('.st').className = `st st-${p.status}`;
    tr.querySelector('.r').textContent = p.status === 'failed' ? resultWords(p.lastResult) : '';
    const actions = tr.querySelector('.a');
    if (p.status === 'connected') {
      const b = button(`Remove`, `Remove ${nameOf(p)}`, () => command('DELETE', `/participants/${encodeURIComponent(p.identifier.rawId)}`, undefined, nameOf(p)));
      gate(b, { operation: 'removeParticipant', participantToRemove: { rawId: p.identifier.rawId } });
      actions.append(b);
    }
    if (p.status === 'ringing' && p.invitation) {
      const b = button('Cancel', `Cancel the invitation of ${nameOf(p)}`, () => command('POST', '/participants:cancel', { participant: { rawId: p.identifier.rawId } }, nameOf(p)));
      gate(b, { operation: 'cancelAddParticipant', invitationId: p.invitation.invitationId ?? 'pending' }, p.invitation.invitationId ? null : 'waiting for ACS to accept the invitation');
      actions.append(b);
    }
    return tr;
  });
  $('participants').replaceChildren(...rows);

  // Consultations.
  $('consultations').replaceChildren(...(v.consultations ?? []).map((c) => {
    const li = document.createElement('li');
    li.className = c.phase;
    li.dataset.expert = c.expert.microsoftTeamsUser?.userId ?? '';
    li.textContent = consultationWords(c);
    return li;
  }));

  // Experts: Available first; the others greyed with the reason.
  const order = { Available: 0, AvailableIdle: 0, Busy: 1, DoNotDisturb: 1, BeRightBack: 2, Away: 2, Offline: 3, PresenceUnknown: 4 };
  const experts = [...app.experts].sort((a, b) => (order[a.availability] ?? 5) - (order[b.availability] ?? 5));
  $('experts').replaceChildren(...experts.map((e) => {
    const li = document.createElement('li');
    const available = e.availability === 'Available';
    li.className = `${e.availability} ${available ? '' : 'away'}`;
    const id = `expert-${e.objectId}`;
    li.innerHTML = `<span class="presence" aria-hidden="true"></span><input type="checkbox"><label></label><button type="button">Call</button>`;
    const box = li.querySelector('input');
    box.id = id;
    box.checked = app.selected.has(e.objectId);
    box.addEventListener('change', () => (box.checked ? app.selected.add(e.objectId) : app.selected.delete(e.objectId)));
    const label = li.querySelector('label');
    label.htmlFor = id;
    label.textContent = `${e.displayName}${e.skill ? ` — ${e.skill}` : ''} · ${available ? 'Available' : `${e.availability} (${e.activity})`}`;
    const verdict = gate(box, { operation: 'addParticipant', participantToAdd: { rawId: e.rawId } });
    if (!verdict.allowed) box.checked = false;
    const call = li.querySelector('button');
    call.setAttribute('aria-label', `Place a new call to ${e.displayName}`);
    call.addEventListener('click', () => outbound(e.objectId, $('display-name').value));
    return li;
  }));
  $('add-experts').disabled = !app.view || v.ended;

  // Call control, each button by the rules.
  const recording = v.recording;
  gate($('rec-start'), { operation: 'startRecording' });
  gate($('rec-pause'), { operation: 'pauseRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('rec-resume'), { operation: 'resumeRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('rec-stop'), { operation: 'stopRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('play'), { operation: 'play', playSources: [{ kind: 'file', file: { uri: $('play-url').value || 'https://x/a.wav' } }] });
  const target = transferTarget();
  gate($('transfer'), { operation: 'transferToParticipant', ...(target ? { targetParticipant: target } : {}) }, target ? null : 'enter a Teams object id or a +E.164 number');
  gate($('hangup'), { operation: 'hangupCall' });
  gate($('terminate'), { operation: 'terminateCall' });
  const reasons = ['rec-stop', 'transfer', 'terminate'].map((b) => $(b)).filter((b) => b.disabled && b.title).map((b) => `${b.textContent}: ${b.title.replace(/^Not allowed: /, '')}`);
  $('reasons').textContent = reasons.join(' · ');

  $('timeline').innerHTML = timelineSvg(v, app.records, nameOf);
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function transferTarget() {
  const t = $('transfer-target').value.trim();
  if (/^\+\d{3,15}$/.test(t)) return { rawId: `4:${t}` };
  if (/^[0-9a-fA-F-]{36}$/.test(t)) return { rawId: `8:orgid:${t}` };
  return null;
}

// ---- commands ------------------------------------------------------------------------------

async function command(method, suffix, body, who) {
  $('error').textContent = '';
  try {
    const res = await api.call(method, `/api/calls/${encodeURIComponent(app.callId)}${suffix}`, body);
    if (res?.snapshot) app.view = res.snapshot;
    render();
    return res;
  } catch (e) {
    $('error').textContent = errorWords(e, who);
    return null;
  }
}

async function outbound(objectId, displayName) {
  $('error').textContent = '';
  try {
    const res = await api.call('POST', '/api/calls', { targets: [{ teamsUserId: objectId }], ...(displayName ? { sourceDisplayName: displayName } : {}) });
    await refreshCalls();
    await openCall(res.callId);
  } catch (e) {
    $('error').textContent = errorWords(e);
  }
}

function wire() {
  $('sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
  });
  // Disabled in the page until now: the form's own submit would put the token in the URL.
  $('sign-in-button').disabled = false;
  $('sign-out').addEventListener('click', signOut);
  $('show-queue').addEventListener('click', showQueue);
  $('outbound').addEventListener('submit', (e) => {
    e.preventDefault();
    outbound($('outbound-target').value.trim(), $('outbound-name').value.trim());
  });
  $('add-experts').addEventListener('click', async () => {
    const name = $('display-name').value.trim();
    const picked = app.experts.filter((e) => app.selected.has(e.objectId));
    if (picked.length === 0) {
      $('error').textContent = 'Pick at least one available expert.';
      return;
    }
    app.selected.clear();
    for (const e of picked) {
      await command('POST', '/consultations', { expert: e.objectId, ...(name ? { sourceDisplayName: name } : {}), ...($('record').checked ? { record: true } : {}) }, e.displayName);
    }
  });
  $('answer').addEventListener('click', () => command('POST', ':answer'));
  $('reject').addEventListener('click', () => command('POST', ':reject', { reason: 'busy' }));
  $('redirect').addEventListener('click', () => command('POST', ':redirect', { target: { teamsUserId: $('redirect-target').value.trim() } }));
  $('rec-start').addEventListener('click', () => command('POST', '/recording:start'));
  $('rec-pause').addEventListener('click', () => command('POST', '/recording:pause'));
  $('rec-resume').addEventListener('click', () => command('POST', '/recording:resume'));
  $('rec-stop').addEventListener('click', () => command('POST', '/recording:stop'));
  $('play').addEventListener('click', () => command('POST', ':play', { fileUrl: $('play-url').value.trim() }));
  $('transfer').addEventListener('click', () => command('POST', ':transfer', { target: transferTarget() }));
  $('hangup').addEventListener('click', () => command('POST', ':hangup'));
  $('terminate').addEventListener('click', () => {
    if (confirm('End the call for everyone — the customer and any expert too?')) command('POST', ':terminate');
  });
  for (const id of ['transfer-target', 'redirect-target', 'play-url']) $(id).addEventListener('input', render);
  $('download').addEventListener('click', () => {
    const blob = new Blob(app.records.map((r) => `${JSON.stringify(r)}\n`), { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `call-${app.callId}.jsonl`;
    a.click();
    URL.revokeObjectURL(a.href);
  });
}

// For tests: drop the socket as a network would.
window.switchboardConsole = {
  dropSocket: () => app.ws?.close(),
  dropQueueSocket,
  get records() {
    return app.records;
  },
};

await sb.init();
wire();
const remembered = sessionStorage.getItem('switchboard.token');
if (remembered) signIn(remembered);
else $('token').focus();
