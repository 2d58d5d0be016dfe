//! What the edge takes from outside the core: the tenant configuration (secret or var
//! `TENANTS`), the clock and randomness.

use std::cell::RefCell;
use std::rc::Rc;

use ::worker::Env;

use crate::api::ApiError;
use crate::tenant::Config;

thread_local! {
    /// The parsed configuration and the text it came from (an isolate lives across requests;
    /// parsing once per isolate keeps it off every callback's path).
    static CONFIG: RefCell<Option<(String, Rc<Config>)>> = const { RefCell::new(None) };
}

/// The tenant configuration: `TENANTS` as a secret (production: `wrangler secret put TENANTS`)
/// or a var (local: `.dev.vars` or `--var`), JSON in the shape of `config/tenants.dev.json`.
/// Against real ACS (`ACS_MODE=acs`) a document made for the emulator is refused (503
/// `misconfigured`, [`Config::production_problem`]).
pub fn config(env: &Env) -> Result<Rc<Config>, ApiError> {
    let config = parsed_config(env)?;
    if acs_mode(env) == "acs" {
        if let Some(problem) = config.production_problem() {
            return Err(ApiError::new(503, "misconfigured", problem));
        }
    }
    Ok(config)
}

fn parsed_config(env: &Env) -> Result<Rc<Config>, ApiError> {
    let text =
        env.secret("TENANTS").map(|s| s.to_string()).or_else(|_| env.var("TENANTS").map(|v| v.to_string())).map_err(
            // 503, as for every configuration problem: the Worker is there, not usable yet.
            |_| ApiError::new(503, "not_configured", "TENANTS is not set (see config/tenants.dev.json for its shape)"),
        )?;
    if let Some(c) = CONFIG.with(|c| c.borrow().as_ref().filter(|(t, _)| *t == text).map(|(_, c)| c.clone())) {
        return Ok(c);
    }
    let parsed = Rc::new(Config::parse(&text).map_err(|e| {
        let err = ApiError::new(503, "bad_configuration", format!("TENANTS is invalid: {e}"));
        // A document that is not JSON at all names no field.
        if e.field.is_empty() {
            err
        } else {
            err.field(&e.field)
        }
    })?);
    CONFIG.with(|c| *c.borrow_mut() = Some((text, parsed.clone())));
    Ok(parsed)
}

/// `ACS_MODE` (`emulator` locally, `acs` in production).
pub fn acs_mode(env: &Env) -> String {
    env.var("ACS_MODE").map(|v| v.to_string()).unwrap_or_else(|_| "acs".into())
}

/// Unix ms.
pub fn now_ms() -> i64 {
    ::worker::Date::now().as_millis() as i64
}

/// 16 bytes from the platform's CSPRNG.
pub fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // The Workers runtime always has crypto.getRandomValues; a failure leaves zeros, which only
    // weakens an id's uniqueness, never its safety.
    let _ = getrandom::fill(&mut b);
    b
}

/// A fresh UUID v4.
pub fn uuid() -> String {
    crate::auth::uuid_v4(random16())
}

/// A monotonic clock for measuring the Worker's own work (`performance.now()`, in ms; workerd
/// coarsens it to whole ms, so only means over many requests are meaningful).
pub fn clock() -> f64 {
    use ::worker::js_sys::{global, Function, Reflect};
    use ::worker::wasm_bindgen::JsCast;
    Reflect::get(&global(), &"performance".into())
        .ok()
        .and_then(|p| {
            let now: Function = Reflect::get(&p, &"now".into()).ok()?.dyn_into().ok()?;
            now.call0(&p).ok()?.as_f64()
        })
        .unwrap_or(0.0)
}

/// Time spent computing (not waiting on I/O) while handling one request: each synchronous
/// stretch is wrapped in [`Stopwatch::time`]. Reported as `Server-Timing` for the benchmark.
#[derive(Default)]
pub struct Stopwatch {
    spent: std::cell::Cell<f64>,
}

impl Stopwatch {
    /// Runs `f`, adding its duration.
    pub fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let t = clock();
        let r = f();
        self.spent.set(self.spent.get() + (clock() - t));
        r
    }

    /// Starts over.
    pub fn reset(&self) {
        self.spent.set(0.0);
    }

    /// Milliseconds spent so far.
    pub fn ms(&self) -> f64 {
        self.spent.get()
    }
}

/// `METHOD /path` of a request, without the query (which may carry a key or a signature): what
/// an error log line answers.
pub fn request_line(req: &::worker::Request) -> String {
    let url = url(req);
    format!("{} {}", req.method().as_ref(), crate::api::RequestUrl::parse(&url).path())
}

/// The request's URL as workerd gives it, read with [`crate::api::RequestUrl`] rather than
/// `Request::url()`, whose `url::Url` parse brings IDNA tables into the bundle.
pub fn url(req: &::worker::Request) -> String {
    req.inner().url()
}

/// The JSON values stored under the keys `options` selects (a call's log records, a tenant's
/// call lines), in key order; a value that is not JSON text is skipped.
pub async fn stored_json(
    storage: &::worker::Storage,
    options: ::worker::ListOptions<'_>,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let map = storage.list_with_options(options).await?;
    let mut values = Vec::new();
    for v in map.values() {
        let v = v.map_err(|e| ApiError::new(500, "internal", format!("{e:?}")))?;
        if let Some(Ok(value)) = v.as_string().map(|t| serde_json::from_str(&t)) {
            values.push(value);
        }
    }
    Ok(values)
}

/// Answers a console's Close frame on a hibernating WebSocket: with the hibernation API the
/// runtime does not answer it itself; reserved codes cannot be sent back, a normal closure
/// answers them.
pub fn answer_close(ws: &::worker::WebSocket, code: usize, reason: String) {
    let code = match u16::try_from(code) {
        Ok(c @ 1000..=4999) if !matches!(c, 1004 | 1005 | 1006 | 1015) => c,
        _ => 1000,
    };
    let _ = ws.close(Some(code), Some(reason));
}

/// A request to send (to a Durable Object stub or with `Fetch`), built on the platform's
/// `RequestInit` directly: workers-rs's own `RequestInit` converts its `cf` options (image
/// resizing and more, which Switchboard never sets) on every request, and that conversion was
/// ~10 KB of the Worker's wasm.
pub fn request(
    method: ::worker::Method,
    url: &str,
    headers: Option<&::worker::Headers>,
    body: Option<&str>,
) -> ::worker::Result<::worker::Request> {
    let init = ::worker::web_sys::RequestInit::new();
    init.set_method(method.as_ref());
    if let Some(h) = headers {
        init.set_headers(h.as_ref());
    }
    if let Some(b) = body {
        init.set_body(&::worker::wasm_bindgen::JsValue::from_str(b));
    }
    ::worker::web_sys::Request::new_with_str_and_init(url, &init).map(::worker::Request::from).map_err(|e| {
        ::worker::Error::JsError(e.as_string().unwrap_or_else(|| format!("cannot build a request to {url}")))
    })
}
