//! Callback and Event Grid events (SPEC §3): one [`EventData`] enum with a typed body per known
//! type and [`EventData::Unknown`] keeping the raw JSON of anything else — parsing never fails
//! because ACS added an event type or a field.
//!
//! [`parse_events`] takes a webhook body as delivered: a JSON array or a single object, in the
//! CloudEvents schema (mid-call callbacks, `specversion` in any casing) or the Event Grid schema
//! (`eventType`, `eventTime`, `topic`).

mod data;
#[cfg(feature = "fast-reader")]
mod fast;
mod flat;
mod parse;

use serde_json::value::RawValue;

pub use data::{CallEvent, Common, IncomingCallData, SubscriptionValidationData};
#[cfg(all(feature = "fast-reader", feature = "js"))]
pub(crate) use fast::Spans;
pub use flat::{flat_patch, to_flat_json};
#[cfg(all(feature = "fast-reader", feature = "js"))]
pub(crate) use parse::one_event_code;
pub use parse::parse_events;

/// Prefix of every ACS event type.
pub const TYPE_PREFIX: &str = "Microsoft.Communication.";

/// Which envelope the event came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSchema {
    /// CloudEvents 1.0 (`type`, `source`, `time`, `specversion`).
    CloudEvents,
    /// Event Grid schema (`eventType`, `topic`, `eventTime`).
    EventGrid,
}

/// Why a body could not be read as events. Each names what is wrong and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all.
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    /// JSON, but neither an array of events nor one event object.
    #[error("the body must be a JSON array of events or a single event object")]
    NotEvents,
    /// An element lacks or mistypes an envelope member.
    #[error("event {index}: {field}: {message}")]
    Envelope {
        /// Position in the array (0 for a single object).
        index: usize,
        /// The envelope member (`id`, `type`, `data`, ...).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The `data` of a known event type does not have that type's shape.
    #[error("event {index} ({event_type}): data{}{field}: {message}", if field.is_empty() { "" } else { "." })]
    Data {
        /// Position in the array.
        index: usize,
        /// The event type.
        event_type: String,
        /// Dotted path inside `data`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl EventError {
    /// A stable code for JS errors and HTTP bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "invalid_json",
            Self::NotEvents => "not_events",
            Self::Envelope { .. } => "invalid_event",
            Self::Data { .. } => "invalid_event_data",
        }
    }

    /// The offending field as a path from the body (`[2].data.participants[0].identifier`).
    pub fn field(&self) -> Option<String> {
        match self {
            Self::Json(_) | Self::NotEvents => None,
            Self::Envelope { index, field, .. } => Some(format!("[{index}].{field}")),
            Self::Data { index, field, .. } if field.is_empty() => Some(format!("[{index}].data")),
            Self::Data { index, field, .. } => Some(format!("[{index}].data.{field}")),
        }
    }
}

/// An event of a type this crate does not know, kept whole.
#[derive(Clone, Debug)]
pub struct UnknownEvent {
    /// The full type as received (`Microsoft.Communication.TeamsFutureThing`).
    pub event_type: String,
    /// The `data` member, if any, as raw JSON.
    pub data: Option<Box<RawValue>>,
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type
            && self.data.as_ref().map(|d| d.get()) == other.data.as_ref().map(|d| d.get())
    }
}

macro_rules! event_data {
    ($($variant:ident($ty:ty)),+ $(,)?) => {
        /// The typed `data` of an event, one variant per event type (name without the
        /// `Microsoft.Communication.` prefix).
        #[derive(Clone, Debug, PartialEq)]
        pub enum EventData {
            $(
                #[doc = concat!("`", stringify!($variant), "`.")]
                $variant($ty),
            )+
            /// `IncomingCall` (Event Grid).
            IncomingCall(IncomingCallData),
            /// `Microsoft.EventGrid.SubscriptionValidationEvent`.
            SubscriptionValidation(SubscriptionValidationData),
            /// `RecordingFileStatusUpdated` (Event Grid): recording chunks ready to download.
            RecordingFileStatusUpdated(serde_json::Value),
            /// Any other type, kept whole.
            Unknown(UnknownEvent),
        }

        /// One number per variant, in declaration order: the index of its name in
        /// [`EventData::NAMES`].
        #[allow(clippy::enum_variant_names)]
        enum Code {
            $($variant,)+
            IncomingCall,
            SubscriptionValidation,
            RecordingFileStatusUpdated,
            Unknown,
        }

        impl EventData {
            /// Every type name [`Self::name`] gives, at the index [`Self::code`] gives.
            pub const NAMES: &'static [&'static str] = &[
                $(stringify!($variant),)+
                "IncomingCall",
                "SubscriptionValidation",
                "RecordingFileStatusUpdated",
                "Unknown",
            ];

            /// The index of [`Self::name`] in [`Self::NAMES`] (a number crosses the wasm
            /// boundary cheaper than a string).
            pub fn code(&self) -> u32 {
                (match self {
                    $(Self::$variant(_) => Code::$variant,)+
                    Self::IncomingCall(_) => Code::IncomingCall,
                    Self::SubscriptionValidation(_) => Code::SubscriptionValidation,
                    Self::RecordingFileStatusUpdated(_) => Code::RecordingFileStatusUpdated,
                    Self::Unknown(_) => Code::Unknown,
                }) as u32
            }

            /// The type name without prefix (`"CallConnected"`), or `"Unknown"`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => stringify!($variant),)+
                    Self::IncomingCall(_) => "IncomingCall",
                    Self::SubscriptionValidation(_) => "SubscriptionValidation",
                    Self::RecordingFileStatusUpdated(_) => "RecordingFileStatusUpdated",
                    Self::Unknown(_) => "Unknown",
                }
            }

            /// The common members, for mid-call callback events.
            pub fn common(&self) -> Option<Common<'_>> {
                match self {
                    $(Self::$variant(d) => Some(d.common()),)+
                    _ => None,
                }
            }

            /// The callback data, for mid-call callback events.
            pub fn call_event(&self) -> Option<&CallEvent> {
                match self {
                    $(Self::$variant(d) => Some(d),)+
                    _ => None,
                }
            }

            fn set_call_connection_id(&mut self, id: String) {
                match self {
                    $(Self::$variant(d) => d.call_connection_id = id,)+
                    _ => {}
                }
            }

            /// True when `name` (without prefix) is a callback event type known here.
            fn is_callback(name: &str) -> bool {
                matches!(name, $(stringify!($variant))|+)
            }

            /// The variant for the short type name `name` holding `data`; `None` when the type
            /// is not a callback event type known here.
            fn from_call_event(name: &str, data: CallEvent) -> Option<Self> {
                Some(match name {
                    $(stringify!($variant) => Self::$variant(data),)+
                    _ => return None,
                })
            }

            /// Parses `data` for the short type name `name`; `None` when the type is not a
            /// callback event type known here.
            fn parse_callback(name: &str, data: &str) -> Option<Result<Self, crate::FieldError>> {
                // One typed parse for every type (they share `CallEvent`): an arm per type
                // would repeat the call and the move of the result 44 times in the wasm.
                if !Self::is_callback(name) {
                    return None;
                }
                Some(parse::typed::<CallEvent>(data).map(|d| Self::from_call_event(name, d).expect("a callback type")))
            }
        }
    };
}

event_data! {
    CallConnected(CallEvent),
    CallDisconnected(CallEvent),
    CreateCallFailed(CallEvent),
    AnswerFailed(CallEvent),
    ConnectFailed(CallEvent),
    CallTransferAccepted(CallEvent),
    CallTransferFailed(CallEvent),
    AddParticipantSucceeded(CallEvent),
    AddParticipantFailed(CallEvent),
    RemoveParticipantSucceeded(CallEvent),
    RemoveParticipantFailed(CallEvent),
    CancelAddParticipantSucceeded(CallEvent),
    CancelAddParticipantFailed(CallEvent),
    ParticipantsUpdated(CallEvent),
    RecordingStateChanged(CallEvent),
    StartRecordingFailed(CallEvent),
    TeamsRecordingStateChanged(CallEvent),
    TeamsComplianceRecordingStateChanged(CallEvent),
    PlayStarted(CallEvent),
    PlayCompleted(CallEvent),
    PlayFailed(CallEvent),
    PlayCanceled(CallEvent),
    PlayPaused(CallEvent),
    PlayResumed(CallEvent),
    RecognizeCompleted(CallEvent),
    RecognizeFailed(CallEvent),
    RecognizeCanceled(CallEvent),
    ContinuousDtmfRecognitionToneReceived(CallEvent),
    ContinuousDtmfRecognitionToneFailed(CallEvent),
    ContinuousDtmfRecognitionStopped(CallEvent),
    SendDtmfTonesCompleted(CallEvent),
    SendDtmfTonesFailed(CallEvent),
    HoldFailed(CallEvent),
    HoldAudioStarted(CallEvent),
    HoldAudioPaused(CallEvent),
    HoldAudioResumed(CallEvent),
    HoldAudioCompleted(CallEvent),
    MediaStreamingStarted(CallEvent),
    MediaStreamingStopped(CallEvent),
    MediaStreamingFailed(CallEvent),
    TranscriptionStarted(CallEvent),
    TranscriptionStopped(CallEvent),
    TranscriptionUpdated(CallEvent),
    TranscriptionFailed(CallEvent),
}

/// One parsed event: envelope members plus typed data. The element's raw JSON is kept, so
/// forwarding or logging an event loses nothing.
#[derive(Clone, Debug)]
pub struct Event {
    /// Event id (GUID): the deduplication key.
    pub id: String,
    /// The full type as received (`Microsoft.Communication.CallConnected`).
    pub event_type: String,
    /// `source` (CloudEvents) or `topic` (Event Grid).
    pub source: Option<String>,
    /// `subject`.
    pub subject: Option<String>,
    /// `time` / `eventTime`, as received.
    pub time: Option<String>,
    /// Which envelope.
    pub schema: EventSchema,
    /// The typed data.
    pub data: EventData,
    /// The element as received (checked JSON).
    raw: Box<str>,
    /// Byte range of `data` inside `raw`.
    data_span: Option<(usize, usize)>,
    /// `callConnectionId` was taken from `source` because `data` lacked it.
    connection_from_source: bool,
    /// Read by the one-pass reader ([`fast`]), which leaves every legacy spelling to serde:
    /// nothing to normalise in the flat shape.
    read_fast: bool,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Event {
    /// The type name without prefix (`"ParticipantsUpdated"`), or `"Unknown"`.
    pub fn name(&self) -> &'static str {
        self.data.name()
    }

    /// The call connection a mid-call event is about (from `data`, or from `source`).
    pub fn call_connection_id(&self) -> Option<&str> {
        self.data.common().map(|c| c.call_connection_id).filter(|id| !id.is_empty())
    }

    /// `time` in Unix milliseconds, when it is a valid RFC 3339 date-time.
    pub fn time_millis(&self) -> Option<i64> {
        self.time.as_deref().and_then(crate::time::parse_rfc3339_millis)
    }

    /// The element exactly as received.
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// The `data` member exactly as received.
    pub fn raw_data(&self) -> Option<&str> {
        self.data_span.map(|(a, b)| &self.raw[a..b])
    }
}

#[cfg(test)]
mod tests;
