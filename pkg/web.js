// Browser / worker entry: call `await init()` once before anything else (it fetches and
// compiles the wasm). With a bundler that does not copy `web/switchboard_bg.wasm` beside its
// output (esbuild, Rollup), serve that file and pass its URL — or a Response, bytes or a compiled
// `WebAssembly.Module` — to `init` (README: "In a bundled page").
import load, * as raw from './web/switchboard.js';
import { makeApi } from './api.js';

let loading;
let loaded = false;

/** Loads the wasm (once; later calls return the same promise; after a failure, tries again). */
export function init(input) {
  loading ??= (input === undefined ? load() : load({ module_or_path: input })).then(
    () => {
      loaded = true;
    },
    (e) => {
      loading = undefined;
      let where = 'the bytes or module given';
      try {
        if (input === undefined) where = new URL('./web/switchboard_bg.wasm', import.meta.url).href;
        else if (typeof input === 'string' || input instanceof URL) where = String(input);
        else if (typeof Response !== 'undefined' && input instanceof Response) where = input.url || 'the Response given';
      } catch {
        where = 'web/switchboard_bg.wasm'; // a bundle without import.meta.url
      }
      const error = new Error(
        `could not load the Switchboard wasm from ${where}: ${e?.message ?? e}. ` +
          'In a bundled page, serve web/switchboard_bg.wasm and pass its URL (or its bytes) to init(); ' +
          'in Node, import the package without the browser condition (or @switchboard/call-automation/node).',
        { cause: e },
      );
      error.code = 'not_initialized';
      error.field = 'init';
      throw error;
    },
  );
  return loading;
}

export const { parseEvents, identifierFromRawId, rawIdOf, signRequest, buildRequest, operations, rules, describeResult, CallState } =
  makeApi(raw, () => loaded);
