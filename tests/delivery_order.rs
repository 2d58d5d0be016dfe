//! Property: ACS delivers callbacks at least once and in no promised order, so a call's state
//! must not depend on either. A call's rosters (ParticipantsUpdated with sequence numbers),
//! an AddParticipantSucceeded hint and the end of the call are folded in their true order and
//! again shuffled with redeliveries mixed in: who was in the call, when each stay began and
//! ended, each status, and the connection state must come out the same.

use proptest::prelude::*;
use serde_json::{json, Value};
use switchboard::call::{Action, CallState, CommandResponse};
use switchboard::events::parse_events;

const CALL: &str = "401f3500-62bd-46a9-8c09-9e1b06caca01";
/// 2026-11-23T12:00:00Z.
const T0: i64 = 1_795_435_200_000;

/// The people a roster may list: a caller, an ACS agent, two Teams users.
fn identifier(i: usize) -> Value {
    match i {
        0 => json!({"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}}),
        1 => {
            let id = "8:acs:b9614373-fd0b-480c-8fd2-cb58b70eab9f_00000021-5f2e-4f3a-85f4-343a0d00e64f";
            json!({"kind": "communicationUser", "rawId": id, "communicationUser": {"id": id}})
        }
        _ => {
            let oid = ["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"][i - 2];
            json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{oid}"),
                   "microsoftTeamsUser": {"userId": oid, "isAnonymous": false, "cloud": "public"}})
        }
    }
}

fn time(ms: i64) -> String {
    // Seconds past T0 within the same day: enough for these calls (under an hour).
    let s = (ms - T0) / 1000;
    format!("2026-11-23T12:{:02}:{:02}.{:03}+00:00", s / 60, s % 60, (ms - T0) % 1000)
}

fn event(id: &str, kind: &str, at: i64, mut data: Value) -> Value {
    data["callConnectionId"] = json!(CALL);
    data["serverCallId"] = json!("c2VydmVyLWNhbGw");
    data["correlationId"] = json!("d4f4c1be-59d8-4850-b9bf-ee564c15839d");
    json!({"id": id, "source": format!("calling/callConnections/{CALL}"),
           "type": format!("Microsoft.Communication.{kind}"), "data": data,
           "time": time(at), "specversion": "1.0"})
}

/// The call's events: connected, the rosters (each a set of people, as a bit mask, with its own
/// mute flags), perhaps an AddParticipantSucceeded for someone, recording states, perhaps a
/// removal, perhaps a transfer or the end.
/// What became of the app's invitation of a Teams user (sent before any of these events).
#[derive(Clone, Copy, Debug)]
enum Invite {
    None,
    Succeeded,
    Failed,
    Cancelled,
}

/// How the call goes on after its rosters: nothing more, transferred away, or ended.
#[derive(Clone, Copy, Debug)]
enum Ending {
    Open,
    Transferred,
    Ended,
}

fn story(
    rosters: &[(u8, u8)],
    added: Option<(usize, usize)>,
    invite: Invite,
    reads: &[usize],
    recording: &[bool],
    removed: Option<usize>,
    ending: Ending,
) -> Vec<Value> {
    let mut events = vec![event("connected", "CallConnected", T0, json!({}))];
    for (k, (people, muted)) in rosters.iter().enumerate() {
        let seq = k as i64 + 1;
        let participants: Vec<Value> = (0..4)
            .filter(|i| people & (1 << i) != 0)
            .map(|i| json!({"identifier": identifier(i), "isMuted": muted & (1 << i) != 0, "isOnHold": false}))
            .collect();
        let data = json!({"sequenceNumber": seq, "participants": participants});
        events.push(event(&format!("roster-{seq}"), "ParticipantsUpdated", T0 + seq * 7_000, data));
    }
    if let Some((who, after)) = added {
        let at = T0 + (after.min(rosters.len()) as i64) * 7_000 + 3_000;
        let data = json!({"participant": identifier(who), "operationContext": "expert",
                          "resultInformation": {"code": 200, "subCode": 0, "message": ""}});
        events.push(event("added", "AddParticipantSucceeded", at, data));
    }
    // The app's reads of the call (getParticipants) between two rosters: who the earlier one
    // listed, read half-way to the next. Not in a story where an AddParticipantSucceeded is the
    // only sign of someone no roster lists: that contradicts the rosters, and which roster
    // "after the hint" it meets then depends on whether two reads of the same people were
    // merged (a quiet call's reads are, to keep its timeline short) before a roster between
    // them arrived.
    let hint_only = added.is_some() || matches!(invite, Invite::Succeeded);
    for &k in reads.iter().filter(|_| !hint_only) {
        if let Some((people, muted)) = rosters.get(k) {
            let at = T0 + (k as i64 + 1) * 7_000 + 3_500;
            let value: Vec<Value> = (0..4)
                .filter(|i| people & (1 << i) != 0)
                .map(|i| json!({"identifier": identifier(i), "isMuted": muted & (1 << i) != 0, "isOnHold": false}))
                .collect();
            events.push(json!({"id": format!("read-{k}"), "read": at, "value": value}));
        }
    }
    let outcome_at = T0 + 9_000;
    let ok = json!({"code": 200, "subCode": 0, "message": ""});
    match invite {
        Invite::None => {}
        Invite::Succeeded => {
            let data = json!({"participant": identifier(3), "operationContext": "invite", "resultInformation": ok});
            events.push(event("invite-ok", "AddParticipantSucceeded", outcome_at, data));
        }
        Invite::Failed => {
            let data = json!({"participant": identifier(3), "operationContext": "invite",
                              "resultInformation": {"code": 408, "subCode": 10004, "message": "timed out"}});
            events.push(event("invite-failed", "AddParticipantFailed", outcome_at, data));
        }
        Invite::Cancelled => {
            let data = json!({"operationContext": "invite-cancel", "invitationId": "inv-1", "resultInformation": ok});
            events.push(event("invite-cancelled", "CancelAddParticipantSucceeded", outcome_at, data));
        }
    }
    let rec_id = "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiI4YjlkYmFkMSJ9";
    for (k, active) in recording.iter().enumerate() {
        let at = T0 + 5_000 + k as i64 * 4_000;
        let mut data = json!({"recordingId": rec_id, "state": if *active { "active" } else { "inactive" },
                              "recordingKind": "AzureCommunicationServices"});
        if *active {
            data["startDateTime"] = json!(time(at - 500));
        }
        events.push(event(&format!("recording-{k}"), "RecordingStateChanged", at, data));
    }
    if let Some(who) = removed {
        let at = T0 + (rosters.len() as i64) * 7_000 - 2_000;
        let data = json!({"participant": identifier(who), "operationContext": "remove",
                          "resultInformation": {"code": 200, "subCode": 0, "message": ""}});
        events.push(event("removed", "RemoveParticipantSucceeded", at, data));
    }
    let at = T0 + (rosters.len() as i64 + 1) * 7_000;
    match ending {
        Ending::Open => {}
        Ending::Transferred => {
            let data = json!({"operationContext": "transfer", "transferTarget": identifier(2),
                              "resultInformation": {"code": 200, "subCode": 7015, "message": ""}});
            events.push(event("transferred", "CallTransferAccepted", at, data));
        }
        Ending::Ended => events.push(event("disconnected", "CallDisconnected", at, json!({}))),
    }
    events
}

/// Folds the events one body each (as ACS posts them) and returns what must not depend on
/// delivery: the participants (identity, status, stays, flags, invitation), connection state,
/// end time, the count of events folded (redeliveries excluded).
fn fold(events: &[&Value], invite: Invite) -> Value {
    let mut state = CallState::new();
    if !matches!(invite, Invite::None) {
        // The app invited the second Teams user at T0 + 1 s; ACS answered with the invitation id.
        let params = json!({"callConnectionId": CALL, "participantToAdd": identifier(3), "operationContext": "invite"});
        let action = Action::from_params("addParticipant", &params.to_string()).expect("a valid action");
        state.record_command(&action, Some("invite"), Some(T0 + 1_000), Some("agent-7"));
        state.record_response(Some("invite"), &CommandResponse::Invitation { invitation_id: "inv-1".into() });
    }
    for e in events {
        if let Some(at) = e.get("read").and_then(Value::as_i64) {
            let body = json!({"value": e["value"]}).to_string();
            if let Ok(Some(answer)) = CommandResponse::from_http("getParticipants", 200, &body, Some(at)) {
                state.record_response(None, &answer);
            }
            continue;
        }
        for parsed in parse_events(&e.to_string()).expect("the test's events parse") {
            state.apply(&parsed);
        }
    }
    let s = serde_json::to_value(state.snapshot()).unwrap();
    // The list is in order of first appearance, which is delivery order by definition; who is
    // in it, and everything about each, is not.
    let mut participants = s["participants"].as_array().cloned().unwrap_or_default();
    participants.sort_by_key(|p| p["identifier"]["rawId"].as_str().unwrap_or_default().to_owned());
    json!({
        "participants": participants,
        "connectionState": s["connectionState"],
        "ended": s["ended"],
        "endedAt": s["endedAt"],
        "teamsUsersActive": s["teamsUsersActive"],
        "othersInCall": s["othersInCall"],
        "lastEventAt": s["lastEventAt"],
        "eventsApplied": s["eventsApplied"],
        "recording": s["recording"],
        "pending": s["pending"],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn delivery_order_and_redelivery_do_not_change_the_call(
        rosters in prop::collection::vec((0u8..16, 0u8..16), 1..7),
        added in prop::option::of((0usize..4, 0usize..7)),
        invite in prop_oneof![Just(Invite::None), Just(Invite::Succeeded), Just(Invite::Failed), Just(Invite::Cancelled)],
        reads in prop::collection::vec(0usize..6, 0..3),
        recording in prop::collection::vec(any::<bool>(), 0..4),
        removed in prop::option::of(0usize..4),
        ending in prop_oneof![Just(Ending::Open), Just(Ending::Transferred), Just(Ending::Ended)],
        // A permutation (by sort keys) and which events are delivered twice.
        keys in prop::collection::vec(any::<u32>(), 20),
        twice in prop::collection::vec(any::<bool>(), 20),
    ) {
        let events = story(&rosters, added, invite, &reads, &recording, removed, ending);
        let in_order: Vec<&Value> = events.iter().collect();
        let mut shuffled: Vec<(u32, &Value)> = events.iter().enumerate().map(|(i, e)| (keys[i], e)).collect();
        shuffled.sort_by_key(|(k, _)| *k);
        let mut delivered: Vec<&Value> = Vec::new();
        for (i, (_, e)) in shuffled.iter().enumerate() {
            delivered.push(e);
            if twice[i] {
                delivered.push(e);
            }
        }
        let expected = fold(&in_order, invite);
        let got = fold(&delivered, invite);
        let differing: Vec<String> = expected.as_object().unwrap().iter()
            .filter(|(k, v)| got[k.as_str()] != **v)
            .map(|(k, v)| format!("{k}: in order {v}, delivered {}", got[k.as_str()]))
            .collect();
        prop_assert!(differing.is_empty(), "delivered as {:?}:\n{}",
            delivered.iter().map(|e| e["id"].as_str().unwrap()).collect::<Vec<_>>(), differing.join("\n"));
    }
}

/// 400 cases, or `PROPTEST_CASES` for a longer search.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400)
}
