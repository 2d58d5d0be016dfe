//! `GetParticipants` — `GET .../{callConnectionId}/participants` → 200, pageable (SPEC §2.2).
//! Recording and transcription bots are not listed.

use serde::{Deserialize, Serialize};

use super::{Method, NoBody, Operation, OperationMeta};
use crate::model::{CallParticipant, Extra};
use crate::FieldError;

/// Lists a call's participants; set `next_link` to fetch the following page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetParticipants {
    /// `callConnectionId` path parameter.
    pub call_connection_id: String,
    /// The previous page's `nextLink` (relative path or same-origin URL).
    pub next_link: Option<String>,
}

/// `GetParticipantsResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParticipantsResponse {
    /// This page.
    #[serde(default)]
    pub value: Vec<CallParticipant>,
    /// Where the next page is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

impl crate::model::KeepsUnknown for GetParticipantsResponse {}

impl Operation for GetParticipants {
    const META: OperationMeta = OperationMeta {
        name: "getParticipants",
        method: Method::Get,
        path: "/calling/callConnections/{callConnectionId}/participants",
        params: &["callConnectionId"],
        success: &[200],
        repeatable: false,
        has_body: false,
    };
    const EXTRA_PARAMS: &'static [&'static str] = &["nextLink"];
    type Body = NoBody;
    type Response = GetParticipantsResponse;

    fn path_values(&self) -> Vec<&str> {
        vec![&self.call_connection_id]
    }

    fn body(&self) -> &NoBody {
        &NoBody
    }

    fn from_parts(path: Vec<String>, _body: NoBody) -> Self {
        Self { call_connection_id: path.into_iter().next().unwrap_or_default(), next_link: None }
    }

    fn url_override(&self) -> Option<&str> {
        self.next_link.as_deref()
    }

    fn set_extra_params(&mut self, mut params: Extra) -> Result<(), FieldError> {
        match params.remove("nextLink") {
            None | Some(serde_json::Value::Null) => Ok(()),
            Some(serde_json::Value::String(s)) if !s.is_empty() => {
                self.next_link = Some(s);
                Ok(())
            }
            Some(_) => Err(FieldError::new("nextLink", "must be a non-empty string")),
        }
    }
}
