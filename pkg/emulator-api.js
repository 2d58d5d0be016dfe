// ACS in a box, in-process: the JavaScript surface of the emulator's wasm (web or nodejs target).
// Values cross the boundary as JSON text and are parsed here once; the simulation is all Rust.
// Time comes from `now()` and callbacks leave through `deliver()`: both are the caller's, so a
// test can run on a virtual clock and hand callbacks straight to its handler.

const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Delivers over the network with `fetch` (10 s timeout); status 0 when it fails. */
async function fetchDelivery(d) {
  try {
    const res = await fetch(d.url, {
      method: d.method,
      headers: d.headers,
      body: d.method === 'POST' ? d.body : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { status: 0, body: '', error: e?.cause?.code ?? e?.message ?? String(e) };
  }
}

function emulatorError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

/** A time argument: finite Unix milliseconds (the wasm glue would read anything else as NaN). */
function millis(now) {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw emulatorError('invalid_option', 'now: must be a finite number of Unix milliseconds');
  return now;
}

/** Builds the emulator API over a wasm-bindgen module built with features `js,emulator`. */
export function makeEmulatorApi(raw) {
  class AcsEmulator {
    #wasm;
    #now;
    #deliver;
    #onDelivered;
    #pumping = null;
    #origin;

    constructor({ world = null, origin = 'http://127.0.0.1:8788', now = () => Date.now(), deliver = fetchDelivery, onDelivered = null } = {}) {
      if (typeof now !== 'function') throw emulatorError('invalid_option', 'now: must be a function returning Unix milliseconds');
      if (typeof deliver !== 'function') throw emulatorError('invalid_option', 'deliver: must be a function (delivery) => {status, body}');
      if (typeof origin !== 'string' || !/^https?:\/\/[^/?#]+\/*$/.test(origin)) {
        throw emulatorError('invalid_option', 'origin: must be an http(s) origin without a path, e.g. http://127.0.0.1:8788');
      }
      this.#origin = origin.replace(/\/+$/, '');
      this.#wasm = new raw.Emulator(world == null ? undefined : text(world), this.#origin);
      this.#now = now;
      this.#deliver = deliver;
      this.#onDelivered = onDelivered;
    }

    /** The wasm object; after `free()` a clear error instead of the glue's null pointer. */
    get #inner() {
      if (this.#wasm === null) throw emulatorError('freed', 'this emulator was freed; create a new one');
      return this.#wasm;
    }

    /** `endpoint=<origin>/;accesskey=<key>`. */
    get connectionString() {
      return this.#inner.connectionString();
    }

    /** The origin ACS is emulated at, without a trailing slash. */
    get origin() {
      return this.#origin;
    }

    /** Handles one request synchronously; deliveries in `deliverFirst` are the caller's to send. */
    handle({ method = 'GET', path, headers = {}, body = '' }, now = this.#now()) {
      if (typeof path !== 'string' || !path.startsWith('/')) throw emulatorError('invalid_request', 'path: must start with /');
      if (typeof method !== 'string') throw emulatorError('invalid_request', 'method: must be a string');
      if (headers === null || typeof headers !== 'object') throw emulatorError('invalid_request', 'headers: must be an object');
      if (!(typeof body === 'string' || body == null || body instanceof Uint8Array)) throw emulatorError('invalid_request', 'body: must be a string or a Uint8Array');
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body ?? new Uint8Array();
      const out = JSON.parse(this.#inner.handle(method, path, JSON.stringify(headers), bytes, millis(now)));
      return out;
    }

    /** Runs the simulation to `now`; returns the deliveries due, for the caller to send. */
    advance(now = this.#now()) {
      return JSON.parse(this.#inner.advance(millis(now)));
    }

    /** When the next delivery is due (Unix ms), or null. */
    nextDue() {
      return this.#inner.nextDue() ?? null;
    }

    /** Reports what became of a delivery (Event Grid handshake, retries). */
    delivered(id, status, body = '', now = this.#now()) {
      if (!Number.isSafeInteger(id) || id < 0) throw emulatorError('invalid_request', 'id: must be the id of a delivery');
      if (!Number.isInteger(status) || status < 0 || status > 599) throw emulatorError('invalid_request', 'status: must be an HTTP status (0 when nothing answered)');
      if (typeof (body ?? '') !== 'string') throw emulatorError('invalid_request', 'body: must be a string');
      this.#inner.delivered(id, status, body ?? '', millis(now));
    }

    /** Sends everything due by `now()` through `deliver`, in due order; resolves to the count. */
    pump() {
      // One pump at a time: deliveries keep their order even when callers overlap.
      this.#pumping = (this.#pumping ?? Promise.resolve()).then(async () => {
        let sent = 0;
        for (;;) {
          const due = this.advance();
          if (due.length === 0) return sent;
          for (const d of due) {
            await this.#send(d);
            sent += 1;
          }
        }
      });
      return this.#pumping;
    }

    async #send(d) {
      const res = (await this.#deliver(d)) ?? { status: 0 };
      this.delivered(d.id, res.status ?? 0, res.body ?? '');
      this.#onDelivered?.(d, res);
    }

    /**
     * A `fetch` that reaches the emulator in-process: give it to any HTTP client (the official
     * SDK's too) in place of the network. Callbacks due before the response are delivered first.
     */
    fetch = async (input, init) => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      const body = new Uint8Array(await req.arrayBuffer());
      const headers = {};
      req.headers.forEach((v, k) => {
        headers[k] = v;
      });
      headers.host ??= url.host;
      const out = this.handle({ method: req.method, path: url.pathname + url.search, headers, body });
      for (const d of out.deliverFirst) await this.#send(d);
      const noBody = out.status === 204 || out.status === 304 || req.method === 'HEAD';
      return new Response(noBody ? null : out.body, { status: out.status, headers: out.headers });
    };

    /** Every request received and callback sent, in order. */
    log() {
      return JSON.parse(this.#inner.log());
    }

    /** The simulated people (`GET /control/world`). */
    world() {
      return JSON.parse(this.handle({ path: '/control/world' }).body);
    }

    /** A customer calls in (`POST /control/inbound`); the IncomingCall goes to the Event Grid webhook. */
    inbound({ from, to, callerDisplayName } = {}) {
      const out = this.handle({ method: 'POST', path: '/control/inbound', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to, callerDisplayName }) });
      if (out.status >= 400) throw emulatorError('invalid_request', JSON.parse(out.body)?.error?.message ?? out.body);
      return JSON.parse(out.body || 'null');
    }

    /**
     * A Teams user in the call starts (`active`) or stops (`inactive`) recording it from their
     * Teams client (`POST /control/calls/{id}/teamsRecording`): the app hears of it through
     * TeamsRecordingStateChanged and cannot control that recording.
     */
    teamsRecording(callConnectionId, state) {
      const path = `/control/calls/${encodeURIComponent(callConnectionId)}/teamsRecording`;
      const out = this.handle({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state }) });
      if (out.status >= 400) throw emulatorError(out.status === 404 ? 'not_found' : out.status === 409 ? 'conflict' : 'invalid_request', JSON.parse(out.body)?.error?.message ?? out.body);
      return JSON.parse(out.body);
    }

    /** Releases the wasm memory now (otherwise the garbage collector does it). */
    free() {
      this.#wasm?.free();
      this.#wasm = null;
    }
  }

  /** The demo world of `npm start`, to adjust before starting an emulator. */
  function demoWorld() {
    return JSON.parse(raw.demoWorld());
  }

  return { AcsEmulator, demoWorld, fetchDelivery };
}
