// The npm package benchmarked in Node (`npm run bench`): ops/s and µs/op for parsing a mixed
// corpus of callback bodies, folding them into CallState, and building + signing an
// addParticipant request; plus the package's size. Numbers are printed, never asserted.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as sb from '../pkg/node.js';

const budgetMs = Number(process.env.BENCH_MS ?? 1500);
const dir = new URL('../tests/fixtures/events/', import.meta.url);
const bodies = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => readFileSync(new URL(f, dir), 'utf8'));

function measure(name, perCall, fn) {
  for (let i = 0; i < 200; i++) fn();
  const start = process.hrtime.bigint();
  let calls = 0;
  let elapsed = 0;
  while (elapsed < budgetMs * 1e6) {
    fn();
    calls++;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const ops = calls * perCall;
  const result = { name, opsPerSec: ops / (elapsed / 1e9), usPerOp: elapsed / 1e3 / ops };
  console.log(`${name.padEnd(44)} ${result.opsPerSec.toFixed(0).padStart(12)} ops/s ${result.usPerOp.toFixed(2).padStart(9)} µs/op`);
  return result;
}

const cs = 'endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const params = {
  callConnectionId: '401f3500-62bd-46a9-8c09-9e1b06caca01',
  participantToAdd: { kind: 'microsoftTeamsUser', microsoftTeamsUser: { userId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b' } },
  sourceDisplayName: 'Contoso Support',
  invitationTimeoutInSeconds: 30,
  operationContext: 'expert-1',
};
const options = { date: 1743508800000, repeatabilityRequestId: '0f8fad5b-d9cb-469f-a165-70867728950e' };

console.log(`npm package in Node ${process.version}, ${bodies.length} callback bodies per round`);
const results = [
  measure('parse callback bodies (parseEvents)', bodies.length, () => {
    for (const b of bodies) sb.parseEvents(b);
  }),
  measure('fold into CallState (apply)', bodies.length, () => {
    const s = new sb.CallState();
    for (const b of bodies) s.apply(b);
    s.free();
  }),
  measure('build + sign addParticipant (buildRequest)', 1, () => sb.buildRequest('addParticipant', params, cs, options)),
];
const size = (f) => {
  const b = readFileSync(new URL(f, new URL('../pkg/', import.meta.url)));
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
};
const wasm = size('web/switchboard_bg.wasm');
const glue = size('web/switchboard.js');
const wrapper = size('api.js');
console.log(`pkg/ wasm ${wasm.raw} B raw, ${wasm.gzip} B gzip (goal <= 153600 B gzip); JS glue ${glue.gzip} + ${wrapper.gzip} B gzip`);
export { results, wasm, glue, wrapper };
