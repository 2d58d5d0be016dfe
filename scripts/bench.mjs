// `npm run bench`: the native core benchmark (cargo bench) and the npm package in Node.
import { ensureToolchain, log, run } from './setup.mjs';
import { buildPackage } from './build.mjs';

ensureToolchain();
log('native core (cargo bench --bench core)');
run('cargo', ['bench', '--bench', 'core']);
log('npm package (pkg/) in Node');
buildPackage();
run('node', ['bench/node.mjs']);
