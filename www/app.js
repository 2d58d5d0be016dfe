// The agent console: the tenant's live calls, and on a call the expert consultation and call
// control; for a tenant with a queue (peak overflow), the queue (queue.js). Built on the npm package: a CallState replica is rebuilt from the call's log and kept
// current from the WebSocket, and every button is enabled by that replica's capability rules
// (`can`) — the same rules the Worker enforces — with the refusing rule's reason shown.
import * as sb from './pkg/web.js';
import { timelineSvg } from './timeline.js';
import { dropQueueSocket, queueHas, queueWaiting, startQueue } from './queue.js';
import { announce } from './say.js';
import { keyed, mmss, presenceWords, setText } from './dom.js';
import { drop, watch } from './link.js';

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

/** Ended calls listed unless the agent asks for all of them. */
const ENDED_LISTED = 5;

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
  announced: new Set(),
  /**
   * Experts a call in this tab could not reach (403/404: no licence, not allowed), by object id:
   * {callId, at, why}. Said in the list of later calls, not refused there (a licence may be
   * given meanwhile). Kept per tab, like the token.
   */
  refused: new Map(JSON.parse(sessionStorage.getItem('switchboard.refused') ?? '[]')),
  /** Calls seen in the list (a new one is announced; the first list is not). */
  listed: null,
  /** What was last said of the open call: its state, recording and consultations in words. */
  spoken: null,
};

/** Moves the focus to `id` (a heading with tabindex=-1) when it was lost: on the page itself, or
 * on an element now hidden or gone. */
function keepFocus(id) {
  const a = document.activeElement;
  if (!a || a === document.body || !a.isConnected || a.closest('[hidden]')) $(id).focus();
}

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
  // fetch's own failure: nothing reached the Worker.
  if (e instanceof TypeError && e.status === undefined) return 'The Worker cannot be reached: nothing was sent. Try again when the link is back.';
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
    // Teams desktop and web show the custom caller name; Teams mobile shows the number.
    case 'ringing': return `${who}'s Teams is ringing${c.sourceDisplayName ? ` (Teams desktop and web show “${c.sourceDisplayName}”, mobile the number)` : ''}`;
    case 'joined': return `${who} joined`;
    case 'left': return app.view?.participants?.some((p) => p.identifier.rawId === c.expert.rawId && p.status === 'removed') ? `${who} was removed from the call` : `${who} helped and left`;
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
    $('token').setAttribute('aria-invalid', 'true');
    return false;
  }
  $('token').removeAttribute('aria-invalid');
  sessionStorage.setItem('switchboard.token', token);
  $('sign-in-view').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${me.agent.name} · ${me.tenant}`;
  sessionStorage.setItem('switchboard.agentRawId', me.agent.acsUserId ?? '');
  const [hasQueue] = await Promise.all([
    startQueue(api, me.agent.id, {
      callerName: (rawId) => nameOf(sb.identifierFromRawId(rawId)),
      // The queue put one of its calls through to this agent: it belongs in the call list now,
      // and, still going, opens unless the agent is in the middle of another call (it opens over
      // the queue view or a call that has ended).
      taken: async (callId) => {
        await refreshCalls();
        const live = app.calls.some((c) => c.callId === callId && !c.ended);
        if (live && (app.callId === null || app.view?.ended)) openCall(callId);
      },
      open: (callId) => openCall(callId),
    }),
    refreshCalls(),
    refreshExperts(),
    checkTenant(),
  ]);
  // A call id from the address bar is data from whoever made the link: only the shape ids have.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('call');
  if (fromHash && /^[A-Za-z0-9_-]{1,64}$/.test(fromHash)) openCall(fromHash);
  else if (hasQueue) showQueue();
  // The sign-in form the focus was in is gone.
  keepFocus('calls-title');
  setInterval(refreshCalls, 2000);
  setInterval(refreshExperts, 10000);
  setInterval(checkTenant, 5 * 60_000);
  setInterval(tickRinging, 1000);
  return true;
}

async function refreshCalls() {
  try {
    app.calls = (await api.call('GET', '/api/calls')).calls;
  } catch (e) {
    if (e.status === 401) return signOut();
    return;
  }
  // A call nobody has answered yet is announced once (the list itself is not a live region),
  // and so is a new call answered without the agent (by the routing policy or the queue).
  const first = app.listed === null;
  app.listed ??= new Set();
  for (const c of app.calls) {
    const who = c.counterpart ? nameOf(sb.identifierFromRawId(c.counterpart)) : 'someone';
    if (c.connectionState === 'offered' && !c.ended && !app.announced.has(c.callId)) {
      app.announced.add(c.callId);
      setText($('calls-news'), `${who} is calling: open the call to answer, redirect or reject it.`);
    } else if (!first && !c.ended && c.direction === 'inbound' && !app.listed.has(c.callId) && !app.announced.has(c.callId) && !($('queue').hidden === false && queueHas(c.callId))) {
      // (A queue call is said by the queue view while it is shown.)
      app.announced.add(c.callId);
      setText($('calls-news'), `New call from ${who}: it is in the call list.`);
    }
    app.listed.add(c.callId);
  }
  renderCalls();
}

function renderCalls() {
  const list = $('calls');
  if (app.calls.length === 0) {
    list.innerHTML = '<li class="muted">No calls yet.</li>';
    return;
  }
  // Calls going on, and the latest few that ended (all of them on request): a shift's history
  // would otherwise push the queue out of sight. The open call is always listed.
  const ended = app.calls.filter((c) => c.ended);
  const recent = new Set(ended.slice(0, ENDED_LISTED));
  const shown = app.allEnded ? app.calls : app.calls.filter((c) => !c.ended || recent.has(c) || c.callId === app.callId);
  const more = $('calls-more');
  more.hidden = ended.length <= ENDED_LISTED;
  setText(more, app.allEnded ? 'Show only the latest ended calls' : `Show all ${ended.length} ended calls`);
  more.setAttribute('aria-expanded', String(Boolean(app.allEnded)));
  // Updated in place every 2 s: the button under the keyboard focus stays the same element.
  keyed(list, shown, (c) => c.callId, (li) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.innerHTML = '<strong></strong><small></small>';
    b.addEventListener('click', () => openCall(li.item.callId));
    // A ringing call is answered from the list without leaving the call the agent is on.
    const answer = document.createElement('button');
    answer.type = 'button';
    answer.className = 'answer-here';
    answer.textContent = 'Answer';
    answer.addEventListener('click', () => answerFromList(li.item, answer));
    li.append(b, answer);
  }, (li, c) => {
    const b = li.firstChild;
    b.dataset.callId = c.callId;
    b.setAttribute('aria-current', String(c.callId === app.callId));
    const who = c.counterpart ? nameOf(sb.identifierFromRawId(c.counterpart)) : 'outbound call';
    setText(b.querySelector('strong'), `${c.direction === 'inbound' ? '⇣' : '⇡'} ${who}`);
    const state = c.ended ? 'ended' : queueWaiting(c.callId) ? 'waiting in the queue' : c.connectionState;
    setText(b.querySelector('small'), `${state} · ${c.participantsConnected} in call · ${new Date(c.createdAt).toLocaleTimeString()}`);
    const answer = li.lastChild;
    answer.hidden = !(c.connectionState === 'offered' && !c.ended && c.callId !== app.callId);
    answer.setAttribute('aria-label', `Answer the call from ${who}`);
  });
}

/** Answers a ringing call from the list; it opens unless the agent is on another call. */
async function answerFromList(c, button) {
  const who = c.counterpart ? nameOf(sb.identifierFromRawId(c.counterpart)) : 'someone';
  button.disabled = true;
  try {
    await api.call('POST', `/api/calls/${encodeURIComponent(c.callId)}:answer`);
    await refreshCalls();
    if (app.callId === null || app.view?.ended) openCall(c.callId);
    else setText($('calls-news'), `Answered the call from ${who}: it is in the list, open it when you are ready.`);
  } catch (e) {
    setText($('calls-news'), `Could not answer the call from ${who}: ${errorWords(e)}`);
  } finally {
    button.disabled = false;
  }
}

/**
 * What the tenant depends on (GET /api/checks: ACS takes its key, callbacks can be verified,
 * Graph answers presence): a failed check is said at the top of the page, in the Worker's
 * words, for the agent to pass on — before every button fails with it.
 */
async function checkTenant() {
  let res;
  try {
    res = await fetch('/api/checks', { headers: { Authorization: `Bearer ${api.token}` } });
  } catch {
    return; // the link's own check says when the Worker cannot be reached
  }
  const body = res.status === 503 ? await res.json().catch(() => null) : null;
  const failed = (body?.checks ?? []).filter((c) => !c.ok).map((c) => c.message);
  setText($('health'), failed.length ? `Not everything works for your team; tell your administrator: ${failed.join(' · ')}` : '');
}

async function refreshExperts() {
  try {
    app.experts = (await api.call('GET', '/api/experts')).experts;
  } catch {
    return;
  }
  // The object-id fields (transfer, redirect, call a Teams user) suggest the experts by name.
  keyed($('expert-ids'), app.experts, (e) => e.objectId, () => {}, (o, e) => {
    o.value = e.objectId;
    o.label = `${e.displayName}${e.skill ? ` — ${e.skill}` : ''}`;
  }, 'option');
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
  $('notice').textContent = '';
  // What the agent typed or ticked for the last call is not meant for this one.
  $('transfer-target').value = '';
  $('redirect-target').value = '';
  app.selected.clear();
  $('feed').replaceChildren();
  closeSocket();
  // Opened from the queue view (now hidden), or by the queue putting a call through.
  keepFocus('call-title');
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
  // The call as it is now is the baseline of what is said from here on, not news.
  app.spoken = null;
  render();
}

/** Folds one log record in; `live` when it just happened (not a replay after opening the call). */
function take(record, live = false) {
  if (record.seq <= app.lastSeq) return;
  app.lastSeq = record.seq;
  app.records.push(record);
  app.replica.applyLogRecord(record);
  if (record.kind === 'callback') {
    const data = record.detail.event?.data ?? {};
    const result = data.resultInformation;
    // A media operation cancelled (the hold music stopping for the taker) is what was asked.
    const failed = result && result.code >= 300 && !/Canceled$/.test(record.detail.type);
    // A recording's new state belongs in its line.
    const state = /RecordingStateChanged$/.test(record.detail.type) && data.state ? ` (${data.state})` : '';
    feed(`${clock(record.at)} ${record.detail.type}${state}${data.operationContext ? ` — ${contextWords(data.operationContext)}` : ''}${failed ? `: ${resultWords(result)}` : ''}`, record);
    if (live) outcome(record.detail.type, data);
  }
  if (record.kind === 'sent' && record.detail.status >= 400) feed(`${clock(record.at)} ${record.detail.operation} refused by ACS (${record.detail.status})`, record);
}

/** An operation context in words: a consultation's is its expert ("Dana Expert (c4f2…-1)"). */
/** The time each ringing invitation has rung, and how long it may (its invitation timeout). */
function tickRinging() {
  for (const el of document.querySelectorAll('#consultations .rang')) {
    const of = el.dataset.timeout ? ` of up to ${el.dataset.timeout} s` : '';
    setText(el, `· asked ${mmss(Date.now() - Number(el.dataset.since))} ago${of}`);
  }
}

/** What an event's operation context refers to, in words: the expert, the queue, or the request. */
function contextWords(ctx) {
  const c = (app.view?.consultations ?? []).find((x) => x.id === ctx);
  if (c) return `${nameOf(c.expert)} (${ctx})`;
  if (ctx === 'queue-hold') return "the queue's hold audio";
  if (ctx === 'queue-message') return "the queue's message";
  if (ctx.startsWith('queue-offer-')) return `queue offer ${ctx.slice('queue-offer-'.length)}`;
  const asked = app.records.find((r) => r.kind === 'request' && r.detail.operationContext === ctx);
  return asked ? `for ${asked.detail.operation} (${ctx})` : ctx;
}

// What the agent asked for and ACS only answered later, in words where the agent looks.
const FAILED = {
  CallTransferFailed: 'The transfer failed',
  PlayFailed: 'The audio could not be played',
  StartRecordingFailed: 'The recording could not start',
  CreateCallFailed: 'The call could not be placed',
  AnswerFailed: 'The call could not be answered',
  RemoveParticipantFailed: 'The participant could not be removed',
  CancelAddParticipantFailed: 'The invitation could not be cancelled',
};

function outcome(type, data) {
  if (FAILED[type]) $('error').textContent = `${FAILED[type]}: ${resultWords(data.resultInformation) || 'ACS gave no reason'}.`;
  if (type === 'CallTransferAccepted') {
    const to = data.transferTarget ? nameOf(data.transferTarget) : 'the target';
    $('notice').textContent = `Transferred: ${to} took the call, and Switchboard has left it.`;
  }
}

function clock(t) {
  const t0 = app.view?.createdAt ?? app.records[0]?.at ?? t;
  return `+${((t - t0) / 1000).toFixed(1)}s`;
}

function feed(text, record) {
  const li = document.createElement('li');
  li.textContent = text;
  if (record?.detail?.event?.id) li.dataset.eventId = record.detail.event.id;
  // The feed follows the newest line when it was at its end; the page itself never moves.
  const f = $('feed');
  const atEnd = f.scrollHeight - f.scrollTop - f.clientHeight < 24;
  f.append(li);
  if (atEnd) f.scrollTop = f.scrollHeight;
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
    // A request that failed while the link was down is history now.
    if (/cannot be reached/.test($('error').textContent)) $('error').textContent = '';
    if (again) await resync();
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'pong') return; // the link check's answer (link.js)
    if (msg.type === 'log') take(msg.record, true);
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
  const lost = () => {
    if (!drop(ws) || app.ws !== ws || !app.wsWanted) return;
    app.retry += 1;
    const wait = Math.min(5000, 250 * 2 ** app.retry);
    status(`connection lost — reconnecting in ${(wait / 1000).toFixed(1)} s`);
    setTimeout(() => app.ws === ws && app.wsWanted && openSocket(), wait);
  };
  ws.onclose = lost;
  watch(ws, lost);
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
  keepFocus('queue-title');
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
  app.linkDown = text !== '' && text !== 'live';
  render();
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
  // The replica may be behind while the live link is down: nothing is sent on a stale view.
  if (verdict.allowed && app.linkDown) verdict = { allowed: false, reason: 'the live link to the Worker is down (reconnecting); the call may have changed' };
  // A click whose request is still on its way: not twice.
  if (verdict.allowed && button.dataset.busy) verdict = { allowed: false, reason: 'sent; waiting for the answer' };
  // A button the rules refuse stays focusable (aria-disabled; its click does nothing), so the
  // keyboard does not lose its place when a command changes the call, and the reason is read
  // out. A refused checkbox's click is cancelled where it is made (the experts list).
  if (verdict.allowed) button.removeAttribute('aria-disabled');
  else button.setAttribute('aria-disabled', 'true');
  button.title = verdict.allowed ? '' : `Not allowed: ${verdict.reason}`;
  if (verdict.allowed) button.removeAttribute('aria-description');
  else button.setAttribute('aria-description', button.title);
  return verdict;
}

/** A rule's reason with the raw ids it names said as the agent knows them: "you", or a name. */
function readable(reason, v) {
  const me = sessionStorage.getItem('switchboard.agentRawId');
  let out = me ? reason.replaceAll(me, 'you') : reason;
  for (const p of v.participants ?? []) out = out.replaceAll(p.identifier.rawId, nameOf(p));
  return out.replace(/^you is /, 'you are ').replace(/ you is /g, ' you are ');
}

/** When Switchboard hung up (left) this call, the time it asked to; null otherwise. */
function leftAt() {
  if (!app.view?.ended) return null;
  const last = app.records.findLast((r) => r.kind === 'request' && ['hangupCall', 'terminateCall'].includes(r.detail.operation));
  return last?.detail.operation === 'hangupCall' ? last.at : null;
}

function render() {
  const v = app.view;
  if (!v || !app.replica) return;
  const caller = v.incoming ? (v.incoming.callerDisplayName ? `${v.incoming.callerDisplayName} (${nameOf(v.incoming.from)})` : nameOf(v.incoming.from)) : null;
  setText($('call-title'), caller ? `Call from ${caller}` : 'Outbound call');
  const left = leftAt();
  // Those still in the call when Switchboard left it: it sees nothing of them after that.
  const stayed = left === null ? [] : (v.participants ?? []).filter((p) => p.stays?.at(-1)?.leftAt >= left);
  let state = v.ended ? 'disconnected' : (v.connectionState ?? (v.incoming && !v.incoming.handled ? 'offered' : 'connecting'));
  if (left !== null) state = stayed.length > 1 ? 'Switchboard left; the others may still be talking' : 'Switchboard left; the call ended';
  // Said when it changes; the link's own state is said by #link, not as a change of the call.
  const spoken = state;
  if (app.linkDown && !v.ended) state += ' · link lost, may be out of date';
  setText($('call-state'), state);
  $('call-state').className = `pill ${v.ended ? 'disconnected' : v.connectionState ?? ''}`;
  const rec = v.recording?.status;
  // A Teams user's (or a compliance policy's) own recording: shown, not ours to control.
  const teamsRec = v.teamsRecording?.status === 'active';
  setText($('call-recording'), `${rec ? `recording ${rec}` : 'not recording'}${teamsRec ? ' · Teams recording' : ''}`);
  $('call-recording').className = `pill ${rec === 'active' || teamsRec ? 'rec-active' : ''}`;

  // An offered call.
  const offered = v.incoming && !v.incoming.handled && !v.ended;
  $('offer').hidden = !offered;
  if (offered) {
    setText($('offer-from'), `${caller} is calling ${nameOf(v.incoming.to)}.`);
    gate($('answer'), { operation: 'answerCall' });
    gate($('reject'), { operation: 'rejectCall' });
    const target = $('redirect-target').value.trim();
    gate($('redirect'), { operation: 'redirectCall', ...(target ? { target: { rawId: `8:orgid:${target}` } } : {}) }, target ? null : 'enter the Teams user to redirect to');
  }

  // The caller hung up while Teams users (an expert) are still in the call: said, with what next.
  const callerRawId = v.incoming?.from?.rawId;
  const callerGone = callerRawId && !v.ended && left === null && (v.participants ?? []).some((p) => p.identifier.rawId === callerRawId && p.status === 'left');
  const stillIn = callerGone ? (v.participants ?? []).filter((p) => p.status === 'connected' && p.identifier.kind === 'microsoftTeamsUser').map(nameOf) : [];
  const goneWords = stillIn.length ? `${nameOf(v.incoming.from)} hung up; ${stillIn.join(' and ')} ${stillIn.length > 1 ? 'are' : 'is'} still in the call: remove them or end the call.` : '';
  const notice = $('notice');
  if (goneWords) {
    setText(notice, goneWords);
    notice.dataset.callerGone = '1';
  } else if (notice.dataset.callerGone) {
    setText(notice, '');
    delete notice.dataset.callerGone;
  }
  app.callerGone = goneWords;

  // Participants.
  keyed($('participants'), v.participants ?? [], (p) => p.identifier.rawId, (tr) => {
    tr.innerHTML = '<td><span class="n"></span><small class="s"></small></td><td class="k"></td><td><span class="st"></span><small class="r"></small></td><td class="a"></td>';
    const remove = button('Remove', '', () => command('DELETE', `/participants/${encodeURIComponent(tr.item.identifier.rawId)}`, undefined, nameOf(tr.item)));
    const cancel = button('Cancel', '', () => command('POST', '/participants:cancel', { participant: { rawId: tr.item.identifier.rawId } }, nameOf(tr.item)));
    remove.className = 'remove';
    cancel.className = 'cancel';
    tr.querySelector('.a').append(remove, cancel);
  }, (tr, p) => {
    const stays = (p.stays ?? []).map((s) => `${clock(s.joinedAt)}–${s.leftAt ? clock(s.leftAt) : 'now'}`).join(', ');
    setText(tr.querySelector('.n'), nameOf(p));
    setText(tr.querySelector('.s'), stays);
    setText(tr.querySelector('.k'), kindOf(p.identifier));
    const unseen = stayed.length > 1 && stayed.includes(p);
    setText(tr.querySelector('.st'), unseen ? 'not seen since Switchboard left' : p.status + (p.isMuted ? ' · muted' : '') + (p.isOnHold ? ' · on hold' : ''));
    tr.querySelector('.st').className = `st st-${unseen ? 'unknown' : p.status}`;
    setText(tr.querySelector('.r'), p.status === 'failed' ? resultWords(p.lastResult) : '');
    const remove = tr.querySelector('.remove');
    remove.hidden = p.status !== 'connected';
    remove.setAttribute('aria-label', `Remove ${nameOf(p)}`);
    if (!remove.hidden) gate(remove, { operation: 'removeParticipant', participantToRemove: { rawId: p.identifier.rawId } });
    const cancel = tr.querySelector('.cancel');
    cancel.hidden = !(p.status === 'ringing' && p.invitation);
    cancel.setAttribute('aria-label', `Cancel the invitation of ${nameOf(p)}`);
    if (!cancel.hidden) gate(cancel, { operation: 'cancelAddParticipant', invitationId: p.invitation.invitationId ?? 'pending' }, p.invitation.invitationId ? null : 'waiting for ACS to accept the invitation');
  }, 'tr');

  // Consultations.
  $('consultations').replaceChildren(...(v.consultations ?? []).map((c) => {
    const li = document.createElement('li');
    li.className = c.phase;
    li.dataset.expert = c.expert.microsoftTeamsUser?.userId ?? '';
    const still = stayed.length > 1 && stayed.some((p) => p.identifier.rawId === c.expert.rawId);
    li.textContent = still ? `${nameOf(c.expert)} was still in the call when Switchboard left` : consultationWords(c);
    if (c.phase === 'ringing' && !still) {
      // How long it has rung, counted by the clock below (not part of what is said on changes).
      const rang = document.createElement('small');
      rang.className = 'rang';
      rang.dataset.since = String(c.requestedAt);
      rang.dataset.timeout = String(c.invitationTimeoutInSeconds ?? '');
      li.append(' ', rang);
    }
    return li;
  }));
  tickRinging();

  // Experts: Available first; the others greyed, with their presence as the reason. An expert
  // this call already learnt cannot be reached (no licence, not allowed) is not offered again.
  const order = { Available: 0, AvailableIdle: 0, Busy: 1, DoNotDisturb: 1, BeRightBack: 2, Away: 2, Offline: 3, PresenceUnknown: 4 };
  const experts = [...app.experts].sort((a, b) => (order[a.availability] ?? 5) - (order[b.availability] ?? 5));
  const unreachable = new Map((v.consultations ?? []).filter((c) => c.phase === 'failed' && [403, 404].includes(c.result?.code)).map((c) => [c.expert.microsoftTeamsUser?.userId?.toLowerCase(), c]));
  for (const [id, c] of unreachable) {
    if (id && app.refused.get(id)?.callId !== v.callId) {
      app.refused.set(id, { callId: v.callId, at: Date.now(), why: consultationWords(c).replace(/^.*? cannot be added: /, '') });
      sessionStorage.setItem('switchboard.refused', JSON.stringify([...app.refused]));
    }
  }
  keyed($('experts'), experts, (e) => e.objectId, (li) => {
    li.innerHTML = '<span class="presence" aria-hidden="true"></span><input type="checkbox"><label></label><button type="button">New call</button>';
    const box = li.querySelector('input');
    box.id = `expert-${li.dataset.key}`;
    li.querySelector('label').htmlFor = box.id;
    // Refused by the rules (aria-disabled, still focusable): the click does not tick it.
    box.addEventListener('click', (ev) => {
      if (box.getAttribute('aria-disabled') === 'true') ev.preventDefault();
    });
    box.addEventListener('change', () => (box.checked ? app.selected.add(li.item.objectId) : app.selected.delete(li.item.objectId)));
    li.querySelector('button').addEventListener('click', () => outbound(li.item.objectId, $('display-name').value.trim()));
  }, (li, e) => {
    const available = e.availability === 'Available';
    li.className = `${e.availability} ${available ? '' : 'away'}`;
    const presence = available ? 'Available' : presenceWords(e.availability, e.activity);
    const box = li.querySelector('input');
    const failed = unreachable.get(e.objectId.toLowerCase());
    const earlier = failed ? null : app.refused.get(e.objectId.toLowerCase());
    const when = earlier && new Date(earlier.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    setText(li.querySelector('label'), `${e.displayName}${e.skill ? ` — ${e.skill}` : ''} · ${presence}${earlier ? ` · could not be added to a call at ${when}: ${earlier.why}` : ''}`);
    const verdict = gate(box, { operation: 'addParticipant', participantToAdd: { rawId: e.rawId } }, failed ? `${e.displayName} ${consultationWords(failed).replace(/^.*? cannot be added: /, 'cannot be added: ')}` : null);
    if (verdict.allowed && !available) box.title = `${e.displayName} is ${presence}: their Teams may not answer`;
    // The rules name people by raw id; the agent knows them by name.
    if (!verdict.allowed) {
      box.title = box.title.replaceAll(e.rawId, e.displayName);
      box.setAttribute('aria-description', box.title);
    }
    if (!verdict.allowed) app.selected.delete(e.objectId);
    box.checked = app.selected.has(e.objectId);
    li.querySelector('button').setAttribute('aria-label', `Place a new call to ${e.displayName}`);
  });
  // By the rules for adding anyone (an unanswered or ended call takes nobody); who is ticked is
  // checked on the click.
  gate($('add-experts'), { operation: 'addParticipant', participantToAdd: { rawId: '8:orgid:00000000-0000-4000-8000-000000000000' } });

  // Call control, each button by the rules.
  const me = agentRawId();
  gate($('join'), { operation: 'addParticipant', participantToAdd: { rawId: me || '8:acs:none' } }, me ? null : 'your agent has no ACS user to add');
  const recording = v.recording;
  gate($('rec-start'), { operation: 'startRecording' });
  gate($('rec-pause'), { operation: 'pauseRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('rec-resume'), { operation: 'resumeRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('rec-stop'), { operation: 'stopRecording', recordingId: recording?.recordingId ?? 'none' }, recording ? null : 'no recording has been started');
  gate($('play'), { operation: 'play', playSources: [{ kind: 'file', file: { uri: $('play-url').value || 'https://x/a.wav' } }] });
  const target = transferTarget();
  gate($('transfer'), { operation: 'transferToParticipant', ...(target ? { targetParticipant: target } : {}) }, target ? null : 'enter a Teams object id or a +E.164 number');
  // Allowed, but with a consequence the agent should know before clicking: said in view too.
  const warnings = [];
  // The consequence on the button (its tooltip) and in view: "<label>: <risk>".
  const warn = (button, label, risk) => {
    button.title = `${risk[0].toUpperCase()}${risk.slice(1)}`;
    warnings.push(`${label}: ${risk}`);
  };
  if (gate($('hangup'), { operation: 'hangupCall' }).allowed) {
    // ACS ends a call that would be left with one person in it.
    const others = (v.participants ?? []).filter((p) => p.status === 'connected').length;
    if (others <= 1) warn($('hangup'), 'Hang up', 'only one other person is in the call: leaving ends it for them too');
  }
  // The Teams preview rule: once a Teams user has joined, a recording started cannot be stopped.
  const teamsJoined = (v.participants ?? []).some((p) => p.identifier.kind === 'microsoftTeamsUser' && (p.stays?.length ?? 0) > 0);
  if ($('rec-start').getAttribute('aria-disabled') !== 'true' && teamsJoined) {
    warn($('rec-start'), 'Start recording', 'a Teams user has been in this call: a recording started now can be paused and resumed but not stopped (Teams interop preview)');
  }
  gate($('terminate'), { operation: 'terminateCall' });
  // Why each unavailable control is so, in view (not only on hover): buttons with one reason together.
  const why = new Map();
  for (const b of ['add-experts', 'join', 'rec-start', 'rec-pause', 'rec-resume', 'rec-stop', 'play', 'transfer', 'hangup', 'terminate'].map((id) => $(id))) {
    if (b.getAttribute('aria-disabled') !== 'true' || !b.title.startsWith('Not allowed: ')) continue;
    const reason = readable(b.title.slice('Not allowed: '.length), v);
    why.set(reason, [...(why.get(reason) ?? []), b.id.startsWith('rec-') ? `${b.textContent} recording` : b.textContent]);
  }
  setText($('reasons'), [...[...why].map(([reason, names]) => `${names.join(', ')}: ${reason}`), ...warnings].join(' · '));
  speak(v, spoken, rec);

  $('timeline').innerHTML = timelineSvg(v, app.records, nameOf);
}

/**
 * Announces what changed in the open call since it was last said — its state, the recording,
 * each consultation — in the words the page shows ("recording paused", "Dana Expert joined").
 * The first render of a call sets the baseline silently.
 */
function speak(v, state, rec) {
  const now = {
    call: v.callId,
    state,
    recording: rec ? `Recording ${rec}` : null,
    consultations: new Map((v.consultations ?? []).map((c) => [c.id, consultationWords(c)])),
    callerGone: app.callerGone,
  };
  const was = app.spoken;
  app.spoken = now;
  if (!was || was.call !== now.call) return;
  const news = [];
  if (now.state !== was.state) news.push(`Call ${now.state}`);
  if (now.recording !== was.recording && now.recording) news.push(now.recording);
  for (const [id, words] of now.consultations) if (was.consultations.get(id) !== words) news.push(words);
  if (now.callerGone && now.callerGone !== was.callerGone) news.push(now.callerGone);
  if (news.length) announce(news.map((n) => (/[.…!?]$/.test(n) ? n : `${n}.`)).join(' '));
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (label) b.setAttribute('aria-label', label);
  busyWhile(b, onClick);
  return b;
}

/**
 * `onClick` on `b`, once at a time: the button stays unavailable (aria-disabled, still focused)
 * until its request is answered. A click on a button the rules refuse does nothing. When the
 * answer hides the button (Answer, Remove), the focus goes to the call's title.
 */
function busyWhile(b, onClick) {
  b.addEventListener('click', async () => {
    if (b.dataset.busy || b.getAttribute('aria-disabled') === 'true') return;
    b.dataset.busy = '1';
    b.setAttribute('aria-disabled', 'true');
    try {
      await onClick();
    } finally {
      delete b.dataset.busy;
      b.removeAttribute('aria-disabled');
      render();
      if (!$('call').hidden) keepFocus('call-title');
    }
  });
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
  $('notice').textContent = '';
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

/**
 * Places a new call to a Teams user. `field`: the input the object id came from (the "Call a
 * Teams user" form), whose own message says what was wrong; otherwise the call panel's.
 */
async function outbound(objectId, displayName, field = null) {
  const where = field ? $('outbound-error') : $('error');
  where.textContent = '';
  field?.removeAttribute('aria-invalid');
  try {
    const res = await api.call('POST', '/api/calls', { targets: [{ teamsUserId: objectId }], ...(displayName ? { sourceDisplayName: displayName } : {}) });
    await refreshCalls();
    await openCall(res.callId);
  } catch (e) {
    where.textContent = errorWords(e);
    field?.setAttribute('aria-invalid', 'true');
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
  $('calls-more').addEventListener('click', () => {
    app.allEnded = !app.allEnded;
    renderCalls();
  });
  // Editing the field withdraws the last answer's complaint about it.
  $('outbound-target').addEventListener('input', () => {
    $('outbound-target').removeAttribute('aria-invalid');
    $('outbound-error').textContent = '';
  });
  $('outbound').addEventListener('submit', (e) => {
    e.preventDefault();
    outbound($('outbound-target').value.trim(), $('outbound-name').value.trim(), $('outbound-target'));
  });
  busyWhile($('add-experts'), async () => {
    const name = $('display-name').value.trim();
    const picked = app.experts.filter((e) => app.selected.has(e.objectId));
    if (picked.length === 0) {
      $('error').textContent = 'Pick at least one available expert.';
      return;
    }
    for (const e of picked) {
      // Ticked until asked for: one refused (a display name too long…) stays ticked to retry.
      const asked = await command('POST', '/consultations', { expert: e.objectId, ...(name ? { sourceDisplayName: name } : {}), ...($('record').checked ? { record: true } : {}) }, e.displayName);
      if (asked) app.selected.delete(e.objectId);
    }
  });
  busyWhile($('answer'), () => command('POST', ':answer'));
  busyWhile($('reject'), () => command('POST', ':reject', { reason: 'busy' }));
  busyWhile($('redirect'), () => command('POST', ':redirect', { target: { teamsUserId: $('redirect-target').value.trim() } }));
  busyWhile($('join'), () => command('POST', '/participants', { participants: [{ acsUserId: agentRawId() }] }, 'You'));
  busyWhile($('rec-start'), () => command('POST', '/recording:start'));
  busyWhile($('rec-pause'), () => command('POST', '/recording:pause'));
  busyWhile($('rec-resume'), () => command('POST', '/recording:resume'));
  busyWhile($('rec-stop'), () => command('POST', '/recording:stop'));
  busyWhile($('play'), () => command('POST', ':play', { fileUrl: $('play-url').value.trim() }));
  busyWhile($('transfer'), () => command('POST', ':transfer', { target: transferTarget() }));
  busyWhile($('hangup'), () => command('POST', ':hangup'));
  busyWhile($('terminate'), async () => {
    if (confirm('End the call for everyone — the customer and any expert too?')) await command('POST', ':terminate');
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
