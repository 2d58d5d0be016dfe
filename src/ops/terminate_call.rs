//! `TerminateCall` — `POST /calling/callConnections/{callConnectionId}:terminate` → 204
//! (SPEC §2.2): end the call for every participant. Sent with no body (the empty-body hash is
//! signed), with Repeatability headers.

use super::macros::operation;
use super::{NoBody, NoContent};

operation! {
    /// Ends the call for everyone.
    pub struct TerminateCall = "terminateCall";
    Post "/calling/callConnections/{callConnectionId}:terminate" => [204];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: NoBody;
    response: NoContent;
}
