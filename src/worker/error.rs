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
pub fn error_response(e: ApiError) -> ::worker::Result<Response> {
    text_response(&e.body(), e.status)
}

/// A JSON answer with `status`.
pub fn json_response(value: &impl serde::Serialize, status: u16) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::new(500, "internal", e.to_string()))?;
    Ok(text_response(&body, status)?)
}

/// A JSON text answer with `status` (204 and 304 go without a body).
pub fn text_response(body: &str, status: u16) -> ::worker::Result<Response> {
    let headers = Headers::new();
    if matches!(status, 204 | 304) {
        return Ok(Response::empty()?.with_status(status));
    }
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}
