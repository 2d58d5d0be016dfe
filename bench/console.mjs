// Console benchmark: the first load's size (every file the page fetches, gzip) and the time from
// an event arriving at the Worker to the console's DOM showing it, over 100 events on loopback
// (headless Chromium, the real stack). The browser stamps each feed line as it appears
// (MutationObserver, wall clock); Node stamps each callback as it sends it; same machine clock.
//
//   node bench/console.mjs
import { consoleSizes } from '../scripts/build.mjs';
import { api, callbackPath, callbackTokens, startStack, until, CONTOSO_TOKEN, CUSTOMER } from '../scripts/stack.mjs';
import { launch } from '../tests/browser/browser.mjs';

const N = 100;
const size = consoleSizes();
const stack = await startStack();
const browser = await launch();
try {
  const url = stack.worker.url;
  await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER }) });
  const call = await until(async () => (await api(url, 'GET', '/api/calls')).json.calls.find((c) => c.connectionState === 'connected'), 15_000, 'a call');
  const ccid = (await api(url, 'GET', `/api/calls/${call.callId}`)).json.callConnectionId;

  const page = await browser.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/#call=${call.callId}`);
  await page.getByLabel('Agent token').fill(CONTOSO_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#link', { hasText: 'live' }).waitFor({ timeout: 20_000 });
  const ready = Date.now() - t0;
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver((list) => {
      for (const m of list) for (const n of m.addedNodes) if (n.dataset?.eventId) window.__seen[n.dataset.eventId] = Date.now();
    }).observe(document.getElementById('feed'), { childList: true });
  });

  // A token per callback, as ACS mints them (the Worker takes each once), minted before timing.
  const mint = await callbackTokens(stack.emulator.url);
  const tokens = Array.from({ length: N }, mint);
  const path = await callbackPath(stack.emulator.url, call.callId); // the URL the Worker gave ACS (its ?sig=)

  const latencies = [];
  for (let i = 0; i < N; i += 1) {
    const id = `lat-${i}`;
    const body = JSON.stringify([{ id, source: `calling/callConnections/${ccid}`, type: 'Microsoft.Communication.PlayCompleted', specversion: '1.0', time: new Date().toISOString(), data: { callConnectionId: ccid, operationContext: id, resultInformation: { code: 200, subCode: 0, message: 'ok' } } }]);
    const sent = Date.now();
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${tokens[i]}` }, body });
    if (res.status !== 200) throw new Error(`callback ${res.status}: ${await res.text()}`);
    const shown = await page.waitForFunction((k) => window.__seen[k], id, { timeout: 10_000 });
    latencies.push((await shown.jsonValue()) - sent);
  }
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log('agent console (headless Chromium, the Worker in wrangler dev, loopback):');
  console.log(`  first load      ${(size.gzip / 1024).toFixed(1)} KiB gzip over ${size.files} files (HTML+JS+CSS+wasm; goal <= 250 KB), ready and live in ${ready} ms`);
  console.log(`  event → DOM     p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${latencies.at(-1)} ms over ${N} events`);
} finally {
  await browser.close();
  await stack.stop();
}
