// `npm run bench`: prints every benchmark — the native core and the emulator (cargo bench), the
// npm package in Node, and the Worker's webhook path in workerd (throughput, latency, time spent
// computing per callback) with the bundle size. Numbers are printed, never asserted.
import { ensureToolchain, log, run } from './setup.mjs';
import { buildConsole, buildEmulator, buildPackage, buildWorker, formatWorkerSizes } from './build.mjs';

ensureToolchain({ worker: true, browser: true });
log('native core (cargo bench --bench core)');
run('cargo', ['bench', '--bench', 'core']);
log('emulator, native (cargo bench --bench emulator)');
run('cargo', ['bench', '--bench', 'emulator', '--features', 'emulator']);
log('npm package (pkg/) in Node');
buildPackage();
run('node', ['bench/node.mjs']);
log('the Worker in workerd (wrangler dev) against the emulator');
buildEmulator();
log(`${formatWorkerSizes(buildWorker())} (goal <= 400 KB gzip)`);
run('node', ['bench/worker.mjs']);
log('the agent console in headless Chromium');
buildConsole();
run('node', ['bench/console.mjs']);
