//! `CallObject`: one call's Durable Object (binding `CALLS`, named `{tenant}/{callId}`), the
//! unit of consistency. It holds the call's [`CallSession`] (stored as JSON under `session`),
//! feeds it inputs — an incoming offer, a created call, callbacks, agent commands — and
//! executes what it returns: outbox entries sent to ACS (attempt counted and stored first),
//! pushes to the consoles' hibernating WebSockets, log records (`log:{seq}`), and the call's
//! line in the tenant's list.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use ::worker::{
    durable_object, DurableObject, Env, Error, ListOptions, Method, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};
use serde_json::{json, Value};

use super::error::{error_response, json_response};
use super::{acs, env, TENANT_INDEX_BINDING};
use crate::api::{commands, ApiError, CallRoute, Route};
use crate::auth::HttpDate;
use crate::events::{parse_events, EventData};
use crate::flow::{CallSession, Ctx, Direction, Output, RetryPolicy, Sent};
use crate::ops::{build_by_name, RequestOptions};
use crate::tenant::{RouteAction, Tenant};

/// Internal headers the Worker sets (and strips from clients) when it forwards a request.
pub const TENANT_HEADER: &str = "x-switchboard-tenant";
/// The call id.
pub const CALL_HEADER: &str = "x-switchboard-call";
/// The acting agent's id.
pub const AGENT_HEADER: &str = "x-switchboard-agent";
/// The Worker's public origin (for callback URIs).
pub const ORIGIN_HEADER: &str = "x-switchboard-origin";
/// A verified callback token's `jti` and `exp` (`"<jti> <exp>"`).
pub const TOKEN_HEADER: &str = "x-switchboard-token";

const SESSION_KEY: &str = "session";

/// One call's Durable Object.
#[durable_object]
pub struct CallObject {
    state: State,
    env: Env,
    session: RefCell<Option<CallSession>>,
    loaded: RefCell<bool>,
    summary: RefCell<Option<String>>,
    /// The alarm time last set (Unix ms), so an unchanged one is not written again.
    alarm_at: RefCell<Option<i64>>,
    /// While carrying out the queue's command: what the queue must hear goes back in the
    /// answer instead of a request to the queue (which is waiting for that answer).
    queue_inline: RefCell<Option<Vec<crate::overflow::Input>>>,
    cpu: env::Stopwatch,
}

impl DurableObject for CallObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            session: RefCell::new(None),
            loaded: RefCell::new(false),
            summary: RefCell::new(None),
            alarm_at: RefCell::new(None),
            queue_inline: RefCell::new(None),
            cpu: env::Stopwatch::default(),
        }
    }

    async fn alarm(&self) -> ::worker::Result<Response> {
        // Stranded requests are sent again and overdue or quiet calls read from ACS; a failure
        // here is retried by the next alarm, which `run` sets whatever happened.
        *self.alarm_at.borrow_mut() = None;
        if let Err(e) = self.check().await {
            ::worker::console_warn!("CallObject alarm: {}", e.message);
            self.schedule().await;
        }
        Response::ok("checked")
    }

    async fn fetch(&self, req: Request) -> ::worker::Result<Response> {
        let at = super::env::request_line(&req);
        match self.route(req).await {
            Ok(r) => Ok(r),
            Err(e) => error_response(e, &at),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> ::worker::Result<()> {
        // Consoles may ask for a fresh snapshot ("snapshot") or check the line ("ping").
        if let WebSocketIncomingMessage::String(text) = message {
            match text.trim() {
                "ping" => ws.send_with_str(r#"{"type":"pong"}"#)?,
                "snapshot" => {
                    if self.load().await.is_ok() {
                        if let Some(view) = self.session.borrow().as_ref().map(CallSession::view) {
                            ws.send_with_str(
                                json!({"type": "snapshot", "reason": "asked", "snapshot": view}).to_string(),
                            )?;
                        }
                    }
                }
                _ => ws.send_with_str(r#"{"type":"error","message":"send \"ping\" or \"snapshot\""}"#)?,
            }
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, reason: String, _clean: bool) -> ::worker::Result<()> {
        env::answer_close(&ws, code, reason);
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: Error) -> ::worker::Result<()> {
        ::worker::console_warn!("CallObject websocket error: {error}");
        Ok(())
    }
}

/// Who and what a forwarded request is about.
struct Caller {
    tenant: String,
    call_id: String,
    agent: Option<String>,
    origin: String,
    token: Option<String>,
}

impl CallObject {
    async fn route(&self, mut req: Request) -> Result<Response, ApiError> {
        let h = req.headers();
        let caller = Caller {
            tenant: h.get(TENANT_HEADER)?.unwrap_or_default(),
            call_id: h.get(CALL_HEADER)?.unwrap_or_default(),
            agent: h.get(AGENT_HEADER)?,
            origin: h.get(ORIGIN_HEADER)?.unwrap_or_default(),
            token: h.get(TOKEN_HEADER)?,
        };
        if caller.tenant.is_empty() || caller.call_id.is_empty() {
            return Err(ApiError::new(400, "bad_internal_request", "the Worker did not name the tenant and call"));
        }
        let path = crate::api::RequestUrl::parse(&env::url(&req)).path().to_owned();
        let method = req.method();
        match path.as_str() {
            "/_offer" => self.offer(&caller, &req.text().await?).await,
            "/_create" => self.create(&caller, &req.text().await?).await,
            "/_callback" => self.callback(&caller, &req.text().await?).await,
            "/_queue" => self.queue_command(&caller, &req.text().await?).await,
            _ => {
                let Route::Call { op, .. } = Route::parse(method.as_ref(), &path)? else {
                    return Err(ApiError::not_found(format!("no call route {method} {path}")));
                };
                self.load().await?;
                if self.session.borrow().is_none() {
                    return Err(ApiError::not_found(format!("no call {} for this tenant", caller.call_id)));
                }
                match op {
                    CallRoute::Get => json_response(&self.view(), 200),
                    CallRoute::Log => self.log_entries().await,
                    CallRoute::Events => self.watch(&req),
                    CallRoute::ListParticipants => self.read_participants(&caller, None).await,
                    CallRoute::GetParticipant(raw) => self.read_participants(&caller, Some(&raw)).await,
                    op => {
                        let body = req.text().await?;
                        let command = commands::read(&op, &body)?;
                        self.command(&caller, command, op).await
                    }
                }
            }
        }
    }

    // ---- inputs ------------------------------------------------------------------------------

    async fn offer(&self, caller: &Caller, body: &str) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        let event = parse_events(body)
            .ok()
            .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
            .ok_or_else(|| ApiError::new(400, "invalid_body", "not an IncomingCall event"))?;
        let EventData::IncomingCall(incoming) = &event.data else {
            return Err(ApiError::new(400, "invalid_body", "not an IncomingCall event"));
        };
        let route = tenant.routing.route(incoming.to.raw_id()).clone();
        self.load().await?;
        let now = env::now_ms();
        let outputs = {
            let mut slot = self.session.borrow_mut();
            let session = slot.get_or_insert_with(|| new_session(&tenant, caller, Direction::Inbound, now));
            session.offer(&event, &route, Ctx { now, random: env::random16(), by: None })
        };
        self.run(&tenant, outputs).await?;
        let name = match route {
            RouteAction::Answer => "answer",
            RouteAction::Offer => "offer",
            RouteAction::Redirect(_) => "redirect",
            RouteAction::Reject => "reject",
            RouteAction::Queue => "queue",
        };
        json_response(&json!({"callId": caller.call_id, "route": name}), 200)
    }

    /// The tenant queue's command for this call; answers what the queue must hear next.
    async fn queue_command(&self, caller: &Caller, body: &str) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        // Read through Value and the queue's own reader, like the queue's answers below: a
        // derived reader per shape costs the bundle more.
        let cmd = serde_json::from_str::<Value>(body)
            .map_err(|e| e.to_string())
            .and_then(|v| crate::overflow::read_command(&v))
            .map_err(|e| ApiError::new(400, "invalid_body", format!("not a queue command: {e}")))?;
        self.load().await?;
        let now = env::now_ms();
        let outputs = match self.session.borrow_mut().as_mut() {
            Some(s) => s.queue_command(&cmd, Ctx { now, random: env::random16(), by: None }),
            None => return Err(ApiError::not_found(format!("no call {}", caller.call_id))),
        };
        *self.queue_inline.borrow_mut() = Some(Vec::new());
        let ran = self.run(&tenant, outputs).await;
        let inputs = self.queue_inline.borrow_mut().take().unwrap_or_default();
        ran?;
        json_response(&json!({"inputs": inputs}), 200)
    }

    async fn create(&self, caller: &Caller, body: &str) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        let request = commands::read_create_call(body)?;
        self.load().await?;
        if self.session.borrow().is_some() {
            return Err(ApiError::new(409, "already_created", "this call id is taken"));
        }
        let now = env::now_ms();
        *self.session.borrow_mut() = Some(new_session(&tenant, caller, Direction::Outbound, now));
        let res = self.command_inner(&tenant, caller, request, "createCall").await;
        if res.is_err() && self.session.borrow().as_ref().is_some_and(|s| s.state.call_connection_id.is_none()) {
            // Nothing was created: forget the call so its id is not taken by a failure.
            *self.session.borrow_mut() = None;
            self.state.storage().delete(SESSION_KEY).await?;
        }
        let (status, body) = res?;
        json_response(&body, if status < 300 { 201 } else { status })
    }

    async fn callback(&self, caller: &Caller, body: &str) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        self.cpu.reset();
        let events = self.cpu.time(|| parse_events(body)).map_err(|e| {
            let mut err = ApiError::new(400, e.code(), e.to_string());
            err.field = e.field();
            err
        })?;
        self.load().await?;
        let now = env::now_ms();
        let (applied, duplicates, outputs) = self.cpu.time(|| {
            let mut slot = self.session.borrow_mut();
            let session = slot.as_mut().ok_or_else(|| {
                ApiError::not_found(format!("no call {} for tenant {}", caller.call_id, caller.tenant))
            })?;
            if let Some((jti, exp)) = caller.token.as_deref().and_then(|t| t.split_once(' ')) {
                if !session.accept_token(jti, exp.parse().unwrap_or(0), now) {
                    return Err(ApiError::new(401, "token_replayed", "this callback token was used before"));
                }
            }
            Ok::<_, ApiError>(session.callback(&events, Ctx { now, random: env::random16(), by: None }))
        })?;
        self.run(&tenant, outputs).await?;
        let res = json_response(&json!({"applied": applied, "duplicates": duplicates}), 200)?;
        res.headers().set("Server-Timing", &format!("do;dur={:.3}", self.cpu.ms()))?;
        Ok(res)
    }

    async fn command(
        &self,
        caller: &Caller,
        request: commands::CommandRequest,
        op: CallRoute,
    ) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        let name = Route::Call { call_id: caller.call_id.clone(), op }.operation_id();
        let (status, body) = self.command_inner(&tenant, caller, request, name).await?;
        json_response(&body, if status == 204 { 200 } else { status })
    }

    /// Runs a command; answers ACS's status of the last request it sent and the command result.
    async fn command_inner(
        &self,
        tenant: &Tenant,
        caller: &Caller,
        request: commands::CommandRequest,
        name: &str,
    ) -> Result<(u16, Value), ApiError> {
        let now = env::now_ms();
        let (ids, outputs) = {
            let mut slot = self.session.borrow_mut();
            let session = slot.as_mut().ok_or_else(|| ApiError::not_found("no such call"))?;
            session.command(request, Ctx { now, random: env::random16(), by: caller.agent.as_deref() })?
        };
        let results = self.run(tenant, outputs).await?;
        // The command's own requests, then what its workflow sent in the same run (a
        // consultation's invite after its recording started).
        let mut mine: Vec<&Sent> = ids.iter().filter_map(|id| results.get(id)).collect();
        mine.extend(results.iter().filter(|(id, _)| !ids.contains(id)).map(|(_, s)| s));
        let view = self.view();
        let sent: Vec<Value> = mine
            .iter()
            .map(|s| json!({"operation": s.operation, "operationContext": s.operation_context, "status": s.status, "body": s.body}))
            .collect();
        if let Some(failed) = mine.iter().find(|s| !(200..300).contains(&s.status)) {
            // What the command's workflow still tries (a consultation's invitation after its
            // recording failed): the agent must not read the failure as "nothing happens".
            let kept: Vec<String> = self.session.borrow().as_ref().map_or_else(Vec::new, |s| {
                s.outbox.iter().filter(|e| e.kept() && e.first_sent >= now).map(|e| e.operation.clone()).collect()
            });
            let mut detail =
                json!({"acs": {"status": failed.status, "body": failed.body}, "sent": sent, "stillTrying": kept});
            crate::flow::session::redact(&mut detail);
            let mut e = acs_failure(failed).detail(detail);
            if !kept.is_empty() {
                e.message.push_str(&format!(
                    "; Switchboard is still trying {} (sent again within a minute)",
                    kept.join(", ")
                ));
            }
            return Err(e);
        }
        let last = mine.last();
        let mut result = json!({
            "callId": caller.call_id,
            "operation": name,
            "operationContext": last.and_then(|s| s.operation_context.clone()),
            "acs": last.map(|s| json!({"status": s.status, "body": s.body})),
            "sent": sent,
            "snapshot": view,
        });
        // ACS echoes the callback URI (its signature) in a create's or an answer's answer.
        crate::flow::session::redact(&mut result);
        Ok((last.map_or(200, |s| s.status), result))
    }

    /// The alarm's work: what [`CallSession::check`] decides.
    async fn check(&self) -> Result<(), ApiError> {
        self.load().await?;
        let Some(tenant_id) = self.session.borrow().as_ref().map(|s| s.tenant.clone()) else { return Ok(()) };
        let tenant = self.tenant(&tenant_id)?;
        let now = env::now_ms();
        let outputs = match self.session.borrow_mut().as_mut() {
            Some(s) => s.check(Ctx { now, random: env::random16(), by: None }),
            None => return Ok(()),
        };
        self.run(&tenant, outputs).await.map(drop)
    }

    /// Sets the Durable Object's alarm to the session's next check when it is earlier than the
    /// alarm already set. Every callback moves the quiet check later; an alarm that rings early
    /// finds nothing due and sets the next one (`alarm` → `check` → `run`), which costs one
    /// wake-up per quiet period instead of an alarm write per callback.
    async fn schedule(&self) {
        let Some(due) = self.session.borrow().as_ref().and_then(CallSession::next_check) else { return };
        if self.alarm_at.borrow().is_some_and(|set| set <= due) {
            return;
        }
        let date = ::worker::js_sys::Date::new(&::worker::wasm_bindgen::JsValue::from_f64(due as f64));
        match self.state.storage().set_alarm(::worker::ScheduledTime::new(date)).await {
            Ok(()) => *self.alarm_at.borrow_mut() = Some(due),
            Err(e) => ::worker::console_warn!("CallObject could not set its alarm: {e}"),
        }
    }

    // ---- executing outputs -------------------------------------------------------------------

    /// Executes outputs until none are left; returns how each sent entry ended.
    async fn run(&self, tenant: &Tenant, outputs: Vec<Output>) -> Result<BTreeMap<u64, Sent>, ApiError> {
        // Log records and the session go to storage in one write: before anything is sent (the
        // outbox must be stored first), and at the end.
        let mut logs: Vec<(String, String)> = Vec::new();
        let mut results = BTreeMap::new();
        let mut queue: VecDeque<Output> = outputs.into();
        while let Some(o) = queue.pop_front() {
            match o {
                Output::Log(r) => {
                    // Stored, and pushed: a console keeps its replica of the state by folding
                    // the same records it replayed from the stored log.
                    let text = self.cpu.time(|| {
                        let text = serde_json::to_value(&r).map(|v| v.to_string()).unwrap_or_default();
                        let push = format!("{{\"type\":\"log\",\"record\":{text}}}");
                        for ws in self.state.get_websockets() {
                            let _ = ws.send_with_str(&push);
                        }
                        text
                    });
                    logs.push((format!("log:{:010}", r.seq), text));
                }
                Output::Push(message) => self.cpu.time(|| {
                    let text = message.to_string();
                    for ws in self.state.get_websockets() {
                        let _ = ws.send_with_str(&text);
                    }
                }),
                // A tenant without a queue has nobody to tell (agents in or out of a call).
                Output::Queue(_) if tenant.overflow.is_none() => {}
                Output::Queue(input) => {
                    let inline = self.queue_inline.borrow_mut().as_mut().map(|v| v.push(input.clone())).is_some();
                    if !inline {
                        self.store(std::mem::take(&mut logs)).await?;
                        for cmd in self.tell_queue(tenant, input).await {
                            let now = env::now_ms();
                            let more = match self.session.borrow_mut().as_mut() {
                                Some(s) => s.queue_command(&cmd, Ctx { now, random: env::random16(), by: None }),
                                None => Vec::new(),
                            };
                            queue.extend(more);
                        }
                    }
                }
                Output::Send(id) => {
                    self.store(std::mem::take(&mut logs)).await?;
                    let (answer, _) = acs::send_with_retry(RetryPolicy::default(), |now| {
                        let mut slot = self.session.borrow_mut();
                        let entry = slot.as_mut()?.attempt(id)?;
                        entry.request(&tenant.connection_string, now).ok()
                    })
                    .await;
                    let now = env::now_ms();
                    let later = answer.retry_after.as_deref().and_then(|v| crate::flow::retry_after_ms(v, now));
                    let (sent, more) = {
                        let mut slot = self.session.borrow_mut();
                        match slot.as_mut() {
                            Some(s) => {
                                if let Some(ms) = later {
                                    s.retry_after(id, now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)));
                                }
                                s.sent(id, answer.status, &answer.body, Ctx { now, random: env::random16(), by: None })
                            }
                            None => (None, Vec::new()),
                        }
                    };
                    if let Some(s) = sent {
                        results.insert(id, s);
                    }
                    queue.extend(more);
                }
            }
        }
        self.store(logs).await?;
        self.schedule().await;
        self.publish_summary(&tenant.id).await;
        Ok(results)
    }

    /// Tells the tenant's queue; returns its commands for this call. A queue that cannot be
    /// reached loses nothing: the call stays where it is and the queue's own alarm and the
    /// call's next events try again.
    async fn tell_queue(&self, tenant: &Tenant, input: crate::overflow::Input) -> Vec<crate::overflow::Command> {
        let (call_id, origin) = match self.session.borrow().as_ref() {
            Some(s) => (s.call_id.clone(), s.callback_uri.split("/api/callbacks/").next().unwrap_or("").to_owned()),
            None => return Vec::new(),
        };
        let body = json!({"callId": call_id, "inputs": [input]}).to_string();
        let sent = async {
            let headers = ::worker::Headers::new();
            let mut res =
                super::queue_stub(&self.env, tenant, &origin, Method::Post, "/input", headers, Some(body)).await?;
            Ok::<_, ApiError>(res.text().await?)
        }
        .await;
        match sent {
            // The queue's answer: {commands: [...]}, this call's commands, read as above.
            Ok(text) => serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.get("commands")?
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| crate::overflow::read_command(c).ok()).collect())
                })
                .unwrap_or_default(),
            Err(e) => {
                ::worker::console_warn!("CallObject could not reach the queue: {}", e.message);
                Vec::new()
            }
        }
    }

    /// Writes the session and `logs` in one storage operation.
    async fn store(&self, logs: Vec<(String, String)>) -> Result<(), ApiError> {
        let session = match self.session.borrow().as_ref() {
            Some(s) => self
                .cpu
                .time(|| serde_json::to_value(s).map(|v| v.to_string()))
                .map_err(|e| ApiError::new(500, "internal", e.to_string()))?,
            None => return Ok(()),
        };
        let values = ::worker::js_sys::Object::new();
        let set = |k: &str, v: &str| ::worker::js_sys::Reflect::set(&values, &k.into(), &v.into());
        let ok = set(SESSION_KEY, &session).is_ok() && logs.iter().all(|(k, v)| set(k, v).is_ok());
        if !ok {
            return Err(ApiError::new(500, "internal", "could not stage the storage write"));
        }
        self.state.storage().put_multiple_raw(values).await?;
        Ok(())
    }

    async fn load(&self) -> Result<(), ApiError> {
        if *self.loaded.borrow() {
            return Ok(());
        }
        let text: Option<String> = self.state.storage().get(SESSION_KEY).await?;
        if let Some(t) = text {
            let mut s: CallSession = serde_json::from_str(&t)
                .map_err(|e| ApiError::new(500, "corrupt_state", format!("stored session: {e}")))?;
            s.state.restore_indexes();
            *self.session.borrow_mut() = Some(s);
        }
        *self.loaded.borrow_mut() = true;
        Ok(())
    }

    /// Tells the tenant's index when this call's line changed.
    async fn publish_summary(&self, tenant: &str) {
        let Some(mut summary) = self.session.borrow().as_ref().map(|s| s.summary()) else { return };
        // Only a change of what the list shows is worth a round trip (not every updatedAt).
        let updated_at = summary.updated_at;
        summary.updated_at = 0;
        let key = serde_json::to_value(&summary).map(|v| v.to_string()).unwrap_or_default();
        if self.summary.borrow().as_deref() == Some(key.as_str()) {
            return;
        }
        summary.updated_at = updated_at;
        let text = serde_json::to_value(&summary).map(|v| v.to_string()).unwrap_or_default();
        let sent = async {
            let stub = self.env.durable_object(TENANT_INDEX_BINDING)?.id_from_name(tenant)?.get_stub()?;
            stub.fetch_with_request(env::request(Method::Post, "https://index/upsert", None, Some(&text))?).await
        }
        .await;
        match sent {
            Ok(_) => *self.summary.borrow_mut() = Some(key),
            Err(e) => ::worker::console_warn!("tenant index update failed: {e}"),
        }
    }

    // ---- reads -------------------------------------------------------------------------------

    fn view(&self) -> Value {
        self.session.borrow().as_ref().map(CallSession::view).unwrap_or(Value::Null)
    }

    async fn log_entries(&self) -> Result<Response, ApiError> {
        let entries = env::stored_json(&self.state.storage(), ListOptions::new().prefix("log:")).await?;
        json_response(&json!({"entries": entries}), 200)
    }

    fn watch(&self, req: &Request) -> Result<Response, ApiError> {
        let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return Err(ApiError::new(426, "upgrade_required", "expected a WebSocket upgrade (Upgrade: websocket)"));
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        let hello = json!({"type": "snapshot", "reason": "hello", "snapshot": self.view()});
        let _ = pair.server.send_with_str(hello.to_string());
        Ok(Response::from_websocket(pair.client)?)
    }

    /// ACS's own list (every page) or one participant, as ACS answers it now.
    async fn read_participants(&self, caller: &Caller, raw: Option<&crate::RawId>) -> Result<Response, ApiError> {
        let tenant = self.tenant(&caller.tenant)?;
        let (op, mut params) = match self.session.borrow().as_ref() {
            Some(s) => s.read_params(raw)?,
            None => return Err(ApiError::not_found("no such call")),
        };
        let mut all = Vec::new();
        for _page in 0..20 {
            let text = Value::Object(params.clone()).to_string();
            let (answer, _) = acs::send_with_retry(RetryPolicy::default(), |now| {
                let opts = RequestOptions::new(HttpDate::from_unix_millis(now));
                build_by_name(op, &text, &tenant.connection_string, &opts, true).ok()
            })
            .await;
            let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
            if !(200..300).contains(&answer.status) {
                let sent =
                    Sent { operation: op.into(), operation_context: None, status: answer.status, body: body.clone() };
                return Err(acs_failure(&sent).detail(json!({"acs": {"status": answer.status, "body": body}})));
            }
            if raw.is_some() {
                return json_response(&body, 200);
            }
            if let Some(items) = body.get("value").and_then(Value::as_array) {
                all.extend(items.iter().cloned());
            }
            match body.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    params.insert("nextLink".into(), json!(next));
                }
                _ => break,
            }
        }
        json_response(&json!({"value": all}), 200)
    }

    fn tenant(&self, id: &str) -> Result<Tenant, ApiError> {
        let config = env::config(&self.env)?;
        config.tenant(id).cloned().ok_or_else(|| ApiError::not_found(format!("no tenant {id}")))
    }
}

fn new_session(tenant: &Tenant, caller: &Caller, direction: Direction, now: i64) -> CallSession {
    let callback = format!(
        "{}/api/callbacks/{}/{}?sig={}",
        caller.origin,
        tenant.id,
        caller.call_id,
        tenant.callback_signature(&caller.call_id)
    );
    CallSession::new(
        &tenant.id,
        &caller.call_id,
        &callback,
        direction,
        tenant.policy.clone(),
        tenant.agent_raw_ids(),
        now,
    )
}

/// The agent's error for a request ACS refused or could not answer.
fn acs_failure(s: &Sent) -> ApiError {
    let acs_message = s.body.pointer("/error/message").and_then(Value::as_str).unwrap_or("").to_owned();
    match s.status {
        // 429: ACS is throttling, which is no refusal of the request; after the retries it is
        // as unavailable as a 503 (the agent may send it again later).
        0 | 429 | 500..=599 => ApiError::new(
            502,
            "acs_unavailable",
            format!("ACS did not complete {} ({}): {acs_message}", s.operation, s.status),
        ),
        401 => ApiError::new(
            502,
            "acs_unauthorized",
            format!("ACS refused our signature for {}: check the tenant's connection string", s.operation),
        ),
        // A read of someone ACS does not have in the call: nothing to refuse, nobody there.
        404 if s.operation == "getParticipant" => {
            ApiError::not_found(format!("ACS has no such participant in the call: {acs_message}"))
        }
        status => ApiError::new(409, "acs_refused", format!("ACS refused {} ({status}): {acs_message}", s.operation)),
    }
}
