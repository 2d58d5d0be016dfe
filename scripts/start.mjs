// `npm start`: installs what is missing, builds, starts ACS in a box (the emulator) on 8788 with
// the demo world and a demo contact-center app on 8787 (on the npm package, until the Worker
// lands), and runs the expert-consultation story live. Both keep running until Ctrl+C.
import { ensureToolchain, log } from './setup.mjs';
import { buildEmulator, buildPackage } from './build.mjs';

const skipBuild = process.argv.includes('--skip-build');
if (!skipBuild) {
  ensureToolchain();
  buildPackage();
  buildEmulator();
}
const { startEmulator, demoWorld } = await import('../emulator/server.mjs');
const { startDemoApp, runStory } = await import('./demo-app.mjs');

const appUrl = 'http://127.0.0.1:8787';
const world = demoWorld();
world.eventGrid = { webhook: `${appUrl}/api/events/incoming` };
const quiet = process.argv.includes('--quiet');
const emulator = await startEmulator({ world, log: quiet ? null : (line) => console.log(`\x1b[2m  [acs] ${line}\x1b[0m`) });
const app = await startDemoApp({ connectionString: emulator.connectionString });
log(`ACS emulator: ${emulator.url}/  (connection string: ${emulator.connectionString})`);
log(`demo app (Event Grid webhook + callbacks): ${app.url}/`);
console.log('');
const agentId = world.agents[0].id;
const snap = await runStory(app, { emulatorUrl: emulator.url, agentId });
console.log('\nTimeline (CallState.snapshot()):');
const t0 = snap.participants.flatMap((p) => p.stays.map((s) => s.joinedAt)).filter(Boolean).sort()[0] ?? 0;
for (const p of snap.participants) {
  const stays = p.stays.map((s) => `joined +${((s.joinedAt - t0) / 1000).toFixed(1)}s, left +${((s.leftAt - t0) / 1000).toFixed(1)}s`).join('; ');
  console.log(`  ${p.identifier.rawId.slice(0, 50).padEnd(50)} ${p.status.padEnd(9)} ${stays}${p.lastResult ? ` (${p.lastResult.code}/${p.lastResult.subCode})` : ''}`);
}
const sightings = await (await fetch(`${emulator.url}/control/world`)).json();
for (const s of sightings.sightings) console.log(`  Teams ${s.client} client of ${s.objectId} showed the caller as "${s.shownCaller}"`);
console.log(`\nThe emulator keeps running: try  curl ${emulator.url}/control/world  or  curl -XPOST ${emulator.url}/control/inbound -d '{"from":"+14255550123"}'`);
console.log('Ctrl+C stops both servers.');
if (process.argv.includes('--exit')) {
  await app.close();
  await emulator.close();
  process.exit(0);
}

