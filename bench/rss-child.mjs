// Memory after parsing 100,000 callback events (bench/compare.mjs runs this in a fresh `node`
// per side): the corpus cycled, each result dropped, then the process's resident set size.
// `node bench/rss-child.mjs ours|sdk [count]` prints `{rssMb, heapUsedMb, wasmMb?}`.
import { corpus, sdkParse } from './sides.mjs';

const side = process.argv[2];
const count = Number(process.argv[3] ?? 100_000);
const bodies = corpus().map((e) => e.body);
let parse;
let wasmMemory = null;
if (side === 'ours') {
  const sb = await import('../pkg/node.js');
  parse = sb.parseEvents;
  const { createRequire } = await import('node:module');
  wasmMemory = createRequire(import.meta.url)('../pkg/node/switchboard.js').wasmMemory();
} else if (side === 'sdk') {
  parse = sdkParse;
} else {
  throw new Error('usage: node bench/rss-child.mjs ours|sdk [count]');
}
let kept = 0;
for (let i = 0; i < count; i++) {
  const r = parse(bodies[i % bodies.length]);
  if (r) kept += 1;
}
const mb = (n) => Number((n / 2 ** 20).toFixed(1));
const m = process.memoryUsage();
console.log(JSON.stringify({ side, events: count, parsed: kept, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), wasmMb: wasmMemory ? mb(wasmMemory.buffer.byteLength) : undefined }));
