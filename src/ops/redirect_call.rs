//! `RedirectCall` — `POST /calling/callConnections:redirect` → 204 (SPEC §2.1): forward a
//! ringing call, e.g. to a Teams user, without answering it.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::Extra;
use crate::CommunicationIdentifier;

operation! {
    /// Redirects an incoming call that has not been answered.
    pub struct RedirectCall = "redirectCall";
    Post "/calling/callConnections:redirect" => [204];
    repeatable: true;
    path {}
    body: RedirectCallRequest;
    response: NoContent;
}

/// `RedirectCallRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectCallRequest {
    /// The opaque context from IncomingCall.
    pub incoming_call_context: String,
    /// Where the call goes.
    pub target: CommunicationIdentifier,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

static SCHEMA: Schema =
    Schema { fields: &[req("incomingCallContext", Kind::Text), req("target", Kind::Target)], check: None };

impl Body for RedirectCallRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RedirectCallRequest);
