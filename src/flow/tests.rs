//! Unit tests of the session without ACS: routing, the outbox, refusals before connection.

use serde_json::json;

use super::*;
use crate::api::{commands, CallRoute};
use crate::events::parse_events;
use crate::tenant::{OnAgentHangup, Policy, RouteAction};

const INCOMING: &str = r#"[{"id":"eg-1","topic":"/subscriptions/x","subject":"/caller/4:+14255550123/recipient/4:+18005550100","eventType":"Microsoft.Communication.IncomingCall","eventTime":"2025-04-01T12:00:00Z","dataVersion":"1.0","data":{"to":{"kind":"phoneNumber","rawId":"4:+18005550100","phoneNumber":{"value":"+18005550100"}},"from":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}},"serverCallId":"c2VydmVy","callerDisplayName":"","incomingCallContext":"ctx-1","correlationId":"corr-1"}}]"#;

fn policy() -> Policy {
    Policy {
        reconcile_after_seconds: 60,
        on_agent_hangup: OnAgentHangup::Keep,
        greeting_url: None,
        record_consultations: false,
        source_display_name: None,
    }
}

fn ctx(now: i64) -> Ctx<'static> {
    Ctx { now, random: [3; 16], by: Some("agent-7") }
}

fn session() -> CallSession {
    CallSession::new(
        "contoso",
        "c1",
        "https://sb.example/api/callbacks/contoso/c1",
        Direction::Inbound,
        policy(),
        vec![],
        1_000,
    )
}

fn sends(out: &[Output]) -> Vec<u64> {
    out.iter().filter_map(|o| if let Output::Send(id) = o { Some(*id) } else { None }).collect()
}

#[test]
fn an_answered_offer_enqueues_one_answer_with_our_callback() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let out = s.offer(&incoming, &RouteAction::Answer, ctx(1_000));
    let ids = sends(&out);
    assert_eq!(ids.len(), 1);
    let e = &s.outbox[0];
    assert_eq!(e.operation, "answerCall");
    assert_eq!(e.params["incomingCallContext"], "ctx-1");
    assert_eq!(e.params["callbackUri"], "https://sb.example/api/callbacks/contoso/c1");
    assert_eq!(e.by.as_deref(), Some("agent-7"));
    assert!(out.iter().any(|o| matches!(o, Output::Log(r) if r.kind == "offer")));
    // Event Grid redelivers: nothing more is sent.
    assert!(sends(&s.offer(&incoming, &RouteAction::Answer, ctx(2_000))).is_empty());
    assert_eq!(s.summary().counterpart.as_deref(), Some("4:+14255550123"));
}

#[test]
fn commands_before_the_call_connects_are_refused_with_a_reason() {
    let mut s = session();
    let req = commands::read(&CallRoute::Terminate, "").unwrap();
    let e = s.command(req, ctx(1_000)).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "not_connected"));
    let req = commands::read(&CallRoute::Answer, "").unwrap();
    assert_eq!(s.command(req, ctx(1_000)).unwrap_err().code, "not_offered");
    assert!(s.outbox.is_empty());
}

#[test]
fn an_answer_removes_the_entry_and_teaches_the_connection_id() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
    assert_eq!(s.attempt(id).unwrap().attempts, 1);
    let body =
        json!({"callConnectionId": "cc-1", "serverCallId": "c2VydmVy", "callbackUri": "x", "targets": []}).to_string();
    let (sent, out) = s.sent(id, 200, &body, ctx(1_100));
    assert_eq!(sent.unwrap().status, 200);
    assert!(s.outbox.is_empty());
    assert_eq!(s.state.call_connection_id.as_deref(), Some("cc-1"));
    assert!(out.iter().any(|o| matches!(o, Output::Push(p) if p["type"] == "command")));
    // An unknown id (already concluded) is ignored.
    assert!(s.sent(id, 200, &body, ctx(1_200)).0.is_none());
}

/// ACS answering 503 to the routing's answer (an outage of seconds) does not strand the call:
/// the entry is kept and sent again every TRY_AGAIN_AFTER_MS with the same Repeatability key,
/// and the answer that finally gets through connects the call.
#[test]
fn a_routing_answer_acs_fails_for_now_is_sent_again_until_it_gets_through() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
    let key = s.outbox[0].repeatability_request_id.clone();
    s.attempt(id);
    let (sent, out) = s.sent(id, 503, r#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#, ctx(2_000));
    assert!(sent.is_none(), "not concluded");
    assert_eq!(s.outbox.len(), 1);
    assert!(out.iter().any(|o| matches!(o, Output::Log(r) if r.detail["retry"]["status"] == 503)));
    assert!(!s.state.is_ended());
    assert_eq!(s.next_check(), Some(2_000 + session::TRY_AGAIN_AFTER_MS));
    assert!(sends(&s.check(ctx(6_999))).is_empty(), "not before its time");
    assert_eq!(sends(&s.check(ctx(7_000))), vec![id]);
    assert_eq!(s.outbox[0].repeatability_request_id, key, "the same key: ACS acts once");
    s.attempt(id);
    let body = json!({"callConnectionId": "cc-1", "serverCallId": "c2VydmVy"}).to_string();
    let (sent, _) = s.sent(id, 200, &body, ctx(7_100));
    assert_eq!(sent.unwrap().status, 200);
    assert!(s.outbox.is_empty());
    assert_eq!(s.state.call_connection_id.as_deref(), Some("cc-1"));
}

/// ACS's Retry-After is honoured by the resend when it asks for longer than TRY_AGAIN_AFTER_MS;
/// one beyond KEEP_TRYING_MS concludes the failure at once.
#[test]
fn a_kept_request_waits_for_acs_retry_after() {
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let mut s = session();
    let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
    s.retry_after(id, 2_000 + 20_000);
    assert!(s.sent(id, 429, "", ctx(2_000)).0.is_none(), "kept");
    assert_eq!(s.next_check(), Some(22_000));
    assert!(sends(&s.check(ctx(21_999))).is_empty());
    assert_eq!(sends(&s.check(ctx(22_000))), vec![id]);

    let mut s = session();
    let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
    s.retry_after(id, 2_000 + 3_600_000);
    assert_eq!(s.sent(id, 429, "", ctx(2_000)).0.unwrap().status, 429, "an hour away: not kept");
    assert!(s.outbox.is_empty());
}

/// Still failing after KEEP_TRYING_MS, or refused (4xx): the call is offered again instead of
/// staying "connecting" for ever with a spent context — an agent may answer, redirect or reject.
#[test]
fn a_routing_answer_acs_never_carries_out_leaves_the_call_offered() {
    for (status, at) in [(503, 1_000 + session::KEEP_TRYING_MS), (400, 2_000)] {
        let mut s = session();
        let incoming = parse_events(INCOMING).unwrap().remove(0);
        let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
        let (sent, _) = s.sent(id, status, r#"{"error":{"code":"x","message":"no"}}"#, ctx(at));
        assert_eq!(sent.unwrap().status, status);
        assert!(s.outbox.is_empty());
        assert!(!s.state.is_ended(), "{status}");
        assert_eq!(s.summary().connection_state, "offered", "{status}");
        let (again, _) = s.command(commands::read(&CallRoute::Answer, "").unwrap(), ctx(at + 100)).unwrap();
        assert_eq!(again.len(), 1, "{status}: answerable again");
    }
}

/// An offered call nobody answers, redirects or rejects is over here after OFFER_EXPIRES_MS (ACS
/// says nothing of it): not a ghost in the call list for ever.
#[test]
fn an_offer_nobody_takes_expires_here() {
    use crate::call::OFFER_EXPIRES_MS;
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    s.offer(&incoming, &RouteAction::Offer, ctx(1_000));
    let due = s.next_check().unwrap();
    assert_eq!(due, s.state.incoming.as_ref().unwrap().offered_at.unwrap() + OFFER_EXPIRES_MS);
    assert!(s.check(ctx(due - 1)).is_empty());
    assert_eq!(s.summary().connection_state, "offered");
    let out = s.check(ctx(due));
    assert!(s.state.is_ended());
    assert_eq!(s.summary().connection_state, "disconnected");
    assert!(out.iter().any(|o| matches!(o, Output::Log(r) if r.detail["expired"].is_string())));
    assert_eq!(s.next_check(), None, "nothing more to do");
}

/// A workflow's play kept after ACS failed it (hold music) is dropped when the media are
/// cancelled or the call is left: sent again later it would play under the conversation.
#[test]
fn a_kept_play_is_dropped_when_the_media_are_cancelled() {
    let mut s = connected_session();
    let mut p = serde_json::Map::new();
    p.insert("callConnectionId".into(), json!("cc-1"));
    p.insert("playSources".into(), json!([{"kind": "file", "file": {"uri": "https://x/hold.wav"}}]));
    p.insert("loop".into(), json!(true));
    let play = sends(&s.enqueue("playToAll", p, Some("queue-hold".into()), Purpose::Workflow, ctx(2_000), 1))[0];
    s.sent(play, 500, "", ctx(2_100));
    assert_eq!(s.outbox.len(), 1, "kept for another try");
    let mut c = serde_json::Map::new();
    c.insert("callConnectionId".into(), json!("cc-1"));
    let out = s.enqueue("cancelAllMediaOperations", c, None, Purpose::Workflow, ctx(3_000), 2);
    assert!(out.iter().any(|o| matches!(o, Output::Log(r) if r.detail["dropped"] == json!([play]))));
    let ops: Vec<&str> = s.outbox.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(ops, ["cancelAllMediaOperations"]);
    assert!(s.check(ctx(7_100)).iter().all(|o| !matches!(o, Output::Send(id) if *id == play)), "never sent again");
}

/// An agent's own answer is not kept: they hear the failure (502) and, as ACS did not act on
/// the context, may answer again.
#[test]
fn an_agent_answer_acs_fails_for_now_leaves_the_call_to_answer_again() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    s.offer(&incoming, &RouteAction::Offer, ctx(1_000));
    let (ids, _) = s.command(commands::read(&CallRoute::Answer, "").unwrap(), ctx(1_100)).unwrap();
    let (sent, _) = s.sent(ids[0], 503, "", ctx(1_200));
    assert_eq!(sent.unwrap().status, 503);
    assert!(s.outbox.is_empty());
    assert!(!s.state.is_ended());
    let (again, _) = s.command(commands::read(&CallRoute::Answer, "").unwrap(), ctx(1_300)).unwrap();
    assert_eq!(again.len(), 1, "the offer is open again");
}

#[test]
fn the_session_survives_a_storage_round_trip() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    s.offer(&incoming, &RouteAction::Offer, ctx(1_000));
    let text = serde_json::to_string(&s).unwrap();
    let mut back: CallSession = serde_json::from_str(&text).unwrap();
    back.state.restore_indexes();
    assert_eq!(back.view(), s.view());
    // Still deduplicates after the round trip.
    assert!(sends(&back.offer(&incoming, &RouteAction::Answer, ctx(2_000))).is_empty());
    assert_eq!(back.summary().connection_state, "offered");
}

/// An offered call: nothing to hang up until it is answered; once ACS takes the agent's reject
/// (or redirect) the call is over here — listed as ended, every command refused by rule.
#[test]
fn an_offered_call_ends_here_when_acs_takes_the_reject() {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    s.offer(&incoming, &RouteAction::Offer, ctx(1_000));
    let hangup = s.command(commands::read(&CallRoute::Hangup, "").unwrap(), ctx(1_100)).unwrap_err();
    assert_eq!((hangup.status, hangup.code.as_str()), (409, "refused_by_rule"));
    assert_eq!(hangup.detail.as_ref().unwrap()["rule"], "call_connected");
    assert_eq!(hangup.message, "the incoming call is not answered yet: answer, redirect or reject it");

    let (ids, _) = s.command(commands::read(&CallRoute::Reject, r#"{"reason":"busy"}"#).unwrap(), ctx(1_200)).unwrap();
    assert!(!s.summary().ended, "not before ACS answers");
    s.sent(ids[0], 204, "", ctx(1_300));
    let summary = s.summary();
    assert!(summary.ended);
    assert_eq!(summary.connection_state, "disconnected");
    assert_eq!(s.view()["endedAt"], 1_300);
    for route in [CallRoute::Terminate, CallRoute::Hangup] {
        let e = s.command(commands::read(&route, "").unwrap(), ctx(1_400)).unwrap_err();
        assert_eq!((e.code.as_str(), &e.detail.unwrap()["rule"]), ("refused_by_rule", &json!("call_not_ended")));
    }
    assert!(s.outbox.is_empty(), "nothing left to send");
}

/// A call's log goes to every agent of the tenant: it keeps neither the incoming call's context
/// (it answers the call) nor the callback URL's signature.
#[test]
fn the_log_hides_the_incoming_context_and_the_callback_signature() {
    let mut s = CallSession::new(
        "contoso",
        "c1",
        "https://sb.example/api/callbacks/contoso/c1?sig=s3cr3t",
        Direction::Inbound,
        policy(),
        vec![],
        1_000,
    );
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let out = s.offer(&incoming, &RouteAction::Answer, ctx(1_000));
    let logged: Vec<String> =
        out.iter().filter_map(|o| if let Output::Log(r) = o { Some(r.detail.to_string()) } else { None }).collect();
    let all = logged.join("\n");
    assert!(!all.contains("ctx-1") && !all.contains("s3cr3t"), "{all}");
    assert!(all.contains(r#""incomingCallContext":"(hidden)""#), "{all}");
    assert!(all.contains("?sig=(hidden)"), "{all}");
    // The request itself still carries both: ACS needs them.
    let e = &s.outbox[0];
    assert_eq!(
        (e.params["incomingCallContext"].as_str(), e.params["callbackUri"].as_str()),
        (Some("ctx-1"), Some("https://sb.example/api/callbacks/contoso/c1?sig=s3cr3t"))
    );
}

#[test]
fn a_callback_token_is_good_for_one_delivery() {
    let mut s = session();
    assert!(s.accept_token("jti-1", 1_300, 1_000_000));
    assert!(!s.accept_token("jti-1", 1_300, 1_001_000), "replayed");
    assert!(s.accept_token("jti-2", 1_300, 1_001_000));
    // Long after expiry the id is forgotten (the token's exp refuses it anyway).
    assert!(s.accept_token("jti-3", 2_000, 1_400_000));
    assert_eq!(s.seen_tokens.len(), 1);
}

/// A session answered and connected at 1 s (the answer's CallConnected delivered).
fn connected_session() -> CallSession {
    let mut s = session();
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let id = sends(&s.offer(&incoming, &RouteAction::Answer, ctx(1_000)))[0];
    s.sent(id, 200, &json!({"callConnectionId": "cc-1"}).to_string(), ctx(1_000));
    let connected = json!([{"id": "e1", "type": "Microsoft.Communication.CallConnected", "time": "2025-04-01T12:00:01Z",
        "data": {"callConnectionId": "cc-1", "operationContext": "answer"}}]);
    s.callback(&parse_events(&connected.to_string()).unwrap(), ctx(1_000));
    s
}

const DANA: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";

#[test]
fn a_lost_outcome_is_recovered_by_reading_the_call_when_it_is_overdue() {
    let mut s = connected_session();
    assert!(s.state.pending.is_empty());
    // Quiet for 60 s, plus this call's own share of a tenth of that (its id picks it).
    let spread = s.quiet_spread(60_000);
    assert_eq!(spread, 2_886);
    assert_eq!(s.next_check(), Some(61_000 + spread), "quiet for 60 s");
    let req = commands::read(&CallRoute::Consult, &format!(r#"{{"expert":"{DANA}","invitationTimeoutInSeconds":20}}"#))
        .unwrap();
    let (ids, _) = s.command(req, ctx(10_000)).unwrap();
    s.sent(ids[0], 202, &json!({"invitationId": "inv-1"}).to_string(), ctx(10_100));
    // Dana answered; every callback about it was lost. The add is due by 30 s, checked 15 s later.
    assert_eq!(s.next_check(), Some(45_000));
    assert!(sends(&s.check(ctx(44_000))).is_empty(), "not due yet");
    let out = s.check(ctx(45_000));
    let reads: Vec<&str> = s.outbox.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(reads, ["getCall", "getParticipants"]);
    assert_eq!(sends(&out).len(), 2);
    assert!(sends(&s.check(ctx(45_500))).is_empty(), "one check at a time");
    // While the reads are out, the next alarm is when they would count as stranded (sent again),
    // not the next read's time: the alarm would find no read to make then and ring in a loop.
    assert_eq!(s.next_check(), Some(45_000 + session::RESEND_AFTER_MS));
    let ids = sends(&out);
    s.sent(
        ids[0],
        200,
        &json!({"callConnectionId": "cc-1", "callConnectionState": "connected"}).to_string(),
        ctx(45_100),
    );
    let dana = json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{DANA}"), "microsoftTeamsUser": {"userId": DANA}});
    let customer = json!({"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}});
    let list = json!({"value": [{"identifier": customer}, {"identifier": dana}]});
    let (_, out) = s.sent(ids[1], 200, &list.to_string(), ctx(45_200));
    assert!(s.state.pending.is_empty(), "{:?}", s.state.pending);
    assert_eq!(s.consultations[0].phase, crate::flow::Phase::Joined);
    assert!(out.iter().any(|o| matches!(o, Output::Push(p) if p["type"] == "consultation")));
    // The check taught something: the next quiet check is one quiet period later; checks that
    // teach nothing then wait twice as long each time.
    let at = 105_000 + spread;
    assert_eq!(s.next_check(), Some(at));
    assert!(sends(&s.check(ctx(at - 1))).is_empty(), "not due yet");
    let out = s.check(ctx(at));
    let ids = sends(&out);
    s.sent(ids[0], 200, &json!({"callConnectionState": "connected"}).to_string(), ctx(at + 100));
    s.sent(ids[1], 200, &list.to_string(), ctx(at + 200));
    assert_eq!(s.next_check(), Some(at + 120_000 + spread));
    assert_eq!(s.view()["checkedAt"], at);
}

/// The call's end delivered before the events of the expert joining and leaving (ACS does not
/// order webhooks): the consultation ends as "left", as in any other order, not "cancelled".
#[test]
fn a_consultation_ends_the_same_whatever_order_its_events_arrive_in() {
    let dana = json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{DANA}"), "microsoftTeamsUser": {"userId": DANA}});
    let customer = json!({"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}});
    let ev = |id: &str, kind: &str, time: &str, data: serde_json::Value| {
        let mut d = data;
        d["callConnectionId"] = json!("cc-1");
        json!({"id": id, "type": format!("Microsoft.Communication.{kind}"), "time": time, "data": d})
    };
    let run = |order: &[usize]| {
        let mut s = connected_session();
        let req = commands::read(&CallRoute::Consult, &format!(r#"{{"expert":"{DANA}"}}"#)).unwrap();
        let (ids, _) = s.command(req, ctx(10_000)).unwrap();
        s.sent(ids[0], 202, &json!({"invitationId": "inv-1"}).to_string(), ctx(10_100));
        let c = s.consultations[0].id.clone();
        let events = [
            ev(
                "p1",
                "ParticipantsUpdated",
                "2025-04-01T12:00:15Z",
                json!({"sequenceNumber": 1, "participants": [{"identifier": customer}, {"identifier": dana}]}),
            ),
            ev(
                "a1",
                "AddParticipantSucceeded",
                "2025-04-01T12:00:15Z",
                json!({"operationContext": c, "participant": dana, "resultInformation": {"code": 200, "subCode": 0, "message": "ok"}}),
            ),
            ev(
                "p2",
                "ParticipantsUpdated",
                "2025-04-01T12:00:40Z",
                json!({"sequenceNumber": 2, "participants": [{"identifier": customer}]}),
            ),
            ev("d1", "CallDisconnected", "2025-04-01T12:01:00Z", json!({})),
        ];
        for (n, i) in order.iter().enumerate() {
            let body = json!([events[*i]]).to_string();
            s.callback(&parse_events(&body).unwrap(), ctx(61_000 + n as i64 * 100));
        }
        s.consultations[0].phase
    };
    assert_eq!(run(&[0, 1, 2, 3]), crate::flow::Phase::Left);
    assert_eq!(run(&[3, 0, 1, 2]), crate::flow::Phase::Left, "the call's end first");
    assert_eq!(run(&[3, 2, 1, 0]), crate::flow::Phase::Left, "all reversed");
}

/// A consultation cancelled while ringing stays cancelled when the same expert joins a later
/// one: the later join is that consultation's.
#[test]
fn a_cancelled_consultation_is_not_moved_by_a_later_one_of_the_same_expert() {
    let dana = json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{DANA}"), "microsoftTeamsUser": {"userId": DANA}});
    let customer = json!({"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}});
    let ev = |id: &str, kind: &str, time: &str, mut d: serde_json::Value| {
        d["callConnectionId"] = json!("cc-1");
        json!([{"id": id, "type": format!("Microsoft.Communication.{kind}"), "time": time, "data": d}]).to_string()
    };
    let mut s = connected_session();
    // Dana consulted at `at`, ACS accepting the invitation 100 ms later: the consultation's id.
    let consult = |s: &mut CallSession, at: i64, invitation: &str| {
        let read = commands::read(&CallRoute::Consult, &format!(r#"{{"expert":"{DANA}"}}"#)).unwrap();
        let (ids, _) = s.command(read, ctx(at)).unwrap();
        s.sent(ids[0], 202, &json!({"invitationId": invitation}).to_string(), ctx(at + 100));
        s.consultations.last().unwrap().id.clone()
    };
    let first = consult(&mut s, 10_000, "inv-1");
    let cancelled = ev(
        "x1",
        "CancelAddParticipantSucceeded",
        "2025-04-01T12:00:12Z",
        json!({"operationContext": first, "invitationId": "inv-1", "participant": dana}),
    );
    s.callback(&parse_events(&cancelled).unwrap(), ctx(12_000));
    assert_eq!(s.consultations[0].phase, crate::flow::Phase::Cancelled);
    let second = consult(&mut s, 20_000, "inv-2");
    let joined = ev(
        "p1",
        "ParticipantsUpdated",
        "2025-04-01T12:00:25Z",
        json!({"sequenceNumber": 1, "participants": [{"identifier": customer}, {"identifier": dana}]}),
    );
    s.callback(&parse_events(&joined).unwrap(), ctx(25_000));
    let added = ev(
        "a2",
        "AddParticipantSucceeded",
        "2025-04-01T12:00:25Z",
        json!({"operationContext": second, "participant": dana, "resultInformation": {"code": 200, "subCode": 0, "message": "ok"}}),
    );
    s.callback(&parse_events(&added).unwrap(), ctx(25_100));
    assert_eq!(s.consultations[1].phase, crate::flow::Phase::Joined);
    assert_eq!(s.consultations[0].phase, crate::flow::Phase::Cancelled, "the first stays cancelled");
}

/// A pause whose state event is lost: a second pause is refused while it is on its way, and
/// the call is read when its answer is overdue — the read's recording state answers it.
#[test]
fn a_pause_on_its_way_blocks_a_second_one_until_acs_tells_the_recording_state() {
    use crate::api::RecordingVerb;
    use crate::call::{RecordingStatus, OUTCOME_GRACE_MS};
    let mut s = connected_session();
    let (ids, _) =
        s.command(commands::read(&CallRoute::Recording(RecordingVerb::Start), "").unwrap(), ctx(2_000)).unwrap();
    s.sent(ids[0], 200, &json!({"recordingId": "rec-1", "recordingState": "inactive"}).to_string(), ctx(2_100));
    // The start stays pending until a read (no event names its context): the read finds the
    // recording active (this test's clock is not the events' 2025 one, so no state events).
    let read = |s: &mut CallSession, at: i64, state: &str| {
        let out = s.check(ctx(at));
        let reads: Vec<&str> = s.outbox.iter().map(|e| e.operation.as_str()).collect();
        assert_eq!(reads, ["getCall", "getParticipants", "getRecordingProperties"]);
        let ids = sends(&out);
        s.sent(ids[0], 200, &json!({"callConnectionState": "connected"}).to_string(), ctx(at + 100));
        s.sent(ids[1], 200, r#"{"value":[{"identifier":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}}}]}"#, ctx(at + 100));
        s.sent(ids[2], 200, &json!({"recordingId": "rec-1", "recordingState": state}).to_string(), ctx(at + 100));
    };
    read(&mut s, 2_000 + OUTCOME_GRACE_MS, "active");
    assert!(s.state.pending.is_empty());
    let quiet = s.next_check().unwrap();

    let pause = || commands::read(&CallRoute::Recording(RecordingVerb::Pause), "").unwrap();
    let (ids, _) = s.command(pause(), ctx(20_000)).unwrap();
    s.sent(ids[0], 202, "", ctx(20_100));
    let again = s.command(pause(), ctx(20_200)).unwrap_err();
    assert_eq!(
        (again.code.as_str(), again.message.as_str()),
        ("refused_by_rule", "a pause was sent and ACS has not confirmed it yet")
    );
    assert!(s.outbox.is_empty(), "the second pause was not sent");

    // Its RecordingStateChanged is lost: the call is read once the answer is overdue, before
    // the quiet check would.
    assert_eq!(s.next_check(), Some(20_000 + OUTCOME_GRACE_MS));
    assert!(20_000 + OUTCOME_GRACE_MS < quiet);
    read(&mut s, 20_000 + OUTCOME_GRACE_MS, "inactive");
    assert_eq!(s.state.recording.as_ref().unwrap().status, RecordingStatus::Paused);
    let resume = commands::read(&CallRoute::Recording(RecordingVerb::Resume), "").unwrap();
    assert!(s.command(resume, ctx(35_200)).is_ok(), "answered: the recording may be resumed");
}

/// A restart lost the answer to startRecording and its RecordingStateChanged: the start is sent
/// again (same key) and, once its answer names the recording, the recording is read soon — not
/// only at the next quiet check — so the view does not stay "starting" while ACS records.
#[test]
fn a_recording_whose_start_was_sent_again_is_read_soon_after_the_answer() {
    use crate::api::RecordingVerb;
    use crate::call::{RecordingStatus, OUTCOME_GRACE_MS};
    let mut s = connected_session();
    let (ids, _) =
        s.command(commands::read(&CallRoute::Recording(RecordingVerb::Start), "").unwrap(), ctx(2_000)).unwrap();
    let start = ids[0];
    let list = r#"{"value":[{"identifier":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}}}]}"#;
    // The Worker restarted mid-send: no answer. The overdue check reads what it can.
    let mut at = 2_000 + OUTCOME_GRACE_MS;
    let mut resent = false;
    let mut read_recording_at = None;
    while at < 120_000 && read_recording_at.is_none() {
        let due = s.next_check().unwrap();
        at = due.max(at);
        let out = s.check(ctx(at));
        for id in sends(&out) {
            let Some(e) = s.outbox.iter().find(|e| e.id == id) else { continue };
            let op = e.operation.clone();
            let body = match op.as_str() {
                "startRecording" => {
                    resent = true;
                    json!({"recordingId": "rec-1", "recordingState": "inactive"}).to_string()
                }
                "getCall" => json!({"callConnectionState": "connected"}).to_string(),
                "getParticipants" => list.to_owned(),
                "getRecordingProperties" => {
                    read_recording_at = Some(at);
                    json!({"recordingId": "rec-1", "recordingState": "active"}).to_string()
                }
                other => panic!("unexpected {other}"),
            };
            s.sent(id, 200, &body, ctx(at + 100));
        }
        at += 1;
    }
    assert!(resent, "the start was sent again");
    let read_at = read_recording_at.expect("the recording was read");
    assert!(read_at <= 2_000 + session::RESEND_AFTER_MS + OUTCOME_GRACE_MS, "read at {read_at}");
    assert_eq!(s.state.recording.as_ref().unwrap().status, RecordingStatus::Active);
    assert!(s.outbox.iter().all(|e| e.id != start));
}

#[test]
fn calls_that_go_quiet_together_are_checked_at_different_times() {
    let quiet = 60_000;
    let mut at: Vec<i64> = (0..50)
        .map(|i| {
            let mut s = connected_session();
            s.state.call_connection_id = Some(format!("{i:08x}-5f2e-4f3a-85f4-343a0d00e64f"));
            let spread = s.quiet_spread(quiet);
            assert!((0..quiet / 10).contains(&spread), "{spread}");
            assert_eq!(s.next_check(), Some(1_000 + quiet + spread));
            s.next_check().unwrap()
        })
        .collect();
    at.sort_unstable();
    at.dedup();
    assert!(at.len() >= 45, "50 calls quiet since the same moment share {} check times", at.len());
    assert!(at.last().unwrap() - at.first().unwrap() > quiet / 20, "spread over the window: {at:?}");
}

#[test]
fn a_stranded_outbox_entry_is_sent_again_with_its_key() {
    let mut s = connected_session();
    let req = commands::read(&CallRoute::Terminate, "").unwrap();
    let (ids, _) = s.command(req, ctx(5_000)).unwrap();
    let key = s.outbox[0].repeatability_request_id.clone();
    // The Worker stopped before ACS answered: the entry stays. Its outcome is overdue 15 s
    // later (the call is read then), and the entry is due again 30 s after it was decided.
    assert_eq!(s.next_check(), Some(20_000));
    let out = s.check(ctx(35_000));
    assert_eq!(sends(&out)[0], ids[0]);
    assert_eq!(s.outbox[0].repeatability_request_id, key);
    assert!(out.iter().any(|o| matches!(o, Output::Log(r) if r.detail["resend"] == json!([ids[0]]))));
}

#[test]
fn an_agent_may_not_use_the_operation_contexts_the_worker_gives_its_own() {
    // An outcome under "queue-offer-3" would be taken for the queue's offer; under "c1-4" for a
    // command whose context the Worker generated. Refused before the rules, nothing sent.
    let mut s = session();
    for context in ["queue-offer-3", "queue-hold", "c1-4"] {
        let req = commands::read(&CallRoute::Terminate, &json!({ "operationContext": context }).to_string()).unwrap();
        let e = s.command(req, ctx(1_000)).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (400, Some("operationContext")), "{context}: {e:?}");
    }
    assert!(s.outbox.is_empty());
    // Others pass to the rules (here: not connected yet).
    for context in ["queue", "c1-", "c1-x", "expert-1"] {
        let req = commands::read(&CallRoute::Terminate, &json!({ "operationContext": context }).to_string()).unwrap();
        assert_eq!(s.command(req, ctx(1_000)).unwrap_err().code, "not_connected", "{context}");
    }
}

#[test]
fn the_queue_hears_when_an_agent_joins_or_leaves_a_call_it_did_not_route() {
    const AGENT: &str = "8:acs:5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21";
    let mut s = connected_session();
    s.agent_raw_ids = vec![crate::RawId::new(AGENT).unwrap()];
    let roster = |id: &str, seq: u64, with_agent: bool| {
        let mut people = vec![
            json!({"identifier": {"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}}, "isMuted": false}),
        ];
        if with_agent {
            people.push(json!({"identifier": {"kind": "communicationUser", "rawId": AGENT, "communicationUser": {"id": AGENT}}, "isMuted": false}));
        }
        json!([{"id": id, "type": "Microsoft.Communication.ParticipantsUpdated", "time": "2025-04-01T12:00:05Z",
            "data": {"callConnectionId": "cc-1", "sequenceNumber": seq, "participants": people}}])
        .to_string()
    };
    let told = |out: &[Output]| -> Vec<(String, bool)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Queue(crate::overflow::Input::AgentInCall { call_id, raw_id, on }) => {
                    assert_eq!(call_id, "c1");
                    Some((raw_id.clone(), *on))
                }
                _ => None,
            })
            .collect()
    };
    let (_, _, out) = s.callback(&parse_events(&roster("r1", 1, true)).unwrap(), ctx(5_000));
    assert_eq!(told(&out), [(AGENT.to_owned(), true)]);
    // Said once: a roster that changes nothing for the agent tells nothing.
    let (_, _, out) = s.callback(&parse_events(&roster("r2", 2, true)).unwrap(), ctx(6_000));
    assert!(told(&out).is_empty());
    let (_, _, out) = s.callback(&parse_events(&roster("r3", 3, false)).unwrap(), ctx(7_000));
    assert_eq!(told(&out), [(AGENT.to_owned(), false)]);
}
