//! Every injected fault of `emulator::faults`, through the emulator: what the host observes
//! (deliveries, statuses, headers), what the emulator's ground truth says happened, what the
//! CallState folded from the deliveries makes of it, and the fault counts of `GET /control/world`.
//! Plus the CloudEvents-schema Event Grid subscription.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use switchboard::call::ParticipantStatus;
use switchboard::emulator::{DeliveryKind, Response};
use switchboard::events::{parse_events, EventData};
use switchboard::RawId;

use crate::harness::*;

fn body(res: &Response) -> Value {
    serde_json::from_str(&res.body).unwrap_or(Value::Null)
}

/// `PUT /control/faults` (replaces every fault setting).
fn set_faults(h: &mut Harness, faults: Value) {
    let res = h.control("PUT", "/control/faults", faults);
    assert!(res["faults"].is_object(), "{res}");
}

fn fault_counts(h: &mut Harness) -> Value {
    h.control("GET", "/control/world", Value::Null)["faultCounts"].clone()
}

/// The emulator's ground truth about `call`.
fn truth(h: &mut Harness, call: &str) -> Value {
    let calls = h.control("GET", "/control/calls", Value::Null);
    calls.as_array().unwrap().iter().find(|c| c["callConnectionId"] == call).cloned().unwrap()
}

/// Who is in the call, with mute and hold flags, by the ground truth.
fn truth_roster(h: &mut Harness, call: &str) -> BTreeMap<String, (bool, bool)> {
    truth(h, call)["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let flags = (p["isMuted"].as_bool().unwrap(), p["isOnHold"].as_bool().unwrap());
            (p["rawId"].as_str().unwrap().to_owned(), flags)
        })
        .collect()
}

/// Who is in the call, with mute and hold flags, by the CallState folded from the deliveries.
fn state_roster(h: &Harness) -> BTreeMap<String, (bool, bool)> {
    h.state
        .participants
        .iter()
        .filter(|p| p.status == ParticipantStatus::Connected)
        .map(|p| (p.identifier.raw_id().to_string(), (p.is_muted, p.is_on_hold)))
        .collect()
}

fn agent(h: &Harness) -> String {
    h.emu.world().agents[0].id.clone()
}

fn add_agent(h: &mut Harness, call: &str) -> switchboard::ops::HttpRequest {
    let agent = agent(h);
    h.build("addParticipant", json!({"callConnectionId": call, "participantToAdd": {"rawId": agent}}))
}

/// A script with several roster changes: the agent joins; in one instant the agent is muted and
/// the customer put on hold and taken off it twice (five rosters a millisecond apart); Dana joins;
/// the agent is removed. Ends with the customer and Dana in the call. 11 callbacks.
fn busy_call(h: &mut Harness, call: &str) {
    let agent = agent(h);
    let customer = json!({"rawId": format!("4:{CUSTOMER}")});
    let req = add_agent(h, call);
    assert_eq!(h.send(&req).status, 202);
    h.run(3_000);
    let res = h.call("muteParticipants", json!({"callConnectionId": call, "targetParticipants": [{"rawId": agent}]}));
    assert_eq!(res.status, 200, "{}", res.body);
    for op in ["hold", "unhold", "hold", "unhold"] {
        let res = h.call(op, json!({"callConnectionId": call, "targetParticipant": customer}));
        assert_eq!(res.status, 200, "{op}: {}", res.body);
    }
    h.run(2_000);
    let res = h.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": Harness::teams(DANA)}));
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(6_000);
    let res = h.call("removeParticipant", json!({"callConnectionId": call, "participantToRemove": {"rawId": agent}}));
    assert_eq!(res.status, 202, "{}", res.body);
    h.run(5_000);
}

fn callback_deliveries(h: &Harness) -> usize {
    h.deliveries.iter().filter(|d| d.kind == DeliveryKind::Callback).count()
}

#[test]
fn dropped_callbacks_are_never_delivered_but_the_request_still_acts() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    set_faults(&mut h, json!({"callbacks": {"drop": 1.0}}));
    let delivered = h.deliveries.len();
    let req = add_agent(&mut h, &call);
    assert_eq!(h.send(&req).status, 202);
    h.run(5_000);
    // Nothing reached the app...
    assert_eq!(h.deliveries.len(), delivered);
    let agent = RawId::new(agent(&h)).unwrap();
    assert!(h.state.participant(&agent).is_none());
    // ...yet the agent is in the call.
    assert!(truth_roster(&mut h, &call).contains_key(agent.as_str()));
    // AddParticipantSucceeded and ParticipantsUpdated.
    assert_eq!(fault_counts(&mut h), json!({"drop": 2}));
}

#[test]
fn duplicated_callbacks_share_their_event_id_and_change_nothing_twice() {
    let mut w = world();
    w.faults.callbacks.duplicate = 1.0;
    let mut h = Harness::new(w);
    let call = h.inbound_answered();
    busy_call(&mut h, &call);
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in h.deliveries.iter().filter(|d| d.kind == DeliveryKind::Callback) {
        by_id.entry(d.event_id.clone()).or_default().push(d.body.clone());
    }
    // CallConnected and a roster when answered, 11 in the script.
    assert_eq!(by_id.len(), 13);
    // Each event twice, the same body, each copy its own delivery id.
    assert!(by_id.values().all(|b| b.len() == 2 && b[0] == b[1]), "{by_id:?}");
    let ids: BTreeSet<u64> = h.deliveries.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), h.deliveries.len());
    // The state folded each event once: the Event Grid IncomingCall and one of each pair.
    let distinct: BTreeSet<String> =
        h.deliveries.iter().filter(|d| d.kind != DeliveryKind::Validation).map(|d| d.event_id.clone()).collect();
    assert_eq!(h.events.len(), distinct.len() + by_id.len());
    assert_eq!(h.state.events_applied, distinct.len() as u64);
    assert_eq!(state_roster(&h), truth_roster(&mut h, &call));
    assert_eq!(state_roster(&h).len(), 2, "the customer and Dana");
    let counts = fault_counts(&mut h);
    assert_eq!(counts, json!({"duplicate": by_id.len()}));
}

#[test]
fn reordered_callbacks_arrive_out_of_order_and_the_roster_still_matches() {
    let mut w = world();
    w.faults.callbacks.reorder = 1.0;
    let mut h = Harness::new(w);
    let call = h.inbound_answered();
    busy_call(&mut h, &call);
    h.run(2_000);
    // Delivery order is not event time order...
    let times: Vec<i64> = h.events.iter().map(|e| e.time_millis().unwrap()).collect();
    assert!(times.windows(2).any(|w| w[1] < w[0]), "{times:?}");
    // ...rosters included (with seed 7 the last unhold's roster overtakes the hold/unhold ones
    // before it, so a reducer taking the last roster delivered would see the customer on hold).
    let seqs: Vec<i64> = h
        .events
        .iter()
        .filter_map(|e| match &e.data {
            EventData::ParticipantsUpdated(p) => p.sequence_number,
            _ => None,
        })
        .collect();
    assert!(seqs.windows(2).any(|w| w[1] < w[0]), "{seqs:?}");
    assert_eq!(state_roster(&h), truth_roster(&mut h, &call));
    let agent = RawId::new(agent(&h)).unwrap();
    assert_eq!(h.state.participant(&agent).unwrap().status, ParticipantStatus::Removed);
    assert_eq!(fault_counts(&mut h), json!({"reorder": callback_deliveries(&h)}));
}

#[test]
fn delayed_callbacks_arrive_later_by_at_least_the_minimum() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    // Without the fault a callback is due at its event time.
    let lag = |d: &switchboard::emulator::Delivery| d.due - parse_events(&d.body).unwrap()[0].time_millis().unwrap();
    let before = callback_deliveries(&h);
    assert!(before >= 2);
    assert!(h.deliveries.iter().filter(|d| d.kind == DeliveryKind::Callback).all(|d| lag(d) == 0));
    set_faults(&mut h, json!({"callbacks": {"delayMs": [500, 800]}}));
    busy_call(&mut h, &call);
    let lags: Vec<(String, i64)> = h
        .deliveries
        .iter()
        .filter(|d| d.kind == DeliveryKind::Callback)
        .skip(before)
        .map(|d| (d.event_type.clone(), lag(d)))
        .collect();
    assert_eq!(lags.len(), 11, "{lags:?}");
    assert!(lags.iter().all(|(_, l)| (500..=800).contains(l)), "{lags:?}");
    assert_eq!(state_roster(&h), truth_roster(&mut h, &call));
    assert_eq!(fault_counts(&mut h), json!({"delay": lags.len()}));
}

#[test]
fn before_response_delivers_the_first_callback_ahead_of_the_response() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    set_faults(&mut h, json!({"callbacks": {"beforeResponse": 1.0}}));
    let req = add_agent(&mut h, &call);
    let res = h.send(&req);
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.deliver_first.len(), 1);
    let first = &res.deliver_first[0];
    assert_eq!(first.kind, DeliveryKind::Callback);
    let event = &parse_events(&first.body).unwrap()[0];
    assert_eq!(
        (event.name(), event.data.common().unwrap().call_connection_id),
        ("AddParticipantSucceeded", call.as_str())
    );
    // The service acted at once: the agent is in the call when the response is sent.
    assert!(truth_roster(&mut h, &call).contains_key(&agent(&h)));
    // The host delivered it before it saw the response: it is the harness's last event already.
    assert_eq!(h.events.last().unwrap().id, event.id);
    // It is not delivered again later.
    h.run(5_000);
    assert_eq!(h.deliveries.iter().filter(|d| d.event_id == first.event_id).count(), 1);
    assert!(h.names().contains(&"AddParticipantSucceeded"));
    assert_eq!(state_roster(&h), truth_roster(&mut h, &call));
    assert_eq!(fault_counts(&mut h), json!({"before_response": 1}));
}

/// The agent is neither ringing nor in the call, and nothing was called back.
fn nothing_happened(h: &mut Harness, call: &str, delivered: usize) {
    h.run(5_000);
    let t = truth(h, call);
    let agent = agent(h);
    assert!(!t["ringing"].as_array().unwrap().iter().any(|r| r == agent.as_str()), "{t}");
    assert!(!truth_roster(h, call).contains_key(&agent), "{t}");
    assert_eq!(h.deliveries.len(), delivered);
}

#[test]
fn throttled_requests_answer_429_with_retry_after_and_do_not_act() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    set_faults(&mut h, json!({"requests": {"throttle": 1.0, "retryAfterS": 3}}));
    let delivered = h.deliveries.len();
    let req = add_agent(&mut h, &call);
    let res = h.send(&req);
    assert_eq!(res.status, 429);
    let retry = res.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("retry-after")).map(|(_, v)| v.as_str());
    assert_eq!(retry, Some("3"));
    nothing_happened(&mut h, &call, delivered);
    assert_eq!(fault_counts(&mut h), json!({"throttle": 1}));
    // The Repeatability-Request-ID was not spent: the retry acts.
    set_faults(&mut h, json!({}));
    assert_eq!(h.send(&req).status, 202);
    h.run(3_000);
    assert!(truth_roster(&mut h, &call).contains_key(&agent(&h)));
}

#[test]
fn server_errors_answer_503_and_do_not_act() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    set_faults(&mut h, json!({"requests": {"serverError": 1.0}}));
    let delivered = h.deliveries.len();
    let req = add_agent(&mut h, &call);
    let res = h.send(&req);
    assert_eq!(res.status, 503);
    assert_eq!(body(&res)["error"]["code"], "9999");
    nothing_happened(&mut h, &call, delivered);
    assert_eq!(fault_counts(&mut h), json!({"server_error": 1}));
    // Nothing was stored under its Repeatability-Request-ID: the retry acts.
    set_faults(&mut h, json!({}));
    assert_eq!(h.send(&req).status, 202);
    h.run(3_000);
    assert!(truth_roster(&mut h, &call).contains_key(&agent(&h)));
}

#[test]
fn server_error_after_action_acts_and_the_retry_gets_the_stored_success() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    set_faults(&mut h, json!({"requests": {"serverErrorAfterAction": 1.0}}));
    let req = add_agent(&mut h, &call);
    let res = h.send(&req);
    assert_eq!(res.status, 500);
    // The action happened: the agent is ringing.
    let t = truth(&mut h, &call);
    assert_eq!(t["ringing"], json!([agent(&h)]), "{t}");
    assert_eq!(fault_counts(&mut h), json!({"server_error_after_action": 1}));
    // The identical request again, with the fault off: the stored success, no second invitation.
    set_faults(&mut h, json!({}));
    let retry = h.send(&req);
    assert_eq!(retry.status, 202, "{}", retry.body);
    assert_eq!(body(&retry)["participant"]["identifier"]["rawId"], agent(&h));
    let t = truth(&mut h, &call);
    assert_eq!(t["ringing"], json!([agent(&h)]), "{t}");
    h.run(3_000);
    assert_eq!(h.names().iter().filter(|n| **n == "AddParticipantSucceeded").count(), 1);
    assert!(truth_roster(&mut h, &call).contains_key(&agent(&h)));
    let log = h.control("GET", "/control/log", Value::Null);
    let adds: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "request" && e["operation"] == "addParticipant")
        .collect();
    assert_eq!(adds.len(), 2);
    assert_eq!((adds[0]["status"].as_u64(), adds[0]["fault"].as_str()), (Some(500), Some("server_error_after_action")));
    assert_eq!((adds[1]["status"].as_u64(), adds[1]["repeated"].as_bool()), (Some(202), Some(true)));
    assert_eq!(fault_counts(&mut h), json!({"server_error_after_action": 1}));
}

#[test]
fn cloud_events_subscription_validates_with_options_then_delivers_incoming_call() {
    let mut w = world();
    w.event_grid = Some(serde_json::from_value(json!({"webhook": WEBHOOK, "schema": "cloudEvents"})).unwrap());
    let mut h = Harness::new(w);
    h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    h.run(100);
    // The abuse-protection handshake: OPTIONS with WebHook-Request-Origin, no body.
    let v = &h.deliveries[0];
    assert_eq!(
        (v.kind, v.method.as_str(), v.url.as_str(), v.body.as_str()),
        (DeliveryKind::Validation, "OPTIONS", WEBHOOK, "")
    );
    assert!(v.headers.iter().any(|(k, val)| k == "WebHook-Request-Origin" && val == "eventgrid.azure.net"));
    assert_eq!(h.control("GET", "/control/world", Value::Null)["eventGridValidated"], true);
    // Then IncomingCall, in CloudEvents shape.
    assert_eq!(h.deliveries.len(), 2);
    let d = &h.deliveries[1];
    assert_eq!((d.kind, d.method.as_str(), d.url.as_str()), (DeliveryKind::EventGrid, "POST", WEBHOOK));
    let content_types: Vec<&str> =
        d.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str()).collect();
    assert_eq!(content_types, ["application/cloudevents-batch+json; charset=utf-8"]);
    let sent: Value = serde_json::from_str(&d.body).unwrap();
    let e = &sent[0];
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["type"], "Microsoft.Communication.IncomingCall");
    assert_eq!(e["source"], h.emu.world().resource.arm_id.as_str());
    assert_eq!(e["subject"], format!("/caller/4:{CUSTOMER}/recipient/4:+18005550100"));
    assert!(e.get("eventType").is_none() && e.get("topic").is_none() && e.get("eventTime").is_none());
    assert!(e["time"].is_string() && e["id"] == d.event_id.as_str());
    let ctx = match &h.last("IncomingCall").data {
        EventData::IncomingCall(c) => c.incoming_call_context.clone(),
        _ => unreachable!(),
    };
    assert_eq!(e["data"]["incomingCallContext"], ctx.as_str());
    // The context answers the call.
    let res = h.call("answerCall", json!({"incomingCallContext": ctx, "callbackUri": CALLBACK}));
    assert_eq!(res.status, 200, "{}", res.body);
    h.run(1_000);
    assert!(h.names().contains(&"CallConnected"));
}

#[test]
fn cloud_events_subscription_stays_unvalidated_when_the_webhook_refuses_options() {
    let mut w = world();
    w.event_grid = Some(serde_json::from_value(json!({"webhook": WEBHOOK, "schema": "cloudEvents"})).unwrap());
    let mut h = Harness::new(w);
    h.answer_validation = false;
    h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    h.run(60_000);
    assert_eq!(h.deliveries.len(), 1, "only the handshake");
    assert_eq!(h.control("GET", "/control/world", Value::Null)["eventGridValidated"], false);
}

#[test]
fn a_graph_fault_answers_every_presence_read_with_its_status_and_is_checked() {
    let mut h = Harness::new(world());
    let read = |h: &mut Harness| {
        let r = switchboard::emulator::Request {
            method: "POST".into(),
            path: "/v1.0/communications/getPresencesByUserId".into(),
            headers: vec![],
            body: br#"{"ids":["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"]}"#.to_vec(),
        };
        let now = h.now;
        h.emu.handle(&r, now)
    };
    assert_eq!(read(&mut h).status, 200);
    set_faults(&mut h, json!({"graph": {"status": 503}}));
    let down = read(&mut h);
    assert_eq!((down.status, body(&down)["error"]["code"].as_str()), (503, Some("ServiceNotAvailable")));
    set_faults(&mut h, json!({"graph": {"status": 401}}));
    assert_eq!(body(&read(&mut h))["error"]["code"], "InvalidAuthenticationToken");
    let refused = h.control("PUT", "/control/faults", json!({"graph": {"status": 404}}));
    assert_eq!(refused["error"]["target"], "graph.status", "{refused}");
    set_faults(&mut h, json!({}));
    assert_eq!(read(&mut h).status, 200);
}

#[test]
fn request_faults_aimed_at_one_operation_and_one_call_spare_the_rest() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let other = h.inbound_answered();
    set_faults(
        &mut h,
        json!({"requests": {"serverError": 1.0, "operations": ["addParticipant"], "callConnectionId": call}}),
    );
    // Another operation on the aimed call, and the aimed operation on another call: untouched.
    assert_eq!(h.call("getCall", json!({"callConnectionId": call})).status, 200);
    let req = add_agent(&mut h, &other);
    assert_eq!(h.send(&req).status, 202);
    // The aimed operation on the aimed call fails.
    let req = add_agent(&mut h, &call);
    assert_eq!(h.send(&req).status, 503);
    assert_eq!(fault_counts(&mut h), json!({"server_error": 1}));
    let refused = h.control("PUT", "/control/faults", json!({"requests": {"operations": ["addParticipants"]}}));
    assert_eq!(refused["error"]["target"], "requests.operations", "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("addParticipants is no Call Automation operation"));
}

#[test]
fn callback_faults_aimed_at_one_event_type_and_one_call_spare_the_rest() {
    let mut h = Harness::new(world());
    let call = h.inbound_answered();
    let other = h.inbound_answered();
    set_faults(
        &mut h,
        json!({"callbacks": {"drop": 1.0, "eventTypes": ["Microsoft.Communication.AddParticipantSucceeded"], "callConnectionId": call}}),
    );
    for c in [&call, &other] {
        let req = add_agent(&mut h, c);
        assert_eq!(h.send(&req).status, 202);
    }
    h.run(5_000);
    let delivered = |h: &Harness, c: &str, t: &str| {
        h.deliveries
            .iter()
            .any(|d| d.event_type.ends_with(t) && d.body.contains(&format!("\"callConnectionId\":\"{c}\"")))
    };
    assert!(!delivered(&h, &call, "AddParticipantSucceeded"), "the aimed event of the aimed call is dropped");
    assert!(delivered(&h, &call, "ParticipantsUpdated"), "another event of the aimed call is not");
    assert!(delivered(&h, &other, "AddParticipantSucceeded"), "the aimed event of another call is not");
    assert_eq!(fault_counts(&mut h), json!({"drop": 1}));
}

#[test]
fn the_identity_platform_gives_graph_tokens_to_known_apps_and_graph_checks_them() {
    let mut w = world();
    w.entra_apps =
        vec![switchboard::emulator::EntraApp { client_id: "app-1".into(), client_secret: "s3cr3t+/=".into() }];
    let mut h = Harness::new(w);
    let post = |h: &mut Harness, path: &str, headers: Vec<(String, String)>, body: &str| {
        let r = switchboard::emulator::Request {
            method: "POST".into(),
            path: path.into(),
            headers,
            body: body.as_bytes().to_vec(),
        };
        let now = h.now;
        h.emu.handle(&r, now)
    };
    let token_path = "/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token";
    let form = |secret: &str| {
        format!("grant_type=client_credentials&client_id=app-1&client_secret={secret}&scope=http%3A%2F%2F127.0.0.1%3A8788%2F.default")
    };
    let refused = post(&mut h, token_path, vec![], &form("wrong"));
    assert_eq!((refused.status, body(&refused)["error"].as_str()), (401, Some("invalid_client")));
    let granted = post(&mut h, token_path, vec![], &form("s3cr3t%2B%2F%3D"));
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(body(&granted)["expires_in"], 3599);
    let token = body(&granted)["access_token"].as_str().unwrap().to_owned();
    let grant = post(&mut h, token_path, vec![], "grant_type=password&client_id=app-1");
    assert_eq!(body(&grant)["error"], "unsupported_grant_type");

    let presence = "/v1.0/communications/getPresencesByUserId";
    let ids = r#"{"ids":["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"]}"#;
    let bearer = |t: &str| vec![("Authorization".to_owned(), format!("Bearer {t}"))];
    assert_eq!(post(&mut h, presence, bearer(&token), ids).status, 200);
    let wrong = post(&mut h, presence, bearer("made-up"), ids);
    assert_eq!((wrong.status, body(&wrong)["error"]["code"].as_str()), (401, Some("InvalidAuthenticationToken")));
    assert_eq!(post(&mut h, presence, vec![], ids).status, 200, "no token: served, as before");
    h.run(3_600_000);
    assert_eq!(post(&mut h, presence, bearer(&token), ids).status, 401, "expired after an hour");
}
