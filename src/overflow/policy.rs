//! The overflow routing policy: one entry of a tenant's configuration (`overflow`), checked
//! whole at load with every error naming its field (`tenants.contoso.overflow.groups[0]...`).
//!
//! ```json
//! "overflow": {
//!   "holdAudioUrl": "https://contoso.example/hold.wav",
//!   "agents": ["alex"],
//!   "groups": [{"name": "Billing back office", "order": "longestIdle",
//!               "members": ["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", {"objectId": "…", "displayName": "Robin"}]}],
//!   "trigger": {"noFreeAgent": true, "waitedSeconds": 30, "queueLength": 5},
//!   "businessHours": {"utcOffsetMinutes": 60, "daylightSaving": "eu", "days": ["mon","tue","wed","thu","fri"], "open": "08:00", "close": "18:00"},
//!   "afterHours": {"messageUrl": "https://contoso.example/closed.wav"},
//!   "fallback": {"afterSeconds": 120, "messageUrl": "https://contoso.example/sorry.wav", "then": "wait"},
//!   "invitationTimeoutSeconds": 20, "maxOffers": 4, "ringGroup": false, "handoff": "add"
//! }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::doc::{one_of, Obj};
use crate::tenant::Expert;
use crate::{EntraObjectId, FieldError, RawId};

/// How a knowledge-worker group orders its members for the next offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Order {
    /// The member idle longest (since their last queue call ended, or since the queue began).
    LongestIdle,
    /// The member after the one offered last.
    RoundRobin,
    /// The first member in the list who can take it.
    Priority,
}

/// How a call that has been answered into the queue reaches its taker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Handoff {
    /// `addParticipant`: the taker is invited into the call; the queue's leg stops its hold
    /// audio and stays silent, so the Worker sees when the call ends and the taker is free.
    Add,
    /// `addParticipant`, then the queue's leg leaves (`hangupCall`) once the taker has joined:
    /// the caller and the taker carry on without Switchboard; the taker is free again when
    /// Graph presence says so.
    AddThenLeave,
    /// `transferToParticipant` (1:1 only): the call is handed over and the queue's leg leaves;
    /// the taker is free again when Graph presence says so.
    Transfer,
}

/// What happens after the fallback message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Then {
    /// Keep the caller waiting (hold audio again; agents can still take the call).
    Wait,
    /// End the call after the message (a callback-request message).
    End,
}

/// One Teams user of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Entra object id.
    pub object_id: EntraObjectId,
    /// Display name (the console's queue view).
    pub display_name: String,
}

/// A knowledge-worker group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Name (shown in the queue view).
    pub name: String,
    /// Member order.
    pub order: Order,
    /// Members (at least one).
    pub members: Vec<Member>,
}

/// An agent of the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolAgent {
    /// The tenant's agent id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The agent's ACS identity (the queue adds it to the call).
    pub raw_id: RawId,
}

/// When calls overflow to knowledge workers (any one set condition suffices).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    /// No agent of the pool is free.
    pub no_free_agent: bool,
    /// The call has waited at least this long.
    pub waited_seconds: Option<u32>,
    /// More than this many calls are waiting.
    pub queue_length: Option<u32>,
}

/// Which daylight-saving rule moves the clock of the business hours an hour forward in summer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DaylightSaving {
    /// The offset never changes.
    None,
    /// The EU's: from the last Sunday of March to the last Sunday of October, 01:00 UTC.
    Eu,
    /// The US's and Canada's: from the second Sunday of March to the first Sunday of November,
    /// 02:00 local time.
    Us,
}

impl DaylightSaving {
    /// Whether summer time is in force at `unix_s` for a zone `std_offset_s` east of UTC.
    fn in_force(self, unix_s: i64, std_offset_s: i64) -> bool {
        use crate::time::{civil_from_days, days_from_civil};
        let (year, _, _) = civil_from_days((unix_s + std_offset_s).div_euclid(86_400));
        // The `n`th Sunday of a month (n = -1: the last), as a day number.
        let sunday = |month: i64, n: i64| -> i64 {
            if n > 0 {
                let first = days_from_civil(year, month, 1);
                first + (3 - first).rem_euclid(7) + 7 * (n - 1) // day 3 of 1970 was a Sunday
            } else {
                let last = days_from_civil(year, month + 1, 1) - 1;
                last - (last - 3).rem_euclid(7)
            }
        };
        let (start, end) = match self {
            Self::None => return false,
            Self::Eu => (sunday(3, -1) * 86_400 + 3_600, sunday(10, -1) * 86_400 + 3_600),
            // 02:00 local standard time; the end at 02:00 summer time is 01:00 standard.
            Self::Us => (sunday(3, 2) * 86_400 + 7_200 - std_offset_s, sunday(11, 1) * 86_400 + 3_600 - std_offset_s),
        };
        (start..end).contains(&unix_s)
    }
}

/// Opening hours in one UTC offset, moved an hour forward in summer by a daylight-saving rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    /// Minutes east of UTC (standard time).
    pub utc_offset_minutes: i32,
    /// The summer-time rule of the place.
    pub daylight_saving: DaylightSaving,
    /// Open days, Monday first.
    pub days: [bool; 7],
    /// Opening minute of the day.
    pub open_minute: u32,
    /// Closing minute of the day (after `open_minute`).
    pub close_minute: u32,
}

impl BusinessHours {
    /// Whether `now` (Unix ms) is within the hours.
    pub fn is_open(&self, now: i64) -> bool {
        let unix_s = now.div_euclid(1000);
        let std_offset_s = i64::from(self.utc_offset_minutes) * 60;
        let summer = if self.daylight_saving.in_force(unix_s, std_offset_s) { 3_600 } else { 0 };
        let local_s = unix_s + std_offset_s + summer;
        let day = local_s.div_euclid(86_400);
        // 1970-01-01 was a Thursday (index 3, Monday first).
        let weekday = (day + 3).rem_euclid(7) as usize;
        let minute = (local_s.rem_euclid(86_400) / 60) as u32;
        self.days[weekday] && minute >= self.open_minute && minute < self.close_minute
    }
}

/// What happens when nobody takes a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// After this long waiting, or when the offers are used up, whichever is first.
    pub after_seconds: u32,
    /// Played to the caller.
    pub message_url: String,
    /// Then.
    pub then: Then,
}

/// A tenant's overflow policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverflowPolicy {
    /// Played (looped) to waiting callers.
    pub hold_audio_url: String,
    /// The agent pool.
    pub agents: Vec<PoolAgent>,
    /// Knowledge-worker groups, in the order they are tried.
    pub groups: Vec<Group>,
    /// When to overflow.
    pub trigger: Trigger,
    /// Opening hours (`None`: always open).
    pub business_hours: Option<BusinessHours>,
    /// Played before the call is ended outside business hours.
    pub after_hours_message_url: Option<String>,
    /// When nobody takes the call.
    pub fallback: Fallback,
    /// How long an offer rings (`invitationTimeoutInSeconds`).
    pub invitation_timeout_seconds: u32,
    /// Offers per call before the fallback.
    pub max_offers: u32,
    /// Offer a call to every eligible knowledge worker of a group at once; the first to answer
    /// takes it and the other invitations are cancelled.
    pub ring_group: bool,
    /// How an answered call reaches its taker.
    pub handoff: Handoff,
    /// Redirect a call before answering it when the trigger fires on arrival. A redirected call
    /// leaves Switchboard's control: a decline cannot move it to the next candidate.
    pub redirect_unanswered: bool,
    /// Presence older than this is read again before an offer.
    pub presence_max_age_seconds: u32,
}

impl OverflowPolicy {
    /// Every knowledge worker, with the index of their (first) group.
    pub fn members(&self) -> impl Iterator<Item = (usize, &Member)> {
        self.groups.iter().enumerate().flat_map(|(g, grp)| grp.members.iter().map(move |m| (g, m)))
    }

    /// Reads and checks the `overflow` entry. `experts` names members given by object id only;
    /// `agents` are the tenant's agents (`(id, name, acsUserId)`).
    pub fn from_value(
        v: &Value,
        experts: &[Expert],
        agents: &[(String, String, Option<RawId>)],
    ) -> Result<Self, FieldError> {
        let doc = Obj::new(v, POLICY_FIELDS)?;
        let hold_audio_url = url(&doc, "holdAudioUrl")?;
        let agents = match doc.strings("agents")? {
            None => agents
                .iter()
                .filter_map(|(id, name, raw)| {
                    raw.clone().map(|raw_id| PoolAgent { id: id.clone(), name: name.clone(), raw_id })
                })
                .collect(),
            Some(ids) => {
                let mut pool = Vec::new();
                for (i, id) in ids.into_iter().enumerate() {
                    let field = format!("agents[{i}]");
                    let (_, name, raw) = agents
                        .iter()
                        .find(|(a, _, _)| a == id)
                        .ok_or_else(|| FieldError::new(&field, format!("no agent `{id}` in this tenant")))?;
                    let raw_id = raw.clone().ok_or_else(|| {
                        FieldError::new(&field, format!("agent `{id}` has no acsUserId: the queue cannot add them"))
                    })?;
                    pool.push(PoolAgent { id: id.to_owned(), name: name.clone(), raw_id });
                }
                pool
            }
        };
        let group_docs = doc.array("groups")?;
        if group_docs.is_empty() {
            return Err(FieldError::new("groups", "must list at least one knowledge-worker group"));
        }
        let mut groups = Vec::new();
        let mut seen: Vec<EntraObjectId> = Vec::new();
        for (g, grp) in group_docs.iter().enumerate() {
            let at = format!("groups[{g}]");
            let grp = Obj::at(grp, &["name", "order", "members"], at.clone())?;
            let order = one_of(&grp, "order", ORDERS)?;
            let group_members = grp.array("members")?;
            if group_members.is_empty() {
                return Err(grp.error("members", "must list at least one Teams user"));
            }
            let mut members = Vec::new();
            for (i, m) in group_members.iter().enumerate() {
                let field = format!("{at}.members[{i}]");
                let (oid, name) = match m {
                    Value::String(s) => (s.as_str(), None),
                    Value::Object(o) => (
                        o.get("objectId").and_then(Value::as_str).ok_or_else(|| {
                            FieldError::new(format!("{field}.objectId"), "is required (an Entra object id)")
                        })?,
                        o.get("displayName").and_then(Value::as_str),
                    ),
                    _ => return Err(FieldError::new(&field, "must be an Entra object id or {objectId, displayName}")),
                };
                let object_id = EntraObjectId::parse(oid).map_err(|e| {
                    FieldError::new(
                        if m.is_object() { format!("{field}.objectId") } else { field.clone() },
                        e.to_string(),
                    )
                })?;
                if seen.contains(&object_id) {
                    return Err(FieldError::new(&field, format!("{oid} is listed twice")));
                }
                seen.push(object_id.clone());
                let display_name = name
                    .map(str::to_owned)
                    .or_else(|| experts.iter().find(|e| e.object_id == object_id).map(|e| e.display_name.clone()))
                    .unwrap_or_else(|| object_id.as_str().to_owned());
                members.push(Member { object_id, display_name });
            }
            let name = grp.str("name")?.map_or_else(|| format!("Group {}", g + 1), str::to_owned);
            groups.push(Group { name, order: order.unwrap_or(Order::LongestIdle), members });
        }
        let trigger = match doc.object("trigger", &["noFreeAgent", "waitedSeconds", "queueLength"])? {
            None => Trigger { no_free_agent: true, waited_seconds: None, queue_length: None },
            Some(t) => Trigger {
                no_free_agent: t.bool("noFreeAgent")?.unwrap_or(false),
                waited_seconds: t
                    .int("waitedSeconds")?
                    .map(|s| seconds(&t, "waitedSeconds", s, 0, 3600))
                    .transpose()?,
                queue_length: t.int("queueLength")?.map(|s| seconds(&t, "queueLength", s, 0, 10_000)).transpose()?,
            },
        };
        if !trigger.no_free_agent && trigger.waited_seconds.is_none() && trigger.queue_length.is_none() {
            return Err(FieldError::new("trigger", "must set noFreeAgent, waitedSeconds or queueLength"));
        }
        let business_hours = doc
            .object("businessHours", &["utcOffsetMinutes", "daylightSaving", "days", "open", "close"])?
            .map(hours)
            .transpose()?;
        let after_hours_message_url = match (doc.object("afterHours", &["messageUrl"])?, &business_hours) {
            (Some(a), _) => Some(url(&a, "messageUrl")?),
            (None, Some(_)) => {
                return Err(FieldError::new("afterHours.messageUrl", "is required when businessHours is set"))
            }
            (None, None) => None,
        };
        let f = doc
            .object("fallback", &["afterSeconds", "messageUrl", "then"])?
            .ok_or_else(|| FieldError::new("fallback", "is required (what happens when nobody takes a call)"))?;
        let fallback = Fallback {
            after_seconds: seconds(&f, "afterSeconds", f.int("afterSeconds")?.unwrap_or(120), 1, 86_400)?,
            message_url: url(&f, "messageUrl")?,
            then: one_of(&f, "then", &[("wait", Then::Wait), ("end", Then::End)])?.unwrap_or(Then::Wait),
        };
        Ok(Self {
            hold_audio_url,
            agents,
            groups,
            trigger,
            business_hours,
            after_hours_message_url,
            fallback,
            invitation_timeout_seconds: seconds(
                &doc,
                "invitationTimeoutSeconds",
                doc.int("invitationTimeoutSeconds")?.unwrap_or(20),
                1,
                180,
            )?,
            max_offers: seconds(&doc, "maxOffers", doc.int("maxOffers")?.unwrap_or(3), 1, 50)?,
            ring_group: doc.bool("ringGroup")?.unwrap_or(false),
            handoff: one_of(
                &doc,
                "handoff",
                &[("add", Handoff::Add), ("addThenLeave", Handoff::AddThenLeave), ("transfer", Handoff::Transfer)],
            )?
            .unwrap_or(Handoff::Add),
            redirect_unanswered: doc.bool("redirectUnanswered")?.unwrap_or(false),
            presence_max_age_seconds: seconds(
                &doc,
                "presenceMaxAgeSeconds",
                doc.int("presenceMaxAgeSeconds")?.unwrap_or(30),
                1,
                3600,
            )?,
        })
    }
}

/// The audio file URL `key` of `obj` (required).
fn url(obj: &Obj<'_>, key: &str) -> Result<String, FieldError> {
    let s = obj.required_str(key)?;
    if (s.starts_with("https://") || s.starts_with("http://")) && s.len() > 8 && !s.contains(char::is_whitespace) {
        Ok(s.to_owned())
    } else {
        Err(obj.error(key, "must be an http(s) URL of an audio file"))
    }
}

/// `v`, the value of `key` of `obj` (or its default), checked to be `min..=max`.
fn seconds(obj: &Obj<'_>, key: &str, v: i64, min: i64, max: i64) -> Result<u32, FieldError> {
    if (min..=max).contains(&v) {
        Ok(v as u32)
    } else {
        Err(obj.error(key, format!("must be {min} to {max} (got {v})")))
    }
}

fn hours(h: Obj<'_>) -> Result<BusinessHours, FieldError> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut days = [false; 7];
    let listed = h.strings("days")?.ok_or_else(|| h.error("days", "is required"))?;
    for (i, d) in listed.into_iter().enumerate() {
        let n = NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(d))
            .ok_or_else(|| h.error(&format!("days[{i}]"), "must be mon, tue, wed, thu, fri, sat or sun"))?;
        days[n] = true;
    }
    if !days.contains(&true) {
        return Err(h.error("days", "must name at least one day"));
    }
    let minute = |field: &str, s: &str| -> Result<u32, FieldError> {
        let bad = || h.error(field, "must be HH:MM (24-hour)");
        let (hh, mm) = s.split_once(':').ok_or_else(bad)?;
        let (hh, mm): (u32, u32) = (hh.parse().map_err(|_| bad())?, mm.parse().map_err(|_| bad())?);
        if hh > 24 || mm > 59 || (hh == 24 && mm > 0) || s.len() != 5 {
            return Err(bad());
        }
        Ok(hh * 60 + mm)
    };
    let open_minute = minute("open", h.required_str("open")?)?;
    let close_minute = minute("close", h.required_str("close")?)?;
    if close_minute <= open_minute {
        return Err(h.error("close", "must be after open"));
    }
    let utc_offset_minutes = h.int("utcOffsetMinutes")?.unwrap_or(0);
    if !(-14 * 60..=14 * 60).contains(&utc_offset_minutes) {
        return Err(h.error("utcOffsetMinutes", "must be -840 to 840"));
    }
    let daylight_saving = match h.str("daylightSaving")? {
        None | Some("none") => DaylightSaving::None,
        Some("eu") => DaylightSaving::Eu,
        Some("us") => DaylightSaving::Us,
        Some(_) => return Err(h.error("daylightSaving", "must be \"eu\", \"us\" or \"none\"")),
    };
    Ok(BusinessHours {
        utc_offset_minutes: utc_offset_minutes as i32,
        daylight_saving,
        days,
        open_minute,
        close_minute,
    })
}

const POLICY_FIELDS: &[&str] = &[
    "holdAudioUrl",
    "agents",
    "groups",
    "trigger",
    "businessHours",
    "afterHours",
    "fallback",
    "invitationTimeoutSeconds",
    "maxOffers",
    "ringGroup",
    "handoff",
    "redirectUnanswered",
    "presenceMaxAgeSeconds",
];

const ORDERS: &[(&str, Order)] =
    &[("longestIdle", Order::LongestIdle), ("roundRobin", Order::RoundRobin), ("priority", Order::Priority)];
