//! The Cloudflare Worker edge (feature `worker`, built by worker-build into `build/`:
//! `node scripts/build.mjs --worker-only`): ACS's webhook handler and the agent console's API.
//!
//! Thin by design (STYLE.md habit 8): parse the route (the core's table), authenticate (agent
//! token, callback JWT, Event Grid key), and hand the input to the call's Durable Object
//! ([`call_object::CallObject`], named `{tenant}/{callId}`), which runs the core's session.

mod acs;
mod call_object;
mod checks;
mod env;
mod error;
mod graph;
mod incoming;
mod jwks;
mod queue_object;
mod tenant_index;

use ::worker::{event, Context, Env, Headers, Method, Request, Response};
use serde_json::json;

use crate::api::{experts, openapi, ApiError, CallRoute, RequestUrl, Route};
use crate::tenant::{Agent, Tenant};
use call_object::{AGENT_HEADER, CALL_HEADER, ORIGIN_HEADER, TENANT_HEADER, TOKEN_HEADER};
use error::{error_response, json_response};

/// The `CallObject` namespace binding in `wrangler.toml`.
pub const CALLS_BINDING: &str = "CALLS";
/// The `TenantIndex` namespace binding in `wrangler.toml`.
pub const TENANT_INDEX_BINDING: &str = "TENANT_INDEX";
/// Durable Object namespace of the tenants' queues (peak overflow).
pub const QUEUES_BINDING: &str = "QUEUES";
/// Largest request body accepted (413 beyond).
pub const MAX_BODY: usize = 1 << 20;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> ::worker::Result<Response> {
    // CORS: only the console origins configured in CONSOLE_ORIGINS (comma-separated) may call the
    // API from a browser on another origin; the console served by this Worker is same-origin.
    let origin = req.headers().get("Origin")?.filter(|o| cors_allowed(&env, o));
    let preflight = req.method() == Method::Options && req.headers().has("Access-Control-Request-Method")?;
    let url = env::url(&req);
    let path = RequestUrl::parse(&url).path();
    // What an error log line answers (env::request_line, from the path already read here).
    let at = format!("{} {path}", req.method().as_ref());
    if preflight && path.starts_with("/api/") && path != "/api/events/incoming" {
        return match origin {
            Some(o) => {
                let headers = cors_headers(&o)?;
                headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE")?;
                headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type")?;
                headers.set("Access-Control-Max-Age", "600")?;
                Ok(Response::empty()?.with_status(204).with_headers(headers))
            }
            None => {
                error_response(ApiError::new(403, "cors_origin_not_allowed", "this origin may not call the API"), &at)
            }
        };
    }
    let res = match handle(req, &env).await {
        Ok(r) => r,
        Err(e) => error_response(e, &at)?,
    };
    match origin {
        Some(o) if res.status_code() != 101 => {
            let headers = cors_headers(&o)?;
            for (k, v) in res.headers().entries() {
                headers.set(&k, &v)?;
            }
            Ok(res.with_headers(headers))
        }
        _ => Ok(res),
    }
}

fn cors_allowed(env: &Env, origin: &str) -> bool {
    env.var("CONSOLE_ORIGINS")
        .map(|v| v.to_string().split(',').any(|o| o.trim().trim_end_matches('/') == origin))
        .unwrap_or(false)
}

fn cors_headers(origin: &str) -> ::worker::Result<Headers> {
    let headers = Headers::new();
    headers.set("Access-Control-Allow-Origin", origin)?;
    headers.set("Vary", "Origin")?;
    Ok(headers)
}

async fn handle(mut req: Request, env: &Env) -> Result<Response, ApiError> {
    let url_text = env::url(&req);
    let url = RequestUrl::parse(&url_text);
    let route = Route::parse(req.method().as_ref(), url.path())?;
    // Health answers even when the rest cannot, and says why (a missing PUBLIC_ORIGIN, TENANTS
    // missing or invalid, or made for the emulator while ACS_MODE is acs).
    let (origin, problem) = match public_origin(env, &req) {
        Ok(o) if route == Route::Health => (o, env::config(env).err().map(|e| e.message)),
        Ok(o) => (o, None),
        Err(e) if route == Route::Health => (String::new(), Some(e.message)),
        Err(e) => return Err(e),
    };
    match route {
        Route::Health => {
            let health = json!({"ok": problem.is_none(), "version": env!("CARGO_PKG_VERSION"), "acsMode": env::acs_mode(env), "problem": problem});
            json_response(&health, if problem.is_none() { 200 } else { 503 })
        }
        Route::OpenApi => {
            // The generated document is a static asset (build/www/openapi.json); this names the origin.
            let asset = env::request(Method::Get, "https://assets.local/openapi.json", None, None)?;
            let mut res = env.assets("ASSETS")?.fetch_request(asset).await?;
            if res.status_code() != 200 {
                return Err(ApiError::new(500, "not_built", "openapi.json is missing from the assets: run the build"));
            }
            Ok(error::text_response(&openapi::served(&res.text().await?, &origin), 200)?)
        }
        Route::EventGridHandshake => {
            let allowed = req.headers().get("WebHook-Request-Origin")?.unwrap_or_else(|| "*".into());
            let headers = Headers::new();
            headers.set("WebHook-Allowed-Origin", &allowed)?;
            headers.set("WebHook-Allowed-Rate", "*")?;
            Ok(Response::empty()?.with_status(200).with_headers(headers))
        }
        Route::EventGrid => incoming::event_grid(&mut req, env, &origin).await,
        Route::Callback { tenant, call_id } => {
            // The Worker's own time: the JWT check (claims in Rust, the signature in WebCrypto).
            let started = env::clock();
            let config = env::config(env)?;
            // The URL must be the one this call gave ACS: a token (or a whole request) replayed
            // against another call's URL is refused here. Checked first, and the same answer
            // for a tenant that does not exist: which tenants do is nobody's business.
            let sig = url.query("sig").unwrap_or_default();
            let t =
                config.tenant(&tenant).filter(|t| t.callback_signature_matches(&call_id, &sig)).ok_or_else(|| {
                    ApiError::new(401, "callback_signature", "this callback URL was not issued for this call")
                })?;
            let auth = req.headers().get("Authorization")?;
            let token = jwks::verify_callback(auth.as_deref(), &config.acs, t, env::now_ms()).await?;
            let worker_ms = env::clock() - started;
            let body = read_body(&mut req).await?;
            let jti = Some(format!("{} {}", token.jti, token.exp));
            let mut res =
                call_stub(env, t, &call_id, None, &origin, Method::Post, "/_callback", Some(body), jti).await?;
            // A stub's response headers are immutable: answer with a copy that adds ours.
            let timing = res.headers().get("Server-Timing")?.unwrap_or_default();
            let sep = if timing.is_empty() { "" } else { ", " };
            let out = error::text_response(&res.text().await?, res.status_code())?;
            out.headers().set("Server-Timing", &format!("{timing}{sep}worker;dur={worker_ms:.3}"))?;
            Ok(out)
        }
        route => {
            let config = env::config(env)?;
            let watch = matches!(route, Route::QueueEvents | Route::Call { op: CallRoute::Events, .. });
            let Some((tenant, agent)) = authenticate(&req, &config, watch)? else {
                // A token that is no agent's: guesses meet a limit per client address (valid
                // tokens never do, so nobody can lock an agent out by guessing).
                let address = req.headers().get("CF-Connecting-IP")?.unwrap_or_default();
                if !limit(env, "AUTH_LIMITER", &format!("address/{address}")).await? {
                    return Err(ApiError::new(
                        429,
                        "rate_limited",
                        "too many unknown agent tokens from this address; try again in a minute",
                    ));
                }
                return Err(ApiError::unauthorized("unknown agent token"));
            };
            // Changes, and the reads that reach ACS or Graph for the agent (a participants list
            // fans out over ACS's pages; the experts ask Graph): a script gone wrong meets the
            // limiter, not them. The call list, views and logs are the Worker's own.
            let reaches_out = matches!(
                route,
                Route::Experts
                    | Route::Checks
                    | Route::Call { op: CallRoute::ListParticipants | CallRoute::GetParticipant(_), .. }
            );
            if reaches_out || matches!(req.method(), Method::Post | Method::Delete) {
                rate_limit(env, tenant, agent).await?;
            }
            match route {
                Route::Me => json_response(
                    &json!({"tenant": tenant.id, "agent": {"id": agent.id, "name": agent.name, "acsUserId": agent.acs_user_id}}),
                    200,
                ),
                Route::Experts => list_experts(&req, tenant).await,
                Route::Checks => checks::run(tenant, &config.acs).await,
                Route::Queue | Route::QueueEvents => {
                    if tenant.overflow.is_none() {
                        return Err(ApiError::not_found("this tenant has no queue (no overflow policy)"));
                    }
                    let headers = Headers::new();
                    headers.set(AGENT_HEADER, &agent.id)?;
                    if let Some(u) = req.headers().get("Upgrade")? {
                        headers.set("Upgrade", &u)?;
                    }
                    // `?ready=true`: the agent takes queue calls while the socket is open.
                    if url.flag("ready").map_err(ApiError::invalid_query)? {
                        headers.set(queue_object::READY_HEADER, "1")?;
                    }
                    let path = if route == Route::Queue { "/view" } else { "/events" };
                    queue_stub(env, tenant, &origin, Method::Get, path, headers, None).await
                }
                Route::ListCalls => {
                    let stub = env.durable_object(TENANT_INDEX_BINDING)?.id_from_name(&tenant.id)?.get_stub()?;
                    Ok(stub.fetch_with_str("https://index/list").await?)
                }
                Route::CreateCall => {
                    let body = read_body(&mut req).await?;
                    let call_id = env::uuid();
                    call_stub(env, tenant, &call_id, Some(agent), &origin, Method::Post, "/_create", Some(body), None)
                        .await
                }
                Route::Call { call_id, .. } => {
                    let method = req.method();
                    let path = url.path().to_owned();
                    let upgrade = req.headers().get("Upgrade")?;
                    let body = match method {
                        Method::Get | Method::Delete => None,
                        _ => Some(read_body(&mut req).await?),
                    };
                    call_stub(env, tenant, &call_id, Some(agent), &origin, method, &path, body, upgrade).await
                }
                _ => Err(ApiError::not_found("no such route")),
            }
        }
    }
}

/// The agent behind `Authorization: Bearer <token>` (or `?access_token=` on the upgrade of a
/// `watch` route's WebSocket, which browsers cannot give headers); `None` when the token is no
/// agent's. A request without a token, or with another kind of `Authorization`, is a 401 here.
fn authenticate<'c>(
    req: &Request,
    config: &'c crate::tenant::Config,
    watch: bool,
) -> Result<Option<(&'c Tenant, &'c Agent)>, ApiError> {
    let header = req.headers().get("Authorization")?;
    let token = match header.as_deref().map(str::trim) {
        Some(h) if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") => h[7..].trim().to_owned(),
        Some(_) => return Err(ApiError::unauthorized("Authorization must be `Bearer <agent token>`")),
        // `?access_token=` only where a browser cannot set the header: a WebSocket's upgrade
        // (tokens in URLs end up in logs).
        None if watch && req.headers().get("Upgrade")?.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) => {
            let url = env::url(req);
            let from_query = RequestUrl::parse(&url).query("access_token");
            from_query
                .ok_or_else(|| ApiError::unauthorized("an agent token is required (?access_token= on a WebSocket)"))?
        }
        None => return Err(ApiError::unauthorized("an agent token is required (Authorization: Bearer)")),
    };
    Ok(config.agent_for_token(&token))
}

/// Changes and the reads that reach ACS or Graph, per agent token, through the `AGENT_LIMITER`
/// binding (absent: no limit). 429 with `Retry-After` beyond it.
async fn rate_limit(env: &Env, tenant: &Tenant, agent: &Agent) -> Result<(), ApiError> {
    if limit(env, "AGENT_LIMITER", &format!("{}/{}", tenant.id, agent.id)).await? {
        Ok(())
    } else {
        Err(ApiError::new(429, "rate_limited", "too many changes from this agent; try again in a minute"))
    }
}

/// Whether one more request under `key` is within the rate-limit `binding` (true when the
/// binding is absent).
async fn limit(env: &Env, binding: &str, key: &str) -> Result<bool, ApiError> {
    use ::worker::js_sys::{Function, Object, Promise, Reflect};
    use ::worker::wasm_bindgen::JsCast;
    // Called through js_sys rather than workers-rs' RateLimiter, whose serde_wasm_bindgen
    // round trip costs the bundle more than these lines.
    let internal = |e: ::worker::wasm_bindgen::JsValue| ApiError::new(500, "internal", format!("rate limiter: {e:?}"));
    let binding = Reflect::get(env.as_ref(), &binding.into()).map_err(internal)?;
    if binding.is_undefined() {
        return Ok(true);
    }
    let limit: Function = Reflect::get(&binding, &"limit".into()).map_err(internal)?.dyn_into().map_err(internal)?;
    let options = Object::new();
    Reflect::set(&options, &"key".into(), &key.into()).map_err(internal)?;
    let promise: Promise = limit.call1(&binding, &options).map_err(internal)?.dyn_into().map_err(internal)?;
    let outcome = ::worker::wasm_bindgen_futures::JsFuture::from(promise).await.map_err(internal)?;
    Ok(Reflect::get(&outcome, &"success".into()).map_err(internal)?.as_bool() != Some(false))
}

/// The origin ACS must call back: `PUBLIC_ORIGIN`; against the local emulator, this request's
/// own when it is not set. Never a request's own against real ACS: its `Host` would choose where
/// ACS sends the call's signed callbacks (a client could have them sent to itself, then replay
/// them here).
fn public_origin(env: &Env, req: &Request) -> Result<String, ApiError> {
    let configured = env.var("PUBLIC_ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    let acs = env::acs_mode(env) == "acs";
    crate::api::callback_origin(&configured, acs, RequestUrl::parse(&env::url(req)).origin())
}

/// The body as text, refused beyond [`MAX_BODY`] (413) and when not UTF-8.
async fn read_body(req: &mut Request) -> Result<String, ApiError> {
    let too_big = || ApiError::new(413, "body_too_large", format!("the body is over {MAX_BODY} bytes"));
    if let Some(len) = req.headers().get("Content-Length")?.and_then(|l| l.parse::<usize>().ok()) {
        if len > MAX_BODY {
            return Err(too_big());
        }
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| ApiError::new(400, "invalid_body", "the body is not UTF-8"))
}

/// Forwards to the call's Durable Object with the internal headers (clients cannot set them:
/// only these requests carry them).
#[allow(clippy::too_many_arguments)]
async fn call_stub(
    env: &Env,
    tenant: &Tenant,
    call_id: &str,
    agent: Option<&Agent>,
    origin: &str,
    method: Method,
    path: &str,
    body: Option<String>,
    extra: Option<String>,
) -> Result<Response, ApiError> {
    let name = format!("{}/{call_id}", tenant.id);
    let stub = env.durable_object(CALLS_BINDING)?.id_from_name(&name)?.get_stub()?;
    let headers = Headers::new();
    headers.set(TENANT_HEADER, &tenant.id)?;
    headers.set(CALL_HEADER, call_id)?;
    headers.set(ORIGIN_HEADER, origin)?;
    if let Some(a) = agent {
        headers.set(AGENT_HEADER, &a.id)?;
    }
    // A WebSocket upgrade on watch routes; the callback token's `jti exp` on callbacks.
    if let Some(x) = extra {
        headers.set(if path == "/_callback" { TOKEN_HEADER } else { "Upgrade" }, &x)?;
    }
    let url = format!("https://call{path}");
    Ok(stub.fetch_with_request(env::request(method, &url, Some(&headers), body.as_deref())?).await?)
}

/// A request to the tenant's queue object (with the tenant and the Worker's origin, for the
/// callback URIs of the calls it acts on).
async fn queue_stub(
    env: &Env,
    tenant: &Tenant,
    origin: &str,
    method: Method,
    path: &str,
    headers: Headers,
    body: Option<String>,
) -> Result<Response, ApiError> {
    let stub = env.durable_object(QUEUES_BINDING)?.id_from_name(&tenant.id)?.get_stub()?;
    headers.set(TENANT_HEADER, &tenant.id)?;
    headers.set(ORIGIN_HEADER, origin)?;
    let url = format!("https://queue{path}");
    Ok(stub.fetch_with_request(env::request(method, &url, Some(&headers), body.as_deref())?).await?)
}

/// `GET /api/experts[?available=true]`: the tenant's experts with Graph presence.
async fn list_experts(req: &Request, tenant: &Tenant) -> Result<Response, ApiError> {
    let available = RequestUrl::parse(&env::url(req)).flag("available").map_err(ApiError::invalid_query)?;
    let graph = if tenant.experts.is_empty() {
        None
    } else {
        let ids: Vec<&str> = tenant.experts.iter().map(|e| e.object_id.as_str()).collect();
        graph::presence_body(tenant, &ids).await
    };
    json_response(&experts::merge(&tenant.experts, graph.as_deref(), available), 200)
}
