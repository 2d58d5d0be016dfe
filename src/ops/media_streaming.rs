//! `StartMediaStreaming` / `StopMediaStreaming` —
//! `POST .../{callConnectionId}:startMediaStreaming` (`:stop...`) → 202 (SPEC §2.3).

use super::macros::operation;
use super::properties::OperationContextRequest;
use super::NoContent;

operation! {
    /// Starts streaming call audio to the configured WebSocket.
    pub struct StartMediaStreaming = "startMediaStreaming";
    Post "/calling/callConnections/{callConnectionId}:startMediaStreaming" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: OperationContextRequest;
    response: NoContent;
}

operation! {
    /// Stops media streaming.
    pub struct StopMediaStreaming = "stopMediaStreaming";
    Post "/calling/callConnections/{callConnectionId}:stopMediaStreaming" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: OperationContextRequest;
    response: NoContent;
}
