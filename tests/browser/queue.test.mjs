// The queue (peak overflow) in the agent console, in headless Chromium against the real stack
// (the Worker in wrangler dev, ACS in a box): contoso signs in and sees its queue; a customer
// calls the queue number, waits, is refused by Sam's missing licence (shown in words) and
// answered by Dana; with "Take queue calls" on, the next call is offered to Alex and lands in
// the call list; the queue socket drops and comes back; fabrikam, with no overflow policy, sees
// no queue. Asserts on the DOM and on the emulator's request log, never on timing; screenshots
// land in test-results/queue/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, CUSTOMER, DANA, SAM, ROBIN, CONTOSO_TOKEN, FABRIKAM_TOKEN } from '../../scripts/stack.mjs';
import { root } from '../../scripts/wrangler.mjs';
import { launch } from './browser.mjs';

const QUEUE_NUMBER = '+18005550177';
const SECOND_CALLER = '+14255550124';
const shots = join(root, 'test-results', 'queue');
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
let stack;
let browser;
let page;
let step = 0;
const errors = [];

const shot = async (p, name) => p.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
// What ACS was asked for calls (the console's sign-in check reads a call that does not exist: not one of them).
const requests = async () => (await (await fetch(`${stack.emulator.url}/control/log?since=0`)).json()).entries.filter((e) => e.kind === 'request' && e.operation && !e.path?.includes('/switchboard-check'));
const callToQueue = (from) => fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from, to: QUEUE_NUMBER }) });
const queueCall = (caller) => page.locator('#queue-calls > li[data-call-id]', { hasText: caller });
const worker = (oid) => page.locator(`#queue-workers tr[data-object-id="${oid}"]`);
const alexRow = () => page.locator('#queue-agents tr[data-agent-id="alex"]');

async function signIn(p, token) {
  await p.goto(`${stack.worker.url}/`);
  await p.getByLabel('Agent token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

before(async () => {
  stack = await startStack();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('contoso signs in and its queue shows, watched live, nobody taking calls yet', async () => {
  await signIn(page, CONTOSO_TOKEN);
  await page.locator('#who', { hasText: 'Alex Agent · contoso' }).waitFor();
  await page.locator('#queue-nav').waitFor();
  await page.locator('#queue').waitFor();
  assert.equal(await page.locator('#show-queue').getAttribute('aria-current'), 'true');
  await page.locator('#queue-link', { hasText: 'live — watching' }).waitFor();
  assert.equal(await page.getByLabel('Take queue calls').isChecked(), false);
  await page.locator('#queue-waiting', { hasText: '0 waiting' }).waitFor();
  assert.match(await page.locator('#queue-policy').innerText(), /Billing back office \(4 people, in a fixed order\) when no agent is free or a call has waited 45 s/);
  assert.match(await page.locator('#queue-totals').innerText(), /0 calls arrived/);
  // Every status line the page shows from here on is kept, to assert on what was shown without timing.
  await page.evaluate(() => {
    window.queueSeen = [];
    const list = document.getElementById('queue-calls');
    new MutationObserver(() => {
      for (const li of list.querySelectorAll(':scope > li[data-call-id]')) {
        window.queueSeen.push({ callId: li.dataset.callId, status: li.querySelector('.status').textContent, waited: li.querySelector('.waited').textContent });
      }
    }).observe(list, { subtree: true, childList: true, characterData: true });
    // And everything said to a screen reader (#announce, the polite status region).
    const said = document.getElementById('announce');
    window.said = [];
    new MutationObserver(() => window.said.push(said.textContent.trim())).observe(said, { childList: true, characterData: true, subtree: true });
  });
  await shot(page, 'empty');
});

test('a call to the queue waits, Sam is refused in words, Dana answers', async () => {
  assert.equal((await callToQueue(CUSTOMER)).status, 202);
  const row = queueCall(CUSTOMER);
  // The row is updated in place: its Open button, focused, stays the same element throughout.
  const open = await row.getByRole('button').elementHandle();
  await open.focus();
  await row.locator('.status', { hasText: /^Answered by Dana Expert after \d+:\d\d$/ }).waitFor();
  assert.equal(await open.evaluate((b) => b.isConnected && document.activeElement === b), true);
  // What changed was said, in the queue's words; the waiting time counting on was not.
  const said = await page.evaluate(() => window.said);
  assert.ok(said.some((t) => /^\+14255550123: Waiting: ringing Dana Expert/.test(t)), said.join(' | '));
  assert.ok(said.some((t) => /^\+14255550123: Answered by Dana Expert after \d+:\d\d\.$/.test(t)), said.join(' | '));
  assert.ok(said.every((t) => !/Waiting \d+:\d\d/.test(t)), said.join(' | '));
  const callId = await row.getAttribute('data-call-id');
  const seen = (await page.evaluate(() => window.queueSeen)).filter((s) => s.callId === callId);
  assert.ok(seen.some((s) => /^Waiting \d+:\d\d: ringing Dana Expert \(Sam Unlicensed cannot take Teams calls from ACS \(403\/7604\)\)$/.test(s.status)), seen.map((s) => s.status).join(' | '));
  // While it waited, the figure counted on in the browser between the queue's pushes.
  const counted = new Set(seen.filter((s) => s.status.startsWith('Waiting')).map((s) => s.waited));
  assert.ok(counted.size >= 2, [...counted].join(', '));
  assert.deepEqual(await row.locator('.offers > li').allInnerTexts(), [
    'Sam Unlicensed cannot take Teams calls from ACS (403/7604) — invited into the call',
    'Dana Expert answered — invited into the call',
  ]);
  assert.match(await row.locator('.offers > li.refused').innerText(), /^Sam Unlicensed cannot take Teams calls from ACS \(403\/7604\)/);
  // The final wait shown is the one the queue recorded.
  const status = await row.locator('.status').innerText();
  assert.equal(await row.locator('.waited').innerText(), `waited ${status.match(/after (\d+:\d\d)$/)[1]}`);
  assert.match(await worker(SAM).locator('.st').innerText(), /^Not offered again: ACS refused the invitation \(403\/7604\)/);
  assert.equal(await worker(ROBIN).locator('.st').innerText(), 'Not offered while Busy');
  assert.deepEqual(await page.locator('#queue-workers .n').allInnerTexts(), ['Robin Specialist', 'Sam Unlicensed', 'Dana Expert', 'Jo Away']);
  assert.equal(await alexRow().locator('.n').innerText(), 'Alex Agent (you)');
  assert.equal(await alexRow().locator('.st').innerText(), 'Not taking queue calls');
  assert.match(await worker(DANA).locator('.st').innerText(), /^On the call from \+1/);
  await page.locator('#queue-totals', { hasText: '1 call arrived: answered 0 by agents and 1 by knowledge workers' }).waitFor();
  assert.match(await page.locator('#queue-totals').innerText(), /1 refused by ACS/);
  // What ACS was asked: answer, hold audio, Sam (refused), Dana; Robin (Busy) never.
  const ops = await requests();
  assert.deepEqual(ops.slice(0, 2).map((e) => e.operation), ['answerCall', 'play']);
  const adds = ops.filter((e) => e.operation === 'addParticipant').map((e) => e.body.participantToAdd.microsoftTeamsUser?.userId);
  assert.deepEqual(adds, [SAM, DANA]);
  await shot(page, 'answered-by-dana');
});

test('with "Take queue calls" on, the next call is offered to Alex and lands in the call list', async () => {
  await page.getByLabel('Take queue calls').check();
  await page.locator('#queue-link', { hasText: 'you are offered queue calls' }).waitFor();
  await alexRow().locator('.st', { hasText: /^Free/ }).waitFor();
  assert.equal((await callToQueue(SECOND_CALLER)).status, 202);
  // Put through to Alex while he watched the queue: the call opens by itself, with him in it.
  await page.locator('#participants tr', { hasText: 'You (agent)' }).waitFor();
  await page.locator('#participants tr', { hasText: SECOND_CALLER }).waitFor();
  assert.equal(await page.locator('#queue').isHidden(), true);
  await shot(page, 'alex-call-opened');
  await page.getByRole('button', { name: /Show the queue/ }).click();
  const row = queueCall(SECOND_CALLER);
  await row.locator('.status', { hasText: /^Answered by Alex Agent after \d+:\d\d$/ }).waitFor();
  const callId = await row.getAttribute('data-call-id');
  // Newest first.
  assert.equal(await page.locator('#queue-calls > li[data-call-id]').first().getAttribute('data-call-id'), callId);
  assert.equal(await row.locator('.offers > li').count(), 1);
  assert.match(await row.locator('.offers > li').innerText(), /^Alex Agent answered/);
  const alex = stack.tenants.tenants.contoso.agents[0].acsUserId;
  const adds = (await requests()).filter((e) => e.operation === 'addParticipant');
  assert.equal(adds.at(-1).body.participantToAdd.communicationUser?.id, alex);
  await page.locator('#queue-totals', { hasText: '2 calls arrived: answered 1 by agents and 1 by knowledge workers' }).waitFor();
  // The taken call is in the call list; opening it from the queue shows the agent in it.
  await page.locator(`#calls button[data-call-id="${callId}"]`).waitFor();
  await shot(page, 'answered-by-alex');
  await page.getByRole('button', { name: `Open the call from ${SECOND_CALLER}` }).click();
  await page.locator('#call').waitFor();
  assert.equal(await page.locator('#queue').isHidden(), true);
  await page.locator('#participants tr', { hasText: 'You (agent)' }).waitFor();
  await page.locator('#participants tr', { hasText: SECOND_CALLER }).waitFor();
  assert.equal(await page.locator(`#calls button[data-call-id="${callId}"]`).getAttribute('aria-current'), 'true');
  await shot(page, 'alex-call-open');
  await page.getByRole('button', { name: /Show the queue/ }).click();
  await page.locator('#queue').waitFor();
  assert.equal(await page.locator('#call').isHidden(), true);
});

test('a dropped queue socket reconnects and signs the agent in again; unticking signs out', async () => {
  await page.evaluate(() => window.switchboardConsole.dropQueueSocket());
  await page.locator('#queue-link', { hasText: 'reconnecting' }).waitFor();
  await page.locator('#queue-link', { hasText: 'you are offered queue calls' }).waitFor();
  await alexRow().locator('.st', { hasText: /^(?!Not taking)/ }).waitFor();
  await page.getByLabel('Take queue calls').uncheck();
  await page.locator('#queue-link', { hasText: 'live — watching' }).waitFor();
  await alexRow().locator('.st', { hasText: 'Not taking queue calls' }).waitFor();
  await shot(page, 'watching');
});

test('a fresh sign-in shows the queue, not an ended queue call; the next one put through opens', async () => {
  // Alex's queue call ends; he signs in again in a new tab (the token is kept per tab).
  const taken = await queueCall(SECOND_CALLER).getAttribute('data-call-id');
  const ended = await fetch(`${stack.worker.url}/api/calls/${taken}:terminate`, { method: 'POST', headers: { Authorization: `Bearer ${CONTOSO_TOKEN}` } });
  assert.equal(ended.status < 300, true, `terminate: ${ended.status}`);
  await page.locator(`#calls button[data-call-id="${taken}"]`, { hasText: 'ended' }).waitFor();
  const again = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await signIn(again, CONTOSO_TOKEN);
    await again.locator('#queue').waitFor();
    await again.locator(`#calls button[data-call-id="${taken}"]`).waitFor();
    assert.equal(await again.locator('#call').isHidden(), true, 'the ended call is not opened');
    // Taking queue calls, he opens that ended call to look at it; the next caller put through
    // to him opens over it.
    await again.getByLabel('Take queue calls').check();
    await again.locator('#queue-link', { hasText: 'you are offered queue calls' }).waitFor();
    await again.locator(`#calls button[data-call-id="${taken}"]`).click();
    await again.locator('#call-state', { hasText: 'disconnected' }).waitFor();
    assert.equal((await callToQueue('+14255550177')).status, 202);
    await again.locator('#participants tr', { hasText: '+14255550177' }).waitFor({ timeout: 30_000 });
    await again.locator('#call-state', { hasText: /^connected/ }).waitFor();
    await again.getByLabel('Take queue calls').uncheck();
  } finally {
    await again.close();
  }
});

test('the queue view is labelled, and fits a tablet', async () => {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input')].filter((el) => {
    if (el.closest('[hidden]')) return false;
    const label = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || (el.tagName === 'BUTTON' ? el.textContent : '');
    return !label.trim();
  }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  await page.setViewportSize({ width: 820, height: 1180 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px wider than the tablet viewport`);
  await shot(page, 'tablet');
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(errors, []);
});

test('fabrikam has no overflow policy: no queue in its console', async () => {
  const fay = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const fayErrors = [];
  fay.on('pageerror', (e) => fayErrors.push(e.message));
  try {
    const queue = fay.waitForResponse((r) => new URL(r.url()).pathname === '/api/queue');
    await signIn(fay, FABRIKAM_TOKEN);
    assert.equal((await queue).status(), 404);
    await fay.locator('#who', { hasText: 'fabrikam' }).waitFor();
    await fay.locator('#calls li').first().waitFor();
    assert.equal(await fay.locator('#queue-nav').isHidden(), true);
    assert.equal(await fay.locator('#queue').isHidden(), true);
    assert.equal(await fay.locator('#no-call').isVisible(), true);
    await shot(fay, 'fabrikam');
    assert.deepEqual(fayErrors, []);
  } finally {
    await fay.close();
  }
});

test('Graph down from the start: the queue says knowledge workers are not offered calls', async () => {
  const down = await startStack({ world: (w) => ({ ...w, faults: { graph: { status: 503 } } }) });
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pErrors = [];
  p.on('pageerror', (e) => pErrors.push(e.message));
  try {
    await p.goto(`${down.worker.url}/`);
    await p.getByLabel('Agent token').fill(CONTOSO_TOKEN);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('#queue-link', { hasText: 'live — watching' }).waitFor();
    assert.equal(await p.locator('#queue-presence').isHidden(), true, 'nothing to say before presence is asked');
    // The sign-in's check of what the tenant depends on found Graph down, and says so at the top.
    const health = p.locator('#health', { hasText: 'tell your administrator: Graph answered 503' });
    await health.waitFor();
    assert.equal(await health.getAttribute('role'), 'alert');
    await fetch(`${down.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550141', to: QUEUE_NUMBER }) });
    const notice = p.locator('#queue-presence', { hasText: 'Teams presence cannot be read (Microsoft Graph does not answer)' });
    await notice.waitFor();
    assert.match(await notice.innerText(), /knowledge workers are not offered calls until it can/);
    assert.equal(await p.locator('#queue-presence').getAttribute('role'), 'status');
    await shot(p, 'graph-down');
    // Graph answers again: the next read clears the notice.
    await fetch(`${down.emulator.url}/control/faults`, { method: 'PUT', body: '{}' });
    await p.locator('#queue-presence').waitFor({ state: 'hidden', timeout: 90_000 });
    assert.deepEqual(pErrors, []);
  } finally {
    await p.close();
    await down.stop();
  }
});
