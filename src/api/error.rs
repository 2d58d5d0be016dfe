//! The agent API's error: an HTTP status and `{"error":{"code","message","field?"}}`.

use serde::Serialize;
use serde_json::Value;

use crate::FieldError;

/// An error answer of the Worker: status, a stable snake_case code, a plain-words message, and
/// the offending field when one is to blame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// Stable code (`invalid_body`, `not_found`, `refused_by_rule`, ...).
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Dotted path of the offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// More detail (the refusing rule, ACS's own error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into(), field: None, detail: None }
    }

    /// 400 `invalid_body`, naming the field.
    pub fn invalid(e: FieldError) -> Self {
        let field = (!e.field.is_empty()).then(|| e.field.clone());
        Self { field, ..Self::new(400, "invalid_body", e.to_string()) }
    }

    /// 400 `invalid_query`: a query parameter is wrong; `field` names it.
    pub fn invalid_query(e: FieldError) -> Self {
        Self { field: Some(e.field.clone()), ..Self::new(400, "invalid_query", e.to_string()) }
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    /// With a field.
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// With detail.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::json!({ "error": self }).to_string()
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::invalid(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
