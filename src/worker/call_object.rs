//! `CallObject`: the per-call Durable Object (binding `CALLS`). For now a skeleton proving the
//! plumbing in workerd: a counter in DO storage and hibernatable WebSockets (echo + broadcast).

use super::error::{json_response, HttpError};
use ::worker::{
    durable_object, DurableObject, Env, Error, Method, Request, Response, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};
use serde_json::json;

const COUNTER_KEY: &str = "counter";

/// One call's Durable Object. `#[durable_object(websocket)]` exports `fetch` and the hibernation
/// handlers (`webSocketMessage`, `webSocketClose`, `webSocketError`) only; to use alarms, switch to
/// a bare `#[durable_object]` (which also exports `alarm` and `connect`) and implement `alarm`.
#[durable_object(websocket)]
pub struct CallObject {
    state: State,
    _env: Env,
}

impl DurableObject for CallObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, _env: env }
    }

    async fn fetch(&self, req: Request) -> ::worker::Result<Response> {
        self.route(req).await.or_else(HttpError::into_response)
    }

    // Hibernation API: the runtime calls these for sockets accepted with
    // `state.accept_web_socket`, waking the object if it was evicted in between.
    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> ::worker::Result<()> {
        match message {
            WebSocketIncomingMessage::String(text) => ws.send_with_str(format!("echo:{text}")),
            WebSocketIncomingMessage::Binary(bytes) => ws.send_with_bytes([b"echo:".as_slice(), &bytes].concat()),
        }
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        _was_clean: bool,
    ) -> ::worker::Result<()> {
        // Complete the closing handshake: with the hibernation API the runtime does not send the
        // reciprocal Close frame itself, and without it the client waits, then reports 1006.
        // 1004/1005/1006/1015 are reserved and cannot be sent: answer those with a normal closure.
        // Closing an already closed socket is a no-op.
        let code = match u16::try_from(code) {
            Ok(c @ 1000..=4999) if !matches!(c, 1004 | 1005 | 1006 | 1015) => c,
            _ => 1000,
        };
        let _ = ws.close(Some(code), Some(reason));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: Error) -> ::worker::Result<()> {
        // The default implementation panics (an abort in wasm); a broken socket is not fatal.
        ::worker::console_warn!("CallObject websocket error: {error}");
        Ok(())
    }
}

impl CallObject {
    async fn route(&self, mut req: Request) -> Result<Response, HttpError> {
        let method = req.method();
        let path = req.path();
        match (&method, path.as_str()) {
            (Method::Get, "/counter") => {
                let counter = self.counter().await?;
                json_response(&json!({ "counter": counter }), 200)
            }
            (Method::Post, "/counter") => {
                let counter = self.counter().await? + 1;
                self.state.storage().put(COUNTER_KEY, counter).await?;
                json_response(&json!({ "counter": counter }), 200)
            }
            (Method::Get, "/ws") => self.accept_websocket(&req),
            (Method::Post, "/broadcast") => {
                let body = req.text().await?;
                let sockets = self.state.get_websockets();
                let sent = sockets.iter().filter(|ws| ws.send_with_str(&body).is_ok()).count();
                json_response(&json!({ "sent": sent, "sockets": sockets.len() }), 200)
            }
            _ => Err(HttpError::not_found(&method, &path)),
        }
    }

    async fn counter(&self) -> Result<u64, HttpError> {
        Ok(self.state.storage().get::<u64>(COUNTER_KEY).await?.unwrap_or(0))
    }

    /// Accepts with the hibernation API: the socket survives the object being evicted from memory.
    fn accept_websocket(&self, req: &Request) -> Result<Response, HttpError> {
        let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return Err(HttpError::new(426, "upgrade_required", "expected a WebSocket upgrade (Upgrade: websocket)"));
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        Ok(Response::from_websocket(pair.client)?)
    }
}
