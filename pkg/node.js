// Node entry: the nodejs wasm-bindgen target loads the wasm synchronously.
import { createRequire } from 'node:module';
import { makeApi } from './api.js';

const raw = createRequire(import.meta.url)('./node/switchboard.js');

/** Nothing to load in Node; kept so the same code runs in browsers and Node. */
export async function init() {}

export const { parseEvents, identifierFromRawId, rawIdOf, signRequest, buildRequest, operations, rules, describeResult, CallState } =
  makeApi(raw);
