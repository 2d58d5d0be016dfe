// The package's JavaScript surface over the wasm-bindgen module: conversions only; every check,
// type and rule runs in the Rust core. Values cross the boundary as text, and the hot paths
// keep that crossing small (bench/README.md): a webhook body is checked and typed in wasm, which
// returns only an index of its events (type names, the rare normalised members); the objects
// come from this side's own JSON.parse of the body, which V8 does faster than anything built in
// wasm could be copied out. A request comes back as lines split here, and a connection string
// is parsed once per string, not once per request.

const text = (value) => (typeof value === 'string' ? value : String(JSON.stringify(value)));

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

/** Builds the public API over a wasm-bindgen module (web or nodejs target). */
export function makeApi(raw) {
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
      inputCap = Math.max(most, 16384);
      inputAt = raw.inputBuffer(inputCap);
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
    if (typeof connectionString !== 'string') connectionString = String(connectionString ?? '');
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
    const t = text(body);
    const code = raw.parseEventCode(put(t));
    // The one event's type by number; -1 for several events or normalised members.
    if (code >= 0) return eventsOf(t, [(typeNames ??= JSON.parse(raw.eventTypeNames()))[code]]);
    return eventsOf(t, JSON.parse(raw.takeEventIndex()));
  }

  function identifierFromRawId(rawId) {
    return JSON.parse(raw.identifierFromRawId(rawId));
  }

  function rawIdOf(identifier) {
    return raw.rawIdOf(text(identifier));
  }

  function signRequest(request, connectionString) {
    return JSON.parse(raw.signRequest(JSON.stringify(withDates(request, ['date'])), connectionString));
  }

  function buildRequest(operation, params, connectionString, options) {
    const c = connection(connectionString);
    const p = put(text(params ?? {}));
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
    #inner = new raw.CallState();

    apply(body) {
      return JSON.parse(this.#inner.apply(put(text(body))));
    }

    receive(body) {
      const t = text(body);
      const [index, outcomes] = JSON.parse(this.#inner.receive(put(t)));
      const events = eventsOf(t, index);
      for (let i = 0; i < outcomes.length; i++) outcomes[i].event = events[i];
      return outcomes;
    }

    snapshot() {
      return JSON.parse(this.#inner.snapshot());
    }

    can(action) {
      return JSON.parse(this.#inner.can(text(action)));
    }

    command(action, connectionString, options) {
      const c = connection(connectionString);
      const a = put(text(action));
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

    recordCommand(action, { at, by } = {}) {
      const when = at instanceof Date ? at.getTime() : at;
      return JSON.parse(this.#inner.recordCommand(text(action), when ?? undefined, by ?? undefined));
    }

    recordResponse(operation, { operationContext, status, body, at } = {}) {
      if (!Number.isInteger(status)) {
        const e = new Error('status: must be the HTTP status code (an integer)');
        e.code = 'invalid_response';
        e.field = 'status';
        throw e;
      }
      const when = at instanceof Date ? at.getTime() : at;
      const bodyText = body == null ? '' : text(body);
      return JSON.parse(this.#inner.recordResponse(operation, operationContext ?? undefined, status, bodyText, when ?? undefined));
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

    /** Releases the wasm memory now (otherwise the garbage collector does it). */
    free() {
      this.#inner.free();
    }
  }

  function describeResult(code, subCode = 0) {
    return raw.describeResult(code, subCode) ?? undefined;
  }

  return { parseEvents, identifierFromRawId, rawIdOf, signRequest, buildRequest, operations, rules, describeResult, CallState };
}
