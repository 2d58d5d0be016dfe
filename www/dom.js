// Small DOM helpers shared by the call view (app.js) and the queue view (queue.js).

/**
 * Updates `list`'s children in place from `items`, one element per key: an element that stays is
 * updated, not rebuilt, so the keyboard focus, a half-typed field and a tick survive every
 * refresh. `make(el)` fills a new element once (its listeners read `el.item`, the current
 * item); `update(el, item)` brings it up to date.
 */
export function keyed(list, items, keyOf, make, update, tag = 'li') {
  const old = new Map([...list.children].filter((el) => el.dataset.key !== undefined).map((el) => [el.dataset.key, el]));
  const nodes = items.map((item) => {
    const key = String(keyOf(item));
    let el = old.get(key);
    if (!el) {
      el = document.createElement(tag);
      el.dataset.key = key;
      make(el);
    }
    el.item = item;
    update(el, item);
    return el;
  });
  const keep = new Set(nodes);
  for (const el of [...list.children]) if (!keep.has(el)) el.remove();
  nodes.forEach((el, i) => {
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
  });
}

/** A duration in milliseconds as m:ss ("1:05"); nothing below zero. */
export function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Sets a text only when it changed (no needless DOM writes for screen readers). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

const AVAILABILITY = { AvailableIdle: 'Available (idle)', DoNotDisturb: 'Do not disturb', BeRightBack: 'Be right back', PresenceUnknown: 'Presence unknown' };
const ACTIVITY = { InACall: 'in a call', InAConferenceCall: 'in a conference call', InAMeeting: 'in a meeting', OffWork: 'off work', OutOfOffice: 'out of office', Presenting: 'presenting', UrgentInterruptionsOnly: 'urgent interruptions only' };

/** A Teams presence (Graph's availability and activity) in words: "Busy (in a call)", "Away". */
export function presenceWords(availability, activity) {
  const words = AVAILABILITY[availability] ?? availability ?? 'Presence unknown';
  if (!activity || activity === availability || activity === 'PresenceUnknown') return words;
  return `${words} (${ACTIVITY[activity] ?? activity.replace(/[A-Z]/g, (c, i) => (i ? ' ' : '') + c.toLowerCase())})`;
}
