//! Fault injection, seeded and scriptable: callbacks dropped, duplicated, delayed, reordered or
//! delivered before the HTTP response; requests answered 429 (with Retry-After) or 5xx.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// Faults applied to callbacks (mid-call events and Event Grid deliveries).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CallbackFaults {
    /// Share of callbacks never delivered.
    pub drop: f64,
    /// Share of callbacks delivered twice (same event id).
    pub duplicate: f64,
    /// Share of callbacks held back so a later one overtakes them.
    pub reorder: f64,
    /// Extra delay added to every callback: `[min, max]` ms.
    pub delay_ms: Option<[i64; 2]>,
    /// Share of a command's first callback delivered before its HTTP response.
    pub before_response: f64,
    /// Only callbacks of these event types (`AddParticipantSucceeded`, with or without the
    /// `Microsoft.Communication.` prefix) meet these faults; empty: every type.
    pub event_types: Vec<String>,
    /// Only callbacks about this call connection meet these faults.
    pub call_connection_id: Option<String>,
}

impl CallbackFaults {
    /// Whether a callback of `event_type` about `call_connection_id` is in scope.
    pub fn applies_to(&self, event_type: &str, call_connection_id: &str) -> bool {
        let short = event_type.strip_prefix("Microsoft.Communication.").unwrap_or(event_type);
        let typed = self.event_types.is_empty()
            || self.event_types.iter().any(|t| t.strip_prefix("Microsoft.Communication.").unwrap_or(t) == short);
        typed && self.call_connection_id.as_deref().is_none_or(|id| id == call_connection_id)
    }
}

/// Faults applied to REST requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RequestFaults {
    /// Share answered 429 with `Retry-After`, without acting.
    pub throttle: f64,
    /// `Retry-After` seconds for throttled requests (default 1).
    pub retry_after_s: Option<i64>,
    /// Share answered 500/503 without acting.
    pub server_error: f64,
    /// Share answered 500 *after* acting (the response is lost; only Repeatability saves a retry).
    pub server_error_after_action: f64,
    /// Only requests of these operations (`addParticipant`, as in `/control/log`) meet these
    /// faults; empty: every operation.
    pub operations: Vec<String>,
    /// Only requests about this call connection (in their path) meet these faults.
    pub call_connection_id: Option<String>,
}

impl RequestFaults {
    /// Whether a request of `operation` about `call_connection_id` (from its path) is in scope.
    pub fn applies_to(&self, operation: &str, call_connection_id: Option<&str>) -> bool {
        (self.operations.is_empty() || self.operations.iter().any(|o| o == operation))
            && self.call_connection_id.as_deref().is_none_or(|id| Some(id) == call_connection_id)
    }
}

/// Faults of the emulated Microsoft Graph.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct GraphFaults {
    /// Every presence read answered with this status (401, 403, 429 or 5xx) and Graph's error
    /// body, none of them served: Graph down, or its token refused.
    pub status: Option<u16>,
}

/// All fault settings. Everything 0 by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// On callbacks.
    pub callbacks: CallbackFaults,
    /// On requests.
    pub requests: RequestFaults,
    /// On Microsoft Graph presence reads.
    pub graph: GraphFaults,
    /// Seed of fault decisions (default: derived from the world seed).
    pub seed: Option<u64>,
}

impl Faults {
    /// Every share a probability (0–1), every delay a range of milliseconds; the error names
    /// the member (`callbacks.drop`).
    pub fn check(&self) -> Result<(), crate::FieldError> {
        let c = &self.callbacks;
        let r = &self.requests;
        let shares = [
            ("callbacks.drop", c.drop),
            ("callbacks.duplicate", c.duplicate),
            ("callbacks.reorder", c.reorder),
            ("callbacks.beforeResponse", c.before_response),
            ("requests.throttle", r.throttle),
            ("requests.serverError", r.server_error),
            ("requests.serverErrorAfterAction", r.server_error_after_action),
        ];
        for (field, share) in shares {
            if !(0.0..=1.0).contains(&share) {
                return Err(crate::FieldError::new(field, "must be a share from 0 to 1"));
            }
        }
        if c.delay_ms.is_some_and(|[min, max]| min < 0 || max < min) {
            return Err(crate::FieldError::new(
                "callbacks.delayMs",
                "must be [min, max] milliseconds, 0 <= min <= max",
            ));
        }
        if let Some(op) = r.operations.iter().find(|o| crate::ops::operation_by_name(o).is_none()) {
            return Err(crate::FieldError::new("requests.operations", format!("{op} is no Call Automation operation")));
        }
        if self.graph.status.is_some_and(|s| !matches!(s, 401 | 403 | 429 | 500..=599)) {
            return Err(crate::FieldError::new("graph.status", "must be 401, 403, 429 or 500 to 599"));
        }
        if r.retry_after_s.is_some_and(|s| s < 0) {
            return Err(crate::FieldError::new("requests.retryAfterS", "must not be negative"));
        }
        Ok(())
    }
}

/// What the dice said for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFault {
    /// Act normally.
    None,
    /// 429 + Retry-After, no action.
    Throttle,
    /// 500/503, no action.
    ServerError,
    /// Act, then answer 500.
    ServerErrorAfterAction,
}

/// Fault decisions and their counts (for the chaos report).
#[derive(Clone, Debug)]
pub struct FaultDice {
    rng: Rng,
    /// How many times each fault fired.
    pub counts: BTreeMap<&'static str, u64>,
}

impl FaultDice {
    /// Dice seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed ^ 0xFA17_FA17_FA17_FA17), counts: BTreeMap::new() }
    }

    fn count(&mut self, kind: &'static str) {
        *self.counts.entry(kind).or_default() += 1;
    }

    /// Decides a request's fate.
    pub fn request(&mut self, f: &RequestFaults) -> RequestFault {
        let r = self.rng.unit();
        let fault = if r < f.throttle {
            RequestFault::Throttle
        } else if r < f.throttle + f.server_error {
            RequestFault::ServerError
        } else if r < f.throttle + f.server_error + f.server_error_after_action {
            RequestFault::ServerErrorAfterAction
        } else {
            RequestFault::None
        };
        match fault {
            RequestFault::Throttle => self.count("throttle"),
            RequestFault::ServerError => self.count("server_error"),
            RequestFault::ServerErrorAfterAction => self.count("server_error_after_action"),
            RequestFault::None => {}
        }
        fault
    }

    /// Delivery times for one callback due at `due` (empty when dropped, two when duplicated).
    pub fn callback(&mut self, f: &CallbackFaults, due: i64) -> Vec<i64> {
        if self.rng.chance(f.drop) {
            self.count("drop");
            return Vec::new();
        }
        let extra = f.delay_ms.map_or(0, |[lo, hi]| self.rng.between(lo, hi));
        if extra > 0 {
            self.count("delay");
        }
        let mut at = due + extra;
        if self.rng.chance(f.reorder) {
            self.count("reorder");
            at += self.rng.between(150, 900);
        }
        let mut times = vec![at];
        if self.rng.chance(f.duplicate) {
            self.count("duplicate");
            times.push(at + self.rng.between(1, 400));
        }
        times
    }

    /// Whether this command's first callback goes out before its HTTP response.
    pub fn before_response(&mut self, f: &CallbackFaults) -> bool {
        let hit = self.rng.chance(f.before_response);
        if hit {
            self.count("before_response");
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_by_default() {
        let mut d = FaultDice::new(1);
        for t in 0..100 {
            assert_eq!(d.callback(&CallbackFaults::default(), t), vec![t]);
            assert_eq!(d.request(&RequestFaults::default()), RequestFault::None);
        }
        assert!(d.counts.is_empty());
    }

    #[test]
    fn each_fault_fires_and_is_counted() {
        let mut d = FaultDice::new(3);
        let always = |field: &str| {
            let mut f = CallbackFaults::default();
            match field {
                "drop" => f.drop = 1.0,
                "duplicate" => f.duplicate = 1.0,
                _ => f.reorder = 1.0,
            }
            f
        };
        assert!(d.callback(&always("drop"), 10).is_empty());
        assert_eq!(d.callback(&always("duplicate"), 10).len(), 2);
        assert!(d.callback(&always("reorder"), 10)[0] >= 160);
        let throttle = RequestFaults { throttle: 1.0, ..RequestFaults::default() };
        assert_eq!(d.request(&throttle), RequestFault::Throttle);
        let after = RequestFaults { server_error_after_action: 1.0, ..RequestFaults::default() };
        assert_eq!(d.request(&after), RequestFault::ServerErrorAfterAction);
        assert_eq!(d.counts.get("drop"), Some(&1));
        assert_eq!(d.counts.get("throttle"), Some(&1));
    }
}
