// `npm start`: installs what is missing, builds, starts ACS in a box (the emulator) on 8788 and
// the Worker in real workerd (wrangler dev) on 8787, wired to each other, and tells the
// expert-consultation story live through the Worker's API. Both keep running until Ctrl+C.
//
//   npm start [-- --skip-build] [--exit] [--quiet] [--no-story]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureToolchain, log, root } from './setup.mjs';
import { buildConsole, buildEmulator, buildPackage, buildWorker, formatWorkerSizes } from './build.mjs';

const flag = (f) => process.argv.includes(f);
if (!flag('--skip-build')) {
  ensureToolchain({ worker: true });
  buildPackage();
  buildEmulator();
  log(formatWorkerSizes(buildWorker()));
  buildConsole();
}
const { startStack, CONTOSO_TOKEN } = await import('./stack.mjs');
const { runStory, runOverflowStory } = await import('./story.mjs');

const persistTo = join(root, '.wrangler', 'state');
mkdirSync(persistTo, { recursive: true });
const quiet = flag('--quiet');
const stack = await startStack({
  emulatorPort: 8788,
  workerPort: 8787,
  persistTo,
  // A fresh seed each start: Durable Object state persists across starts, and a seeded world
  // would replay the very same call ids into objects that already saw them.
  world: (w) => ({ ...w, seed: Date.now() }),
  log: quiet ? null : (line) => console.log(`\x1b[2m  [acs] ${line}\x1b[0m`),
});
const agent = stack.tenants.tenants.contoso.agents[0];
log(`Worker (console, agent API, webhooks): ${stack.worker.url}/   API document: ${stack.worker.url}/api/openapi.json`);
log(`ACS emulator: ${stack.emulator.url}/   connection string: ${stack.emulator.connectionString}`);
log(`agent token (tenant contoso, ${agent.name}): ${CONTOSO_TOKEN}`);

if (!flag('--no-story')) {
  console.log('');
  const snap = await runStory({ workerUrl: stack.worker.url, emulatorUrl: stack.emulator.url, token: CONTOSO_TOKEN, agentAcsId: agent.acsUserId });
  console.log('\nTimeline (GET /api/calls/{id}):');
  const t0 = Math.min(...snap.participants.flatMap((p) => p.stays.map((s) => s.joinedAt)).filter(Boolean));
  const at = (t) => (t ? `+${((t - t0) / 1000).toFixed(1)}s` : '?');
  for (const p of snap.participants) {
    const stays = p.stays.map((s) => `joined ${at(s.joinedAt)}, left ${at(s.leftAt)}`).join('; ');
    console.log(`  ${p.identifier.rawId.slice(0, 50).padEnd(50)} ${p.status.padEnd(9)} ${stays}${p.lastResult ? ` (${p.lastResult.code}/${p.lastResult.subCode}: ${p.lastResult.message})` : ''}`);
  }
  const world = await (await fetch(`${stack.emulator.url}/control/world`)).json();
  for (const s of world.sightings) console.log(`  Teams ${s.client} client of ${s.objectId} showed the caller as "${s.shownCaller}"`);
  console.log('');
  await runOverflowStory({ workerUrl: stack.worker.url, emulatorUrl: stack.emulator.url, token: CONTOSO_TOKEN });
}
// Demo mode: a customer is on the line when the console opens.
await fetch(`${stack.emulator.url}/control/inbound`, { method: 'POST', body: JSON.stringify({ from: '+14255550123', callerDisplayName: 'Casey Customer' }) });
console.log('');
log(`Agent console: ${stack.worker.url}/  — sign in with ${CONTOSO_TOKEN}; a customer (+14255550123) is on the line.`);
console.log(`  Another customer:             curl -XPOST ${stack.emulator.url}/control/inbound -d '{"from":"+14255550124"}'`);
console.log(`  A call left ringing for you:  curl -XPOST ${stack.emulator.url}/control/inbound -d '{"from":"+14255550125","to":"+18005550199"}'  (answer, redirect or reject it)`);
console.log(`  A call to the queue:          curl -XPOST ${stack.emulator.url}/control/inbound -d '{"from":"+14255550127","to":"+18005550177"}'  (peak overflow: watch the console's Queue)`);
console.log(`  The API:                      curl -H 'Authorization: Bearer ${CONTOSO_TOKEN}' ${stack.worker.url}/api/experts?available=true`);
console.log('Ctrl+C stops both.');
const stop = async () => {
  await stack.stop({ keepStorage: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (flag('--exit')) await stop();
