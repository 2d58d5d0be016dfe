//! `RejectCall` — `POST /calling/callConnections:reject` → 204 (SPEC §2.1).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::{open_enum, Extra};

operation! {
    /// Rejects an incoming call that has not been answered.
    pub struct RejectCall = "rejectCall";
    Post "/calling/callConnections:reject" => [204];
    repeatable: true;
    path {}
    body: RejectCallRequest;
    response: NoContent;
}

open_enum! {
    /// `callRejectReason`.
    pub enum CallRejectReason {
        /// No reason given.
        None = "none",
        /// Busy.
        Busy = "busy",
        /// Forbidden.
        Forbidden = "forbidden",
    }
}

/// `RejectCallRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectCallRequest {
    /// The opaque context from IncomingCall.
    pub incoming_call_context: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_reject_reason: Option<CallRejectReason>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("incomingCallContext", Kind::Text),
        opt("callRejectReason", Kind::Enum(CallRejectReason::KNOWN, true)),
    ],
    check: None,
};

impl Body for RejectCallRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RejectCallRequest);
