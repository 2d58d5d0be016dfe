//! The queue in plain words, for the console's queue view.

use super::policy::OverflowPolicy;
use super::queued::{CallOutcome, OfferOutcome, QueuedCall, Stage, Taker};

/// What a call's line in the queue view says, in plain words.
pub fn describe(call: &QueuedCall, policy: &OverflowPolicy, now: i64) -> String {
    let name = |t: &Taker| taker_name(t, policy);
    let waited = |ms: i64| mmss(ms);
    match (&call.outcome, call.stage) {
        (Some(CallOutcome::Answered { by, waited_ms }), _) => {
            format!("Answered by {} after {}", name(by), waited(*waited_ms))
        }
        (Some(CallOutcome::Abandoned { waited_ms }), _) => format!("Caller hung up after {}", waited(*waited_ms)),
        (Some(CallOutcome::EndedByAgent { waited_ms }), _) => format!("Ended by an agent after {}", waited(*waited_ms)),
        (Some(CallOutcome::FallbackEnded), _) => {
            "Nobody was free: the callback message played and the call ended".into()
        }
        (Some(CallOutcome::AfterHours), _) => "Called outside business hours: the closed message played".into(),
        (Some(CallOutcome::Redirected { to }), _) => format!("Redirected to {} before answer", name(to)),
        (None, Stage::Answering) => "Answering".into(),
        (None, Stage::Message) if call.after_hours => "Playing the after-hours message".into(),
        (None, Stage::Message) => {
            format!("Waiting {}: nobody free, playing the fallback message", waited(now - call.arrived_at))
        }
        (None, _) => {
            let live: Vec<String> = call.live_offers().map(|o| name(&o.to)).collect();
            let last = call.offers.iter().rev().find(|o| o.outcome.is_some());
            let mut s = format!("Waiting {}", waited(now - call.arrived_at));
            if !live.is_empty() {
                s.push_str(&format!(": ringing {}", live.join(", ")));
            } else {
                s.push_str(": on hold");
            }
            if let Some(o) = last {
                s.push_str(&format!(
                    " ({} {})",
                    name(&o.to),
                    o.outcome.as_ref().map(outcome_words).unwrap_or_default()
                ));
            }
            s
        }
    }
}

/// A taker's display name.
pub fn taker_name(t: &Taker, policy: &OverflowPolicy) -> String {
    match t {
        Taker::Agent { id } => {
            policy.agents.iter().find(|a| &a.id == id).map_or_else(|| id.clone(), |a| a.name.clone())
        }
        Taker::KnowledgeWorker { object_id } => policy
            .members()
            .find(|(_, m)| m.object_id.as_str().eq_ignore_ascii_case(object_id))
            .map_or_else(|| object_id.clone(), |(_, m)| m.display_name.clone()),
    }
}

fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Words for an offer's outcome (the queue view).
pub fn outcome_words(o: &OfferOutcome) -> String {
    match o {
        OfferOutcome::Joined => "answered".into(),
        OfferOutcome::Declined => "declined".into(),
        OfferOutcome::NoAnswer => "did not answer".into(),
        OfferOutcome::Unavailable => "was unreachable".into(),
        OfferOutcome::Refused { code, sub_code } => format!("cannot take Teams calls from ACS ({code}/{sub_code})"),
        OfferOutcome::Failed { code } => format!("could not be offered the call ({code})"),
        OfferOutcome::Cancelled => "was withdrawn (someone else answered)".into(),
        OfferOutcome::CallerLeft => "rang until the caller hung up".into(),
        OfferOutcome::Lost => "gave no answer the queue heard".into(),
    }
}
