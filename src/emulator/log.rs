//! The emulator's log: every request received and every callback sent, with virtual
//! timestamps — the ground truth tests assert against (`GET /control/log`).

use serde::Serialize;

/// One thing that happened.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Position in the log (from 1).
    pub seq: u64,
    /// Virtual time (ms).
    pub at: i64,
    /// `request`, `callback`, `eventGrid`, `validation`, `deliveryResult`, `sighting`, `control`.
    pub kind: &'static str,
    /// HTTP method of a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path of a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The REST operation a request was routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// Response status (requests) or delivery result status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The call concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// `Repeatability-Request-ID` of a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeatability_request_id: Option<String>,
    /// A repeated request answered from the first result (nothing acted twice).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeated: bool,
    /// An injected fault (`throttle`, `server_error`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// Delivery id of a callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<u64>,
    /// Callback URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Event type of a callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Event id of a callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Request or callback body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// Anything else worth saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
