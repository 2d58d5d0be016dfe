// Console benchmark: the first load's size (every file the page fetches, gzip) and the time from
// an event arriving at the Worker to the console's DOM showing it, over 100 events on loopback
// (headless Chromium, the real stack). The browser stamps each feed line as it appears
// (MutationObserver, wall clock); Node stamps each callback as it sends it; same machine clock.
//
//   node bench/console.mjs
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleSizes } from '../scripts/build.mjs';
import { api, startStack, until, CONTOSO_TOKEN, CUSTOMER } from '../scripts/stack.mjs';
import { root } from '../scripts/wrangler.mjs';
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

  const kid = (await (await fetch(`${stack.emulator.url}/calling/keys`)).json()).keys[0].kid;
  const key = createPrivateKey(readFileSync(join(root, 'src/emulator/dev_signing_key.pem'), 'utf8'));
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iss: 'https://acscallautomation.communication.azure.com', aud: '5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f', iat: now, nbf: now, exp: now + 3600 })}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;

  const latencies = [];
  for (let i = 0; i < N; i += 1) {
    const id = `lat-${i}`;
    const body = JSON.stringify([{ id, source: `calling/callConnections/${ccid}`, type: 'Microsoft.Communication.PlayCompleted', specversion: '1.0', time: new Date().toISOString(), data: { callConnectionId: ccid, operationContext: id, resultInformation: { code: 200, subCode: 0, message: 'ok' } } }]);
    const sent = Date.now();
    const res = await fetch(`${url}/api/callbacks/contoso/${call.callId}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body });
    if (res.status !== 200) throw new Error(`callback ${res.status}`);
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
