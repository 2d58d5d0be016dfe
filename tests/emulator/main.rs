//! The emulator, driven in-process by a client built on the core: the expert-consultation
//! scenario, the Teams-interop rules, authentication, Repeatability, faults, determinism.
#![cfg(feature = "emulator")]

mod examples;
mod faults;
mod flow;
mod harness;
mod queue;

use harness::*;
use serde_json::{json, Value};
use switchboard::call::{Action, ParticipantStatus, RecordingStatus};
use switchboard::events::EventData;
use switchboard::RawId;

fn body(res: &switchboard::emulator::Response) -> Value {
    serde_json::from_str(&res.body).unwrap_or(Value::Null)
}

#[test]
fn expert_consultation_end_to_end() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    assert_eq!(h.names()[..3], ["IncomingCall", "CallConnected", "ParticipantsUpdated"]);
    // The world's customer calls with their name (caller id naming).
    let EventData::IncomingCall(incoming) = &h.last("IncomingCall").data else { unreachable!() };
    assert_eq!(incoming.caller_display_name.as_deref(), Some("Casey Customer"));
    // Event Grid validated itself first.
    assert_eq!(h.deliveries[0].kind, switchboard::emulator::DeliveryKind::Validation);

    // The agent joins, then asks for Dana with a custom display name.
    let agent = h.emu.world().agents[0].id.clone();
    let res = h.call(
        "addParticipant",
        json!({"callConnectionId": call, "participantToAdd": {"rawId": agent}, "operationContext": "agent"}),
    );
    assert_eq!(res.status, 202);
    h.run(2_000);
    let res = h.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA), "sourceDisplayName": "Contoso Support", "operationContext": "expert-1"}));
    assert_eq!(res.status, 202, "{}", res.body);
    let invitation = body(&res)["invitationId"].as_str().unwrap().to_owned();
    assert!(!invitation.is_empty());
    h.run(5_000);
    let added = h.last("AddParticipantSucceeded");
    assert_eq!(added.data.common().unwrap().operation_context, Some("expert-1"));
    let dana = RawId::new(format!("8:orgid:{DANA}")).unwrap();
    assert_eq!(h.state.participant(&dana).unwrap().status, ParticipantStatus::Connected);
    // Dana's desktop client showed the custom name.
    let world = h.control("GET", "/control/world", Value::Null);
    assert_eq!(world["sightings"][0]["shownCaller"], "Contoso Support");
    assert_eq!(world["sightings"][0]["customDisplayName"], true);

    // DTMF recognition fails while a Teams user is in the call.
    let res = h.call("recognize", json!({"callConnectionId": call, "recognizeInputType": "dtmf", "recognizeOptions": {"targetParticipant": {"rawId": format!("4:{CUSTOMER}")}}, "operationContext": "menu"}));
    assert_eq!(res.status, 202);
    h.run(3_000);
    assert_eq!(h.result_of("RecognizeFailed"), (405, 8520));

    // Recording started after Dana joined: cannot be stopped, can be paused and resumed.
    let res = h.call("startRecording", json!({"callConnectionId": call}));
    assert_eq!(res.status, 200, "{}", res.body);
    let rec = body(&res);
    assert_eq!(rec["recordingState"], "inactive");
    let recording_id = rec["recordingId"].as_str().unwrap().to_owned();
    h.run(500);
    assert_eq!(h.state.recording.as_ref().unwrap().status, RecordingStatus::Active);
    let stop = h.call("stopRecording", json!({"recordingId": recording_id}));
    assert_eq!((stop.status, body(&stop)["error"]["code"].as_str()), (400, Some("8520")));
    assert_eq!(h.call("pauseRecording", json!({"recordingId": recording_id})).status, 202);
    h.run(500);
    assert_eq!(h.state.recording.as_ref().unwrap().status, RecordingStatus::Paused);
    assert_eq!(h.call("resumeRecording", json!({"recordingId": recording_id})).status, 202);
    h.run(500);
    assert_eq!(h.state.recording.as_ref().unwrap().status, RecordingStatus::Active);

    // Play a greeting to everyone.
    assert_eq!(h.call("playToAll", json!({"callConnectionId": call, "playSources": [{"kind": "file", "file": {"uri": "https://cdn.example/greeting.wav"}}], "operationContext": "greeting"})).status, 202);
    h.run(4_000);
    assert!(h.names().contains(&"PlayStarted") && h.names().contains(&"PlayCompleted"));

    // Dana leaves after 90 s; the agent and the customer carry on.
    h.run(90_000);
    assert_eq!(h.state.participant(&dana).unwrap().status, ParticipantStatus::Left);
    let stays = &h.state.participant(&dana).unwrap().stays;
    assert_eq!(stays.len(), 1);
    assert_eq!(stays[0].left_at.unwrap() - stays[0].joined_at.unwrap(), 90_000);
    let list = h.call("getParticipants", json!({"callConnectionId": call}));
    assert_eq!(body(&list)["value"].as_array().unwrap().len(), 2);

    // Terminate ends it for everyone.
    assert_eq!(h.call("terminateCall", json!({"callConnectionId": call})).status, 204);
    h.run(500);
    assert_eq!(h.names().last(), Some(&"CallDisconnected"));
    assert!(h.state.is_ended());
    assert_eq!(h.call("getCall", json!({"callConnectionId": call})).status, 404);
    // The reducer's view equals the emulator's ground truth.
    let truth = h.control("GET", "/control/calls", Value::Null);
    assert_eq!(truth[0]["ended"], true);
    assert_eq!(truth[0]["participants"].as_array().unwrap().len(), 0);
}

/// The preview limit counts a Teams user who joined and has left: a recording started after
/// that cannot be stopped either (the Worker's rules read it the same way).
#[test]
fn a_recording_started_after_a_teams_user_left_cannot_be_stopped_either() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let res = h.call(
        "addParticipant",
        json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA), "operationContext": "expert-1"}),
    );
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(5_000);
    let dana = RawId::new(format!("8:orgid:{DANA}")).unwrap();
    assert_eq!(h.state.participant(&dana).unwrap().status, ParticipantStatus::Connected);
    let res = h.call(
        "removeParticipant",
        json!({"callConnectionId": call, "participantToRemove": Harness::teams(DANA), "operationContext": "bye"}),
    );
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(2_000);
    assert_ne!(h.state.participant(&dana).unwrap().status, ParticipantStatus::Connected);
    let res = h.call("startRecording", json!({"callConnectionId": call}));
    assert_eq!(res.status, 200, "{}", res.body);
    let recording_id = body(&res)["recordingId"].as_str().unwrap().to_owned();
    h.run(500);
    let stop = h.call("stopRecording", json!({"recordingId": recording_id}));
    assert_eq!((stop.status, body(&stop)["error"]["code"].as_str()), (400, Some("8520")));
}

/// An object id lives in one cloud: Dana (commercial) addressed as a GCC High user is nobody,
/// until the world puts her there — then her commercial address is nobody.
#[test]
fn a_teams_user_is_reached_only_in_their_own_cloud() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let gcch = json!({"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": DANA, "cloud": "gcch"}});
    let add = |h: &mut Harness, who: &Value, ctx: &str| {
        let res = h.call(
            "addParticipant",
            json!({"callConnectionId": call, "participantToAdd": who, "operationContext": ctx}),
        );
        assert_eq!(res.status, 202, "{}", res.body);
        h.run(3_000);
    };
    add(&mut h, &gcch, "gcch-1");
    assert_eq!(h.result_of("AddParticipantFailed"), (404, 8522));
    let world = h.control("GET", "/control/world", Value::Null);
    assert!(world["sightings"].as_array().unwrap().is_empty(), "her client never rang");
    let bad = h.control("PATCH", &format!("/control/teams/{DANA}"), json!({"cloud": "mars"}));
    assert_eq!(bad["error"]["target"], "cloud", "{bad}");
    let patched = h.control("PATCH", &format!("/control/teams/{DANA}"), json!({"cloud": "GCCH"}));
    assert_eq!(patched["cloud"], "gcch");
    add(&mut h, &Harness::teams(DANA), "public-1");
    assert_eq!(h.result_of("AddParticipantFailed"), (404, 8522));
    add(&mut h, &gcch, "gcch-2");
    let joined = h.last("AddParticipantSucceeded");
    assert_eq!(joined.data.common().unwrap().operation_context, Some("gcch-2"));
}

#[test]
fn teams_rules_as_acs_applies_them() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    fn outcome(h: &mut Harness, call: &str, oid: &str, extra: Value) -> (&'static str, i32, i32, i64) {
        let mut params =
            json!({"callConnectionId": call, "participantToAdd": Harness::teams(oid), "operationContext": oid});
        params.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let sent = h.now;
        assert_eq!(h.call("addParticipant", params).status, 202);
        h.run(120_000);
        let e = h.events.iter().rev().find(|e| e.data.common().and_then(|c| c.operation_context) == Some(oid)).unwrap();
        let r = e.data.common().unwrap().result_information.unwrap().clone();
        (e.name(), r.code, r.sub_code, e.time_millis().unwrap() - sent)
    }
    let (name, code, sub, _) = outcome(&mut h, &call, SAM, json!({}));
    assert_eq!((name, code, sub), ("AddParticipantFailed", 403, 7604)); // no Teams Phone licence
    let (name, code, _, _) = outcome(&mut h, &call, ROBIN, json!({}));
    assert_eq!((name, code), ("AddParticipantFailed", 603)); // declines
    let (name, code, sub, after) = outcome(&mut h, &call, JO, json!({"invitationTimeoutInSeconds": 25}));
    assert_eq!((name, code, sub), ("AddParticipantFailed", 408, 4506)); // never answers
    assert!((25_000..25_100).contains(&after), "{after}");
    h.control("PATCH", &format!("/control/teams/{DANA}"), json!({"tenantConsent": false}));
    assert_eq!(outcome(&mut h, &call, DANA, json!({})).2, 5223);
    h.control("PATCH", &format!("/control/teams/{DANA}"), json!({"tenantConsent": true, "client": "acsM365"}));
    assert_eq!(outcome(&mut h, &call, DANA, json!({})).2, 7500);
}

#[test]
fn custom_display_name_is_not_shown_on_mobile() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    h.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(ROBIN), "sourceDisplayName": "Contoso Support"}));
    let w = h.control("GET", "/control/world", Value::Null);
    let s = &w["sightings"][0];
    assert_eq!((s["client"].as_str(), s["customDisplayName"].as_bool()), (Some("ios"), Some(false)));
    assert_eq!(s["shownCaller"], "+18005550100");
}

#[test]
fn hmac_is_checked_like_acs() {
    let mut h = Harness::new(world());
    let good = h.build("getCall", json!({"callConnectionId": "x"}));
    assert_eq!(h.send(&good).status, 404, "authenticated, call unknown");
    let mut tampered = good.clone();
    tampered.url = tampered.url.replace("/x?", "/y?");
    let res = h.send(&tampered);
    assert_eq!((res.status, body(&res)["error"]["code"].as_str()), (401, Some("7509")));
    // 16 minutes later the same signed request is stale.
    h.now += 16 * 60 * 1000;
    assert_eq!(h.send(&good).status, 401);
    assert!(body(&h.send(&good))["error"]["message"].as_str().unwrap().contains("x-ms-date"));
    // A body that does not match its hash.
    let mut post = h.build("createCall", json!({"targets": [{"rawId": "4:+14255550123"}], "callbackUri": CALLBACK, "sourceCallerIdNumber": {"value": "+18005550100"}}));
    post.body.push(b' ');
    assert_eq!(h.send(&post).status, 401);
    // Unsupported API version: as the service answers a withdrawn preview (SPEC §1.1).
    let mut v = h.build("getCall", json!({"callConnectionId": "x"}));
    v.url = v.url.replace("2025-05-15", "2024-11-15-preview");
    assert_eq!(h.send(&v).status, 404);
}

#[test]
fn repeated_requests_do_not_act_twice() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let add = h.build("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA)}));
    let first = h.send(&add);
    let second = h.send(&add);
    assert_eq!(first, second);
    h.run(5_000);
    let added = h.names().iter().filter(|n| **n == "AddParticipantSucceeded").count();
    assert_eq!(added, 1);
    let log = h.control("GET", "/control/log", Value::Null);
    let repeated: Vec<&Value> = log["entries"].as_array().unwrap().iter().filter(|e| e["repeated"] == true).collect();
    assert_eq!(repeated.len(), 1);
    // Same id, different request: refused.
    let mut other = add.clone();
    other.url = other.url.replace(&call, "someone-else");
    h.resign(&mut other);
    assert_eq!(h.send(&other).status, 409);
}

#[test]
fn bad_bodies_answer_400_naming_the_field() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    // Built by hand (the core would refuse to build it).
    let mut req =
        h.build("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA)}));
    req.body = br#"{"participantToAdd":{"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"bob"}}}"#.to_vec();
    h.resign(&mut req);
    let res = h.send(&req);
    assert_eq!(res.status, 400);
    assert_eq!(body(&res)["error"]["target"], "participantToAdd.microsoftTeamsUser.userId");
    // Text that is not JSON names no field: no `target` at all (it is optional), not "".
    let mut req =
        h.build("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA)}));
    req.body = br#"{"participantToAdd":"#.to_vec();
    h.resign(&mut req);
    let res = h.send(&req);
    assert_eq!((res.status, body(&res)["error"]["code"].as_str()), (400, Some("8523")));
    assert!(body(&res)["error"].get("target").is_none(), "{}", res.body);
}

#[test]
fn same_seed_same_log_byte_for_byte() {
    let script = || {
        let mut h = Harness::new(world());
        let call = h.inbound_answered();
        h.call(
            "addParticipant",
            json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA), "sourceDisplayName": "Contoso"}),
        );
        h.run(10_000);
        h.call("startRecording", json!({"callConnectionId": call}));
        h.run(100_000);
        h.call("terminateCall", json!({"callConnectionId": call}));
        h.run(1_000);
        serde_json::to_string(h.emu.log()).unwrap()
    };
    let a = script();
    assert!(a.len() > 5_000);
    assert_eq!(a, script());
}

#[test]
fn redirect_and_reject_consume_the_single_use_context() {
    let mut h = Harness::new(world());
    h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    h.run(100);
    let ctx = match &h.last("IncomingCall").data {
        EventData::IncomingCall(c) => c.incoming_call_context.clone(),
        _ => unreachable!(),
    };
    assert_eq!(h.call("redirectCall", json!({"incomingCallContext": ctx, "target": Harness::teams(DANA)})).status, 204);
    assert_eq!(h.call("answerCall", json!({"incomingCallContext": ctx, "callbackUri": CALLBACK})).status, 400);
    assert_eq!(h.call("rejectCall", json!({"incomingCallContext": ctx})).status, 400);
    h.run(1_000);
    let w = h.control("GET", "/control/world", Value::Null);
    assert_eq!(w["sightings"][0]["objectId"], DANA);
}

#[test]
fn outbound_call_to_a_teams_user_and_hangup_versus_terminate() {
    let mut h = Harness::new(world());
    let res = h.call("createCall", json!({"targets": [Harness::teams(DANA)], "callbackUri": CALLBACK, "sourceDisplayName": "Contoso", "operationContext": "out"}));
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(body(&res)["callConnectionState"], "connecting");
    let call = body(&res)["callConnectionId"].as_str().unwrap().to_owned();
    h.run(5_000);
    assert_eq!(h.names()[..2], ["CallConnected", "ParticipantsUpdated"]);
    let one_to_one = Action::parse(
        &json!({"operation": "transferToParticipant", "targetParticipant": {"rawId": "4:+14255550123"}}).to_string(),
    )
    .unwrap();
    assert!(h.state.can(&one_to_one).is_ok());
    // Hang up: the app leaves; with one other party the call ends.
    assert_eq!(h.call("hangupCall", json!({"callConnectionId": call})).status, 204);
    h.run(500);
    assert_eq!(h.names().last(), Some(&"CallDisconnected"));
    assert_eq!(h.call("terminateCall", json!({"callConnectionId": call})).status, 404);
}

#[test]
fn blind_transfer_of_a_one_to_one_call() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let res = h.call(
        "transferToParticipant",
        json!({"callConnectionId": call, "targetParticipant": Harness::teams(DANA), "operationContext": "xfer"}),
    );
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(5_000);
    assert_eq!(h.names()[h.names().len() - 2..], ["CallTransferAccepted", "CallDisconnected"]);
    // With more people in the call and a Teams user involved, ACS refuses (the seed: 1:1 only).
    let call = h.inbound_answered();
    let agent = h.emu.world().agents[0].id.clone();
    h.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": {"rawId": agent}}));
    h.run(2_000);
    let res = h.call("transferToParticipant", json!({"callConnectionId": call, "targetParticipant": Harness::teams(DANA), "transferee": {"rawId": format!("4:{CUSTOMER}")}}));
    assert_eq!(res.status, 400);
}

#[test]
fn connect_joins_a_known_call_and_refuses_an_unknown_one() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let server_call_id = body(&h.call("getCall", json!({"callConnectionId": call})))["serverCallId"].clone();
    let res = h.call(
        "connect",
        json!({"callLocator": {"kind": "serverCallLocator", "serverCallId": server_call_id}, "callbackUri": CALLBACK, "operationContext": "second"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let second = body(&res)["callConnectionId"].as_str().unwrap().to_owned();
    assert_ne!(second, call);
    assert_eq!(body(&res)["serverCallId"], server_call_id);
    h.run(1_000);
    let connected = h.last("CallConnected");
    assert_eq!(connected.call_connection_id(), Some(second.as_str()));
    assert_eq!(connected.data.common().unwrap().operation_context, Some("second"));
    // The new connection sees the caller the first one answered.
    let list = body(&h.call("getParticipants", json!({"callConnectionId": second})));
    let ids: Vec<&str> =
        list["value"].as_array().unwrap().iter().map(|p| p["identifier"]["rawId"].as_str().unwrap()).collect();
    assert_eq!(ids, [format!("4:{CUSTOMER}")]);

    let res = h.call(
        "connect",
        json!({"callLocator": {"kind": "serverCallLocator", "serverCallId": "bm8tc3VjaC1jYWxs"}, "callbackUri": CALLBACK}),
    );
    assert_eq!((res.status, body(&res)["error"]["code"].as_str()), (404, Some("8522")));
}

#[test]
fn a_teams_user_records_the_call_from_their_client() {
    let mut h = Harness::new(world());
    let res = h.call(
        "createCall",
        json!({"targets": [Harness::teams(DANA)], "callbackUri": CALLBACK, "operationContext": "out"}),
    );
    let call = body(&res)["callConnectionId"].as_str().unwrap().to_owned();
    let path = format!("/control/calls/{call}/teamsRecording");
    // Before Dana answers nobody from Teams is in the call to record it.
    let refused = h.control("POST", &path, json!({"state": "active"}));
    assert_eq!(refused["error"]["message"], "no Teams user is in the call to record it");
    h.run(5_000);

    // The app records; Dana records from Teams, then stops: ours runs on.
    assert_eq!(h.call("startRecording", json!({"callConnectionId": call})).status, 200);
    h.run(500);
    let started = h.control("POST", &path, json!({"state": "active"}));
    assert_eq!(
        (started["recordingState"].as_str(), started["recordingKind"].as_str()),
        (Some("active"), Some("teams"))
    );
    h.run(500);
    assert_eq!(h.names().last(), Some(&"TeamsRecordingStateChanged"));
    let theirs = h.state.teams_recording.as_ref().unwrap();
    assert_eq!(
        (theirs.recording_id.as_deref(), theirs.status),
        (started["recordingId"].as_str(), RecordingStatus::Active)
    );
    assert_eq!(h.control("POST", &path, json!({"state": "active"}))["error"]["code"], "Conflict");
    h.control("POST", &path, json!({"state": "inactive"}));
    h.run(500);
    assert_eq!(h.state.teams_recording.as_ref().unwrap().status, RecordingStatus::Stopped);
    assert_eq!(h.state.recording.as_ref().unwrap().status, RecordingStatus::Active, "ours is not moved");
    assert_eq!(
        h.control("POST", &path, json!({"state": "inactive"}))["error"]["message"],
        "no Teams user is recording the call"
    );

    // Bad input names the field; an unknown call is 404.
    let bad = h.control("POST", &path, json!({"state": "paused"}));
    assert_eq!(bad["error"]["target"], "state");
    let bad = h.control("POST", &path, json!({"state": "active", "who": DANA}));
    assert_eq!(bad["error"]["code"], "BadRequest");
    let unknown = h.control("POST", "/control/calls/nope/teamsRecording", json!({"state": "active"}));
    assert_eq!(unknown["error"]["code"], "8522");
}

#[test]
fn an_inbound_call_with_a_misspelt_member_is_refused_not_sent_elsewhere() {
    let mut h = Harness::new(world());
    let bad = h.control("POST", "/control/inbound", json!({"from": "+14255550123", "too": "+18005550177"}));
    assert_eq!(bad["error"]["code"], "BadRequest", "{bad}");
    assert!(bad["error"]["message"].as_str().unwrap().contains("too"), "{bad}");
    assert!(h.emu.next_due().is_none(), "no call was placed");
}

#[test]
fn a_person_hangs_up_through_the_control_api() {
    // What no REST operation can do: the customer (or a Teams user) leaves. With Dana still in
    // the call the roster shrinks; when the last person leaves, the call ends for the app.
    let mut h = Harness::new(world());
    let res = h.call("createCall", json!({"targets": [Harness::teams(DANA)], "callbackUri": CALLBACK}));
    let call = body(&res)["callConnectionId"].as_str().unwrap().to_owned();
    h.run(5_000);
    let path = format!("/control/calls/{call}/leave");
    let nobody = h.control("POST", &path, json!({"rawId": "4:+14255550199"}));
    assert_eq!(nobody["error"]["target"], "rawId", "{nobody}");
    let left = h.control("POST", &path, json!({"rawId": format!("8:orgid:{DANA}")}));
    assert_eq!(left["left"], format!("8:orgid:{DANA}"));
    h.run(1_000);
    assert_eq!(h.names().last(), Some(&"CallDisconnected"), "{:?}", h.names());
    assert_eq!(h.control("POST", &path, json!({"rawId": "x"}))["error"]["code"], "8522", "the call is over");
    assert_eq!(h.control("POST", &path, json!({"who": DANA}))["error"]["code"], "BadRequest", "unknown member");
}

/// Every 400 of the control API names the field it is about in `error.target`, whether the
/// body did not parse or a value was refused after.
#[test]
fn control_api_errors_name_the_field() {
    let mut h = Harness::new(world());
    let target =
        |v: Value| (v["error"]["code"].as_str().map(str::to_owned), v["error"]["target"].as_str().map(str::to_owned));
    let named = |field: &str| (Some("BadRequest".to_owned()), Some(field.to_owned()));
    assert_eq!(target(h.control("POST", "/control/clock", json!({"advanceMs": -5}))), named("advanceMs"));
    assert_eq!(target(h.control("POST", "/control/clock", json!({"advanceMs": "soon"}))), named("advanceMs"));
    assert_eq!(target(h.control("GET", "/control/eventgrid/validate?code=wrong", Value::Null)), named("code"));
    assert_eq!(target(h.control("POST", "/control/inbound", json!({"to": "+18005550177"}))), named("from"));
    assert_eq!(target(h.control("POST", "/control/inbound", json!({"from": "hello"}))), named("from"));
    assert_eq!(
        target(h.control("POST", "/control/inbound", json!({"from": "+14255550123", "to": "0800"}))),
        named("to")
    );
    assert_eq!(target(h.control("GET", "/control/log?since=abc", Value::Null)), named("since"));
    // ACS routes a call only to a number the resource owns.
    assert_eq!(
        target(h.control("POST", "/control/inbound", json!({"from": "+14255550123", "to": "+19999999999"}))),
        named("to")
    );
    // Faults: shares are probabilities, and a misspelt member is refused, not silently reset.
    let faults = |h: &mut Harness, v: Value| target(h.control("PUT", "/control/faults", v));
    assert_eq!(faults(&mut h, json!({"callbacks": {"drop": 2}})), named("callbacks.drop"));
    assert_eq!(faults(&mut h, json!({"requests": {"throttle": -0.1}})), named("requests.throttle"));
    assert_eq!(faults(&mut h, json!({"callbacks": {"delayMs": [50, 10]}})), named("callbacks.delayMs"));
    assert_eq!(faults(&mut h, json!({"callbacks": {"dorp": 0.1}})), named("callbacks.dorp"));
    let kept = h.control("PUT", "/control/faults", json!({"callbacks": {"drop": 0.5}}));
    assert_eq!(kept["faults"]["callbacks"]["drop"], 0.5);
    assert_eq!(faults(&mut h, json!({"callbacks": {"drop": 1.5}})), named("callbacks.drop"));
    let world = h.control("GET", "/control/world", Value::Null);
    assert_eq!(world["faults"]["callbacks"]["drop"], 0.5, "a refused setting changes nothing: {world}");
}

/// ACS runs a call's media operations one at a time: a play asked for while another plays waits
/// its turn; `interruptCallMediaOperation` barges in (the one playing is cancelled, the queued
/// ones keep their turn); cancelAllMediaOperations cancels the one playing and every queued one.
#[test]
fn media_operations_queue_unless_they_interrupt() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let play = |h: &mut Harness, ctx: &str, extra: Value| {
        let mut p = json!({"callConnectionId": call, "playSources": [{"kind": "file", "file": {"uri": format!("https://cdn.example/{ctx}.wav")}}], "operationContext": ctx});
        p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        assert_eq!(h.call("playToAll", p).status, 202);
    };
    let media = |h: &Harness, from: usize| -> Vec<String> {
        h.events[from..]
            .iter()
            .filter(|e| e.name().starts_with("Play") || e.name().starts_with("Recognize"))
            .map(|e| format!("{} {}", e.name(), e.data.common().and_then(|c| c.operation_context).unwrap_or("-")))
            .collect()
    };

    let from = h.events.len();
    play(&mut h, "q1", json!({}));
    play(&mut h, "q2", json!({}));
    h.run(30_000);
    assert_eq!(media(&h, from), ["PlayStarted q1", "PlayCompleted q1", "PlayStarted q2", "PlayCompleted q2"]);

    let from = h.events.len();
    play(&mut h, "a", json!({}));
    play(&mut h, "b", json!({}));
    h.run(100);
    play(&mut h, "urgent", json!({"interruptCallMediaOperation": true}));
    h.run(30_000);
    assert_eq!(
        media(&h, from),
        [
            "PlayStarted a",
            "PlayCanceled a",
            "PlayStarted urgent",
            "PlayCompleted urgent",
            "PlayStarted b",
            "PlayCompleted b"
        ]
    );

    let from = h.events.len();
    play(&mut h, "x", json!({"playOptions": {"loop": true}}));
    play(&mut h, "y", json!({}));
    let recognize = json!({"callConnectionId": call, "recognizeInputType": "dtmf", "recognizeOptions": {"targetParticipant": {"rawId": format!("4:{CUSTOMER}")}}, "operationContext": "menu"});
    assert_eq!(h.call("recognize", recognize).status, 202);
    h.run(30_000);
    // The looped play never ends: what is queued behind it waits.
    assert_eq!(media(&h, from), ["PlayStarted x"]);
    assert_eq!(h.call("cancelAllMediaOperations", json!({"callConnectionId": call})).status, 202);
    h.run(1_000);
    assert_eq!(media(&h, from), ["PlayStarted x", "PlayCanceled x", "PlayCanceled y", "RecognizeCanceled menu"]);
    h.run(30_000);
    assert_eq!(media(&h, from).len(), 4, "nothing starts after a cancel-all");
}

/// Cancelling an invitation that is not ringing is accepted (202) and then fails as "not found",
/// paired as ACS's result table pairs 8522.
#[test]
fn cancelling_an_invitation_that_is_not_ringing_fails_as_not_found() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let res = h.call(
        "cancelAddParticipant",
        json!({"callConnectionId": call, "invitationId": "0f0e0d0c-0000-4000-8000-000000000001", "operationContext": "cancel"}),
    );
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(2_000);
    assert_eq!(h.result_of("CancelAddParticipantFailed"), (404, 8522));
    assert_eq!(h.last("CancelAddParticipantFailed").data.common().unwrap().operation_context, Some("cancel"));
}

/// Every stable API version (SPEC §1.1) and the official SDK's 2026-03-12 reach the call; a
/// preview ACS no longer routes answers as ACS does (404, "No HTTP resource was found …").
#[test]
fn stable_api_versions_are_accepted_withdrawn_previews_are_not() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let mut status = |version: &str| {
        let mut req = h.build("getCall", json!({"callConnectionId": call}));
        req.url = req.url.replace("api-version=2025-05-15", &format!("api-version={version}"));
        h.resign(&mut req);
        let res = h.send(&req);
        (res.status, body(&res)["error"]["message"].as_str().unwrap_or("").starts_with("No HTTP resource"))
    };
    for v in ["2023-03-06", "2023-10-15", "2024-04-15", "2024-09-15", "2025-05-15", "2026-03-12"] {
        assert_eq!(status(v), (200, false), "{v}");
    }
    for v in ["2024-11-15-preview", "2022-01-01", ""] {
        assert_eq!(status(v), (404, true), "{v}");
    }
}
