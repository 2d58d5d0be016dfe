//! Who answers an invitation, and how it fails: the Teams-interop rules as ACS applies them
//! (SPEC §5.3, the seed's table), plus PSTN customers and ACS agents.
//!
//! Result codes. Public sources give some of these and not others (SPEC §5.3, "what remained
//! unknown"); where they do not, the choice is ours and listed here so nobody mistakes it for
//! an observation:
//!
//! | situation | resultInformation | source |
//! |---|---|---|
//! | no Teams Phone licence | 403 / 7604 "Unauthorized Teams Interop Scenario" | subcode in the CA table; pairing with licence is ours |
//! | tenant has not allowed the ACS resource | 403 / 5223 "Acs interop does not allow this user target in dial out." | Azure/Communication#353 |
//! | ACS client signed in with a Microsoft 365 identity | 403 / 7500 "Unsupported AAD identity" | subcode in the CA table; pairing is ours |
//! | unknown Teams object id | 404 / 8522 | "resource not found" |
//! | a Teams user addressed in another cloud (`8:gcch:` for a commercial one) | 404 / 8522 | as an unknown id: ours |
//! | declined | 603 / 8538 "Callee declined" | 603 global + 8538 |
//! | no answer before `invitationTimeoutInSeconds` | 408 / 4506 | "did not respond in time" |
//! | offline | 480 / 10076 | "target registered but offline" |
//! | DTMF recognition with a Teams user in the call | RecognizeFailed / ContinuousDtmfRecognitionToneFailed 405 / 8520 | "not supported", paired as in the CA table |
//! | stop of a recording started after a Teams user joined (also one who has left since) | HTTP 400, error code "8520" | subcode from the CA table; the HTTP status and "has left since" are ours |
//! | cancel of an invitation that is not ringing | CancelAddParticipantFailed 404 / 8522 | "not found", paired as in the CA table |
//! | addParticipant of someone in the call or already invited (a new request, not a retry) | HTTP 400, error code "8523" | ours |
//! | createCall from a number the resource does not own | HTTP 403, error code "7507" | the CA table lists it for CreateCallFailed; answering at once is ours |

use serde::Serialize;

use super::config::{Behavior, TeamsClient, WorldConfig};
use crate::{CommunicationIdentifier, IdentifierKind};

/// How an invitation ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// They answer after this many ms.
    Answers {
        /// Delay.
        after_ms: i64,
        /// They hang up this long after joining.
        leave_after_ms: Option<i64>,
    },
    /// The invitation fails after this many ms with this result.
    Fails {
        /// Delay.
        after_ms: i64,
        /// Result code.
        code: i32,
        /// Result subcode.
        sub_code: i32,
        /// Result message.
        message: String,
    },
}

impl Outcome {
    /// Whether the callee's client rang at all (declines and timeouts ring; a missing licence,
    /// consent or an unsupported client is refused before anything rings).
    pub fn rings(&self) -> bool {
        match self {
            Self::Answers { .. } => true,
            Self::Fails { code, .. } => matches!(code, 603 | 408),
        }
    }
}

/// What a Teams client showed when it rang: the custom display name (desktop and web only)
/// or the caller's own identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sighting {
    /// Virtual time.
    pub at: i64,
    /// The Teams user's object id.
    pub object_id: String,
    /// Their client.
    pub client: TeamsClient,
    /// The name in the toast.
    pub shown_caller: String,
    /// True when that name came from `sourceDisplayName`.
    pub custom_display_name: bool,
}

fn fails(after_ms: i64, code: i32, sub_code: i32, message: &str) -> Outcome {
    Outcome::Fails { after_ms, code, sub_code, message: message.to_owned() }
}

fn by_behavior(b: &Behavior, timeout_ms: i64) -> Outcome {
    if b.decline {
        return fails(1_500, 603, 8538, "Callee declined the call.");
    }
    let answer = b.answer_after_ms.unwrap_or(2_000);
    if b.never_answer || answer > timeout_ms {
        return fails(timeout_ms, 408, 4506, "Callee did not respond within the invitation timeout.");
    }
    Outcome::Answers { after_ms: answer, leave_after_ms: b.leave_after_ms }
}

/// How an invitation to `target` ends, given the world and the invitation timeout.
pub fn decide(world: &WorldConfig, target: &CommunicationIdentifier, timeout_ms: i64) -> Outcome {
    match target.kind() {
        IdentifierKind::MicrosoftTeamsUser(u) => {
            let Some(user) = world.teams.iter().find(|t| t.object_id.eq_ignore_ascii_case(&u.user_id)) else {
                return fails(200, 404, 8522, "The Teams user was not found in the tenant directory.");
            };
            // An object id lives in one cloud: addressed in another (`8:gcch:` for a commercial
            // user), nobody is there.
            if !user.cloud.eq_ignore_ascii_case(u.cloud.as_str()) {
                return fails(200, 404, 8522, "The Teams user was not found in the tenant directory of that cloud.");
            }
            if user.client == TeamsClient::AcsM365 {
                return fails(200, 403, 7500, "Unsupported AAD identity: ACS clients signed in with a Microsoft 365 identity are not supported targets.");
            }
            if !user.tenant_consent {
                return fails(300, 403, 5223, "Acs interop does not allow this user target in dial out.");
            }
            if !user.licensed {
                return fails(300, 403, 7604, "Unauthorized Teams Interop Scenario: the Teams user needs a Teams Phone license with Enterprise Voice.");
            }
            if user.presence == super::config::Presence::Offline {
                return fails(1_000, 480, 10076, "The Teams user is registered but offline.");
            }
            by_behavior(&user.behavior, timeout_ms)
        }
        IdentifierKind::PhoneNumber(p) => {
            let known = world.customers.iter().find(|c| {
                crate::ids::canonical_raw_id(&format!("4:{}", c.phone))
                    == crate::ids::canonical_raw_id(&format!("4:{}", p.value))
            });
            by_behavior(&known.map(|c| c.behavior.clone()).unwrap_or_default(), timeout_ms)
        }
        IdentifierKind::CommunicationUser(u) => match world.agents.iter().find(|a| a.id == u.id) {
            Some(a) => by_behavior(&a.behavior, timeout_ms),
            None => fails(timeout_ms.min(5_000), 480, 10078, "The ACS user is not registered or not reachable."),
        },
        IdentifierKind::MicrosoftTeamsApp(_) | IdentifierKind::TeamsExtensionUser(_) => {
            by_behavior(&Behavior::default(), timeout_ms)
        }
        IdentifierKind::Unknown(_) => fails(200, 400, 8523, "The target identifier is not supported."),
    }
}

/// What the Teams client of `target` shows when it rings, if `target` is a Teams user.
pub fn sighting(
    world: &WorldConfig,
    target: &CommunicationIdentifier,
    display_name: Option<&str>,
    caller: &str,
    at: i64,
) -> Option<Sighting> {
    let IdentifierKind::MicrosoftTeamsUser(u) = target.kind() else { return None };
    let user = world
        .teams
        .iter()
        .find(|t| t.object_id.eq_ignore_ascii_case(&u.user_id) && t.cloud.eq_ignore_ascii_case(u.cloud.as_str()))?;
    let custom = display_name.filter(|_| user.client.shows_display_name());
    Some(Sighting {
        at,
        object_id: user.object_id.clone(),
        client: user.client,
        shown_caller: custom.unwrap_or(caller).to_owned(),
        custom_display_name: custom.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> WorldConfig {
        WorldConfig::demo()
    }

    fn teams(oid: &str) -> CommunicationIdentifier {
        CommunicationIdentifier::from_raw_id(&format!("8:orgid:{oid}"))
    }

    #[test]
    fn teams_rules() {
        let w = world();
        assert!(matches!(
            decide(&w, &teams("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), 60_000),
            Outcome::Answers { after_ms: 3000, .. }
        ));
        assert!(matches!(
            decide(&w, &teams("2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"), 60_000),
            Outcome::Fails { code: 603, .. }
        ));
        assert!(matches!(
            decide(&w, &teams("0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e"), 60_000),
            Outcome::Fails { code: 403, sub_code: 7604, .. }
        ));
        assert!(matches!(
            decide(&w, &teams("6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170"), 30_000),
            Outcome::Fails { code: 408, after_ms: 30_000, .. }
        ));
        assert!(matches!(
            decide(&w, &teams("00000000-0000-4000-8000-000000000000"), 60_000),
            Outcome::Fails { code: 404, .. }
        ));
        let mut w2 = world();
        w2.teams[0].tenant_consent = false;
        assert!(matches!(
            decide(&w2, &teams("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), 60_000),
            Outcome::Fails { sub_code: 5223, .. }
        ));
        w2.teams[0].client = TeamsClient::AcsM365;
        assert!(matches!(
            decide(&w2, &teams("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), 60_000),
            Outcome::Fails { sub_code: 7500, .. }
        ));
        // Answering later than the timeout is a timeout.
        assert!(matches!(
            decide(&world(), &teams("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), 1_000),
            Outcome::Fails { code: 408, .. }
        ));
    }

    #[test]
    fn custom_display_name_only_on_desktop_and_web() {
        let w = world();
        let desk =
            sighting(&w, &teams("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), Some("Contoso Support"), "+18005550100", 5)
                .unwrap();
        assert_eq!((desk.shown_caller.as_str(), desk.custom_display_name), ("Contoso Support", true));
        let ios =
            sighting(&w, &teams("2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"), Some("Contoso Support"), "+18005550100", 5)
                .unwrap();
        assert_eq!((ios.shown_caller.as_str(), ios.custom_display_name), ("+18005550100", false));
        assert!(sighting(&w, &CommunicationIdentifier::phone_number("+14255550123"), Some("x"), "y", 0).is_none());
    }
}
