//! Call Automation REST operations (SPEC §2): one file per operation with its request body,
//! response body and metadata (method, path, success status, Repeatability), plus the builder
//! that turns an operation into a signed HTTP request value any client can send.

mod build;
mod macros;
mod params;
pub mod properties;
mod response;
pub mod schema;
mod validate;

pub mod add_participant;
pub mod answer_call;
pub mod cancel_add_participant;
pub mod cancel_all_media_operations;
pub mod connect;
pub mod continuous_dtmf;
pub mod create_call;
pub mod get_call;
pub mod get_participant;
pub mod get_participants;
pub mod hangup_call;
pub mod hold;
pub mod interrupt_audio_and_announce;
pub mod media_streaming;
pub mod mute_participants;
pub mod play;
pub mod recognize;
pub mod recording;
pub mod redirect_call;
pub mod reject_call;
pub mod remove_participant;
pub mod send_dtmf_tones;
pub mod terminate_call;
pub mod transcription;
pub mod transfer_to_participant;
pub mod unmute_participants;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use build::{build_request, encode_component, HttpRequest, RequestOptions};
pub use params::{
    build_by_members, build_by_name, from_params, operation_by_name, parse_by_name, parse_response_by_name,
    schema_by_name, OpError, ParsedOperation, OPERATIONS,
};
pub use response::{parse_response, NoContent, ResponseError};

use crate::model::{Extra, KeepsUnknown};
use crate::FieldError;

/// HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// DELETE.
    Delete,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operations only preview API versions have (SPEC §2.2, §2.5): built with
/// [`crate::PREVIEW_API_VERSION`] unless another version is asked for.
pub const PREVIEW_ONLY: [&str; 2] = ["unmuteParticipants", "interruptAudioAndAnnounce"];

/// The `api-version` operation `name` is built with when none is asked for: the stable
/// [`crate::DEFAULT_API_VERSION`], or [`crate::PREVIEW_API_VERSION`] for the [`PREVIEW_ONLY`] ones.
pub fn default_api_version(name: &str) -> &'static str {
    if PREVIEW_ONLY.contains(&name) {
        crate::PREVIEW_API_VERSION
    } else {
        crate::DEFAULT_API_VERSION
    }
}

/// What a route table needs to know of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationMeta {
    /// The operation's name in the REST spec, camelCase (`addParticipant`).
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/calling/callConnections/{callConnectionId}/participants:add`.
    pub path: &'static str,
    /// Path parameter names, in template order.
    pub params: &'static [&'static str],
    /// Success statuses (the first is the usual one).
    pub success: &'static [u16],
    /// Accepts `Repeatability-Request-ID` / `Repeatability-First-Sent` (SPEC §1.5).
    pub repeatable: bool,
    /// Sends a JSON body.
    pub has_body: bool,
}

/// A request body: serialisable, checkable before sending, and honest about unknown members.
pub trait Body: Serialize + DeserializeOwned + KeepsUnknown {
    /// False only for [`NoBody`].
    const PRESENT: bool = true;

    /// The members, their kinds and cross-member rules (see [`schema`]).
    const SCHEMA: &'static schema::Schema;

    /// Checks values ACS would refuse (identifier shapes, ranges, required combinations), by the
    /// body's [`Body::SCHEMA`]. Errors name the field within the body.
    fn validate(&self) -> Result<(), FieldError> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(members)) => schema::check(Self::SCHEMA, &members),
            _ => Ok(()),
        }
    }

    /// Members this crate does not model (kept and sent as given).
    fn extra(&self) -> Option<&Extra> {
        None
    }
}

/// The body of an operation that sends none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoBody;

impl Serialize for NoBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for NoBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoBody)
    }
}

impl KeepsUnknown for NoBody {}

impl Body for NoBody {
    const PRESENT: bool = false;
    const SCHEMA: &'static schema::Schema = &schema::Schema { fields: &[], check: None };
}

/// One REST operation: metadata, path parameters, body and response type.
pub trait Operation: Sized {
    /// Method, path, status, Repeatability.
    const META: OperationMeta;
    /// Request body type ([`NoBody`] when none is sent).
    type Body: Body;
    /// Success response type ([`NoContent`] when none comes back).
    type Response: DeserializeOwned + Serialize + KeepsUnknown;

    /// Path parameter values in template order (raw, not yet encoded).
    fn path_values(&self) -> Vec<&str>;

    /// The body.
    fn body(&self) -> &Self::Body;

    /// Assembles the operation from path values (template order) and a body.
    fn from_parts(path: Vec<String>, body: Self::Body) -> Self;

    /// An absolute URL to use instead of the template (paging `nextLink`).
    fn url_override(&self) -> Option<&str> {
        None
    }

    /// Names of parameters that are neither path nor body (e.g. `nextLink`).
    const EXTRA_PARAMS: &'static [&'static str] = &[];

    /// Receives the [`Operation::EXTRA_PARAMS`] found in a params object.
    fn set_extra_params(&mut self, _params: Extra) -> Result<(), FieldError> {
        Ok(())
    }
}
