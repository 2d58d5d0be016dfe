//! An in-process client of the emulator: builds requests with the core (as the Worker will),
//! delivers the emulator's callbacks to itself, and folds them into a CallState.

use serde_json::Value;
use switchboard::auth::{ConnectionString, HttpDate, Repeatability};
use switchboard::call::CallState;
use switchboard::emulator::{Delivery, DeliveryKind, Emulator, Request, Response, WorldConfig};
use switchboard::events::{parse_events, Event, EventData};
use switchboard::ops::{self, HttpRequest, RequestOptions};

pub const ORIGIN: &str = "http://127.0.0.1:8788";
pub const WEBHOOK: &str = "http://127.0.0.1:8787/api/events/incoming";
pub const CALLBACK: &str = "http://127.0.0.1:8787/api/callbacks/contoso/c1";
pub const DANA: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";
pub const ROBIN: &str = "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
pub const SAM: &str = "0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e";
pub const JO: &str = "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170";
pub const CUSTOMER: &str = "+14255550123";
pub const T0: i64 = 1_743_508_800_000;

pub struct Harness {
    pub emu: Emulator,
    pub cs: ConnectionString,
    pub now: i64,
    pub events: Vec<Event>,
    pub deliveries: Vec<Delivery>,
    pub state: CallState,
    pub answer_validation: bool,
    seq: u8,
}

pub fn world() -> WorldConfig {
    let mut w = WorldConfig::demo();
    w.event_grid = Some(serde_json::from_value(serde_json::json!({"webhook": WEBHOOK})).unwrap());
    w
}

impl Harness {
    pub fn new(world: WorldConfig) -> Self {
        let emu = Emulator::new(world, ORIGIN).unwrap();
        let cs = ConnectionString::parse(&emu.connection_string()).unwrap();
        Self {
            emu,
            cs,
            now: T0,
            events: Vec::new(),
            deliveries: Vec::new(),
            state: CallState::new(),
            answer_validation: true,
            seq: 0,
        }
    }

    /// Sends a request built by the core (signed, with Repeatability for repeatable ops).
    pub fn call(&mut self, operation: &str, params: Value) -> Response {
        let req = self.build(operation, params);
        self.send(&req)
    }

    pub fn build(&mut self, operation: &str, params: Value) -> HttpRequest {
        self.seq = self.seq.wrapping_add(1);
        let r = Repeatability::from_random([self.seq; 16], HttpDate::from_unix_millis(self.now));
        let opts = RequestOptions::new(HttpDate::from_unix_millis(self.now)).repeatability(&r);
        ops::build_by_name(operation, &params.to_string(), &self.cs, &opts, true)
            .unwrap_or_else(|e| panic!("{operation}: {e}"))
    }

    pub fn send(&mut self, req: &HttpRequest) -> Response {
        let path = req.url.strip_prefix(ORIGIN).unwrap().to_owned();
        let mut headers: Vec<(String, String)> =
            req.headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        headers.push(("Host".into(), "127.0.0.1:8788".into()));
        let r = Request { method: req.method.as_str().into(), path, headers, body: req.body.clone() };
        let res = self.emu.handle(&r, self.now);
        for d in res.deliver_first.clone() {
            self.receive(d);
        }
        res
    }

    /// Signs `req` again after a test changed it.
    pub fn resign(&self, req: &mut HttpRequest) {
        let sig = switchboard::auth::sign_url(
            req.method.as_str(),
            &req.url,
            &req.body,
            HttpDate::from_unix_millis(self.now),
            self.cs.signing_key(),
        )
        .unwrap();
        req.headers.retain(|(k, _)| !k.starts_with("x-ms") && *k != "Authorization");
        req.headers.extend(sig.pairs().map(|(k, v)| (k, v.to_owned())));
    }

    pub fn control(&mut self, method: &str, path: &str, body: Value) -> Value {
        let r = Request {
            method: method.into(),
            path: path.into(),
            headers: vec![],
            body: if body.is_null() { vec![] } else { body.to_string().into_bytes() },
        };
        let res = self.emu.handle(&r, self.now);
        serde_json::from_str(&res.body).unwrap_or(Value::Null)
    }

    /// Lets `ms` of virtual time pass, delivering whatever falls due.
    pub fn run(&mut self, ms: i64) {
        let end = self.now + ms;
        loop {
            let next = self.emu.next_due().filter(|t| *t <= end);
            match next {
                Some(t) => {
                    self.now = self.now.max(t);
                    for d in self.emu.advance(self.now) {
                        self.receive(d);
                    }
                }
                None => break,
            }
        }
        self.now = end;
    }

    /// Answers an Event Grid validation delivery as the webhook does (or refuses it when
    /// `answer_validation` is off).
    pub fn handshake(&mut self, d: &Delivery) {
        // CloudEvents abuse protection: the webhook allows the origin with a 2xx (and
        // WebHook-Allowed-Origin), or refuses it.
        if d.method == "OPTIONS" {
            let status = if self.answer_validation { 200 } else { 403 };
            self.emu.delivered(d.id, status, "", self.now);
            return;
        }
        let v: Value = serde_json::from_str(&d.body).unwrap();
        let code = v[0]["data"]["validationCode"].as_str().unwrap().to_owned();
        let body = if self.answer_validation {
            serde_json::json!({"validationResponse": code}).to_string()
        } else {
            String::new()
        };
        self.emu.delivered(d.id, 200, &body, self.now);
    }

    fn receive(&mut self, d: Delivery) {
        match d.kind {
            DeliveryKind::Validation => self.handshake(&d),
            DeliveryKind::EventGrid | DeliveryKind::Callback => {
                if d.kind == DeliveryKind::Callback {
                    assert!(self.emu.authorization(&d).unwrap().starts_with("Bearer ey"));
                } else {
                    self.emu.delivered(d.id, 200, "", self.now);
                }
                for e in parse_events(&d.body).unwrap() {
                    self.state.apply(&e);
                    self.events.push(e);
                }
            }
        }
        self.deliveries.push(d);
    }

    /// Names of the events received so far.
    pub fn names(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.name()).collect()
    }

    pub fn last(&self, name: &str) -> &Event {
        self.events.iter().rev().find(|e| e.name() == name).unwrap_or_else(|| panic!("no {name} in {:?}", self.names()))
    }

    /// A customer calls in and the app answers; returns the call connection id.
    pub fn inbound_answered(&mut self) -> String {
        self.control("POST", "/control/inbound", serde_json::json!({"from": CUSTOMER}));
        self.run(100);
        let ctx = match &self.last("IncomingCall").data {
            EventData::IncomingCall(c) => c.incoming_call_context.clone(),
            _ => unreachable!(),
        };
        let res = self.call(
            "answerCall",
            serde_json::json!({"incomingCallContext": ctx, "callbackUri": CALLBACK, "operationContext": "answer"}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        let id = serde_json::from_str::<Value>(&res.body).unwrap()["callConnectionId"].as_str().unwrap().to_owned();
        self.run(1_000);
        id
    }

    pub fn teams(oid: &str) -> Value {
        serde_json::json!({"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": oid}})
    }

    pub fn result_of(&self, name: &str) -> (i32, i32) {
        let e = self.last(name);
        let r = e.data.common().and_then(|c| c.result_information).unwrap();
        (r.code, r.sub_code)
    }
}
