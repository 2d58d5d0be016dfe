//! Peak overflow, simulated: the same seeded arrivals with overflow off and on, printed as a
//! table and written as JSON (`npm run simulate`, which also draws `bench/simulation.svg`).
//!
//! ```text
//! cargo run --release --example simulate --features emulator -- \
//!     --calls 500 --minutes 10 --agents 20 --knowledge-workers 30 --seed 1 --out bench/simulation.json
//! ```
//!
//! Any other number of the model is a flag too, by its name in kebab case (`--agent-handle-s 60`,
//! `--patience-s 120`, `--decline 0.3`): see `switchboard::emulator::simulation::Params`.
//!
//! Then the same model with other sizes of the knowledge-worker group, seeds 1–5 each
//! (`--staffing 20,30,40,50,60` by default, `--staffing off` to skip): how the gain grows with
//! the people, written as `staffing` beside the report.

use std::process::ExitCode;

use serde_json::Value;
use switchboard::emulator::simulation::{run, staffing, Params, RunReport, ANSWER_WITHIN_S};

/// Seeds of each head count of the staffing table.
const STAFFING_SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

fn main() -> ExitCode {
    let (params, out, counts) = match parse(std::env::args().skip(1).collect()) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("simulate: {e}");
            return ExitCode::from(2);
        }
    };
    // The edge of this program: timing the run is the only clock it reads.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let mut report = run(&params);
    let elapsed = started.elapsed();

    println!(
        "Peak overflow: {} calls over {} min ({:.0} % of them in minutes {}–{}), {} agents, {} knowledge workers, seed {}",
        params.calls,
        params.minutes,
        params.burst_share * 100.0,
        params.burst_from_min,
        params.burst_to_min,
        params.agents,
        params.knowledge_workers,
        params.seed
    );
    println!();
    println!("| | overflow off | overflow on |");
    println!("|---|---:|---:|");
    let row = |name: &str, f: &dyn Fn(&RunReport) -> String| {
        println!("| {name} | {} | {} |", f(&report.off), f(&report.on));
    };
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    row(&format!("service level (answered ≤ {ANSWER_WITHIN_S} s, of all calls)"), &|r| pct(r.service_level));
    row("average wait, answered (s)", &|r| format!("{:.1}", r.avg_wait_s));
    row("p95 wait, answered (s)", &|r| format!("{:.1}", r.p95_wait_s));
    row("answered", &|r| r.answered.to_string());
    row("abandoned", &|r| r.abandoned.to_string());
    row("answered by knowledge workers", &|r| r.knowledge_worker_share.map_or("–".into(), pct));
    row("offers to knowledge workers", &|r| r.offers.to_string());
    row("declined (603)", &|r| r.declined.to_string());
    row("timed out (408)", &|r| r.timed_out.to_string());
    row("refused, no licence (403)", &|r| r.refused.to_string());
    row("fallback messages", &|r| r.fallbacks.to_string());
    println!();
    println!(
        "with ideal knowledge workers (Available ones never decline or let it ring out, pick up in 1 s): service level {} ({:+.1} points)",
        pct(report.ideal_workers.service_level),
        (report.ideal_workers.service_level - report.off.service_level) * 100.0
    );
    println!(
        "service level {:+.1} points · lost calls {} · double offers {} · simulated in {:.0} ms",
        (report.on.service_level - report.off.service_level) * 100.0,
        report.lost_calls,
        report.double_offers,
        elapsed.as_secs_f64() * 1000.0
    );

    if !counts.is_empty() {
        let table = staffing(&params, &counts, &STAFFING_SEEDS);
        println!();
        println!("The same model with other numbers of knowledge workers (seeds 1–5 each):");
        println!();
        println!("| knowledge workers | service level gain, median (min … max) | answered by knowledge workers | lost or double-offered |");
        println!("|---:|---:|---:|---:|");
        for r in &table.rows {
            println!(
                "| {} | {:+.1} ({:+.1} … {:+.1}) | {:.1} % | {} |",
                r.knowledge_workers,
                r.gain_median,
                r.gain_min,
                r.gain_max,
                r.knowledge_worker_share * 100.0,
                r.lost_or_double
            );
        }
        report.staffing = Some(table);
    }

    if let Some(path) = out {
        let text = serde_json::to_string_pretty(&report).expect("the report serialises") + "\n";
        if let Some(dir) = std::path::Path::new(&path).parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("simulate: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {path}");
    }
    ExitCode::SUCCESS
}

/// `--name value` pairs: `--out` is the JSON file, `--staffing` the head counts of the staffing
/// table (comma-separated, or `off`), every other name is a field of [`Params`].
fn parse(args: Vec<String>) -> Result<(Params, Option<String>, Vec<u32>), String> {
    let mut fields = serde_json::to_value(Params::default()).map_err(|e| e.to_string())?;
    let mut out = None;
    let mut counts = vec![20, 30, 40, 50, 60];
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let name = flag.strip_prefix("--").ok_or_else(|| format!("expected --name value, got `{flag}`"))?;
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        if name == "out" {
            out = Some(value);
            continue;
        }
        if name == "staffing" {
            counts = if value == "off" {
                Vec::new()
            } else {
                value
                    .split(',')
                    .map(|n| n.trim().parse::<u32>().ok().filter(|&n| n > 0))
                    .collect::<Option<Vec<u32>>>()
                    .ok_or_else(|| format!("--staffing takes head counts like 20,30,40 or `off`, got `{value}`"))?
            };
            continue;
        }
        let key = camel(name);
        let slot = fields.get_mut(&key).filter(|v| v.is_number()).ok_or_else(|| format!("unknown flag {flag}"))?;
        *slot = serde_json::from_str::<Value>(&value)
            .ok()
            .filter(Value::is_number)
            .ok_or_else(|| format!("{flag} takes a number, got `{value}`"))?;
    }
    let params = serde_json::from_value(fields).map_err(|e| e.to_string())?;
    Ok((params, out, counts))
}

fn camel(kebab: &str) -> String {
    let mut s = String::new();
    let mut upper = false;
    for c in kebab.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            s.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            s.push(c);
        }
    }
    s
}
