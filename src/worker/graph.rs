//! Microsoft Graph presence (`POST /v1.0/communications/getPresencesByUserId`), for the expert
//! list and the queue's knowledge workers. A tenant without `graph`, or a Graph that does not
//! answer 200, gives `None`: presence unknown, never an error for the caller.

use serde_json::Value;

use crate::ops::HttpRequest;
use crate::tenant::Tenant;

/// Graph's answer body for these object ids, when it answered 200.
pub async fn presence_body(tenant: &Tenant, ids: &[&str]) -> Option<String> {
    presence_answer(tenant, ids).await.filter(|(status, _)| *status == 200).map(|(_, body)| body)
}

/// Graph's status (0: no answer) and body for these object ids; `None` without `graph`.
pub async fn presence_answer(tenant: &Tenant, ids: &[&str]) -> Option<(u16, String)> {
    let g = tenant.graph.as_ref()?;
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if let Some(t) = &g.token {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    let req = HttpRequest {
        method: crate::ops::Method::Post,
        url: format!("{}/v1.0/communications/getPresencesByUserId", g.endpoint),
        headers,
        body: crate::api::experts::presence_request(ids).into_bytes(),
    };
    let answer = super::acs::send(&req).await;
    Some((answer.status, answer.body))
}

/// `(objectId, availability)` for these ids.
pub async fn presences(tenant: &Tenant, ids: &[String]) -> Option<Vec<(String, String)>> {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = presence_body(tenant, &refs).await?;
    let v: Value = serde_json::from_str(&body).ok()?;
    Some(
        v.get("value")?
            .as_array()?
            .iter()
            .filter_map(|p| Some((p.get("id")?.as_str()?.to_owned(), p.get("availability")?.as_str()?.to_owned())))
            .collect(),
    )
}
