//! `CancelAllMediaOperations` — `POST .../{callConnectionId}:cancelAllMediaOperations` → 202
//! (SPEC §2.3): stops play and recognize (`PlayCanceled` / `RecognizeCanceled`).

use super::macros::operation;
use super::{NoBody, NoContent};

operation! {
    /// Cancels every queued and running media operation.
    pub struct CancelAllMediaOperations = "cancelAllMediaOperations";
    Post "/calling/callConnections/{callConnectionId}:cancelAllMediaOperations" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: NoBody;
    response: NoContent;
}
