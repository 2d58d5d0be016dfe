// `npm run simulate -- [--calls 500 --minutes 10 --agents 20 --knowledge-workers 30 --seed 1]`:
// the peak-overflow simulation (src/emulator/simulation.rs) on a virtual clock, overflow off and
// on with the same seeded arrivals. Prints the table, writes bench/simulation.json and draws
// bench/simulation.svg (waiting calls over time, off vs on). Numbers are printed, never asserted.
// Any other flag goes to the simulation (see examples/simulate.rs), e.g. `--agent-handle-s 60`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, root, run } from './setup.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
if (at < 0) args.push('--out', 'bench/simulation.json');
const out = join(root, at < 0 ? 'bench/simulation.json' : args[at + 1]);

log('peak overflow simulation (cargo run --release --example simulate)');
run('cargo', ['run', '--quiet', '--release', '--example', 'simulate', '--features', 'emulator', '--', ...args]);

const report = JSON.parse(readFileSync(out, 'utf8'));
const svgPath = out.replace(/\.json$/, '') + '.svg';
writeFileSync(svgPath, plot(report));
log(`wrote ${svgPath}`);

/** Queue length over time, overflow off vs on: a plain SVG line chart. */
function plot(r) {
  const { step_s: step, off, on } = r.series;
  const W = 800, H = 380, left = 56, right = 20, top = 48, bottom = 52;
  const w = W - left - right, h = H - top - bottom;
  const seconds = Math.max(1, (Math.max(off.length, on.length) - 1) * step);
  const minutes = Math.ceil(seconds / 60);
  const peak = Math.max(1, ...off, ...on);
  const yStep = niceStep(peak / 5);
  const yMax = Math.ceil(peak / yStep) * yStep;
  const x = (s) => left + (s / (minutes * 60)) * w;
  const y = (n) => top + h - (n / yMax) * h;
  const line = (series) => series.map((n, i) => `${x(i * step).toFixed(1)},${y(n).toFixed(1)}`).join(' ');
  const pct = (v) => `${(v * 100).toFixed(1)} %`;
  const p = r.params;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="20" font-size="15" font-weight="600">Calls waiting in the queue: overflow to Teams knowledge workers off vs on</text>`);
  parts.push(`<text x="${left}" y="37" fill="#555">${p.calls} calls in ${p.minutes} min (${Math.round(p.burstShare * 100)} % of them in minutes ${p.burstFromMin}–${p.burstToMin}), ${p.agents} agents, ${p.knowledgeWorkers} knowledge workers, seed ${r.seed} · service level ${pct(r.off.service_level)} → ${pct(r.on.service_level)}</text>`);
  // The burst.
  const bx0 = x(p.burstFromMin * 60), bx1 = x(p.burstToMin * 60);
  parts.push(`<rect x="${bx0.toFixed(1)}" y="${top}" width="${(bx1 - bx0).toFixed(1)}" height="${h}" fill="#f3efe6"/>`);
  parts.push(`<text x="${((bx0 + bx1) / 2).toFixed(1)}" y="${top + 14}" text-anchor="middle" fill="#8a7a55">arrival burst</text>`);
  // Grid and axes.
  for (let n = 0; n <= yMax; n += yStep) {
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${left - 8}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end" fill="#444">${n}</text>`);
  }
  const xStep = minutes > 20 ? 5 : minutes > 10 ? 2 : 1;
  for (let m = 0; m <= minutes; m += xStep) {
    parts.push(`<line x1="${x(m * 60).toFixed(1)}" x2="${x(m * 60).toFixed(1)}" y1="${top + h}" y2="${top + h + 5}" stroke="#444"/>`);
    parts.push(`<text x="${x(m * 60).toFixed(1)}" y="${top + h + 19}" text-anchor="middle" fill="#444">${m}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}" stroke="#444"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + h}" stroke="#444"/>`);
  parts.push(`<text x="${left + w / 2}" y="${H - 10}" text-anchor="middle" fill="#222">minutes</text>`);
  parts.push(`<text transform="translate(16 ${top + h / 2}) rotate(-90)" text-anchor="middle" fill="#222">calls waiting (every ${step} s)</text>`);
  // The two runs.
  const OFF = '#c0392b', ON = '#1f6fb2';
  parts.push(`<polyline points="${line(off)}" fill="none" stroke="${OFF}" stroke-width="2" stroke-linejoin="round"/>`);
  parts.push(`<polyline points="${line(on)}" fill="none" stroke="${ON}" stroke-width="2" stroke-linejoin="round"/>`);
  // Legend.
  const lx = left + w - 250, ly = top + 12;
  parts.push(`<rect x="${lx - 10}" y="${ly - 12}" width="250" height="48" fill="#fff" stroke="#ccc"/>`);
  parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${OFF}" stroke-width="2"/>`);
  parts.push(`<text x="${lx + 32}" y="${ly + 4}">overflow off (agents only)</text>`);
  parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly + 22}" y2="${ly + 22}" stroke="${ON}" stroke-width="2"/>`);
  parts.push(`<text x="${lx + 32}" y="${ly + 26}">overflow on (+ knowledge workers)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function niceStep(raw) {
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const k of [1, 2, 5, 10]) if (k * mag >= raw) return k * mag;
  return 10 * mag;
}
