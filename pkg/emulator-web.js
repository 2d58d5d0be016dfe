// Browser / worker entry of the emulator (`@switchboard/call-automation/emulator`): call
// `await init()` once before anything else (pass a URL, Response or module to load the wasm
// from elsewhere).
import load, * as raw from './emulator/web/switchboard_emulator.js';
import { makeEmulatorApi } from './emulator-api.js';

let loading;

/** Loads the emulator's wasm (once; later calls return the same promise). */
export function init(input) {
  loading ??= input === undefined ? load() : load({ module_or_path: input });
  return loading.then(() => undefined);
}

export const { AcsEmulator, demoWorld, fetchDelivery } = makeEmulatorApi(raw);
