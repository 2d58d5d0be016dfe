//! The Worker's brain without the Worker: `CallSession` driven by a tiny executor that does
//! what the Durable Object does (send outbox entries signed, report answers, hand callbacks
//! over), against the in-process emulator. The expert consultation end to end, the rules, the
//! outbox's Repeatability under a lost response, the hang-up policy.

use serde_json::{json, Value};
use switchboard::api::{commands, CallRoute, RecordingVerb};
use switchboard::emulator::{DeliveryKind, WorldConfig};
use switchboard::events::{parse_events, EventData};
use switchboard::flow::{CallSession, Ctx, Direction, Output, Phase, RetryPolicy};
use switchboard::tenant::{OnAgentHangup, Policy, RouteAction};
use switchboard::RawId;

use super::harness::*;

const GREETING: &str = "https://contoso.example/audio/you-are-joining.wav";

struct Desk {
    h: Harness,
    session: Option<CallSession>,
    pushes: Vec<Value>,
    log: Vec<switchboard::flow::LogRecord>,
    n: u8,
    route: RouteAction,
    policy: Policy,
    /// The "Worker" is down: callbacks fail (503) and are lost, as ACS does not redeliver them.
    down: bool,
}

impl Desk {
    fn new(world: WorldConfig, route: RouteAction, policy: Policy) -> Self {
        let h = Harness::new(world);
        Self { h, session: None, pushes: Vec::new(), log: Vec::new(), n: 0, route, policy, down: false }
    }

    fn ctx(&mut self) -> Ctx<'static> {
        self.n = self.n.wrapping_add(1);
        Ctx { now: self.h.now, random: [self.n; 16], by: Some("agent-7") }
    }

    fn agent(&self) -> RawId {
        RawId::new(self.h.emu.world().agents[0].id.clone()).unwrap()
    }

    fn session(&mut self) -> &mut CallSession {
        self.session.as_mut().expect("a call")
    }

    /// What the Durable Object does with outputs: log, push, and send (with retries).
    fn execute(&mut self, outputs: Vec<Output>) -> Vec<(u16, Value)> {
        let mut answers = Vec::new();
        let mut queue: std::collections::VecDeque<Output> = outputs.into();
        while let Some(o) = queue.pop_front() {
            match o {
                Output::Log(r) => self.log.push(r),
                Output::Push(p) => self.pushes.push(p),
                Output::Queue(_) => {}
                Output::Send(id) => {
                    let mut attempts = 0;
                    let (status, body) = loop {
                        attempts += 1;
                        let cs = self.h.cs.clone();
                        let now = self.h.now;
                        let entry = self.session().attempt(id).expect("entry").clone();
                        let req = entry.request(&cs, now).expect("signs");
                        let res = self.h.send(&req);
                        let retry_after = res.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("retry-after"));
                        match RetryPolicy::default().delay(
                            attempts,
                            res.status,
                            retry_after.map(|(_, v)| v.as_str()),
                            now,
                            0.0,
                        ) {
                            Some(wait) => self.h.now += wait as i64,
                            None => break (res.status, res.body),
                        }
                    };
                    let ctx = self.ctx();
                    let (sent, more) = self.session().sent(id, status, &body, ctx);
                    answers.push((status, sent.map(|s| s.body).unwrap_or(Value::Null)));
                    queue.extend(more);
                }
            }
        }
        answers
    }

    /// Lets `ms` pass, handing every delivery to the "Worker" and ringing the Durable Object's
    /// alarm when the session's next check is due.
    fn run(&mut self, ms: i64) {
        let end = self.h.now + ms;
        loop {
            let alarm = self.session.as_ref().and_then(CallSession::next_check).filter(|t| *t <= end);
            let delivery = self.h.emu.next_due().filter(|t| *t <= end);
            let Some(t) = [alarm, delivery].into_iter().flatten().min() else { break };
            self.h.now = self.h.now.max(t);
            if alarm.is_some_and(|a| a <= t) {
                let ctx = self.ctx();
                let out = self.session().check(ctx);
                self.execute(out);
                continue;
            }
            for d in self.h.emu.advance(self.h.now) {
                match d.kind {
                    DeliveryKind::Validation => self.h.handshake(&d),
                    DeliveryKind::EventGrid => {
                        self.h.emu.delivered(d.id, 200, "", self.h.now);
                        for e in parse_events(&d.body).unwrap() {
                            if matches!(e.data, EventData::IncomingCall(_)) && self.session.is_none() {
                                let agents = vec![self.agent()];
                                self.session = Some(CallSession::new(
                                    "contoso",
                                    "c1",
                                    CALLBACK,
                                    Direction::Inbound,
                                    self.policy.clone(),
                                    agents,
                                    self.h.now,
                                ));
                                let (ctx, route) = (self.ctx(), self.route.clone());
                                let out = self.session().offer(&e, &route, ctx);
                                self.execute(out);
                            }
                        }
                    }
                    DeliveryKind::Callback if self.down => self.h.emu.delivered(d.id, 503, "", self.h.now),
                    DeliveryKind::Callback => {
                        let events = parse_events(&d.body).unwrap();
                        let ctx = self.ctx();
                        let (_, _, out) = self.session().callback(&events, ctx);
                        self.execute(out);
                    }
                }
            }
        }
        self.h.now = end;
    }

    fn command(&mut self, route: CallRoute, body: Value) -> Result<Vec<(u16, Value)>, switchboard::api::ApiError> {
        let req = commands::read(&route, &body.to_string())?;
        let ctx = self.ctx();
        let (_, out) = self.session().command(req, ctx)?;
        Ok(self.execute(out))
    }

    fn phase(&self, expert: &str) -> Phase {
        let s = self.session.as_ref().unwrap();
        let raw = format!("8:orgid:{expert}");
        s.consultations.iter().rev().find(|c| c.expert.raw_id().as_str() == raw).map(|c| c.phase).unwrap()
    }

    fn sent(&self, operation: &str) -> Vec<Value> {
        self.h
            .emu
            .log()
            .iter()
            .filter(|e| e.operation == Some(operation))
            .map(|e| json!({"status": e.status, "body": e.body}))
            .collect()
    }
}

fn policy(on_agent_hangup: OnAgentHangup) -> Policy {
    Policy {
        on_agent_hangup,
        greeting_url: None,
        record_consultations: false,
        source_display_name: Some("Contoso Support".into()),
        reconcile_after_seconds: 60,
    }
}

fn answered_with_agent(p: Policy) -> Desk {
    let mut d = Desk::new(world(), RouteAction::Answer, p);
    d.h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    d.run(2_000);
    assert_eq!(
        d.session.as_ref().unwrap().state.connection_state.as_ref().map(|s| s.to_string()),
        Some("connected".into())
    );
    let agent = d.agent();
    let res = d.command(CallRoute::AddParticipants, json!({"participants": [{"rawId": agent.as_str()}]})).unwrap();
    assert_eq!(res[0].0, 202);
    d.run(2_000);
    d
}

#[test]
fn expert_consultation_with_recording_and_greeting() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    let res = d
        .command(
            CallRoute::Consult,
            json!({"expert": DANA, "greetingUrl": GREETING, "record": true, "operationContext": "dana"}),
        )
        .unwrap();
    // The recording starts first, then the expert is invited (by the workflow).
    assert_eq!(res.iter().map(|r| r.0).collect::<Vec<_>>(), [200, 202]);
    assert_eq!(d.phase(DANA), Phase::Ringing);
    let add = d.sent("addParticipant").last().unwrap()["body"].clone();
    assert_eq!(add["sourceDisplayName"], "Contoso Support", "the policy's display name");
    d.run(5_000);
    assert_eq!(d.phase(DANA), Phase::Joined);
    // The greeting is played to the expert only.
    let play = d.sent("play")[0]["body"].clone();
    assert_eq!(play["playTo"][0]["rawId"], format!("8:orgid:{DANA}"));
    assert_eq!(play["playSources"][0]["file"]["uri"], GREETING);
    // Started before the Teams user joined: the recording can be stopped.
    let res = d.command(CallRoute::Recording(RecordingVerb::Stop), json!({})).unwrap();
    assert_eq!(res[0].0, 204);
    // The expert leaves; the call carries on.
    let dana = format!("8:orgid:{DANA}");
    d.command(CallRoute::RemoveParticipant(RawId::new(dana.clone()).unwrap()), json!({})).unwrap();
    d.run(2_000);
    assert_eq!(d.phase(DANA), Phase::Left);
    let s = d.session.as_ref().unwrap();
    let c = s.consultations.last().unwrap();
    assert!(c.joined_at.unwrap() < c.left_at.unwrap());
    assert!(!s.state.is_ended());
    // Consoles saw every phase, in order.
    let phases: Vec<&str> = d
        .pushes
        .iter()
        .filter(|p| p["type"] == "consultation")
        .map(|p| p["consultation"]["phase"].as_str().unwrap())
        .collect();
    let mut seen = phases.clone();
    seen.dedup();
    assert_eq!(seen, ["recording", "ringing", "joined", "left"], "{phases:?}");
}

#[test]
fn declined_unlicensed_and_unanswered_experts_end_their_consultations() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    d.command(CallRoute::Consult, json!({"expert": ROBIN})).unwrap();
    d.command(CallRoute::Consult, json!({"expert": SAM})).unwrap();
    d.command(CallRoute::Consult, json!({"expert": JO, "invitationTimeoutInSeconds": 5})).unwrap();
    d.run(10_000);
    assert_eq!(d.phase(ROBIN), Phase::Declined);
    assert_eq!(d.phase(SAM), Phase::Failed);
    assert_eq!(d.phase(JO), Phase::NoAnswer);
    let s = d.session.as_ref().unwrap();
    let sam = s.consultations.iter().find(|c| c.phase == Phase::Failed).unwrap();
    assert_eq!(sam.result.as_ref().map(|r| r.code), Some(403));
}

#[test]
fn refused_commands_send_nothing() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    d.command(CallRoute::Consult, json!({"expert": DANA})).unwrap();
    let before = d.h.emu.log().len();
    // Dana is ringing: a second add is refused by the rules, before anything is sent.
    let e = d.command(CallRoute::AddParticipants, json!({"participants": [{"teamsUserId": DANA}]})).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "refused_by_rule"));
    assert!(e.detail.unwrap()["rule"].is_string());
    // A batch with one refused participant sends none of them.
    let e = d
        .command(CallRoute::AddParticipants, json!({"participants": [{"teamsUserId": ROBIN}, {"teamsUserId": DANA}]}))
        .unwrap_err();
    assert_eq!(e.status, 409);
    assert_eq!(d.h.emu.log().len(), before, "nothing reached ACS");
    d.run(5_000);
    // DTMF is not offered in Teams calls, transfer of a group call is refused.
    let e = d.command(CallRoute::Transfer, json!({"target": {"teamsUserId": ROBIN}})).unwrap_err();
    assert_eq!(e.status, 409, "{e}");
    let e = d.command(CallRoute::Recording(RecordingVerb::Pause), json!({})).unwrap_err();
    assert_eq!(e.code, "no_recording");
    let e = d.command(CallRoute::Answer, json!({})).unwrap_err();
    assert_eq!(e.code, "not_offered");
}

#[test]
fn recording_started_after_the_expert_joined_cannot_be_stopped() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    d.command(CallRoute::Consult, json!({"expert": DANA})).unwrap();
    d.run(5_000);
    assert_eq!(d.command(CallRoute::Recording(RecordingVerb::Start), json!({})).unwrap()[0].0, 200);
    d.run(1_000);
    let e = d.command(CallRoute::Recording(RecordingVerb::Stop), json!({})).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (409, "refused_by_rule"));
    assert_eq!(d.command(CallRoute::Recording(RecordingVerb::Pause), json!({})).unwrap()[0].0, 202);
    d.run(1_000);
    assert_eq!(d.command(CallRoute::Recording(RecordingVerb::Resume), json!({})).unwrap()[0].0, 202);
}

#[test]
fn agent_hangup_terminates_or_keeps_per_policy() {
    for (policy_value, ends) in [(OnAgentHangup::Terminate, true), (OnAgentHangup::Keep, false)] {
        let mut d = answered_with_agent(policy(policy_value));
        d.command(CallRoute::Consult, json!({"expert": DANA})).unwrap();
        d.run(5_000);
        let agent = d.agent();
        d.command(CallRoute::RemoveParticipant(agent), json!({})).unwrap();
        d.run(3_000);
        let s = d.session.as_ref().unwrap();
        assert_eq!(s.state.is_ended(), ends, "{policy_value:?}");
        assert_eq!(d.sent("terminateCall").len(), usize::from(ends));
    }
}

#[test]
fn a_lost_response_is_retried_with_the_same_repeatability_key() {
    let mut d = Desk::new(world(), RouteAction::Answer, policy(OnAgentHangup::Keep));
    d.h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    d.run(2_000);
    // Every first answer is lost (500 after acting); the retry gets ACS's first result back.
    d.h.control("PUT", "/control/faults", json!({"requests": {"serverErrorAfterAction": 1.0}}));
    let res = d.command(CallRoute::Consult, json!({"expert": DANA})).unwrap();
    assert_eq!(res[0].0, 202, "the retry got the first answer");
    let log = d.h.emu.log();
    let adds: Vec<_> = log.iter().filter(|e| e.operation == Some("addParticipant")).collect();
    assert!(adds.len() >= 2, "retried");
    assert!(adds.iter().skip(1).all(|e| e.repeated), "the retries were recognised as repeats");
    assert!(adds.windows(2).all(|w| w[0].repeatability_request_id == w[1].repeatability_request_id));
    d.h.control("PUT", "/control/faults", json!({}));
    d.run(5_000);
    assert_eq!(d.phase(DANA), Phase::Joined, "one invitation, answered once");
}

#[test]
fn routing_offer_then_redirect_to_a_teams_user() {
    let mut d = Desk::new(world(), RouteAction::Offer, policy(OnAgentHangup::Keep));
    d.h.control("POST", "/control/inbound", json!({"from": CUSTOMER}));
    d.run(500);
    let s = d.session.as_ref().unwrap();
    assert_eq!(s.summary().connection_state, "offered");
    assert!(d.h.emu.log().iter().all(|e| e.operation != Some("answerCall")), "an offer waits for an agent");
    let res = d.command(CallRoute::Redirect, json!({"target": {"teamsUserId": DANA}})).unwrap();
    assert_eq!(res[0].0, 204);
    let e = d.command(CallRoute::Answer, json!({})).unwrap_err();
    assert_eq!(e.code, "not_offered", "the context is spent");
}

/// What a console does: rebuild the call's state from the log alone (the events as ACS sent
/// them, the requests with their params, the answers) — and arrive at the session's own state.
#[test]
fn replaying_the_log_rebuilds_the_same_state() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    d.command(CallRoute::Consult, json!({"expert": ROBIN})).unwrap();
    d.command(CallRoute::Consult, json!({"expert": DANA, "record": true})).unwrap();
    d.run(6_000);
    d.command(CallRoute::Recording(RecordingVerb::Pause), json!({})).unwrap();
    d.run(1_000);
    let replica = replica_of(&d.log);
    let ours = serde_json::to_value(d.session.as_ref().unwrap().state.snapshot()).unwrap();
    assert_eq!(serde_json::to_value(replica.snapshot()).unwrap(), ours);
}

#[test]
fn callbacks_lost_while_the_worker_was_down_are_recovered_by_reading_the_call() {
    let mut d = answered_with_agent(policy(OnAgentHangup::Keep));
    // Every callback from here on is lost: the expert's ringing, joining, the recording.
    d.down = true;
    let res =
        d.command(CallRoute::Consult, json!({"expert": DANA, "record": true, "operationContext": "dana"})).unwrap();
    assert_eq!(res.iter().map(|r| r.0).collect::<Vec<_>>(), [200, 202]);
    d.run(10_000);
    assert_eq!(d.phase(DANA), Phase::Ringing, "nothing heard yet");
    // The add was due by 30 s of ringing; 15 s later the call is read from ACS.
    d.run(40_000);
    assert_eq!(d.phase(DANA), Phase::Joined);
    let s = d.session.as_ref().unwrap();
    assert!(s.state.pending.is_empty(), "{:?}", s.state.pending);
    assert_eq!(s.state.recording.as_ref().map(|r| r.status), Some(switchboard::call::RecordingStatus::Active));
    // Read twice: when the recording's outcome was overdue (15 s), and the add's (30 + 15 s).
    assert_eq!(d.sent("getParticipants").len(), 2);
    // The customer hangs up while the Worker is still down: the quiet check finds the call gone.
    let call = s.state.call_connection_id.clone().unwrap();
    d.h.call("terminateCall", json!({"callConnectionId": call}));
    d.run(90_000);
    let s = d.session.as_ref().unwrap();
    assert!(s.state.is_ended(), "{:?}", s.state.connection_state);
    assert_eq!(s.state.recording.as_ref().map(|r| r.status), Some(switchboard::call::RecordingStatus::Stopped));
    assert_eq!(s.next_check(), None, "an ended call is not read again");
    // A console replaying the log (reads and their answers included) has the same state.
    let ours = serde_json::to_value(s.state.snapshot()).unwrap();
    assert_eq!(serde_json::to_value(replica_of(&d.log).snapshot()).unwrap(), ours);
}

/// What a console does with a call's log: fold every record into a fresh state.
fn replica_of(log: &[switchboard::flow::LogRecord]) -> switchboard::call::CallState {
    use switchboard::call::{Action, CallState, CommandResponse};
    let mut replica = CallState::new();
    for r in log {
        let v = &r.detail;
        match r.kind.as_str() {
            "offer" | "callback" => {
                for e in parse_events(&v["event"].to_string()).unwrap() {
                    replica.apply(&e);
                }
            }
            "request" => {
                let mut params = v["params"].as_object().unwrap().clone();
                if let Some(ctx) = v["operationContext"].as_str() {
                    params.insert("operationContext".into(), json!(ctx));
                }
                let action = Action::from_members(v["operation"].as_str().unwrap(), &params).unwrap();
                replica.record_command(&action, v["operationContext"].as_str(), Some(r.at), v["by"].as_str());
            }
            "sent" => {
                let body = if v["body"].is_null() { String::new() } else { v["body"].to_string() };
                let status = v["status"].as_u64().unwrap() as u16;
                if let Some(o) =
                    CommandResponse::from_http(v["operation"].as_str().unwrap(), status, &body, Some(r.at)).unwrap()
                {
                    replica.record_response(v["operationContext"].as_str(), &o);
                }
            }
            _ => {}
        }
    }
    replica
}
