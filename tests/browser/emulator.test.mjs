// The npm package in headless Chromium: the core and the emulator (`./emulator`, web target) run
// the expert consultation in-process in the page, the same code the Node test runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launch, serveStatic } from './browser.mjs';
import { checkExpertConsultation } from '../js/scenario.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the emulator and the core run the expert consultation in Chromium', async () => {
  const site = await serveStatic(root);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${site.url}/tests/browser/emulator.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(errors, []);
    checkExpertConsultation(assert, result.ok);
  } finally {
    await browser.close();
    await site.close();
  }
});
