use serde_json::json;

use super::*;
use crate::tenant::Config;

const DANA: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";
const ROBIN: &str = "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
const SAM: &str = "0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e";
const JO: &str = "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170";
const KIM: &str = "11111111-2222-4333-8444-555555555555";
const AGENT: &str = "8:acs:5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21";

fn config(overflow: serde_json::Value) -> Result<Config, crate::FieldError> {
    let doc = json!({"tenants": {"contoso": {
        "connectionString": "endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=",
        "acsResourceId": "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f",
        "agents": [{"id": "alex", "name": "Alex Agent", "token": "dev-agent-token-contoso-alex", "acsUserId": AGENT}],
        "experts": [{"objectId": DANA, "displayName": "Dana Expert"}],
        "routing": {"default": {"action": "queue"}},
        "overflow": overflow,
    }}});
    Config::parse(&doc.to_string())
}

fn base() -> serde_json::Value {
    json!({
        "holdAudioUrl": "https://contoso.example/hold.wav",
        "groups": [{"name": "Billing", "order": "priority", "members": [ROBIN, JO, DANA, SAM, KIM]}],
        "fallback": {"afterSeconds": 120, "messageUrl": "https://contoso.example/sorry.wav"},
        "invitationTimeoutSeconds": 20,
        "maxOffers": 4,
    })
}

fn policy(v: serde_json::Value) -> OverflowPolicy {
    config(v).unwrap().tenant("contoso").unwrap().overflow.clone().unwrap()
}

fn presences(list: &[(&str, &str)]) -> Input {
    Input::Presence { presences: list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect() }
}

fn arrived(id: &str) -> Input {
    Input::Arrived { call_id: id.into(), caller: Some("4:+14255550123".into()) }
}

fn offers(cmds: &[Command]) -> Vec<(String, u64, String)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Offer { call_id, offer_id, target, .. } => Some((call_id.clone(), *offer_id, target.clone())),
            _ => None,
        })
        .collect()
}

fn orgid(oid: &str) -> String {
    format!("8:orgid:{oid}")
}

#[test]
fn bad_policies_name_their_field() {
    let cases = [
        (json!({"groups": [{"members": ["not-a-guid"]}]}), "tenants.contoso.overflow.groups[0].members[0]"),
        (
            json!({"groups": [{"members": [{"objectId": "x"}]}]}),
            "tenants.contoso.overflow.groups[0].members[0].objectId",
        ),
        (json!({"groups": [{"name": "Empty", "members": []}]}), "tenants.contoso.overflow.groups[0].members"),
        (json!({"groups": []}), "tenants.contoso.overflow.groups"),
        (json!({"invitationTimeoutSeconds": -5}), "tenants.contoso.overflow.invitationTimeoutSeconds"),
        (json!({"maxOffers": 0}), "tenants.contoso.overflow.maxOffers"),
        (
            json!({"fallback": {"afterSeconds": -1, "messageUrl": "https://x.example/a.wav"}}),
            "tenants.contoso.overflow.fallback.afterSeconds",
        ),
        (json!({"holdAudioUrl": "hold.wav"}), "tenants.contoso.overflow.holdAudioUrl"),
        (json!({"groups": [{"order": "loudest", "members": [DANA]}]}), "tenants.contoso.overflow.groups[0].order"),
        (json!({"trigger": {"noFreeAgent": false}}), "tenants.contoso.overflow.trigger"),
        (json!({"agents": ["nobody"]}), "tenants.contoso.overflow.agents[0]"),
        (json!({"groups": [{"members": [DANA, DANA]}]}), "tenants.contoso.overflow.groups[0].members[1]"),
        (
            json!({"businessHours": {"days": ["mon"], "open": "09:00", "close": "17:00"}}),
            "tenants.contoso.overflow.afterHours.messageUrl",
        ),
        (
            json!({"businessHours": {"days": ["mon"], "open": "18:00", "close": "09:00"}, "afterHours": {"messageUrl": "https://x.example/c.wav"}}),
            "tenants.contoso.overflow.businessHours.close",
        ),
        (
            json!({"businessHours": {"days": ["someday"], "open": "09:00", "close": "17:00"}, "afterHours": {"messageUrl": "https://x.example/c.wav"}}),
            "tenants.contoso.overflow.businessHours.days[0]",
        ),
        (json!({"colour": "red"}), "tenants.contoso.overflow"),
    ];
    for (patch, field) in cases {
        let mut v = base();
        for (k, val) in patch.as_object().unwrap() {
            v[k] = val.clone();
        }
        let e = config(v).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(!e.message.is_empty());
    }
    let e = config(serde_json::Value::Null).map(drop);
    assert!(e.is_err(), "routing to the queue needs an overflow policy");
    let p = policy(base());
    assert_eq!(p.groups[0].members[2].display_name, "Dana Expert", "named from the tenant's experts");
    assert_eq!(p.agents.len(), 1, "the pool defaults to every agent with an ACS identity");
    assert!(p.trigger.no_free_agent);
}

/// The issue's first scenario: all agents busy → the Available knowledge worker; Busy and
/// Offline ones skipped; the first declines → the next answers; the unlicensed one is never
/// offered again.
#[test]
fn overflow_skips_busy_and_offline_moves_on_after_decline_and_never_reoffers_the_unlicensed() {
    let p = policy(base());
    let mut q = Queue::new();
    // No agent is signed in: nobody is free.
    let out = q.step(&p, arrived("c1"), 0);
    assert_eq!(out, vec![Command::Answer { call_id: "c1".into() }]);
    let out = q.step(&p, Input::Answered { call_id: "c1".into() }, 1_000);
    assert!(matches!(&out[0], Command::Hold { url, .. } if url.ends_with("hold.wav")));
    assert!(matches!(out.last(), Some(Command::ReadPresence { object_ids }) if object_ids.len() == 5), "{out:?}");
    assert!(offers(&out).is_empty(), "no offer before presence is known");
    // Robin Busy, Jo Offline, Sam and Dana and Kim Available (Sam before Dana by priority).
    let out = q.step(
        &p,
        presences(&[(ROBIN, "Busy"), (JO, "Offline"), (SAM, "Available"), (DANA, "Available"), (KIM, "Available")]),
        1_500,
    );
    let o = offers(&out);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].2, orgid(DANA), "priority order, Available only: Dana (Sam is after her in the list)");
    // Dana declines → Sam (next by priority) is offered.
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Declined },
        4_000,
    );
    let o = offers(&out);
    assert_eq!(o[0].2, orgid(SAM));
    // Sam has no licence: 403/7604 → Kim answers.
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::from_result(403, 7604) },
        4_500,
    );
    let o = offers(&out);
    assert_eq!(o[0].2, orgid(KIM));
    let out =
        q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined }, 9_000);
    assert!(out.is_empty());
    let c = q.call("c1").unwrap();
    assert_eq!(
        c.outcome,
        Some(CallOutcome::Answered { by: Taker::KnowledgeWorker { object_id: KIM.into() }, waited_ms: 9_000 })
    );
    assert_eq!((q.stats.declined, q.stats.refused, q.stats.answered_by_knowledge_workers), (1, 1, 1));
    // A second call: Sam (refused for good) and Robin (Busy) and Jo (Offline) are never offered;
    // Dana declined c1 only, so she may take c2.
    q.step(&p, arrived("c2"), 10_000);
    let out = q.step(&p, Input::Answered { call_id: "c2".into() }, 10_500);
    let o = offers(&out);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].2, orgid(DANA));
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c2".into(), offer_id: o[0].1, outcome: OfferOutcome::NoAnswer },
        31_000,
    );
    assert!(offers(&out).is_empty(), "nobody else may be offered: {out:?}");
    let view = view::view(&q, &p, 31_000);
    assert!(view["knowledgeWorkers"][3]["status"].as_str().unwrap().starts_with("Not offered again"), "{view}");
    assert!(view["calls"][0]["status"].as_str().unwrap().contains("did not answer"), "{view}");
    // The console reads camelCase members throughout.
    assert_eq!(view["calls"][1]["outcome"]["by"], json!({"kind": "knowledgeWorker", "objectId": KIM}));
    assert_eq!(view["calls"][1]["offers"][1]["outcome"], json!({"kind": "refused", "code": 403, "subCode": 7604}));
    assert_eq!(view["knowledgeWorkers"][4]["busy"]["kind"], "onCall");
    assert!(view["knowledgeWorkers"][4]["busy"]["callId"].is_string(), "{view}");
    assert!(q.audit(&p).is_empty());
}

#[test]
fn two_calls_at_once_with_one_free_worker_are_never_double_offered() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    for id in ["a", "b"] {
        q.step(&p, arrived(id), 100);
    }
    let mut out = q.step(&p, Input::Answered { call_id: "a".into() }, 200);
    out.extend(q.step(&p, Input::Answered { call_id: "b".into() }, 200));
    let o = offers(&out);
    assert_eq!(o.len(), 1, "one offer for two calls: {out:?}");
    assert_eq!(o[0].0, "a", "the call that arrived first");
    assert!(q.audit(&p).is_empty());
    // Dana answers a; b keeps waiting.
    assert!(offers(&q.step(
        &p,
        Input::OfferEnded { call_id: "a".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined },
        3_000
    ))
    .is_empty());
    assert!(offers(&q.step(&p, Input::Tick, 30_000)).is_empty(), "b waits");
    // When a ends Dana is free; her presence is read again (it showed call a), then b is hers.
    let out = q.step(&p, Input::CallEnded { call_id: "a".into(), by_app: false }, 60_000);
    assert!(matches!(out.last(), Some(Command::ReadPresence { .. })), "{out:?}");
    let o = offers(&q.step(&p, presences(&[(DANA, "Available")]), 60_200));
    assert_eq!((o.len(), o[0].0.as_str()), (1, "b"));
    assert!(q.audit(&p).is_empty());
}

#[test]
fn a_free_agent_comes_first_and_no_trigger_means_no_overflow() {
    let mut v = base();
    v["trigger"] = json!({"waitedSeconds": 30});
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    q.step(&p, Input::AgentSignedIn { agent_id: "alex".into() }, 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 500));
    assert_eq!(o[0].2, AGENT, "the free agent");
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined }, 1_500);
    // The agent is busy; c2 waits until 30 s, then overflows.
    q.step(&p, arrived("c2"), 2_000);
    assert!(offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 2_500)).is_empty());
    assert_eq!(q.next_wake(&p), Some(32_000), "the waited trigger");
    assert!(offers(&q.step(&p, Input::Tick, 31_999)).is_empty());
    let out = q.step(&p, Input::Tick, 32_000);
    // Presence is 32 s old (max age 30): read again, but the last known value still counts.
    assert!(out.iter().any(|c| matches!(c, Command::ReadPresence { .. })));
    assert_eq!(offers(&out)[0].2, orgid(DANA));
}

#[test]
fn nobody_answers_so_the_fallback_plays_and_after_hours_calls_hear_the_closed_message() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA, JO]}]);
    v["maxOffers"] = json!(2);
    v["fallback"] = json!({"afterSeconds": 300, "messageUrl": "https://contoso.example/callback.wav", "then": "end"});
    // Open Monday to Friday, 08:00–18:00 UTC.
    v["businessHours"] = json!({"days": ["mon", "tue", "wed", "thu", "fri"], "open": "08:00", "close": "18:00"});
    v["afterHours"] = json!({"messageUrl": "https://contoso.example/closed.wav"});
    let p = policy(v);
    let monday_noon = 1_795_521_600_000; // 2026-11-23 (Monday) 12:00 UTC
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available"), (JO, "Away")]), monday_noon);
    q.step(&p, arrived("c1"), monday_noon);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, monday_noon + 1_000));
    assert_eq!(o[0].2, orgid(DANA), "Available before Away");
    let o = offers(&q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::NoAnswer },
        monday_noon + 21_000,
    ));
    assert_eq!(o[0].2, orgid(JO), "then Away");
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Declined },
        monday_noon + 30_000,
    );
    assert_eq!(
        out,
        vec![Command::Message {
            call_id: "c1".into(),
            url: "https://contoso.example/callback.wav".into(),
            then_end: true
        }],
        "offers used up: the fallback"
    );
    q.step(&p, Input::MessagePlayed { call_id: "c1".into() }, monday_noon + 40_000);
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: false }, monday_noon + 41_000);
    assert_eq!(q.call("c1").unwrap().outcome, Some(CallOutcome::FallbackEnded));
    assert_eq!(q.stats.abandoned, 0);
    // Saturday: the after-hours path.
    let saturday = monday_noon + 5 * 86_400_000;
    assert_eq!(q.step(&p, arrived("c2"), saturday), vec![Command::Answer { call_id: "c2".into() }]);
    let out = q.step(&p, Input::Answered { call_id: "c2".into() }, saturday + 500);
    assert_eq!(
        out,
        vec![Command::Message {
            call_id: "c2".into(),
            url: "https://contoso.example/closed.wav".into(),
            then_end: true
        }]
    );
    q.step(&p, Input::CallEnded { call_id: "c2".into(), by_app: false }, saturday + 9_000);
    assert_eq!(q.call("c2").unwrap().outcome, Some(CallOutcome::AfterHours));
    assert_eq!(q.stats.after_hours, 1);
    // Monday 18:00 is closed, 17:59 open.
    let h = p.business_hours.as_ref().unwrap();
    assert!(h.is_open(monday_noon + 6 * 3_600_000 - 60_000));
    assert!(!h.is_open(monday_noon + 6 * 3_600_000));
}

#[test]
fn the_fallback_after_waiting_keeps_the_caller_waiting_when_the_policy_says_wait() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    v["fallback"] = json!({"afterSeconds": 60, "messageUrl": "https://contoso.example/sorry.wav", "then": "wait"});
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Busy")]), 0);
    q.step(&p, arrived("c1"), 0);
    q.step(&p, Input::Answered { call_id: "c1".into() }, 500);
    // Nobody to offer it to: Dana's presence is read again once it is 30 s old (she may be
    // back); still Busy, so the next wake is the fallback.
    assert_eq!(q.next_wake(&p), Some(30_001));
    let out = q.step(&p, Input::Tick, 30_001);
    assert!(matches!(&out[..], [Command::ReadPresence { .. }]), "{out:?}");
    assert!(q.step(&p, presences(&[(DANA, "Busy")]), 30_200).is_empty());
    assert_eq!(q.next_wake(&p), Some(60_000));
    let out = q.step(&p, Input::Tick, 60_000);
    assert!(matches!(&out[0], Command::Message { then_end: false, .. }), "{out:?}");
    let out = q.step(&p, Input::MessagePlayed { call_id: "c1".into() }, 70_000);
    assert!(matches!(&out[0], Command::Hold { .. }), "back on hold");
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: false }, 90_000);
    assert_eq!(q.call("c1").unwrap().outcome, Some(CallOutcome::Abandoned { waited_ms: 90_000 }));
    assert_eq!(q.stats.abandoned, 1);
}

/// An agent ending a waiting call (a nuisance caller) is not the caller abandoning it: the view
/// says who ended it, and the abandoned count does not grow.
#[test]
fn a_waiting_call_an_agent_ends_is_not_abandoned() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Busy")]), 0);
    q.step(&p, arrived("c1"), 0);
    q.step(&p, Input::Answered { call_id: "c1".into() }, 500);
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: true }, 42_000);
    let c = q.call("c1").unwrap();
    assert_eq!(c.outcome, Some(CallOutcome::EndedByAgent { waited_ms: 42_000 }));
    assert_eq!(q.stats.abandoned, 0);
    assert_eq!(super::words::describe(c, &p, 50_000), "Ended by an agent after 0:42");
    // The message between the call object and the queue defaults to "by the caller".
    let old: Input = serde_json::from_str(r#"{"callEnded":{"callId":"c1"}}"#).unwrap();
    assert_eq!(old, Input::CallEnded { call_id: "c1".into(), by_app: false });
}

#[test]
fn a_ring_group_rings_everyone_and_cancels_the_rest_when_one_answers() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA, KIM, ROBIN]}]);
    v["ringGroup"] = json!(true);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available"), (KIM, "Available"), (ROBIN, "DoNotDisturb")]), 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 500));
    assert_eq!(o.iter().map(|x| x.2.clone()).collect::<Vec<_>>(), vec![orgid(DANA), orgid(KIM)], "never DoNotDisturb");
    assert!(q.audit(&p).is_empty(), "a ring group may ring two people for one call");
    let out =
        q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[1].1, outcome: OfferOutcome::Joined }, 4_000);
    assert_eq!(out, vec![Command::Cancel { call_id: "c1".into(), offer_id: o[0].1 }]);
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Cancelled }, 4_200);
    assert_eq!(q.workers[0].busy, Busy::Free, "Dana is free again");
    assert!(matches!(q.workers[1].busy, Busy::OnCall { .. }));
}

/// Dana and Kim, Available, in one round-robin group; call c1 answered at 0 and offered to Dana.
fn round_robin_offered_to_dana() -> (OverflowPolicy, Queue, Vec<(String, u64, String)>) {
    let mut v = base();
    v["groups"] = json!([{"order": "roundRobin", "members": [DANA, KIM]}]);
    v["maxOffers"] = json!(5);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available"), (KIM, "Available")]), 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 0));
    assert_eq!(o[0].2, orgid(DANA));
    (p, q, o)
}

#[test]
fn an_offer_whose_outcome_is_lost_frees_the_seat_and_round_robin_rotates() {
    let (p, mut q, o) = round_robin_offered_to_dana();
    assert_eq!(q.next_wake(&p), Some(20_000 + queue::OFFER_GRACE_MS));
    let out = q.step(&p, Input::Tick, 50_000);
    assert!(out.contains(&Command::Cancel { call_id: "c1".into(), offer_id: o[0].1 }), "withdrawn: {out:?}");
    assert_eq!(offers(&out)[0].2, orgid(KIM), "round robin: the next member");
    assert_eq!(q.stats.timed_out, 1);
    // A late outcome of the lost offer that is no join changes nothing.
    let before = q.clone();
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::NoAnswer }, 50_001);
    assert_eq!((q.calls.clone(), q.stats.timed_out), (before.calls, 1));
}

/// The queue gave an offer up as lost (no event in ring time + grace) and moved on, but the
/// taker had joined: their AddParticipantSucceeded was lost and the call's roster tells later.
/// The call is theirs, the next offer is withdrawn, and a call offered to them meanwhile too.
#[test]
fn a_join_heard_after_the_offer_was_lost_takes_the_call() {
    let (p, mut q, first) = round_robin_offered_to_dana();
    let next = offers(&q.step(&p, Input::Tick, 50_000));
    assert_eq!(next[0].2, orgid(KIM), "Dana's offer lost; Kim's turn");
    // A second call: Dana is free in the queue's eyes and is offered it.
    q.step(&p, arrived("c2"), 51_000);
    let second = offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 51_000));
    assert_eq!((second[0].0.as_str(), second[0].2.clone()), ("c2", orgid(DANA)));
    // The roster shows Dana in c1 after all.
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: first[0].1, outcome: OfferOutcome::Joined },
        52_000,
    );
    assert!(out.contains(&Command::Cancel { call_id: "c1".into(), offer_id: next[0].1 }), "Kim withdrawn: {out:?}");
    assert!(out.contains(&Command::Cancel { call_id: "c2".into(), offer_id: second[0].1 }), "c2 withdrawn: {out:?}");
    assert!(
        matches!(&q.call("c1").unwrap().outcome, Some(CallOutcome::Answered { by: Taker::KnowledgeWorker { object_id }, .. }) if object_id == DANA)
    );
    assert_eq!((q.stats.timed_out, q.stats.answered_by_knowledge_workers), (0, 1), "not a timeout after all");
    assert!(q.audit(&p).is_empty(), "{:?}", q.audit(&p));
    // The withdrawn offers' outcomes come: Kim is free, Dana stays on c1.
    q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: next[0].1, outcome: OfferOutcome::Cancelled },
        53_000,
    );
    q.step(
        &p,
        Input::OfferEnded { call_id: "c2".into(), offer_id: second[0].1, outcome: OfferOutcome::Cancelled },
        53_000,
    );
    let dana = q.workers.iter().find(|w| w.object_id == DANA).unwrap();
    assert_eq!(dana.busy, Busy::OnCall { call_id: "c1".into() });
    let kim = q.workers.iter().find(|w| w.object_id == KIM).unwrap();
    assert!(matches!(kim.busy, Busy::Free | Busy::Offered { .. }), "{:?}", kim.busy);
}

#[test]
fn a_join_heard_for_a_lost_offer_of_an_ended_call_seats_nobody() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    q.step(&p, arrived("c1"), 0);
    let first = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 0));
    q.step(&p, Input::Tick, 50_000);
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: false }, 55_000);
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: first[0].1, outcome: OfferOutcome::Joined }, 56_000);
    assert_eq!(q.workers[0].busy, Busy::Free);
    assert_eq!(q.call("c1").unwrap().offers[0].outcome, Some(OfferOutcome::Lost));
}

#[test]
fn redirect_before_answer_when_the_trigger_fires_on_arrival() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    v["redirectUnanswered"] = json!(true);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    let out = q.step(&p, arrived("c1"), 100);
    assert!(matches!(&out[0], Command::Redirect { target, .. } if *target == orgid(DANA)), "{out:?}");
    assert!(matches!(q.call("c1").unwrap().outcome, Some(CallOutcome::Redirected { .. })));
    // Dana is busy until presence read after the handoff says otherwise.
    assert_eq!(q.step(&p, arrived("c2"), 200), vec![Command::Answer { call_id: "c2".into() }]);
    assert!(offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 300)).is_empty());
    assert!(offers(&q.step(&p, presences(&[(DANA, "Available")]), 5_000)).is_empty(), "too soon after the redirect");
    assert_eq!(offers(&q.step(&p, presences(&[(DANA, "Available")]), 20_000)).len(), 1);
}

#[test]
fn the_rules_choose_the_operation_for_the_stage() {
    use crate::call::CallState;
    use crate::events::parse_events;
    let dana = crate::CommunicationIdentifier::teams_user(DANA, crate::TeamsCloud::Public).unwrap();
    let mut state = CallState::new();
    let incoming = r#"[{"id":"eg-1","topic":"/subscriptions/x","subject":"s","eventType":"Microsoft.Communication.IncomingCall","eventTime":"2025-04-01T12:00:00Z","dataVersion":"1.0","data":{"to":{"kind":"phoneNumber","rawId":"4:+18005550100","phoneNumber":{"value":"+18005550100"}},"from":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}},"serverCallId":"c2VydmVy","callerDisplayName":"","incomingCallContext":"ctx-1","correlationId":"corr-1"}}]"#;
    for e in parse_events(incoming).unwrap() {
        state.apply(&e);
    }
    assert_eq!(offer_operation(&state, OfferVia::Redirect, &dana), Ok("redirectCall"));
    // Not an unanswered incoming call: redirect is refused by name.
    let fresh = CallState::new();
    let e = offer_operation(&fresh, OfferVia::Redirect, &dana).unwrap_err();
    assert_eq!(e.rule, "before_answer_only");
}

/// A call past the `waitedSeconds` trigger with nobody to offer used to make `next_wake`
/// return the trigger time again, in the past: the Worker arms that as an alarm due at once,
/// again and again until the fallback. It now wakes when presence is next read.
#[test]
fn a_call_past_the_waited_trigger_with_nobody_free_wakes_at_the_next_presence_read_not_in_the_past() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    v["trigger"] = json!({"waitedSeconds": 30});
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Busy")]), 0);
    q.step(&p, arrived("c1"), 0);
    q.step(&p, Input::Answered { call_id: "c1".into() }, 500);
    assert_eq!(q.next_wake(&p), Some(30_000), "the trigger, ahead");
    assert!(offers(&q.step(&p, Input::Tick, 30_000)).is_empty(), "Dana is Busy");
    assert_eq!(q.next_wake(&p), Some(30_001), "when Dana's presence is too old, never in the past");
    let out = q.step(&p, Input::Tick, 30_001);
    assert!(matches!(out.last(), Some(Command::ReadPresence { .. })), "{out:?}");
    assert!(offers(&q.step(&p, presences(&[(DANA, "Busy")]), 30_300)).is_empty());
    let wake = q.next_wake(&p).unwrap();
    assert_eq!(wake, 30_300 + 30_000 + 1);
    let out = q.step(&p, Input::Tick, wake);
    assert!(matches!(out.last(), Some(Command::ReadPresence { .. })), "{out:?}");
    let out = q.step(&p, presences(&[(DANA, "Available")]), wake + 300);
    assert_eq!(offers(&out)[0].2, orgid(DANA));
}

#[test]
fn a_caller_leaving_during_a_wait_message_abandoned_and_the_view_lists_people_before_any_call() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    v["fallback"] = json!({"afterSeconds": 30, "messageUrl": "https://contoso.example/sorry.wav", "then": "wait"});
    let p = policy(v);
    let q = Queue::new();
    let fresh = view::view(&q, &p, 0);
    assert_eq!(fresh["knowledgeWorkers"][0]["displayName"], "Dana Expert", "seated from the policy: {fresh}");
    assert_eq!(fresh["agents"][0]["status"], "Signed out");
    let mut q = q;
    q.step(&p, presences(&[(DANA, "Busy")]), 0);
    q.step(&p, arrived("c1"), 0);
    q.step(&p, Input::Answered { call_id: "c1".into() }, 100);
    assert!(matches!(q.step(&p, Input::Tick, 30_000)[0], Command::Message { then_end: false, .. }));
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: false }, 31_000);
    assert_eq!(q.call("c1").unwrap().outcome, Some(CallOutcome::Abandoned { waited_ms: 31_000 }));
    assert_eq!(q.stats.abandoned, 1);
}

#[test]
fn a_worker_back_from_a_queue_call_is_read_again_and_old_calls_leave_the_view_in_end_order() {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    q.step(&p, arrived("long"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "long".into() }, 0));
    q.step(&p, Input::OfferEnded { call_id: "long".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined }, 1_000);
    // Graph now says Busy: that is our own call.
    q.step(&p, presences(&[(DANA, "Busy")]), 2_000);
    q.step(&p, arrived("next"), 3_000);
    q.step(&p, Input::Answered { call_id: "next".into() }, 3_100);
    let out = q.step(&p, Input::CallEnded { call_id: "long".into(), by_app: false }, 10_000);
    assert!(matches!(out.last(), Some(Command::ReadPresence { .. })), "read again at once, not in 30 s: {out:?}");
    assert_eq!(offers(&q.step(&p, presences(&[(DANA, "Available")]), 10_200))[0].0, "next");
    // 60 short calls that arrive later and end sooner: the long one ended later, so it stays.
    for i in 0..queue::KEEP_ENDED + 10 {
        let id = format!("s{i}");
        q.step(&p, arrived(&id), 1);
        q.step(&p, Input::CallEnded { call_id: id, by_app: false }, 2);
    }
    assert!(q.call("long").is_some(), "ended at 10 s, after the short ones");
    assert_eq!(q.calls.iter().filter(|c| c.stage == Stage::Ended).count(), queue::KEEP_ENDED);
}

/// A queue whose only knowledge worker is Dana, Available, with Alex's console taking queue calls.
fn dana_available_and_alex_ready() -> (OverflowPolicy, Queue) {
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    q.step(&p, Input::AgentSignedIn { agent_id: "alex".into() }, 0);
    (p, q)
}

#[test]
fn an_agent_who_lets_a_call_ring_out_does_not_hold_it_back_from_the_knowledge_workers() {
    // A console left signed in at an empty desk: the agent is offered the call once, then it
    // overflows (the agent is not free *for this call*); the next call is offered to them again.
    let (p, mut q) = dana_available_and_alex_ready();
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 500));
    assert_eq!(o[0].2, AGENT);
    let next = offers(&q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::NoAnswer },
        20_500,
    ));
    assert_eq!(next.iter().map(|o| o.2.as_str()).collect::<Vec<_>>(), [orgid(DANA)], "to Dana, not Alex again");
    q.step(&p, arrived("c2"), 21_000);
    let o2 = offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 21_500));
    assert_eq!(o2[0].2, AGENT, "another call is offered to Alex");
    assert!(q.audit(&p).is_empty());
}

#[test]
fn fixed_priority_waits_for_the_first_members_presence_after_their_call() {
    // Dana's presence is read again when her queue call ends (it showed that call as Busy);
    // the next call waits for that read instead of passing her over for Jo.
    let mut v = base();
    v["groups"] = json!([{"order": "priority", "members": [DANA, JO]}]);
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available"), (JO, "Available")]), 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 100));
    assert_eq!(o[0].2, orgid(DANA));
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined }, 2_000);
    q.step(&p, Input::CallEnded { call_id: "c1".into(), by_app: false }, 5_000);
    q.step(&p, arrived("c2"), 5_100);
    let out = q.step(&p, Input::Answered { call_id: "c2".into() }, 5_200);
    assert!(offers(&out).is_empty(), "not Jo: {out:?}");
    assert!(out.iter().any(|c| matches!(c, Command::ReadPresence { .. })), "{out:?}");
    let o2 = offers(&q.step(&p, presences(&[(DANA, "Available"), (JO, "Available")]), 5_400));
    assert_eq!(o2[0].2, orgid(DANA), "priority: Dana again");
    // When reads fail, offers go by what is known rather than wait.
    q.step(&p, Input::OfferEnded { call_id: "c2".into(), offer_id: o2[0].1, outcome: OfferOutcome::Joined }, 6_000);
    q.step(&p, Input::CallEnded { call_id: "c2".into(), by_app: false }, 7_000);
    q.step(&p, arrived("c3"), 7_100);
    assert!(offers(&q.step(&p, Input::Answered { call_id: "c3".into() }, 7_200)).is_empty());
    let o3 = offers(&q.step(&p, Input::PresenceFailed, 7_300));
    assert_eq!(o3[0].2, orgid(JO), "Graph down: Jo, whose presence is known");
    let words = view::view(&q, &p, 7_400)["presence"]["words"].as_str().unwrap().to_owned();
    assert!(words.contains("offers go by the presence read last"), "{words}");
}

#[test]
fn a_graph_down_from_the_start_is_said_in_the_view() {
    let p = policy(base());
    let mut q = Queue::new();
    q.step(&p, arrived("c1"), 0);
    let out = q.step(&p, Input::Answered { call_id: "c1".into() }, 100);
    assert!(out.iter().any(|c| matches!(c, Command::ReadPresence { .. })), "{out:?}");
    assert_eq!(view::view(&q, &p, 150)["presence"], json!({"failing": false, "words": null}));
    let out = q.step(&p, Input::PresenceFailed, 200);
    assert!(offers(&out).is_empty(), "nobody offered on a presence never read: {out:?}");
    let v = view::view(&q, &p, 300);
    assert_eq!(v["presence"]["failing"], true);
    assert!(v["presence"]["words"].as_str().unwrap().starts_with("Teams presence cannot be read"), "{v}");
    // Graph answers again: the words go.
    q.step(&p, presences(&[(DANA, "Available")]), 60_000);
    assert_eq!(view::view(&q, &p, 60_100)["presence"]["failing"], false);
}

#[test]
fn keep_waiting_after_the_fallback_starts_a_new_round_of_offers() {
    let mut v = base();
    v["groups"] = json!([{"members": [JO]}]);
    v["maxOffers"] = json!(1);
    v["fallback"] = json!({"afterSeconds": 60, "messageUrl": "https://contoso.example/sorry.wav", "then": "wait"});
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(JO, "Available")]), 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 100));
    let out = q.step(
        &p,
        Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::NoAnswer },
        20_100,
    );
    assert!(out.iter().any(|c| matches!(c, Command::Message { then_end: false, .. })), "{out:?}");
    // The message played; Jo is offered again in the new round (after a fresh presence read).
    let out = q.step(&p, Input::MessagePlayed { call_id: "c1".into() }, 30_000);
    assert!(out.iter().any(|c| matches!(c, Command::Hold { .. })), "{out:?}");
    let mut again = offers(&out);
    if again.is_empty() {
        again = offers(&q.step(&p, presences(&[(JO, "Available")]), 30_200));
    }
    assert_eq!(again.iter().map(|o| o.2.as_str()).collect::<Vec<_>>(), [orgid(JO)]);
    // The fallback's time counts from the new round: no second message before 90 s.
    assert!(!q.step(&p, Input::Tick, 60_000).iter().any(|c| matches!(c, Command::Message { .. })));
    assert!(q.audit(&p).is_empty());
}

#[test]
fn a_restart_signs_out_agents_whose_console_is_gone() {
    let p = policy(base());
    let mut q = Queue::new();
    q.step(&p, Input::AgentSignedIn { agent_id: "alex".into() }, 0);
    q.signed_in_only(&["alex".to_owned()]);
    assert!(q.agents[0].signed_in, "a socket still open (hibernation keeps them)");
    q.signed_in_only(&[]);
    assert!(!q.agents[0].signed_in);
    assert_eq!(view::view(&q, &p, 1_000)["agents"][0]["status"], "Signed out");
}

#[test]
fn an_agent_on_another_call_is_not_free_for_queue_calls() {
    let (p, mut q) = dana_available_and_alex_ready();
    // Alex joined a customer's call the queue did not route (his ACS identity is in it).
    q.step(&p, Input::AgentInCall { call_id: "other-1".into(), raw_id: AGENT.into(), on: true }, 100);
    assert_eq!(view::view(&q, &p, 200)["agents"][0]["status"], "On another call (not the queue's)");
    q.step(&p, arrived("c1"), 1_000);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 1_100));
    assert_eq!(o.iter().map(|o| o.2.as_str()).collect::<Vec<_>>(), [orgid(DANA)], "not Alex: he is on a call");
    // Out of it, he is offered the next call.
    q.step(&p, Input::AgentInCall { call_id: "other-1".into(), raw_id: AGENT.into(), on: false }, 2_000);
    q.step(&p, arrived("c2"), 3_000);
    let o2 = offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 3_100));
    assert_eq!(o2[0].2, AGENT);
    // A queue call's own taker is the queue's to know: told about it, nothing changes.
    q.step(&p, Input::AgentInCall { call_id: "c2".into(), raw_id: AGENT.into(), on: true }, 3_200);
    assert!(q.agents[0].elsewhere.is_empty());
}

#[test]
fn business_hours_follow_summer_time_where_the_policy_says_so() {
    let ms = |y: i64, mo: i64, d: i64, h: i64, mi: i64| {
        (crate::time::days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60) * 1000
    };
    let hours = |offset: i64, dst: &str| {
        let mut v = base();
        v["businessHours"] = json!({"utcOffsetMinutes": offset, "daylightSaving": dst, "days": ["mon","tue","wed","thu","fri","sat","sun"], "open": "08:00", "close": "18:00"});
        v["afterHours"] = json!({"messageUrl": "https://contoso.example/closed.wav"});
        policy(v).business_hours.unwrap()
    };
    // Berlin (UTC+1, EU rule): 08:00 local is 07:00 UTC in winter, 06:00 UTC in summer. Summer
    // time 2026 runs from 29 March to 25 October, 01:00 UTC.
    let berlin = hours(60, "eu");
    assert!(!berlin.is_open(ms(2026, 3, 28, 6, 30)) && berlin.is_open(ms(2026, 3, 28, 7, 0)), "winter");
    assert!(berlin.is_open(ms(2026, 3, 30, 6, 0)) && !berlin.is_open(ms(2026, 3, 30, 5, 59)), "summer");
    assert!(berlin.is_open(ms(2026, 10, 24, 6, 0)), "the day before it ends");
    assert!(!berlin.is_open(ms(2026, 10, 26, 6, 30)), "winter again");
    assert!(!hours(60, "none").is_open(ms(2026, 7, 1, 6, 30)), "without a rule, 08:00 is 07:00 UTC all year");
    // New York (UTC−5, US rule): 2026 from 8 March 07:00 UTC to 1 November 06:00 UTC; closes at
    // 18:00 local = 22:00 UTC in summer, 23:00 UTC in winter.
    let ny = hours(-300, "us");
    assert!(ny.is_open(ms(2026, 3, 7, 22, 30)) && !ny.is_open(ms(2026, 3, 9, 22, 30)));
    assert!(!ny.is_open(ms(2026, 10, 31, 22, 30)) && ny.is_open(ms(2026, 11, 2, 22, 30)));
    // A rule this version does not know is refused at load, naming the field.
    let mut v = base();
    v["businessHours"] = json!({"daylightSaving": "au", "days": ["mon"], "open": "08:00", "close": "18:00"});
    v["afterHours"] = json!({"messageUrl": "https://contoso.example/closed.wav"});
    assert_eq!(config(v).unwrap_err().field, "tenants.contoso.overflow.businessHours.daylightSaving");
}

#[test]
fn a_taker_by_transfer_is_read_again_once_the_call_has_settled() {
    // After a transfer the queue cannot see the call end: Dana is busy until a presence read
    // after the settle time says otherwise. That read is due at the settle time, not when her
    // presence would next be too old (30 s).
    let mut v = base();
    v["groups"] = json!([{"members": [DANA]}]);
    v["handoff"] = json!("transfer");
    let p = policy(v);
    let mut q = Queue::new();
    q.step(&p, presences(&[(DANA, "Available")]), 0);
    q.step(&p, arrived("c1"), 0);
    let o = offers(&q.step(&p, Input::Answered { call_id: "c1".into() }, 100));
    q.step(&p, Input::OfferEnded { call_id: "c1".into(), offer_id: o[0].1, outcome: OfferOutcome::Joined }, 2_000);
    q.step(&p, arrived("c2"), 3_000);
    assert!(offers(&q.step(&p, Input::Answered { call_id: "c2".into() }, 3_100)).is_empty(), "Dana took c1");
    assert_eq!(q.next_wake(&p), Some(2_000 + crate::overflow::queue::TRANSFER_SETTLE_MS));
    let out = q.step(&p, Input::Tick, 12_000);
    assert!(out.iter().any(|c| matches!(c, Command::ReadPresence { .. })), "{out:?}");
    let o2 = offers(&q.step(&p, presences(&[(DANA, "Available")]), 12_100));
    assert_eq!(o2[0].0, "c2", "Dana is free again: her transferred call ended");
}
