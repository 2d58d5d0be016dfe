//! The Event Grid webhook: the subscription validation handshake, then each IncomingCall handed
//! to a new call's Durable Object, which routes it per the tenant's rules. The tenant is named
//! in the webhook URL with its key (`?tenant=contoso&key=…`, SPEC §3.6's cheaper alternative to
//! Entra-protected delivery).

use ::worker::{Env, Method, Request};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::error::json_response;
use super::{call_stub, env};
use crate::api::ApiError;
use crate::events::{parse_events, EventData};

/// Handles one Event Grid delivery. The body is read only once the tenant and key are right:
/// a stranger's megabyte is refused unread.
pub async fn event_grid(req: &mut Request, env: &Env, origin: &str) -> Result<::worker::Response, ApiError> {
    let config = env::config(env)?;
    let url_text = env::url(req);
    let url = crate::api::RequestUrl::parse(&url_text);
    let param = |name: &str| url.query(name);
    let tenant_id =
        param("tenant").ok_or_else(|| ApiError::unauthorized("the webhook URL must name ?tenant= and ?key="))?;
    let key = param("key").unwrap_or_default();
    let tenant = config
        .tenant(&tenant_id)
        .filter(|t| t.event_grid_key_matches(&key))
        .ok_or_else(|| ApiError::unauthorized("unknown tenant or wrong Event Grid key"))?;
    let body = super::read_body(req).await?;
    let events = parse_events(&body).map_err(|e| {
        let mut err = ApiError::new(400, e.code(), e.to_string());
        err.field = e.field();
        err
    })?;
    let mut calls = Vec::new();
    let mut ignored = 0;
    let guarded = !tenant.event_grid_topics.is_empty();
    for e in &events {
        if guarded && !tenant.topic_allowed(e.source.as_deref()) {
            return Err(ApiError::new(
                403,
                "topic_not_allowed",
                "this Event Grid topic is not on the tenant's allow-list",
            ));
        }
        match &e.data {
            EventData::SubscriptionValidation(v) => {
                if guarded {
                    topic_index(env, &tenant.id, "record", e.source.as_deref().unwrap_or_default()).await?;
                }
                return json_response(&json!({"validationResponse": v.validation_code}), 200);
            }
            EventData::IncomingCall(_) => {
                if guarded && !topic_index(env, &tenant.id, "check", e.source.as_deref().unwrap_or_default()).await? {
                    return Err(ApiError::new(
                        403,
                        "subscription_not_validated",
                        "IncomingCall from a topic whose subscription was never validated",
                    ));
                }
                let call_id = call_id_for(&tenant.id, &e.id);
                let mut res = call_stub(
                    env,
                    tenant,
                    &call_id,
                    None,
                    origin,
                    Method::Post,
                    "/_offer",
                    Some(e.raw_json().to_owned()),
                    None,
                )
                .await?;
                let answer: Value = serde_json::from_str(&res.text().await?).unwrap_or(Value::Null);
                if res.status_code() >= 400 {
                    return json_response(&answer, res.status_code());
                }
                calls.push(answer);
            }
            _ => ignored += 1,
        }
    }
    json_response(&json!({"calls": calls, "ignored": ignored}), 200)
}

/// Records or checks (`what`) that `topic` completed the validation handshake, in the tenant's
/// index object.
async fn topic_index(env: &Env, tenant: &str, what: &str, topic: &str) -> Result<bool, ApiError> {
    let stub = env.durable_object(super::TENANT_INDEX_BINDING)?.id_from_name(tenant)?.get_stub()?;
    let url = format!("https://index/topics/{what}");
    let mut res = stub.fetch_with_request(super::env::request(Method::Post, &url, None, Some(topic))?).await?;
    let v: Value = serde_json::from_str(&res.text().await?).unwrap_or(Value::Null);
    Ok(v["validated"] == true)
}

/// The call id of an IncomingCall: derived from the event id, so Event Grid's redelivery of
/// the same event reaches the same Durable Object (which ignores it) instead of a second call.
fn call_id_for(tenant: &str, event_id: &str) -> String {
    let digest = Sha256::digest(format!("{tenant}\n{event_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    crate::auth::uuid_v4(bytes)
}
