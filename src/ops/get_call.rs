//! `GetCall` — `GET /calling/callConnections/{callConnectionId}` → 200 (SPEC §2.2).

use super::macros::operation;
use super::properties::CallConnectionProperties;
use super::NoBody;

operation! {
    /// Reads a call connection's properties and state.
    pub struct GetCall = "getCall";
    Get "/calling/callConnections/{callConnectionId}" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: NoBody;
    response: CallConnectionProperties;
}
