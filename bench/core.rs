//! Native benchmark of the core (`cargo bench --bench core`): prints ops/s and µs/op for
//! parsing a mixed corpus of callback bodies, folding them into a CallState, and building +
//! signing an addParticipant request. Numbers are printed, never asserted.
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock; the core never does

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard::auth::{ConnectionString, HttpDate, Repeatability};
use switchboard::call::CallState;
use switchboard::events::parse_events;
use switchboard::ops::{self, RequestOptions};

#[path = "corpus.rs"]
mod corpus;

/// Runs `f` (which does `per_call` operations) for about `budget`, after a warm-up.
fn measure(name: &str, per_call: usize, budget: Duration, mut f: impl FnMut()) {
    for _ in 0..50 {
        f();
    }
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget {
        f();
        calls += 1;
    }
    let ops = calls as f64 * per_call as f64;
    let secs = start.elapsed().as_secs_f64();
    println!("{name:<44} {:>12.0} ops/s {:>9.2} µs/op", ops / secs, secs * 1e6 / ops);
}

fn main() {
    let budget = Duration::from_millis(std::env::var("BENCH_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500));
    let bodies = corpus::fixtures();
    let bytes: usize = bodies.iter().map(String::len).sum();
    println!("native core, {} callback bodies ({bytes} bytes) per round", bodies.len());
    measure("parse callback bodies (parse_events)", bodies.len(), budget, || {
        for b in &bodies {
            black_box(parse_events(black_box(b)).unwrap());
        }
    });
    let parsed: Vec<_> = bodies.iter().flat_map(|b| parse_events(b).unwrap()).collect();
    measure("fold events into CallState (apply)", parsed.len(), budget, || {
        let mut s = CallState::new();
        for e in &parsed {
            black_box(s.apply(e));
        }
    });
    measure("parse + fold (callback end to end)", bodies.len(), budget, || {
        let mut s = CallState::new();
        for b in &bodies {
            for e in parse_events(b).unwrap() {
                black_box(s.apply(&e));
            }
        }
    });
    let cs = ConnectionString::parse(
        "endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )
    .unwrap();
    let params = r#"{"callConnectionId":"401f3500-62bd-46a9-8c09-9e1b06caca01","participantToAdd":{"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"}},"sourceDisplayName":"Contoso Support","invitationTimeoutInSeconds":30,"operationContext":"expert-1"}"#;
    let r = Repeatability::from_random([7; 16], HttpDate::from_unix_seconds(1_743_508_800));
    let opts = RequestOptions::new(HttpDate::from_unix_seconds(1_743_508_800)).repeatability(&r);
    measure("build + sign addParticipant (build_by_name)", 1, budget, || {
        black_box(ops::build_by_name("addParticipant", black_box(params), &cs, &opts, true).unwrap());
    });
}
