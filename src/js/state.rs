//! The package's `CallState`: one call's state, folded from events, and the capability rules.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::build::{options_from_json, Connection, Inputs};
use super::events::{parse, write_index};
use super::{error, field_error, with_input};
use crate::call::{Action, Applied, CallState as Core, CommandResponse};

fn internal(e: serde_json::Error) -> JsValue {
    error("internal", &e.to_string(), None)
}

fn verdict(refused: Option<crate::call::Refusal>) -> String {
    match refused {
        None => r#"{"allowed":true}"#.to_owned(),
        Some(r) => serde_json::json!({"allowed": false, "rule": r.rule, "reason": r.reason}).to_string(),
    }
}

/// An action (`{operation, ...params}`): its operation, its params (without `operation`) and
/// the action the rules see.
fn action_of(text: &str) -> Result<(String, serde_json::Map<String, Value>, Action), JsValue> {
    let mut members: serde_json::Map<String, Value> =
        crate::json_path::from_text_mended(text).map_err(|e| field_error("invalid_action", &e))?;
    let op = match members.remove("operation") {
        Some(Value::String(op)) => op,
        _ => return Err(error("invalid_action", "operation: is required", Some("operation"))),
    };
    let action = Action::from_members(&op, &members).map_err(|e| field_error("invalid_action", &e))?;
    Ok((op, members, action))
}

/// One call's state, folded from events (the npm package's `CallState`).
#[wasm_bindgen(js_name = CallState)]
pub struct CallState {
    inner: Core,
}

#[wasm_bindgen(js_class = CallState)]
impl CallState {
    /// An empty state. (A state is the fold of its events: to restore one, apply its event log
    /// again; the Worker keeps that log.)
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> CallState {
        CallState { inner: Core::new() }
    }

    /// Folds the webhook body in the input buffer in; returns one outcome per event (`applied`
    /// with its changes, `duplicate`, `stale`, `otherCall`).
    pub fn apply(&mut self, len: usize) -> Result<String, JsValue> {
        with_input(len, |body| {
            let parsed = parse(body)?;
            let outcomes: Vec<Applied> = parsed.iter().map(|e| self.inner.apply(e)).collect();
            serde_json::to_string(&outcomes).map_err(internal)
        })
    }

    /// [`Self::apply`], also returning the events' index: `[index, outcomes]` as JSON, the index
    /// as `takeEventIndex` gives it. The wrapper's `receive` pairs each outcome with its event.
    pub fn receive(&mut self, len: usize) -> Result<String, JsValue> {
        with_input(len, |body| {
            let parsed = parse(body)?;
            let mut out = String::with_capacity(64 * parsed.len() + 8);
            out.push('[');
            write_index(&parsed, &mut out);
            out.push(',');
            let outcomes: Vec<Applied> = parsed.iter().map(|e| self.inner.apply(e)).collect();
            out.push_str(&serde_json::to_string(&outcomes).map_err(internal)?);
            out.push(']');
            Ok(out)
        })
    }

    /// The console view (no single-use incoming-call context).
    pub fn snapshot(&self) -> String {
        self.inner.snapshot_json()
    }

    /// `{allowed, rule?, reason?}` for `{operation, ...params}`.
    pub fn can(&self, action: &str) -> Result<String, JsValue> {
        let action = Action::parse(action).map_err(|e| field_error("invalid_action", &e))?;
        Ok(verdict(self.inner.can(&action).err()))
    }

    /// Records a command about to be sent (`{operation, ...params}`), so its outcome events are
    /// matched and an invitee shows as ringing. Returns the changes.
    #[wasm_bindgen(js_name = recordCommand)]
    pub fn record_command(&mut self, action: &str, at: Option<f64>, by: Option<String>) -> Result<String, JsValue> {
        let (_, members, a) = action_of(action)?;
        let ctx = members.get("operationContext").and_then(Value::as_str);
        let changes = self.inner.record_command(&a, ctx, at.map(|t| t as i64), by.as_deref());
        serde_json::to_string(&changes).map_err(internal)
    }

    /// The rules, the signed request and the record in one step: checks the action in the input
    /// buffer (`{operation, ...params}`, `action` bytes long) with [`Self::can`]; if allowed, builds it as `Connection.build` does (the same arguments
    /// after `action`) and records it as [`Self::record_command`] does, at the signing time.
    /// Returns the verdict JSON when refused (nothing built, nothing recorded), else a line with
    /// the changes JSON followed by the request lines.
    #[allow(clippy::too_many_arguments)]
    pub fn command(
        &mut self,
        action: usize,
        connection: &Connection,
        date: f64,
        request_id: Option<String>,
        first_sent: f64,
        api_version: Option<String>,
        client_request_id: Option<String>,
        allow_unknown_fields: bool,
        by: Option<String>,
    ) -> Result<String, JsValue> {
        let (op, params, a) = with_input(action, action_of)?;
        if let Err(r) = self.inner.can(&a) {
            return Ok(verdict(Some(r)));
        }
        // One time for the signature and the record.
        let date = if date.is_nan() { js_sys::Date::now() } else { date };
        let opts = Inputs { date, request_id, first_sent, api_version, client_request_id, allow_unknown_fields };
        let request = connection.build_params(&op, &params, &opts)?;
        let ctx = params.get("operationContext").and_then(Value::as_str);
        let changes = self.inner.record_command(&a, ctx, Some(date as i64), by.as_deref());
        let mut out = serde_json::to_string(&changes).map_err(internal)?;
        out.push('\n');
        out.push_str(&request);
        Ok(out)
    }

    /// [`Self::command`] with the options as JSON (`buildRequest`'s, plus `by`), for option
    /// values the fast argument list does not carry (date strings).
    #[wasm_bindgen(js_name = commandWithOptions)]
    pub fn command_with_options(
        &mut self,
        action: usize,
        connection: &Connection,
        options: &str,
    ) -> Result<String, JsValue> {
        let (opts, by) = options_from_json(options)?;
        self.command(
            action,
            connection,
            opts.date,
            opts.request_id,
            opts.first_sent,
            opts.api_version,
            opts.client_request_id,
            opts.allow_unknown_fields,
            by,
        )
    }

    /// Records a command's synchronous answer: `(operationContext, status, responseBody)`.
    #[wasm_bindgen(js_name = recordResponse)]
    pub fn record_response(
        &mut self,
        operation: &str,
        operation_context: Option<String>,
        status: u16,
        body: &str,
        at: Option<f64>,
    ) -> Result<String, JsValue> {
        let outcome = CommandResponse::from_http(operation, status, body, at.map(|t| t as i64)).map_err(|e| {
            if e.field == "operation" {
                error("unknown_operation", &e.message, Some("operation"))
            } else {
                error("invalid_response", &e.to_string(), Some("body"))
            }
        })?;
        let changes = outcome.map(|o| self.inner.record_response(operation_context.as_deref(), &o)).unwrap_or_default();
        serde_json::to_string(&changes).map_err(internal)
    }
}
