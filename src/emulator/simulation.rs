//! Peak overflow, simulated: a discrete-event contact centre on a virtual clock that drives the
//! sans-IO [`Queue`] exactly as an edge does, with the emulator's Teams rules ([`decide`]) deciding how each offer ends. The same arrivals run twice, overflow
//! off and on, and [`run`] reports service level, waits, abandons and the knowledge workers'
//! share (`npm run simulate`, `bench/simulation.json`).
//!
//! The model, every number a [`Params`] field:
//! - Arrivals: `calls` over `minutes`, a `burst_share` of them between minute `burst_from_min`
//!   and `burst_to_min`, the rest uniform over the whole window.
//! - Callers hang up after an exponential patience (mean `patience_s`).
//! - Handling time (talk and wrap-up) is lognormal, by mean and coefficient of variation: agents
//!   `agent_handle_s` (by default what staffs the base load to Erlang C's 80 % in 20 s),
//!   knowledge workers `worker_handle_s` (half as long again: it is not their daily job). Each
//!   call draws both, so the two runs handle the same call for as long.
//! - Agents are ACS users signed in to the queue: they answer an offer after ~1 s.
//! - Knowledge workers have a Teams presence that changes over time (a new state drawn from
//!   `presence` after an exponential dwell, mean `presence_dwell_s`) and shows Busy while they
//!   are on a queue call; the queue reads it through Graph (250 ms). An offer to an Available
//!   one is declined (603/8538 after 1.5 s) with probability `decline`, rings out (408/4506 at
//!   the invitation timeout) with probability `no_answer`, else is answered after a lognormal
//!   ring time (median `worker_answer_s`); each worker's odds are scaled by a personal factor
//!   (0.5–1.5). Away ones mostly do not answer; a stale Busy or DoNotDisturb mostly declines; an
//!   Offline one fails with 480; `unlicensed` of them lack Teams Phone (403/7604).
//!
//! Overflow off is the same tenant with a trigger that never fires (`queueLength` 10000: more
//! calls than ever arrive), so no knowledge worker is ever offered a call.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::config::{Agent, Behavior, Presence, TeamsUser, WorldConfig};
use super::rng::Rng;
use super::teams::{decide, Outcome};
use super::DEV_RESOURCE_ID;
use crate::overflow::{CallOutcome, Command, Input, OfferOutcome, OverflowPolicy, Queue, Stage, Taker};
use crate::{CommunicationIdentifier, RawId};

/// A call counts as answered in time within this many seconds of arriving (the service level).
pub const ANSWER_WITHIN_S: i64 = 20;

/// The queue-length series' step.
pub const SERIES_STEP_S: i64 = 10;

/// From `answerCall` to `CallConnected` (the emulator's connect delay).
const CONNECT_MS: i64 = 300;
/// From a Graph presence request to its answer.
const GRAPH_MS: i64 = 250;
/// From `cancelAddParticipant` to its outcome.
const CANCEL_MS: i64 = 200;
/// Length of the fallback message.
const MESSAGE_MS: i64 = 8_000;
/// A call still live this long after the last arrival counts as lost (the queue never let go).
const GIVE_UP_MS: i64 = 6 * 3_600_000;

/// Share of knowledge workers in each Teams presence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceMix {
    /// Available.
    pub available: f64,
    /// Busy (in a meeting or another call).
    pub busy: f64,
    /// Away.
    pub away: f64,
    /// Do not disturb.
    pub do_not_disturb: f64,
    /// Offline.
    pub offline: f64,
}

/// The simulation's inputs: the four numbers and the model's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Params {
    /// Calls arriving.
    pub calls: u32,
    /// Over this many minutes.
    pub minutes: u32,
    /// ACS agents in the pool.
    pub agents: u32,
    /// Teams knowledge workers in the overflow group.
    pub knowledge_workers: u32,
    /// Seed of every draw.
    pub seed: u64,
    /// Share of the calls that arrive in the burst.
    pub burst_share: f64,
    /// Burst start (minute).
    pub burst_from_min: f64,
    /// Burst end (minute).
    pub burst_to_min: f64,
    /// Mean caller patience (s, exponential).
    pub patience_s: f64,
    /// Mean agent handling time (s, lognormal).
    pub agent_handle_s: f64,
    /// Mean knowledge-worker handling time (s, lognormal).
    pub worker_handle_s: f64,
    /// Coefficient of variation of both handling times.
    pub handle_cv: f64,
    /// Median time a knowledge worker takes to pick up (s, lognormal, σ 0.4).
    pub worker_answer_s: f64,
    /// An Available knowledge worker declines an offer with this probability.
    pub decline: f64,
    /// An Available knowledge worker lets an offer ring out with this probability.
    pub no_answer: f64,
    /// Knowledge workers without a Teams Phone licence.
    pub unlicensed: u32,
    /// Presence mix (also the distribution of each change).
    pub presence: PresenceMix,
    /// Mean time in one presence before it changes (s, exponential).
    pub presence_dwell_s: f64,
    /// The policy's `invitationTimeoutSeconds`.
    pub invitation_timeout_s: u32,
    /// The policy's `maxOffers`.
    pub max_offers: u32,
    /// The policy's `ringGroup` (1: ring every eligible knowledge worker at once, up to
    /// `maxOffers`; 0: one at a time).
    pub ring_group: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            calls: 500,
            minutes: 10,
            agents: 20,
            knowledge_workers: 30,
            seed: 1,
            burst_share: 1.0 / 3.0,
            burst_from_min: 3.0,
            burst_to_min: 5.0,
            patience_s: 90.0,
            // 500 calls in 10 minutes for 20 agents only makes sense for short calls: 32 s
            // staffs the base load (two thirds of the calls, 0.56/s) to Erlang C's 80 % in
            // 20 s at 89 % occupancy, so the burst, not chronic understaffing, is the peak.
            agent_handle_s: 32.0,
            worker_handle_s: 48.0,
            handle_cv: 0.5,
            worker_answer_s: 6.0,
            decline: 0.15,
            no_answer: 0.10,
            unlicensed: 2,
            presence: PresenceMix { available: 0.55, busy: 0.2, away: 0.1, do_not_disturb: 0.05, offline: 0.1 },
            presence_dwell_s: 600.0,
            invitation_timeout_s: 20,
            max_offers: 4,
            ring_group: 0,
        }
    }
}

/// What one run (overflow off or on) gave.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    /// Share of all arrived calls answered within [`ANSWER_WITHIN_S`].
    pub service_level: f64,
    /// Average wait of answered calls (s).
    pub avg_wait_s: f64,
    /// 95th percentile wait of answered calls (s).
    pub p95_wait_s: f64,
    /// Callers who hung up before anyone answered.
    pub abandoned: u64,
    /// Share of answered calls a knowledge worker took (overflow on only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_worker_share: Option<f64>,
    /// Calls arrived.
    pub arrived: u64,
    /// Calls answered.
    pub answered: u64,
    /// Offers made to knowledge workers.
    pub offers: u64,
    /// Offers declined (603).
    pub declined: u64,
    /// Offers not answered in time (408, or no outcome heard).
    pub timed_out: u64,
    /// Offers refused for licence or consent (403).
    pub refused: u64,
    /// Fallback messages played.
    pub fallbacks: u64,
    /// Calls without an outcome when the run drained.
    pub lost_calls: u64,
    /// Broken invariants `Queue::audit` reported, summed over every step.
    pub double_offers: u64,
    /// Virtual time when the last call ended (s).
    pub drained_s: f64,
}

/// Queue length (waiting calls) every [`SERIES_STEP_S`] seconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Seconds between samples.
    pub step_s: i64,
    /// Overflow off.
    pub off: Vec<u32>,
    /// Overflow on.
    pub on: Vec<u32>,
}

/// Both runs, in `bench/simulation.json`'s shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Overflow off.
    pub off: RunReport,
    /// Overflow on.
    pub on: RunReport,
    /// Overflow on with ideal knowledge workers — when Available they never decline, never let
    /// an offer ring out and pick up in a second — and everything else the same: about the
    /// service level these people's time allows, whatever the queue does.
    pub ideal_workers: RunReport,
    /// Calls lost in any run (goal 0).
    pub lost_calls: u64,
    /// Double offers (audit problems) in any run (goal 0).
    pub double_offers: u64,
    /// The seed.
    pub seed: u64,
    /// Everything the model was given.
    pub params: Params,
    /// Queue length over time.
    pub series: Series,
    /// Other sizes of the knowledge-worker group, when asked for ([`staffing`]; `run` leaves it
    /// out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staffing: Option<Staffing>,
}

/// The gain of overflow by size of the knowledge-worker group ([`staffing`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Staffing {
    /// The seeds each head count ran with.
    pub seeds: Vec<u64>,
    /// One row per head count.
    pub rows: Vec<StaffingRow>,
}

/// Runs the same arrivals with overflow off and on.
pub fn run(params: &Params) -> Report {
    let world = World::draw(params);
    let (off, series_off) = simulate(params, &world, &policy(params, false), false);
    let (on, series_on) = simulate(params, &world, &policy(params, true), true);
    let ideal = Params { decline: 0.0, no_answer: 0.0, worker_answer_s: 1.0, ..params.clone() };
    let (ideal_workers, _) = simulate(&ideal, &world, &policy(&ideal, true), true);
    let len = series_off.len().max(series_on.len());
    let pad = |mut s: Vec<u32>| {
        s.resize(len, 0);
        s
    };
    Report {
        lost_calls: off.lost_calls + on.lost_calls + ideal_workers.lost_calls,
        double_offers: off.double_offers + on.double_offers + ideal_workers.double_offers,
        seed: params.seed,
        params: params.clone(),
        series: Series { step_s: SERIES_STEP_S, off: pad(series_off), on: pad(series_on) },
        off,
        on,
        ideal_workers,
        staffing: None,
    }
}

/// One head count of [`staffing`]: what overflow gives with that many knowledge workers,
/// over several seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StaffingRow {
    /// Knowledge workers in the overflow group.
    pub knowledge_workers: u32,
    /// Service level gain (on − off, percentage points): the lowest over the seeds.
    pub gain_min: f64,
    /// The median gain.
    pub gain_median: f64,
    /// The highest gain.
    pub gain_max: f64,
    /// Median share of answered calls the knowledge workers took.
    pub knowledge_worker_share: f64,
    /// Calls lost or double-offered in any of these runs (goal 0).
    pub lost_or_double: u64,
}

/// How the gain of overflow grows with the size of the knowledge-worker group, everything else
/// as `params` gives it: one row per head count in `counts`, each over `seeds` (the answer to
/// "how many people would a goal take under this model?").
pub fn staffing(params: &Params, counts: &[u32], seeds: &[u64]) -> Staffing {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let rows = counts
        .iter()
        .map(|&knowledge_workers| {
            let reports: Vec<Report> =
                seeds.iter().map(|&seed| run(&Params { knowledge_workers, seed, ..params.clone() })).collect();
            let gains: Vec<f64> =
                reports.iter().map(|r| round1((r.on.service_level - r.off.service_level) * 100.0)).collect();
            StaffingRow {
                knowledge_workers,
                gain_min: gains.iter().copied().fold(f64::INFINITY, f64::min),
                gain_max: gains.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                gain_median: median(gains.clone()),
                knowledge_worker_share: median(
                    reports.iter().map(|r| r.on.knowledge_worker_share.unwrap_or(0.0)).collect(),
                ),
                lost_or_double: reports.iter().map(|r| r.lost_calls + r.double_offers).sum(),
            }
        })
        .collect();
    Staffing { seeds: seeds.to_vec(), rows }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn agent_raw_id(i: usize) -> String {
    format!("8:acs:{DEV_RESOURCE_ID}_{:08x}-0000-4000-8000-{i:012x}", 0xa9e4_0000_u32 + i as u32)
}

fn worker_object_id(i: usize) -> String {
    format!("{:08x}-0000-4000-8000-{i:012x}", 0x4b57_0000_u32 + i as u32)
}

/// The tenant's overflow policy; with overflow off the trigger never fires.
fn policy(p: &Params, overflow: bool) -> OverflowPolicy {
    let agents: Vec<(String, String, Option<RawId>)> = (0..p.agents as usize)
        .map(|i| (format!("agent-{i:02}"), format!("Agent {i}"), RawId::new(agent_raw_id(i)).ok()))
        .collect();
    let members: Vec<_> = (0..p.knowledge_workers.max(1) as usize)
        .map(|i| json!({"objectId": worker_object_id(i), "displayName": format!("Knowledge worker {i}")}))
        .collect();
    let trigger = if overflow { json!({"noFreeAgent": true}) } else { json!({"queueLength": 10_000}) };
    let doc = json!({
        "holdAudioUrl": "https://contoso.example/hold.wav",
        "groups": [{"name": "Back office", "order": "longestIdle", "members": members}],
        "trigger": trigger,
        "fallback": {"afterSeconds": 120, "messageUrl": "https://contoso.example/still-busy.wav", "then": "wait"},
        "invitationTimeoutSeconds": p.invitation_timeout_s,
        "maxOffers": p.max_offers,
        "ringGroup": p.ring_group != 0,
        "handoff": "add",
    });
    OverflowPolicy::from_value(&doc, &[], &agents).expect("the simulation's policy is valid")
}

/// What both runs share: the callers and the knowledge workers' days.
struct World {
    calls: Vec<Caller>,
    /// Per knowledge worker: presence changes `(at ms, presence)`, the first at 0.
    presence: Vec<Vec<(i64, Presence)>>,
    /// Per knowledge worker: how much more often than usual they decline or ring out.
    reluctance: Vec<f64>,
}

struct Caller {
    arrive_ms: i64,
    patience_ms: i64,
    agent_handle_ms: i64,
    worker_handle_ms: i64,
}

impl World {
    fn draw(p: &Params) -> Self {
        let mut rng = Rng::new(p.seed);
        let window = f64::from(p.minutes.max(1)) * 60_000.0;
        let (from, to) =
            ((p.burst_from_min * 60_000.0).clamp(0.0, window), (p.burst_to_min * 60_000.0).clamp(0.0, window));
        let burst = ((f64::from(p.calls) * p.burst_share).round() as u32).min(p.calls);
        let mut arrivals: Vec<i64> = (0..p.calls)
            .map(|i| {
                let (lo, hi) = if i < burst && to > from { (from, to) } else { (0.0, window) };
                (lo + rng.unit() * (hi - lo)) as i64
            })
            .collect();
        arrivals.sort_unstable();
        let calls = arrivals
            .into_iter()
            .map(|arrive_ms| Caller {
                arrive_ms,
                patience_ms: exponential(&mut rng, p.patience_s * 1000.0),
                agent_handle_ms: lognormal(&mut rng, p.agent_handle_s * 1000.0, p.handle_cv),
                worker_handle_ms: lognormal(&mut rng, p.worker_handle_s * 1000.0, p.handle_cv),
            })
            .collect();
        let until = window as i64 + 3_600_000;
        let presence = (0..p.knowledge_workers)
            .map(|_| {
                let mut t = 0;
                let mut days = Vec::new();
                while t < until {
                    days.push((t, draw_presence(&mut rng, &p.presence)));
                    t += exponential(&mut rng, p.presence_dwell_s * 1000.0).max(1);
                }
                days
            })
            .collect();
        let reluctance = (0..p.knowledge_workers).map(|_| 0.5 + rng.unit()).collect();
        Self { calls, presence, reluctance }
    }

    fn presence_at(&self, w: usize, t: i64) -> Presence {
        let days = &self.presence[w];
        let i = days.partition_point(|(at, _)| *at <= t);
        days[i.saturating_sub(1)].1
    }
}

fn exponential(rng: &mut Rng, mean_ms: f64) -> i64 {
    (-mean_ms * (1.0 - rng.unit()).ln()) as i64
}

fn normal(rng: &mut Rng) -> f64 {
    // Box–Muller; 1 - unit() is in (0, 1], so the log is finite.
    let (u, v) = (1.0 - rng.unit(), rng.unit());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Lognormal with this mean and coefficient of variation.
fn lognormal(rng: &mut Rng, mean_ms: f64, cv: f64) -> i64 {
    let s2 = (1.0 + cv * cv).ln();
    let mu = mean_ms.max(1.0).ln() - s2 / 2.0;
    (mu + s2.sqrt() * normal(rng)).exp() as i64
}

fn draw_presence(rng: &mut Rng, m: &PresenceMix) -> Presence {
    let all = [
        (m.available, Presence::Available),
        (m.busy, Presence::Busy),
        (m.away, Presence::Away),
        (m.do_not_disturb, Presence::DoNotDisturb),
        (m.offline, Presence::Offline),
    ];
    let total: f64 = all.iter().map(|(w, _)| w.max(0.0)).sum();
    let mut x = rng.unit() * total;
    for (w, p) in all {
        if x < w.max(0.0) {
            return p;
        }
        x -= w.max(0.0);
    }
    Presence::Available
}

fn graph_name(p: Presence) -> &'static str {
    match p {
        Presence::Available => "Available",
        Presence::Busy => "Busy",
        Presence::DoNotDisturb => "DoNotDisturb",
        Presence::Away => "Away",
        Presence::Offline => "Offline",
    }
}

/// Something due at a virtual time.
enum Event {
    Arrive(usize),
    /// An input for the queue (a callback, Graph's answer).
    Feed(Input),
    /// An offer's outcome, unless the offer was withdrawn first.
    OfferResult {
        offer_id: u64,
        input: Input,
    },
    /// The caller runs out of patience.
    Patience(usize),
    /// The taker (or the fallback's end) hangs up.
    Hangup(usize),
    /// Graph answers a presence read.
    PresenceRead,
    Tick,
}

struct Due {
    at: i64,
    seq: u64,
    event: Event,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    // Earliest first (BinaryHeap is a max-heap); ties in scheduling order.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// How a call ended, as the queue said.
#[derive(Clone, Copy, PartialEq)]
enum Ended {
    Answered { by_worker: bool, waited_ms: i64 },
    Abandoned,
    Other,
}

/// One run's state: the queue, the world around it and the clock.
struct Run<'a> {
    p: &'a Params,
    world: &'a World,
    policy: &'a OverflowPolicy,
    emulator: WorldConfig,
    queue: Queue,
    rng: Rng,
    due: BinaryHeap<Due>,
    seq: u64,
    ticks: BTreeSet<i64>,
    withdrawn: BTreeSet<u64>,
    /// Per call: connected to a taker (who, for knowledge workers), gone, and the queue's outcome.
    connected: Vec<Option<Option<usize>>>,
    gone: Vec<bool>,
    hung_up: Vec<bool>,
    ended: Vec<Option<Ended>>,
    /// Knowledge workers on a queue call (Teams shows them Busy).
    on_call: Vec<bool>,
    audit: u64,
    worker_offers: u64,
    /// When the last call ended.
    last_end: i64,
    series: Vec<u32>,
}

fn call_id(i: usize) -> String {
    format!("call-{i:04}")
}

fn call_index(id: &str) -> usize {
    id.strip_prefix("call-").and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
}

fn simulate(p: &Params, world: &World, policy: &OverflowPolicy, overflow: bool) -> (RunReport, Vec<u32>) {
    let n = world.calls.len();
    let emulator = WorldConfig {
        agents: (0..p.agents as usize)
            .map(|i| Agent { id: agent_raw_id(i), name: format!("Agent {i}"), behavior: Behavior::default() })
            .collect(),
        teams: (0..p.knowledge_workers as usize)
            .map(|i| TeamsUser {
                object_id: worker_object_id(i),
                display_name: format!("Knowledge worker {i}"),
                cloud: "public".into(),
                // The unlicensed ones are spread through the list, not all at its end.
                licensed: !(0..p.unlicensed as usize)
                    .any(|k| i == k * p.knowledge_workers as usize / p.unlicensed.max(1) as usize),
                tenant_consent: true,
                presence: Presence::Available,
                client: Default::default(),
                behavior: Behavior::default(),
            })
            .collect(),
        ..WorldConfig::default()
    };
    let mut r = Run {
        p,
        world,
        policy,
        emulator,
        queue: Queue::new(),
        // Offers' dice differ between the runs (overflow on rolls more of them); the callers do not.
        rng: Rng::new(p.seed ^ if overflow { 0x5eed_0001 } else { 0x5eed_0000 }),
        due: BinaryHeap::new(),
        seq: 0,
        ticks: BTreeSet::new(),
        withdrawn: BTreeSet::new(),
        connected: vec![None; n],
        gone: vec![false; n],
        hung_up: vec![false; n],
        ended: vec![None; n],
        on_call: vec![false; p.knowledge_workers as usize],
        audit: 0,
        worker_offers: 0,
        last_end: 0,
        series: Vec::new(),
    };
    for i in 0..p.agents as usize {
        r.step(Input::AgentSignedIn { agent_id: format!("agent-{i:02}") }, 0);
    }
    for (i, c) in world.calls.iter().enumerate() {
        r.at(c.arrive_ms, Event::Arrive(i));
        r.at(c.arrive_ms + c.patience_ms, Event::Patience(i));
    }
    let last_arrival = world.calls.last().map_or(0, |c| c.arrive_ms);
    while let Some(Due { at, event, .. }) = r.due.pop() {
        if at > last_arrival + GIVE_UP_MS {
            break;
        }
        r.sample_until(at);
        r.handle(event, at);
    }
    // The series ends with the first sample after the last call ended.
    r.sample_until(r.last_end + 1);
    r.series.truncate((r.last_end / (SERIES_STEP_S * 1000) + 2) as usize);
    r.report(overflow)
}

impl Run<'_> {
    fn at(&mut self, at: i64, event: Event) {
        self.seq += 1;
        self.due.push(Due { at, seq: self.seq, event });
    }

    /// Records the queue length at every sample time up to `t` (it is constant between events).
    fn sample_until(&mut self, t: i64) {
        while (self.series.len() as i64) * SERIES_STEP_S * 1000 < t {
            self.series.push(self.queue.waiting() as u32);
        }
    }

    fn handle(&mut self, event: Event, now: i64) {
        match event {
            Event::Arrive(i) => self.step(Input::Arrived { call_id: call_id(i), caller: None }, now),
            Event::Feed(input) => self.step(input, now),
            Event::OfferResult { offer_id, input } => {
                if !self.withdrawn.contains(&offer_id) {
                    self.step(input, now);
                }
            }
            Event::Patience(i) => {
                if self.connected[i].is_none() && !self.gone[i] {
                    self.gone[i] = true;
                    self.hung_up[i] = true;
                    self.step(Input::CallEnded { call_id: call_id(i), by_app: false }, now);
                }
            }
            Event::Hangup(i) => {
                if !self.gone[i] {
                    self.gone[i] = true;
                    if let Some(Some(w)) = self.connected[i] {
                        self.on_call[w] = false;
                    }
                    self.step(Input::CallEnded { call_id: call_id(i), by_app: false }, now);
                }
            }
            Event::PresenceRead => {
                let presences = (0..self.on_call.len())
                    .map(|w| {
                        let shown = if self.on_call[w] { Presence::Busy } else { self.world.presence_at(w, now) };
                        (worker_object_id(w), graph_name(shown).to_owned())
                    })
                    .collect();
                self.step(Input::Presence { presences }, now);
            }
            Event::Tick => {
                self.ticks.remove(&now);
                self.step(Input::Tick, now);
            }
        }
    }

    /// Folds one input into the queue, checks it, records outcomes and carries out the commands.
    fn step(&mut self, input: Input, now: i64) {
        let ended_call = match &input {
            Input::CallEnded { call_id, .. } => Some(call_index(call_id)),
            _ => None,
        };
        let joined = match &input {
            Input::OfferEnded { call_id, outcome: OfferOutcome::Joined, .. } => Some(call_index(call_id)),
            _ => None,
        };
        if ended_call.is_some() {
            self.last_end = now;
        }
        let abandoned_before = self.queue.stats.abandoned;
        let commands = self.queue.step(self.policy, input, now);
        self.audit += self.queue.audit(self.policy).len() as u64;
        for c in &self.queue.calls {
            let i = call_index(&c.call_id);
            if i < self.ended.len() && self.ended[i].is_none() {
                self.ended[i] = c.outcome.as_ref().map(|o| match o {
                    CallOutcome::Answered { by, waited_ms } => Ended::Answered {
                        by_worker: matches!(by, Taker::KnowledgeWorker { .. }),
                        waited_ms: *waited_ms,
                    },
                    CallOutcome::Abandoned { .. } => Ended::Abandoned,
                    _ => Ended::Other,
                });
            }
        }
        // The queue keeps only the last ended calls: one that ended and was trimmed in this
        // very step is judged by the totals.
        if let Some(i) = ended_call.filter(|&i| i < self.ended.len() && self.ended[i].is_none()) {
            if self.queue.call(&call_id(i)).is_none() {
                self.ended[i] =
                    Some(if self.queue.stats.abandoned > abandoned_before { Ended::Abandoned } else { Ended::Other });
            }
        }
        if let Some(i) = joined.filter(|&i| i < self.connected.len() && self.connected[i].is_none()) {
            let call = self.queue.call(&call_id(i));
            if let Some(CallOutcome::Answered { by, .. }) =
                call.filter(|c| c.stage == Stage::Connected).and_then(|c| c.outcome.as_ref())
            {
                let caller = &self.world.calls[i];
                let (taker, handle) = match by {
                    Taker::Agent { .. } => (None, caller.agent_handle_ms),
                    Taker::KnowledgeWorker { object_id } => {
                        let w = (0..self.on_call.len()).find(|&w| worker_object_id(w) == *object_id);
                        if let Some(w) = w {
                            self.on_call[w] = true;
                        }
                        (w, caller.worker_handle_ms)
                    }
                };
                self.connected[i] = Some(taker);
                self.at(now + handle, Event::Hangup(i));
            }
        }
        for command in commands {
            self.carry_out(command, now);
        }
        if let Some(t) = self.queue.next_wake(self.policy) {
            // A wake at or before now has just been served by this step.
            if t > now && self.ticks.insert(t) {
                self.at(t, Event::Tick);
            }
        }
    }

    fn carry_out(&mut self, command: Command, now: i64) {
        match command {
            Command::Answer { call_id } => self.at(now + CONNECT_MS, Event::Feed(Input::Answered { call_id })),
            Command::Hold { .. } => {}
            Command::Offer { call_id, offer_id, target, invitation_timeout_seconds, .. } => {
                let timeout_ms = i64::from(invitation_timeout_seconds) * 1000;
                let target = CommunicationIdentifier::from_raw_id(&target);
                self.worker_offers += u64::from(target.is_teams_user());
                self.dress(&target, now);
                let outcome = match decide(&self.emulator, &target, timeout_ms) {
                    Outcome::Answers { after_ms, .. } => (after_ms, OfferOutcome::Joined),
                    Outcome::Fails { after_ms, code, sub_code, .. } => {
                        (after_ms, OfferOutcome::from_result(code, sub_code))
                    }
                };
                let delay = outcome.0 + self.emulator.timing.event_delay_ms;
                let input = Input::OfferEnded { call_id, offer_id, outcome: outcome.1 };
                self.at(now + delay, Event::OfferResult { offer_id, input });
            }
            Command::Cancel { call_id, offer_id } => {
                self.withdrawn.insert(offer_id);
                let input = Input::OfferEnded { call_id, offer_id, outcome: OfferOutcome::Cancelled };
                self.at(now + CANCEL_MS, Event::Feed(input));
            }
            Command::Message { call_id, then_end, .. } => {
                let i = call_index(&call_id);
                self.at(now + MESSAGE_MS, Event::Feed(Input::MessagePlayed { call_id }));
                if then_end {
                    self.at(now + MESSAGE_MS + 1, Event::Hangup(i));
                }
            }
            Command::ReadPresence { .. } => self.at(now + GRAPH_MS, Event::PresenceRead),
            // Not in this policy (`redirectUnanswered` is off): the call would leave the queue.
            Command::Redirect { call_id, .. } => {
                let i = call_index(&call_id);
                self.gone[i] = true;
            }
        }
    }

    /// Sets what the offered person will do, by their presence now and a roll of the dice, so
    /// the emulator's Teams rules give the outcome and its result code.
    fn dress(&mut self, target: &CommunicationIdentifier, now: i64) {
        let raw = target.raw_id();
        if let Some(a) = self.emulator.agents.iter_mut().find(|a| a.id == raw.as_str()) {
            a.behavior = Behavior { answer_after_ms: Some(self.rng.between(700, 1_300)), ..Behavior::default() };
            return;
        }
        let Some(w) = self.emulator.teams.iter().position(|t| raw.as_str().ends_with(&t.object_id)) else { return };
        let presence = self.world.presence_at(w, now);
        let factor = self.world.reluctance[w];
        let (decline, no_answer) = match presence {
            Presence::Available => (self.p.decline * factor, self.p.no_answer * factor),
            Presence::Away => (0.05, 0.75),
            Presence::Busy | Presence::DoNotDisturb => (0.6, 0.3),
            Presence::Offline => (0.0, 0.0), // the emulator fails the invitation (480)
        };
        let x = self.rng.unit();
        let answer_ms = (self.p.worker_answer_s * 1000.0 * (0.4 * normal(&mut self.rng)).exp()) as i64;
        let user = &mut self.emulator.teams[w];
        user.presence = presence;
        user.behavior = Behavior {
            decline: x < decline,
            never_answer: x >= decline && x < decline + no_answer,
            answer_after_ms: Some(answer_ms.max(1_000)),
            ..Behavior::default()
        };
    }

    fn report(&self, overflow: bool) -> (RunReport, Vec<u32>) {
        let arrived = self.world.calls.len() as u64;
        let mut waits: Vec<i64> = Vec::new();
        let (mut by_workers, mut lost) = (0u64, 0u64);
        for e in &self.ended {
            match e {
                Some(Ended::Answered { by_worker, waited_ms }) => {
                    waits.push(*waited_ms);
                    by_workers += u64::from(*by_worker);
                }
                Some(_) => {}
                None => lost += 1,
            }
        }
        // A caller who hung up during the fallback message is, for the queue, a call the
        // fallback ended; for the service level they abandoned.
        let abandoned = self
            .hung_up
            .iter()
            .zip(&self.ended)
            .filter(|(h, e)| **h && matches!(e, Some(Ended::Abandoned | Ended::Other)))
            .count() as u64;
        waits.sort_unstable();
        let answered = waits.len() as u64;
        let in_time = waits.iter().filter(|&&w| w <= ANSWER_WITHIN_S * 1000).count() as f64;
        let secs = |ms: f64| (ms / 100.0).round() / 10.0;
        let share = |x: f64, of: f64| if of > 0.0 { (x / of * 10_000.0).round() / 10_000.0 } else { 0.0 };
        let stats = &self.queue.stats;
        let report = RunReport {
            service_level: share(in_time, arrived as f64),
            avg_wait_s: if waits.is_empty() {
                0.0
            } else {
                secs(waits.iter().sum::<i64>() as f64 / waits.len() as f64)
            },
            p95_wait_s: waits.get((waits.len() * 95).div_ceil(100).saturating_sub(1)).map_or(0.0, |&w| secs(w as f64)),
            abandoned,
            knowledge_worker_share: overflow.then(|| share(by_workers as f64, answered as f64)),
            arrived,
            answered,
            offers: self.worker_offers,
            declined: stats.declined,
            timed_out: stats.timed_out,
            refused: stats.refused,
            fallbacks: stats.fallbacks,
            lost_calls: lost,
            double_offers: self.audit,
            drained_s: secs(self.last_end as f64),
        };
        (report, self.series.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default model at two fifths of the scale (a faster test).
    fn small(seed: u64) -> Params {
        Params { calls: 200, agents: 8, knowledge_workers: 12, seed, ..Params::default() }
    }

    #[test]
    fn the_same_seed_gives_the_same_report_and_another_seed_other_numbers() {
        let a = run(&small(7));
        assert_eq!(a, run(&small(7)));
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&run(&small(7))).unwrap());
        let b = run(&small(8));
        assert_ne!((a.off.clone(), a.on.clone()), (b.off, b.on));
        assert_ne!(a.series, b.series);
    }

    #[test]
    fn no_call_is_lost_or_double_offered_and_overflow_beats_no_overflow() {
        for seed in [1, 2, 3] {
            let r = run(&small(seed));
            assert_eq!((r.lost_calls, r.double_offers), (0, 0), "seed {seed}");
            assert_eq!(r.off.offers, 0, "overflow off offers nobody");
            assert_eq!(r.off.knowledge_worker_share, None);
            assert!(r.on.knowledge_worker_share.unwrap() > 0.0);
            for run in [&r.off, &r.on] {
                assert_eq!(run.arrived, 200);
                assert_eq!(run.answered + run.abandoned, 200, "each call answered or abandoned: {run:?}");
            }
            assert!(r.on.service_level > r.off.service_level, "seed {seed}: {:?} vs {:?}", r.on, r.off);
            // Ideal knowledge workers: Available ones answer every offer; what still fails are
            // offers to those whose presence changed since it was read (Away, a meeting).
            let ideal = &r.ideal_workers;
            assert_eq!(ideal.arrived, 200);
            assert!(ideal.declined + ideal.timed_out < r.on.declined + r.on.timed_out, "{ideal:?} vs {:?}", r.on);
            assert!(ideal.knowledge_worker_share.unwrap() > 0.0);
            assert_eq!(r.series.off.len(), r.series.on.len());
            assert_eq!(*r.series.on.last().unwrap(), 0, "drained");
        }
    }

    #[test]
    fn staffing_rows_agree_with_single_runs_and_more_people_help() {
        let seeds = [1, 2, 3];
        let table = staffing(&small(1), &[4, 12, 24], &seeds);
        assert_eq!(table.seeds, seeds);
        let rows = table.rows;
        assert_eq!(rows.iter().map(|r| r.knowledge_workers).collect::<Vec<_>>(), [4, 12, 24]);
        // The row for the model's own head count is made of the runs `run` gives.
        let gains: Vec<f64> = seeds
            .iter()
            .map(|&seed| {
                let r = run(&small(seed));
                round1((r.on.service_level - r.off.service_level) * 100.0)
            })
            .collect();
        let row = &rows[1];
        assert_eq!(row.gain_min, gains.iter().copied().fold(f64::INFINITY, f64::min));
        assert_eq!(row.gain_max, gains.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        assert!(gains.contains(&row.gain_median) && row.gain_min <= row.gain_median && row.gain_median <= row.gain_max);
        for r in &rows {
            assert_eq!(r.lost_or_double, 0, "{r:?}");
        }
        // Six times the people, far more gain and a far larger share taken by them.
        assert!(rows[2].gain_median > rows[0].gain_median + 5.0, "{rows:?}");
        assert!(rows[2].knowledge_worker_share > rows[0].knowledge_worker_share, "{rows:?}");
    }

    #[test]
    fn distributions_have_the_means_they_are_given() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let mean = |xs: Vec<i64>| xs.iter().sum::<i64>() as f64 / n as f64;
        let e = mean((0..n).map(|_| exponential(&mut rng, 90_000.0)).collect());
        assert!((e - 90_000.0).abs() < 3_000.0, "{e}");
        let l = mean((0..n).map(|_| lognormal(&mut rng, 40_000.0, 0.5)).collect());
        assert!((l - 40_000.0).abs() < 1_000.0, "{l}");
        let mix = Params::default().presence;
        let avail = (0..n).filter(|_| draw_presence(&mut rng, &mix) == Presence::Available).count();
        assert!((10_500..11_500).contains(&avail), "{avail}");
    }
}
