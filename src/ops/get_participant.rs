//! `GetParticipant` — `GET .../{callConnectionId}/participants/{participantRawId}` → 200
//! (SPEC §2.2). The raw id is percent-encoded in the path (`8%3Aorgid%3A...`).

use super::macros::operation;
use super::NoBody;
use crate::model::CallParticipant;

operation! {
    /// Reads one participant by raw id.
    pub struct GetParticipant = "getParticipant";
    Get "/calling/callConnections/{callConnectionId}/participants/{participantRawId}" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId", participant_raw_id = "participantRawId" }
    body: NoBody;
    response: CallParticipant;
}
