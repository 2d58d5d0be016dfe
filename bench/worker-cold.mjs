// Cold start of the Worker itself (build/, `node scripts/build.mjs --worker-only`) in a fresh
// workerd (Miniflare): time to the first handled event — Event Grid's subscription validation
// handshake, which the Worker parses and answers without calling ACS (its first signed request
// would need an ACS to answer; bench/cold.mjs covers that for the package). Rounds interleave
// the Worker with a bare worker; the figure is the median. `{worker, bare}` ms, or `{error}`.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function workerdWorkerColdStart(rounds = 5) {
  const js = here('../build/index.js');
  const wasm = here('../build/index_bg.wasm');
  if (!existsSync(js) || !existsSync(wasm)) return { error: 'the Worker is not built (node scripts/build.mjs --worker-only)' };
  let Miniflare;
  try {
    ({ Miniflare } = await import('miniflare'));
  } catch (e) {
    return { error: `miniflare not available: ${e.message}` };
  }
  const tenants = readFileSync(here('../config/tenants.dev.json'), 'utf8');
  const body = JSON.stringify([
    {
      id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
      topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/contoso',
      subject: '',
      data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/api/subscriptions/x/validate?id=0&t=1&apiVersion=2018-05-01-preview&token=1' },
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2025-04-01T12:00:00Z',
      metadataVersion: '1',
      dataVersion: '2',
    },
  ]);
  const worker = {
    modules: [
      { type: 'ESModule', path: 'index.js', contents: readFileSync(js, 'utf8') },
      { type: 'CompiledWasm', path: 'index_bg.wasm', contents: readFileSync(wasm) },
    ],
    compatibilityDate: '2025-10-01',
    durableObjects: { CALLS: 'CallObject', TENANT_INDEX: 'TenantIndex' },
    ratelimits: { AGENT_LIMITER: { simple: { limit: 600, period: 60 } } },
    bindings: { ACS_MODE: 'emulator', CONSOLE_ORIGINS: '', TENANTS: tenants },
  };
  const bare = { modules: [{ type: 'ESModule', path: 'worker.mjs', contents: 'export default { async fetch(r) { await r.text(); return new Response("ok"); } };' }], compatibilityDate: '2025-10-01' };
  const once = async (options, expect) => {
    const t0 = performance.now();
    const mf = new Miniflare(options);
    try {
      const res = await mf.dispatchFetch('http://localhost/api/events/incoming?tenant=contoso&key=dev-event-grid-key-contoso', { method: 'POST', body, headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' } });
      const text = await res.text();
      if (res.status !== 200 || !text.includes(expect)) throw new Error(`the Worker answered ${res.status}: ${text.slice(0, 200)}`);
      return performance.now() - t0;
    } finally {
      await mf.dispose();
    }
  };
  try {
    const times = { worker: [], bare: [] };
    await once(worker, '512d38b6');
    for (let i = 0; i < rounds; i++) {
      times.worker.push(await once(worker, '512d38b6'));
      times.bare.push(await once(bare, 'ok'));
    }
    return { worker: Number(median(times.worker).toFixed(1)), bare: Number(median(times.bare).toFixed(1)) };
  } catch (e) {
    return { error: e.message.split('\n')[0] };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await workerdWorkerColdStart(2));
