// The call timeline as an SVG swim-lane picture: one lane per participant (stays as bars,
// ringing spans hatched, failed invitations marked), a recording lane (active spans), and the
// events as ticks along the top. A pure function of the call view and its log; the console
// redraws it on every change.

const NS = 'http://www.w3.org/2000/svg';
const LANE = 26;
const LEFT = 190;
const WIDTH = 1000;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * Renders the timeline. `view` is `GET /api/calls/{id}`; `records` the call's log; `name(p)` a
 * label for a participant; `now` the right edge for open spans.
 */
export function timelineSvg(view, records, name, now = Date.now()) {
  const start = Math.min(view.createdAt ?? now, ...records.map((r) => r.at));
  const end = Math.max(view.endedAt ?? now, start + 1000);
  const x = (t) => LEFT + ((Math.min(Math.max(t ?? end, start), end) - start) / (end - start)) * (WIDTH - LEFT - 10);
  const lanes = view.participants ?? [];
  const height = 40 + (lanes.length + 1) * LANE + 20;
  const parts = [];
  parts.push(`<svg xmlns="${NS}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="tl-title" aria-describedby="tl-desc">`);
  parts.push(`<title id="tl-title">Call timeline</title>`);
  parts.push(`<desc id="tl-desc">${esc(describe(view, name, start))}</desc>`);
  parts.push(`<defs><pattern id="ring" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#d4a72c"/></pattern></defs>`);
  // Time axis: about eight ticks at a round step.
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].map((s) => s * 1000).find((s) => (end - start) / s <= 8) ?? 1_800_000;
  for (let t = start; t <= end; t += step) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="28" y2="${height - 18}" stroke="#eef1f4"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 5}" font-size="14" fill="#5b6470" text-anchor="middle">+${Math.round((t - start) / 1000)}s</text>`);
  }
  // Events as ticks along the top.
  for (const r of records.filter((r) => r.kind === 'callback')) {
    const bad = /Failed$/.test(r.detail.type ?? '');
    parts.push(`<line x1="${x(r.at)}" x2="${x(r.at)}" y1="8" y2="22" stroke="${bad ? '#cf222e' : '#0b5cad'}" stroke-width="1.5"><title>${esc(r.detail.type)} at +${((r.at - start) / 1000).toFixed(1)}s</title></line>`);
  }
  parts.push(`<text x="4" y="20" font-size="14" fill="#5b6470">events</text>`);
  lanes.forEach((p, i) => {
    const y = 34 + i * LANE;
    parts.push(`<text x="4" y="${y + 15}" font-size="15" fill="#1b1f24">${esc(name(p).slice(0, 20))}</text>`);
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - 10}" y1="${y + 11}" y2="${y + 11}" stroke="#d8dde3"/>`);
    const inv = p.invitation;
    if (inv?.invitedAt) {
      const answered = (p.stays ?? []).map((s) => s.joinedAt).find((t) => t >= inv.invitedAt);
      const ringEnd = inv.status === 'ringing' ? end : (answered ?? inv.changedAt ?? inv.invitedAt);
      parts.push(`<rect x="${x(inv.invitedAt)}" y="${y + 4}" width="${Math.max(2, x(ringEnd) - x(inv.invitedAt))}" height="14" fill="url(#ring)"><title>ringing from +${((inv.invitedAt - start) / 1000).toFixed(1)}s</title></rect>`);
    }
    for (const s of p.stays ?? []) {
      parts.push(`<rect x="${x(s.joinedAt)}" y="${y + 4}" width="${Math.max(2, x(s.leftAt ?? end) - x(s.joinedAt))}" height="14" rx="3" fill="#2da44e"><title>${esc(name(p))}: joined +${((s.joinedAt - start) / 1000).toFixed(1)}s${s.leftAt ? `, left +${((s.leftAt - start) / 1000).toFixed(1)}s` : ''}</title></rect>`);
    }
    if (p.status === 'failed' && p.lastResult) {
      const t = inv?.changedAt ?? end;
      parts.push(`<text x="${x(t) + 3}" y="${y + 16}" font-size="13" fill="#cf222e" font-weight="700">✕<title>${esc(`${p.lastResult.code}/${p.lastResult.subCode}: ${p.lastResult.message}`)}</title></text>`);
    }
  });
  const ry = 34 + lanes.length * LANE;
  parts.push(`<text x="4" y="${ry + 15}" font-size="15" fill="#b42318">recording</text>`);
  for (const [from, to] of view.recording?.spans ?? []) {
    parts.push(`<rect x="${x(from)}" y="${ry + 4}" width="${Math.max(2, x(to ?? end) - x(from))}" height="14" rx="3" fill="#b42318" opacity=".8"><title>recording</title></rect>`);
  }
  // A Teams-side recording: outlined in the same lane.
  for (const [from, to] of view.teamsRecording?.spans ?? []) {
    parts.push(`<rect x="${x(from)}" y="${ry + 6}" width="${Math.max(2, x(to ?? end) - x(from))}" height="10" rx="3" fill="none" stroke="#6e40c9" stroke-width="2"><title>Teams recording</title></rect>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

function describe(view, name, start) {
  const at = (t) => `+${Math.round((t - start) / 1000)} s`;
  // The bars' times in words: a screen reader cannot read them off the picture.
  const stays = (p) => (p.stays ?? []).map((s) => `in ${at(s.joinedAt)} to ${s.leftAt ? at(s.leftAt) : 'now'}`).join(', ');
  const people = (view.participants ?? []).map((p) => `${name(p)}: ${p.status}${p.stays?.length ? ` (${stays(p)})` : ''}`).join('; ');
  const teams = view.teamsRecording ? ` Teams recording: ${view.teamsRecording.status}.` : '';
  return `Participants — ${people || 'none yet'}. Recording: ${view.recording?.status ?? 'none'}.${teams}`;
}
