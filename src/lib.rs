//! Switchboard: programmable call control for Azure Communication Services (ACS) Call Automation
//! with Microsoft Teams interop.
//!
//! The crate is a sans-IO core — identifiers, request signing, typed operations, events, a call
//! state reducer and the Teams-interop capability rules — that takes time, ids and bytes as inputs
//! and returns values. The edges (`js` for the npm package, `worker` for the Cloudflare Worker)
//! do the I/O. See `SPEC.md` references in each module for the wire details.
//!
//! ```
//! use switchboard::auth::{ConnectionString, HttpDate, Repeatability};
//! use switchboard::ops::add_participant::{AddParticipant, AddParticipantRequest};
//! use switchboard::ops::{build_request, RequestOptions};
//! use switchboard::{call::CallState, events::parse_events, CommunicationIdentifier, TeamsCloud};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cs = ConnectionString::parse("endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
//! let expert = CommunicationIdentifier::teams_user("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", TeamsCloud::Public)?;
//! let mut body = AddParticipantRequest::new(expert);
//! body.source_display_name = Some("Contoso Support".into());
//! let op = AddParticipant { call_connection_id: "401f3500-62bd-46a9-8c09-9e1b06caca01".into(), body };
//! // Time and randomness are inputs: the core never reads a clock.
//! let now = HttpDate::from_unix_seconds(1_743_508_800);
//! let repeat = Repeatability::from_random([7; 16], now);
//! let request = build_request(&op, &cs, &RequestOptions::new(now).repeatability(&repeat))?;
//! assert!(request.url.ends_with("/participants:add?api-version=2025-05-15"));
//!
//! let mut state = CallState::new();
//! let body = r#"[{"id":"1","type":"Microsoft.Communication.CallConnected","source":"calling/callConnections/401f3500-62bd-46a9-8c09-9e1b06caca01","data":{}}]"#;
//! for event in parse_events(body)? {
//!     state.apply(&event);
//! }
//! assert!(state.can(&switchboard::call::Action::new("addParticipant")?).is_ok());
//! # Ok(())
//! # }
//! ```

#[cfg(all(feature = "js", feature = "worker"))]
compile_error!("features `js` and `worker` build two different artifacts; enable only one");

pub mod api;
pub mod auth;
pub mod call;
#[cfg(test)]
mod dice;
pub mod doc;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod events;
pub mod flow;
pub mod ids;
pub mod json_path;
pub mod model;
pub mod ops;
pub mod overflow;
mod small_sort;
pub mod tenant;
pub mod time;

#[cfg(feature = "js")]
mod js;
#[cfg(feature = "worker")]
mod worker;

pub use error::FieldError;
pub use ids::{CommunicationIdentifier, EntraObjectId, IdentifierKind, RawId, TeamsCloud};

/// The ACS Call Automation API version this crate speaks by default (SPEC §1.1).
pub const DEFAULT_API_VERSION: &str = "2025-05-15";

/// The API version of the operations no stable version has ([`ops::PREVIEW_ONLY`]; SPEC §2.5):
/// their default.
pub const PREVIEW_API_VERSION: &str = "2024-09-01-preview";
