//! Peak overflow without the Worker: call sessions and the tenant queue driven by a tiny
//! executor that does what the two kinds of Durable Object do (send each call's requests,
//! hand callbacks to the call, carry `Output::Queue` inputs to the queue and its commands back
//! to the calls, read presence from the emulator's Graph, ring the queue's alarm), against the
//! in-process emulator with its Teams rules. Virtual time.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard::emulator::{DeliveryKind, WorldConfig};
use switchboard::events::{parse_events, EventData};
use switchboard::flow::{CallSession, Ctx, Direction, Output, RetryPolicy};
use switchboard::overflow::{CallOutcome, Command, Input, OverflowPolicy, Queue, Taker};
use switchboard::tenant::{Config, Tenant};

use super::harness::*;

const KIM: &str = "11111111-2222-4333-8444-555555555555";

struct Floor {
    h: Harness,
    tenant: Tenant,
    overflow: OverflowPolicy,
    queue: Queue,
    calls: BTreeMap<String, CallSession>,
    n: u8,
    /// Every queue input, in order (what the queue object would have been told).
    told: Vec<Input>,
    problems: Vec<String>,
    /// Callback event types lost on the way (a restart, a dropped delivery): never folded.
    lost: Vec<&'static str>,
}

fn tenant(overflow: Value) -> Tenant {
    let doc = json!({"tenants": {"contoso": {
        "connectionString": "endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=",
        "acsResourceId": "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f",
        "agents": [{"id": "alex", "token": "dev-agent-token-contoso-alex", "acsUserId": "8:acs:5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21"}],
        "routing": {"default": {"action": "queue"}},
        "policy": {"sourceDisplayName": "Contoso Support", "reconcileAfterSeconds": 0},
        "overflow": overflow,
    }}});
    Config::parse(&doc.to_string()).unwrap().tenant("contoso").unwrap().clone()
}

fn overflow(members: &[&str]) -> Value {
    json!({
        "holdAudioUrl": "https://contoso.example/hold.wav",
        "groups": [{"name": "Back office", "order": "priority", "members": members}],
        "fallback": {"afterSeconds": 300, "messageUrl": "https://contoso.example/callback.wav", "then": "end"},
        "invitationTimeoutSeconds": 15,
        "maxOffers": 4,
    })
}

impl Floor {
    fn new(world: WorldConfig, overflow: Value) -> Self {
        let tenant = tenant(overflow);
        let policy = tenant.overflow.clone().unwrap();
        Self {
            h: Harness::new(world),
            tenant,
            overflow: policy,
            queue: Queue::new(),
            calls: BTreeMap::new(),
            n: 0,
            told: Vec::new(),
            problems: Vec::new(),
            lost: Vec::new(),
        }
    }

    fn ctx(&mut self) -> Ctx<'static> {
        self.n = self.n.wrapping_add(1);
        Ctx { now: self.h.now, random: [self.n; 16], by: None }
    }

    /// The queue object: one input, its commands carried out.
    fn tell(&mut self, input: Input) {
        let mut inputs = vec![input];
        while let Some(input) = inputs.pop() {
            self.told.push(input.clone());
            let cmds = self.queue.step(&self.overflow, input, self.h.now);
            self.problems.extend(self.queue.audit(&self.overflow));
            for cmd in cmds {
                match &cmd {
                    Command::ReadPresence { object_ids } => {
                        let answer = self.h.control(
                            "POST",
                            "/v1.0/communications/getPresencesByUserId",
                            json!({"ids": object_ids}),
                        );
                        let presences = answer["value"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| {
                                (p["id"].as_str().unwrap().to_owned(), p["availability"].as_str().unwrap().to_owned())
                            })
                            .collect();
                        inputs.push(Input::Presence { presences });
                    }
                    _ => {
                        let call_id = cmd.call_id().unwrap().to_owned();
                        let ctx = self.ctx();
                        let out = self.calls.get_mut(&call_id).unwrap().queue_command(&cmd, ctx);
                        inputs.extend(self.execute(call_id, out));
                    }
                }
            }
        }
    }

    /// The call object: sends, and collects what the queue must hear.
    fn execute(&mut self, call_id: String, outputs: Vec<Output>) -> Vec<Input> {
        let mut told = Vec::new();
        let mut pending: std::collections::VecDeque<Output> = outputs.into();
        while let Some(o) = pending.pop_front() {
            match o {
                Output::Log(_) | Output::Push(_) => {}
                Output::Queue(i) => told.push(i),
                Output::Send(id) => {
                    let mut attempts = 0;
                    let (status, body) = loop {
                        attempts += 1;
                        let now = self.h.now;
                        let cs = self.h.cs.clone();
                        let entry = self.calls.get_mut(&call_id).unwrap().attempt(id).unwrap().clone();
                        let res = self.h.send(&entry.request(&cs, now).unwrap());
                        match RetryPolicy::default().delay(attempts, res.status, None, now, 0.0) {
                            Some(wait) => self.h.now += wait as i64,
                            None => break (res.status, res.body),
                        }
                    };
                    let ctx = self.ctx();
                    let (_, more) = self.calls.get_mut(&call_id).unwrap().sent(id, status, &body, ctx);
                    pending.extend(more);
                }
            }
        }
        // Inputs are told in order.
        told.reverse();
        told
    }

    fn inbound(&mut self, from: &str) {
        self.h.control("POST", "/control/inbound", json!({"from": from}));
    }

    fn run(&mut self, ms: i64) {
        let end = self.h.now + ms;
        loop {
            let wake = self.queue.next_wake(&self.overflow).filter(|t| *t <= end);
            let delivery = self.h.emu.next_due().filter(|t| *t <= end);
            let Some(t) = [wake, delivery].into_iter().flatten().min() else { break };
            self.h.now = self.h.now.max(t);
            if wake.is_some_and(|w| w <= t) {
                self.tell(Input::Tick);
                continue;
            }
            for d in self.h.emu.advance(self.h.now) {
                match d.kind {
                    DeliveryKind::Validation => self.h.handshake(&d),
                    DeliveryKind::EventGrid => {
                        self.h.emu.delivered(d.id, 200, "", self.h.now);
                        for e in parse_events(&d.body).unwrap() {
                            let EventData::IncomingCall(c) = &e.data else { continue };
                            let call_id = format!("q{}", self.calls.len() + 1);
                            let callback = format!("http://127.0.0.1:8787/api/callbacks/contoso/{call_id}");
                            let mut s = CallSession::new(
                                "contoso",
                                &call_id,
                                &callback,
                                Direction::Inbound,
                                self.tenant.policy.clone(),
                                self.tenant.agent_raw_ids(),
                                self.h.now,
                            );
                            let route = self.tenant.routing.route(c.to.raw_id()).clone();
                            let ctx = self.ctx();
                            let out = s.offer(&e, &route, ctx);
                            self.calls.insert(call_id.clone(), s);
                            for i in self.execute(call_id, out) {
                                self.tell(i);
                            }
                        }
                    }
                    DeliveryKind::Callback => {
                        self.h.emu.delivered(d.id, 200, "", self.h.now);
                        let call_id = d.url.rsplit('/').next().unwrap().to_owned();
                        let mut events = parse_events(&d.body).unwrap();
                        events.retain(|e| !self.lost.contains(&e.name()));
                        let ctx = self.ctx();
                        let (_, _, out) = self.calls.get_mut(&call_id).unwrap().callback(&events, ctx);
                        for i in self.execute(call_id, out) {
                            self.tell(i);
                        }
                    }
                }
            }
        }
        self.h.now = end;
    }

    fn operations(&self) -> Vec<String> {
        self.h.emu.log().iter().filter_map(|e| e.operation.map(|o| format!("{o} {}", e.status.unwrap_or(0)))).collect()
    }

    fn outcome(&self, call_id: &str) -> Option<CallOutcome> {
        self.queue.call(call_id).and_then(|c| c.outcome.clone())
    }
}

fn world_with_kim() -> WorldConfig {
    let mut w = world();
    // Dana Available, answers in 3 s (and leaves after 90 s); Robin Busy; Sam Available with
    // no licence; Jo Away, never answers. Kim: Available, declines.
    let mut kim = w.teams[0].clone();
    kim.object_id = KIM.into();
    kim.display_name = "Kim Declines".into();
    kim.behavior = serde_json::from_value(json!({"decline": true})).unwrap();
    w.teams.push(kim);
    w
}

#[test]
fn all_agents_busy_the_call_overflows_past_busy_offline_decline_and_no_licence() {
    // Order: Robin (Busy), Jo (Offline here), Sam (no licence), Kim (declines), Dana.
    let mut f = Floor::new(world_with_kim(), overflow(&[ROBIN, JO, SAM, KIM, DANA]));
    let ok = f.h.control("PATCH", &format!("/control/teams/{JO}"), json!({"presence": "Offline"}));
    assert!(ok.get("error").is_none(), "{ok}");
    f.inbound(CUSTOMER);
    f.run(60_000);
    let c = f.queue.call("q1").expect("queued");
    let offered: Vec<(String, String)> = c
        .offers
        .iter()
        .map(|o| match &o.to {
            Taker::KnowledgeWorker { object_id } => (object_id.clone(), format!("{:?}", o.outcome)),
            t => panic!("{t:?}"),
        })
        .collect();
    let who: Vec<&str> = offered.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(who, [SAM, KIM, DANA], "Busy Robin and Offline Jo skipped: {offered:?}");
    assert!(offered[0].1.contains("Refused") && offered[0].1.contains("7604"), "{offered:?}");
    assert!(offered[1].1.contains("Declined"));
    assert!(
        matches!(f.outcome("q1"), Some(CallOutcome::Answered { by: Taker::KnowledgeWorker { ref object_id }, .. }) if object_id == DANA)
    );
    // ACS saw: answer, hold audio, three invitations; the hold audio stopped when Dana joined.
    let ops = f.operations();
    assert_eq!(&ops[..2], ["answerCall 200", "play 202"], "{ops:?}");
    assert_eq!(ops.iter().filter(|o| o.starts_with("addParticipant")).count(), 3, "{ops:?}");
    assert!(ops.contains(&"cancelAllMediaOperations 202".to_owned()), "{ops:?}");
    // The unlicensed Sam is never offered again: a second caller, Dana busy → nobody else.
    f.inbound("+14255550188");
    f.run(30_000);
    let second = f.queue.call("q2").unwrap();
    assert!(
        second.offers.iter().all(|o| o.to != Taker::KnowledgeWorker { object_id: SAM.into() }),
        "{:?}",
        second.offers
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn a_taker_the_roster_shows_has_taken_the_call_though_its_add_succeeded_was_lost() {
    // Dana joins, but the AddParticipantSucceeded saying so never arrives: the roster does.
    let mut f = Floor::new(world(), overflow(&[DANA, ROBIN]));
    let ok = f.h.control("PATCH", &format!("/control/teams/{ROBIN}"), json!({"presence": "Available"}));
    assert!(ok.get("error").is_none(), "{ok}");
    f.lost.push("AddParticipantSucceeded");
    f.inbound(CUSTOMER);
    // Past the offer's ring time and the 30 s after which the queue gives an unheard offer up.
    f.run(80_000);
    let q1 = f.queue.call("q1").unwrap();
    assert_eq!(q1.offers.len(), 1, "Dana only, never a second taker: {:?}", q1.offers);
    assert!(
        matches!(f.outcome("q1"), Some(CallOutcome::Answered { by: Taker::KnowledgeWorker { ref object_id }, .. }) if object_id == DANA),
        "{:?}",
        f.outcome("q1")
    );
    // The hold audio stopped for her, and the queue's leg stays in the call, silent.
    let ops = f.operations();
    assert_eq!(ops.iter().filter(|o| o.starts_with("addParticipant")).count(), 1, "{ops:?}");
    assert!(ops.contains(&"cancelAllMediaOperations 202".to_owned()), "{ops:?}");
    assert!(!f.calls["q1"].state.is_ended());
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn the_taker_leaving_ends_the_call_and_frees_them_for_the_next_caller() {
    let mut f = Floor::new(world(), overflow(&[DANA]));
    f.inbound(CUSTOMER);
    f.run(10_000);
    assert!(matches!(f.outcome("q1"), Some(CallOutcome::Answered { .. })));
    // Graph, as Teams: Dana is in a call, so Busy / InACall.
    let presence = |f: &mut Floor| {
        f.h.control("POST", "/v1.0/communications/getPresencesByUserId", json!({"ids": [DANA]}))["value"][0]["activity"]
            .clone()
    };
    assert_eq!(presence(&mut f), "InACall");
    f.inbound("+14255550188");
    f.run(20_000);
    assert!(f.queue.call("q2").unwrap().offers.is_empty(), "Dana is on q1: no double offer");
    // Dana leaves q1 after 90 s: the queue leg ends q1, and q2 is offered to her.
    f.run(90_000);
    assert!(f.calls["q1"].state.is_ended());
    assert!(f.operations().contains(&"terminateCall 204".to_owned()));
    assert_eq!(presence(&mut f), "InACall", "on q2 now");
    let q2 = f.queue.call("q2").unwrap();
    assert_eq!(q2.offers.len(), 1);
    assert!(matches!(f.outcome("q2"), Some(CallOutcome::Answered { .. })), "{:?}", q2);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn nobody_answers_so_the_fallback_message_plays_and_the_call_ends() {
    let mut f = Floor::new(world(), overflow(&[JO]));
    f.inbound(CUSTOMER);
    f.run(120_000);
    // Jo (Away) was offered once, did not answer (408), offers left but nobody to offer: the
    // fallback comes at 300 s; before that the caller waits on hold.
    assert!(f.outcome("q1").is_none());
    f.run(200_000);
    assert_eq!(f.outcome("q1"), Some(CallOutcome::FallbackEnded));
    let ops = f.operations();
    assert!(ops.contains(&"terminateCall 204".to_owned()), "{ops:?}");
    let plays = f.h.emu.log().iter().filter(|e| e.operation == Some("play")).count();
    assert_eq!(plays, 2, "hold, then the message: {ops:?}");
    assert!(f.told.iter().any(|i| matches!(i, Input::MessagePlayed { .. })));
}

/// The other two handoffs: the queue's leg leaves and the caller and Dana carry on in ACS; the
/// queue keeps Dana busy (it cannot see that call any more) until Graph says otherwise.
#[test]
fn transfer_and_add_then_leave_hand_the_caller_over_and_the_queue_leg_leaves() {
    for (handoff, expected) in [
        ("transfer", vec!["answerCall 200", "play 202", "transferToParticipant 202"]),
        (
            "addThenLeave",
            vec!["answerCall 200", "play 202", "addParticipant 202", "cancelAllMediaOperations 202", "hangupCall 204"],
        ),
    ] {
        let mut o = overflow(&[DANA]);
        o["handoff"] = json!(handoff);
        let mut f = Floor::new(world(), o);
        f.inbound(CUSTOMER);
        f.run(10_000);
        assert_eq!(f.operations(), expected, "{handoff}");
        assert!(matches!(f.outcome("q1"), Some(CallOutcome::Answered { .. })), "{handoff}");
        assert!(f.calls["q1"].state.is_ended(), "{handoff}: the queue's leg is gone");
        // ACS's truth: Dana's client rang; she and the customer are still talking, without
        // the queue's connection (over, both ways).
        let world = f.h.control("GET", "/control/world", Value::Null);
        assert_eq!(world["sightings"][0]["objectId"], DANA, "{handoff}");
        let who = |f: &mut Floor| -> Vec<String> {
            let truth = f.h.control("GET", "/control/calls", Value::Null);
            let live = &truth[0];
            assert_eq!(live["state"], "disconnected", "{handoff}: {live}");
            live["participants"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["rawId"].as_str().map(str::to_owned))
                .collect()
        };
        assert_eq!(who(&mut f), [format!("4:{CUSTOMER}"), format!("8:orgid:{DANA}")], "{handoff}");
        let presence = |f: &mut Floor| {
            f.h.control("POST", "/v1.0/communications/getPresencesByUserId", json!({"ids": [DANA]}))["value"][0]
                ["activity"]
                .clone()
        };
        assert_eq!(presence(&mut f), "InACall", "{handoff}: Teams shows Dana in the call");
        assert!(matches!(f.queue.workers[0].busy, switchboard::overflow::Busy::Transferred { .. }), "{handoff}");
        // A second caller waits: Graph says Dana is Busy, so she is not offered it.
        f.inbound("+14255550188");
        f.run(30_000);
        assert!(f.queue.call("q2").unwrap().offers.is_empty(), "{handoff}: Dana is still talking");
        // Dana hangs up 90 s after she joined: the call is over for the customer too, Graph
        // shows her Available, and the queue (reading presence every 30 s while the call
        // waits with nobody to offer it to) offers her the waiting call.
        f.run(90_000);
        assert!(who(&mut f).is_empty(), "{handoff}");
        let q2 = f.queue.call("q2").unwrap();
        assert_eq!(q2.offers.len(), 1, "{handoff}: {q2:?} {:?}", f.queue.workers);
        assert!(matches!(f.outcome("q2"), Some(CallOutcome::Answered { .. })), "{handoff}: {q2:?}");
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }
}

/// While the one who took a queue call is on it, the queue leg is how the queue learns the call
/// ended: the app may not leave (hang up) — the taker would be freed for the next caller while
/// still talking — but may end the call for everyone.
#[test]
fn the_queue_leg_stays_while_the_taker_is_on_the_call() {
    use switchboard::api::{AgentCommand, CommandRequest};
    let mut f = Floor::new(world(), overflow(&[DANA]));
    f.inbound(CUSTOMER);
    f.run(10_000);
    assert!(matches!(f.outcome("q1"), Some(CallOutcome::Answered { .. })));
    let ctx = f.ctx();
    let hangup = CommandRequest { command: AgentCommand::Hangup, operation_context: None };
    let refused = f.calls.get_mut("q1").unwrap().command(hangup, ctx).unwrap_err();
    assert_eq!((refused.status, refused.code.as_str()), (409, "refused_by_rule"));
    assert_eq!(refused.detail.as_ref().unwrap()["rule"], "queue_leg_stays");
    assert!(!f.operations().iter().any(|o| o.starts_with("hangupCall")), "nothing sent");

    let ctx = f.ctx();
    let terminate = CommandRequest { command: AgentCommand::Terminate, operation_context: None };
    let (_, out) = f.calls.get_mut("q1").unwrap().command(terminate, ctx).unwrap();
    for i in f.execute("q1".into(), out) {
        f.tell(i);
    }
    f.run(2_000);
    assert!(f.calls["q1"].state.is_ended());
    assert!(f.operations().contains(&"terminateCall 204".to_owned()));
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}
