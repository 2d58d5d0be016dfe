// Browser / worker entry: call `await init()` once before anything else (it fetches and
// compiles the wasm; pass a URL, Response or compiled module to load it from elsewhere).
import load, * as raw from './web/switchboard.js';
import { makeApi } from './api.js';

let loading;

/** Loads the wasm (once; later calls return the same promise). */
export function init(input) {
  loading ??= input === undefined ? load() : load({ module_or_path: input });
  return loading.then(() => undefined);
}

export const { parseEvents, identifierFromRawId, rawIdOf, signRequest, buildRequest, operations, rules, describeResult, CallState } =
  makeApi(raw);
