//! Agent requests on a call, read from their JSON bodies into typed commands. Every bad value
//! is a 400 naming its field; unknown members are refused (a typo must not be silently lost).

use serde_json::{Map, Value};

use super::error::ApiError;
use super::routes::{CallRoute, RecordingVerb};
use super::target;
use crate::{CommunicationIdentifier, EntraObjectId, FieldError, TeamsCloud};

/// How many participants one add may name.
pub const MAX_PARTICIPANTS_PER_ADD: usize = 10;

/// Options shared by commands that invite someone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InviteOptions {
    /// Shown to the callee instead of the caller id (Teams desktop and web clients only).
    pub source_display_name: Option<String>,
    /// Caller id shown to PSTN callees (E.164, owned by the resource).
    pub source_caller_id_number: Option<String>,
    /// How long to ring (ACS: 1–180 s, default 60).
    pub invitation_timeout_in_seconds: Option<i64>,
}

/// What an agent asks of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentCommand {
    /// Outbound call.
    CreateCall {
        /// Who to call.
        targets: Vec<CommunicationIdentifier>,
        /// Display name and caller id.
        invite: InviteOptions,
    },
    /// Add one or more participants.
    AddParticipants {
        /// Who.
        participants: Vec<CommunicationIdentifier>,
        /// Display name, caller id, timeout.
        invite: InviteOptions,
    },
    /// Remove one.
    RemoveParticipant {
        /// Who.
        participant: CommunicationIdentifier,
    },
    /// Cancel a ringing invitation, by id or by the invitee.
    CancelAdd {
        /// The add's invitation id.
        invitation_id: Option<String>,
        /// Or the invitee (its pending invitation id is looked up).
        participant: Option<CommunicationIdentifier>,
    },
    /// Play audio files.
    Play {
        /// File URLs, played in order.
        files: Vec<String>,
        /// Only to these (empty: to all).
        play_to: Vec<CommunicationIdentifier>,
        /// Repeat until cancelled.
        loop_audio: bool,
    },
    /// Blind transfer.
    Transfer {
        /// The new party.
        target: CommunicationIdentifier,
        /// Who is transferred (group calls; Teams calls refuse it).
        transferee: Option<CommunicationIdentifier>,
    },
    /// Answer an offered call.
    Answer,
    /// Redirect an offered call.
    Redirect {
        /// Where to.
        target: CommunicationIdentifier,
    },
    /// Reject an offered call.
    Reject {
        /// `none`, `busy` or `forbidden`.
        reason: Option<String>,
    },
    /// Leave the call.
    Hangup,
    /// End the call for everyone.
    Terminate,
    /// Recording.
    Recording {
        /// Which.
        verb: RecordingVerb,
        /// For start: `recordingContentType`, `recordingChannelType`, `recordingFormatType`.
        options: Map<String, Value>,
    },
    /// The expert-consultation workflow.
    Consult {
        /// The Teams expert.
        expert: CommunicationIdentifier,
        /// Display name, timeout.
        invite: InviteOptions,
        /// Played to the expert once they join.
        greeting_url: Option<String>,
        /// Record the consultation (started before the expert is invited, so it stays stoppable).
        record: Option<bool>,
    },
}

/// A command with the caller's correlation key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandRequest {
    /// The command.
    pub command: AgentCommand,
    /// `operationContext` to use (generated when absent).
    pub operation_context: Option<String>,
}

/// Reads a call route's body. `body` may be empty for commands that take none.
pub fn read(route: &CallRoute, body: &str) -> Result<CommandRequest, ApiError> {
    let members = members(body)?;
    let mut b = Body { members, used: Vec::new() };
    let operation_context = b.operation_context()?;
    // No outcome of these comes back under a context of the caller's: one given would be lost.
    if operation_context.is_some()
        && matches!(route, CallRoute::Answer | CallRoute::Redirect | CallRoute::Reject | CallRoute::Hangup)
    {
        return Err(ApiError::invalid(FieldError::new(
            "operationContext",
            "is not taken by answer, redirect, reject or hang-up (nothing of theirs reports back with it)",
        )));
    }
    let command = command(route, &mut b).map_err(|e| b.misspelt(e))?;
    b.no_leftovers()?;
    Ok(CommandRequest { command, operation_context })
}

/// The command of a call route, read from its body's members.
fn command(route: &CallRoute, b: &mut Body) -> Result<AgentCommand, ApiError> {
    Ok(match route {
        CallRoute::AddParticipants => {
            // `participant`: one target; `participants`: a list (or one object).
            let participants = match b.target("participant")? {
                Some(_) if b.members.contains_key("participants") => {
                    return Err(ApiError::invalid(FieldError::new(
                        "participants",
                        "give either participant (one) or participants (a list), not both",
                    )));
                }
                Some(one) => vec![one],
                None => {
                    b.used.push("participants");
                    target::list(&b.members, "participants", MAX_PARTICIPANTS_PER_ADD)?
                }
            };
            AgentCommand::AddParticipants { participants, invite: b.invite(true)? }
        }
        CallRoute::CancelAdd => {
            let invitation_id = b.text("invitationId")?;
            if invitation_id.as_deref().is_some_and(|i| i.trim().is_empty()) {
                return Err(ApiError::invalid(FieldError::new(
                    "invitationId",
                    "must not be empty (the id the add answered with)",
                )));
            }
            let participant = b.target("participant")?;
            if invitation_id.is_none() && participant.is_none() {
                return Err(ApiError::invalid(FieldError::new(
                    "invitationId",
                    "is required (or name the participant)",
                )));
            }
            AgentCommand::CancelAdd { invitation_id, participant }
        }
        CallRoute::Play => {
            if b.members.contains_key("fileUrl") && b.members.contains_key("fileUrls") {
                let both = "give either fileUrl (one) or fileUrls (a list), not both";
                return Err(ApiError::invalid(FieldError::new("fileUrls", both)));
            }
            let mut files = Vec::new();
            if let Some(f) = b.text("fileUrl")? {
                files.push(f);
            }
            if let Some(list) = b.take("fileUrls") {
                let items = list.as_array().ok_or_else(|| FieldError::new("fileUrls", "must be an array of URLs"))?;
                for (i, v) in items.iter().enumerate() {
                    let url = v.as_str().ok_or_else(|| FieldError::new(format!("fileUrls[{i}]"), "must be a URL"))?;
                    files.push(url.to_owned());
                }
            }
            if files.is_empty() {
                return Err(ApiError::invalid(FieldError::new("fileUrl", "is required (or fileUrls)")));
            }
            for (i, f) in files.iter().enumerate() {
                if !(f.starts_with("https://") || f.starts_with("http://")) {
                    let field =
                        if b.members.contains_key("fileUrls") { format!("fileUrls[{i}]") } else { "fileUrl".into() };
                    return Err(ApiError::invalid(FieldError::new(
                        field,
                        "must be an http(s) URL of a WAV or MP3 file",
                    )));
                }
            }
            let play_to = match b.members.contains_key("playTo") {
                true => {
                    b.used.push("playTo");
                    target::list(&b.members, "playTo", 100)?
                }
                false => Vec::new(),
            };
            AgentCommand::Play { files, play_to, loop_audio: b.flag("loop")?.unwrap_or(false) }
        }
        CallRoute::Transfer => {
            AgentCommand::Transfer { target: b.required_target("target")?, transferee: b.target("transferee")? }
        }
        CallRoute::Answer => AgentCommand::Answer,
        CallRoute::Redirect => AgentCommand::Redirect { target: b.required_target("target")? },
        CallRoute::Reject => {
            let reason = b.text("reason")?;
            if let Some(r) = &reason {
                if !["none", "busy", "forbidden"].contains(&r.as_str()) {
                    return Err(ApiError::invalid(FieldError::new("reason", "must be none, busy or forbidden")));
                }
            }
            AgentCommand::Reject { reason }
        }
        CallRoute::Hangup => AgentCommand::Hangup,
        CallRoute::Terminate => AgentCommand::Terminate,
        CallRoute::Recording(verb) => {
            let mut options = Map::new();
            if *verb == RecordingVerb::Start {
                for (k, allowed) in [
                    ("recordingContentType", &["audio", "audioVideo"][..]),
                    ("recordingChannelType", &["mixed", "unmixed"][..]),
                    ("recordingFormatType", &["wav", "mp3", "mp4"][..]),
                ] {
                    if let Some(v) = b.text(k)? {
                        if !allowed.contains(&v.as_str()) {
                            return Err(ApiError::invalid(FieldError::new(
                                k,
                                format!("must be one of {}", allowed.join(", ")),
                            )));
                        }
                        options.insert(k.to_owned(), Value::String(v));
                    }
                }
            }
            AgentCommand::Recording { verb: *verb, options }
        }
        CallRoute::Consult => {
            let expert = match b.take("expert") {
                None | Some(Value::Null) => return Err(ApiError::invalid(FieldError::new("expert", "is required"))),
                Some(Value::String(oid)) => CommunicationIdentifier::teams_user(&oid, TeamsCloud::Public)
                    .map_err(|e| FieldError::new("expert", e.to_string()))?,
                Some(v @ Value::Object(_)) => target::read(&v).map_err(|e| e.within("expert"))?,
                Some(_) => {
                    let what = "must be a Teams user: an Entra object id, {\"teamsUserId\"} or a Teams identifier";
                    return Err(ApiError::invalid(FieldError::new("expert", what)));
                }
            };
            if !expert.is_teams_user() {
                return Err(ApiError::invalid(FieldError::new("expert", "must be a Teams user (an Entra object id)")));
            }
            let greeting_url = b.text("greetingUrl")?;
            if let Some(u) = &greeting_url {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(ApiError::invalid(FieldError::new("greetingUrl", "must be an http(s) URL")));
                }
            }
            AgentCommand::Consult { expert, invite: b.invite(false)?, greeting_url, record: b.flag("record")? }
        }
        CallRoute::Get
        | CallRoute::Log
        | CallRoute::Events
        | CallRoute::ListParticipants
        | CallRoute::GetParticipant(_) => {
            return Err(ApiError::new(405, "method_not_allowed", "this route reads; it takes no command"));
        }
        CallRoute::RemoveParticipant(raw) => AgentCommand::RemoveParticipant { participant: raw.to_identifier() },
    })
}

/// Reads `POST /api/calls`.
pub fn read_create_call(body: &str) -> Result<CommandRequest, ApiError> {
    let mut b = Body { members: members(body)?, used: vec!["targets"] };
    let operation_context = b.operation_context()?;
    let targets = target::list(&b.members, "targets", MAX_PARTICIPANTS_PER_ADD)?;
    let invite = b.invite(false)?;
    b.no_leftovers()?;
    Ok(CommandRequest { command: AgentCommand::CreateCall { targets, invite }, operation_context })
}

fn members(body: &str) -> Result<Map<String, Value>, ApiError> {
    if body.trim().is_empty() {
        return Ok(Map::new());
    }
    // An escaped lone surrogate is refused here (400 invalid_json), unlike in ACS's events: an
    // agent's request can be sent again, a call's callback cannot.
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::new(400, "invalid_body", "the body must be a JSON object")),
        Err(e) => Err(ApiError::new(400, "invalid_json", format!("the body is not JSON: {e}"))),
    }
}

/// Refuses control characters (a line break or NUL in a Teams toast, a log line), and for text
/// a person reads (`shown`) the bidirectional overrides and isolates too, which can make a
/// caller's name read as something else ("…\u{202E}lanretxe" shown reversed).
fn plain_text(field: &str, text: &str, shown: bool) -> Result<(), FieldError> {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(|c| c.is_control() || (shown && bidi(c))) {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        if shown {
            "must not contain control characters (line breaks, tabs, NUL) or direction overrides"
        } else {
            "must not contain control characters (line breaks, tabs, NUL)"
        },
    ))
}

struct Body {
    members: Map<String, Value>,
    used: Vec<&'static str>,
}

impl Body {
    fn take(&mut self, k: &'static str) -> Option<Value> {
        self.used.push(k);
        self.members.get(k).cloned()
    }

    fn text(&mut self, k: &'static str) -> Result<Option<String>, FieldError> {
        match self.take(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(FieldError::new(k, "must be a string")),
        }
    }

    /// `operationContext`: 1-256 characters when given (ACS's limit), no control characters.
    fn operation_context(&mut self) -> Result<Option<String>, FieldError> {
        let ctx = self.text("operationContext")?;
        match &ctx {
            Some(c) if c.is_empty() || c.chars().count() > 256 => {
                Err(FieldError::new("operationContext", "must be 1-256 characters"))
            }
            Some(c) => plain_text("operationContext", c, false).map(|()| ctx),
            None => Ok(ctx),
        }
    }

    fn flag(&mut self, k: &'static str) -> Result<Option<bool>, FieldError> {
        match self.take(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(FieldError::new(k, "must be true or false")),
        }
    }

    fn target(&mut self, k: &'static str) -> Result<Option<CommunicationIdentifier>, FieldError> {
        self.used.push(k);
        target::member(&self.members, k)
    }

    fn required_target(&mut self, k: &'static str) -> Result<CommunicationIdentifier, FieldError> {
        self.target(k)?.ok_or_else(|| FieldError::new(k, "is required"))
    }

    fn invite(&mut self, caller_id: bool) -> Result<InviteOptions, FieldError> {
        let source_display_name = self.text("sourceDisplayName")?;
        if let Some(n) = &source_display_name {
            if n.trim().is_empty() || n.chars().count() > 256 {
                return Err(FieldError::new("sourceDisplayName", "must be 1-256 characters"));
            }
            plain_text("sourceDisplayName", n, true)?;
        }
        let source_caller_id_number = if caller_id || self.members.contains_key("sourceCallerIdNumber") {
            let n = self.text("sourceCallerIdNumber")?;
            if let Some(n) = &n {
                CommunicationIdentifier::phone_number(n).validate_target().map_err(|e| {
                    FieldError::new("sourceCallerIdNumber", e.message.replace("phoneNumber.value: ", ""))
                })?;
            }
            n
        } else {
            None
        };
        let invitation_timeout_in_seconds = match self.take("invitationTimeoutInSeconds") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(s @ 1..=180) => Some(s),
                _ => return Err(FieldError::new("invitationTimeoutInSeconds", "must be a whole number from 1 to 180")),
            },
            Some(_) => return Err(FieldError::new("invitationTimeoutInSeconds", "must be a number of seconds")),
        };
        Ok(InviteOptions { source_display_name, source_caller_id_number, invitation_timeout_in_seconds })
    }

    /// A required member is missing while the body has an unread one that looks like it
    /// (`expertId` for `expert`, `tagret` for `target`): say so under the name the client sent.
    fn misspelt(&self, e: ApiError) -> ApiError {
        let Some(missing) = e.field.as_deref().filter(|_| e.message.ends_with(": is required")) else { return e };
        let like = |k: &str| {
            let (k, m) = (k.to_ascii_lowercase(), missing.to_ascii_lowercase());
            k.contains(&m) || m.contains(&k) || edit_distance(&k, &m) <= 2
        };
        match self.members.keys().find(|k| !self.used.contains(&k.as_str()) && like(k)) {
            Some(k) => ApiError::invalid(FieldError::new(
                k.as_str(),
                format!("is not a member of this request ({missing} is required)"),
            )),
            None => e,
        }
    }

    fn no_leftovers(&self) -> Result<(), FieldError> {
        match self.members.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(FieldError::new(k.as_str(), "is not a member of this request")),
            None => Ok(()),
        }
    }
}

/// Levenshtein distance of two short ASCII names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let next = (diagonal + usize::from(x != *y)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Reads an Entra object id given as a bare string (the console's expert picker).
pub fn expert_id(value: &str) -> Result<EntraObjectId, FieldError> {
    EntraObjectId::parse(value).map_err(|e| FieldError::new("expert", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DANA: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";

    fn err(route: CallRoute, body: &str) -> ApiError {
        read(&route, body).unwrap_err()
    }

    #[test]
    fn add_participants_reads_one_or_many_with_options() {
        let body = format!(
            r#"{{"participants":[{{"teamsUserId":"{DANA}"}},{{"phoneNumber":"+14255550199"}}],"sourceDisplayName":"Contoso Support","invitationTimeoutInSeconds":30,"operationContext":"x"}}"#
        );
        let r = read(&CallRoute::AddParticipants, &body).unwrap();
        let AgentCommand::AddParticipants { participants, invite } = r.command else { panic!() };
        assert_eq!(participants.len(), 2);
        assert_eq!(invite.source_display_name.as_deref(), Some("Contoso Support"));
        assert_eq!(invite.invitation_timeout_in_seconds, Some(30));
        assert_eq!(r.operation_context.as_deref(), Some("x"));
        let one =
            read(&CallRoute::AddParticipants, &format!(r#"{{"participant":{{"teamsUserId":"{DANA}"}}}}"#)).unwrap();
        assert!(matches!(one.command, AgentCommand::AddParticipants { participants, .. } if participants.len() == 1));
    }

    #[test]
    fn an_operation_context_nothing_would_report_back_is_refused_not_dropped() {
        for route in [CallRoute::Answer, CallRoute::Redirect, CallRoute::Reject, CallRoute::Hangup] {
            let e = err(route.clone(), r#"{"operationContext":"mine"}"#);
            assert_eq!((e.status, e.field.as_deref()), (400, Some("operationContext")), "{route:?}");
        }
        let r = read(&CallRoute::Terminate, r#"{"operationContext":"mine"}"#).unwrap();
        assert_eq!(r.operation_context.as_deref(), Some("mine"));
    }

    #[test]
    fn control_characters_and_direction_overrides_are_refused_where_people_or_logs_read_them() {
        let add = |extra: &str| format!(r#"{{"participant":{{"teamsUserId":"{DANA}"}}{extra}}}"#);
        // JSON escapes, as a browser would send them.
        for name in [r"Microsoft\nIT Security", r"a\u0000b", r"Contoso \u202Eroirepus", r"x\u2066y", r"\u0085"] {
            let e = err(CallRoute::AddParticipants, &add(&format!(r#","sourceDisplayName":"{name}""#)));
            assert_eq!((e.status, e.field.as_deref()), (400, Some("sourceDisplayName")), "{name}");
        }
        let e = err(CallRoute::Terminate, r#"{"operationContext":"a\nb"}"#);
        assert_eq!((e.status, e.field.as_deref()), (400, Some("operationContext")));
        // Letters of any script, emoji and a right-to-left name are fine.
        let ok = read(
            &CallRoute::AddParticipants,
            &add(r#","sourceDisplayName":"Zoë Ørsted 🎧 دعم","operationContext":"expert ü""#),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn bad_bodies_name_the_field() {
        assert_eq!(err(CallRoute::AddParticipants, "{").code, "invalid_json");
        assert_eq!(err(CallRoute::AddParticipants, "[]").code, "invalid_body");
        assert_eq!(err(CallRoute::AddParticipants, "{}").field.as_deref(), Some("participants"));
        let e = err(
            CallRoute::AddParticipants,
            &format!(r#"{{"participants":[{{"teamsUserId":"{DANA}"}}],"invitationTimeoutInSeconds":500}}"#),
        );
        assert_eq!(e.field.as_deref(), Some("invitationTimeoutInSeconds"));
        let e = err(
            CallRoute::AddParticipants,
            &format!(r#"{{"participants":[{{"teamsUserId":"{DANA}"}}],"sourceDisplayname":"typo"}}"#),
        );
        assert_eq!((e.status, e.field.as_deref()), (400, Some("sourceDisplayname")));
        // `participant` is one target, not a list; errors name it as sent.
        let e = err(CallRoute::AddParticipants, &format!(r#"{{"participant":[{{"teamsUserId":"{DANA}"}}]}}"#));
        assert_eq!(e.field.as_deref(), Some("participant"));
        let e = err(CallRoute::AddParticipants, r#"{"participant":{"teamsUserId":"dana"}}"#);
        assert_eq!(e.field.as_deref(), Some("participant.teamsUserId"));
        assert_eq!(err(CallRoute::CancelAdd, r#"{"invitationId":""}"#).field.as_deref(), Some("invitationId"));
        for ctx in [String::new(), "x".repeat(257)] {
            let body = format!(r#"{{"targets":[{{"teamsUserId":"{DANA}"}}],"operationContext":"{ctx}"}}"#);
            assert_eq!(read_create_call(&body).unwrap_err().field.as_deref(), Some("operationContext"));
        }
        assert_eq!(err(CallRoute::Play, "{}").field.as_deref(), Some("fileUrl"));
        let both = err(CallRoute::Play, r#"{"fileUrl":"https://a/a.wav","fileUrls":["https://a/b.wav"]}"#);
        assert_eq!((both.field.as_deref(), both.message.contains("not both")), (Some("fileUrls"), true));
        assert_eq!(err(CallRoute::Play, r#"{"fileUrl":"ftp://x"}"#).field.as_deref(), Some("fileUrl"));
        assert_eq!(
            err(CallRoute::Play, r#"{"fileUrls":["https://a/b.wav", 3]}"#).field.as_deref(),
            Some("fileUrls[1]")
        );
        assert_eq!(err(CallRoute::Reject, r#"{"reason":"rude"}"#).field.as_deref(), Some("reason"));
        assert_eq!(err(CallRoute::Consult, r#"{"expert":"dana"}"#).field.as_deref(), Some("expert"));
        let five = err(CallRoute::Consult, r#"{"expert":5}"#);
        assert_eq!(five.field.as_deref(), Some("expert"));
        assert!(five.message.contains("Teams user") && !five.message.contains("phoneNumber"), "{}", five.message);
        assert_eq!(
            err(CallRoute::Consult, r#"{"expert":{"phoneNumber":"+14255550199"}}"#).field.as_deref(),
            Some("expert")
        );
        let e = err(CallRoute::Recording(RecordingVerb::Start), r#"{"recordingFormatType":"ogg"}"#);
        assert_eq!(e.field.as_deref(), Some("recordingFormatType"));
        assert_eq!(err(CallRoute::Terminate, r#"{"force":true}"#).field.as_deref(), Some("force"));
        assert_eq!(err(CallRoute::CancelAdd, "{}").field.as_deref(), Some("invitationId"));
    }

    #[test]
    fn a_misspelt_required_member_is_named_as_sent() {
        for (route, body, field, message) in [
            (
                CallRoute::Consult,
                format!(r#"{{"expertId":"{DANA}"}}"#),
                "expertId",
                "is not a member of this request (expert is required)",
            ),
            (
                CallRoute::Redirect,
                format!(r#"{{"tagret":{{"teamsUserId":"{DANA}"}}}}"#),
                "tagret",
                "is not a member of this request (target is required)",
            ),
        ] {
            let e = err(route, &body);
            assert_eq!(
                (e.field.as_deref(), e.message.as_str()),
                (Some(field), format!("{field}: {message}").as_str()),
                "{body}"
            );
        }
        // A member unlike the missing one is not blamed for it.
        let e = err(CallRoute::Consult, r#"{"record":true}"#);
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("expert"), "expert: is required"));
        assert_eq!(edit_distance("teamsUserld", "teamsUserId"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn consult_takes_a_bare_object_id_and_options() {
        let r = read(&CallRoute::Consult, &format!(r#"{{"expert":"{DANA}","sourceDisplayName":"Contoso Support","greetingUrl":"https://x/hello.wav","record":true}}"#)).unwrap();
        let AgentCommand::Consult { expert, invite, greeting_url, record } = r.command else { panic!() };
        assert_eq!(expert.raw_id().as_str(), format!("8:orgid:{DANA}"));
        assert_eq!(invite.source_display_name.as_deref(), Some("Contoso Support"));
        assert_eq!(greeting_url.as_deref(), Some("https://x/hello.wav"));
        assert_eq!(record, Some(true));
    }

    #[test]
    fn empty_bodies_are_fine_where_nothing_is_needed() {
        assert_eq!(read(&CallRoute::Terminate, "").unwrap().command, AgentCommand::Terminate);
        assert_eq!(read(&CallRoute::Hangup, "  ").unwrap().command, AgentCommand::Hangup);
        let c =
            read_create_call(&format!(r#"{{"targets":[{{"teamsUserId":"{DANA}"}}],"sourceDisplayName":"Contoso"}}"#))
                .unwrap();
        assert!(matches!(c.command, AgentCommand::CreateCall { targets, .. } if targets.len() == 1));
        assert_eq!(read_create_call("{}").unwrap_err().field.as_deref(), Some("targets"));
    }
}
