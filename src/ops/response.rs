//! HTTP response → typed result: the operation's response body, or the service's error.

use serde::de::DeserializeOwned;

use super::Operation;
use crate::model::CommunicationErrorResponse;

/// The body of an operation that returns none (204, or 202/200 without a body).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoContent;

impl serde::Serialize for NoContent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for NoContent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoContent)
    }
}

impl crate::model::KeepsUnknown for NoContent {}

/// A response that is not the operation's success.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// ACS answered with an error status and a `CommunicationErrorResponse`.
    #[error("ACS answered {status}: {} ({})", .error.error.message, .error.error.code)]
    Service {
        /// HTTP status.
        status: u16,
        /// The error body.
        error: CommunicationErrorResponse,
    },
    /// An error status without a parsable error body (a proxy, a gateway, an outage).
    #[error("ACS answered {status} without an error body")]
    Status {
        /// HTTP status.
        status: u16,
        /// The body as text (lossy).
        body: String,
    },
    /// A success status whose body is not the operation's response.
    #[error("ACS answered {status} with a body that is not the expected response: {message}")]
    Malformed {
        /// HTTP status.
        status: u16,
        /// What failed to parse.
        message: String,
    },
}

impl ResponseError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Service { status, .. } | Self::Status { status, .. } | Self::Malformed { status, .. } => *status,
        }
    }

    /// Worth retrying with the same Repeatability headers: 429, 500, 502, 503, 504 (SPEC §5.1).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status(), 429 | 500 | 502 | 503 | 504)
    }
}

fn parse<T: DeserializeOwned + crate::model::KeepsUnknown>(body: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let text = if text.trim().is_empty() { "null" } else { text };
    crate::model::from_text(text, &[]).map_err(|e| e.to_string())
}

/// Interprets a response to operation `O`: any of its success statuses gives the typed body;
/// anything else gives the service's error.
pub fn parse_response<O: Operation>(status: u16, body: &[u8]) -> Result<O::Response, ResponseError> {
    if O::META.success.contains(&status) || (200..300).contains(&status) {
        return parse(body).map_err(|e| ResponseError::Malformed { status, message: e.to_string() });
    }
    match serde_json::from_slice::<CommunicationErrorResponse>(body) {
        Ok(error) => Err(ResponseError::Service { status, error }),
        Err(_) => Err(ResponseError::Status { status, body: String::from_utf8_lossy(body).into_owned() }),
    }
}
