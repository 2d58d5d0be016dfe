//! The queue view consoles get: waiting calls with time waited, who is being offered which
//! call, outcomes, the knowledge workers and agents with what they do — in plain words beside
//! the facts, so the console shows it without its own rules.

use serde_json::{json, Value};

use super::policy::OverflowPolicy;
use super::queue::Queue;
use super::queued::{Offer, OfferOutcome, OfferVia, QueuedCall, Stage};
use super::seats::Busy;
use super::words::{describe, outcome_words, taker_name};

/// The whole view at `now`.
pub fn view(queue: &Queue, policy: &OverflowPolicy, now: i64) -> Value {
    // A queue that has not run since the policy changed (or at all) still shows its people.
    let seated;
    let queue = if queue.workers.len() != policy.members().count() || queue.agents.len() != policy.agents.len() {
        let mut q = queue.clone();
        q.seat(policy, now);
        seated = q;
        &seated
    } else {
        queue
    };
    let calls: Vec<Value> = queue
        .calls
        .iter()
        .rev()
        .map(|c| {
            let offers: Vec<Value> = c
                .offers
                .iter()
                .map(|o| {
                    json!({
                        "offerId": o.id,
                        "to": kinded(&o.to),
                        "name": taker_name(&o.to, policy),
                        "via": o.via,
                        "at": o.at,
                        "outcome": o.outcome.as_ref().map(kinded),
                        "endedAt": o.ended_at,
                        "words": offer_words(c, o),
                    })
                })
                .collect();
            json!({
                "callId": c.call_id,
                "caller": c.caller,
                "arrivedAt": c.arrived_at,
                "answeredAt": c.answered_at,
                "stage": c.stage,
                "waitedSeconds": (c.ended_at.unwrap_or(now) - c.arrived_at).max(0) / 1000,
                "outcome": c.outcome.as_ref().map(kinded),
                "live": c.outcome.is_none() && c.stage != Stage::Ended,
                "offers": offers,
                "status": describe(c, policy, now),
            })
        })
        .collect();
    let mut seat = 0;
    let mut workers = Vec::new();
    for group in &policy.groups {
        for m in &group.members {
            if let Some(w) = queue.workers.get(seat) {
                workers.push(json!({
                    "objectId": w.object_id,
                    "displayName": m.display_name,
                    "group": group.name,
                    "availability": w.availability,
                    "presenceAt": w.presence_at,
                    "excluded": w.excluded,
                    "busy": kinded(&w.busy),
                    "status": seat_words(&w.busy, w.excluded.as_deref(), Some(&w.availability)),
                }));
            }
            seat += 1;
        }
    }
    let agents: Vec<Value> = queue
        .agents
        .iter()
        .zip(&policy.agents)
        .map(|(a, p)| {
            json!({
                "id": a.id,
                "name": p.name,
                "signedIn": a.signed_in,
                "busy": kinded(&a.busy),
                "elsewhere": a.elsewhere,
                "status": if !a.signed_in {
                    "Signed out".into()
                } else if a.busy == Busy::Free && !a.elsewhere.is_empty() {
                    "On another call (not the queue's)".into()
                } else {
                    seat_words(&a.busy, None, None)
                },
            })
        })
        .collect();
    json!({
        "at": now,
        "waiting": queue.waiting(),
        "calls": calls,
        "knowledgeWorkers": workers,
        "agents": agents,
        "stats": queue.stats,
        "presence": presence(queue),
        "policy": {
            "groups": policy.groups.iter().map(|g| json!({"name": g.name, "order": g.order, "members": g.members.len()})).collect::<Vec<_>>(),
            "trigger": policy.trigger,
            "ringGroup": policy.ring_group,
            "handoff": policy.handoff,
            "maxOffers": policy.max_offers,
            "invitationTimeoutSeconds": policy.invitation_timeout_seconds,
            "fallbackAfterSeconds": policy.fallback.after_seconds,
        },
    })
}

/// Whether Teams presence can be read, in words when it cannot: nobody is offered a call on a
/// presence never read, so a Graph that fails from the start leaves the knowledge workers out.
fn presence(queue: &Queue) -> Value {
    let failing = queue.presence_failing();
    let words = if !failing {
        None
    } else if queue.workers.iter().all(|w| w.presence_at.is_none()) {
        Some("Teams presence cannot be read (Microsoft Graph does not answer): knowledge workers are not offered calls until it can. Agents still are; the fallback still runs.")
    } else {
        Some("Teams presence could not be read again (Microsoft Graph does not answer): offers go by the presence read last.")
    };
    json!({"failing": failing, "words": words})
}

/// An offer's outcome in words, with what only the call knows: a redirect hands the call over
/// (whether it was answered is ACS's to know, not the queue's), and offers withdrawn when the
/// fallback message began were not lost to someone else.
fn offer_words(c: &QueuedCall, o: &Offer) -> String {
    match &o.outcome {
        None => "ringing".into(),
        Some(OfferOutcome::Joined) if o.via == OfferVia::Redirect => {
            "was handed the call by redirect (whether they answered is not the queue's to know)".into()
        }
        Some(OfferOutcome::Cancelled) if c.fallback_at.is_some_and(|f| o.ended_at.is_some_and(|e| e >= f)) => {
            "was withdrawn when the fallback message began".into()
        }
        Some(outcome) => outcome_words(outcome),
    }
}

fn seat_words(busy: &Busy, excluded: Option<&str>, availability: Option<&str>) -> String {
    if let Some(e) = excluded {
        return format!("Not offered again: {e}");
    }
    match busy {
        Busy::Free => match availability {
            Some(a @ ("Available" | "AvailableIdle")) => format!("Free ({a})"),
            Some(super::queue::NOT_RETURNED) => "Not offered: Graph returned no presence for them".into(),
            Some(a) => format!("Not offered while {a}"),
            None => "Free".into(),
        },
        Busy::Offered { call_id, .. } => format!("Being offered call {}", short(call_id)),
        Busy::OnCall { call_id } => format!("On call {}", short(call_id)),
        Busy::Transferred { call_id, .. } => format!("Took call {} by transfer", short(call_id)),
    }
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The view's shape of a queue enum: `{"kind": "<variant>", ...its fields}` (and so inside
/// it), where storage and the objects' messages keep serde's default `{"<variant>": {...}}` —
/// whose reading needs none of serde's buffering for internally tagged enums (tens of KB of
/// the Worker's wasm).
pub fn kinded<T: serde::Serialize>(value: &T) -> Value {
    fn convert(v: Value) -> Value {
        match v {
            Value::String(kind) => json!({ "kind": kind }),
            Value::Object(m) if m.len() == 1 => {
                let (kind, fields) = m.into_iter().next().unwrap_or_default();
                let mut out = serde_json::Map::new();
                out.insert("kind".into(), Value::String(kind));
                if let Value::Object(f) = fields {
                    for (k, v) in f {
                        // Takers inside an outcome (`by`, `to`) are enums too.
                        let v = if matches!(k.as_str(), "by" | "to") { convert(v) } else { v };
                        out.insert(k, v);
                    }
                }
                Value::Object(out)
            }
            other => other,
        }
    }
    convert(serde_json::to_value(value).unwrap_or(Value::Null))
}
