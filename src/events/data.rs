//! The `data` of each event type. Callback events share one set of common fields (SPEC §3.2);
//! field sets are shared between event types that carry the same members, which keeps the wasm
//! small (each derived struct costs code).

use serde::{Deserialize, Serialize};

use crate::model::{
    CallParticipant, ChoiceResult, DtmfResult, RecordingKind, RecordingState, ResultInformation,
    SpeechResult, Tone,
};
use crate::CommunicationIdentifier;

/// The common members of every mid-call event, borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Common<'a> {
    /// The call connection the event is about.
    pub call_connection_id: &'a str,
    /// The call's server id.
    pub server_call_id: Option<&'a str>,
    /// Correlation (chain) id.
    pub correlation_id: Option<&'a str>,
    /// Echo of the request's `operationContext` (absent on unsolicited events).
    pub operation_context: Option<&'a str>,
    /// Outcome (code, subCode, message).
    pub result_information: Option<&'a ResultInformation>,
}

/// Access to the common members of a callback event's data.
pub trait CallEventData {
    /// The common members.
    fn common(&self) -> Common<'_>;
    /// Sets the call connection id (filled from `source` when `data` lacks it).
    fn set_call_connection_id(&mut self, id: String);
}

macro_rules! call_event_data {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The call connection the event is about.
            #[serde(default)]
            pub call_connection_id: String,
            /// The call's server id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub server_call_id: Option<String>,
            /// Correlation (chain) id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub correlation_id: Option<String>,
            /// Echo of the request's `operationContext`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub operation_context: Option<String>,
            /// Outcome (legacy payloads call it `resultInfo`).
            #[serde(default, alias = "resultInfo", skip_serializing_if = "Option::is_none")]
            pub result_information: Option<ResultInformation>,
            $($(#[$fm])* pub $field: $ty,)*
        }

        impl CallEventData for $name {
            fn common(&self) -> Common<'_> {
                Common {
                    call_connection_id: &self.call_connection_id,
                    server_call_id: self.server_call_id.as_deref(),
                    correlation_id: self.correlation_id.as_deref(),
                    operation_context: self.operation_context.as_deref(),
                    result_information: self.result_information.as_ref(),
                }
            }

            fn set_call_connection_id(&mut self, id: String) {
                self.call_connection_id = id;
            }
        }
    };
}

call_event_data! {
    /// Events with only the common members (CallConnected, PlayCompleted, ...), plus the index
    /// of a failed play source for PlayFailed / RecognizeFailed.
    pub struct CallEvent {
        /// Which play source failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub failed_play_source_index: Option<i32>,
    }
}

call_event_data! {
    /// Add / remove participant outcomes.
    pub struct ParticipantEvent {
        /// Who was added or removed (a flat identifier, SPEC §9).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub participant: Option<CommunicationIdentifier>,
    }
}

call_event_data! {
    /// Cancel-add-participant outcomes.
    pub struct InvitationEvent {
        /// The cancelled invitation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub invitation_id: Option<String>,
    }
}

call_event_data! {
    /// CallTransferAccepted.
    pub struct TransferAcceptedEvent {
        /// Where the call went.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub transfer_target: Option<CommunicationIdentifier>,
        /// Who was transferred.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub transferee: Option<CommunicationIdentifier>,
    }
}

call_event_data! {
    /// ParticipantsUpdated: the whole roster after a change (no operationContext).
    pub struct ParticipantsUpdatedEvent {
        /// Increases with each roster change (with gaps); orders out-of-order deliveries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sequence_number: Option<i64>,
        /// Everyone in the call now.
        #[serde(default)]
        pub participants: Vec<CallParticipant>,
    }
}

call_event_data! {
    /// RecordingStateChanged, StartRecordingFailed and the preview Teams recording events.
    pub struct RecordingEvent {
        /// Which recording.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub recording_id: Option<String>,
        /// `active` or `inactive`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<RecordingState>,
        /// When recording (re)started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start_date_time: Option<String>,
        /// Who owns it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub recording_kind: Option<RecordingKind>,
    }
}

call_event_data! {
    /// RecognizeCompleted.
    pub struct RecognizeCompletedEvent {
        /// `dtmf`, `speech` or `choices`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub recognition_type: Option<String>,
        /// Tones (legacy payloads: `collectTonesResult`).
        #[serde(default, alias = "collectTonesResult", skip_serializing_if = "Option::is_none")]
        pub dtmf_result: Option<DtmfResult>,
        /// The matched choice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub choice_result: Option<ChoiceResult>,
        /// The recognized speech.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub speech_result: Option<SpeechResult>,
    }
}

call_event_data! {
    /// ContinuousDtmfRecognitionToneReceived.
    pub struct ToneReceivedEvent {
        /// Order of the tone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sequence_id: Option<i64>,
        /// The tone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tone: Option<Tone>,
    }
}

call_event_data! {
    /// MediaStreamingStarted / Stopped / Failed.
    pub struct MediaStreamingEvent {
        /// `{contentType, mediaStreamingStatus, mediaStreamingStatusDetails}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub media_streaming_update: Option<serde_json::Value>,
    }
}

call_event_data! {
    /// TranscriptionStarted / Stopped / Updated / Failed.
    pub struct TranscriptionEvent {
        /// `{transcriptionStatus, transcriptionStatusDetails}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub transcription_update: Option<serde_json::Value>,
    }
}

/// `Microsoft.Communication.IncomingCall` (Event Grid, SPEC §3.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallData {
    /// Who is called (an ACS user or phone number of the resource).
    pub to: CommunicationIdentifier,
    /// The caller.
    pub from: CommunicationIdentifier,
    /// The call's server id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// Often empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<String>,
    /// Opaque, single use: pass to answer / redirect / reject, never parse.
    #[serde(default)]
    pub incoming_call_context: String,
    /// `{sipHeaders, voipHeaders, teamsPhoneCallDetails?}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_context: Option<serde_json::Value>,
    /// Correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Who the call was placed on behalf of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of_callee: Option<CommunicationIdentifier>,
}

/// `Microsoft.EventGrid.SubscriptionValidationEvent` (SPEC §3.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionValidationData {
    /// Echo it as `{"validationResponse": code}` to complete the handshake.
    pub validation_code: String,
    /// Or GET this URL later (asynchronous validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
}
