//! The Worker's one HTTP error type: every failure becomes a status and a JSON body here, before
//! it reaches the runtime (an `Err` escaping `#[event(fetch)]` would be a bare 500).

use ::worker::{Method, Response};
use serde_json::json;

/// An error of the Worker's HTTP API, answered as `{"error":{"code":…,"message":…}}`.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct HttpError {
    /// HTTP status of the answer.
    pub status: u16,
    /// Stable machine-readable code (`not_found`, `internal`, …).
    pub code: &'static str,
    /// Human-readable detail.
    pub message: String,
}

impl HttpError {
    /// No route for this method and path.
    pub fn not_found(method: &Method, path: &str) -> Self {
        Self { status: 404, code: "not_found", message: format!("no route {method} {path}") }
    }

    /// Any other client error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// The answer for this error. Only fails if workerd cannot build a response at all.
    pub fn into_response(self) -> ::worker::Result<Response> {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        Ok(Response::from_json(&body)?.with_status(self.status))
    }
}

/// Runtime failures (storage, stubs, JS exceptions) are internal errors: the message is kept for
/// debugging, the status is 500.
impl From<::worker::Error> for HttpError {
    fn from(e: ::worker::Error) -> Self {
        Self { status: 500, code: "internal", message: e.to_string() }
    }
}

/// A JSON answer with `status`.
pub fn json_response(value: &impl serde::Serialize, status: u16) -> Result<Response, HttpError> {
    Ok(Response::from_json(value)?.with_status(status))
}
