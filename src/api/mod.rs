//! The Worker's HTTP surface as data, with no I/O: routes (one table for the router, the
//! OpenAPI document and the tests), agent request bodies read into typed commands, and the
//! error shape. The Worker (`src/worker/`) only moves bytes through these.

pub mod checks;
pub mod commands;
mod error;
pub mod experts;
pub mod openapi;
pub mod routes;
pub mod target;
pub mod url;

pub use commands::{AgentCommand, CommandRequest, InviteOptions};
pub use error::ApiError;
pub use routes::{Auth, CallRoute, RecordingVerb, Route, RouteDoc, ROUTES};
pub use url::{callback_origin, RequestUrl};
