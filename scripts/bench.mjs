// `npm run bench`: first the package side by side with the official SDK
// (@azure/communication-call-automation 1.6.0) — one table, bench/results.json, explained in
// bench/README.md — then every other benchmark: the native core and the emulator (cargo bench),
// the Worker's webhook path in workerd and the agent console in Chromium. Numbers are printed,
// never asserted (the SDK comparison does fail when the two sides' requests differ).
// `npm run bench -- --compare` runs only the comparison (and what it needs built).
import { ensureToolchain, log, run } from './setup.mjs';
import { buildConsole, buildEmulator, buildPackage, buildWorker, formatWorkerSizes } from './build.mjs';

const compareOnly = process.argv.includes('--compare');
ensureToolchain({ worker: true, browser: !compareOnly });

// The Worker first: its build shares cargo's wasm output with the package's, and the comparison
// reads the package's (for twiggy) right after it is built.
try {
  log(`${formatWorkerSizes(buildWorker())} (goal <= 400 KB gzip)`);
} catch (e) {
  log(`the Worker did not build (${e.message}); its cold start and size are left out`);
}
buildPackage();
log('native ceiling: the callback corpus through the typed parser and serde_json::Value (cargo bench --bench native)');
run('cargo', ['bench', '--bench', 'native']);
log('the package against the official SDK (bench/compare.mjs)');
run('node', ['--expose-gc', 'bench/compare.mjs']);
if (compareOnly) process.exit(0);

log('native core (cargo bench --bench core)');
run('cargo', ['bench', '--bench', 'core']);
log('emulator, native (cargo bench --bench emulator)');
run('cargo', ['bench', '--bench', 'emulator', '--features', 'emulator']);
log('the Worker in workerd (wrangler dev) against the emulator');
buildEmulator();
run('node', ['bench/worker.mjs']);
log('the agent console in headless Chromium');
buildConsole();
run('node', ['bench/console.mjs']);
