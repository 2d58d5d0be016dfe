//! `StartContinuousDtmfRecognition` / `StopContinuousDtmfRecognition` —
//! `POST .../{callConnectionId}:startContinuousDtmfRecognition` (`:stop...`) → **200** (SPEC §2.3).

use super::macros::operation;
use super::properties::TargetParticipantRequest;
use super::NoContent;

operation! {
    /// Starts reporting each DTMF tone (`ContinuousDtmfRecognitionToneReceived`).
    pub struct StartContinuousDtmfRecognition = "startContinuousDtmfRecognition";
    Post "/calling/callConnections/{callConnectionId}:startContinuousDtmfRecognition" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: TargetParticipantRequest;
    response: NoContent;
}

operation! {
    /// Stops continuous DTMF recognition (`ContinuousDtmfRecognitionStopped`).
    pub struct StopContinuousDtmfRecognition = "stopContinuousDtmfRecognition";
    Post "/calling/callConnections/{callConnectionId}:stopContinuousDtmfRecognition" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: TargetParticipantRequest;
    response: NoContent;
}
