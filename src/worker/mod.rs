//! The Cloudflare Worker edge (feature `worker`, built by worker-build into `build/`:
//! `node scripts/build.mjs --worker-only`).
//!
//! `#[event(fetch)]` routes the HTTP API and hands per-call work to the call's Durable Object
//! ([`call_object::CallObject`], binding `CALLS`, one instance per call name). Thin by design
//! (STYLE.md habit 8): routing, forwarding and error mapping only; the logic lives in the core.

mod call_object;
mod error;

use error::{json_response, HttpError};

use ::worker::wasm_bindgen::JsValue;
use ::worker::{event, Context, Env, Method, Request, RequestInit, Response};
use serde_json::json;

/// The Durable Object namespace binding of [`call_object::CallObject`] in `wrangler.toml`.
pub const CALLS_BINDING: &str = "CALLS";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> ::worker::Result<Response> {
    route(req, &env).await.or_else(HttpError::into_response)
}

async fn route(req: Request, env: &Env) -> Result<Response, HttpError> {
    let method = req.method();
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (&method, segments.as_slice()) {
        (Method::Get, ["api", "health"]) => json_response(&json!({ "ok": true }), 200),
        (_, ["api", "debug", "calls", name, rest @ ..]) if !name.is_empty() && !rest.is_empty() => {
            forward_to_call(req, env, name, &rest.join("/")).await
        }
        _ => Err(HttpError::not_found(&method, &path)),
    }
}

/// Sends the request to the `CallObject` named `name` (the raw path segment, not percent-decoded),
/// as `/{rest}` with the query, method, headers and body stream kept. A WebSocket upgrade passes
/// through: the DO's 101 answer is returned as is.
async fn forward_to_call(req: Request, env: &Env, name: &str, rest: &str) -> Result<Response, HttpError> {
    let namespace = env.durable_object(CALLS_BINDING)?;
    let stub = namespace.id_from_name(name)?.get_stub()?;
    let mut url = req.url()?;
    url.set_path(rest);
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(req.headers().clone());
    init.body = req.inner().body().map(JsValue::from);
    let forwarded = Request::new_with_init(url.as_str(), &init)?;
    Ok(stub.fetch_with_request(forwarded).await?)
}
