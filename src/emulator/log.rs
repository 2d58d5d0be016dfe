//! The emulator's log: every request received and every callback sent, with virtual
//! timestamps — the ground truth tests assert against (`GET /control/log`).

use serde::Serialize;
use serde_json::value::RawValue;

/// A JSON text kept as text and written into the log as JSON. Bodies are checked when they come
/// from outside ([`raw`]); the emulator's own are trusted, and checked only if the log is read.
#[derive(Clone, Debug, Default)]
pub struct RawJson(String);

impl RawJson {
    /// A body the emulator wrote itself.
    pub(crate) fn trusted(text: String) -> Self {
        Self(text)
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::from_str::<&RawValue>(&self.0) {
            Ok(raw) => raw.serialize(s),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

/// A JSON text from outside as a log body (`None` when it is not JSON).
pub(crate) fn raw(text: &str) -> Option<RawJson> {
    let t = text.trim();
    (!t.is_empty() && serde_json::from_str::<&RawValue>(t).is_ok()).then(|| RawJson(t.to_owned()))
}

/// A serialisable value as a log body.
pub(crate) fn value<T: Serialize>(v: &T) -> Option<RawJson> {
    serde_json::to_string(v).ok().map(RawJson)
}

/// One thing that happened.
#[derive(Clone, Debug, Default, Serialize)]
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
    /// Request or callback body, as sent (kept as text: parsing every body back was most of
    /// the emulator's cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<RawJson>,
    /// Anything else worth saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
