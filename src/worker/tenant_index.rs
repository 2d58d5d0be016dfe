//! `TenantIndex`: one Durable Object per tenant (binding `TENANT_INDEX`) holding the line of
//! each of its calls, so `GET /api/calls` lists them without visiting every call.

use ::worker::{durable_object, DurableObject, Env, ListOptions, Method, Request, Response, State};
use serde_json::json;

use super::error::{error_response, json_response};
use crate::api::ApiError;

/// How many calls `GET /api/calls` returns.
const LIST_LIMIT: usize = 200;

/// One tenant's list of calls.
#[durable_object]
pub struct TenantIndex {
    state: State,
    _env: Env,
}

impl DurableObject for TenantIndex {
    fn new(state: State, env: Env) -> Self {
        Self { state, _env: env }
    }

    async fn fetch(&self, req: Request) -> ::worker::Result<Response> {
        let at = super::env::request_line(&req);
        match self.route(req).await {
            Ok(r) => Ok(r),
            Err(e) => error_response(e, &at),
        }
    }
}

impl TenantIndex {
    async fn route(&self, mut req: Request) -> Result<Response, ApiError> {
        let path = crate::api::RequestUrl::parse(&super::env::url(&req)).path().to_owned();
        match (req.method(), path.as_str()) {
            (Method::Post, "/upsert") => {
                let text = req.text().await?;
                // Stored as sent (the call's object wrote it from a CallSummary); only what the
                // key needs is read, which keeps a second reader of the whole type out of the bundle.
                let summary: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                let (Some(call_id), Some(created_at)) = (summary["callId"].as_str(), summary["createdAt"].as_i64())
                else {
                    return Err(ApiError::new(
                        400,
                        "invalid_body",
                        "not a call summary: callId and createdAt are required",
                    ));
                };
                // Keyed newest first: listing in key order is listing by creation time, descending.
                let key = format!("call:{:016}:{call_id}", i64::MAX - created_at);
                self.state.storage().put(&key, text).await?;
                json_response(&json!({"ok": true}), 200)
            }
            (Method::Get, "/list") => {
                let calls = super::env::stored_json(
                    &self.state.storage(),
                    ListOptions::new().prefix("call:").limit(LIST_LIMIT),
                )
                .await?;
                json_response(&json!({"calls": calls}), 200)
            }
            // Event Grid topics that completed the validation handshake (a topic allow-list
            // refuses IncomingCall from any other).
            (Method::Post, "/topics/record") => {
                let topic = req.text().await?.to_ascii_lowercase();
                self.state.storage().put(&format!("topic:{topic}"), true).await?;
                json_response(&json!({"validated": true}), 200)
            }
            (Method::Post, "/topics/check") => {
                let topic = req.text().await?.to_ascii_lowercase();
                let validated: Option<bool> = self.state.storage().get(&format!("topic:{topic}")).await?;
                json_response(&json!({"validated": validated.unwrap_or(false)}), 200)
            }
            (m, p) => Err(ApiError::not_found(format!("no index route {m} {p}"))),
        }
    }
}
