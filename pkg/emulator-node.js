// Node entry of the emulator (`@switchboard/call-automation/emulator`): the nodejs wasm-bindgen
// target loads the wasm synchronously.
import { createRequire } from 'node:module';
import { makeEmulatorApi } from './emulator-api.js';

const raw = createRequire(import.meta.url)('./emulator/node/switchboard_emulator.js');

/** Nothing to load in Node; kept so the same code runs in browsers and Node. */
export async function init() {}

export const { AcsEmulator, demoWorld, fetchDelivery } = makeEmulatorApi(raw);
