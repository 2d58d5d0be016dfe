//! Request routing: the control API, Graph presence and the token endpoints by path; ACS
//! operations through the core's operation table, after the checks ACS makes — api-version,
//! HMAC signature, Repeatability — and the injected request faults.

use super::faults::RequestFault;
use super::{calls, control, media, Emulator, LogEntry, Request, Response};
use crate::auth::hmac::{self, IncomingRequest};
use crate::auth::HttpDate;
use crate::model::{from_text, KeepsUnknown};
use crate::ops::{self, Body, OperationMeta};

/// The stable versions (SPEC §1.1), the one the official JS SDK 1.6.0 sends (§8), and the
/// preview the examples use.
const API_VERSIONS: [&str; 7] =
    ["2023-03-06", "2023-10-15", "2024-04-15", "2024-09-15", "2025-05-15", "2026-03-12", "2024-09-01-preview"];

/// Splits `path?query` and returns the query parameter `name`.
pub(super) fn query<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    let q = path.split_once('?')?.1;
    q.split('&').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

/// Percent-decodes a path segment (raw ids arrive as `8%3Aacs%3A...`).
pub(super) fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Matches a path against an operation's template; returns its decoded path parameters.
fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut rest = path;
    let mut t = template;
    while !t.is_empty() {
        if let Some(after) = t.strip_prefix('{') {
            let end = after.find('}')?;
            t = &after[end + 1..];
            let stop = rest.find(['/', ':']).unwrap_or(rest.len());
            if stop == 0 {
                return None;
            }
            values.push(decode(&rest[..stop]));
            rest = &rest[stop..];
        } else {
            let lit_end = t.find('{').unwrap_or(t.len());
            rest = rest.strip_prefix(&t[..lit_end])?;
            t = &t[lit_end..];
        }
    }
    rest.is_empty().then_some(values)
}

fn find_operation(method: &str, path: &str) -> Option<(&'static OperationMeta, Vec<String>)> {
    ops::OPERATIONS.iter().filter(|m| m.method.as_str() == method).find_map(|m| matches(m.path, path).map(|v| (m, v)))
}

/// Routes one request.
pub(super) fn route(emu: &mut Emulator, req: &Request) -> Response {
    let path_only = req.path.split('?').next().unwrap_or("");
    if let Some(rest) = path_only.strip_prefix("/control/") {
        return control::handle(emu, req, rest);
    }
    match (req.method.as_str(), path_only) {
        ("POST", "/v1.0/communications/getPresencesByUserId") => return control::presences(emu, req),
        ("POST", p) if p.ends_with("/oauth2/v2.0/token") && p.matches('/').count() == 4 => {
            return control::entra_token(emu, req)
        }
        ("GET", "/calling/keys") => return Response::json(200, &emu.signer().jwks()),
        ("GET", "/calling/.well-known/acsopenidconfiguration") => {
            return Response::json(200, &emu.signer().openid_configuration(&emu.origin))
        }
        _ => {}
    }
    let Some((meta, params)) = find_operation(&req.method, path_only) else {
        let res = Response::error(
            404,
            "NotFound",
            &format!("No HTTP resource was found that matches the request URI '{}{}'.", emu.origin, req.path),
        );
        log_request(emu, req, None, &res, None, false);
        return res;
    };
    acs(emu, req, meta, &params)
}

fn log_request(
    emu: &mut Emulator,
    req: &Request,
    op: Option<&'static OperationMeta>,
    res: &Response,
    fault: Option<&'static str>,
    repeated: bool,
) {
    let body = std::str::from_utf8(&req.body).ok().and_then(super::log::raw);
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct CallId {
        call_connection_id: Option<String>,
    }
    let call = req
        .path
        .strip_prefix("/calling/callConnections/")
        .map(|r| r.split([':', '/', '?']).next().unwrap_or("").to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            body.as_ref().and_then(|b| serde_json::from_str::<CallId>(b.get()).ok()).and_then(|c| c.call_connection_id)
        });
    emu.push_log(LogEntry {
        kind: "request",
        method: Some(req.method.clone()),
        path: Some(req.path.clone()),
        operation: op.map(|m| m.name),
        status: Some(res.status),
        call_connection_id: call,
        repeatability_request_id: req.header("repeatability-request-id").map(str::to_owned),
        repeated,
        fault,
        body,
        ..LogEntry::default()
    });
}

fn authenticate(emu: &Emulator, req: &Request) -> Result<(), Response> {
    let host = req.header("x-ms-host").or(req.header("host")).unwrap_or("");
    let path_and_query = req.path.as_str();
    let incoming = IncomingRequest {
        method: &req.method,
        path_and_query,
        host,
        date: req.header("x-ms-date").or(req.header("date")),
        content_sha256: req.header("x-ms-content-sha256"),
        authorization: req.header("authorization"),
        body: &req.body,
    };
    hmac::verify(&incoming, &emu.key, HttpDate::from_unix_millis(emu.now))
        .map_err(|e| Response::error(401, "7509", &format!("HMAC authentication failed: {e}.")))
}

/// Parses and checks a typed body; a bad one answers 400 naming the field.
fn body<B: Body + KeepsUnknown>(req: &Request) -> Result<B, Response> {
    let text =
        std::str::from_utf8(&req.body).map_err(|_| Response::error(400, "8523", "The request body is not UTF-8."))?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    let bad = |e: crate::FieldError| Response::bad_field("8523", &e.field, &format!("Invalid request body: {e}"));
    let b: B = from_text(text, &[]).map_err(bad)?;
    b.validate().map_err(bad)?;
    Ok(b)
}

fn fingerprint(req: &Request) -> String {
    format!("{} {} {}", req.method, req.path.split('?').next().unwrap_or(""), hmac::content_hash(&req.body))
}

fn acs(emu: &mut Emulator, req: &Request, meta: &'static OperationMeta, params: &[String]) -> Response {
    let version = query(&req.path, "api-version").unwrap_or("");
    let preview_only = ops::PREVIEW_ONLY.contains(&meta.name) && !version.ends_with("-preview");
    if !API_VERSIONS.contains(&version) || preview_only {
        let res = Response::error(
            404,
            "NotFound",
            &format!("No HTTP resource was found that matches the request URI '{}{}'.", emu.origin, req.path),
        );
        log_request(emu, req, Some(meta), &res, None, false);
        return res;
    }
    if let Err(res) = authenticate(emu, req) {
        log_request(emu, req, Some(meta), &res, None, false);
        return res;
    }
    let call = meta.params.iter().position(|p| *p == "callConnectionId").and_then(|i| params.get(i));
    let fault = if emu.world.faults.requests.applies_to(meta.name, call.map(String::as_str)) {
        emu.dice.request(&emu.world.faults.requests)
    } else {
        RequestFault::None
    };
    match fault {
        RequestFault::Throttle => {
            let retry = emu.world.faults.requests.retry_after_s.unwrap_or(1);
            let mut res = Response::error(429, "TooManyRequests", "Too many requests; retry after the given delay.");
            res.headers.push(("Retry-After".into(), retry.to_string()));
            log_request(emu, req, Some(meta), &res, Some("throttle"), false);
            return res;
        }
        RequestFault::ServerError => {
            let res = Response::error(503, "9999", "Service unavailable; retry the request.");
            log_request(emu, req, Some(meta), &res, Some("server_error"), false);
            return res;
        }
        _ => {}
    }
    let repeat_id = req.header("repeatability-request-id").filter(|_| meta.repeatable).map(str::to_owned);
    if let Some(id) = &repeat_id {
        if req.header("repeatability-first-sent").is_none_or(|d| HttpDate::parse(d).is_none()) {
            let res = Response::error(
                400,
                "8523",
                "Repeatability-First-Sent must accompany Repeatability-Request-ID as an RFC 1123 date.",
            );
            log_request(emu, req, Some(meta), &res, None, false);
            return res;
        }
        if let Some((print, stored)) = emu.repeat.get(id).cloned() {
            let res = if print == fingerprint(req) {
                stored
            } else {
                Response::error(409, "Conflict", "Repeatability-Request-ID was already used for a different request.")
            };
            log_request(emu, req, Some(meta), &res, None, true);
            return res;
        }
    }
    let mut res = dispatch(emu, req, meta, params, version);
    if let Some(id) = repeat_id.filter(|_| res.status < 500) {
        emu.repeat.insert(id, (fingerprint(req), res.clone()));
    }
    let mut fault_name = None;
    if fault == RequestFault::ServerErrorAfterAction {
        res = Response::error(500, "9999", "Internal server error.");
        fault_name = Some("server_error_after_action");
    }
    log_request(emu, req, Some(meta), &res, fault_name, false);
    res
}

macro_rules! with_body {
    ($req:expr, $ty:ty, |$b:ident| $then:expr) => {
        match body::<$ty>($req) {
            Ok($b) => $then,
            Err(r) => r,
        }
    };
}

fn dispatch(
    emu: &mut Emulator,
    req: &Request,
    meta: &'static OperationMeta,
    params: &[String],
    version: &str,
) -> Response {
    use crate::ops::*;
    let p0 = params.first().cloned().unwrap_or_default();
    match meta.name {
        "createCall" => with_body!(req, create_call::CreateCallRequest, |b| calls::create(emu, b)),
        "answerCall" => with_body!(req, answer_call::AnswerCallRequest, |b| calls::answer(emu, b)),
        "redirectCall" => with_body!(req, redirect_call::RedirectCallRequest, |b| calls::redirect(emu, b)),
        "rejectCall" => with_body!(req, reject_call::RejectCallRequest, |b| calls::reject(emu, b)),
        "connect" => with_body!(req, connect::ConnectRequest, |b| calls::connect_call(emu, b)),
        "getCall" => calls::get(emu, &p0),
        "hangupCall" => calls::hangup(emu, &p0),
        "terminateCall" => calls::terminate(emu, &p0),
        "transferToParticipant" => {
            with_body!(req, transfer_to_participant::TransferToParticipantRequest, |b| calls::transfer(emu, &p0, b))
        }
        "getParticipants" => {
            let skip = query(&req.path, "skip").and_then(|s| s.parse().ok()).unwrap_or(0);
            calls::participants(emu, &p0, skip, version)
        }
        "getParticipant" => calls::participant(emu, &p0, params.get(1).map_or("", String::as_str)),
        "addParticipant" => with_body!(req, add_participant::AddParticipantRequest, |b| calls::add(emu, &p0, b)),
        "removeParticipant" => {
            with_body!(req, remove_participant::RemoveParticipantRequest, |b| calls::remove(emu, &p0, b))
        }
        "muteParticipants" => {
            with_body!(req, mute_participants::MuteParticipantsRequest, |b| calls::mute(emu, &p0, b, true))
        }
        "unmuteParticipants" => {
            with_body!(req, mute_participants::MuteParticipantsRequest, |b| calls::mute(emu, &p0, b, false))
        }
        "cancelAddParticipant" => {
            with_body!(req, cancel_add_participant::CancelAddParticipantRequest, |b| calls::cancel_add(emu, &p0, b))
        }
        "hold" => with_body!(req, hold::HoldRequest, |b| {
            let target = b.target_participant.clone();
            calls::hold(emu, &p0, &target, true, Some(b))
        }),
        "unhold" => with_body!(req, properties::TargetParticipantRequest, |b| calls::hold(
            emu,
            &p0,
            &b.target_participant,
            false,
            None
        )),
        "play" => with_body!(req, play::PlayRequest, |b| media::play(emu, &p0, b)),
        "interruptAudioAndAnnounce" => {
            with_body!(req, interrupt_audio_and_announce::InterruptAudioAndAnnounceRequest, |b| media::interrupt(
                emu, &p0, b
            ))
        }
        "cancelAllMediaOperations" => media::cancel_all(emu, &p0),
        "recognize" => with_body!(req, recognize::RecognizeRequest, |b| media::recognize(emu, &p0, b)),
        "startContinuousDtmfRecognition" | "stopContinuousDtmfRecognition" => {
            with_body!(req, properties::TargetParticipantRequest, |b| media::simple(
                emu,
                &p0,
                meta.name,
                &serde_json::to_value(&b).unwrap_or_default(),
                200
            ))
        }
        "sendDtmfTones" => with_body!(req, send_dtmf_tones::SendDtmfTonesRequest, |b| media::simple(
            emu,
            &p0,
            meta.name,
            &serde_json::to_value(&b).unwrap_or_default(),
            202
        )),
        "startTranscription" | "updateTranscription" => {
            with_body!(req, transcription::TranscriptionRequest, |b| media::simple(
                emu,
                &p0,
                meta.name,
                &serde_json::to_value(&b).unwrap_or_default(),
                202
            ))
        }
        "stopTranscription" | "startMediaStreaming" | "stopMediaStreaming" => {
            with_body!(req, properties::OperationContextRequest, |b| media::simple(
                emu,
                &p0,
                meta.name,
                &serde_json::to_value(&b).unwrap_or_default(),
                202
            ))
        }
        "startRecording" => with_body!(req, recording::StartCallRecordingRequest, |b| super::recording::start(emu, b)),
        "getRecordingProperties" => super::recording::get(emu, &p0),
        "stopRecording" => super::recording::stop(emu, &p0),
        "pauseRecording" => super::recording::pause(emu, &p0),
        "resumeRecording" => super::recording::resume(emu, &p0),
        _ => Response::error(404, "NotFound", "Unknown operation."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_paths_with_encoded_parameters() {
        let (m, p) = find_operation("GET", "/calling/callConnections/c-1/participants/8%3Aacs%3Ar_u").unwrap();
        assert_eq!((m.name, p), ("getParticipant", vec!["c-1".to_owned(), "8:acs:r_u".to_owned()]));
        assert_eq!(find_operation("POST", "/calling/callConnections/c-1:terminate").unwrap().0.name, "terminateCall");
        assert_eq!(find_operation("DELETE", "/calling/callConnections/c-1").unwrap().0.name, "hangupCall");
        assert_eq!(find_operation("GET", "/calling/callConnections/c-1").unwrap().0.name, "getCall");
        assert_eq!(find_operation("POST", "/calling/callConnections").unwrap().0.name, "createCall");
        assert_eq!(find_operation("POST", "/calling/callConnections:answer").unwrap().0.name, "answerCall");
        assert_eq!(
            find_operation("POST", "/calling/recordings/eyJ%2Fx%3D:pause").unwrap().1,
            vec!["eyJ/x=".to_owned()]
        );
        assert!(find_operation("POST", "/calling/callConnections/c-1:fly").is_none());
        assert!(find_operation("PUT", "/calling/callConnections").is_none());
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(decode("4%3A%2B1425"), "4:+1425");
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%zz%2"), "%zz%2");
        assert_eq!(decode("%é1"), "%é1");
        assert_eq!(query("/a?api-version=2025-05-15&skip=100", "skip"), Some("100"));
    }
}
