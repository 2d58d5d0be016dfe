//! Reducer and rule tests. Events are built in the wire shape and parsed, so these also
//! exercise the event parser the way the Worker and the console use it.

use serde_json::{json, Value};

use super::*;
use crate::events::parse_events;
use crate::model::{CallConnectionState, RecordingKind};
use crate::RawId;

const CALL: &str = "call-1";
const EXPERT: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";
const CUSTOMER: &str = "+14255550123";
const AGENT: &str = "8:acs:res_agent";

fn t(sec: u32) -> String {
    format!("2025-04-01T12:{:02}:{:02}Z", sec / 60, sec % 60)
}

fn ev(id: &str, name: &str, at: u32, data: Value) -> crate::events::Event {
    let mut d = data;
    d["callConnectionId"] = json!(CALL);
    let body = json!([{ "id": id, "source": format!("calling/callConnections/{CALL}"), "type": format!("Microsoft.Communication.{name}"), "data": d, "time": t(at), "specversion": "1.0" }]);
    parse_events(&body.to_string()).unwrap().remove(0)
}

fn teams() -> Value {
    json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{EXPERT}"), "microsoftTeamsUser": {"userId": EXPERT}})
}
fn phone() -> Value {
    json!({"kind": "phoneNumber", "rawId": format!("4:{CUSTOMER}"), "phoneNumber": {"value": CUSTOMER}})
}
fn agent() -> Value {
    json!({"kind": "communicationUser", "rawId": AGENT, "communicationUser": {"id": AGENT}})
}

fn roster(id: &str, seq: i64, at: u32, who: &[Value]) -> crate::events::Event {
    let participants: Vec<Value> =
        who.iter().map(|w| json!({"identifier": w, "isMuted": false, "isOnHold": false})).collect();
    ev(id, "ParticipantsUpdated", at, json!({"sequenceNumber": seq, "participants": participants}))
}

fn changes(a: Applied) -> Vec<Change> {
    match a {
        Applied::Applied { changes } => changes,
        other => panic!("expected Applied, got {other:?}"),
    }
}

/// A connected call between the customer and the agent.
fn connected() -> CallState {
    let mut s = CallState::new();
    s.apply(&ev("e1", "CallConnected", 0, json!({})));
    s.apply(&roster("e2", 1, 1, &[phone(), agent()]));
    s
}

fn expert_id() -> RawId {
    RawId::new(format!("8:orgid:{EXPERT}")).unwrap()
}

fn action(v: Value) -> Action {
    Action::parse(&v.to_string()).unwrap()
}

#[test]
fn expert_join_and_leave_history_is_visible() {
    let mut s = connected();
    s.record_command(
        &action(json!({"operation": "addParticipant", "participantToAdd": teams(), "sourceDisplayName": "Contoso"})),
        Some("expert-1"),
        Some(1_743_508_805_000),
        Some("agent-7"),
    );
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Ringing);
    let c = changes(s.apply(&ev("e3", "AddParticipantSucceeded", 20, json!({"operationContext": "expert-1", "participant": teams(), "resultInformation": {"code": 200, "subCode": 0, "message": "ok"}}))));
    assert!(c.contains(&Change::Participant {
        raw_id: expert_id(),
        status: ParticipantStatus::Connected,
        result: None
    }));
    assert!(c.iter().any(|c| matches!(c, Change::Operation { operation_context, succeeded: true, operation: Some(op), .. } if operation_context == "expert-1" && op == "addParticipant")));
    s.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()]));
    let c = changes(s.apply(&roster("e5", 3, 140, &[phone(), agent()])));
    assert_eq!(c, vec![Change::Participant { raw_id: expert_id(), status: ParticipantStatus::Left, result: None }]);
    let p = s.participant(&expert_id()).unwrap();
    assert_eq!(p.stays, vec![Stay { joined_at: Some(1_743_508_820_000), left_at: Some(1_743_508_940_000) }]);
    assert_eq!(p.invitation.as_ref().unwrap().source_display_name.as_deref(), Some("Contoso"));
    // The customer and agent carry on.
    assert_eq!(s.others_in_call().count(), 2);
    assert!(s.pending.is_empty());
}

#[test]
fn duplicate_events_change_nothing() {
    let mut s = connected();
    let e = ev("e3", "AddParticipantSucceeded", 20, json!({"participant": teams()}));
    s.apply(&e);
    let before = s.clone();
    assert_eq!(s.apply(&e), Applied::Duplicate);
    assert_eq!(s, before);
    assert_eq!(s.events_applied, 3);
}

#[test]
fn duplicates_are_remembered_for_the_last_1024_events() {
    let mut s = connected();
    // Ids out of order, so the sorted index is exercised away from its ends.
    let id = |i: u32| format!("p{}", (i * 7919) % 2000);
    let play = |i: u32| ev(&id(i), "PlayCompleted", 30, json!({}));
    for i in 0..1100 {
        assert_ne!(s.apply(&play(i)), Applied::Duplicate, "{i}");
    }
    // The last 1024 are known (the two events of `connected()` and the first 76 here fell out).
    assert_eq!(s.apply(&play(1099)), Applied::Duplicate);
    assert_eq!(s.apply(&play(76)), Applied::Duplicate);
    assert_ne!(s.clone().apply(&play(75)), Applied::Duplicate);
    // The same after a reload from storage, which rebuilds the index.
    let mut back: CallState = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back.apply(&play(500)), Applied::Duplicate);
    assert_ne!(back.apply(&play(0)), Applied::Duplicate);
    assert_eq!(back.apply(&play(0)), Applied::Duplicate);
}

#[test]
fn stale_rosters_are_ignored_and_late_success_does_not_rejoin() {
    let mut s = connected();
    // Roster 3 (expert gone) arrives before roster 2 (expert in) and before the success event.
    s.apply(&roster("e5", 3, 140, &[phone(), agent()]));
    // The older roster does not change who is in the call now, but fills in history.
    assert_eq!(s.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()])), Applied::Stale);
    let p = s.participant(&expert_id()).unwrap();
    assert_eq!(
        (p.status, p.stays.clone()),
        (ParticipantStatus::Left, vec![Stay { joined_at: Some(1_743_508_821_000), left_at: Some(1_743_508_940_000) }])
    );
    // A later roster with the expert again, then a delayed success from before they first left.
    s.apply(&roster("e6", 4, 150, &[phone(), agent(), teams()]));
    s.apply(&roster("e7", 5, 200, &[phone(), agent()]));
    let c = changes(s.apply(&ev("e3", "AddParticipantSucceeded", 20, json!({"participant": teams()}))));
    assert!(c.is_empty(), "{c:?}");
    let p = s.participant(&expert_id()).unwrap();
    assert_eq!((p.status, p.stays.len()), (ParticipantStatus::Left, 2));
}

#[test]
fn shuffled_delivery_reaches_the_same_state() {
    let events = vec![
        ev("e1", "CallConnected", 0, json!({})),
        roster("e2", 1, 1, &[phone(), agent()]),
        ev("e3", "AddParticipantSucceeded", 20, json!({"participant": teams()})),
        roster("e4", 2, 21, &[phone(), agent(), teams()]),
        roster("e5", 3, 140, &[phone(), agent()]),
        ev("e6", "CallDisconnected", 300, json!({})),
    ];
    let mut in_order = CallState::new();
    for e in &events {
        in_order.apply(e);
    }
    // Reverse order, every event twice.
    let mut shuffled = CallState::new();
    for e in events.iter().rev().chain(events.iter()) {
        shuffled.apply(e);
    }
    let view = |s: &CallState| {
        s.participants.iter().map(|p| (p.identifier.raw_id().clone(), p.status, p.stays.clone())).collect::<Vec<_>>()
    };
    let mut a = view(&in_order);
    let mut b = view(&shuffled);
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(a, b);
    assert_eq!(shuffled.connection_state, Some(CallConnectionState::Disconnected));
    assert!(shuffled.participants.iter().all(|p| p.status != ParticipantStatus::Connected));
}

#[test]
fn failed_and_cancelled_invitations() {
    let mut s = connected();
    s.record_command(
        &action(json!({"operation": "addParticipant", "participantToAdd": teams()})),
        Some("x1"),
        None,
        None,
    );
    s.record_response(Some("x1"), &CommandResponse::Invitation { invitation_id: "inv-1".into() });
    let c = changes(s.apply(&ev("e3", "AddParticipantFailed", 30, json!({"operationContext": "x1", "participant": teams(), "resultInformation": {"code": 403, "subCode": 7604, "message": "Unauthorized Teams Interop Scenario"}}))));
    assert!(
        matches!(&c[0], Change::Participant { status: ParticipantStatus::Failed, result: Some(r), .. } if r.sub_code == 7604),
        "{c:?}"
    );
    assert_eq!(s.last_error.as_ref().unwrap().result.code, 403);
    // Invite again (allowed: not active any more), then cancel by invitation id.
    assert!(s.can(&action(json!({"operation": "addParticipant", "participantToAdd": teams()}))).is_ok());
    s.record_command(
        &action(json!({"operation": "addParticipant", "participantToAdd": teams()})),
        Some("x2"),
        None,
        None,
    );
    s.record_response(Some("x2"), &CommandResponse::Invitation { invitation_id: "inv-2".into() });
    let c = changes(s.apply(&ev(
        "e4",
        "CancelAddParticipantSucceeded",
        40,
        json!({"operationContext": "cancel-1", "invitationId": "inv-2"}),
    )));
    assert!(matches!(&c[0], Change::Participant { status: ParticipantStatus::Cancelled, .. }), "{c:?}");
}

#[test]
fn recording_state_and_who_started_it() {
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(1_743_508_810_000), Some("agent-7"));
    s.record_response(None, &CommandResponse::Recording { recording_id: "rec-1".into() });
    let c = changes(s.apply(&ev("r1", "RecordingStateChanged", 11, json!({"recordingId": "rec-1", "state": "active", "startDateTime": t(11), "recordingKind": "azureCommunicationServices"}))));
    assert_eq!(c, vec![Change::Recording { status: RecordingStatus::Active }]);
    let r = s.recording.as_ref().unwrap();
    assert_eq!((r.started_by.as_deref(), r.started_at), (Some("agent-7"), Some(1_743_508_811_000)));
    s.apply(&ev("r2", "RecordingStateChanged", 20, json!({"recordingId": "rec-1", "state": "inactive"})));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Paused);
    s.apply(&ev("r3", "RecordingStateChanged", 25, json!({"recordingId": "rec-1", "state": "active"})));
    s.record_command(&action(json!({"operation": "stopRecording"})), None, None, None);
    s.apply(&ev("r4", "RecordingStateChanged", 30, json!({"recordingId": "rec-1", "state": "inactive"})));
    let r = s.recording.as_ref().unwrap();
    assert_eq!(r.status, RecordingStatus::Stopped, "inactive after a stop means stopped");
    assert_eq!(
        r.spans,
        vec![(Some(1_743_508_811_000), Some(1_743_508_820_000)), (Some(1_743_508_825_000), Some(1_743_508_830_000))]
    );
    // A stopped recording does not come back.
    s.apply(&ev("r5", "RecordingStateChanged", 31, json!({"recordingId": "rec-1", "state": "active"})));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Stopped);
}

#[test]
fn recording_events_delivered_out_of_order_end_where_acs_left_them() {
    const T: i64 = 1_743_508_800_000; // 2025-04-01T12:00:00Z
    let rec = |id: &str, at: u32, active: bool| {
        let state = if active {
            json!({"recordingId": "rec-1", "state": "active", "startDateTime": t(at)})
        } else {
            json!({"recordingId": "rec-1", "state": "inactive"})
        };
        ev(id, "RecordingStateChanged", at, state)
    };
    // Started at 11, paused at 20: the pause arrives first.
    let mut s = connected();
    s.apply(&rec("r2", 20, false));
    s.apply(&rec("r1", 11, true));
    let r = s.recording.as_ref().unwrap();
    assert_eq!((r.status, r.started_at), (RecordingStatus::Paused, Some(T + 11_000)), "the late start is history");
    assert_eq!(r.spans, vec![(Some(T + 11_000), Some(T + 20_000))]);

    // Paused at 20, resumed at 25, the stop sent at 27 and its inactive at 30 — before the
    // resume is heard of: stopped, with both spans.
    s.apply(&rec("r1b", 11, true)); // a redelivery under another id changes nothing
    s.record_command(&action(json!({"operation": "stopRecording"})), None, Some(T + 27_000), None);
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Paused, "the pause at 20 is not the stop");
    s.apply(&rec("r4", 30, false));
    s.apply(&rec("r3", 25, true));
    let r = s.recording.as_ref().unwrap();
    assert_eq!(r.status, RecordingStatus::Stopped);
    assert_eq!(r.spans, vec![(Some(T + 11_000), Some(T + 20_000)), (Some(T + 25_000), Some(T + 30_000))]);

    // The stop sent at 27 by our clock; ACS, a second behind, stamps its inactive 26.
    let mut s = connected();
    s.apply(&rec("r1", 11, true));
    s.record_command(&action(json!({"operation": "stopRecording"})), None, Some(T + 27_000), None);
    s.apply(&rec("r2", 26, false));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Stopped);

    // Stopped at 30, a new recording asked for at 40; the first one's inactive, stamped 30,
    // arrives after that: not the new one's (it stays starting until its own state comes).
    let mut s = connected();
    s.apply(&rec("r1", 11, true));
    s.record_command(&action(json!({"operation": "stopRecording"})), None, Some(T + 29_000), None);
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(T + 40_000), Some("agent-7"));
    assert_eq!(s.apply(&rec("r2", 30, false)), Applied::Stale);
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Starting);
    s.apply(&rec("r3", 41, true));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Active);

    // Our clock 10 s ahead of ACS's: the start sent at 40 by ours, its active stamped 31 by
    // ACS. Once the start's answer has named the recording, its states count whatever their
    // time; one that comes before the answer is held until the answer says whose it is.
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(T + 40_000), None);
    s.record_response(None, &CommandResponse::Recording { recording_id: "rec-1".into() });
    s.apply(&rec("r1", 31, true));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Active);

    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(T + 40_000), None);
    let owned = json!({"recordingId": "rec-1", "state": "active", "startDateTime": t(31), "recordingKind": "azureCommunicationServices"});
    let active = ev("r1", "RecordingStateChanged", 31, owned);
    assert_eq!(s.apply(&active), Applied::Stale, "not yet known to be this recording's");
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Starting);
    let c = s.record_response(None, &CommandResponse::Recording { recording_id: "rec-1".into() });
    assert_eq!(c, vec![Change::Recording { status: RecordingStatus::Active }]);
    let r = s.recording.as_ref().unwrap();
    assert_eq!((r.started_at, r.held.len()), (Some(T + 31_000), 0));
    assert_eq!(r.kind, Some(RecordingKind::AzureCommunicationServices), "the held state's owner");

    // Held, then the answer names another recording: the held state was an earlier one's.
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(T + 40_000), None);
    s.apply(&rec("r1", 31, false));
    let c = s.record_response(None, &CommandResponse::Recording { recording_id: "rec-2".into() });
    assert_eq!(c, vec![]);
    let r = s.recording.as_ref().unwrap();
    assert_eq!((r.status, r.recording_id.as_deref(), r.held.len()), (RecordingStatus::Starting, Some("rec-2"), 0));

    // A state event that arrives after the call ended: the recording ended with the call.
    let mut s = connected();
    s.apply(&ev("d", "CallDisconnected", 40, json!({})));
    s.apply(&rec("r1", 11, true));
    let r = s.recording.as_ref().unwrap();
    assert_eq!(r.status, RecordingStatus::Stopped);
    assert_eq!(r.spans, vec![(Some(T + 11_000), Some(T + 40_000))]);
}

#[test]
fn an_invitation_ends_the_same_whatever_order_its_events_come_in() {
    const T: i64 = 1_743_508_800_000; // 2025-04-01T12:00:00Z
    let invited = || {
        let mut s = connected();
        s.record_command(
            &action(json!({"operation": "addParticipant", "participantToAdd": teams()})),
            Some("x1"),
            Some(T + 2_000),
            None,
        );
        s
    };
    let failed = || {
        let result = json!({"code": 408, "subCode": 10004, "message": "timed out"});
        ev(
            "f",
            "AddParticipantFailed",
            9,
            json!({"participant": teams(), "operationContext": "x1", "resultInformation": result}),
        )
    };
    let invitation = |s: &CallState| {
        let inv = s.participant(&expert_id()).unwrap().invitation.clone().unwrap();
        (inv.status, inv.changed_at)
    };
    // It timed out at 9; the expert joined on their own at 42 — not this invitation's answer.
    for late_failure in [false, true] {
        let mut s = invited();
        let joined = roster("r", 2, 42, &[phone(), agent(), teams()]);
        if late_failure {
            s.apply(&joined);
            s.apply(&failed());
        } else {
            s.apply(&failed());
            s.apply(&joined);
        }
        assert_eq!(invitation(&s), (ParticipantStatus::Failed, Some(T + 9_000)), "late failure: {late_failure}");
        assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Connected);
    }
    // The call ended at 30 while it rang, and the roster of their join at 5 came after the end:
    // answered at 5 after all.
    let mut s = invited();
    s.apply(&ev("d", "CallDisconnected", 30, json!({})));
    assert_eq!(invitation(&s), (ParticipantStatus::Cancelled, Some(T + 30_000)));
    s.apply(&roster("r", 2, 5, &[phone(), agent(), teams()]));
    assert_eq!(invitation(&s), (ParticipantStatus::Connected, Some(T + 5_000)));
    // Invited at 2 s by our clock; ACS, a second behind, stamps the roster of the join 1 s.
    let mut s = invited();
    s.apply(&roster("r", 2, 1, &[phone(), agent(), teams()]));
    assert_eq!(invitation(&s), (ParticipantStatus::Connected, Some(T + 1_000)));
    // A failure at 9 is the end even when the call's end (at 30) was heard of first.
    let mut s = invited();
    s.apply(&ev("d", "CallDisconnected", 30, json!({})));
    s.apply(&failed());
    assert_eq!(invitation(&s), (ParticipantStatus::Failed, Some(T + 9_000)));
}

#[test]
fn a_late_call_connected_does_not_undo_a_transfer() {
    let mut s = CallState::new();
    s.apply(&ev("x", "CallTransferAccepted", 30, json!({"operationContext": "transfer"})));
    s.apply(&ev("c", "CallConnected", 0, json!({})));
    assert_eq!(s.connection_state, Some(CallConnectionState::TransferAccepted));
    s.apply(&ev("d", "CallDisconnected", 31, json!({})));
    assert_eq!(s.connection_state, Some(CallConnectionState::Disconnected));
}

#[test]
fn snapshot_hides_the_incoming_call_context() {
    let mut s = CallState::new();
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema/incoming_call.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let e = parse_events(&body).unwrap().remove(0);
    assert!(matches!(s.apply(&e), Applied::Applied { .. }));
    let snap = serde_json::to_value(s.snapshot()).unwrap();
    assert_eq!(snap["incoming"]["from"]["rawId"], "{caller-id}");
    assert!(snap["incoming"].get("incomingCallContext").is_none());
    assert!(!snap.to_string().contains("incoming-call-contextValue"));
    assert_eq!(s.incoming.as_ref().unwrap().incoming_call_context, "{incoming-call-contextValue}");
}

#[test]
fn events_for_another_call_are_ignored() {
    let mut s = connected();
    let mut other = ev("o1", "CallDisconnected", 5, json!({}));
    if let crate::events::EventData::CallDisconnected(d) = &mut other.data {
        d.call_connection_id = "call-2".into();
    }
    assert_eq!(s.apply(&other), Applied::OtherCall);
    assert_eq!(s.connection_state, Some(CallConnectionState::Connected));
}

#[test]
fn state_survives_serialisation() {
    let mut s = connected();
    s.apply(&ev("e3", "AddParticipantSucceeded", 20, json!({"participant": teams()})));
    let stored = serde_json::to_string(&s).unwrap();
    let mut back: CallState = serde_json::from_str(&stored).unwrap();
    back.restore_indexes();
    assert_eq!(
        back.apply(&ev("e3", "AddParticipantSucceeded", 20, json!({"participant": teams()}))),
        Applied::Duplicate
    );
}

// ---- one test per rule: allowed and refused ----------------------------------------------

fn refused(s: &CallState, a: Value) -> &'static str {
    s.can(&action(a)).unwrap_err().rule
}

fn with_expert_joined() -> CallState {
    let mut s = connected();
    s.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()]));
    s
}

#[test]
fn rule_call_not_ended() {
    let mut s = connected();
    assert!(s.can(&action(json!({"operation": "playToAll", "playSources": [{"kind": "file"}]}))).is_ok());
    s.apply(&ev("e9", "CallDisconnected", 60, json!({})));
    assert_eq!(refused(&s, json!({"operation": "playToAll"})), "call_not_ended");
    assert_eq!(refused(&s, json!({"operation": "terminateCall"})), "call_not_ended");
    assert!(s.can(&action(json!({"operation": "getCall"}))).is_ok());
}

#[test]
fn rule_call_connected() {
    let s = CallState::for_call(CALL);
    assert_eq!(refused(&s, json!({"operation": "addParticipant", "participantToAdd": teams()})), "call_connected");
    assert!(s.can(&action(json!({"operation": "hangupCall"}))).is_ok());
    assert!(connected().can(&action(json!({"operation": "addParticipant", "participantToAdd": teams()}))).is_ok());
}

#[test]
fn rule_before_answer_only() {
    let mut s = CallState::new();
    assert_eq!(refused(&s, json!({"operation": "redirectCall", "target": teams()})), "before_answer_only");
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema/incoming_call.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    s.apply(&parse_events(&body).unwrap().remove(0));
    assert!(s.can(&action(json!({"operation": "redirectCall", "target": teams()}))).is_ok());
    assert!(s.can(&action(json!({"operation": "rejectCall"}))).is_ok());
    s.record_command(&action(json!({"operation": "answerCall"})), None, None, None);
    let r = s.can(&action(json!({"operation": "redirectCall", "target": teams()}))).unwrap_err();
    assert_eq!(
        (r.rule, r.reason.as_str()),
        ("before_answer_only", "the incoming call was already handled (answerCall)")
    );
}

/// A redirect or reject that ACS accepted ends the call for this app: no event follows (the
/// app never had a call connection), and nothing more can be done with it.
#[test]
fn an_accepted_redirect_or_reject_ends_the_offered_call() {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema/incoming_call.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for (operation, params) in [("redirectCall", json!({"target": teams()})), ("rejectCall", json!({}))] {
        let mut s = CallState::new();
        s.apply(&parse_events(&body).unwrap().remove(0));
        // Offered: the choices are answer, redirect and reject; there is nothing to hang up.
        let hangup = s.can(&action(json!({"operation": "hangupCall"}))).unwrap_err();
        assert_eq!(
            (hangup.rule, hangup.reason.as_str()),
            ("call_connected", "the incoming call is not answered yet: answer, redirect or reject it")
        );
        assert_eq!(refused(&s, json!({"operation": "terminateCall"})), "call_connected");

        let mut a = params.clone();
        a["operation"] = operation.into();
        s.record_command(&action(a), None, Some(1_000), None);
        assert!(!s.is_ended(), "{operation}: not over before ACS accepts it");
        assert_eq!(refused(&s, json!({"operation": "hangupCall"})), "call_connected");

        let answer = CommandResponse::from_http(operation, 204, "", Some(1_200)).unwrap().unwrap();
        assert_eq!(answer, CommandResponse::Released { operation: operation.to_owned(), at: Some(1_200) });
        let changes = s.record_response(None, &answer);
        assert!(s.is_ended(), "{operation}");
        assert_eq!(s.ended_at, Some(Some(1_200)));
        assert_eq!(s.connection_state, Some(CallConnectionState::Disconnected));
        assert!(changes.contains(&Change::Connection { state: CallConnectionState::Disconnected }), "{changes:?}");
        assert_eq!(refused(&s, json!({"operation": "hangupCall"})), "call_not_ended");
        assert_eq!(refused(&s, json!({"operation": "answerCall"})), "call_not_ended");

        // A refused one does not end it: the offer may still be answered elsewhere or expire.
        let mut s = CallState::new();
        s.apply(&parse_events(&body).unwrap().remove(0));
        let refusal =
            CommandResponse::from_http(operation, 400, r#"{"error":{"code":"8523","message":"expired"}}"#, Some(1_200));
        s.record_command(&action(json!({"operation": operation, "target": teams()})), None, Some(1_000), None);
        s.record_response(None, &refusal.unwrap().unwrap());
        assert!(!s.is_ended(), "{operation} refused");
        // ... and offered again (not "connecting" for ever): the context was not spent.
        assert!(s.can(&action(json!({"operation": "answerCall"}))).is_ok(), "{operation} refused: answerable");
    }
}

#[test]
fn rule_dtmf_not_in_teams_calls() {
    let s = connected();
    assert!(s.can(&action(json!({"operation": "recognize", "recognizeInputType": "dtmf"}))).is_ok());
    let s = with_expert_joined();
    assert_eq!(refused(&s, json!({"operation": "recognize", "recognizeInputType": "dtmf"})), "dtmf_not_in_teams_calls");
    assert_eq!(
        refused(&s, json!({"operation": "recognize", "recognizeInputType": "speechOrDtmf"})),
        "dtmf_not_in_teams_calls"
    );
    assert_eq!(refused(&s, json!({"operation": "startContinuousDtmfRecognition"})), "dtmf_not_in_teams_calls");
    assert!(s.can(&action(json!({"operation": "recognize", "recognizeInputType": "speech"}))).is_ok());
    // A ringing Teams user counts too.
    let mut ringing = connected();
    ringing.record_command(
        &action(json!({"operation": "addParticipant", "participantToAdd": teams()})),
        Some("x"),
        None,
        None,
    );
    assert_eq!(
        refused(&ringing, json!({"operation": "recognize", "recognizeInputType": "dtmf"})),
        "dtmf_not_in_teams_calls"
    );
}

#[test]
fn rule_blind_transfer_one_to_one() {
    let mut s = CallState::new();
    s.apply(&ev("e1", "CallConnected", 0, json!({})));
    s.apply(&roster("e2", 1, 1, &[phone()]));
    assert!(s.can(&action(json!({"operation": "transferToParticipant", "targetParticipant": teams()}))).is_ok());
    let r = connected()
        .can(&action(json!({"operation": "transferToParticipant", "targetParticipant": teams()})))
        .unwrap_err();
    assert_eq!(
        (r.rule, r.reason.as_str()),
        ("blind_transfer_one_to_one", "blind transfer needs a 1:1 call; this call has 2 other participants")
    );
    // The app's own leg does not count.
    let mut with_app = CallState::new();
    with_app.app_raw_id = Some(RawId::new(AGENT).unwrap());
    with_app.apply(&ev("e1", "CallConnected", 0, json!({})));
    with_app.apply(&roster("e2", 1, 1, &[phone(), agent()]));
    assert!(with_app.can(&action(json!({"operation": "transferToParticipant", "targetParticipant": teams()}))).is_ok());
}

#[test]
fn rule_mute_acs_users_only() {
    let s = with_expert_joined();
    assert!(s.can(&action(json!({"operation": "muteParticipants", "targetParticipants": [agent()]}))).is_ok());
    assert_eq!(
        refused(&s, json!({"operation": "muteParticipants", "targetParticipants": [agent(), teams()]})),
        "mute_acs_users_only"
    );
    assert_eq!(refused(&s, json!({"operation": "mute", "targetParticipants": [phone()]})), "mute_acs_users_only");
}

#[test]
fn rule_invitation_timeout_range() {
    let s = connected();
    for ok in [0, 30, 180] {
        assert!(s
            .can(&action(
                json!({"operation": "addParticipant", "participantToAdd": teams(), "invitationTimeoutInSeconds": ok})
            ))
            .is_ok());
    }
    for bad in [-1, 181] {
        assert_eq!(
            refused(
                &s,
                json!({"operation": "addParticipant", "participantToAdd": teams(), "invitationTimeoutInSeconds": bad})
            ),
            "invitation_timeout_range"
        );
    }
}

#[test]
fn rule_stop_recording_started_after_teams_joined() {
    // Started before the expert joined: stoppable.
    let mut before = connected();
    before.record_command(&action(json!({"operation": "startRecording"})), None, None, None);
    before.apply(&ev(
        "r1",
        "RecordingStateChanged",
        10,
        json!({"recordingId": "r", "state": "active", "startDateTime": t(10)}),
    ));
    before.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()]));
    assert!(before.can(&action(json!({"operation": "stopRecording"}))).is_ok());
    // Started after: refused, even if the state event arrives before the roster (reordering).
    let mut after = connected();
    after.record_command(&action(json!({"operation": "startRecording"})), None, None, None);
    after.apply(&ev(
        "r1",
        "RecordingStateChanged",
        30,
        json!({"recordingId": "r", "state": "active", "startDateTime": t(30)}),
    ));
    after.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()]));
    assert_eq!(refused(&after, json!({"operation": "stopRecording"})), "stop_recording_started_after_teams_joined");
    assert!(after.can(&action(json!({"operation": "pauseRecording"}))).is_ok());
    assert_eq!(serde_json::to_value(after.snapshot()).unwrap()["recording"]["startedAfterTeamsJoined"], true);
}

#[test]
fn rule_one_recording_at_a_time() {
    let mut s = connected();
    assert!(s.can(&action(json!({"operation": "startRecording"}))).is_ok());
    s.record_command(&action(json!({"operation": "startRecording"})), None, None, None);
    assert_eq!(refused(&s, json!({"operation": "startRecording"})), "one_recording_at_a_time");
}

#[test]
fn rule_recording_state() {
    let mut s = connected();
    assert_eq!(refused(&s, json!({"operation": "pauseRecording"})), "recording_state");
    s.record_command(&action(json!({"operation": "startRecording"})), None, None, None);
    s.apply(&ev("r1", "RecordingStateChanged", 10, json!({"recordingId": "r", "state": "active"})));
    assert_eq!(refused(&s, json!({"operation": "resumeRecording"})), "recording_state");
    assert!(s.can(&action(json!({"operation": "pauseRecording"}))).is_ok());
    s.apply(&ev("r2", "RecordingStateChanged", 11, json!({"recordingId": "r", "state": "inactive"})));
    assert!(s.can(&action(json!({"operation": "resumeRecording"}))).is_ok());
    assert_eq!(refused(&s, json!({"operation": "pauseRecording"})), "recording_state");

    // A resume on its way: a second one is refused until ACS reports a state from then on.
    let ms = |sec: u32| crate::time::parse_rfc3339_millis(&t(sec));
    s.record_command(&action(json!({"operation": "resumeRecording", "recordingId": "r"})), None, ms(20), None);
    let again = s.can(&action(json!({"operation": "resumeRecording", "recordingId": "r"}))).unwrap_err();
    assert_eq!(
        (again.rule, again.reason.as_str()),
        ("recording_state", "a resume was sent and ACS has not confirmed it yet")
    );
    // A state from before the resume (delivered late) does not answer it.
    s.apply(&ev("r3", "RecordingStateChanged", 12, json!({"recordingId": "r", "state": "inactive"})));
    assert_eq!(refused(&s, json!({"operation": "resumeRecording", "recordingId": "r"})), "recording_state");
    s.apply(&ev("r4", "RecordingStateChanged", 21, json!({"recordingId": "r", "state": "active"})));
    assert!(s.can(&action(json!({"operation": "pauseRecording", "recordingId": "r"}))).is_ok());

    // A pause ACS refused is not on its way any more: it may be sent again.
    s.record_command(&action(json!({"operation": "pauseRecording", "recordingId": "r"})), None, ms(30), None);
    assert_eq!(refused(&s, json!({"operation": "pauseRecording", "recordingId": "r"})), "recording_state");
    let refusal = CommandResponse::from_http("pauseRecording", 500, "", ms(31)).unwrap().unwrap();
    s.record_response(None, &refusal);
    assert!(s.can(&action(json!({"operation": "pauseRecording", "recordingId": "r"}))).is_ok());
}

#[test]
fn rule_no_duplicate_invitation() {
    let mut s = connected();
    let add = json!({"operation": "addParticipant", "participantToAdd": teams()});
    assert!(s.can(&action(add.clone())).is_ok());
    s.record_command(&action(add.clone()), Some("x"), None, None);
    assert_eq!(s.can(&action(add.clone())).unwrap_err().reason, format!("8:orgid:{EXPERT} is already being invited"));
    s.apply(&roster("e4", 2, 21, &[phone(), agent(), teams()]));
    assert_eq!(s.can(&action(add)).unwrap_err().reason, format!("8:orgid:{EXPERT} is already in the call"));
    // The phone `+` drift does not fool it.
    assert_eq!(
        refused(&s, json!({"operation": "addParticipant", "participantToAdd": {"rawId": "4:14255550123"}})),
        "no_duplicate_invitation"
    );
}

#[test]
fn rule_participant_present() {
    let s = with_expert_joined();
    assert!(s.can(&action(json!({"operation": "removeParticipant", "participantToRemove": teams()}))).is_ok());
    assert_eq!(
        refused(&connected(), json!({"operation": "removeParticipant", "participantToRemove": teams()})),
        "participant_present"
    );
}

#[test]
fn rule_cancel_needs_ringing_invitation() {
    let mut s = connected();
    assert_eq!(
        refused(&s, json!({"operation": "cancelAddParticipant", "invitationId": "inv-1"})),
        "cancel_needs_ringing_invitation"
    );
    s.record_command(
        &action(json!({"operation": "addParticipant", "participantToAdd": teams()})),
        Some("x"),
        None,
        None,
    );
    s.record_response(Some("x"), &CommandResponse::Invitation { invitation_id: "inv-1".into() });
    assert!(s.can(&action(json!({"operation": "cancelAddParticipant", "invitationId": "inv-1"}))).is_ok());
    assert_eq!(
        refused(&s, json!({"operation": "cancelAddParticipant", "invitationId": "inv-9"})),
        "cancel_needs_ringing_invitation"
    );
}

#[test]
fn rule_teams_calls_play_files_only() {
    let tts = json!({"operation": "playToAll", "playSources": [{"kind": "text", "text": {"text": "hi"}}]});
    assert!(connected().can(&action(tts.clone())).is_ok());
    assert_eq!(refused(&with_expert_joined(), tts), "teams_calls_play_files_only");
    assert!(with_expert_joined().can(&action(json!({"operation": "play", "playSources": [{"kind": "file"}]}))).is_ok());
}

#[test]
fn rule_teams_recording_not_controllable() {
    let mut s = connected();
    let teams = json!({"recordingId": "rec-T", "state": "active", "recordingKind": "teams"});
    s.apply(&ev("t1", "TeamsRecordingStateChanged", 20, teams));
    for op in ["pauseRecording", "resumeRecording", "stopRecording"] {
        assert_eq!(
            refused(&s, json!({"operation": op, "recordingId": "rec-T"})),
            "teams_recording_not_controllable",
            "{op}"
        );
    }
    // Any other id is left to the recording rules (here: the app has no recording).
    assert_eq!(refused(&s, json!({"operation": "stopRecording", "recordingId": "rec-1"})), "recording_state");
}

#[test]
fn every_rule_has_a_test_above() {
    let source = include_str!("tests.rs");
    for rule in RULES {
        assert!(source.contains(&format!("fn rule_{}()", rule.name)), "no test for rule {}", rule.name);
    }
}

#[test]
fn a_call_ended_at_an_unknown_time_stays_ended_after_a_reload() {
    // Fuzz finding: `endedAt: null` used to read back as "not ended".
    let body = json!([{
        "id": "e-1", "type": "Microsoft.Communication.CallDisconnected",
        "data": {"callConnectionId": "c-1", "serverCallId": "s", "correlationId": "r"}
    }]);
    let mut s = CallState::new();
    for e in parse_events(&body.to_string()).unwrap() {
        s.apply(&e);
    }
    assert_eq!(s.ended_at, Some(None));
    for state in [s, connected()] {
        let stored = serde_json::to_string(&state).unwrap();
        let mut back: CallState = serde_json::from_str(&stored).unwrap();
        back.restore_indexes();
        assert_eq!(back, state, "{stored}");
    }
    // A state stored before `endedAt` was written this way still loads.
    let mut old = serde_json::to_value(CallState::new()).unwrap();
    old["endedAt"] = Value::Null;
    let old: CallState = serde_json::from_value(old).unwrap();
    assert_eq!(old.ended_at, Some(None));
}

// ---- observations (reads of the call when callbacks were lost) ----------------------------------

const T0: i64 = 1_743_508_800_000;

fn observed(status: u16, operation: &str, body: Value, at_s: i64) -> CommandResponse {
    CommandResponse::from_http(operation, status, &body.to_string(), Some(T0 + at_s * 1000)).unwrap().unwrap()
}

fn listed(who: &[Value], at_s: i64) -> CommandResponse {
    let value: Vec<Value> = who.iter().map(|w| json!({"identifier": w, "isMuted": false, "isOnHold": false})).collect();
    observed(200, "getParticipants", json!({"value": value}), at_s)
}

fn invite_expert(s: &mut CallState, ctx: &str, at_s: i64) {
    let add =
        action(json!({"operation": "addParticipant", "participantToAdd": teams(), "invitationTimeoutInSeconds": 20}));
    s.record_command(&add, Some(ctx), Some(T0 + at_s * 1000), Some("agent"));
}

#[test]
fn a_lost_add_outcome_is_concluded_from_the_participant_list() {
    let mut s = connected();
    invite_expert(&mut s, "x1", 10);
    assert_eq!(s.pending[0].expires_at, Some(T0 + 30_000), "sent at 10 s + 20 s of ringing");
    // The expert answered, but AddParticipantSucceeded and the roster were lost.
    let early = s.record_response(None, &listed(&[phone(), agent(), teams()], 40));
    assert_eq!(s.pending.len(), 1, "not overdue before 30 s + the grace: {early:?}");
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Connected);
    let c = s.record_response(None, &listed(&[phone(), agent(), teams()], 46));
    assert!(s.pending.is_empty());
    assert!(
        c.iter().any(|c| matches!(c, Change::Operation { succeeded: true, event: "Reconciled", operation: Some(o), .. } if o == "addParticipant")),
        "{c:?}"
    );
}

#[test]
fn an_add_whose_participant_never_came_fails_when_checked() {
    let mut s = connected();
    invite_expert(&mut s, "x1", 10);
    let c = s.record_response(None, &listed(&[phone(), agent()], 50));
    let p = s.participant(&expert_id()).unwrap();
    assert_eq!(p.status, ParticipantStatus::Failed, "{c:?}");
    assert_eq!(p.last_result.as_ref().unwrap().code, 408);
    assert!(c.iter().any(|c| matches!(c, Change::Operation { succeeded: false, .. })), "{c:?}");
}

#[test]
fn an_observation_is_placed_by_time_among_delivered_rosters() {
    let mut s = connected();
    // Seen by a read at 60 s: the expert is in the call (rosters 2 and 3 were lost).
    s.record_response(None, &listed(&[phone(), agent(), teams()], 60));
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Connected);
    // Roster 2 from 30 s arrives late: history only, who is in the call now is unchanged.
    assert_eq!(s.apply(&roster("e3", 2, 30, &[phone(), agent()])), Applied::Stale);
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Connected);
    // Roster 4 from 70 s is newer than the read: the expert left.
    s.apply(&roster("e4", 4, 70, &[phone(), agent()]));
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Left);
    // Reading the same list again and again adds one roster to the timeline, not one per read.
    let n = s.rosters.len();
    s.record_response(None, &listed(&[phone(), agent()], 80));
    s.record_response(None, &listed(&[phone(), agent()], 90));
    s.record_response(None, &listed(&[phone(), agent()], 100));
    assert_eq!(s.rosters.len(), n + 1);
}

#[test]
fn a_join_known_only_from_its_success_event_is_closed_by_a_later_read() {
    // Chaos finding: the expert's rosters were lost (the Worker was restarting); only
    // AddParticipantSucceeded arrived. A read showing the same people as the last roster
    // delivered must still count: the expert is not in the call any more.
    let mut s = connected();
    s.apply(&ev("a1", "AddParticipantSucceeded", 20, json!({"participant": teams(), "operationContext": "x"})));
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Connected);
    s.record_response(None, &listed(&[phone(), agent()], 40));
    assert_eq!(s.participant(&expert_id()).unwrap().status, ParticipantStatus::Left);
}

#[test]
fn a_call_that_is_gone_or_disconnected_is_ended_and_recordings_are_read() {
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), Some("rec"), Some(T0 + 5000), None);
    s.record_response(Some("rec"), &CommandResponse::Recording { recording_id: "rec-1".into() });
    s.record_response(
        None,
        &observed(200, "getRecordingProperties", json!({"recordingId": "rec-1", "recordingState": "active"}), 30),
    );
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Active);
    let c = s.record_response(
        None,
        &observed(404, "getCall", json!({"error": {"code": "8522", "message": "Call not found"}}), 40),
    );
    assert!(s.is_ended() && s.pending.is_empty(), "{c:?}");
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Stopped);
    assert!(s.last_error.is_none(), "a read finding the call gone is not the app's failure");
    // A recording that never started and is not found failed.
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), Some("rec"), Some(T0), None);
    s.record_response(None, &observed(404, "getRecordingProperties", json!({}), 30));
    assert_eq!(s.recording.as_ref().unwrap().status, RecordingStatus::Failed);
    // A partial list (more pages) teaches nothing.
    let partial = CommandResponse::from_http("getParticipants", 200, r#"{"value":[],"nextLink":"x"}"#, Some(T0));
    assert!(!matches!(partial, Ok(Some(CommandResponse::Observed(_)))));
}

#[test]
fn a_teams_recording_is_kept_apart_from_ours() {
    let teams_rec = |id: &str, rec: &str, at: u32, state: &str| {
        ev(id, "TeamsRecordingStateChanged", at, json!({"recordingId": rec, "state": state, "startDateTime": t(at)}))
    };
    // Ours active since 11; a Teams user records from 20 to 30.
    let mut s = connected();
    s.record_command(&action(json!({"operation": "startRecording"})), None, Some(1_743_508_810_000), None);
    s.record_response(None, &CommandResponse::Recording { recording_id: "rec-1".into() });
    s.apply(&ev(
        "r1",
        "RecordingStateChanged",
        11,
        json!({"recordingId": "rec-1", "state": "active", "startDateTime": t(11)}),
    ));
    let applied = s.apply(&teams_rec("t1", "rec-T", 20, "active"));
    assert_eq!(applied, Applied::Applied { changes: vec![Change::TeamsRecording { status: RecordingStatus::Active }] });
    let applied = s.apply(&teams_rec("t2", "rec-T", 30, "inactive"));
    assert_eq!(
        applied,
        Applied::Applied { changes: vec![Change::TeamsRecording { status: RecordingStatus::Stopped }] }
    );
    let ours = s.recording.as_ref().unwrap();
    assert_eq!(
        (ours.recording_id.as_deref(), ours.status, ours.kind.clone()),
        (Some("rec-1"), RecordingStatus::Active, None)
    );
    let theirs = s.teams_recording.as_ref().unwrap();
    assert_eq!((theirs.recording_id.as_deref(), theirs.status), (Some("rec-T"), RecordingStatus::Stopped));
    assert_eq!(theirs.kind, Some(RecordingKind::Teams));
    assert_eq!(theirs.spans, vec![(Some(T0 + 20_000), Some(T0 + 30_000))]);
    // Ours is still this app's to stop, by its own id (theirs: `rule_teams_recording_not_controllable`).
    assert!(s.can(&action(json!({"operation": "stopRecording", "recordingId": "rec-1"}))).is_ok());
    let view = serde_json::to_value(s.snapshot()).unwrap();
    assert_eq!(
        (view["recording"]["status"].clone(), view["teamsRecording"]["status"].clone()),
        (json!("active"), json!("stopped"))
    );

    // A Teams recording alone: ours can still start; a late state of an earlier Teams recording
    // says nothing; a compliance recording names its owner; the call's end ends it.
    let mut s = connected();
    s.apply(&ev("c1", "TeamsComplianceRecordingStateChanged", 5, json!({"recordingId": "rec-C", "state": "active"})));
    assert!(s.recording.is_none());
    assert!(
        s.can(&action(json!({"operation": "startRecording"}))).is_ok(),
        "a Teams recording does not hold ours back"
    );
    s.apply(&teams_rec("t3", "rec-T2", 4, "inactive"));
    let theirs = s.teams_recording.as_ref().unwrap();
    assert_eq!((theirs.recording_id.as_deref(), theirs.status), (Some("rec-C"), RecordingStatus::Active));
    assert_eq!(theirs.kind, Some(RecordingKind::TeamsCompliance));
    let applied = s.apply(&ev("d", "CallDisconnected", 40, json!({})));
    let Applied::Applied { changes } = applied else { panic!("{applied:?}") };
    assert!(changes.contains(&Change::TeamsRecording { status: RecordingStatus::Stopped }), "{changes:?}");
}

#[test]
fn a_call_being_left_or_ended_takes_nothing_more_until_acs_refuses() {
    for op in ["terminateCall", "hangupCall"] {
        let mut s = connected();
        s.record_command(&action(json!({"operation": op})), None, Some(1_000), None);
        assert_eq!(s.snapshot().ending, Some(op));
        // A second end (a double click, five racing requests) and anything else: refused here,
        // not sent to be answered 404 by ACS. Reads still go.
        for other in ["terminateCall", "hangupCall", "playToAll", "startRecording"] {
            let r = s.can(&action(json!({"operation": other}))).unwrap_err();
            assert_eq!(r.rule, "call_not_ended", "{op} then {other}");
            assert!(r.reason.contains(&format!("({op} was sent)")), "{}", r.reason);
        }
        assert!(s.can(&action(json!({"operation": "getCall"}))).is_ok());

        // Refused by ACS (after retries): the call can be acted on again.
        let mut again = s.clone();
        let busy = CommandResponse::from_http(op, 503, "", Some(1_100)).unwrap().unwrap();
        again.record_response(None, &busy);
        assert_eq!(again.ending, None);
        assert!(again.can(&action(json!({"operation": op}))).is_ok());

        // 404: ACS has no such call any more: it is over here too.
        let gone =
            CommandResponse::from_http(op, 404, r#"{"error":{"code":"8522","message":"Call not found"}}"#, Some(1_200));
        s.record_response(None, &gone.unwrap().unwrap());
        assert!(s.is_ended(), "{op}");
        assert_eq!(s.ended_at, Some(Some(1_200)));
    }
}
