// The package's JavaScript surface over the wasm-bindgen module: values cross the boundary as
// JSON text and are parsed here once. No logic lives here; it all runs in the Rust core.

const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Dates become Unix milliseconds before they are serialised. */
function withDates(options, keys) {
  if (!options) return {};
  const out = { ...options };
  for (const k of keys) {
    if (out[k] instanceof Date) out[k] = out[k].getTime();
  }
  return out;
}

/** Builds the public API over a wasm-bindgen module (web or nodejs target). */
export function makeApi(raw) {
  function parseEvents(body) {
    return JSON.parse(raw.parseEvents(text(body)));
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
    const opts = JSON.stringify(withDates(options, ['date', 'repeatabilityFirstSent']));
    return JSON.parse(raw.buildRequest(operation, text(params ?? {}), connectionString, opts));
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
      return JSON.parse(this.#inner.apply(text(body)));
    }

    snapshot() {
      return JSON.parse(this.#inner.snapshot());
    }

    can(action) {
      return JSON.parse(this.#inner.can(text(action)));
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
