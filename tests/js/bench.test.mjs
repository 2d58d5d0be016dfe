// The benchmark's correctness checks, run by `npm test` so they cannot rot between benchmark
// runs: the seven requests equal the official SDK's (method, path, query, body, signatures),
// and the callback handlers built on each side send the same requests for one call.
import assert from 'node:assert/strict';
import test from 'node:test';
import { checkHandlers, checkRequests } from '../../bench/node.mjs';

test('buildRequest sends what the official SDK sends, signed the same way', async () => {
  const checked = await checkRequests();
  assert.deepEqual(checked, ['addParticipant', 'createCall', 'playToAll', 'startRecording', 'transferToParticipant', 'terminateCall', 'hangupCall']);
});

test("the benchmark's two callback handlers send the same 13 requests for one call", async () => {
  const { callBodies, ourSent } = await checkHandlers();
  assert.equal(callBodies.length, 17);
  assert.equal(ourSent.length, 13);
  assert.equal(ourSent.at(-1).split(' ')[0], 'DELETE', 'the call is hung up last');
  assert.equal(ourSent.filter((r) => r.endsWith('/calling/recordings')).length, 1, 'one recording started');
});
