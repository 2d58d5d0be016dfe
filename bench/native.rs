//! The native ceiling (`cargo bench --bench native`, criterion): the callback corpus of the
//! npm benchmark (tests/fixtures/events, in wire form) through the core's typed parser, beside a
//! bare `serde_json::from_slice::<serde_json::Value>` of the same bytes — what any JSON reader
//! must at least do. `npm run bench` reads criterion's estimates and reports MB/s.
#![allow(clippy::disallowed_methods)] // criterion reads the clock; the core never does

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use switchboard::events::parse_events;

#[path = "corpus.rs"]
mod corpus;

fn parse(c: &mut Criterion) {
    // As ACS sends them: no whitespace outside strings.
    let bodies: Vec<String> = corpus::fixtures().iter().map(|t| corpus::wire(t)).collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1)).sample_size(40);
    g.bench_function("typed", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(parse_events(black_box(body)).unwrap());
            }
        })
    });
    g.bench_function("value", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(body.as_bytes())).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
