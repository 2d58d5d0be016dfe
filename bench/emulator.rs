//! Emulator throughput (`cargo bench --bench emulator --features emulator`): full
//! expert-consultation scripts per second through the sans-IO core — inbound call through Event
//! Grid (with the validation handshake), answer, agent added, Teams expert added with a custom
//! display name, recording started/paused/resumed, the expert leaves, terminate — with requests
//! built and HMAC-signed by the core and verified by the emulator. Callback JWTs are signed by
//! the host at delivery time (`Emulator::authorization`), so they are measured separately.
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock; the core never does

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard::auth::{ConnectionString, HttpDate, Repeatability};
use switchboard::emulator::{DeliveryKind, Emulator, Request, WorldConfig};
use switchboard::ops::{self, RequestOptions};

const ORIGIN: &str = "http://127.0.0.1:8788";

struct Client {
    emu: Emulator,
    cs: ConnectionString,
    now: i64,
    n: u8,
    events: usize,
    last_context: Option<String>,
}

impl Client {
    fn call(&mut self, op: &str, params: Value) -> Value {
        self.n = self.n.wrapping_add(1);
        let r = Repeatability::from_random([self.n; 16], HttpDate::from_unix_millis(self.now));
        let opts = RequestOptions::new(HttpDate::from_unix_millis(self.now)).repeatability(&r);
        let req = ops::build_by_name(op, &params.to_string(), &self.cs, &opts, true).unwrap();
        let mut headers: Vec<(String, String)> =
            req.headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        headers.push(("Host".into(), "127.0.0.1:8788".into()));
        let res = self.emu.handle(
            &Request {
                method: req.method.as_str().into(),
                path: req.url[ORIGIN.len()..].into(),
                headers,
                body: req.body,
            },
            self.now,
        );
        serde_json::from_str(&res.body).unwrap_or(Value::Null)
    }

    fn run(&mut self, ms: i64) {
        let end = self.now + ms;
        while let Some(t) = self.emu.next_due().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            for d in self.emu.advance(self.now) {
                self.events += 1;
                match d.kind {
                    DeliveryKind::Validation => {
                        let v: Value = serde_json::from_str(&d.body).unwrap();
                        let code = v[0]["data"]["validationCode"].as_str().unwrap().to_owned();
                        self.emu.delivered(d.id, 200, &json!({"validationResponse": code}).to_string(), self.now);
                    }
                    DeliveryKind::EventGrid => {
                        let v: Value = serde_json::from_str(&d.body).unwrap();
                        self.last_context = v[0]["data"]["incomingCallContext"].as_str().map(str::to_owned);
                        self.emu.delivered(d.id, 200, "", self.now);
                    }
                    DeliveryKind::Callback => {}
                }
            }
        }
        self.now = end;
    }
}

fn script(world: &WorldConfig) -> usize {
    let emu = Emulator::new(world.clone(), ORIGIN).unwrap();
    let cs = ConnectionString::parse(&emu.connection_string()).unwrap();
    let mut c = Client { emu, cs, now: 1_743_508_800_000, n: 0, events: 0, last_context: None };
    c.emu.handle(
        &Request {
            method: "POST".into(),
            path: "/control/inbound".into(),
            headers: vec![],
            body: br#"{"from":"+14255550123"}"#.to_vec(),
        },
        c.now,
    );
    c.run(200);
    let ctx = c.last_context.clone().unwrap();
    let call = c.call(
        "answerCall",
        json!({"incomingCallContext": ctx, "callbackUri": "http://127.0.0.1:8787/api/callbacks/t/c"}),
    )["callConnectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.run(1_000);
    let agent = world.agents[0].id.clone();
    c.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": {"rawId": agent}}));
    c.run(2_000);
    c.call("addParticipant", json!({"callConnectionId": call, "participantToAdd": {"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"}}, "sourceDisplayName": "Contoso Support"}));
    c.run(5_000);
    let rec = c.call("startRecording", json!({"callConnectionId": call}))["recordingId"].as_str().unwrap().to_owned();
    c.run(500);
    c.call("pauseRecording", json!({"recordingId": rec}));
    c.call("resumeRecording", json!({"recordingId": rec}));
    c.run(90_000);
    c.call("terminateCall", json!({"callConnectionId": call}));
    c.run(1_000);
    black_box(c.events)
}

fn main() {
    let budget = Duration::from_millis(std::env::var("BENCH_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000));
    let mut world = WorldConfig::demo();
    world.event_grid =
        Some(serde_json::from_value(json!({"webhook": "http://127.0.0.1:8787/api/events/incoming"})).unwrap());
    let events = script(&world);
    for _ in 0..20 {
        script(&world);
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        script(&world);
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("emulator: {events} deliveries per expert-consultation script");
    println!(
        "{:<44} {:>12.0} scripts/s {:>9.1} µs/script (goal >= 10000/s)",
        "full script through the sans-IO core",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
    if std::env::var("BENCH_SCRIPTS_ONLY").is_ok() {
        return;
    }
    let start = Instant::now();
    let mut k = 0u64;
    while start.elapsed() < budget / 4 {
        black_box(Emulator::new(world.clone(), ORIGIN).unwrap());
        k += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:<44} {:>12.0} /s {:>9.1} µs", "Emulator::new (world + keys)", k as f64 / secs, secs * 1e6 / k as f64);
    let emu = Emulator::new(world.clone(), ORIGIN).unwrap();
    let d = switchboard::emulator::Delivery {
        id: 1,
        due: 0,
        kind: DeliveryKind::Callback,
        method: "POST".into(),
        url: String::new(),
        headers: vec![],
        body: String::new(),
        event_type: String::new(),
        event_id: "e".into(),
    };
    let start = Instant::now();
    let mut k = 0u64;
    while start.elapsed() < budget / 4 {
        black_box(emu.authorization(&d));
        k += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<44} {:>12.0} tokens/s {:>9.1} µs/token",
        "callback JWT (RS256) signing, at delivery",
        k as f64 / secs,
        secs * 1e6 / k as f64
    );
}
