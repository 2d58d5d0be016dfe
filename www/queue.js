// The tenant's queue (peak overflow) in the console: waiting and recent calls with the time
// waited, who is being offered which call and how each offer ended, the knowledge workers and
// agents with what they do, and the totals. The Worker words every status (src/overflow/view.rs);
// this module lays the view out, keeps live waits counting between pushes, and holds the queue
// WebSocket — watching only, or with `ready=true` so the agent is offered queue calls.

import { keyed, mmss, presenceWords, setText } from './dom.js';
import { announce } from './say.js';
import { drop, watch } from './link.js';

const $ = (id) => document.getElementById(id);

const q = {
  api: null,
  agentId: null,
  hooks: null,
  view: null,
  // Server clock minus browser clock, from the view's `at`: live waits count on the server's time.
  skew: 0,
  ws: null,
  wanted: false,
  retry: 0,
  ready: false,
  // Calls this agent was seen taking, so the call list refreshes once per call; null until the
  // first view, whose calls were taken before this page: only the newest is passed on (the
  // console opens it if it is still going, as after a reload mid-call).
  taken: null,
  // Each call's status as last said (without its waiting time), for the announcements.
  said: null,
};

/**
 * Shows the queue if the tenant has one (`GET /api/queue` answers 200) and keeps it live.
 * `hooks`: `callerName(rawId)`, `taken(callId)` when this agent takes a queue call,
 * `open(callId)` to open a call. Resolves to whether the tenant has a queue.
 */
export async function startQueue(api, agentId, hooks) {
  q.api = api;
  q.agentId = agentId;
  q.hooks = hooks;
  let view;
  try {
    view = await api.call('GET', '/api/queue');
  } catch {
    // 404: no overflow policy, so no queue to show. Anything else: the console works without it.
    return false;
  }
  $('queue-nav').hidden = false;
  q.ready = sessionStorage.getItem('switchboard.queueReady') === 'true';
  $('queue-ready').checked = q.ready;
  $('queue-ready').addEventListener('change', () => {
    q.ready = $('queue-ready').checked;
    sessionStorage.setItem('switchboard.queueReady', String(q.ready));
    // A new socket: closing the ready one signs the agent out of the queue, opening one signs in.
    closeSocket();
    openSocket();
  });
  take(view, Date.now());
  openSocket();
  setInterval(tick, 1000);
  return true;
}

function take(view, receivedAt) {
  if (!view) return;
  q.view = view;
  q.skew = view.at - receivedAt;
  const first = q.taken === null;
  q.taken ??= new Set();
  for (const c of view.calls) {
    if (c.outcome?.kind === 'answered' && c.outcome.by?.kind === 'agent' && c.outcome.by.id === q.agentId && !q.taken.has(c.callId)) {
      if (!first || q.taken.size === 0) q.hooks.taken(c.callId); // calls come newest first
      q.taken.add(c.callId);
    }
  }
  render();
}

// ---- the socket ----------------------------------------------------------------------------

function openSocket() {
  q.wanted = true;
  const ready = q.ready ? '&ready=true' : '';
  const url = `${location.origin.replace(/^http/, 'ws')}/api/queue/events?access_token=${encodeURIComponent(q.api.token)}${ready}`;
  const ws = new WebSocket(url);
  q.ws = ws;
  ws.onopen = () => {
    q.retry = 0;
    linkStatus(q.ready ? 'live — you are offered queue calls' : 'live — watching');
  };
  // Every message carries the whole view (the first one on open too): nothing to resync.
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'queue') take(msg.queue, Date.now());
  };
  const lost = () => {
    if (!drop(ws) || q.ws !== ws || !q.wanted) return;
    q.retry += 1;
    const wait = Math.min(5000, 250 * 2 ** q.retry);
    linkStatus(`connection lost — reconnecting in ${(wait / 1000).toFixed(1)} s${q.ready ? ' (no queue calls offered meanwhile)' : ''}`);
    setTimeout(() => q.ws === ws && q.wanted && openSocket(), wait);
  };
  ws.onclose = lost;
  watch(ws, lost);
}

function closeSocket() {
  q.wanted = false;
  const ws = q.ws;
  q.ws = null;
  ws?.close();
}

function linkStatus(text) {
  $('queue-link').textContent = text;
  $('queue-link').dataset.state = text.startsWith('live') ? 'live' : 'down';
}

// ---- words ---------------------------------------------------------------------------------

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const serverNow = () => Date.now() + q.skew;

/** How long a call waited: still counting while it is live, else as the queue recorded it. */
function waitedMs(c) {
  if (c.live) return serverNow() - c.arrivedAt;
  return c.outcome?.waitedMs ?? c.waitedSeconds * 1000;
}

function totalsWords(s) {
  const answered = [`${s.answeredByAgents} by agents`, `${s.answeredByKnowledgeWorkers} by knowledge workers`];
  const calls = `${plural(s.arrived, 'call')} arrived: answered ${answered.join(' and ')}; ${plural(s.abandoned, 'caller')} hung up while waiting.`;
  const offers = `${plural(s.offers, 'offer')} made: ${s.declined} declined, ${s.timedOut} not answered in time, ${s.refused} refused by ACS (licence or consent).`;
  const ends = `${plural(s.fallbacks, 'fallback message')} played; ${plural(s.afterHours, 'call')} after hours.`;
  return [calls, offers, ends];
}

const VIA = { redirect: 'redirected before answer', add: 'invited into the call', transfer: 'transferred the call' };
const ORDER = { longestIdle: 'longest idle first', roundRobin: 'in turn', priority: 'in a fixed order' };

function policyWords(p) {
  if (!p) return '';
  const when = [];
  if (p.trigger?.noFreeAgent) when.push('no agent is free');
  if (p.trigger?.waitedSeconds != null) when.push(`a call has waited ${p.trigger.waitedSeconds} s`);
  if (p.trigger?.queueLength != null) when.push(`more than ${plural(p.trigger.queueLength, 'call')} wait`);
  const groups = (p.groups ?? []).map((g) => `${g.name ?? 'knowledge workers'} (${plural(g.members, 'person', 'people')}, ${ORDER[g.order] ?? g.order})`);
  return [
    `Agents signed in to the queue are offered calls first; ${groups.join(', ') || 'knowledge workers'} when ${when.join(' or ') || 'the policy says'}.`,
    `Each offer rings ${p.invitationTimeoutSeconds} s${p.ringGroup ? ' (all at once)' : ''}; at most ${plural(p.maxOffers, 'offer')} a call; the fallback message after ${p.fallbackAfterSeconds} s.`,
  ].join(' ');
}

/**
 * A seat's status for an agent to read: the call by its caller, not by the short id the
 * server's words use ("On call 529d4508" → "On the call from +1425…"), an agent not taking
 * queue calls said so, and a presence not read yet not worded as a presence.
 */
function seatWords(seat) {
  if (seat.signedIn === false) return 'Not taking queue calls';
  if (seat.availability === 'PresenceUnknown' && seat.busy?.kind === 'free') return 'Presence not read yet';
  const c = seat.busy?.callId && q.view.calls.find((x) => x.callId === seat.busy.callId);
  if (!c?.caller) return seat.status;
  const named = seat.status.replace(` call ${seat.busy.callId.slice(0, 8)}`, ` the call from ${q.hooks.callerName(c.caller)}`);
  return named === seat.status ? `${seat.status} (with ${q.hooks.callerName(c.caller)})` : named;
}

function callClass(c) {
  if (c.live) return c.offers.some((o) => !o.outcome) ? 'ringing' : 'waiting';
  return c.outcome?.kind ?? c.stage;
}

// ---- rendering -----------------------------------------------------------------------------

function render() {
  const v = q.view;
  if (!v) return;
  const waiting = `${v.waiting} waiting`;
  $('queue-summary').textContent = `${waiting} · ${plural(v.calls.length, 'call')} shown`;
  if ($('queue-waiting').textContent !== waiting) $('queue-waiting').textContent = waiting;
  $('queue-policy').textContent = policyWords(v.policy);
  $('queue-presence').textContent = v.presence?.words ?? '';
  $('queue-totals').replaceChildren(...totalsWords(v.stats).map((t) => {
    const li = document.createElement('li');
    li.textContent = t;
    return li;
  }));

  renderCalls(v);
  speak(v);

  $('queue-workers').replaceChildren(...v.knowledgeWorkers.map((w) => {
    const tr = document.createElement('tr');
    tr.className = w.availability ?? 'PresenceUnknown';
    tr.dataset.objectId = w.objectId;
    tr.innerHTML = '<td class="n"></td><td class="g"></td><td class="pr"><span class="presence" aria-hidden="true"></span> <span class="p"></span><small class="at"></small></td><td class="st"></td>';
    tr.querySelector('.n').textContent = w.displayName;
    tr.querySelector('.g').textContent = w.group ?? '';
    tr.querySelector('.p').textContent = presenceWords(w.availability, w.activity);
    tr.querySelector('.at').textContent = w.presenceAt ? `read ${new Date(w.presenceAt - q.skew).toLocaleTimeString()}` : 'not read yet';
    tr.querySelector('.st').textContent = seatWords(w);
    return tr;
  }));

  $('queue-agents').replaceChildren(...v.agents.map((a) => {
    const tr = document.createElement('tr');
    tr.dataset.agentId = a.id;
    tr.innerHTML = '<td class="n"></td><td class="st"></td>';
    tr.querySelector('.n').textContent = a.id === q.agentId ? `${a.name} (you)` : a.name;
    tr.querySelector('.st').textContent = seatWords(a);
    return tr;
  }));
  // A queue that has never run has no seats yet: say so rather than show empty tables.
  if (v.knowledgeWorkers.length === 0) $('queue-workers').innerHTML = '<tr><td colspan="4" class="muted">Not looked up yet: presence is read when a call arrives.</td></tr>';
  if (v.agents.length === 0) $('queue-agents').innerHTML = '<tr><td colspan="2" class="muted">Nobody has signed in to the queue yet.</td></tr>';
  tick();
}

/**
 * The calls, updated in place by call id: the Open button under the keyboard focus stays the
 * same element (a screen reader does not hear it again on every push).
 */
function renderCalls(v) {
  const list = $('queue-calls');
  if (v.calls.length === 0) {
    list.innerHTML = '<li class="muted">No calls in the queue yet.</li>';
    return;
  }
  // The callers still waiting first, the longest wait at the top (the server lists newest
  // first); then the calls that are over, newest first.
  const calls = [...v.calls.filter((c) => c.live).reverse(), ...v.calls.filter((c) => !c.live)];
  keyed(list, calls, (c) => c.callId, (li) => {
    li.dataset.callId = li.dataset.key;
    li.innerHTML = '<div class="q-head"><strong class="who"></strong><span class="waited"></span><button type="button">Open</button></div><p class="status"></p><small class="arrived"></small><ol class="offers"></ol>';
    li.querySelector('button').addEventListener('click', () => q.hooks.open(li.dataset.key));
  }, updateCall);
}

function updateCall(li, c) {
  li.className = callClass(c);
  li.dataset.live = String(c.live);
  const who = c.caller ? q.hooks.callerName(c.caller) : 'Unknown caller';
  setText(li.querySelector('.who'), who);
  setText(li.querySelector('.status'), c.status);
  setText(li.querySelector('.arrived'), `Arrived ${new Date(c.arrivedAt - q.skew).toLocaleTimeString()}`);
  const open = li.querySelector('button');
  if (open.getAttribute('aria-label') !== `Open the call from ${who}`) open.setAttribute('aria-label', `Open the call from ${who}`);
  const offers = li.querySelector('.offers');
  offers.setAttribute('aria-label', `Offers of the call from ${who}`);
  offers.replaceChildren(...c.offers.map((o) => {
    const item = document.createElement('li');
    item.className = o.outcome?.kind ?? 'ringing';
    item.dataset.offerId = o.offerId;
    item.textContent = o.outcome ? `${o.name} ${o.words}` : `Ringing ${o.name}`;
    if (!o.outcome) {
      const since = document.createElement('span');
      since.className = 'since';
      since.dataset.since = o.at;
      item.append(' ', since);
    }
    const how = document.createElement('small');
    how.textContent = `— ${VIA[o.via] ?? o.via}`;
    item.append(' ', how);
    return item;
  }));
  offers.hidden = c.offers.length === 0;
}

/**
 * While the queue is shown, says each call's status when it changes ("+1425…: Ringing Dana
 * Expert", "+1425…: Answered by Dana Expert") — not the waiting time counting on. The first view
 * is the baseline.
 */
function speak(v) {
  const now = new Map(v.calls.map((c) => [c.callId, c.status.replace(/^Waiting \d+:\d\d/, 'Waiting')]));
  const was = q.said;
  q.said = now;
  if (!was || $('queue').hidden) return;
  const news = v.calls
    .filter((c) => was.get(c.callId) !== now.get(c.callId))
    .map((c) => `${c.caller ? q.hooks.callerName(c.caller) : 'Unknown caller'}: ${now.get(c.callId)}`);
  if (news.length) announce(`${news.join('. ')}.`);
}

/** Once a second: live waits and ringing times count on without asking the server. */
function tick() {
  if (!q.view) return;
  for (const li of document.querySelectorAll('#queue-calls > li[data-call-id]')) {
    const c = q.view.calls.find((x) => x.callId === li.dataset.callId);
    if (!c) continue;
    const waited = mmss(waitedMs(c));
    li.querySelector('.waited').textContent = `waited ${waited}`;
    // The status was worded when the view was made; its "Waiting m:ss" counts on with the figure.
    if (c.live) li.querySelector('.status').textContent = c.status.replace(/^Waiting \d+:\d\d/, `Waiting ${waited}`);
    for (const s of li.querySelectorAll('.since')) s.textContent = `for ${mmss(serverNow() - Number(s.dataset.since))}`;
  }
}

/** Whether the queue knows this call (it was queued). */
export const queueHas = (callId) => Boolean(q.view?.calls.some((c) => c.callId === callId));

/** Whether the queue holds this call, its caller still waiting for someone to take it. */
export const queueWaiting = (callId) => Boolean(q.view?.calls.some((c) => c.callId === callId && c.live));

// For tests: drop the queue socket as a network would.
export const dropQueueSocket = () => q.ws?.close();
