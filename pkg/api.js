// The package's JavaScript surface over the wasm-bindgen module: conversions only; every check,
// type and rule runs in the Rust core. Values cross the boundary as text, and the hot paths
// keep that crossing small (bench/README.md): a webhook body is checked and typed in wasm, which
// returns only an index of its events (type names, the rare normalised members); the objects
// come from this side's own JSON.parse of the body, which V8 does faster than anything built in
// wasm could be copied out. A request comes back as lines split here, and a connection string
// is parsed once per string, not once per request.

const text = (value) => (typeof value === 'string' ? value : String(JSON.stringify(value)));

/** The dotted path of the first number in `v` JSON cannot hold (NaN, ±Infinity), or null. */
function nonFinite(v, path) {
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (v === null || typeof v !== 'object') return null;
  for (const [k, x] of Object.entries(v)) {
    const found = nonFinite(x, path === '' ? k : Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Params or an action as JSON text. JSON.stringify writes NaN and ±Infinity as null, which the
 * core would read as "not given": refused here instead, naming the member (searched only when
 * the text has a null at all).
 */
function jsonOf(value, code) {
  const t = text(value);
  if (typeof value === 'object' && value !== null && t.includes('null')) {
    const at = nonFinite(value, '');
    if (at !== null) throw fail(code, at, 'must be a finite number (JSON has no NaN or Infinity)');
  }
  return t;
}

const decoder = new TextDecoder();

/** A webhook body as given: text, bytes (a Buffer, a Uint8Array) or an already parsed value. */
const bodyText = (body) => (body instanceof Uint8Array ? decoder.decode(body) : text(body));

/** Dates become Unix milliseconds before they are serialised. */
function withDates(options, keys) {
  if (!options) return {};
  const out = { ...options };
  for (const k of keys) {
    if (out[k] instanceof Date) out[k] = out[k].getTime();
  }
  return out;
}

/** A time option (absent, a Date or Unix ms) as Unix ms, or `absent` when not given. */
const millis = (v, absent) => (v == null ? absent : v instanceof Date ? v.getTime() : v);

const isOptionalString = (v) => v == null || typeof v === 'string';

/** An error as the core throws them: a stable `code` and the `field` at fault. */
function fail(code, field, message) {
  const e = new Error(`${field}: ${message}`);
  e.code = code;
  e.field = field;
  return e;
}

/**
 * A string argument, checked here: wasm-bindgen's glue copies whatever it is given as if it
 * were a string, and a number there reads out of bounds of the module's memory.
 */
function str(value, code, field) {
  if (typeof value !== 'string') throw fail(code, field, `must be a string, not ${value === null ? 'null' : typeof value}`);
  return value;
}

/** An action argument (`{operation, ...}` or its JSON text) as JSON text. */
function actionText(action) {
  if (typeof action === 'string' || (typeof action === 'object' && action !== null && !Array.isArray(action))) return jsonOf(action, 'invalid_action');
  throw fail('invalid_action', 'action', `must be an object such as {operation: 'addParticipant', ...}, not ${action === null ? 'null' : Array.isArray(action) ? 'an array' : typeof action}`);
}

/** An optional options argument: absent (`{}`) or an object. */
function optionsObject(o, code) {
  if (o == null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) throw fail(code, 'options', 'must be an object');
  return o;
}

/** An optional string argument: absent (`null`/`undefined`) or a string. */
const optStr = (value, code, field) => (value == null ? undefined : str(value, code, field));

/** An optional time argument (a Date or Unix ms) as Unix ms (through `millis`), or `undefined`. */
function optTime(value, code, field) {
  const ms = millis(value, undefined);
  if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms))) throw fail(code, field, 'must be a valid Date or a finite number of Unix milliseconds');
  return ms;
}

/**
 * The options `buildRequest` and `command` take (`by` is `command`'s; `buildRequest` records
 * nothing, and takes it so one options object serves both).
 */
const OPTIONS = new Set(['date', 'repeatabilityRequestId', 'repeatabilityFirstSent', 'apiVersion', 'clientRequestId', 'allowUnknownFields', 'by']);

/** 9999-12-31T23:59:59.999Z: the last time an IMF-fixdate (`x-ms-date`) can write. */
const LAST_HTTP_DATE = 253402300799999;

/** The members `signRequest` reads. */
const SIGNED = new Set(['method', 'url', 'body', 'date']);

/** Refuses what the core would silently lose: a non-object, an unknown key, an invalid date. */
function checkOptions(o) {
  if (o == null) return;
  if (typeof o !== 'object' || Array.isArray(o)) throw fail('invalid_options', 'options', 'must be an object');
  for (const k of Object.keys(o)) {
    if (!OPTIONS.has(k)) throw fail('invalid_options', k, 'is not an option here');
  }
  // JSON has no NaN: an invalid Date would reach the core as null, i.e. "now".
  for (const k of ['date', 'repeatabilityFirstSent']) {
    const v = o[k];
    if ((v instanceof Date && Number.isNaN(v.getTime())) || (typeof v === 'number' && !Number.isFinite(v))) {
      throw fail('invalid_options', k, 'must be a valid Date or a finite number of Unix milliseconds');
    }
  }
}

// A fresh Repeatability-Request-ID when none is given: randomness is an input of the core, and
// the platform's UUID is cheaper than a crossing for random bytes (wasm falls back to
// crypto.getRandomValues where randomUUID is missing, as in insecure browser contexts).
const randomUUID = typeof globalThis.crypto?.randomUUID === 'function' ? () => globalThis.crypto.randomUUID() : () => undefined;

/**
 * True when every option fits the fast argument list of `Connection.build` / `CallState.command`
 * (no date given as a string, no value of the wrong type: those take the JSON path, where the
 * core reads and refuses them, naming the field).
 */
function fastOptions(o) {
  if (o == null) return true;
  return (
    (o.date == null || o.date instanceof Date || (typeof o.date === 'number' && Number.isFinite(o.date))) &&
    (o.repeatabilityFirstSent == null || o.repeatabilityFirstSent instanceof Date || (typeof o.repeatabilityFirstSent === 'number' && Number.isFinite(o.repeatabilityFirstSent))) &&
    isOptionalString(o.repeatabilityRequestId) &&
    isOptionalString(o.apiVersion) &&
    isOptionalString(o.clientRequestId) &&
    isOptionalString(o.by) &&
    (o.allowUnknownFields == null || typeof o.allowUnknownFields === 'boolean')
  );
}

/** `method \n url \n n \n (name \n value \n)×n body` (from line `from`) → `{method, url, headers, body}`. */
function request(text, from = 0) {
  // No line holds a line break: the core writes every value but the client request id (refused
  // with one), and the body is compact JSON, whose strings escape them.
  const lines = text.split('\n');
  const n = Number(lines[from + 2]);
  const headers = {};
  for (let i = from + 3; i < from + 3 + 2 * n; i += 2) headers[lines[i]] = lines[i + 1];
  const body = lines.length === from + 4 + 2 * n ? lines[from + 3 + 2 * n] : lines.slice(from + 3 + 2 * n).join('\n');
  return { method: lines[from], url: lines[from + 1], headers, body: body === '' ? null : body };
}

/** The flat event of a parsed element, given its index entry from the core. */
function flatEvent(el, entry) {
  const type = typeof entry === 'string' ? entry : entry[0];
  let e;
  if (type === 'Unknown') {
    e = { type, eventType: el.type ?? el.eventType };
  } else {
    const d = el.data;
    // The body was parsed here and is ours: the data object becomes the event.
    e = d === undefined ? {} : d !== null && typeof d === 'object' && !Array.isArray(d) ? d : { data: d };
    if (typeof entry !== 'string') Object.assign(e, entry[1]);
    e.type = type;
  }
  e.id = el.id;
  const time = el.time ?? el.eventTime;
  if (time != null) e.time = time;
  const source = el.source ?? el.topic;
  if (source != null) e.source = source;
  if (el.subject != null) e.subject = el.subject;
  if (type === 'Unknown') e.raw = el;
  return e;
}

/** The events of `body` (text the core has checked), one per index entry. */
function eventsOf(body, index) {
  const parsed = JSON.parse(body);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const out = new Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = flatEvent(items[i], index[i]);
  return out;
}

const encoder = new TextEncoder();

// ACS spells a recording's state and kind in two casings (SPEC §6). The core flags an event that
// needs respelling (bit 16 of parseEventCode's answer); these are the canonical spellings
// (src/model/mod.rs: RecordingState, RecordingKind).
const RESPELL = 1 << 16;
/** `parseEventCode`'s flag for a body whose parts `eventSpans()` locates. */
const SPANS = 1 << 17;
/** An `eventSpans()` entry for a member not given. */
const ABSENT = 0xffffffff;
/** Added to an `eventSpans()` start for a string with escapes (its span then has its quotes). */
const ESCAPED = 0x80000000;
const SPELLINGS = new Map(['active', 'inactive', 'azureCommunicationServices', 'teams', 'teamsCompliance'].map((v) => [v.toLowerCase(), v]));
function respell(e) {
  for (const k of ['state', 'recordingKind']) {
    if (typeof e[k] === 'string') e[k] = SPELLINGS.get(e[k].toLowerCase()) ?? e[k];
  }
}

/**
 * Builds the public API over a wasm-bindgen module (web or nodejs target). `loaded`, where the
 * wasm loads asynchronously (the web target), says whether `init()` has finished: until then
 * every function throws `not_initialized` instead of reaching a module that is not there.
 */
export function makeApi(raw, loaded = null) {
  const ready =
    loaded === null
      ? () => {}
      : () => {
          if (!loaded()) throw fail('not_initialized', 'init', 'the wasm is not loaded yet: `await init()` first');
        };
  // Long texts go through the core's input buffer, written in place by encodeInto (one native
  // copy) instead of wasm-bindgen's per-call allocation and JS character loop.
  let memory = null;
  let inputAt = 0;
  let inputCap = 0;
  let input = null;
  /** Writes `t` into the input buffer; returns its length in bytes. */
  function put(t) {
    const most = t.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    if (most > inputCap) {
      const cap = Math.max(most, 16384);
      // Recorded only once the buffer exists: a call that throws here (the wasm not loaded yet)
      // must not leave a size behind that later calls would trust.
      inputAt = raw.inputBuffer(cap);
      inputCap = cap;
      input = null;
    }
    memory ??= raw.wasmMemory();
    // A grown memory detaches the old view.
    if (input === null || input.buffer !== memory.buffer) input = new Uint8Array(memory.buffer, inputAt, inputCap);
    return encoder.encodeInto(t, input).written;
  }

  // One parsed connection string per string (a handler uses one or a few).
  const connections = new Map();
  function connection(connectionString) {
    str(connectionString, 'invalid_connection_string', 'connectionString');
    let c = connections.get(connectionString);
    if (c === undefined) {
      c = new raw.Connection(connectionString);
      if (connections.size >= 16) {
        const [oldest, dropped] = connections.entries().next().value;
        connections.delete(oldest);
        dropped.free();
      }
      connections.set(connectionString, c);
    }
    return c;
  }

  // The type names the core numbers (parseEventCode), read once.
  let typeNames = null;

  function parseEvents(body) {
    const t = bodyText(body);
    const written = put(t);
    const code = raw.parseEventCode(written);
    // The one event's type by number; -1 for several events or normalised members.
    if (code >= 0) {
      const type = (typeNames ??= JSON.parse(raw.eventTypeNames()))[code & (RESPELL - 1)];
      // Byte offsets are the text's own where the body is ASCII (as many bytes as UTF-16 units).
      const e = code & SPANS && written === t.length ? sliced(t, type) : eventsOf(t, [type])[0];
      if (code & RESPELL) respell(e);
      return [e];
    }
    return eventsOf(t, JSON.parse(raw.takeEventIndex()));
  }

  // Where the parts of the last body are (`eventSpans()` in the core, read in place).
  let spans = null;
  let spansAt = null;

  /**
   * The flat event of a body the core has checked and located (`parseEventCode` bit 17): its
   * data object parsed alone, its envelope strings sliced — the same event `eventsOf` builds,
   * without parsing the envelope.
   */
  function sliced(t, type) {
    // A grown memory detaches the old view (the call may have grown it).
    if (spans === null || spans.buffer !== memory.buffer) spans = new Uint32Array(memory.buffer, (spansAt ??= raw.eventSpans()), 10);
    const e = JSON.parse(t.slice(spans[0], spans[1]));
    e.type = type;
    e.id = part(t, 2);
    if (spans[4] !== ABSENT) e.time = part(t, 4);
    if (spans[6] !== ABSENT) e.source = part(t, 6);
    if (spans[8] !== ABSENT) e.subject = part(t, 8);
    return e;
  }

  /** The envelope string at `spans[i]`: sliced, or parsed where it has escapes (`\u002B`). */
  function part(t, i) {
    const start = spans[i];
    return start < ESCAPED ? t.slice(start, spans[i + 1]) : JSON.parse(t.slice(start - ESCAPED, spans[i + 1]));
  }

  function identifierFromRawId(rawId) {
    return JSON.parse(raw.identifierFromRawId(str(rawId, 'invalid_raw_id', 'rawId')));
  }

  function rawIdOf(identifier) {
    // A string is the identifier's JSON text, or a raw id itself (checked and made canonical).
    if (typeof identifier === 'string' && !identifier.trimStart().startsWith('{')) return identifierFromRawId(identifier).rawId;
    if (typeof identifier !== 'string' && (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier))) {
      throw fail('invalid_identifier', 'identifier', 'must be an identifier object (e.g. {microsoftTeamsUser: {userId}}) or a raw id');
    }
    return raw.rawIdOf(text(identifier));
  }

  function signRequest(request, connectionString) {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw fail('invalid_request', 'request', 'must be an object {method, url, body, date}');
    for (const k of Object.keys(request)) {
      if (!SIGNED.has(k)) throw fail('invalid_request', k, 'is not signed here (method, url, body, date)');
    }
    // A date as text (an x-ms-date, ISO 8601) is read by the core; a Date or Unix ms is checked
    // here, as JSON would carry an invalid one as null ("now").
    const d = request.date;
    if (d instanceof Date || typeof d === 'number') {
      const ms = millis(d);
      if (!(ms >= 0 && ms <= LAST_HTTP_DATE)) throw fail('invalid_request', 'date', 'must be a valid time from 1970 to 9999 (an HTTP date has a four-digit year)');
    } else if (d != null && typeof d !== 'string') {
      throw fail('invalid_request', 'date', 'must be a Date, Unix milliseconds or a date string');
    }
    str(connectionString, 'invalid_connection_string', 'connectionString');
    return JSON.parse(raw.signRequest(JSON.stringify(withDates(request, ['date'])), connectionString));
  }

  function buildRequest(operation, params, connectionString, options) {
    str(operation, 'unknown_operation', 'operation');
    checkOptions(options);
    const c = connection(connectionString);
    const p = put(jsonOf(params ?? {}, 'invalid_params'));
    if (!fastOptions(options)) return request(c.buildWithOptions(operation, p, JSON.stringify(withDates(options, ['date', 'repeatabilityFirstSent']))));
    const o = options ?? {};
    return request(c.build(operation, p, millis(o.date, Date.now()), o.repeatabilityRequestId ?? randomUUID(), millis(o.repeatabilityFirstSent, NaN), o.apiVersion ?? undefined, o.clientRequestId ?? undefined, o.allowUnknownFields === true));
  }

  function operations() {
    return JSON.parse(raw.operations());
  }

  function rules() {
    return JSON.parse(raw.rules());
  }

  class CallState {
    #wasm = (ready(), new raw.CallState());

    /** The wasm object; after `free()` a clear error instead of the glue's null pointer. */
    get #inner() {
      if (this.#wasm === null) throw fail('freed', 'callState', 'this CallState was freed; create a new one');
      return this.#wasm;
    }

    apply(body) {
      return JSON.parse(this.#inner.apply(put(bodyText(body))));
    }

    receive(body) {
      const t = bodyText(body);
      const [index, outcomes] = JSON.parse(this.#inner.receive(put(t)));
      const events = eventsOf(t, index);
      for (let i = 0; i < outcomes.length; i++) outcomes[i].event = events[i];
      return outcomes;
    }

    snapshot() {
      return JSON.parse(this.#inner.snapshot());
    }

    can(action) {
      return JSON.parse(this.#inner.can(actionText(action)));
    }

    command(action, connectionString, options) {
      checkOptions(options);
      const c = connection(connectionString);
      const a = put(jsonOf(action, 'invalid_action'));
      let out;
      if (fastOptions(options)) {
        const o = options ?? {};
        out = this.#inner.command(a, c, millis(o.date, Date.now()), o.repeatabilityRequestId ?? randomUUID(), millis(o.repeatabilityFirstSent, NaN), o.apiVersion ?? undefined, o.clientRequestId ?? undefined, o.allowUnknownFields === true, o.by ?? undefined);
      } else {
        out = this.#inner.commandWithOptions(a, c, JSON.stringify(withDates(options, ['date', 'repeatabilityFirstSent'])));
      }
      if (out.charCodeAt(0) === 123) return JSON.parse(out); // `{`: refused, nothing built
      const split = out.indexOf('\n');
      return { allowed: true, request: request(out.slice(split + 1)), changes: JSON.parse(out.slice(0, split)) };
    }

    recordCommand(action, options) {
      const { at, by } = optionsObject(options, 'invalid_action');
      const when = optTime(at, 'invalid_action', 'at');
      return JSON.parse(this.#inner.recordCommand(actionText(action), when, optStr(by, 'invalid_action', 'by')));
    }

    recordResponse(operation, response) {
      const { operationContext, status, body, at } = optionsObject(response, 'invalid_response');
      str(operation, 'unknown_operation', 'operation');
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw fail('invalid_response', 'status', 'must be the HTTP status code (an integer from 100 to 599)');
      }
      const when = optTime(at, 'invalid_response', 'at');
      const answer = body == null ? '' : text(body);
      return JSON.parse(this.#inner.recordResponse(operation, optStr(operationContext, 'invalid_response', 'operationContext'), status, answer, when));
    }

    /**
     * Folds one record of a Switchboard call log (`GET /api/calls/{id}/log`, or a `log` push):
     * events as ACS sent them, the requests decided with their params, ACS's answers. Replaying
     * a call's log in order rebuilds the state its Durable Object holds.
     */
    applyLogRecord(record) {
      const d = record?.detail ?? {};
      switch (record?.kind) {
        case 'offer':
        case 'callback':
          return d.event ? this.apply([d.event]) : [];
        case 'request':
          return this.recordCommand({ operation: d.operation, ...(d.params ?? {}), ...(d.operationContext ? { operationContext: d.operationContext } : {}) }, { at: record.at, by: d.by ?? undefined });
        case 'sent':
          return this.recordResponse(d.operation, { status: d.status, body: d.body ?? null, operationContext: d.operationContext ?? undefined, at: record.at });
        default:
          return [];
      }
    }

    /** Releases the wasm memory now (otherwise the garbage collector does it). Once is enough:
     * a second call does nothing; any other method afterwards throws `freed`. */
    free() {
      this.#wasm?.free();
      this.#wasm = null;
    }
  }

  function describeResult(code, subCode = 0) {
    // wasm-bindgen would wrap a number outside i32 (2**32 + 403 → 403) and truncate 403.5.
    if (!Number.isInteger(code) || code < 0 || code > 999) throw fail('invalid_result', 'code', 'must be an integer HTTP-like result code (e.g. 403)');
    if (!Number.isInteger(subCode) || subCode < 0 || subCode > 2147483647) throw fail('invalid_result', 'subCode', 'must be a non-negative integer (e.g. 7504)');
    return raw.describeResult(code, subCode) ?? undefined;
  }

  const api = { parseEvents, identifierFromRawId, rawIdOf, signRequest, buildRequest, operations, rules, describeResult };
  if (loaded !== null) {
    for (const [name, f] of Object.entries(api)) {
      api[name] = (...args) => {
        ready();
        return f(...args);
      };
    }
  }
  return { ...api, CallState };
}
