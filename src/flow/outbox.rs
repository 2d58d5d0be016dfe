//! The outbox: every ACS request a call decides to make is written down first — operation,
//! params, operation context and its Repeatability key — and only then sent. A crash, a lost
//! response or a retry sends the same entry again with the same key, so ACS acts once (an expert
//! is never added twice). Plus the retry policy for 429/5xx.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{ConnectionString, HttpDate, Repeatability};
use crate::ops::{build_by_name, HttpRequest, OpError, RequestOptions};

/// Why an entry was sent: the reply to an agent waits for its own entries only. Written as
/// `{"kind": "agent"}`, in the stored outbox and in the call's log (the `tagged` module below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "tagged::Tagged", from = "tagged::Tagged")]
pub enum Purpose {
    /// An agent's command.
    Agent,
    /// Incoming-call routing (answer / redirect / reject).
    Routing,
    /// A workflow step (consultation recording, invite, greeting; hang-up policy).
    Workflow,
    /// A check of the call against ACS (`getCall`, `getParticipants`, ...) when an outcome
    /// event is overdue or the call has been quiet: lost callbacks are recovered from it.
    Reconcile,
}

/// One request to ACS, decided and not yet concluded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// Unique within the call.
    pub id: u64,
    /// REST operation name.
    pub operation: String,
    /// Its params (path parameters and body members), as `build_by_name` takes them.
    pub params: Map<String, Value>,
    /// The correlation key of its events.
    pub operation_context: Option<String>,
    /// `Repeatability-Request-ID`, kept for every retry.
    pub repeatability_request_id: String,
    /// When it was decided (Unix ms): `Repeatability-First-Sent`.
    pub first_sent: i64,
    /// Who asked (an agent id, or `workflow`).
    pub by: Option<String>,
    /// Why.
    pub purpose: Purpose,
    /// Attempts so far.
    pub attempts: u32,
    /// When ACS failed it (no answer, 429, 5xx) and it is kept to be sent again: from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<i64>,
}

/// A [`Purpose`] as written, `{"kind": "agent"}` (once serde's internally tagged form): the same
/// bytes through a one-member struct, as serde reads an internally tagged enum by buffering the
/// whole value first — code the Worker carried for this one enum.
mod tagged {
    use serde::{Deserialize, Serialize};

    use super::Purpose;

    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Agent,
        Routing,
        Workflow,
        Reconcile,
    }

    #[derive(Serialize, Deserialize)]
    pub(super) struct Tagged {
        kind: Kind,
    }

    impl From<Purpose> for Tagged {
        fn from(p: Purpose) -> Self {
            let kind = match p {
                Purpose::Agent => Kind::Agent,
                Purpose::Routing => Kind::Routing,
                Purpose::Workflow => Kind::Workflow,
                Purpose::Reconcile => Kind::Reconcile,
            };
            Self { kind }
        }
    }

    impl From<Tagged> for Purpose {
        fn from(t: Tagged) -> Self {
            match t.kind {
                Kind::Agent => Purpose::Agent,
                Kind::Routing => Purpose::Routing,
                Kind::Workflow => Purpose::Workflow,
                Kind::Reconcile => Purpose::Reconcile,
            }
        }
    }
}

impl OutboxEntry {
    /// When the alarm sends it again: at `retry_at` after a failure, or once stranded (the
    /// Worker stopped mid-send) [`RESEND_AFTER_MS`](super::session::RESEND_AFTER_MS) after it
    /// was decided.
    pub fn resend_at(&self) -> i64 {
        self.retry_at.unwrap_or(self.first_sent + super::session::RESEND_AFTER_MS)
    }

    /// ACS failed it and it is kept, to be sent again at `retry_at`.
    pub fn kept(&self) -> bool {
        self.retry_at.is_some()
    }
}

impl OutboxEntry {
    /// The signed HTTP request for an attempt at `now` (Unix ms), with the entry's own
    /// Repeatability pair on repeatable operations.
    pub fn request(&self, cs: &ConnectionString, now: i64) -> Result<HttpRequest, OpError> {
        let repeat = Repeatability {
            request_id: self.repeatability_request_id.clone(),
            first_sent: HttpDate::from_unix_millis(self.first_sent),
        };
        let opts = RequestOptions::new(HttpDate::from_unix_millis(now)).repeatability(&repeat);
        build_by_name(&self.operation, &Value::Object(self.params.clone()).to_string(), cs, &opts, true)
    }
}

/// Retries of 429 and 5xx (and of requests that got no answer): exponential backoff from
/// `base_ms`, honouring `Retry-After`, at most `max_attempts` in all, never waiting longer
/// than `max_delay_ms` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff.
    pub base_ms: u64,
    /// Longest single wait; a longer `Retry-After` gives up instead.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4, base_ms: 200, max_delay_ms: 5_000 }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempts + 1`, or `None` to stop. `status` 0 means no
    /// answer (network error). `retry_after` is the header (seconds or an HTTP date); `jitter`
    /// in `[0, 1)` spreads retries (randomness is an input).
    pub fn delay(&self, attempts: u32, status: u16, retry_after: Option<&str>, now: i64, jitter: f64) -> Option<u64> {
        let retryable = matches!(status, 0 | 408 | 429 | 500 | 502 | 503 | 504);
        if !retryable || attempts >= self.max_attempts {
            return None;
        }
        let backoff = self.base_ms.saturating_mul(1 << attempts.saturating_sub(1).min(16));
        let backoff = backoff + (backoff as f64 * jitter.clamp(0.0, 1.0) / 2.0) as u64;
        let wait = retry_after.and_then(|v| retry_after_ms(v, now)).unwrap_or(backoff);
        (wait <= self.max_delay_ms).then_some(wait.max(backoff.min(self.max_delay_ms)).min(self.max_delay_ms))
    }
}

/// A `Retry-After` header's wait in ms from `now` (Unix ms): seconds or an HTTP date; `None`
/// when it is neither.
pub fn retry_after_ms(value: &str, now: i64) -> Option<u64> {
    let v = value.trim();
    match v.parse::<u64>() {
        Ok(s) => Some(s.saturating_mul(1000)),
        Err(_) => HttpDate::parse(v).map(|d| u64::try_from(d.unix_seconds() * 1000 - now).unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 503, None, 0, 0.0), Some(200));
        assert_eq!(p.delay(2, 500, None, 0, 0.0), Some(400));
        assert_eq!(p.delay(3, 0, None, 0, 0.0), Some(800));
        assert_eq!(p.delay(4, 503, None, 0, 0.0), None, "four attempts in all");
        assert_eq!(p.delay(1, 400, None, 0, 0.0), None, "a 4xx is an answer, not a failure to retry");
        assert_eq!(p.delay(1, 404, None, 0, 0.0), None);
        assert_eq!(p.delay(1, 503, None, 0, 0.99), Some(299));
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 429, Some("2"), 0, 0.0), Some(2_000));
        assert_eq!(p.delay(1, 429, Some("60"), 0, 0.0), None, "longer than we wait: give up");
        let now = 1_743_508_800_000;
        assert_eq!(p.delay(1, 429, Some("Tue, 01 Apr 2025 12:00:03 GMT"), now, 0.0), Some(3_000));
        assert_eq!(p.delay(1, 429, Some("soon"), 0, 0.0), Some(200));
    }

    #[test]
    fn retries_reuse_the_repeatability_pair() {
        let cs = ConnectionString::parse(
            "endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .unwrap();
        let mut params = Map::new();
        params.insert("callConnectionId".into(), "c1".into());
        params.insert(
            "participantToAdd".into(),
            serde_json::json!({"rawId": "8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"}),
        );
        let e = OutboxEntry {
            id: 1,
            operation: "addParticipant".into(),
            params,
            operation_context: Some("x".into()),
            repeatability_request_id: "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
            first_sent: 1_743_508_800_000,
            by: None,
            purpose: Purpose::Agent,
            attempts: 0,
            retry_at: None,
        };
        let first = e.request(&cs, 1_743_508_800_000).unwrap();
        let retry = e.request(&cs, 1_743_508_805_000).unwrap();
        assert_eq!(first.header("Repeatability-Request-ID"), retry.header("Repeatability-Request-ID"));
        assert_eq!(retry.header("Repeatability-First-Sent"), Some("Tue, 01 Apr 2025 12:00:00 GMT"));
        assert_ne!(first.header("x-ms-date"), retry.header("x-ms-date"));
    }

    #[test]
    fn purpose_keeps_its_stored_shape() {
        // Entries stored before the purpose lost serde's internally tagged form read the same.
        let stored = |kind: &str| {
            serde_json::json!({"id": 2, "operation": "answerCall", "params": {}, "operationContext": null,
                "repeatabilityRequestId": "r", "firstSent": 5, "by": null, "purpose": {"kind": kind}, "attempts": 1})
        };
        for (kind, purpose) in [
            ("agent", Purpose::Agent),
            ("routing", Purpose::Routing),
            ("workflow", Purpose::Workflow),
            ("reconcile", Purpose::Reconcile),
        ] {
            let e: OutboxEntry = serde_json::from_value(stored(kind)).unwrap();
            assert_eq!(e.purpose, purpose);
            assert_eq!(serde_json::to_value(&e).unwrap(), stored(kind));
        }
        let err = serde_json::from_value::<OutboxEntry>(stored("gossip")).unwrap_err().to_string();
        assert!(err.contains("unknown variant `gossip`"), "{err}");
        // The call's log writes it the same way (consoles and tools read `purpose.kind`).
        assert_eq!(serde_json::to_value(Purpose::Reconcile).unwrap(), serde_json::json!({"kind": "reconcile"}));
    }
}
