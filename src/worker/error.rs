//! Error answers: every failure becomes the core's [`ApiError`] and then a status with a JSON
//! body here, before it reaches the runtime (an `Err` escaping `#[event(fetch)]` would be a bare
//! 500 without a body).

use ::worker::{Headers, Response};

use crate::api::ApiError;

/// Runtime failures (storage, stubs, JS exceptions) are internal errors; the message is kept.
impl From<::worker::Error> for ApiError {
    fn from(e: ::worker::Error) -> Self {
        ApiError::new(500, "internal", e.to_string())
    }
}

/// The answer for an error. Only fails if workerd cannot build a response at all.
pub fn error_response(e: ApiError, at: &str) -> ::worker::Result<Response> {
    let body = e.body();
    // One line per error answer, where it is made (the front Worker or a call's or queue's
    // object), for whoever reads the Worker's log (`wrangler tail`): the answer's own JSON with
    // its status and the request it answers (`at`: method and path, no query: the path names
    // tenant and call, a query may carry a key), so it can be filtered and counted. Answers
    // never carry keys or tokens.
    let at = serde_json::Value::from(at);
    ::worker::console_log!("{{\"answer\":{},\"at\":{at},{}", e.status, body.trim_start_matches('{'));
    let res = text_response(&body, e.status)?;
    if e.status == 429 {
        res.headers().set("Retry-After", "60")?;
    }
    // RFC 9110 §15.5.6: a 405 names the allowed methods in `Allow`.
    if let Some(allow) = e.detail.as_ref().and_then(|d| d["allow"].as_array()).filter(|_| e.status == 405) {
        let methods: Vec<&str> = allow.iter().filter_map(|m| m.as_str()).collect();
        res.headers().set("Allow", &methods.join(", "))?;
    }
    Ok(res)
}

/// A JSON answer with `status`. Values only: every typed struct reaches JSON text through
/// `serde_json::Value`, so the Worker links one text serializer instead of one per type (each
/// costs bundle size).
pub fn json_response(value: &serde_json::Value, status: u16) -> Result<Response, ApiError> {
    Ok(text_response(&value.to_string(), status)?)
}

/// A JSON text answer with `status` (204 and 304 go without a body). Never cached (calls, logs
/// and errors are one agent's, of one moment) and never sniffed as anything but JSON.
pub fn text_response(body: &str, status: u16) -> ::worker::Result<Response> {
    let headers = Headers::new();
    if matches!(status, 204 | 304) {
        return Ok(Response::empty()?.with_status(status));
    }
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}
