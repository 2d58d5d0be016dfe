//! `HangupCall` — `DELETE /calling/callConnections/{callConnectionId}` → 204 (SPEC §2.2).
//!
//! Hang up removes only the Call Automation leg: the call goes on while two or more other
//! parties remain. Use [`super::terminate_call`] to end it for everyone.

use super::macros::operation;
use super::{NoBody, NoContent};

operation! {
    /// Leaves the call (the others carry on).
    pub struct HangupCall = "hangupCall";
    Delete "/calling/callConnections/{callConnectionId}" => [204];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: NoBody;
    response: NoContent;
}
