//! wasm-bindgen exports for the npm package (`pkg/`): conversions only, no logic.
//!
//! Values cross the boundary as JSON text: strings in, strings out, parsed once by the small JS
//! wrapper in `pkg/`. That is smaller and faster than building JS objects field by field from
//! Rust (serde-wasm-bindgen), which the TOOLCHAIN size spike measured. Errors are JS `Error`s
//! with a stable `code` and, where one field is at fault, `field`.

use serde_json::Value;
use wasm_bindgen::prelude::*;

#[cfg(feature = "emulator")]
mod emulator;

use crate::auth::{self, ConnectionString, HttpDate, Repeatability};
use crate::call::{Action, Applied, CallState as Core, CommandResponse};
use crate::events::{self, EventError};
use crate::model::Extra;
use crate::ops::{self, OpError, RequestOptions};
use crate::{CommunicationIdentifier, FieldError};

fn error(code: &str, message: &str, field: Option<&str>) -> JsValue {
    let e = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&e, &"code".into(), &code.into());
    if let Some(f) = field.filter(|f| !f.is_empty()) {
        let _ = js_sys::Reflect::set(&e, &"field".into(), &f.into());
    }
    e.into()
}

fn field_error(code: &str, e: &FieldError) -> JsValue {
    error(code, &e.to_string(), Some(&e.field))
}

fn event_error(e: &EventError) -> JsValue {
    error(e.code(), &e.to_string(), e.field().as_deref())
}

fn object(code: &str, what: &str, text: &str) -> Result<Extra, JsValue> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(error(code, &format!("{what} must be an object"), None)),
        Err(e) => Err(error(code, &format!("{what} is not valid JSON: {e}"), None)),
    }
}

fn connection_string(cs: &str) -> Result<ConnectionString, JsValue> {
    ConnectionString::parse(cs)
        .map_err(|e| error("invalid_connection_string", &e.to_string(), Some("connectionString")))
}

/// A date option: Unix ms (number), an IMF-fixdate or an RFC 3339 string; default now.
fn date_option(options: &Extra, key: &str) -> Result<Option<HttpDate>, JsValue> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(|f| Some(HttpDate::from_unix_millis(f as i64)))
            .ok_or_else(|| error("invalid_options", "must be a finite number of milliseconds", Some(key))),
        Some(Value::String(s)) => HttpDate::parse(s)
            .or_else(|| crate::time::parse_rfc3339_millis(s).map(HttpDate::from_unix_millis))
            .map(Some)
            .ok_or_else(|| {
                error(
                    "invalid_options",
                    &format!("{s:?} is not a date (use a Date, Unix milliseconds, an RFC 1123 or an ISO 8601 string)"),
                    Some(key),
                )
            }),
        Some(_) => Err(error("invalid_options", "must be a Date, a number or a string", Some(key))),
    }
}

fn now() -> HttpDate {
    HttpDate::from_unix_millis(js_sys::Date::now() as i64)
}

fn random_uuid() -> Result<String, JsValue> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| error("no_randomness", &format!("crypto.getRandomValues is unavailable: {e}"), None))?;
    Ok(auth::uuid_v4(bytes))
}

fn string_option<'a>(options: &'a Extra, key: &str) -> Result<Option<&'a str>, JsValue> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(error("invalid_options", "must be a string", Some(key))),
    }
}

/// `parseEvents(body)`: a webhook body → JSON array of events in the flat shape.
#[wasm_bindgen(js_name = parseEvents)]
pub fn parse_events(body: &str) -> Result<String, JsValue> {
    let parsed = events::parse_events(body).map_err(|e| event_error(&e))?;
    let mut out = String::with_capacity(body.len() + 64 * parsed.len());
    out.push('[');
    for (i, e) in parsed.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        events::to_flat_json(e, &mut out);
    }
    out.push(']');
    Ok(out)
}

/// `describeResult(code, subCode)`: an ACS result in plain words, or `undefined`.
#[wasm_bindgen(js_name = describeResult)]
pub fn describe_result(code: i32, sub_code: i32) -> Option<String> {
    crate::model::results::describe(code, sub_code).map(str::to_owned)
}

/// `identifierFromRawId(raw)`: a raw id → the identifier JSON (SPEC §4.2).
#[wasm_bindgen(js_name = identifierFromRawId)]
pub fn identifier_from_raw_id(raw: &str) -> Result<String, JsValue> {
    crate::RawId::new(raw).map_err(|e| error("invalid_raw_id", &e.to_string(), Some("rawId")))?;
    serde_json::to_string(&CommunicationIdentifier::from_raw_id(raw))
        .map_err(|e| error("internal", &e.to_string(), None))
}

/// `rawIdOf(identifier)`: the raw id of an identifier given as JSON.
#[wasm_bindgen(js_name = rawIdOf)]
pub fn raw_id_of(identifier: &str) -> Result<String, JsValue> {
    let id: CommunicationIdentifier =
        crate::json_path::from_text(identifier).map_err(|e| field_error("invalid_identifier", &e))?;
    Ok(id.raw_id().as_str().to_owned())
}

/// `signRequest({method, url, body, date}, connectionString)` → the three auth headers.
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(request: &str, connection: &str) -> Result<String, JsValue> {
    let req = object("invalid_request", "the request", request)?;
    let cs = connection_string(connection)?;
    let method = string_option(&req, "method")
        .map_err(|_| error("invalid_request", "must be a string", Some("method")))?
        .unwrap_or("GET");
    let url = string_option(&req, "url")
        .map_err(|_| error("invalid_request", "must be a string", Some("url")))?
        .ok_or_else(|| error("invalid_request", "is required", Some("url")))?;
    let body = string_option(&req, "body")
        .map_err(|_| error("invalid_request", "must be a string (JSON text) or null", Some("body")))?
        .unwrap_or("");
    let date = date_option(&req, "date")?.unwrap_or_else(now);
    let h = auth::sign_url(method, url, body.as_bytes(), date, cs.access_key())
        .map_err(|e| error("invalid_url", &e.to_string(), Some("url")))?;
    let headers: serde_json::Map<String, Value> =
        h.pairs().iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect();
    Ok(Value::Object(headers).to_string())
}

/// `buildRequest(operation, params, connectionString, options)` → `{method, url, headers, body}`.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(operation: &str, params: &str, connection: &str, options: &str) -> Result<String, JsValue> {
    let options = object("invalid_options", "options", options)?;
    let cs = connection_string(connection)?;
    let date = date_option(&options, "date")?.unwrap_or_else(now);
    let request_id = match string_option(&options, "repeatabilityRequestId")? {
        Some(id) => id.to_owned(),
        None => random_uuid()?,
    };
    let first_sent = date_option(&options, "repeatabilityFirstSent")?.unwrap_or(date);
    let repeatability = Repeatability { request_id, first_sent };
    let mut opts = RequestOptions::new(date).repeatability(&repeatability);
    if let Some(v) = string_option(&options, "apiVersion")? {
        opts = opts.api_version(v);
    }
    opts.client_request_id = string_option(&options, "clientRequestId")?;
    let strict = !matches!(options.get("allowUnknownFields"), Some(Value::Bool(true)));
    let req = ops::build_by_name(operation, params, &cs, &opts, strict).map_err(|e| match e {
        OpError::UnknownOperation(_) => error("unknown_operation", &e.to_string(), Some("operation")),
        OpError::Invalid(f) if f.field == "apiVersion" || f.field == "repeatabilityRequestId" => {
            field_error("invalid_options", &f)
        }
        OpError::Invalid(f) => field_error("invalid_params", &f),
    })?;
    let headers: serde_json::Map<String, Value> =
        req.headers.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    let body =
        if req.body.is_empty() { Value::Null } else { Value::String(String::from_utf8_lossy(&req.body).into_owned()) };
    Ok(serde_json::json!({ "method": req.method.as_str(), "url": req.url, "headers": headers, "body": body })
        .to_string())
}

/// `operations()`: every operation's metadata (name, method, path, success, repeatable).
#[wasm_bindgen]
pub fn operations() -> String {
    let list: Vec<Value> = ops::OPERATIONS
        .iter()
        .map(|m| serde_json::json!({"name": m.name, "method": m.method.as_str(), "path": m.path, "pathParams": m.params, "success": m.success, "repeatable": m.repeatable}))
        .collect();
    Value::Array(list).to_string()
}

/// `rules()`: every capability rule (name, description).
#[wasm_bindgen]
pub fn rules() -> String {
    serde_json::to_string(crate::call::RULES).unwrap_or_default()
}

/// One call's state, folded from events (the npm package's `CallState`).
#[wasm_bindgen(js_name = CallState)]
pub struct CallState {
    inner: Core,
}

#[wasm_bindgen(js_class = CallState)]
impl CallState {
    /// An empty state. (A state is the fold of its events: to restore one, apply its event log
    /// again; the Worker keeps that log.)
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> CallState {
        CallState { inner: Core::new() }
    }

    /// Folds a webhook body in; returns one outcome per event (`applied` with its changes,
    /// `duplicate`, `stale`, `otherCall`).
    pub fn apply(&mut self, body: &str) -> Result<String, JsValue> {
        let parsed = events::parse_events(body).map_err(|e| event_error(&e))?;
        let outcomes: Vec<Applied> = parsed.iter().map(|e| self.inner.apply(e)).collect();
        serde_json::to_string(&outcomes).map_err(|e| error("internal", &e.to_string(), None))
    }

    /// The console view (no single-use incoming-call context).
    pub fn snapshot(&self) -> String {
        self.inner.snapshot_json()
    }

    /// `{allowed, rule?, reason?}` for `{operation, ...params}`.
    pub fn can(&self, action: &str) -> Result<String, JsValue> {
        let action = Action::parse(action).map_err(|e| field_error("invalid_action", &e))?;
        Ok(match self.inner.can(&action) {
            Ok(()) => r#"{"allowed":true}"#.to_owned(),
            Err(r) => serde_json::json!({"allowed": false, "rule": r.rule, "reason": r.reason}).to_string(),
        })
    }

    /// Records a command about to be sent (`{operation, ...params}`), so its outcome events are
    /// matched and an invitee shows as ringing. Returns the changes.
    #[wasm_bindgen(js_name = recordCommand)]
    pub fn record_command(&mut self, action: &str, at: Option<f64>, by: Option<String>) -> Result<String, JsValue> {
        let members: serde_json::Map<String, Value> =
            crate::json_path::from_text(action).map_err(|e| field_error("invalid_action", &e))?;
        let op = members
            .get("operation")
            .and_then(Value::as_str)
            .ok_or_else(|| error("invalid_action", "operation: is required", Some("operation")))?;
        let a = Action::from_members(op, &members).map_err(|e| field_error("invalid_action", &e))?;
        let ctx = members.get("operationContext").and_then(Value::as_str);
        let changes = self.inner.record_command(&a, ctx, at.map(|t| t as i64), by.as_deref());
        serde_json::to_string(&changes).map_err(|e| error("internal", &e.to_string(), None))
    }

    /// Records a command's synchronous answer: `(operationContext, status, responseBody)`.
    #[wasm_bindgen(js_name = recordResponse)]
    pub fn record_response(
        &mut self,
        operation: &str,
        operation_context: Option<String>,
        status: u16,
        body: &str,
        at: Option<f64>,
    ) -> Result<String, JsValue> {
        let outcome = CommandResponse::from_http(operation, status, body, at.map(|t| t as i64)).map_err(|e| {
            if e.field == "operation" {
                error("unknown_operation", &e.message, Some("operation"))
            } else {
                error("invalid_response", &e.to_string(), Some("body"))
            }
        })?;
        let changes = outcome.map(|o| self.inner.record_response(operation_context.as_deref(), &o)).unwrap_or_default();
        serde_json::to_string(&changes).map_err(|e| error("internal", &e.to_string(), None))
    }
}
