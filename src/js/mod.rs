//! wasm-bindgen exports for the npm package (`pkg/`): conversions only, no logic.
//!
//! Values cross the boundary as text: strings in, strings out, read once by the small JS wrapper
//! in `pkg/`. That is smaller and faster than building JS objects field by field from Rust
//! (serde-wasm-bindgen), which the TOOLCHAIN size spike measured. The hot paths go further
//! (`bench/README.md`): an event body is checked and typed here but handed back only as a short
//! index (types and the rare normalised members), because the wrapper's own `JSON.parse` of the
//! body builds the objects faster than anything crossing the boundary could; a request comes
//! back as a few lines the wrapper splits, not as JSON to parse. Errors are JS `Error`s with a
//! stable `code` and, where one field is at fault, `field`.

use serde_json::Value;
use wasm_bindgen::prelude::*;

mod build;
#[cfg(feature = "emulator")]
mod emulator;
mod events;
mod state;

use crate::auth::{self, ConnectionString, HttpDate};
use crate::model::Extra;
use crate::ops;
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
            .and_then(date_from_millis)
            .map(Some)
            .ok_or_else(|| error("invalid_options", DATE_RANGE, Some(key))),
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

/// What a date given as Unix milliseconds must be.
const DATE_RANGE: &str = "must be Unix milliseconds of a time from 1970 to 9999 (an HTTP date has a four-digit year)";

/// A date given as Unix milliseconds, when it has a four-digit year from 1970 (NaN, infinities
/// and the rest are `None`).
fn date_from_millis(ms: f64) -> Option<HttpDate> {
    (0.0..=253_402_300_799_999.0).contains(&ms).then(|| HttpDate::from_unix_millis(ms as i64))
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

// Long texts (webhook bodies, params) come in through one buffer the wrapper writes with
// `TextEncoder.encodeInto`: about ten times cheaper than wasm-bindgen's per-call string copy,
// which loops over the characters in JS and allocates (bench/README.md).
thread_local! {
    static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `inputBuffer(capacity)`: the address of the input buffer, grown to at least `capacity`
/// bytes. The address stays valid until the next call of this function.
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(capacity: usize) -> *mut u8 {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < capacity {
            b.resize(capacity, 0);
        }
        b.as_mut_ptr()
    })
}

/// `wasmMemory()`: the module's memory, for writing the input buffer.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Runs `f` on the first `len` bytes of the input buffer, as text.
fn with_input<R>(len: usize, f: impl FnOnce(&str) -> Result<R, JsValue>) -> Result<R, JsValue> {
    // Taken out while `f` runs (the allocation, and so the wrapper's address, stays the same).
    let buf = INPUT.with(|b| std::mem::take(&mut *b.borrow_mut()));
    let result = match buf.get(..len).map(std::str::from_utf8) {
        Some(Ok(text)) => f(text),
        _ => Err(error("internal", "the input buffer does not hold that much UTF-8 text", None)),
    };
    INPUT.with(|b| *b.borrow_mut() = buf);
    result
}

fn string_option<'a>(options: &'a Extra, key: &str) -> Result<Option<&'a str>, JsValue> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(error("invalid_options", "must be a string", Some(key))),
    }
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
        crate::json_path::from_text_mended(identifier).map_err(|e| field_error("invalid_identifier", &e))?;
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
    let h = auth::sign_url(method, url, body.as_bytes(), date, cs.signing_key())
        .map_err(|e| error("invalid_url", &e.to_string(), Some("url")))?;
    // Written directly, in the order a JSON map of them had (by name): collecting a map would
    // sort, a routine of its own in the wasm for three fixed names.
    let mut pairs = h.pairs();
    pairs.reverse();
    debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0), "{pairs:?}");
    let mut out = String::with_capacity(200);
    for (name, value) in pairs {
        out.push(if out.is_empty() { '{' } else { ',' });
        out.push_str(&Value::from(name).to_string());
        out.push(':');
        out.push_str(&Value::from(value).to_string());
    }
    out.push('}');
    Ok(out)
}

/// `operations()`: every operation's metadata (name, method, path, success, repeatable).
#[wasm_bindgen]
pub fn operations() -> String {
    let list: Vec<Value> = ops::OPERATIONS
        .iter()
        .map(|m| serde_json::json!({"name": m.name, "method": m.method.as_str(), "path": m.path, "pathParams": m.params, "success": m.success, "repeatable": m.repeatable, "apiVersion": ops::default_api_version(m.name)}))
        .collect();
    Value::Array(list).to_string()
}

/// `rules()`: every capability rule (name, description).
#[wasm_bindgen]
pub fn rules() -> String {
    serde_json::to_string(crate::call::RULES).unwrap_or_default()
}
