//! ACS in a box: a sans-IO Call Automation emulator with Teams interop (feature `emulator`).
//!
//! It takes HTTP requests and clock readings and returns HTTP responses and callbacks to
//! deliver; the host (a Node server, a test, the browser) does the I/O. Built on the same wire
//! model as the core: the operation table routes requests, the typed bodies and schemas check
//! them, the HMAC verifier authenticates them. Deterministic: a virtual clock and a seed, so the
//! same script gives the same log byte for byte.
//!
//! Teams behaviour follows the docs (SPEC §2.6, §5.3): no public recording of a Teams-interop
//! call exists (SPEC §9), so result codes the sources do not give are chosen and listed in
//! [`teams`].

mod calls;
pub mod config;
mod control;
mod events;
pub mod faults;
pub mod jwt;
mod log;
mod media;
mod recording;
pub mod rng;
mod router;
pub mod simulation;
pub mod teams;

use std::collections::BTreeMap;

use serde::Serialize;

pub use config::{EntraApp, WorldConfig, DEV_ACCESS_KEY, DEV_RESOURCE_ID};
pub use log::LogEntry;

use calls::Call;
use faults::FaultDice;
use jwt::TokenSigner;
use rng::Rng;

/// An HTTP request as the host received it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Method, upper case.
    pub method: String,
    /// Path and query, percent-encoded as received.
    pub path: String,
    /// Headers (any casing).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// A header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The HTTP response to send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body (JSON text or empty).
    pub body: String,
    /// Callbacks the host must deliver *before* sending this response (fault injection).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deliver_first: Vec<Delivery>,
}

impl Response {
    fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_string(body).unwrap_or_default(),
            deliver_first: Vec::new(),
        }
    }

    /// A typed body, serialised once.
    fn typed<T: Serialize>(status: u16, body: &T) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_string(body).unwrap_or_default(),
            deliver_first: Vec::new(),
        }
    }

    fn empty(status: u16) -> Self {
        Self { status, ..Self::default() }
    }

    /// An ACS `CommunicationErrorResponse`.
    fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(status, &serde_json::json!({"error": {"code": code, "message": message}}))
    }

    /// A 400 about one field of the request: `target` names it, as ACS's errors do.
    /// With no field to name (text that is not JSON at all) there is no `target`.
    fn bad_field(code: &str, field: &str, message: &str) -> Self {
        if field.is_empty() {
            return Self::json(400, &serde_json::json!({"error": {"code": code, "message": message}}));
        }
        Self::json(400, &serde_json::json!({"error": {"code": code, "message": message, "target": field}}))
    }
}

/// What a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeliveryKind {
    /// A mid-call callback (CloudEvents array, Bearer JWT).
    Callback,
    /// An Event Grid event (IncomingCall).
    EventGrid,
    /// The Event Grid subscription validation handshake.
    Validation,
}

/// A request the host must make (a callback, an Event Grid event, a validation handshake).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Delivery id (report the outcome with [`Emulator::delivered`]).
    pub id: u64,
    /// When it is due (virtual ms).
    pub due: i64,
    /// Callback, Event Grid or validation.
    pub kind: DeliveryKind,
    /// `POST` (or `OPTIONS` for the CloudEvents validation handshake).
    pub method: String,
    /// Where to send it.
    pub url: String,
    /// Headers to send (the callback JWT is added by [`Emulator::authorization`]).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: String,
    /// The event type (`Microsoft.Communication.CallConnected`).
    pub event_type: String,
    /// The event id (duplicated deliveries share it).
    pub event_id: String,
}

/// A scheduled step of the simulation.
#[derive(Clone, Debug)]
enum Job {
    Connect { call: String },
    Answer { call: String, invitation: String },
    InviteFails { call: String, invitation: String, code: i32, sub_code: i32, message: String },
    Leave { call: String, raw_id: String },
    MediaDone { call: String, op: u64 },
    MediaStarted { call: String, op: u64 },
    RecordingActive { recording: String },
    OfferExpires { context: String },
    RedirectRings { offer: Box<calls::Offer>, target: Box<crate::CommunicationIdentifier> },
    EventGridRetry { delivery: Box<Delivery>, attempt: u32 },
}

impl Job {
    /// Whether the step calls the app back (an offer expiring, a redirected call ringing and an
    /// Event Grid retry do not).
    fn calls_back(&self) -> bool {
        !matches!(self, Job::OfferExpires { .. } | Job::RedirectRings { .. } | Job::EventGridRetry { .. })
    }
}

/// Event Grid subscription state.
#[derive(Clone, Debug, Default)]
struct EventGrid {
    validated: bool,
    validation_code: Option<String>,
    waiting: Vec<Delivery>,
}

/// The emulator. One instance is one ACS resource.
pub struct Emulator {
    world: WorldConfig,
    key: Vec<u8>,
    signer: std::sync::OnceLock<TokenSigner>,
    origin: String,
    rng: Rng,
    dice: FaultDice,
    now: i64,
    clock_offset: i64,
    seq: u64,
    calls: BTreeMap<String, Call>,
    offers: BTreeMap<String, calls::Offer>,
    recordings: BTreeMap<String, recording::Recording>,
    repeat: BTreeMap<String, (String, Response)>,
    jobs: BTreeMap<(i64, u64), Job>,
    outbox: BTreeMap<(i64, u64), (Delivery, u32)>,
    inflight: BTreeMap<u64, (Delivery, u32)>,
    event_grid: EventGrid,
    sightings: Vec<teams::Sighting>,
    log: Vec<LogEntry>,
    /// Deliveries caused by the request being handled (for the before-response fault).
    fresh: Vec<(i64, u64)>,
    /// Jobs scheduled by the request being handled (for the before-response fault).
    fresh_jobs: Vec<(i64, u64)>,
    /// Graph tokens the emulated identity platform issued, with their expiry (virtual ms).
    graph_tokens: Vec<(String, i64)>,
}

impl Emulator {
    /// An emulator for `world`, reachable at `origin` (e.g. `http://127.0.0.1:8788`; used in
    /// `nextLink`s, the OpenID configuration and validation URLs).
    pub fn new(world: WorldConfig, origin: &str) -> Result<Self, String> {
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD
            .decode(&world.resource.access_key)
            .map_err(|_| "resource.accessKey is not Base64".to_owned())?;
        let seed = world.seed;
        let fault_seed = world.faults.seed.unwrap_or(seed);
        Ok(Self {
            key,
            signer: std::sync::OnceLock::new(),
            origin: origin.trim_end_matches('/').to_owned(),
            rng: Rng::new(seed),
            dice: FaultDice::new(fault_seed),
            now: 0,
            clock_offset: 0,
            seq: 0,
            calls: BTreeMap::new(),
            offers: BTreeMap::new(),
            recordings: BTreeMap::new(),
            repeat: BTreeMap::new(),
            jobs: BTreeMap::new(),
            outbox: BTreeMap::new(),
            inflight: BTreeMap::new(),
            event_grid: EventGrid::default(),
            sightings: Vec::new(),
            log: Vec::new(),
            fresh: Vec::new(),
            fresh_jobs: Vec::new(),
            graph_tokens: Vec::new(),
            world,
        })
    }

    /// The connection string clients use for this emulator.
    pub fn connection_string(&self) -> String {
        format!("endpoint={}/;accesskey={}", self.origin, self.world.resource.access_key)
    }

    /// The world as configured (and changed through the control API).
    pub fn world(&self) -> &WorldConfig {
        &self.world
    }

    /// Every request, response, callback and delivery so far.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// How often each injected fault fired.
    pub fn fault_counts(&self) -> &BTreeMap<&'static str, u64> {
        &self.dice.counts
    }

    /// The token signer, built on first use (parsing the RSA key costs more than a whole
    /// simulated call).
    fn signer(&self) -> &TokenSigner {
        self.signer.get_or_init(TokenSigner::dev)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn tick_clock(&mut self, host_now: i64) {
        self.now = self.now.max(host_now + self.clock_offset);
    }

    /// Handles one HTTP request at `now` (host milliseconds).
    pub fn handle(&mut self, req: &Request, now: i64) -> Response {
        self.tick_clock(now);
        self.fresh.clear();
        self.fresh_jobs.clear();
        let mut res = router::route(self, req);
        let step = self.fresh_jobs.iter().copied().filter(|k| self.jobs.get(k).is_some_and(Job::calls_back)).min();
        if (!self.fresh.is_empty() || step.is_some()) && self.dice.before_response(&self.world.faults.callbacks) {
            if self.fresh.is_empty() {
                // The first callback comes from a step the request scheduled (the invitee answers,
                // the call connects): the service takes it at once, so its callback overtakes the
                // response.
                if let Some(job) = step.and_then(|k| self.jobs.remove(&k)) {
                    self.run_job(self.now, job);
                }
            }
            // Deliver the first callback this request caused before the response.
            if let Some(&first) = self.fresh.first() {
                if let Some((d, _)) = self.outbox.remove(&first) {
                    self.log_delivery(&d, "before response");
                    res.deliver_first.push(d);
                }
            }
        }
        res
    }

    /// The next time something is due (a job or a delivery), if any.
    pub fn next_due(&self) -> Option<i64> {
        let job = self.jobs.keys().next().map(|k| k.0);
        let out = self.outbox.keys().next().map(|k| k.0);
        match (job, out) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the simulation up to `now` and returns the callbacks due, in due order.
    pub fn advance(&mut self, now: i64) -> Vec<Delivery> {
        self.tick_clock(now);
        // Only a request's own effects count for the before-response fault.
        self.fresh.clear();
        self.fresh_jobs.clear();
        let mut out = Vec::new();
        loop {
            let job_at = self.jobs.keys().next().copied().filter(|k| k.0 <= self.now);
            let del_at = self.outbox.keys().next().copied().filter(|k| k.0 <= self.now);
            match (job_at, del_at) {
                (Some(j), Some(d)) if d < j => out.push(self.take_delivery(d)),
                (Some(j), _) => {
                    if let Some(job) = self.jobs.remove(&j) {
                        self.run_job(j.0, job);
                    }
                }
                (None, Some(d)) => out.push(self.take_delivery(d)),
                (None, None) => break,
            }
        }
        out
    }

    fn take_delivery(&mut self, key: (i64, u64)) -> Delivery {
        let (d, attempt) = self.outbox.remove(&key).unwrap_or_else(|| unreachable!("key taken from the map"));
        self.log_delivery(&d, "");
        if d.kind != DeliveryKind::Callback {
            self.inflight.insert(d.id, (d.clone(), attempt));
        }
        d
    }

    /// The `Authorization` header of a callback (a fresh RS256 JWT, 5-minute lifetime).
    pub fn authorization(&self, delivery: &Delivery) -> Option<String> {
        (delivery.kind == DeliveryKind::Callback).then(|| {
            let token = self.signer().token(
                &self.world.resource.immutable_resource_id,
                delivery.due.div_euclid(1000),
                &delivery.event_id,
            );
            format!("Bearer {token}")
        })
    }

    /// Reports how a delivery went (status and response body), at `now`. Completes the Event
    /// Grid validation handshake; failed Event Grid deliveries are retried with back-off.
    pub fn delivered(&mut self, id: u64, status: u16, body: &str, now: i64) {
        self.tick_clock(now);
        let Some((d, attempt)) = self.inflight.remove(&id) else { return };
        self.push_log(LogEntry {
            kind: "deliveryResult",
            status: Some(status),
            delivery_id: Some(id),
            event_type: Some(d.event_type.clone()),
            url: Some(d.url.clone()),
            ..LogEntry::default()
        });
        let ok = (200..300).contains(&status);
        match d.kind {
            DeliveryKind::Validation => {
                let code = self.event_grid.validation_code.clone().unwrap_or_default();
                let answered = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("validationResponse").and_then(|c| c.as_str()).map(str::to_owned));
                // The CloudEvents handshake (OPTIONS) carries no code: a 2xx allows the origin.
                if ok && (d.method == "OPTIONS" || answered.as_deref() == Some(code.as_str())) {
                    self.validate_event_grid();
                }
            }
            DeliveryKind::EventGrid if !ok && attempt < 3 => {
                let at = self.now + 2_000 * (1 << attempt);
                self.schedule(at, Job::EventGridRetry { delivery: Box::new(d), attempt: attempt + 1 });
            }
            _ => {}
        }
    }

    fn validate_event_grid(&mut self) {
        if self.event_grid.validated {
            return;
        }
        self.event_grid.validated = true;
        let waiting = std::mem::take(&mut self.event_grid.waiting);
        for mut d in waiting {
            d.due = self.now;
            self.queue_delivery(d, false);
        }
    }

    fn schedule(&mut self, at: i64, job: Job) {
        let key = (at.max(self.now), self.next_seq());
        self.fresh_jobs.push(key);
        self.jobs.insert(key, job);
    }

    /// Queues a delivery, through the callback faults when `faults` is set.
    fn queue_delivery(&mut self, d: Delivery, faults: bool) {
        let times = if faults { self.dice.callback(&self.world.faults.callbacks, d.due) } else { vec![d.due] };
        let last = times.len().saturating_sub(1);
        let mut d = Some(d);
        for (i, at) in times.into_iter().enumerate() {
            // The last copy takes the original (no clone in the common single-delivery case).
            let mut copy = if i == last {
                d.take().unwrap_or_else(|| unreachable!())
            } else {
                d.clone().unwrap_or_else(|| unreachable!())
            };
            copy.id = self.next_seq();
            copy.due = at;
            let key = (at, copy.id);
            self.fresh.push(key);
            self.outbox.insert(key, (copy, 0));
        }
    }

    fn run_job(&mut self, at: i64, job: Job) {
        match job {
            Job::Connect { call } => calls::connect(self, &call, at),
            Job::Answer { call, invitation } => calls::answer_invitation(self, &call, &invitation, at),
            Job::InviteFails { call, invitation, code, sub_code, message } => {
                calls::fail_invitation(self, &call, &invitation, code, sub_code, &message, at)
            }
            Job::Leave { call, raw_id } => calls::leave(self, &call, &raw_id, at),
            Job::MediaStarted { call, op } => media::started(self, &call, op, at),
            Job::MediaDone { call, op } => media::done(self, &call, op, at),
            Job::RecordingActive { recording } => recording::activate(self, &recording, at),
            Job::OfferExpires { context } => calls::expire_offer(self, &context, at),
            Job::RedirectRings { offer, target } => calls::redirect_rings(self, *offer, *target, at),
            Job::EventGridRetry { mut delivery, attempt } => {
                delivery.due = at;
                let key = (at, self.next_seq());
                delivery.id = key.1;
                self.outbox.insert(key, (*delivery, attempt));
            }
        }
    }

    fn push_log(&mut self, mut e: LogEntry) {
        e.seq = self.log.len() as u64 + 1;
        e.at = self.now;
        self.log.push(e);
    }

    fn log_delivery(&mut self, d: &Delivery, note: &str) {
        let body = Some(log::RawJson::trusted(d.body.clone()));
        self.push_log(LogEntry {
            kind: match d.kind {
                DeliveryKind::Callback => "callback",
                DeliveryKind::EventGrid => "eventGrid",
                DeliveryKind::Validation => "validation",
            },
            delivery_id: Some(d.id),
            url: Some(d.url.clone()),
            event_type: Some(d.event_type.clone()),
            event_id: Some(d.event_id.clone()),
            body,
            note: (!note.is_empty()).then(|| note.to_owned()),
            ..LogEntry::default()
        });
    }
}
