//! The simulated world, configurable by JSON: the ACS resource, PSTN customers arriving through a
//! Direct Routing SBC, ACS agent users, and a Teams directory with licences, consent, presence,
//! client types and behaviour.

use serde::{Deserialize, Serialize};

/// The well-known development access key of the emulator (Base64 of 32 bytes), like Azurite's
/// for Azure Storage. Never a secret: anyone can sign requests to a local emulator with it.
pub const DEV_ACCESS_KEY: &str = "U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=";

/// The emulated resource's immutable resource id (the `aud` of callback JWTs).
pub const DEV_RESOURCE_ID: &str = "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f";

/// Everything the emulator simulates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct WorldConfig {
    /// Seed of every id and every fault decision: the same seed and script give the same log.
    pub seed: u64,
    /// The ACS resource.
    pub resource: ResourceConfig,
    /// Where inbound calls are announced (`Microsoft.Communication.IncomingCall`).
    pub event_grid: Option<EventGridConfig>,
    /// Timings of the simulated service.
    pub timing: Timing,
    /// PSTN customers.
    pub customers: Vec<Customer>,
    /// ACS agent users.
    pub agents: Vec<Agent>,
    /// The Teams directory.
    pub teams: Vec<TeamsUser>,
    /// Fault injection.
    pub faults: super::faults::Faults,
    /// App registrations the emulated identity platform knows (client id and secret): a token
    /// request from any other is refused. Empty: any client credentials get a token.
    pub entra_apps: Vec<EntraApp>,
}

/// An app registration of the emulated identity platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntraApp {
    /// Application (client) id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            resource: ResourceConfig::default(),
            event_grid: None,
            timing: Timing::default(),
            customers: Vec::new(),
            agents: Vec::new(),
            teams: Vec::new(),
            faults: super::faults::Faults::default(),
            entra_apps: Vec::new(),
        }
    }
}

/// The emulated ACS resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ResourceConfig {
    /// Base64 HMAC key of the connection string.
    pub access_key: String,
    /// Immutable resource id: the `aud` of callback JWTs, the id in the Teams allow-list.
    pub immutable_resource_id: String,
    /// ARM id of the resource (Event Grid `topic` / `source`).
    pub arm_id: String,
    /// Phone numbers the resource owns (customers call these; caller ids for dial-out).
    pub phone_numbers: Vec<String>,
    /// The identity Call Automation acts as (`source` of created calls).
    pub bot_id: String,
}

impl Default for ResourceConfig {
    fn default() -> Self {
        Self {
            access_key: DEV_ACCESS_KEY.into(),
            immutable_resource_id: DEV_RESOURCE_ID.into(),
            arm_id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/switchboard/providers/Microsoft.Communication/communicationServices/switchboard-emulator".into(),
            // The main number, then the demo tenants' offer and queue numbers
            // (config/tenants.dev.json): calls reach only numbers the resource owns.
            phone_numbers: vec!["+18005550100".into(), "+18005550199".into(), "+18005550177".into()],
            bot_id: format!("8:acs:{DEV_RESOURCE_ID}_00000000-0000-0000-0000-000000000b07"),
        }
    }
}

/// The Event Grid subscription for IncomingCall.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventGridConfig {
    /// The webhook (validated by the handshake before the first event).
    pub webhook: String,
    /// `eventGrid` (default) or `cloudEvents` schema.
    #[serde(default)]
    pub schema: EventGridSchema,
}

/// Which delivery schema the subscription uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventGridSchema {
    /// Event Grid schema (`eventType`, `topic`).
    #[default]
    EventGrid,
    /// CloudEvents 1.0.
    CloudEvents,
}

/// How quickly the simulated service reacts (virtual milliseconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Timing {
    /// From a command to its first event.
    pub event_delay_ms: i64,
    /// From answer/create to CallConnected.
    pub connect_delay_ms: i64,
    /// Default invitation timeout when the request gives none.
    pub default_invitation_timeout_s: i64,
    /// Length of any played file.
    pub play_duration_ms: i64,
    /// How long an inbound call rings before the caller gives up.
    pub offer_timeout_ms: i64,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            event_delay_ms: 40,
            connect_delay_ms: 300,
            default_invitation_timeout_s: 60,
            play_duration_ms: 3000,
            offer_timeout_ms: 60_000,
        }
    }
}

/// What a simulated person does when called.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Behavior {
    /// Answers this long after the call rings (default 2 s).
    pub answer_after_ms: Option<i64>,
    /// Declines (603).
    pub decline: bool,
    /// Never answers (the invitation times out: 408).
    pub never_answer: bool,
    /// Hangs up this long after joining.
    pub leave_after_ms: Option<i64>,
    /// DTMF tones entered when asked (default `one two three pound`).
    pub dtmf: Option<Vec<String>>,
    /// What they say when speech is recognised.
    pub speech: Option<String>,
}

/// A PSTN customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Customer {
    /// E.164 number.
    pub phone: String,
    /// Display name (for the console).
    pub name: String,
    /// The Direct Routing SBC the call arrives through.
    #[serde(default)]
    pub via_sbc: Option<String>,
    /// Behaviour when called.
    #[serde(default)]
    pub behavior: Behavior,
}

/// An ACS agent user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Agent {
    /// ACS user id (`8:acs:...`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Behaviour when called.
    #[serde(default)]
    pub behavior: Behavior,
}

/// A Teams user's client (SPEC: the seed's supported-clients table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TeamsClient {
    /// Teams desktop: shows the custom display name.
    #[default]
    Desktop,
    /// Teams web: shows the custom display name.
    Web,
    /// Teams iOS (limited in preview).
    Ios,
    /// Teams Android (limited in preview).
    Android,
    /// An ACS client signed in with a Microsoft 365 identity: not a supported target.
    AcsM365,
}

impl TeamsClient {
    /// Shows `sourceDisplayName` in the incoming-call toast (desktop and web only).
    pub fn shows_display_name(self) -> bool {
        matches!(self, Self::Desktop | Self::Web)
    }
}

/// Graph presence availability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Presence {
    /// Available.
    #[default]
    Available,
    /// Busy.
    Busy,
    /// Do not disturb.
    DoNotDisturb,
    /// Away.
    Away,
    /// Offline.
    Offline,
}

/// A Teams user in the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamsUser {
    /// Entra object id.
    pub object_id: String,
    /// Display name (Teams resolves it from Entra; `sourceDisplayName` never changes it).
    pub display_name: String,
    /// Cloud.
    #[serde(default = "public")]
    pub cloud: String,
    /// Has a Teams Phone licence (with Enterprise Voice).
    #[serde(default = "yes")]
    pub licensed: bool,
    /// The tenant allows this ACS resource (Set-CsTeamsAcsFederationConfiguration).
    #[serde(default = "yes")]
    pub tenant_consent: bool,
    /// Presence, served in Graph's `getPresencesByUserId` shape.
    #[serde(default)]
    pub presence: Presence,
    /// The client they answer on.
    #[serde(default)]
    pub client: TeamsClient,
    /// What they do when called.
    #[serde(default)]
    pub behavior: Behavior,
}

fn public() -> String {
    "public".into()
}

fn yes() -> bool {
    true
}

impl WorldConfig {
    /// The demo world of `npm start`: one customer, one agent, three Teams experts with different
    /// presence, licence and client types (and one more who cannot be reached, for the rules).
    pub fn demo() -> Self {
        let behave = |answer: i64, leave: Option<i64>| Behavior {
            answer_after_ms: Some(answer),
            leave_after_ms: leave,
            ..Behavior::default()
        };
        Self {
            seed: 7,
            customers: vec![Customer {
                phone: "+14255550123".into(),
                name: "Casey Customer".into(),
                via_sbc: Some("sbc.contoso.com".into()),
                behavior: Behavior::default(),
            }],
            agents: vec![Agent {
                id: format!("8:acs:{DEV_RESOURCE_ID}_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21"),
                name: "Alex Agent".into(),
                behavior: behave(800, None),
            }],
            teams: vec![
                TeamsUser {
                    object_id: "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b".into(),
                    display_name: "Dana Expert".into(),
                    cloud: public(),
                    licensed: true,
                    tenant_consent: true,
                    presence: Presence::Available,
                    client: TeamsClient::Desktop,
                    behavior: behave(3000, Some(90_000)),
                },
                TeamsUser {
                    object_id: "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f".into(),
                    display_name: "Robin Specialist".into(),
                    cloud: public(),
                    licensed: true,
                    tenant_consent: true,
                    presence: Presence::Busy,
                    client: TeamsClient::Ios,
                    behavior: Behavior { decline: true, ..Behavior::default() },
                },
                TeamsUser {
                    object_id: "0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e".into(),
                    display_name: "Sam Unlicensed".into(),
                    cloud: public(),
                    licensed: false,
                    tenant_consent: true,
                    presence: Presence::Available,
                    client: TeamsClient::Web,
                    behavior: behave(2000, None),
                },
                TeamsUser {
                    object_id: "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170".into(),
                    display_name: "Jo Away".into(),
                    cloud: public(),
                    licensed: true,
                    tenant_consent: true,
                    presence: Presence::Away,
                    client: TeamsClient::Android,
                    behavior: Behavior { never_answer: true, ..Behavior::default() },
                },
            ],
            ..Self::default()
        }
    }
}
