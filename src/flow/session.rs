//! `CallSession`: everything one call's Durable Object knows and decides, as a sans-IO state
//! machine. Inputs: an incoming offer, an agent's command, an ACS answer to a sent request, a
//! batch of callbacks — each with `now` (and randomness where ids are made). Outputs: outbox
//! entries to send, messages to push to consoles, log records to append, the call's summary for
//! the tenant's list. The Durable Object stores the session and executes the outputs.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::consult::{Consultation, Phase};
use super::outbox::{OutboxEntry, Purpose};
use crate::api::{AgentCommand, ApiError, CommandRequest, InviteOptions};
use crate::auth::uuid_v4;
use crate::call::{Action, Applied, CallState, CommandResponse, ParticipantStatus, RecordingStatus, OUTCOME_GRACE_MS};
use crate::events::{Event, EventData};
use crate::tenant::{OnAgentHangup, Policy, RouteAction};
use crate::RawId;

/// An outbox entry still there this long after it was decided was stranded (the Worker
/// stopped mid-send): the alarm sends it again, with its Repeatability key.
pub const RESEND_AFTER_MS: i64 = 30_000;

/// How long after it was decided a workflow's request — routing (answer), the queue's steps, a
/// consultation's — is sent again while ACS fails it (no answer, 429, 5xx, after the retries
/// of one attempt): an outage of seconds must not strand a call, leave hold music playing
/// under a conversation or lose a consultation. An agent's own request is answered with the
/// failure instead; they may send it again.
pub const KEEP_TRYING_MS: i64 = 60_000;

/// Between those attempts.
pub const TRY_AGAIN_AFTER_MS: i64 = 5_000;

/// The least time between two checks of a call against ACS.
pub const RECHECK_AFTER_MS: i64 = 10_000;

/// Per-input facts from outside: the time and fresh randomness (for Repeatability ids).
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// Unix ms.
    pub now: i64,
    /// 16 random bytes.
    pub random: [u8; 16],
    /// Who acts (an agent id), if anyone.
    pub by: Option<&'a str>,
}

/// What the edge must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Send the outbox entry with this id (then report with [`CallSession::sent`]).
    Send(u64),
    /// Push this message to every console watching the call.
    Push(Value),
    /// Append this record to the call's log.
    Log(LogRecord),
    /// Tell the tenant's queue (peak overflow) what happened to this call; its answer is
    /// commands for calls, this one's fed back with [`CallSession::queue_command`].
    Queue(crate::overflow::Input),
}

/// One line of a call's audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord {
    /// Order within the call.
    pub seq: u64,
    /// Unix ms.
    pub at: i64,
    /// `offer`, `command`, `sent`, `callback`, `workflow`.
    pub kind: String,
    /// What happened.
    pub detail: Value,
}

/// Which way the call started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// A customer called in (Event Grid IncomingCall).
    Inbound,
    /// The agent placed it (createCall).
    Outbound,
}

/// A line of the tenant's call list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSummary {
    /// Our call id.
    pub call_id: String,
    /// Which way.
    pub direction: Direction,
    /// When it began (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// `connecting`, `connected`, `disconnected`, `offered`, ...
    pub connection_state: String,
    /// The customer or callee (raw id).
    pub counterpart: Option<String>,
    /// People in the call now.
    pub participants_connected: usize,
    /// Ended.
    pub ended: bool,
    /// ACS's id of the call connection, once known: what ACS's logs and support name the call by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// ACS's correlation id of the call, once known (Azure Monitor logs, support requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// One call, as its Durable Object holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSession {
    /// Tenant id.
    pub tenant: String,
    /// Our call id.
    pub call_id: String,
    /// Where ACS posts this call's events.
    pub callback_uri: String,
    /// Which way.
    pub direction: Direction,
    /// When it began.
    pub created_at: i64,
    /// Last input time.
    pub updated_at: i64,
    /// The call's truth.
    pub state: CallState,
    /// Expert consultations, oldest first.
    pub consultations: Vec<Consultation>,
    /// Requests decided and not concluded.
    pub outbox: Vec<OutboxEntry>,
    /// Call policy (from the tenant at creation).
    pub policy: Policy,
    /// The tenant's agents' ACS identities (the hang-up policy watches them).
    pub agent_raw_ids: Vec<RawId>,
    /// The hang-up policy has acted.
    pub agent_hangup_handled: bool,
    /// Callback tokens already used (`jti`, `exp` in Unix s), kept until they expire: a token
    /// is good for one delivery.
    #[serde(default)]
    pub seen_tokens: Vec<(String, i64)>,
    /// The last input that was not a check of the call (Unix ms): the quiet period counts
    /// from it.
    #[serde(default)]
    pub activity_at: i64,
    /// When the call was last checked against ACS (Unix ms).
    #[serde(default)]
    pub checked_at: Option<i64>,
    /// Checks since the last activity that taught nothing: each doubles the wait for the
    /// next quiet check (up to 16 times the quiet period), so a long quiet call costs little.
    #[serde(default)]
    pub idle_checks: u32,
    /// The call's place in the tenant queue, when routing put it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<super::queue_leg::QueueLeg>,
    /// The agents (raw ids) the queue was told are in this call: not free for queue calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents_told: Vec<String>,
    next_entry: u64,
    next_log: u64,
    next_context: u64,
}

/// How a command's sends turned out, for the agent's HTTP answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    /// REST operation.
    pub operation: String,
    /// Its context.
    pub operation_context: Option<String>,
    /// ACS's status (0: no answer).
    pub status: u16,
    /// ACS's body (JSON, or null).
    pub body: Value,
}

impl CallSession {
    /// A new session.
    pub fn new(
        tenant: &str,
        call_id: &str,
        callback_uri: &str,
        direction: Direction,
        policy: Policy,
        agent_raw_ids: Vec<RawId>,
        now: i64,
    ) -> Self {
        Self {
            tenant: tenant.to_owned(),
            call_id: call_id.to_owned(),
            callback_uri: callback_uri.to_owned(),
            direction,
            created_at: now,
            updated_at: now,
            state: CallState::new(),
            consultations: Vec::new(),
            outbox: Vec::new(),
            policy,
            agent_raw_ids,
            agent_hangup_handled: false,
            seen_tokens: Vec::new(),
            activity_at: now,
            checked_at: None,
            idle_checks: 0,
            queue: None,
            agents_told: Vec::new(),
            next_entry: 1,
            next_log: 1,
            next_context: 1,
        }
    }

    /// An IncomingCall for this call, and what routing decided. Answer, redirect and reject are
    /// sent at once; an offer waits for an agent (pushed to consoles).
    pub fn offer(&mut self, incoming: &Event, route: &RouteAction, ctx: Ctx<'_>) -> Vec<Output> {
        let mut out = Vec::new();
        self.updated_at = ctx.now;
        if matches!(self.state.apply(incoming), Applied::Duplicate) {
            return out;
        }
        self.active(ctx.now);
        let (from, to) = match &incoming.data {
            EventData::IncomingCall(c) => (c.from.raw_id().to_string(), c.to.raw_id().to_string()),
            _ => (String::new(), String::new()),
        };
        let route_name = match route {
            RouteAction::Answer => "answer",
            RouteAction::Offer => "offer",
            RouteAction::Redirect(_) => "redirect",
            RouteAction::Reject => "reject",
            RouteAction::Queue => "queue",
        };
        out.push(self.log(
            ctx.now,
            "offer",
            json!({"from": from, "to": to, "route": route_name, "event": serde_json::from_str::<Value>(incoming.raw_json()).unwrap_or(Value::Null)}),
        ));
        let planned = match route {
            RouteAction::Answer => self.answer_params(),
            RouteAction::Redirect(target) => self.offer_params("redirectCall", json!({"target": target})),
            RouteAction::Reject => self.offer_params("rejectCall", json!({})),
            // The tenant's queue decides (answer, or redirect before answer): see `queue_command`.
            RouteAction::Offer | RouteAction::Queue => None,
        };
        if let Some((op, params)) = planned {
            let ctx_name = (op == "answerCall").then(|| "answer".to_owned());
            let action = Action::from_members(op, &params).unwrap_or_default();
            self.state.record_command(&action, ctx_name.as_deref(), Some(ctx.now), Some("routing"));
            out.extend(self.enqueue(op, params, ctx_name, Purpose::Routing, ctx, 0));
        }
        if *route == RouteAction::Queue {
            out.extend(self.enter_queue(Some(from)));
        }
        out.push(self.push_snapshot("offer"));
        out
    }

    /// An agent's command: checked by the capability rules (409 and nothing sent when refused),
    /// then written to the outbox. Returns the entry ids the agent's answer waits for.
    pub fn command(&mut self, req: CommandRequest, ctx: Ctx<'_>) -> Result<(Vec<u64>, Vec<Output>), ApiError> {
        self.updated_at = ctx.now;
        if let (AgentCommand::Hangup, Some(refused)) = (&req.command, self.queue_leg_needed()) {
            return Err(refused);
        }
        if let Some(c) = &req.operation_context {
            self.check_agent_context(c)?;
        }
        let context = req.operation_context.clone().unwrap_or_else(|| self.new_context());
        let plan =
            self.plan(&req.command, &context).map_err(|e| self.refusal_before_plan(&req.command).unwrap_or(e))?;
        // Check everything before sending anything: a refused second participant must not leave
        // the first one invited.
        let mut actions = Vec::new();
        for (op, params, _) in &plan {
            let action = Action::from_members(op, params).map_err(ApiError::invalid)?;
            if let Err(refusal) = self.state.can(&action) {
                return Err(ApiError::new(409, "refused_by_rule", refusal.reason.clone())
                    .detail(json!({"rule": refusal.rule, "operation": op})));
            }
            check_params(op, params)?;
            actions.push(action);
        }
        self.active(ctx.now);
        let mut out = vec![self.log(
            ctx.now,
            "command",
            json!({"by": ctx.by, "command": super::plan::command_name(&req.command), "operationContext": context}),
        )];
        if let AgentCommand::Consult { expert, invite, greeting_url, record } = &req.command {
            let record = record.unwrap_or(self.policy.record_consultations) && !self.recording_running();
            self.consultations.push(Consultation {
                id: context.clone(),
                expert: expert.clone(),
                source_display_name: invite
                    .source_display_name
                    .clone()
                    .or_else(|| self.policy.source_display_name.clone()),
                invitation_timeout_in_seconds: invite.invitation_timeout_in_seconds,
                greeting_url: greeting_url.clone().or_else(|| self.policy.greeting_url.clone()),
                record,
                phase: if record { Phase::Recording } else { Phase::Inviting },
                requested_by: ctx.by.map(str::to_owned),
                requested_at: ctx.now,
                joined_at: None,
                left_at: None,
                result: None,
                greeted: false,
            });
        }
        let mut ids = Vec::new();
        for (i, ((op, params, op_ctx), action)) in plan.into_iter().zip(actions).enumerate() {
            self.state.record_command(&action, op_ctx.as_deref(), Some(ctx.now), ctx.by);
            let before = out.len();
            out.extend(self.enqueue(op, params, op_ctx, Purpose::Agent, ctx, i as u8));
            if let Some(Output::Send(id)) = out[before..].iter().find(|o| matches!(o, Output::Send(_))) {
                ids.push(*id);
            }
        }
        if let Some(c) = self.consultations.last().filter(|_| matches!(req.command, AgentCommand::Consult { .. })) {
            out.push(json_push("consultation", json!({"consultation": c})));
        }
        Ok((ids, out))
    }

    /// ACS answered entry `id` (finally: after retries). Records what the answer taught and
    /// runs the workflow's next step.
    pub fn sent(&mut self, id: u64, status: u16, body: &str, ctx: Ctx<'_>) -> (Option<Sent>, Vec<Output>) {
        self.updated_at = ctx.now;
        let Some(pos) = self.outbox.iter().position(|e| e.id == id) else { return (None, Vec::new()) };
        let mut out = Vec::new();
        let unavailable = matches!(status, 0 | 408 | 429 | 500..=599);
        let entry = &mut self.outbox[pos];
        // Sent again by the alarm — not before ACS's Retry-After, when it gave a later one
        // (`Self::retry_after`) — while that is within KEEP_TRYING_MS of the decision.
        let retry_at = (ctx.now + TRY_AGAIN_AFTER_MS).max(entry.retry_at.unwrap_or(0));
        if unavailable
            && matches!(entry.purpose, Purpose::Routing | Purpose::Workflow)
            && ctx.now - entry.first_sent < KEEP_TRYING_MS
            && retry_at - entry.first_sent <= KEEP_TRYING_MS + TRY_AGAIN_AFTER_MS
        {
            // Kept, with the same Repeatability key.
            entry.retry_at = Some(retry_at);
            let detail = json!({"retry": {"entryId": entry.id, "operation": entry.operation, "operationContext": entry.operation_context, "status": status, "attempts": entry.attempts, "retryAt": retry_at}});
            out.push(self.log(ctx.now, "workflow", detail));
            return (None, out);
        }
        let entry = self.outbox.remove(pos);
        let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let outcome = CommandResponse::from_http(&entry.operation, status, body, Some(ctx.now)).ok().flatten();
        let agents_before = self.agents_connected();
        let changes = match &outcome {
            Some(o) => self.state.record_response(entry.operation_context.as_deref(), o),
            None => Vec::new(),
        };
        if entry.purpose != Purpose::Reconcile {
            self.active(ctx.now);
        }
        out.push(self.log(
            ctx.now,
            "sent",
            json!({"entryId": entry.id, "operation": entry.operation, "operationContext": entry.operation_context, "status": status, "attempts": entry.attempts, "body": parsed, "purpose": entry.purpose}),
        ));
        let ok = (200..300).contains(&status);
        // The consultation's next step.
        let ctx_name = entry.operation_context.clone().unwrap_or_default();
        if let Some(i) =
            self.consultations.iter().position(|c| c.id == ctx_name || ctx_name == format!("{}-recording", c.id))
        {
            let c = &mut self.consultations[i];
            match (entry.operation.as_str(), c.phase) {
                ("startRecording", Phase::Recording) => {
                    c.phase = Phase::Inviting;
                    if !ok {
                        out.push(json_push("notice", json!({"message": format!("Recording could not start ({status}); inviting the expert anyway.")})));
                    }
                    let c = c.clone();
                    out.extend(self.invite_expert(&c, ctx));
                }
                ("addParticipant", Phase::Inviting) => {
                    let c = &mut self.consultations[i];
                    if ok {
                        c.phase = Phase::Ringing;
                    } else {
                        c.phase = Phase::Failed;
                        c.result = outcome.as_ref().and_then(|o| match o {
                            CommandResponse::Refused { result, .. } => Some(result.clone()),
                            _ => None,
                        });
                    }
                    c.refresh(&self.state);
                    out.push(json_push("consultation", json!({"consultation": self.consultations[i]})));
                }
                _ => {}
            }
        }
        out.extend(self.queue_sent(&entry.operation, entry.operation_context.as_deref(), status));
        let learned = entry.purpose == Purpose::Reconcile && !changes.is_empty();
        out.push(json_push(
            "command",
            json!({"operation": entry.operation, "operationContext": entry.operation_context, "status": status, "by": entry.by, "changes": changes, "snapshot": self.view()}),
        ));
        if learned {
            self.idle_checks = 0;
            // What a lost callback would have set off (a consultation's phase, the hang-up policy).
            out.extend(self.react(agents_before, ctx));
            out.extend(self.queue_react(&[], ctx));
        }
        // An answer may end the call (a 404: it is gone) or teach its roster (a read).
        out.extend(self.agents_for_queue());
        let sent =
            Sent { operation: entry.operation, operation_context: entry.operation_context, status, body: parsed };
        (Some(sent), out)
    }

    /// ACS asked for entry `id` not to be sent again before `at` (Unix ms; its `Retry-After`):
    /// heard before [`Self::sent`] folds the failure, for the entry if it is kept.
    pub fn retry_after(&mut self, id: u64, at: i64) {
        if let Some(e) = self.outbox.iter_mut().find(|e| e.id == id) {
            e.retry_at = Some(at);
        }
    }

    /// Notes another attempt at entry `id` (stored before sending, so a crash mid-send retries
    /// with the same key rather than forgetting it).
    pub fn attempt(&mut self, id: u64) -> Option<&OutboxEntry> {
        let e = self.outbox.iter_mut().find(|e| e.id == id)?;
        e.attempts += 1;
        Some(e)
    }

    /// A batch of callbacks for this call: folded in (duplicates by event id ignored), then the
    /// workflow reacts. Returns (applied, duplicates, outputs).
    pub fn callback(&mut self, events: &[Event], ctx: Ctx<'_>) -> (usize, usize, Vec<Output>) {
        self.updated_at = ctx.now;
        let mut out = Vec::new();
        let (mut applied, mut duplicates) = (0, 0);
        let mut changes = Vec::new();
        let mut flat = Vec::new();
        let mut folded = Vec::new();
        let agents_before = self.agents_connected();
        for e in events {
            match self.state.apply(e) {
                Applied::Duplicate => duplicates += 1,
                Applied::OtherCall => {
                    out.push(self.log(
                        ctx.now,
                        "callback",
                        json!({"ignored": "other call", "type": e.name(), "id": e.id}),
                    ));
                }
                a => {
                    applied += 1;
                    if let Applied::Applied { changes: c } = a {
                        changes.extend(c);
                    }
                    let mut text = String::new();
                    crate::events::to_flat_json(e, &mut text);
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    // The event as ACS sent it: a replica folds exactly what this state folded.
                    let raw: Value = serde_json::from_str(e.raw_json()).unwrap_or(Value::Null);
                    out.push(self.log(ctx.now, "callback", json!({"type": e.name(), "event": raw})));
                    flat.push(v);
                    folded.push(e);
                }
            }
        }
        if applied == 0 {
            return (applied, duplicates, out);
        }
        self.active(ctx.now);
        out.push(json_push("events", json!({"events": flat, "changes": changes, "snapshot": self.view()})));
        out.extend(self.react(agents_before, ctx));
        out.extend(self.queue_react(&folded, ctx));
        out.extend(self.agents_for_queue());
        (applied, duplicates, out)
    }

    /// Accepts a callback token's `jti` once: false when it was used before (a replay, with
    /// whatever body the replayer chose). Expired ids are forgotten — the token's own `exp`
    /// refuses them from then on.
    pub fn accept_token(&mut self, jti: &str, exp_s: i64, now_ms: i64) -> bool {
        let now_s = now_ms.div_euclid(1000);
        self.seen_tokens.retain(|(_, exp)| *exp + crate::auth::jwt::DEFAULT_SKEW_S >= now_s);
        if self.seen_tokens.iter().any(|(j, _)| j == jti) {
            return false;
        }
        self.seen_tokens.push((jti.to_owned(), exp_s));
        true
    }

    /// When the call next needs a check (Unix ms), for the Durable Object's alarm: an outbox
    /// entry left unanswered (a restart mid-send), an operation whose outcome event is overdue,
    /// or a live call quiet for the policy's `reconcileAfterSeconds` since it was last checked.
    pub fn next_check(&self) -> Option<i64> {
        let stranded = self.outbox.iter().map(OutboxEntry::resend_at).min();
        // While a read is out, the next one waits for its answer — or for it to be stranded:
        // `check` makes no read then, so a read due now would ring the alarm in a loop.
        let read = if self.reading() { None } else { self.read_due() };
        [read, stranded, self.state.offer_expires_at()].into_iter().flatten().min()
    }

    /// A read of the call (`getCall`, `getParticipants`, ...) is out, not yet answered.
    fn reading(&self) -> bool {
        self.outbox.iter().any(|e| e.purpose == Purpose::Reconcile)
    }

    /// Something happened on the call (not a check of it).
    fn active(&mut self, now: i64) {
        self.activity_at = now;
        self.idle_checks = 0;
    }

    /// When each awaited outcome is due: the pending operations' (an add's when its ringing
    /// ends), a pause or resume's, whose answer is the recording's next state, and a started
    /// recording's first state — also when its start was answered only after a resend (a
    /// restart lost the first answer and its events): it is read as soon as its id is known,
    /// up to three reads that teach nothing.
    fn outcomes_due(&self) -> impl Iterator<Item = i64> + '_ {
        let pending = self.state.pending.iter().map(|p| p.expires_at.or(p.sent_at).unwrap_or(self.activity_at));
        let toggle = self
            .state
            .recording
            .as_ref()
            .filter(|r| r.toggling.is_some())
            .map(|r| r.toggled_at.unwrap_or(self.activity_at));
        let starting = self
            .state
            .recording
            .as_ref()
            .filter(|r| r.status == RecordingStatus::Starting && r.recording_id.is_some() && self.idle_checks < 3)
            .map(|r| r.requested_at.unwrap_or(self.activity_at));
        pending.chain(toggle).chain(starting)
    }

    /// When the call should next be read from ACS (`None`: not while it is like this).
    fn read_due(&self) -> Option<i64> {
        if self.state.is_ended() || self.state.call_connection_id.is_none() {
            return None;
        }
        let overdue = self.outcomes_due().min();
        let mut due = overdue.map(|t| t + OUTCOME_GRACE_MS);
        let quiet = i64::from(self.policy.reconcile_after_seconds) * 1000;
        if quiet > 0 {
            let next = self.quiet_spread(quiet)
                + match self.checked_at.filter(|c| *c >= self.activity_at) {
                    Some(c) => c + (quiet << self.idle_checks.min(4)),
                    None => self.activity_at + quiet,
                };
            due = Some(due.map_or(next, |d| d.min(next)));
        }
        due.map(|d| d.max(self.checked_at.map_or(d, |c| c + RECHECK_AFTER_MS)))
    }

    /// Up to a tenth of the quiet period, fixed per call (FNV-1a of its callConnectionId):
    /// calls that went quiet together (a burst, a campaign) would otherwise be read from ACS in
    /// the same second, period after period. Derived from the call, so no randomness comes in.
    pub(crate) fn quiet_spread(&self, quiet: i64) -> i64 {
        let id = self.state.call_connection_id.as_deref().unwrap_or("");
        let h = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        quiet / 10 * (h % 1000) as i64 / 1000
    }

    /// The alarm rang: resends stranded outbox entries (same Repeatability key: ACS acts once)
    /// and, when due, reads the call from ACS (`getCall`, `getParticipants`, and the recording
    /// when there is one). Their answers are folded by [`CallSession::sent`] like any other.
    pub fn check(&mut self, ctx: Ctx<'_>) -> Vec<Output> {
        let mut out = Vec::new();
        // An offer nobody took in time is over: ACS says nothing more of it.
        if self.state.offer_expires_at().is_some_and(|t| t <= ctx.now) {
            self.state.expire_offer(ctx.now);
            self.updated_at = ctx.now;
            out.push(self.log(
                ctx.now,
                "workflow",
                json!({"expired": "the incoming call was not answered, redirected or rejected in time"}),
            ));
            out.extend(self.queue_react(&[], ctx));
            out.push(self.push_snapshot("expired"));
            return out;
        }
        let stranded: Vec<u64> = self.outbox.iter().filter(|e| e.resend_at() <= ctx.now).map(|e| e.id).collect();
        if !stranded.is_empty() {
            out.push(self.log(ctx.now, "workflow", json!({"resend": stranded})));
            out.extend(stranded.into_iter().map(Output::Send));
        }
        if self.reading() || self.read_due().is_none_or(|due| due > ctx.now) {
            return out;
        }
        let Ok(on_call) = self.on_call() else { return out };
        let overdue = self.outcomes_due().any(|t| t + OUTCOME_GRACE_MS <= ctx.now);
        self.checked_at = Some(ctx.now);
        self.idle_checks = self.idle_checks.saturating_add(1);
        out.push(self.log(ctx.now, "workflow", json!({"check": if overdue { "overdue" } else { "quiet" }})));
        out.extend(self.enqueue("getCall", on_call.clone(), None, Purpose::Reconcile, ctx, 10));
        out.extend(self.enqueue("getParticipants", on_call, None, Purpose::Reconcile, ctx, 11));
        let recording = self.state.recording.as_ref().filter(|r| {
            matches!(r.status, RecordingStatus::Starting | RecordingStatus::Active | RecordingStatus::Paused)
        });
        if let Some(id) = recording.and_then(|r| r.recording_id.clone()) {
            let mut p = Map::new();
            p.insert("recordingId".into(), json!(id));
            out.extend(self.enqueue("getRecordingProperties", p, None, Purpose::Reconcile, ctx, 12));
        }
        out
    }

    /// The view consoles get: the state snapshot plus this call's own facts.
    pub fn view(&self) -> Value {
        let mut v = serde_json::to_value(self.state.snapshot()).unwrap_or_else(|_| json!({}));
        if let Some(m) = v.as_object_mut() {
            m.insert("callId".into(), json!(self.call_id));
            m.insert("tenant".into(), json!(self.tenant));
            m.insert("direction".into(), json!(self.direction));
            m.insert("createdAt".into(), json!(self.created_at));
            m.insert("updatedAt".into(), json!(self.updated_at));
            m.insert("consultations".into(), json!(self.consultations));
            m.insert("outbox".into(), json!(self.outbox.len()));
            m.insert("checkedAt".into(), json!(self.checked_at));
        }
        v
    }

    /// The line for the tenant's call list.
    pub fn summary(&self) -> CallSummary {
        let offered = self.state.incoming.as_ref().is_some_and(|o| o.handled.is_none());
        let connection_state = match (&self.state.connection_state, offered) {
            (Some(s), _) => {
                serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            }
            (None, true) => "offered".into(),
            (None, false) => "connecting".into(),
        };
        let counterpart = match (&self.state.incoming, self.direction) {
            (Some(o), _) => Some(o.from.raw_id().to_string()),
            (None, _) => self.state.participants.first().map(|p| p.identifier.raw_id().to_string()),
        };
        CallSummary {
            call_id: self.call_id.clone(),
            direction: self.direction,
            created_at: self.created_at,
            updated_at: self.updated_at,
            connection_state,
            counterpart,
            participants_connected: self
                .state
                .participants
                .iter()
                .filter(|p| p.status == ParticipantStatus::Connected)
                .count(),
            ended: self.state.is_ended(),
            call_connection_id: self.state.call_connection_id.clone(),
            correlation_id: self.state.correlation_id.clone(),
        }
    }

    /// The ACS request for a read (list or get participants), signed by the edge; `None` when
    /// the call has no connection yet.
    pub fn read_params(&self, raw_id: Option<&RawId>) -> Result<(&'static str, Map<String, Value>), ApiError> {
        let id = self.connection_id()?;
        let mut params = Map::new();
        params.insert("callConnectionId".into(), json!(id));
        Ok(match raw_id {
            Some(r) => {
                params.insert("participantRawId".into(), json!(r.as_str()));
                ("getParticipant", params)
            }
            None => ("getParticipants", params),
        })
    }

    // ---- internals (command planning is in plan.rs) ----------------------------------------

    pub(super) fn invite_expert(&mut self, c: &Consultation, ctx: Ctx<'_>) -> Vec<Output> {
        let Some(id) = self.state.call_connection_id.clone() else { return Vec::new() };
        let invite = InviteOptions {
            source_display_name: c.source_display_name.clone(),
            source_caller_id_number: None,
            invitation_timeout_in_seconds: c.invitation_timeout_in_seconds,
        };
        let params = super::plan::add_params(&id, &c.expert, &invite, &c.id);
        let action = Action::from_members("addParticipant", &params).unwrap_or_default();
        if let Err(r) = self.state.can(&action) {
            if let Some(c) = self.consultations.iter_mut().find(|x| x.id == c.id) {
                c.phase = Phase::Failed;
            }
            return vec![json_push(
                "notice",
                json!({"message": format!("The expert cannot be added: {}", r.reason), "rule": r.rule}),
            )];
        }
        self.state.record_command(&action, Some(&c.id), Some(ctx.now), Some("workflow"));
        self.enqueue("addParticipant", params, Some(c.id.clone()), Purpose::Workflow, ctx, 7)
    }

    /// After callbacks: consultation phases, the greeting, the agent hang-up policy.
    pub(super) fn react(&mut self, agents_before: bool, ctx: Ctx<'_>) -> Vec<Output> {
        let mut out = Vec::new();
        for i in 0..self.consultations.len() {
            if self.consultations[i].refresh(&self.state) {
                let c = self.consultations[i].clone();
                out.push(self.log(ctx.now, "workflow", json!({"consultation": c.id, "phase": c.phase})));
                out.push(json_push("consultation", json!({"consultation": c})));
                if c.phase == Phase::Joined && !c.greeted {
                    if let Some(url) = c.greeting_url.clone() {
                        self.consultations[i].greeted = true;
                        out.extend(self.greet(&c, &url, ctx));
                    }
                }
            }
        }
        let agents_now = self.agents_connected();
        if agents_before && !agents_now && !self.state.is_ended() && !self.agent_hangup_handled {
            self.agent_hangup_handled = true;
            match self.policy.on_agent_hangup {
                OnAgentHangup::Terminate => {
                    out.push(self.log(ctx.now, "workflow", json!({"policy": "onAgentHangup", "action": "terminate"})));
                    if let Ok(p) = self.on_call() {
                        let action = Action::new("terminateCall").unwrap_or_default();
                        self.state.record_command(&action, Some("agent-hangup"), Some(ctx.now), Some("workflow"));
                        out.extend(self.enqueue(
                            "terminateCall",
                            p,
                            Some("agent-hangup".into()),
                            Purpose::Workflow,
                            ctx,
                            9,
                        ));
                    }
                }
                OnAgentHangup::Keep => {
                    out.push(json_push(
                        "notice",
                        json!({"message": "The agent left; the customer and any expert stay connected."}),
                    ));
                }
            }
        }
        out
    }

    pub(super) fn greet(&mut self, c: &Consultation, url: &str, ctx: Ctx<'_>) -> Vec<Output> {
        let Ok(mut p) = self.on_call() else { return Vec::new() };
        p.insert("playSources".into(), json!([{"kind": "file", "file": {"uri": url}}]));
        p.insert("playTo".into(), json!([c.expert]));
        let context = format!("{}-greeting", c.id);
        p.insert("operationContext".into(), json!(context));
        let action = Action::from_members("play", &p).unwrap_or_default();
        if self.state.can(&action).is_err() {
            return Vec::new();
        }
        self.state.record_command(&action, Some(&context), Some(ctx.now), Some("workflow"));
        self.enqueue("play", p, Some(context), Purpose::Workflow, ctx, 8)
    }

    /// Tells the tenant's queue which of its agents are in this call, when that changed: an
    /// agent on a call (not a queue call: the queue knows those from its offers) is not free
    /// for queue calls. All out once the call has ended.
    pub(super) fn agents_for_queue(&mut self) -> Vec<Output> {
        if self.queue.is_some() {
            return Vec::new();
        }
        let now_in: Vec<String> = if self.state.is_ended() {
            Vec::new()
        } else {
            self.connected_agents().map(|a| a.as_str().to_owned()).collect()
        };
        let mut out = Vec::new();
        for (raw_id, on) in now_in
            .iter()
            .filter(|a| !self.agents_told.contains(a))
            .map(|a| (a, true))
            .chain(self.agents_told.iter().filter(|a| !now_in.contains(a)).map(|a| (a, false)))
        {
            out.push(Output::Queue(crate::overflow::Input::AgentInCall {
                call_id: self.call_id.clone(),
                raw_id: raw_id.clone(),
                on,
            }));
        }
        self.agents_told = now_in;
        out
    }

    /// The tenant's agents (raw ids) connected to this call.
    fn connected_agents(&self) -> impl Iterator<Item = &RawId> {
        self.agent_raw_ids
            .iter()
            .filter(|a| self.state.participant(a).is_some_and(|p| p.status == ParticipantStatus::Connected))
    }

    pub(super) fn agents_connected(&self) -> bool {
        self.connected_agents().next().is_some()
    }

    pub(super) fn recording_running(&self) -> bool {
        self.state.recording.as_ref().is_some_and(|r| {
            matches!(r.status, RecordingStatus::Starting | RecordingStatus::Active | RecordingStatus::Paused)
        })
    }

    /// Why the rules refuse `command` on a call that cannot take it at all (ended, not
    /// connected, an offer not answered), when its request cannot even be planned: the same
    /// `refused_by_rule` answer, with the rule, that a planned command would get.
    fn refusal_before_plan(&self, command: &AgentCommand) -> Option<ApiError> {
        let op = match command {
            AgentCommand::Hangup => "hangupCall",
            AgentCommand::Terminate => "terminateCall",
            AgentCommand::Play { .. } => "play",
            AgentCommand::Transfer { .. } => "transferToParticipant",
            AgentCommand::RemoveParticipant { .. } => "removeParticipant",
            AgentCommand::CancelAdd { .. } => "cancelAddParticipant",
            AgentCommand::AddParticipants { .. } | AgentCommand::Consult { .. } => "addParticipant",
            // Named as ACS names the operation.
            AgentCommand::Recording { .. } => super::plan::command_name(command),
            _ => return None,
        };
        let refusal = self.state.can(&Action::new(op).ok()?).err()?;
        matches!(refusal.rule, "call_not_ended" | "call_connected").then(|| {
            ApiError::new(409, "refused_by_rule", refusal.reason).detail(json!({"rule": refusal.rule, "operation": op}))
        })
    }

    pub(super) fn connection_id(&self) -> Result<&str, ApiError> {
        if self.state.is_ended() {
            return Err(ApiError::new(409, "call_ended", "the call has ended"));
        }
        self.state
            .call_connection_id
            .as_deref()
            .ok_or_else(|| ApiError::new(409, "not_connected", "the call is not connected yet (no callConnectionId)"))
    }

    pub(super) fn on_call(&self) -> Result<Map<String, Value>, ApiError> {
        let mut p = Map::new();
        p.insert("callConnectionId".into(), json!(self.connection_id()?));
        Ok(p)
    }

    pub(super) fn answer_params(&self) -> Option<(&'static str, Map<String, Value>)> {
        let (op, mut p) = self.offer_params("answerCall", json!({}))?;
        p.insert("callbackUri".into(), json!(self.callback_uri));
        p.insert("operationContext".into(), json!("answer"));
        Some((op, p))
    }

    pub(super) fn offer_params(&self, op: &'static str, extra: Value) -> Option<(&'static str, Map<String, Value>)> {
        let offer = self.state.incoming.as_ref().filter(|o| o.handled.is_none())?;
        let mut p = Map::new();
        p.insert("incomingCallContext".into(), json!(offer.incoming_call_context));
        if let Value::Object(m) = extra {
            p.extend(m);
        }
        Some((op, p))
    }

    pub(super) fn enqueue(
        &mut self,
        op: &str,
        params: Map<String, Value>,
        operation_context: Option<String>,
        purpose: Purpose,
        ctx: Ctx<'_>,
        salt: u8,
    ) -> Vec<Output> {
        let mut out = self.drop_kept_media(op, ctx.now);
        let id = self.next_entry;
        self.next_entry += 1;
        let mut random = ctx.random;
        random[15] ^= salt;
        random[14] ^= (id & 0xff) as u8;
        // The log says what was decided, with everything a replica of the state needs
        // (`CallState.recordCommand` in a console replaying the log).
        let by = ctx.by.map(str::to_owned).or_else(|| (purpose != Purpose::Agent).then(|| "workflow".to_owned()));
        let record = self.log(
            ctx.now,
            "request",
            json!({"entryId": id, "operation": op, "params": params, "operationContext": operation_context, "by": by, "purpose": purpose}),
        );
        self.outbox.push(OutboxEntry {
            id,
            operation: op.to_owned(),
            params,
            operation_context,
            repeatability_request_id: uuid_v4(random),
            first_sent: ctx.now,
            by,
            purpose,
            attempts: 0,
            retry_at: None,
        });
        out.extend([record, Output::Send(id)]);
        out
    }

    /// Before `op` (the media cancelled, the call being left): a play or recognize kept to be
    /// sent again after ACS failed it is not wanted any more — sent later, it would start hold
    /// music under the conversation of whoever took the call. Dropped, its outcome no longer
    /// awaited.
    fn drop_kept_media(&mut self, op: &str, now: i64) -> Vec<Output> {
        if !matches!(op, "cancelAllMediaOperations" | "hangupCall" | "terminateCall") {
            return Vec::new();
        }
        let media =
            |e: &OutboxEntry| e.kept() && (e.operation.starts_with("play") || e.operation.starts_with("recognize"));
        let (dropped, rest): (Vec<OutboxEntry>, Vec<OutboxEntry>) =
            std::mem::take(&mut self.outbox).into_iter().partition(media);
        self.outbox = rest;
        if dropped.is_empty() {
            return Vec::new();
        }
        for e in &dropped {
            if let Some(c) = &e.operation_context {
                self.state.pending.retain(|p| &p.operation_context != c);
            }
        }
        let ids: Vec<u64> = dropped.iter().map(|e| e.id).collect();
        vec![self.log(now, "workflow", json!({"dropped": ids, "because": op}))]
    }

    /// An agent's own `operationContext` may not take a form the Worker gives its own operations
    /// (`queue-…` for the queue leg, `<call>-<n>` from [`Self::new_context`]): an outcome reported
    /// under it would be taken for theirs — a queue offer failed, another command's answer.
    fn check_agent_context(&self, context: &str) -> Result<(), ApiError> {
        let prefix = &self.call_id[..self.call_id.len().min(8)];
        let generated = context
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if context.starts_with("queue-") || generated {
            return Err(ApiError::invalid(crate::FieldError::new(
                "operationContext",
                format!("\"queue-…\" and \"{prefix}-<number>\" are the Worker's own operation contexts on this call; choose another"),
            )));
        }
        Ok(())
    }

    pub(super) fn new_context(&mut self) -> String {
        let n = self.next_context;
        self.next_context += 1;
        format!("{}-{n}", &self.call_id[..self.call_id.len().min(8)])
    }

    pub(super) fn log(&mut self, at: i64, kind: &str, mut detail: Value) -> Output {
        let seq = self.next_log;
        self.next_log += 1;
        redact(&mut detail);
        Output::Log(LogRecord { seq, at, kind: kind.to_owned(), detail })
    }

    pub(super) fn push_snapshot(&self, reason: &str) -> Output {
        json_push("snapshot", json!({"reason": reason, "snapshot": self.view()}))
    }
}

/// Put in place of what [`redact`] hides.
pub const HIDDEN: &str = "(hidden)";

/// Hides, wherever they are in `v`, what every agent of the tenant reading a call's log or an
/// ACS answer must not get: an incoming call's context (it answers, redirects or rejects the
/// call) and a callback URL's signature (with a callback token, a forged callback).
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match (k.as_str(), &mut *x) {
                    ("incomingCallContext", Value::String(s)) => *s = HIDDEN.to_owned(),
                    ("callbackUri" | "operationCallbackUri", Value::String(s)) => {
                        if let Some(i) = s.find("sig=") {
                            s.truncate(i + 4);
                            s.push_str(HIDDEN);
                        }
                    }
                    _ => redact(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

pub(super) fn json_push(kind: &str, mut body: Value) -> Output {
    if let Some(m) = body.as_object_mut() {
        m.insert("type".into(), json!(kind));
    }
    Output::Push(body)
}

/// Checks params against the operation's schema by building the request with a throwaway key:
/// the same schema tables as the real send, without the typed bodies (which would put every
/// operation's deserializer in the Worker).
fn check_params(op: &str, params: &Map<String, Value>) -> Result<(), ApiError> {
    use crate::auth::{ConnectionString, Endpoint, HttpDate};
    let endpoint =
        Endpoint::parse("https://validation.invalid").map_err(|e| ApiError::new(500, "internal", e.to_string()))?;
    let cs = ConnectionString::new(endpoint, vec![0; 32]);
    let repeat = crate::auth::Repeatability::from_random([0; 16], HttpDate::from_unix_seconds(0));
    let opts = crate::ops::RequestOptions::new(HttpDate::from_unix_seconds(0)).repeatability(&repeat);
    let text = Value::Object(params.clone()).to_string();
    crate::ops::build_by_name(op, &text, &cs, &opts, true).map(drop).map_err(|e| match e {
        crate::ops::OpError::Invalid(f) => ApiError::invalid(f),
        other => ApiError::new(400, "invalid_body", other.to_string()),
    })
}
