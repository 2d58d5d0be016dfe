//! Random input sequences against a call's session, driven as its Durable Object drives it:
//! callback batches (redelivered, reordered, for other calls), agents' commands, ACS's answers
//! (successes, refusals, server errors, no answer), alarms, and now and then a crash between
//! deciding a request and hearing its answer. After every step:
//! - every `Send` names an entry in the outbox, and the outbox stays small;
//! - a batch whose events were all folded before sets nothing off (no request, no push, no
//!   word to the queue): ACS delivers at least once;
//! - an alarm that leaves the next one due at once has sent something (a stranded entry
//!   again, a read): one that did nothing would ring in a loop;
//! - the session survives its storage form (the Durable Object keeps it as JSON) unchanged, and
//!   its view and summary render;
//! - a console's replica, the call's log folded as `CallState.applyLogRecord` folds it, shows
//!   the call as the Durable Object has it.

use serde_json::{json, Value};

use super::*;
use crate::api::{commands, CallRoute, CommandRequest, RecordingVerb};
use crate::call::CallState;
use crate::dice::Dice;
use crate::events::parse_events;
use crate::tenant::{OnAgentHangup, Policy, RouteAction};
use crate::RawId;

const CALL: &str = "cc-1";
const EXPERTS: [&str; 2] = ["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"];
const AGENT: &str = "8:acs:5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21";
const INCOMING: &str = r#"[{"id":"eg-1","topic":"/subscriptions/x","subject":"/caller/4:+14255550123/recipient/4:+18005550100","eventType":"Microsoft.Communication.IncomingCall","eventTime":"2025-04-01T12:00:00Z","dataVersion":"1.0","data":{"to":{"kind":"phoneNumber","rawId":"4:+18005550100","phoneNumber":{"value":"+18005550100"}},"from":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}},"serverCallId":"c2VydmVy","callerDisplayName":"","incomingCallContext":"ctx-1","correlationId":"corr-1"}}]"#;
/// 2025-04-01T12:00:00Z.
const T0: i64 = 1_743_508_800_000;

fn teams(i: usize) -> Value {
    json!({"kind": "microsoftTeamsUser", "rawId": format!("8:orgid:{}", EXPERTS[i]), "microsoftTeamsUser": {"userId": EXPERTS[i]}})
}

fn phone() -> Value {
    json!({"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}})
}

fn agent() -> Value {
    json!({"kind": "communicationUser", "rawId": AGENT, "communicationUser": {"id": AGENT}})
}

fn time(ms: i64) -> String {
    let s = (ms - T0).max(0) / 1000;
    format!("2025-04-01T{:02}:{:02}:{:02}Z", 12 + s / 3600, (s / 60) % 60, s % 60)
}

/// One callback for this call (or, rarely, another one), with an id from a small pool so the
/// same event comes again.
fn event(d: &mut Dice, now: i64, contexts: &[String]) -> Value {
    let ctx = if contexts.is_empty() || d.below(4) == 0 { "ctx-x".to_owned() } else { d.pick(contexts).clone() };
    let ok = json!({"code": 200, "subCode": 0, "message": "ok"});
    let (name, data) = match d.below(13) {
        0..=2 => {
            let mut who = vec![phone()];
            for p in [agent(), teams(0), teams(1)] {
                if d.below(2) == 0 {
                    who.push(p);
                }
            }
            let participants: Vec<Value> = who
                .into_iter()
                .map(|w| json!({"identifier": w, "isMuted": d.below(4) == 0, "isOnHold": false}))
                .collect();
            ("ParticipantsUpdated", json!({"sequenceNumber": d.below(12), "participants": participants}))
        }
        3 => (
            "AddParticipantSucceeded",
            json!({"participant": teams(d.below(2)), "operationContext": ctx, "resultInformation": ok}),
        ),
        4 => {
            let code = *d.pick(&[(603, 10004), (408, 10004), (403, 7604), (480, 10037)]);
            let result = json!({"code": code.0, "subCode": code.1, "message": "no"});
            (
                "AddParticipantFailed",
                json!({"participant": teams(d.below(2)), "operationContext": ctx, "resultInformation": result}),
            )
        }
        5 => (
            "CancelAddParticipantSucceeded",
            json!({"operationContext": ctx, "invitationId": format!("inv-{}", d.below(3))}),
        ),
        6 => (
            "RemoveParticipantSucceeded",
            json!({"participant": teams(d.below(2)), "operationContext": ctx, "resultInformation": ok}),
        ),
        7 => ("PlayCompleted", json!({"operationContext": ctx, "resultInformation": ok})),
        8 => (
            "PlayFailed",
            json!({"operationContext": ctx, "resultInformation": {"code": 400, "subCode": 8535, "message": "bad file"}}),
        ),
        9 => {
            let state = if d.below(2) == 0 { "active" } else { "inactive" };
            (
                "RecordingStateChanged",
                json!({"recordingId": "rec-1", "state": state, "startDateTime": time(now - 1_000)}),
            )
        }
        10 => ("CallTransferAccepted", json!({"operationContext": ctx, "resultInformation": ok})),
        11 if d.below(4) == 0 => ("CallDisconnected", json!({"operationContext": ctx})),
        _ => ("CallConnected", json!({"operationContext": ctx})),
    };
    let mut data = data;
    data["callConnectionId"] = json!(if d.below(30) == 0 { "another-call" } else { CALL });
    json!({"id": format!("ev-{}", d.below(40)), "source": format!("calling/callConnections/{CALL}"),
           "type": format!("Microsoft.Communication.{name}"), "data": data,
           "time": time(now - d.below(20_000) as i64), "specversion": "1.0"})
}

/// An agent's command (refused ones included: the rules say no, nothing is sent).
fn command(d: &mut Dice) -> Option<CommandRequest> {
    let expert = EXPERTS[d.below(2)];
    let (route, body) = match d.below(12) {
        0..=2 => {
            (CallRoute::Consult, json!({"expert": expert, "invitationTimeoutInSeconds": 20, "record": d.below(2) == 0}))
        }
        3 => (CallRoute::AddParticipants, json!({"participant": {"microsoftTeamsUserId": expert}})),
        4 => (CallRoute::RemoveParticipant(RawId::new(format!("8:orgid:{expert}")).ok()?), json!({})),
        5 => (CallRoute::CancelAdd, json!({"invitationId": format!("inv-{}", d.below(3))})),
        6 => (CallRoute::Play, json!({"fileUrl": "https://contoso.example/hold.wav"})),
        7 => {
            let verb =
                *d.pick(&[RecordingVerb::Start, RecordingVerb::Pause, RecordingVerb::Resume, RecordingVerb::Stop]);
            (CallRoute::Recording(verb), json!({}))
        }
        8 => (CallRoute::Transfer, json!({"target": {"microsoftTeamsUserId": expert}})),
        9 => (CallRoute::Hangup, json!({})),
        10 if d.below(3) == 0 => (CallRoute::Terminate, json!({})),
        _ => (CallRoute::Play, json!({"fileUrls": ["https://contoso.example/a.wav", "https://contoso.example/b.wav"]})),
    };
    commands::read(&route, &body.to_string()).ok()
}

/// What ACS answers an entry: a success shaped for its operation, a refusal, a server error
/// or nothing at all (status 0).
fn answer(d: &mut Dice, entry: &OutboxEntry) -> (u16, String) {
    let status = *d.pick(&[200, 200, 202, 202, 201, 400, 403, 404, 409, 500, 503, 0]);
    let body = if (200..300).contains(&status) {
        match entry.operation.as_str() {
            "addParticipant" => json!({"invitationId": format!("inv-{}", d.below(3)), "operationContext": entry.operation_context}),
            "startRecording" => json!({"recordingId": "rec-1", "recordingState": "active"}),
            "getRecordingProperties" => json!({"recordingId": "rec-1", "recordingState": if d.below(2) == 0 { "active" } else { "inactive" }}),
            "getCall" => json!({"callConnectionId": CALL, "callConnectionState": *d.pick(&["connected", "disconnected", "transferAccepted"])}),
            "getParticipants" => json!({"value": [{"identifier": phone(), "isMuted": false}, {"identifier": teams(d.below(2)), "isMuted": false}]}),
            "answerCall" => json!({"callConnectionId": CALL, "serverCallId": "c2VydmVy"}),
            _ => json!({"operationContext": entry.operation_context}),
        }
        .to_string()
    } else if status == 0 {
        String::new()
    } else {
        json!({"error": {"code": "Bad", "message": "refused"}}).to_string()
    };
    (status, body)
}

fn policy() -> Policy {
    Policy {
        reconcile_after_seconds: 60,
        on_agent_hangup: OnAgentHangup::Keep,
        greeting_url: Some("https://contoso.example/greeting.wav".into()),
        record_consultations: false,
        source_display_name: Some("Contoso Support".into()),
    }
}

/// The Durable Object's part: sends every `Send` and folds its answer (unless it "crashed"
/// mid-send), until nothing is left to send; checks each `Send` names an outbox entry.
fn execute(s: &mut CallSession, d: &mut Dice, out: Vec<Output>, now: i64, at: &str) -> Vec<Output> {
    let mut seen = Vec::new();
    let mut todo = out;
    let mut rounds = 0;
    while !todo.is_empty() {
        rounds += 1;
        assert!(rounds < 50, "{at}: outputs keep coming");
        let mut next = Vec::new();
        for o in todo {
            if let Output::Send(id) = &o {
                let entry = s.outbox.iter().find(|e| e.id == *id).cloned();
                let entry = entry.unwrap_or_else(|| panic!("{at}: Send({id}) of no outbox entry"));
                if d.below(25) > 0 {
                    s.attempt(*id);
                    let (status, body) = answer(d, &entry);
                    let (_, more) = s.sent(*id, status, &body, Ctx { now, random: [d.below(256) as u8; 16], by: None });
                    next.extend(more);
                }
            }
            seen.push(o);
        }
        todo = next;
    }
    assert!(s.outbox.len() <= 32, "{at}: the outbox grew to {}", s.outbox.len());
    seen
}

/// A console's replica of the call: the log records folded as the package's
/// `CallState.applyLogRecord` folds them (`pkg/api.js`).
fn replica(records: &[LogRecord]) -> CallState {
    let mut state = CallState::new();
    for r in records {
        let d = &r.detail;
        match r.kind.as_str() {
            "offer" | "callback" => {
                if let Some(e) = d.get("event").filter(|e| !e.is_null()) {
                    for event in parse_events(&Value::Array(vec![e.clone()]).to_string()).unwrap_or_default() {
                        state.apply(&event);
                    }
                }
            }
            "request" => {
                let mut members = d["params"].as_object().cloned().unwrap_or_default();
                if let Some(c) = d["operationContext"].as_str() {
                    members.insert("operationContext".into(), json!(c));
                }
                let op = d["operation"].as_str().unwrap_or_default();
                if let Ok(action) = crate::call::Action::from_members(op, &members) {
                    let ctx = members.get("operationContext").and_then(Value::as_str);
                    state.record_command(&action, ctx, Some(r.at), d["by"].as_str());
                }
            }
            "sent" => {
                let body = if d["body"].is_null() { String::new() } else { d["body"].to_string() };
                let status = d["status"].as_u64().unwrap_or(0) as u16;
                let op = d["operation"].as_str().unwrap_or_default();
                if let Ok(Some(o)) = crate::call::CommandResponse::from_http(op, status, &body, Some(r.at)) {
                    state.record_response(d["operationContext"].as_str(), &o);
                }
            }
            _ => {}
        }
    }
    state
}

fn soak(seed: u64, steps: usize) {
    let mut d = Dice(seed);
    let mut s = CallSession::new(
        "contoso",
        "c1",
        "https://sb.example/api/callbacks/contoso/c1",
        Direction::Inbound,
        policy(),
        vec![RawId::new(AGENT).unwrap()],
        T0,
    );
    let mut now = T0;
    let ctx = |now: i64, d: &mut Dice| Ctx { now, random: [d.below(256) as u8; 16], by: Some("alex") };
    let incoming = parse_events(INCOMING).unwrap().remove(0);
    let mut logs: Vec<LogRecord> = Vec::new();
    let keep = |logs: &mut Vec<LogRecord>, out: &[Output]| {
        logs.extend(out.iter().filter_map(|o| if let Output::Log(r) = o { Some(r.clone()) } else { None }));
    };
    let out = s.offer(&incoming, &RouteAction::Answer, ctx(now, &mut d));
    keep(&mut logs, &out);
    // The answer goes through: the call's connection id is known from here on (events that
    // name another call are not this one's).
    for o in out {
        if let Output::Send(id) = o {
            let body = json!({"callConnectionId": CALL, "serverCallId": "c2VydmVy"}).to_string();
            let (_, out) = s.sent(id, 200, &body, ctx(now, &mut d));
            keep(&mut logs, &out);
        }
    }
    assert_eq!(s.state.call_connection_id.as_deref(), Some(CALL));
    let mut delivered: Vec<String> = Vec::new();
    let mut seen_ids: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for step in 0..steps {
        let at = format!("seed {seed}, step {step}");
        now += d.below(15_000) as i64;
        let contexts: Vec<String> = s
            .consultations
            .iter()
            .map(|c| c.id.clone())
            .chain(s.outbox.iter().filter_map(|e| e.operation_context.clone()))
            .collect();
        match d.below(10) {
            0..=4 => {
                // A batch: new events, or one delivered before, again.
                let body = if !delivered.is_empty() && d.below(4) == 0 {
                    d.pick(&delivered).clone()
                } else {
                    let batch: Vec<Value> = (0..1 + d.below(3)).map(|_| event(&mut d, now, &contexts)).collect();
                    Value::Array(batch).to_string()
                };
                let Ok(events) = parse_events(&body) else { continue };
                let again = events.iter().all(|e| seen_ids.contains(&e.id) || e.call_connection_id() != Some(CALL));
                let (_, _, out) = s.callback(&events, ctx(now, &mut d));
                if again {
                    let acted: Vec<&Output> = out.iter().filter(|o| !matches!(o, Output::Log(_))).collect();
                    assert!(acted.is_empty(), "{at}: a redelivered batch set off {acted:?}");
                }
                // (One for another call is not this call's: its id may come again for ours.)
                seen_ids.extend(events.iter().filter(|e| e.call_connection_id() == Some(CALL)).map(|e| e.id.clone()));
                delivered.push(body);
                let seen = execute(&mut s, &mut d, out, now, &at);
                keep(&mut logs, &seen);
            }
            5..=7 => {
                if let Some(req) = command(&mut d) {
                    if let Ok((_, out)) = s.command(req, ctx(now, &mut d)) {
                        let seen = execute(&mut s, &mut d, out, now, &at);
                        keep(&mut logs, &seen);
                    }
                }
            }
            _ => {
                // The alarm, when due (or early: it finds nothing due). It rings again at once
                // while the next check is due; each ring must send something (a stranded entry
                // again, a read), or it would ring in a loop doing nothing.
                if let Some(due) = s.next_check() {
                    now = now.max(due);
                }
                for ring in 0.. {
                    let out = s.check(ctx(now, &mut d));
                    let sent = out.iter().any(|o| matches!(o, Output::Send(_)));
                    let seen = execute(&mut s, &mut d, out, now, &at);
                    keep(&mut logs, &seen);
                    let Some(next) = s.next_check().filter(|next| *next <= now) else { break };
                    assert!(
                        sent && ring < 8,
                        "{at}: the alarm did nothing and is due again at once ({next}, now {now}); outbox {:?}, pending {:?}, checked {:?}",
                        s.outbox, s.state.pending, s.checked_at
                    );
                }
            }
        }
        if step % 8 == 0 {
            let stored = serde_json::to_string(&s).unwrap();
            let mut back: CallSession = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{at}: {e}"));
            back.state.restore_indexes();
            assert_eq!(serde_json::to_string(&back).unwrap(), stored, "{at}: the stored session differs");
            assert_eq!(back.view(), s.view(), "{at}");
            let _ = s.summary();
            // A console replaying the log sees the call as its Durable Object does.
            let theirs = serde_json::to_value(replica(&logs).snapshot()).unwrap();
            let ours = serde_json::to_value(s.state.snapshot()).unwrap();
            let differing: Vec<String> = ours
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, v)| theirs[k.as_str()] != **v)
                .map(|(k, v)| format!("{k}: object {v}, replica {}", theirs[k.as_str()]))
                .collect();
            assert!(differing.is_empty(), "{at}: the log's replica differs:\n{}", differing.join("\n"));
        }
    }
}

#[test]
fn random_sequences_keep_the_sessions_promises() {
    let seeds: u64 = std::env::var("SOAK_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let first: u64 = std::env::var("SOAK_FIRST").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for seed in first..first + seeds {
        soak(seed, 120);
    }
}
