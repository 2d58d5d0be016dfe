//! The native ceiling (`cargo bench --bench native`, criterion): the callback corpus of the
//! npm benchmark (tests/fixtures/events, in wire form) through the core's typed parser, beside a
//! bare `serde_json::from_slice::<serde_json::Value>` of the same bytes — what any JSON reader
//! must at least do. `npm run bench` reads criterion's estimates and reports MB/s.
#![allow(clippy::disallowed_methods)] // criterion reads the clock; the core never does

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use switchboard::events::parse_events;

/// The fixtures with whitespace outside strings removed (escapes kept): as ACS sends them.
fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/events");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let (mut out, mut in_str, mut esc) = (String::new(), false, false);
            for c in std::fs::read_to_string(p).unwrap().chars() {
                if in_str {
                    out.push(c);
                    match (esc, c) {
                        (true, _) => esc = false,
                        (false, '\\') => esc = true,
                        (false, '"') => in_str = false,
                        _ => {}
                    }
                } else if c == '"' {
                    in_str = true;
                    out.push(c);
                } else if !c.is_whitespace() {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

fn parse(c: &mut Criterion) {
    let bodies = corpus();
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
