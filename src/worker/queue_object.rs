//! `QueueObject`: one Durable Object per tenant (binding `QUEUES`, named by tenant id) holding
//! the tenant's [`Queue`] — the unit of consistency for peak overflow: every offer is decided
//! here, one input at a time, so no knowledge worker is offered two calls and no call two
//! people. It is stored after every step (`queue`), so a restart loses no waiting call; its
//! alarm is the queue's next deadline.
//!
//! Inputs come from call objects (`POST /input`), from agents' consoles (the queue view's
//! WebSocket signs the agent in while open) and from the alarm. Commands for the call that
//! sent the input go back in the answer; commands for other calls are posted to their objects
//! (`/_queue`), whose answer carries what the queue must hear next; presence is read from
//! Graph here.

use std::cell::RefCell;
use std::collections::VecDeque;

use ::worker::{
    durable_object, DurableObject, Env, Error, Method, Request, Response, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::call_object::{AGENT_HEADER, ORIGIN_HEADER, TENANT_HEADER};
use super::error::{error_response, json_response};
use super::{env, graph};
use crate::api::ApiError;
use crate::overflow::{view, Command, Input, OverflowPolicy, Queue};
use crate::tenant::Tenant;

/// Set on a queue WebSocket request when the agent takes queue calls while it is open.
pub const READY_HEADER: &str = "x-switchboard-ready";

const QUEUE_KEY: &str = "queue";
const ORIGIN_KEY: &str = "origin";
const TENANT_KEY: &str = "tenant";
/// Inputs one request may set off (presence reads, outcomes of commands sent to other calls).
const MAX_STEPS: usize = 64;

/// What a call object tells the queue, or answers to a command (what the queue must hear
/// next, without `callId`): one reader for both keeps the bundle smaller.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Told {
    /// The call that sends it (its commands come back in the answer).
    call_id: Option<String>,
    /// What happened.
    #[serde(default)]
    inputs: Vec<Input>,
}

/// One tenant's queue.
#[durable_object]
pub struct QueueObject {
    state: State,
    env: Env,
    queue: RefCell<Option<Queue>>,
    origin: RefCell<Option<String>>,
}

impl DurableObject for QueueObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, queue: RefCell::new(None), origin: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> ::worker::Result<Response> {
        let at = super::env::request_line(&req);
        match self.route(req).await {
            Ok(r) => Ok(r),
            Err(e) => error_response(e, &at),
        }
    }

    async fn alarm(&self) -> ::worker::Result<Response> {
        let tenant = match self.stored_tenant().await {
            Ok(Some(t)) => t,
            _ => return Response::ok("no queue"),
        };
        if let Err(e) = self.step(&tenant, None, vec![Input::Tick]).await {
            ::worker::console_warn!("QueueObject alarm: {}", e.message);
        }
        Response::ok("ticked")
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> ::worker::Result<()> {
        if let WebSocketIncomingMessage::String(text) = message {
            match text.trim() {
                "ping" => ws.send_with_str(r#"{"type":"pong"}"#)?,
                "view" => {
                    if let Ok(Some(tenant)) = self.stored_tenant().await {
                        if let Some(v) = self.view(&tenant) {
                            ws.send_with_str(json!({"type": "queue", "queue": v}).to_string())?;
                        }
                    }
                }
                _ => ws.send_with_str(r#"{"type":"error","message":"send \"ping\" or \"view\""}"#)?,
            }
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, reason: String, _clean: bool) -> ::worker::Result<()> {
        env::answer_close(&ws, code, reason);
        self.signed_out(&ws).await;
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, error: Error) -> ::worker::Result<()> {
        ::worker::console_warn!("QueueObject websocket error: {error}");
        self.signed_out(&ws).await;
        Ok(())
    }
}

impl QueueObject {
    async fn route(&self, mut req: Request) -> Result<Response, ApiError> {
        let tenant_id = req.headers().get(TENANT_HEADER)?.unwrap_or_default();
        let tenant = self.tenant(&tenant_id)?;
        // The origin (for calls' callback URIs) and the tenant (for the alarm) are kept.
        if let Some(o) = req.headers().get(ORIGIN_HEADER)?.filter(|o| !o.is_empty()) {
            if self.origin.borrow().as_deref() != Some(o.as_str()) {
                self.state.storage().put(ORIGIN_KEY, o.clone()).await?;
                self.state.storage().put(TENANT_KEY, tenant.id.clone()).await?;
                *self.origin.borrow_mut() = Some(o);
            }
        }
        let path = crate::api::RequestUrl::parse(&env::url(&req)).path().to_owned();
        match (req.method(), path.as_str()) {
            (Method::Post, "/input") => {
                let told: Told = serde_json::from_str(&req.text().await?)
                    .map_err(|e| ApiError::new(400, "invalid_body", format!("not queue inputs: {e}")))?;
                let mine = self.step(&tenant, told.call_id.as_deref(), told.inputs).await?;
                json_response(&json!({"commands": mine}), 200)
            }
            (Method::Get, "/view") => {
                self.load().await?;
                json_response(&self.view(&tenant).unwrap_or(Value::Null), 200)
            }
            (Method::Get, "/events") => {
                let agent = req.headers().get(AGENT_HEADER)?.unwrap_or_default();
                let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
                if !upgrade.eq_ignore_ascii_case("websocket") {
                    return Err(ApiError::new(
                        426,
                        "upgrade_required",
                        "expected a WebSocket upgrade (Upgrade: websocket)",
                    ));
                }
                let ready = req.headers().get(READY_HEADER)?.is_some();
                let pair = WebSocketPair::new()?;
                // Watching only: no tag, so closing it signs nobody out.
                let tag = if ready { agent.clone() } else { String::new() };
                if ready {
                    self.step(&tenant, None, vec![Input::AgentSignedIn { agent_id: agent }]).await?;
                } else {
                    self.load().await?;
                }
                // Accepted after the sign-in's own push, so the first message comes once: hello.
                self.state.accept_websocket_with_tags(&pair.server, &[tag.as_str()]);
                let hello = json!({"type": "queue", "reason": "hello", "queue": self.view(&tenant)});
                let _ = pair.server.send_with_str(hello.to_string());
                Ok(Response::from_websocket(pair.client)?)
            }
            (m, p) => Err(ApiError::not_found(format!("no queue route {m} {p}"))),
        }
    }

    /// Folds `inputs` and everything they set off; returns the commands for `from`.
    async fn step(&self, tenant: &Tenant, from: Option<&str>, inputs: Vec<Input>) -> Result<Vec<Command>, ApiError> {
        let policy = tenant
            .overflow
            .as_ref()
            .ok_or_else(|| ApiError::new(409, "no_overflow_policy", "this tenant has no overflow policy"))?;
        self.load().await?;
        let mut pending: VecDeque<Input> = inputs.into();
        let mut mine = Vec::new();
        let mut steps = 0;
        while let Some(input) = pending.pop_front() {
            steps += 1;
            if steps > MAX_STEPS {
                ::worker::console_warn!(
                    "QueueObject: more than {MAX_STEPS} steps in one request; the rest waits for the alarm"
                );
                break;
            }
            let now = env::now_ms();
            let commands = {
                let mut slot = self.queue.borrow_mut();
                slot.get_or_insert_with(Queue::new).step(policy, input, now)
            };
            self.save().await?;
            for cmd in commands {
                match (&cmd, cmd.call_id()) {
                    (Command::ReadPresence { object_ids }, _) => match graph::presences(tenant, object_ids).await {
                        Some(presences) => pending.push_back(Input::Presence { presences }),
                        None => pending.push_back(Input::PresenceFailed),
                    },
                    (_, call_id) if call_id == from => mine.push(cmd),
                    (_, call_id) => {
                        let call_id = call_id.unwrap_or_default().to_owned();
                        pending.extend(self.send(tenant, &call_id, &cmd).await);
                    }
                }
            }
        }
        self.schedule(policy).await;
        self.publish(tenant);
        Ok(mine)
    }

    /// Posts a command to its call's object; returns what the call says the queue must hear.
    async fn send(&self, tenant: &Tenant, call_id: &str, cmd: &Command) -> Vec<Input> {
        let origin = self.origin.borrow().clone().unwrap_or_default();
        let body = serde_json::to_value(cmd).map(|v| v.to_string()).unwrap_or_default();
        let sent = async {
            let mut res =
                super::call_stub(&self.env, tenant, call_id, None, &origin, Method::Post, "/_queue", Some(body), None)
                    .await?;
            Ok::<_, ApiError>(res.text().await?)
        }
        .await;
        match sent {
            // Read straight from the text: through a `Value` would put a second reader of every
            // input in the wasm.
            Ok(text) => serde_json::from_str::<Told>(&text).map(|r| r.inputs).unwrap_or_default(),
            Err(e) => {
                ::worker::console_warn!("QueueObject could not reach call {call_id}: {}", e.message);
                Vec::new()
            }
        }
    }

    async fn signed_out(&self, ws: &WebSocket) {
        let agent = self.state.get_tags(ws).into_iter().next().unwrap_or_default();
        let me: &::worker::web_sys::WebSocket = ws.as_ref();
        let still = self.state.get_websockets_with_tag(&agent).iter().any(|w| {
            let w: &::worker::web_sys::WebSocket = w.as_ref();
            w != me && is_open(w)
        });
        if still || agent.is_empty() {
            return;
        }
        if let Ok(Some(tenant)) = self.stored_tenant().await {
            let _ = self.step(&tenant, None, vec![Input::AgentSignedOut { agent_id: agent }]).await;
        }
    }

    async fn load(&self) -> Result<(), ApiError> {
        if self.queue.borrow().is_some() {
            return Ok(());
        }
        let text: Option<String> = self.state.storage().get(QUEUE_KEY).await?;
        let mut queue: Queue = match text {
            Some(t) => serde_json::from_str(&t)
                .map_err(|e| ApiError::new(500, "corrupt_state", format!("stored queue: {e}")))?,
            None => Queue::new(),
        };
        // Loaded after a start of this object: a hibernated one still has its consoles' sockets,
        // a restarted one (a deploy, `wrangler dev` restarting) has none. Only agents whose
        // ready socket is open are in the pool.
        let open: Vec<String> = self
            .state
            .get_websockets()
            .iter()
            .filter(|w| is_open(w.as_ref()))
            .filter_map(|w| self.state.get_tags(w).into_iter().next().filter(|t| !t.is_empty()))
            .collect();
        queue.signed_in_only(&open);
        // Another request may have loaded it meanwhile: keep the one in memory.
        self.queue.borrow_mut().get_or_insert(queue);
        if self.origin.borrow().is_none() {
            *self.origin.borrow_mut() = self.state.storage().get(ORIGIN_KEY).await?;
        }
        Ok(())
    }

    async fn save(&self) -> Result<(), ApiError> {
        let text = match self.queue.borrow().as_ref() {
            Some(q) => serde_json::to_value(q)
                .map(|v| v.to_string())
                .map_err(|e| ApiError::new(500, "internal", e.to_string()))?,
            None => return Ok(()),
        };
        self.state.storage().put(QUEUE_KEY, text).await?;
        Ok(())
    }

    async fn schedule(&self, policy: &OverflowPolicy) {
        let due = self.queue.borrow().as_ref().and_then(|q| q.next_wake(policy));
        let Some(due) = due else { return };
        let date =
            ::worker::js_sys::Date::new(&::worker::wasm_bindgen::JsValue::from_f64(due.max(env::now_ms()) as f64));
        if let Err(e) = self.state.storage().set_alarm(::worker::ScheduledTime::new(date)).await {
            ::worker::console_warn!("QueueObject could not set its alarm: {e}");
        }
    }

    fn view(&self, tenant: &Tenant) -> Option<Value> {
        let policy = tenant.overflow.as_ref()?;
        let slot = self.queue.borrow();
        let empty = Queue::new();
        Some(view::view(slot.as_ref().unwrap_or(&empty), policy, env::now_ms()))
    }

    /// Pushes the view to every console watching the queue.
    fn publish(&self, tenant: &Tenant) {
        let sockets = self.state.get_websockets();
        if sockets.is_empty() {
            return;
        }
        if let Some(v) = self.view(tenant) {
            let text = json!({"type": "queue", "queue": v}).to_string();
            for ws in sockets {
                let _ = ws.send_with_str(&text);
            }
        }
    }

    async fn stored_tenant(&self) -> Result<Option<Tenant>, ApiError> {
        let id: Option<String> = self.state.storage().get(TENANT_KEY).await?;
        match id {
            Some(id) => self.tenant(&id).map(Some),
            None => Ok(None),
        }
    }

    fn tenant(&self, id: &str) -> Result<Tenant, ApiError> {
        let config = env::config(&self.env)?;
        config.tenant(id).cloned().ok_or_else(|| ApiError::not_found(format!("no tenant {id}")))
    }
}

/// Whether a console's socket is still open (one closing is on its way out).
fn is_open(ws: &::worker::web_sys::WebSocket) -> bool {
    ws.ready_state() == ::worker::web_sys::WebSocket::OPEN
}
