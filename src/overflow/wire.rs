//! Readers of the queue's enums from a `serde_json::Value`: the stored ones (`Busy`, `Taker`,
//! `OfferOutcome`) in serde's externally tagged form (`"free"`, `{"onCall": {"callId": …}}`)
//! that their derived writers produce, and `Command` in its flat form (`op` and its members)
//! between Durable Objects. serde's derived reader of an enum with struct variants is two
//! visitors per variant (about 25 KB of the Worker's wasm for these four); the Value reader is
//! already in the Worker, and these are a few lines each. Stored queues read as before.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::messages::Command;
use super::queued::{OfferOutcome, OfferVia, Taker};
use super::seats::Busy;

/// `(variant, members)`: a unit variant is a string, any other an object of one member.
fn tagged(v: &Value) -> Result<(&str, &Value), String> {
    match v {
        Value::String(s) => Ok((s, &Value::Null)),
        Value::Object(m) if m.len() == 1 => Ok(m.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", v))),
        _ => Err("expected a variant name or an object with one member".into()),
    }
}

fn text(v: &Value, member: &str) -> Result<String, String> {
    v.get(member).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("missing field `{member}`"))
}

fn int(v: &Value, member: &str) -> Result<i64, String> {
    v.get(member).and_then(Value::as_i64).ok_or_else(|| format!("missing field `{member}`"))
}

fn uint(v: &Value, member: &str) -> Result<u64, String> {
    int(v, member)?.try_into().map_err(|_| format!("`{member}` out of range"))
}

fn int32(v: &Value, member: &str) -> Result<i32, String> {
    int(v, member)?.try_into().map_err(|_| format!("`{member}` out of range"))
}

fn unknown<T>(variant: &str) -> Result<T, String> {
    Err(format!("unknown variant `{variant}`"))
}

/// Reads `T` through a `Value` with `read`.
fn through<'de, D: Deserializer<'de>, T>(d: D, read: fn(&Value) -> Result<T, String>) -> Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    read(&v).map_err(serde::de::Error::custom)
}

fn busy(v: &Value) -> Result<Busy, String> {
    let (variant, m) = tagged(v)?;
    Ok(match variant {
        "free" => Busy::Free,
        "offered" => Busy::Offered {
            call_id: text(m, "callId")?,
            offer_id: int(m, "offerId")?.try_into().map_err(|_| "`offerId` out of range")?,
        },
        "onCall" => Busy::OnCall { call_id: text(m, "callId")? },
        "transferred" => Busy::Transferred { call_id: text(m, "callId")?, settle_at: int(m, "settleAt")? },
        other => return unknown(other),
    })
}

fn taker(v: &Value) -> Result<Taker, String> {
    let (variant, m) = tagged(v)?;
    Ok(match variant {
        "agent" => Taker::Agent { id: text(m, "id")? },
        "knowledgeWorker" => Taker::KnowledgeWorker { object_id: text(m, "objectId")? },
        other => return unknown(other),
    })
}

fn offer_outcome(v: &Value) -> Result<OfferOutcome, String> {
    let (variant, m) = tagged(v)?;
    Ok(match variant {
        "joined" => OfferOutcome::Joined,
        "declined" => OfferOutcome::Declined,
        "noAnswer" => OfferOutcome::NoAnswer,
        "unavailable" => OfferOutcome::Unavailable,
        "refused" => OfferOutcome::Refused { code: int32(m, "code")?, sub_code: int32(m, "subCode")? },
        "failed" => OfferOutcome::Failed { code: int32(m, "code")? },
        "cancelled" => OfferOutcome::Cancelled,
        "callerLeft" => OfferOutcome::CallerLeft,
        "lost" => OfferOutcome::Lost,
        other => return unknown(other),
    })
}

/// A queue command from its JSON form (what `Command` serializes to).
pub fn command(v: &Value) -> Result<Command, String> {
    let call_id = || text(v, "callId");
    Ok(match v.get("op").and_then(Value::as_str).unwrap_or_default() {
        "answer" => Command::Answer { call_id: call_id()? },
        "hold" => Command::Hold { call_id: call_id()?, url: text(v, "url")? },
        "redirect" => {
            Command::Redirect { call_id: call_id()?, offer_id: uint(v, "offerId")?, target: text(v, "target")? }
        }
        "offer" => Command::Offer {
            call_id: call_id()?,
            offer_id: uint(v, "offerId")?,
            target: text(v, "target")?,
            via: match text(v, "via")?.as_str() {
                "redirect" => OfferVia::Redirect,
                "add" => OfferVia::Add,
                "addThenLeave" => OfferVia::AddThenLeave,
                "transfer" => OfferVia::Transfer,
                other => return Err(format!("unknown via `{other}`")),
            },
            invitation_timeout_seconds: uint(v, "invitationTimeoutSeconds")?
                .try_into()
                .map_err(|_| "`invitationTimeoutSeconds` out of range")?,
        },
        "cancel" => Command::Cancel { call_id: call_id()?, offer_id: uint(v, "offerId")? },
        "message" => Command::Message {
            call_id: call_id()?,
            url: text(v, "url")?,
            then_end: v.get("thenEnd").and_then(Value::as_bool).unwrap_or(false),
        },
        "readPresence" => Command::ReadPresence {
            object_ids: v
                .get("objectIds")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        },
        other => return Err(format!("unknown op `{other}`")),
    })
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        through(d, command)
    }
}

impl<'de> Deserialize<'de> for Busy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        through(d, busy)
    }
}

impl<'de> Deserialize<'de> for Taker {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        through(d, taker)
    }
}

impl<'de> Deserialize<'de> for OfferOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        through(d, offer_outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(all: &[T]) {
        for x in all {
            let text = serde_json::to_string(x).unwrap();
            assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), x, "{text}");
        }
    }

    #[test]
    fn stored_enums_read_what_their_writers_wrote() {
        round_trip(&[
            Busy::Free,
            Busy::Offered { call_id: "c".into(), offer_id: 7 },
            Busy::OnCall { call_id: "c".into() },
            Busy::Transferred { call_id: "c".into(), settle_at: -5 },
        ]);
        round_trip(&[Taker::Agent { id: "a".into() }, Taker::KnowledgeWorker { object_id: "o".into() }]);
        round_trip(&[
            OfferOutcome::Joined,
            OfferOutcome::Declined,
            OfferOutcome::NoAnswer,
            OfferOutcome::Unavailable,
            OfferOutcome::Refused { code: 403, sub_code: 7604 },
            OfferOutcome::Failed { code: 500 },
            OfferOutcome::Cancelled,
            OfferOutcome::CallerLeft,
            OfferOutcome::Lost,
        ]);
        // The stored form is serde's externally tagged one, as before.
        assert_eq!(
            serde_json::to_string(&Busy::OnCall { call_id: "c".into() }).unwrap(),
            r#"{"onCall":{"callId":"c"}}"#
        );
        assert_eq!(serde_json::from_str::<Busy>(r#""free""#).unwrap(), Busy::Free);
    }

    #[test]
    fn stored_enums_refuse_what_is_not_theirs() {
        for bad in [r#""dancing""#, r#"{"offered":{"callId":"c"}}"#, r#"{"onCall":{}}"#, "3", r#"{"a":1,"b":2}"#, "{}"]
        {
            assert!(serde_json::from_str::<Busy>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Taker>(r#"{"agent":{"objectId":"x"}}"#).is_err());
        assert!(serde_json::from_str::<OfferOutcome>(r#"{"refused":{"code":403,"subCode":99999999999}}"#).is_err());
    }
}
