//! Switchboard: programmable call control for Azure Communication Services (ACS) Call Automation
//! with Microsoft Teams interop.
//!
//! The crate is a sans-IO core — identifiers, request signing, typed operations, events, a call
//! state reducer and the Teams-interop capability rules — that takes time, ids and bytes as inputs
//! and returns values. The edges (`js` for the npm package, `worker` for the Cloudflare Worker)
//! do the I/O. See `SPEC.md` references in each module for the wire details.

#[cfg(all(feature = "js", feature = "worker"))]
compile_error!("features `js` and `worker` build two different artifacts; enable only one");

pub mod auth;
pub mod call;
mod error;
pub mod events;
pub mod ids;
pub mod json_path;
pub mod model;
pub mod ops;
pub mod time;

#[cfg(feature = "js")]
mod js;

pub use error::FieldError;
pub use ids::{CommunicationIdentifier, EntraObjectId, IdentifierKind, RawId, TeamsCloud};

/// The ACS Call Automation API version this crate speaks by default (SPEC §1.1).
pub const DEFAULT_API_VERSION: &str = "2025-05-15";
