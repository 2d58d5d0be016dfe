//! `Unmute` (preview 2024-09-01 only) — `POST .../{callConnectionId}/participants:unmute` → 200.
//! Not in 2025-05-15 stable (SPEC §2.2); modelled so the preview example parses and the
//! emulator can answer it.

use super::macros::operation;
use super::mute_participants::MuteParticipantsRequest;
use super::properties::OperationContextResponse;

operation! {
    /// Unmutes participants (preview API versions).
    pub struct UnmuteParticipants = "unmuteParticipants";
    Post "/calling/callConnections/{callConnectionId}/participants:unmute" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: MuteParticipantsRequest;
    response: OperationContextResponse;
}
