// Cold start, ours against the SDK (bench/compare.mjs): wall time from spawning a fresh `node`
// to its exit after importing the library, parsing one callback and building one signed request
// (bench/cold-child.mjs), and the same in a fresh workerd (Miniflare) to the first response of
// the minimal edge handler (bench/edge/). Rounds interleave ours, the SDK's and a bare runtime
// (node with nothing imported, a worker that only answers), so the runtime's own start is
// visible; the figure is the median round.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CS } from './sides.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const BODY = JSON.stringify([
  {
    id: '00000003-1111-4222-8333-000000000003',
    source: 'calling/callConnections/401f3500-62bd-46a9-8c09-9e1b06caca01',
    type: 'Microsoft.Communication.CallConnected',
    data: { callConnectionId: '401f3500-62bd-46a9-8c09-9e1b06caca01', serverCallId: 'srv', correlationId: 'd4f4c1be-59d8-4850-b9bf-ee564c15839d' },
    time: '2025-04-01T12:00:05+00:00',
    specversion: '1.0',
  },
]);

/** Median wall time (ms) of a fresh `node bench/cold-child.mjs <side>`, per side. */
export function nodeColdStart(rounds = 15) {
  const times = { ours: [], sdk: [], bare: [] };
  const once = (side) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [here('./cold-child.mjs'), side], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`cold start (${side}) failed: ${r.stderr}`);
    return ms;
  };
  for (const side of Object.keys(times)) once(side); // file system caches warm, as on a server
  for (let i = 0; i < rounds; i++) for (const side of Object.keys(times)) times[side].push(once(side));
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
}

/** The edge handlers bundled as a deployed Worker would be: `{js, wasm?}` per side. */
export async function edgeBundles() {
  const bundle = async (entry) => {
    const r = await build({ entryPoints: [here(entry)], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, external: ['node:fs', '*.wasm'], logLevel: 'error' });
    return r.outputFiles[0].text;
  };
  return {
    ours: { js: await bundle('./edge/ours.mjs'), wasm: readFileSync(here('../pkg/web/switchboard_bg.wasm')) },
    sdk: { js: await bundle('./edge/sdk.mjs') },
  };
}

/**
 * Median time (ms) from starting a fresh workerd (Miniflare) with the handler to its first
 * response, per side: `{ours, sdk, bare}`, or `{error}` when workerd cannot run here.
 */
export async function workerdColdStart(bundles, rounds = 9) {
  let Miniflare;
  try {
    ({ Miniflare } = await import('miniflare'));
  } catch (e) {
    return { error: `miniflare not available: ${e.message}` };
  }
  const workers = {
    ours: [
      { type: 'ESModule', path: 'worker.mjs', contents: bundles.ours.js },
      { type: 'CompiledWasm', path: 'switchboard_bg.wasm', contents: bundles.ours.wasm },
    ],
    sdk: [{ type: 'ESModule', path: 'worker.mjs', contents: bundles.sdk.js }],
    bare: [{ type: 'ESModule', path: 'worker.mjs', contents: 'export default { async fetch(r) { await r.text(); return new Response("ok"); } };' }],
  };
  const once = async (side) => {
    const t0 = performance.now();
    // `nodejs_compat` for the SDK bundle's `node:fs` import; the same flags for every side.
    const mf = new Miniflare({ modules: workers[side], compatibilityDate: '2025-10-01', compatibilityFlags: ['nodejs_compat'], bindings: { ACS_CONNECTION_STRING: CS } });
    try {
      const res = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: BODY });
      const text = await res.text();
      if (res.status !== 200 || (side !== 'bare' && !text.includes('/participants:add?'))) throw new Error(`${side}: ${res.status} ${text.slice(0, 300)}`);
      return performance.now() - t0;
    } finally {
      await mf.dispose();
    }
  };
  try {
    const times = { ours: [], sdk: [], bare: [] };
    for (const side of Object.keys(times)) await once(side);
    for (let i = 0; i < rounds; i++) for (const side of Object.keys(times)) times[side].push(await once(side));
    return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
  } catch (e) {
    return { error: e.message };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('node', nodeColdStart(5));
  console.log('workerd', await workerdColdStart(await edgeBundles(), 3));
}
