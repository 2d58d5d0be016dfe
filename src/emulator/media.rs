//! Media operations: play (to all or some) and recognize (DTMF refused with Teams users in the
//! call), run one at a time in the order asked unless one interrupts; cancel all; continuous
//! DTMF, send DTMF, transcription and media streaming.

use serde_json::{json, Value};

use super::calls::{live, Call};
use super::events::info;
use super::{Emulator, Job, Response};
use crate::events::CallEvent;
use crate::model::{ChoiceResult, DtmfResult, SpeechResult, Tone};
use crate::model::{PlaySource, PlaySourceKind, RecognizeInputType};
use crate::ops::{interrupt_audio_and_announce, play, recognize};

/// The media operation in progress on a call.
#[derive(Clone, Debug)]
pub(crate) struct MediaOp {
    id: u64,
    kind: Kind,
    operation_context: Option<String>,
    callback: String,
    looped: bool,
}

#[derive(Clone, Debug)]
enum Kind {
    Play { ok: bool },
    Recognize { outcome: Recognized },
}

#[derive(Clone, Debug)]
enum Recognized {
    Dtmf(Vec<String>),
    Speech(String),
    Choice(String),
    Failed(i32, i32, &'static str),
}

fn connected<'a>(emu: &'a mut Emulator, call_id: &str) -> Result<&'a mut Call, Response> {
    let c = live(emu, call_id)?;
    if c.state != crate::model::CallConnectionState::Connected {
        return Err(Response::error(400, "8501", "Action is not valid: the call is not established yet."));
    }
    Ok(c)
}

/// A file the service can play: WAV (or MP3) over http(s) (SPEC §7.20: 16 kHz mono 16-bit WAV).
fn playable(sources: &[PlaySource]) -> bool {
    sources.iter().all(|s| match (&s.kind, &s.file) {
        (PlaySourceKind::File, Some(f)) => {
            let path = f.uri.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
            path.ends_with(".wav") || path.ends_with(".mp3")
        }
        _ => true,
    })
}

/// Starts a media operation, or queues it behind the one in progress (ACS runs a call's media
/// operations one at a time, in order). With `interrupt` (`interruptCallMediaOperation`, or
/// interruptAudioAndAnnounce) it barges in: the operation in progress is cancelled and the new
/// one starts now, ahead of the queued ones.
fn start(emu: &mut Emulator, call_id: &str, op: Op, interrupt: bool) -> u64 {
    let id = emu.next_seq();
    let Some(c) = emu.calls.get_mut(call_id) else { return id };
    let m = MediaOp {
        id,
        kind: op.kind,
        operation_context: op.operation_context,
        callback: op.callback.unwrap_or_else(|| c.callback_uri.clone()),
        looped: op.looped,
    };
    if c.media.is_some() && !interrupt {
        c.media_queue.push(m);
        return id;
    }
    if let Some(p) = c.media.replace(m) {
        cancelled(emu, call_id, &p, emu.now);
    }
    let at = emu.now + emu.world.timing.event_delay_ms;
    emu.schedule(at, Job::MediaStarted { call: call_id.to_owned(), op: id });
    id
}

/// What a play or recognize asked for.
struct Op {
    kind: Kind,
    operation_context: Option<String>,
    callback: Option<String>,
    looped: bool,
}

/// The next queued operation, when the one in progress has ended.
fn next(emu: &mut Emulator, call_id: &str, at: i64) {
    let Some(c) = emu.calls.get_mut(call_id).filter(|c| c.media.is_none() && !c.media_queue.is_empty()) else {
        return;
    };
    let m = c.media_queue.remove(0);
    let id = m.id;
    c.media = Some(m);
    emu.schedule(at + emu.world.timing.event_delay_ms, Job::MediaStarted { call: call_id.to_owned(), op: id });
}

fn cancelled(emu: &mut Emulator, call_id: &str, op: &MediaOp, at: i64) {
    let name = match op.kind {
        Kind::Play { .. } => "PlayCanceled",
        Kind::Recognize { .. } => "RecognizeCanceled",
    };
    emu.emit_call(
        call_id,
        &op.callback.clone(),
        name,
        at,
        CallEvent {
            operation_context: op.operation_context.clone(),
            result_information: Some(info(400, 8508, "Action falied, the operation was canceled.")),
            ..CallEvent::default()
        },
    );
}

pub(super) fn play(emu: &mut Emulator, call_id: &str, body: play::PlayRequest) -> Response {
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    for t in body.play_to.iter().flatten() {
        if c.leg(t).is_none() {
            return Response::error(400, "8558", "A playTo participant is not present in the call.");
        }
    }
    let ok = playable(&body.play_sources);
    let looped = body.play_options.as_ref().is_some_and(|o| o.loop_);
    let interrupt = body.interrupt_call_media_operation == Some(true);
    let op = Op {
        kind: Kind::Play { ok },
        operation_context: body.operation_context,
        callback: body.operation_callback_uri,
        looped,
    };
    start(emu, call_id, op, interrupt);
    Response::empty(202)
}

pub(super) fn interrupt(
    emu: &mut Emulator,
    call_id: &str,
    body: interrupt_audio_and_announce::InterruptAudioAndAnnounceRequest,
) -> Response {
    if let Err(r) = connected(emu, call_id) {
        return r;
    }
    let ok = playable(&body.play_sources);
    let op = Op { kind: Kind::Play { ok }, operation_context: body.operation_context, callback: None, looped: false };
    start(emu, call_id, op, true);
    Response::empty(202)
}

pub(super) fn recognize(emu: &mut Emulator, call_id: &str, body: recognize::RecognizeRequest) -> Response {
    let world_customers = emu.world.customers.clone();
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let target = body.recognize_options.target_participant.clone();
    if c.leg(&target).is_none() {
        return Response::error(400, "8558", "The recognize target is not present in the call.");
    }
    let teams_in_call = c.legs.iter().any(|l| l.id.is_teams_user());
    let behavior = world_customers
        .iter()
        .find(|cu| crate::ids::canonical_raw_id(&format!("4:{}", cu.phone)) == target.raw_id().canonical())
        .map(|cu| cu.behavior.clone())
        .unwrap_or_default();
    let outcome = match body.recognize_input_type {
        // The seed's table: DTMF recognition is not available in calls with Teams users.
        RecognizeInputType::Dtmf | RecognizeInputType::SpeechOrDtmf if teams_in_call => {
            Recognized::Failed(405, 8520, "DTMF recognition is not supported in calls with Microsoft Teams users.")
        }
        RecognizeInputType::Dtmf | RecognizeInputType::SpeechOrDtmf => Recognized::Dtmf(
            behavior.dtmf.unwrap_or_else(|| ["one", "two", "three", "pound"].map(String::from).to_vec()),
        ),
        RecognizeInputType::Speech => {
            Recognized::Speech(behavior.speech.unwrap_or_else(|| "I need help with my invoice".into()))
        }
        RecognizeInputType::Choices => {
            let first = body
                .recognize_options
                .choices
                .as_ref()
                .and_then(|c| c.first())
                .map(|c| c.label.clone())
                .unwrap_or_default();
            Recognized::Choice(first)
        }
        RecognizeInputType::Other(_) => Recognized::Failed(400, 8523, "Unsupported recognizeInputType."),
    };
    let interrupt = body.interrupt_call_media_operation == Some(true);
    let op = Op {
        kind: Kind::Recognize { outcome },
        operation_context: body.operation_context,
        callback: body.operation_callback_uri,
        looped: false,
    };
    start(emu, call_id, op, interrupt);
    Response::empty(202)
}

pub(super) fn cancel_all(emu: &mut Emulator, call_id: &str) -> Response {
    let c = match live(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // The one in progress, then the queued ones, each with its cancelled event.
    let ops: Vec<MediaOp> = c.media.take().into_iter().chain(c.media_queue.drain(..)).collect();
    let at = emu.now + emu.world.timing.event_delay_ms;
    for op in &ops {
        cancelled(emu, call_id, op, at);
    }
    Response::empty(202)
}

/// PlayStarted (recognize has no start event).
pub(super) fn started(emu: &mut Emulator, call_id: &str, op: u64, at: i64) {
    let Some(m) = emu.calls.get(call_id).and_then(|c| c.media.clone()).filter(|m| m.id == op) else { return };
    let duration = emu.world.timing.play_duration_ms;
    match &m.kind {
        Kind::Play { ok: true } => {
            emu.emit_call(
                call_id,
                &m.callback,
                "PlayStarted",
                at,
                CallEvent {
                    operation_context: m.operation_context.clone(),
                    result_information: Some(info(200, 0, "Action completed successfully.")),
                    ..CallEvent::default()
                },
            );
            if !m.looped {
                emu.schedule(at + duration, Job::MediaDone { call: call_id.to_owned(), op });
            }
        }
        Kind::Play { ok: false } => emu.schedule(at, Job::MediaDone { call: call_id.to_owned(), op }),
        Kind::Recognize { .. } => emu.schedule(at + duration / 2, Job::MediaDone { call: call_id.to_owned(), op }),
    }
}

/// PlayCompleted / PlayFailed / RecognizeCompleted / RecognizeFailed.
pub(super) fn done(emu: &mut Emulator, call_id: &str, op: u64, at: i64) {
    let Some(m) = emu.calls.get_mut(call_id).and_then(|c| c.media.take_if(|m| m.id == op)) else { return };
    let mut e = CallEvent { operation_context: m.operation_context.clone(), ..CallEvent::default() };
    let name = match m.kind {
        Kind::Play { ok: true } => {
            e.result_information = Some(info(200, 0, "Action completed successfully."));
            "PlayCompleted"
        }
        Kind::Play { ok: false } => {
            e.failed_play_source_index = Some(0);
            e.result_information = Some(info(400, 8535, "Action failed, file format is invalid."));
            "PlayFailed"
        }
        Kind::Recognize { outcome: Recognized::Dtmf(tones) } => {
            e.recognition_type = Some("dtmf".into());
            e.dtmf_result = Some(DtmfResult { tones: tones.iter().map(|t| Tone::parse(t)).collect() });
            e.result_information = Some(info(200, 8514, "Action completed, stop tone detected."));
            "RecognizeCompleted"
        }
        Kind::Recognize { outcome: Recognized::Speech(text) } => {
            e.recognition_type = Some("speech".into());
            e.speech_result = Some(SpeechResult { speech: text, confidence: Some(0.92) });
            e.result_information = Some(info(200, 8569, "Action completed, speech recognized."));
            "RecognizeCompleted"
        }
        Kind::Recognize { outcome: Recognized::Choice(label) } => {
            e.recognition_type = Some("choices".into());
            e.choice_result =
                Some(ChoiceResult { recognized_phrase: Some(label.clone()), label, confidence: Some(0.9) });
            e.result_information = Some(info(200, 8545, "Action completed, recognized option matched."));
            "RecognizeCompleted"
        }
        Kind::Recognize { outcome: Recognized::Failed(code, sub, message) } => {
            e.result_information = Some(info(code, sub, message));
            "RecognizeFailed"
        }
    };
    emu.emit_call(call_id, &m.callback, name, at, e);
    next(emu, call_id, at);
}

/// Operations whose only observable effect is an event: continuous DTMF, send DTMF,
/// transcription and media streaming. `status` is the HTTP success status.
pub(super) fn simple(emu: &mut Emulator, call_id: &str, operation: &str, body: &Value, status: u16) -> Response {
    let delay = emu.world.timing.event_delay_ms;
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let teams_in_call = c.legs.iter().any(|l| l.id.is_teams_user());
    let callback = body
        .get("operationCallbackUri")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| c.callback_uri.clone());
    let context = body.get("operationContext").and_then(Value::as_str).map(str::to_owned);
    let at = emu.now + delay;
    let ok = info(200, 0, "Action completed successfully.");
    let (event, outcome) = match operation {
        "startContinuousDtmfRecognition" if teams_in_call => (
            "ContinuousDtmfRecognitionToneFailed",
            info(405, 8520, "DTMF recognition is not supported in calls with Microsoft Teams users."),
        ),
        "startContinuousDtmfRecognition" => ("", ok),
        "stopContinuousDtmfRecognition" => ("ContinuousDtmfRecognitionStopped", ok),
        "sendDtmfTones" => ("SendDtmfTonesCompleted", ok),
        "startTranscription" => ("TranscriptionStarted", ok),
        "stopTranscription" => ("TranscriptionStopped", ok),
        "updateTranscription" => ("TranscriptionUpdated", ok),
        "startMediaStreaming" => ("MediaStreamingStarted", ok),
        "stopMediaStreaming" => ("MediaStreamingStopped", ok),
        _ => ("", ok),
    };
    if !event.is_empty() {
        emu.emit_call(
            call_id,
            &callback,
            event,
            at,
            CallEvent { operation_context: context.clone(), result_information: Some(outcome), ..CallEvent::default() },
        );
    }
    if operation == "sendDtmfTones" {
        return Response::json(status, &json!({"operationContext": context}));
    }
    Response::empty(status)
}
