// The emulator in-process in Node, through the npm package's `./emulator` entry: the expert
// consultation on a virtual clock (tests/js/scenario.mjs; the browser test runs the same code).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as sb from '../../pkg/node.js';
import { AcsEmulator, demoWorld } from '../../pkg/emulator-node.js';
import { expertConsultation, checkExpertConsultation } from './scenario.mjs';

test('the expert consultation runs in-process on a virtual clock', async () => {
  checkExpertConsultation(assert, await expertConsultation({ sb, AcsEmulator, demoWorld }));
});

test('the same scenario twice gives the same outcome (virtual clock, seeded ids)', async () => {
  const a = await expertConsultation({ sb, AcsEmulator, demoWorld });
  const b = await expertConsultation({ sb, AcsEmulator, demoWorld });
  assert.deepEqual(a.snapshot, b.snapshot);
  assert.deepEqual(a.seen, b.seen);
});

test('bad options and requests are refused with a code', async () => {
  assert.throws(() => new AcsEmulator({ now: 5 }), (e) => e.code === 'invalid_option' && /now/.test(e.message));
  assert.throws(() => new AcsEmulator({ world: '{"seed": "x"}' }), (e) => e.code === 'invalid_world' && /seed/.test(e.message));
  const emu = new AcsEmulator({ deliver: () => ({ status: 200 }) });
  assert.throws(() => emu.handle({ path: 'calling' }), (e) => e.code === 'invalid_request');
  assert.throws(() => emu.inbound({}), (e) => e.code === 'invalid_request' && /from/.test(e.message));
  assert.throws(() => emu.teamsRecording('nope', 'active'), (e) => e.code === 'not_found');
  assert.throws(() => emu.teamsRecording('nope', 'paused'), (e) => e.code === 'invalid_request' && /state/.test(e.message));
  // An unsigned ACS request: 401 with the ACS error body, in-process as over HTTP.
  const res = await emu.fetch(`${emu.origin}/calling/callConnections/x?api-version=2025-05-15`);
  assert.equal(res.status, 401);
  const error = (await res.json()).error;
  assert.deepEqual([error.code, /x-ms-date/.test(error.message)], ['7509', true]);
  assert.match(emu.connectionString, /^endpoint=http:\/\/127\.0\.0\.1:8788\/;accesskey=/);
});

test('the in-process API refuses bad arguments with a code, never a crash or a silent default', () => {
  const code = (fn) => {
    try {
      fn();
    } catch (e) {
      assert.ok(!(e instanceof WebAssembly.RuntimeError), e.message);
      return [e.code, e.message];
    }
    return null;
  };
  assert.equal(code(() => new AcsEmulator({ origin: 'nope' }))[0], 'invalid_option');
  assert.equal(code(() => new AcsEmulator({ origin: 'http://127.0.0.1:8788/calling' }))[0], 'invalid_option');
  const [worldCode, worldMessage] = code(() => new AcsEmulator({ world: { tems: [] } }));
  assert.equal(worldCode, 'invalid_world');
  assert.match(worldMessage, /tems/);
  const emu = new AcsEmulator({ deliver: () => ({ status: 200 }) });
  assert.equal(code(() => emu.advance('x'))[0], 'invalid_option');
  assert.equal(code(() => emu.handle({ method: 'GET', path: '/control/world' }, NaN))[0], 'invalid_option');
  assert.equal(code(() => emu.handle({ method: 7, path: '/control/world' }))[0], 'invalid_request');
  assert.equal(code(() => emu.delivered('x', 'y'))[0], 'invalid_request');
  assert.equal(code(() => emu.delivered(1, 200, 5))[0], 'invalid_request');
  // Still working, then freed: a second free is harmless, any use says `freed`.
  assert.equal(emu.world().teams.length > 0, true);
  emu.free();
  emu.free();
  assert.equal(code(() => emu.world())[0], 'freed');
});
