//! Random input sequences against the queue's promises. The edges feed the queue whatever
//! arrives — redelivered and reordered callbacks, outcomes of offers long gone, presence of
//! people the policy does not list, availabilities Graph may add tomorrow, agents signing in
//! and out mid-offer, time standing still — and each of these checks must hold after every
//! step, for every policy shape:
//! - [`Queue::audit`] finds nothing (no seat with two live offers, no call offered to two
//!   people outside a ring group, no excluded user offered);
//! - an offer goes to a call that arrived and has not ended, under a fresh offer id; a knowledge
//!   worker is offered only when the last presence read of them allowed it, never once refused
//!   (a refusal lasts);
//! - a cancel names an offer the queue made;
//! - the next wake is in the future (a past one would loop an alarm);
//! - the queue survives its storage form (the Durable Object keeps it as JSON) unchanged, and
//!   its view renders.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::dice::Dice;
use crate::tenant::Config;

const WORKERS: [&str; 5] = [
    "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b",
    "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
    "0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e",
    "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170",
    "11111111-2222-4333-8444-555555555555",
];
const RESOURCE: &str = "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f";
const AGENTS: [&str; 3] = ["alex", "bo", "nobody"];
const AVAILABILITIES: [&str; 10] = [
    "Available",
    "AvailableIdle",
    "Away",
    "BeRightBack",
    "Busy",
    "BusyIdle",
    "DoNotDisturb",
    "Offline",
    "PresenceUnknown",
    "InAQuantumMeeting",
];
/// What may be offered, by the last presence read (see `Queue::candidates`).
const OFFERABLE: [&str; 5] = ["Available", "AvailableIdle", "Away", "BeRightBack", "PresenceUnknown"];

fn policy(overflow: serde_json::Value) -> OverflowPolicy {
    let agent = |n: u32| format!("8:acs:{RESOURCE}_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a2{n}");
    let doc = json!({"tenants": {"contoso": {
        "connectionString": "endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=",
        "acsResourceId": RESOURCE,
        "agents": [
            {"id": "alex", "name": "Alex Agent", "token": "dev-agent-token-contoso-alex", "acsUserId": agent(1)},
            {"id": "bo", "name": "Bo Agent", "token": "dev-agent-token-contoso-bo", "acsUserId": agent(2)},
        ],
        "routing": {"default": {"action": "queue"}},
        "overflow": overflow,
    }}});
    let config = Config::parse(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
    config.tenant("contoso").unwrap().overflow.clone().unwrap()
}

/// Every shape of policy the queue has to keep its promises under.
fn policies() -> Vec<(&'static str, OverflowPolicy)> {
    let base = || {
        json!({
            "holdAudioUrl": "https://contoso.example/hold.wav",
            "groups": [{"name": "Billing", "order": "priority", "members": WORKERS}],
            "fallback": {"afterSeconds": 120, "messageUrl": "https://contoso.example/sorry.wav"},
            "invitationTimeoutSeconds": 20,
            "maxOffers": 4,
        })
    };
    let with = |changes: serde_json::Value| {
        let mut v = base();
        for (k, x) in changes.as_object().unwrap() {
            v[k] = x.clone();
        }
        policy(v)
    };
    vec![
        ("priority, no free agent", with(json!({}))),
        (
            "ring group, round robin, waited 10 s",
            with(json!({
                "ringGroup": true,
                "trigger": {"waitedSeconds": 10},
                "groups": [{"order": "roundRobin", "members": WORKERS}],
            })),
        ),
        (
            "two groups, longest idle, queue length 1, transfer, then end",
            with(json!({
                "trigger": {"queueLength": 1, "noFreeAgent": true},
                "groups": [
                    {"name": "A", "order": "longestIdle", "members": &WORKERS[..2]},
                    {"name": "B", "order": "roundRobin", "members": &WORKERS[2..]},
                ],
                "handoff": "transfer",
                "fallback": {"afterSeconds": 45, "messageUrl": "https://contoso.example/sorry.wav", "then": "end"},
            })),
        ),
        (
            "redirect unanswered, add then leave, short timeouts, one offer",
            with(json!({
                "redirectUnanswered": true,
                "handoff": "addThenLeave",
                "trigger": {"waitedSeconds": 0},
                "invitationTimeoutSeconds": 5,
                "presenceMaxAgeSeconds": 5,
                "maxOffers": 1,
                "agents": ["bo"],
            })),
        ),
        (
            "business hours",
            with(json!({
                "businessHours": {"utcOffsetMinutes": 60, "days": ["mon", "wed", "thu"], "open": "08:00", "close": "08:20"},
                "afterHours": {"messageUrl": "https://contoso.example/closed.wav"},
            })),
        ),
    ]
}

/// One random input at `now`, drawn from what the test has seen so far.
fn draw(d: &mut Dice, calls: &[String], offers: &[(u64, String)]) -> Input {
    let call = |d: &mut Dice| -> String {
        if calls.is_empty() || d.below(8) == 0 {
            format!("unknown-{}", d.below(3))
        } else {
            d.pick(calls).clone()
        }
    };
    match d.below(20) {
        0..=3 => Input::Arrived {
            call_id: if calls.is_empty() || d.below(6) > 0 { format!("call-{}", calls.len()) } else { call(d) },
            caller: (d.below(2) == 0).then(|| "4:+14255550123".to_owned()),
        },
        4..=5 => Input::Answered { call_id: call(d) },
        6..=10 => {
            let (call_id, offer_id) = if offers.is_empty() || d.below(6) == 0 {
                (call(d), d.next() % 40)
            } else {
                // Mostly one of the latest offers (likely still ringing), else any made.
                let recent = &offers[offers.len().saturating_sub(3)..];
                let (id, call_id) = if d.below(3) > 0 { d.pick(recent) } else { d.pick(offers) };
                (if d.below(10) == 0 { call(d) } else { call_id.clone() }, *id)
            };
            let outcome = match d.below(10) {
                0..=2 => OfferOutcome::Joined,
                3 => OfferOutcome::Declined,
                4 => OfferOutcome::NoAnswer,
                5 => OfferOutcome::Unavailable,
                6 => OfferOutcome::Refused { code: 403, sub_code: 7604 },
                7 => OfferOutcome::Failed { code: 500 },
                8 => OfferOutcome::CallerLeft,
                _ => OfferOutcome::Cancelled,
            };
            Input::OfferEnded { call_id, offer_id, outcome }
        }
        11 => Input::MessagePlayed { call_id: call(d) },
        12..=13 => Input::CallEnded { call_id: call(d), by_app: false },
        14..=15 => {
            let mut presences: Vec<(String, String)> = Vec::new();
            for w in WORKERS {
                if d.below(4) > 0 {
                    let id = if d.below(5) == 0 { w.to_ascii_uppercase() } else { w.to_owned() };
                    presences.push((id, (*d.pick(&AVAILABILITIES)).to_owned()));
                }
            }
            if d.below(4) == 0 {
                presences.push(("99999999-9999-4999-8999-999999999999".into(), "Available".into()));
            }
            Input::Presence { presences }
        }
        16 => Input::PresenceFailed,
        17 => Input::AgentSignedIn { agent_id: (*d.pick(&AGENTS)).to_owned() },
        18 => Input::AgentSignedOut { agent_id: (*d.pick(&AGENTS)).to_owned() },
        _ => Input::Tick,
    }
}

/// What a sequence got up to, so the test can tell it reached the interesting states.
#[derive(Debug, Default)]
struct Reached {
    worker_offers: u64,
    by_workers: u64,
    by_agents: u64,
    refusals: u64,
    fallbacks: u64,
    after_hours: u64,
}

/// Runs one seeded sequence of `steps` inputs; panics with the seed and step on a broken promise.
fn soak(name: &str, p: &OverflowPolicy, seed: u64, steps: usize, reached: &mut Reached) {
    let mut d = Dice(seed);
    let mut q = Queue::new();
    // Monday 2026-11-23, 07:58 at UTC+1: the policy with business hours opens two minutes in
    // and closes twenty minutes later, within a sequence of about forty.
    let mut now: i64 = 1_795_417_080_000;
    let mut calls: Vec<String> = Vec::new();
    let mut ended: BTreeSet<String> = BTreeSet::new();
    let mut offers: Vec<(u64, String)> = Vec::new();
    let mut last_presence: Vec<Option<String>> = vec![None; WORKERS.len()];
    let mut refused: BTreeSet<String> = BTreeSet::new();
    for step in 0..steps {
        let at = format!("{name}, seed {seed}, step {step}");
        now += match d.below(10) {
            0..=1 => 0,
            2..=7 => d.below(5_000) as i64,
            _ => d.below(60_000) as i64,
        };
        let input = draw(&mut d, &calls, &offers);
        match &input {
            Input::Arrived { call_id, .. } if q.call(call_id).is_none() => {
                // A new call (an id the queue never had, or forgot), whatever came before it.
                ended.remove(call_id);
                if !calls.contains(call_id) {
                    calls.push(call_id.clone());
                }
            }
            Input::CallEnded { call_id, .. } => {
                ended.insert(call_id.clone());
            }
            Input::Presence { presences } => {
                for (id, availability) in presences {
                    if let Some(w) = WORKERS.iter().position(|w| w.eq_ignore_ascii_case(id)) {
                        last_presence[w] = Some(availability.clone());
                    }
                }
            }
            _ => {}
        }
        let excluded_before: BTreeSet<String> =
            q.workers.iter().filter(|w| w.excluded.is_some()).map(|w| w.object_id.clone()).collect();
        assert!(
            refused.is_subset(&excluded_before),
            "{at}: a refusal was forgotten: {refused:?} vs {excluded_before:?}"
        );
        refused = excluded_before;
        let input_text = format!("{input:?}");
        let out = q.step(p, input, now);

        let problems = q.audit(p);
        assert!(problems.is_empty(), "{at} after {input_text}: {problems:?}");
        for c in &out {
            match c {
                Command::Offer { call_id, offer_id, target, .. } | Command::Redirect { call_id, offer_id, target } => {
                    assert!(calls.contains(call_id) && !ended.contains(call_id), "{at}: offered call {call_id}: {c:?}");
                    assert!(offers.iter().all(|(id, _)| id != offer_id), "{at}: offer id {offer_id} used twice");
                    offers.push((*offer_id, call_id.clone()));
                    if let Some(oid) = target.strip_prefix("8:orgid:") {
                        let w = WORKERS.iter().position(|w| w == &oid).unwrap_or_else(|| panic!("{at}: {target}"));
                        assert!(!refused.contains(oid), "{at}: refused {oid} offered again");
                        let shown = last_presence[w].as_deref();
                        assert!(
                            shown.is_some_and(|s| OFFERABLE.contains(&s)),
                            "{at}: {oid} offered with presence {shown:?}"
                        );
                    }
                }
                Command::Cancel { offer_id, .. } => {
                    assert!(offers.iter().any(|(id, _)| id == offer_id), "{at}: cancel of unknown offer {offer_id}");
                }
                _ => {}
            }
        }
        if let Some(t) = q.next_wake(p) {
            assert!(t > now, "{at}: wake {t} is not after now {now}");
        }
        if step % 16 == 0 {
            let stored = serde_json::to_string(&q).unwrap();
            let back: Queue = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(back, q, "{at}: the stored queue differs");
            let view = view::view(&q, p, now);
            assert!(view.is_object(), "{at}: {view}");
        }
        reached.worker_offers +=
            out.iter().filter(|c| matches!(c, Command::Offer { target, .. } if target.starts_with("8:orgid:"))).count()
                as u64;
    }
    reached.by_workers += q.stats.answered_by_knowledge_workers;
    reached.by_agents += q.stats.answered_by_agents;
    reached.refusals += q.workers.iter().filter(|w| w.excluded.is_some()).count() as u64;
    reached.fallbacks += q.stats.fallbacks;
    reached.after_hours += q.stats.after_hours;
}

#[test]
fn random_input_sequences_keep_every_promise_under_every_policy() {
    let seeds: u64 = std::env::var("SOAK_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    for (name, p) in policies() {
        let mut reached = Reached::default();
        for seed in 0..seeds {
            soak(name, &p, seed, 240, &mut reached);
        }
        // Not a vacuous pass: the sequences reach offers, answers by both kinds of taker,
        // refusals and fallbacks (and, for the policy with hours, calls after hours too).
        let r = &reached;
        assert!(r.worker_offers > seeds / 2 && r.by_workers > seeds / 10 && r.by_agents > seeds / 10, "{name}: {r:?}");
        assert!(r.refusals > seeds / 40 && r.fallbacks > seeds / 10, "{name}: {r:?}");
        assert_eq!(r.after_hours > 0, p.business_hours.is_some(), "{name}: {r:?}");
        eprintln!("{name}: {r:?}");
    }
}
