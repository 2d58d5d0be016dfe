//! Requests across the boundary: a connection string parsed once (`Connection`), options as
//! plain arguments, and the signed request handed back as lines the wrapper splits
//! (`method`, `url`, the header count, each header's name and value, then the body) — no JSON
//! to build here or to parse there.

use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use super::{
    connection_string, date_from_millis, date_option, error, field_error, now, object, random_uuid, string_option,
    with_input, DATE_RANGE,
};
use crate::auth::{ConnectionString, HttpDate, Repeatability};
use crate::ops::{self, HttpRequest, OpError, RequestOptions};

/// The per-request inputs, as the wrapper passes them (NaN: not given).
pub(super) struct Inputs {
    /// Signing time, Unix ms; NaN for now.
    pub date: f64,
    /// Repeatability-Request-ID; `None` for a fresh random one.
    pub request_id: Option<String>,
    /// Repeatability-First-Sent, Unix ms; NaN for `date`.
    pub first_sent: f64,
    /// `api-version`; `None` for the default.
    pub api_version: Option<String>,
    /// `x-ms-client-request-id`.
    pub client_request_id: Option<String>,
    /// Send members this version does not model.
    pub allow_unknown_fields: bool,
}

/// `buildRequest`'s options object (JSON text, dates as Unix ms or strings), plus `by`.
pub(super) fn options_from_json(text: &str) -> Result<(Inputs, Option<String>), JsValue> {
    let options = object("invalid_options", "options", text)?;
    let ms = |d: Option<HttpDate>| d.map_or(f64::NAN, |d| (d.unix_seconds() * 1000) as f64);
    let built = Inputs {
        date: ms(date_option(&options, "date")?),
        request_id: string_option(&options, "repeatabilityRequestId")?.map(str::to_owned),
        first_sent: ms(date_option(&options, "repeatabilityFirstSent")?),
        api_version: string_option(&options, "apiVersion")?.map(str::to_owned),
        client_request_id: string_option(&options, "clientRequestId")?.map(str::to_owned),
        allow_unknown_fields: match options.get("allowUnknownFields") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(error("invalid_options", "must be true or false", Some("allowUnknownFields"))),
        },
    };
    Ok((built, string_option(&options, "by")?.map(str::to_owned)))
}

fn op_error(e: OpError) -> JsValue {
    match e {
        OpError::UnknownOperation(_) => error("unknown_operation", &e.to_string(), Some("operation")),
        OpError::Invalid(f) if f.field == "apiVersion" || f.field == "repeatabilityRequestId" => {
            field_error("invalid_options", &f)
        }
        OpError::Invalid(f) => field_error("invalid_params", &f),
    }
}

/// `method \n url \n n \n (name \n value \n)×n body` — every value but the body is one line:
/// the core writes them, except `x-ms-client-request-id`, refused with a line break.
fn lines(req: HttpRequest) -> String {
    let mut out = String::with_capacity(160 + req.body.len() + 48 * req.headers.len());
    out.push_str(req.method.as_str());
    out.push('\n');
    out.push_str(&req.url);
    out.push('\n');
    out.push_str(&req.headers.len().to_string());
    for (name, value) in &req.headers {
        out.push('\n');
        out.push_str(name);
        out.push('\n');
        out.push_str(value);
    }
    out.push('\n');
    // The core writes the body as JSON text.
    out.push_str(std::str::from_utf8(&req.body).unwrap_or_default());
    out
}

/// An ACS resource's connection string, parsed once: the wrapper keeps one per connection
/// string, so a request costs no endpoint or key parsing.
#[wasm_bindgen(js_name = Connection)]
pub struct Connection {
    cs: ConnectionString,
}

impl Connection {
    /// Builds from params already parsed.
    pub(super) fn build_params(
        &self,
        operation: &str,
        params: &Map<String, Value>,
        o: &Inputs,
    ) -> Result<String, JsValue> {
        let given = |ms: f64, field: &str| {
            date_from_millis(ms).ok_or_else(|| error("invalid_options", DATE_RANGE, Some(field)))
        };
        let date = if o.date.is_nan() { now() } else { given(o.date, "date")? };
        let first_sent = if o.first_sent.is_nan() { date } else { given(o.first_sent, "repeatabilityFirstSent")? };
        let request_id = match &o.request_id {
            Some(id) => id.clone(),
            None => random_uuid()?,
        };
        let repeatability = Repeatability { request_id, first_sent };
        let mut opts = RequestOptions::new(date).repeatability(&repeatability);
        if let Some(v) = &o.api_version {
            opts = opts.api_version(v);
        }
        if let Some(id) = o.client_request_id.as_deref() {
            // A header value: printable ASCII (a line break would also split the wrapper's lines).
            if !id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(error(
                    "invalid_options",
                    "must be printable ASCII: it is sent as the x-ms-client-request-id header (no line break)",
                    Some("clientRequestId"),
                ));
            }
            opts.client_request_id = Some(id);
        }
        let req =
            ops::build_by_members(operation, params, &self.cs, &opts, !o.allow_unknown_fields).map_err(op_error)?;
        Ok(lines(req))
    }
}

#[wasm_bindgen(js_class = Connection)]
impl Connection {
    /// Parses the connection string (`endpoint=https://…;accesskey=…`).
    #[wasm_bindgen(constructor)]
    pub fn new(connection: &str) -> Result<Connection, JsValue> {
        Ok(Connection { cs: connection_string(connection)? })
    }

    /// Builds and signs an operation from its params (JSON text in the input buffer, `params`
    /// bytes long); see [`lines`] for the result.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        &self,
        operation: &str,
        params: usize,
        date: f64,
        request_id: Option<String>,
        first_sent: f64,
        api_version: Option<String>,
        client_request_id: Option<String>,
        allow_unknown_fields: bool,
    ) -> Result<String, JsValue> {
        let params = with_input(params, params_object)?;
        let o = Inputs { date, request_id, first_sent, api_version, client_request_id, allow_unknown_fields };
        self.build_params(operation, &params, &o)
    }

    /// [`Self::build`] with `buildRequest`'s options object as JSON (dates may be strings).
    #[wasm_bindgen(js_name = buildWithOptions)]
    pub fn build_with_options(&self, operation: &str, params: usize, options: &str) -> Result<String, JsValue> {
        let params = with_input(params, params_object)?;
        let (o, _) = options_from_json(options)?;
        self.build_params(operation, &params, &o)
    }
}

fn params_object(text: &str) -> Result<Map<String, Value>, JsValue> {
    if !text.trim_start().starts_with('{') {
        return Err(error("invalid_params", "params must be a JSON object", None));
    }
    crate::json_path::from_text_mended(text).map_err(|e| field_error("invalid_params", &e))
}
