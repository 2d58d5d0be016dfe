//! wasm-bindgen exports of the ACS emulator (features `js` + `emulator`): the Node server on
//! port 8788 and in-process tests drive it through these. Conversions only.

use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use crate::emulator::{Delivery, Emulator as Core, Request, Response, WorldConfig};

fn error(code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&e, &"code".into(), &code.into());
    e.into()
}

/// One ACS resource, emulated.
#[wasm_bindgen(js_name = Emulator)]
pub struct Emulator {
    inner: Core,
}

fn headers_object(pairs: &[(String, String)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
}

impl Emulator {
    fn delivery_json(&self, d: &Delivery) -> Value {
        let mut headers = d.headers.clone();
        if let Some(auth) = self.inner.authorization(d) {
            headers.push(("Authorization".into(), auth));
        }
        serde_json::json!({
            "id": d.id,
            "due": d.due,
            "kind": d.kind,
            "method": d.method,
            "url": d.url,
            "headers": headers_object(&headers),
            "body": d.body,
            "eventType": d.event_type,
            "eventId": d.event_id,
        })
    }

    fn response_json(&self, r: &Response) -> String {
        let first: Vec<Value> = r.deliver_first.iter().map(|d| self.delivery_json(d)).collect();
        serde_json::json!({"status": r.status, "headers": headers_object(&r.headers), "body": r.body, "deliverFirst": first}).to_string()
    }
}

#[wasm_bindgen(js_class = Emulator)]
impl Emulator {
    /// An emulator for a world given as JSON (`null`: the demo world), reachable at `origin`.
    #[wasm_bindgen(constructor)]
    pub fn new(world: Option<String>, origin: &str) -> Result<Emulator, JsValue> {
        let world = match world {
            Some(text) => {
                crate::json_path::from_text::<WorldConfig>(&text).map_err(|e| error("invalid_world", &e.to_string()))?
            }
            None => WorldConfig::demo(),
        };
        let inner = Core::new(world, origin).map_err(|e| error("invalid_world", &e))?;
        Ok(Emulator { inner })
    }

    /// Handles a request; returns `{status, headers, body, deliverFirst}` as JSON.
    pub fn handle(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
        now: f64,
    ) -> Result<String, JsValue> {
        let headers: Map<String, Value> =
            crate::json_path::from_text(headers).map_err(|e| error("invalid_headers", &e.to_string()))?;
        let headers = headers.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned())).collect();
        let req = Request { method: method.to_ascii_uppercase(), path: path.to_owned(), headers, body: body.to_vec() };
        let res = self.inner.handle(&req, now as i64);
        Ok(self.response_json(&res))
    }

    /// Runs the simulation up to `now`; returns the deliveries due (with their JWTs) as JSON.
    pub fn advance(&mut self, now: f64) -> String {
        let due = self.inner.advance(now as i64);
        Value::Array(due.iter().map(|d| self.delivery_json(d)).collect()).to_string()
    }

    /// The next virtual time something is due, if anything is.
    #[wasm_bindgen(js_name = nextDue)]
    pub fn next_due(&self) -> Option<f64> {
        self.inner.next_due().map(|t| t as f64)
    }

    /// Reports a delivery's outcome (completes the Event Grid handshake; retries Event Grid).
    pub fn delivered(&mut self, id: f64, status: u16, body: &str, now: f64) {
        self.inner.delivered(id as u64, status, body, now as i64);
    }

    /// The connection string of this emulator.
    #[wasm_bindgen(js_name = connectionString)]
    pub fn connection_string(&self) -> String {
        self.inner.connection_string()
    }

    /// The whole log as JSON.
    pub fn log(&self) -> String {
        serde_json::to_string(self.inner.log()).unwrap_or_default()
    }
}

/// The demo world (`WorldConfig::demo()`) as JSON, to adjust before starting an emulator.
#[wasm_bindgen(js_name = demoWorld)]
pub fn demo_world() -> String {
    serde_json::to_string(&WorldConfig::demo()).unwrap_or_default()
}
