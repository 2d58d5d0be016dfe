// RSS after parsing 100,000 events, ours against the SDK: a fresh `node` per side and round
// (bench/rss-child.mjs), rounds interleaved, median.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./rss-child.mjs', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export function rss(rounds = 3, count = 100_000) {
  const out = { ours: [], sdk: [] };
  let wasmMb;
  for (let i = 0; i < rounds; i++) {
    for (const side of Object.keys(out)) {
      const r = JSON.parse(execFileSync(process.execPath, [child, side, String(count)], { encoding: 'utf8' }));
      out[side].push(r.rssMb);
      if (r.wasmMb !== undefined) wasmMb = r.wasmMb;
    }
  }
  return { ours: median(out.ours), sdk: median(out.sdk), ours_wasm_memory_mb: wasmMb };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(rss());
