//! `GET /api/checks`: the probes of what a tenant depends on — a read of a call that does not
//! exist signed with its access key, the callback-token issuer's keys, a Graph presence read —
//! one after another, once each (no retries: the answer is the verdict). The verdicts are the
//! core's (`api::checks`).

use ::worker::Response;
use serde_json::json;

use super::error::json_response;
use super::{acs, env, graph};
use crate::api::{checks, ApiError};
use crate::auth::HttpDate;
use crate::ops::{build_by_name, RequestOptions};
use crate::tenant::{AcsTrust, Tenant};

/// Runs the checks for `tenant`.
pub async fn run(tenant: &Tenant, trust: &AcsTrust) -> Result<Response, ApiError> {
    let params = json!({"callConnectionId": checks::PROBE_CALL_CONNECTION_ID}).to_string();
    let opts = RequestOptions::new(HttpDate::from_unix_millis(env::now_ms()));
    let probe = build_by_name("getCall", &params, &tenant.connection_string, &opts, true)
        .map_err(|e| ApiError::new(500, "internal", e.to_string()))?;
    let answer = acs::send(&probe).await;
    let acs = checks::acs(answer.status, &answer.body);

    let answer = acs::get(&trust.jwks_url).await;
    let keys = checks::callback_keys(&trust.jwks_url, answer.status, &answer.body);

    let mut ids: Vec<&str> = tenant.experts.iter().map(|e| e.object_id.as_str()).collect();
    for (_, m) in tenant.overflow.iter().flat_map(|o| o.members()) {
        if !ids.contains(&m.object_id.as_str()) {
            ids.push(m.object_id.as_str());
        }
    }
    let presence = graph::presence_answer(tenant, &ids).await;
    let graph = checks::graph(presence.as_ref().map(|(s, b)| (*s, b.as_str())), ids.len());

    let (body, status) = checks::report(vec![acs, keys, graph]);
    json_response(&body, status)
}
