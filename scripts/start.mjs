// `npm start`: installs what is missing, builds the npm package, and runs the expert-consultation
// demo through it. (The Worker, the ACS emulator and the console join this command as they land.)
import { ensureToolchain, log, run } from './setup.mjs';
import { buildPackage } from './build.mjs';

ensureToolchain();
const s = buildPackage();
log(`built pkg/ (wasm ${s.wasm.gzip} B gzip)`);
run('node', ['scripts/demo.mjs']);
