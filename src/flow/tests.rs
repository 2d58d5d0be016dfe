//! Unit tests of the session without ACS: routing, the outbox, refusals before connection.

use serde_json::json;

use super::*;
use crate::api::{commands, CallRoute};
use crate::events::parse_events;
use crate::tenant::{OnAgentHangup, Policy, RouteAction};

const INCOMING: &str = r#"[{"id":"eg-1","topic":"/subscriptions/x","subject":"/caller/4:+14255550123/recipient/4:+18005550100","eventType":"Microsoft.Communication.IncomingCall","eventTime":"2025-04-01T12:00:00Z","dataVersion":"1.0","data":{"to":{"kind":"phoneNumber","rawId":"4:+18005550100","phoneNumber":{"value":"+18005550100"}},"from":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}},"serverCallId":"c2VydmVy","callerDisplayName":"","incomingCallContext":"ctx-1","correlationId":"corr-1"}}]"#;

fn policy() -> Policy {
    Policy {
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
