//! Callback and Event Grid bodies as the live service writes them (SPEC §3, §9): a JSON array of
//! one CloudEvent, members in wire order, `data.version` and `data.publicEventType`, `time` with
//! `+00:00` and trailing fractional zeros trimmed.

use serde_json::{json, Value};

use super::config::EventGridSchema;
use super::{Delivery, DeliveryKind, Emulator};
use crate::events::{CallEvent, TYPE_PREFIX};
use crate::model::ResultInformation;

/// The data `version` modern events carry.
const DATA_VERSION: &str = "2025-05-15";

/// `2025-04-01T12:00:00.25+00:00` (SPEC §9).
pub(crate) fn event_time(ms: i64) -> String {
    let base = crate::time::format_rfc3339_millis(ms);
    // `...SS.mmmZ` → trim fractional zeros, `+00:00` offset.
    let (stamp, frac) = base.trim_end_matches('Z').split_once('.').unwrap_or((&base, ""));
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{stamp}+00:00")
    } else {
        format!("{stamp}.{frac}+00:00")
    }
}

fn s(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    push_json_str(&mut out, v);
    out
}

/// Appends `v` as a JSON string literal (a fast path for the ids and paths events are made of).
pub(crate) fn push_json_str(out: &mut String, v: &str) {
    if v.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(v);
        out.push('"');
    } else {
        out.push_str(&Value::String(v.to_owned()).to_string());
    }
}

/// A `resultInformation`.
pub(crate) fn info(code: i32, sub_code: i32, message: &str) -> ResultInformation {
    ResultInformation { code, sub_code, message: message.to_owned(), ..ResultInformation::default() }
}

impl Emulator {
    /// Queues a mid-call event for `call` to `url`, due at `at` (through the callback faults).
    pub(super) fn emit(&mut self, call_id: &str, url: &str, name: &str, at: i64, mut event: CallEvent) {
        if let Some(c) = self.calls.get(call_id) {
            event.server_call_id = Some(c.server_call_id.clone());
            event.correlation_id = Some(c.correlation_id.clone());
        }
        event.call_connection_id = call_id.to_owned();
        let source = format!("calling/callConnections/{call_id}");
        self.emit_raw(url, name, at, &source, &event);
    }

    /// Queues an event with an explicit `source` (recording events use a recordings path).
    /// The data is the typed [`CallEvent`], serialised once into the body.
    pub(super) fn emit_raw(&mut self, url: &str, name: &str, at: i64, source: &str, event: &CallEvent) {
        let event_type = format!("{TYPE_PREFIX}{name}");
        let id = self.rng.uuid();
        let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
        // Written straight into one buffer, members in wire order (SPEC §9).
        let mut body = String::with_capacity(data.len() + 400);
        body.push_str(r#"[{"id":"#);
        push_json_str(&mut body, &id);
        body.push_str(r#","source":"#);
        push_json_str(&mut body, source);
        body.push_str(r#","type":"#);
        push_json_str(&mut body, &event_type);
        body.push_str(r#","data":"#);
        body.push_str(data.strip_suffix('}').unwrap_or("{"));
        if data.len() > 2 {
            body.push(',');
        }
        body.push_str(r#""version":"#);
        push_json_str(&mut body, DATA_VERSION);
        body.push_str(r#","publicEventType":"#);
        push_json_str(&mut body, &event_type);
        body.push_str(r#"},"time":"#);
        push_json_str(&mut body, &event_time(at));
        body.push_str(r#","specversion":"1.0","datacontenttype":"application/json","subject":"#);
        push_json_str(&mut body, source);
        body.push_str("}]");
        let d = Delivery {
            id: 0,
            due: at,
            kind: DeliveryKind::Callback,
            method: "POST".into(),
            url: url.to_owned(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
            event_type,
            event_id: id,
        };
        let faults = self.world.faults.callbacks.applies_to(name, &event.call_connection_id);
        self.queue_delivery(d, faults);
    }

    /// Queues `Microsoft.Communication.IncomingCall` to the Event Grid webhook (after the
    /// validation handshake, when the subscription is not validated yet).
    pub(super) fn emit_incoming_call(&mut self, data: &crate::events::IncomingCallData, subject: &str, at: i64) {
        let data = serde_json::to_string(data).unwrap_or_default();
        let Some(grid) = self.world.event_grid.clone() else { return };
        let id = self.rng.uuid();
        let event_type = format!("{TYPE_PREFIX}IncomingCall");
        let topic = &self.world.resource.arm_id;
        let body = match grid.schema {
            EventGridSchema::EventGrid => format!(
                r#"[{{"id":{},"topic":{},"subject":{},"data":{},"eventType":{},"dataVersion":"1.0","metadataVersion":"1","eventTime":{}}}]"#,
                s(&id),
                s(topic),
                s(subject),
                data,
                s(&event_type),
                s(&crate::time::format_rfc3339_millis(at))
            ),
            EventGridSchema::CloudEvents => format!(
                r#"[{{"id":{},"source":{},"subject":{},"data":{},"type":{},"specversion":"1.0","time":{}}}]"#,
                s(&id),
                s(topic),
                s(subject),
                data,
                s(&event_type),
                s(&crate::time::format_rfc3339_millis(at))
            ),
        };
        let headers = match grid.schema {
            EventGridSchema::EventGrid => vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("aeg-event-type".to_owned(), "Notification".to_owned()),
            ],
            EventGridSchema::CloudEvents => {
                vec![("Content-Type".to_owned(), "application/cloudevents-batch+json; charset=utf-8".to_owned())]
            }
        };
        let d = Delivery {
            id: 0,
            due: at,
            kind: DeliveryKind::EventGrid,
            method: "POST".into(),
            url: grid.webhook.clone(),
            headers,
            body,
            event_type,
            event_id: id,
        };
        if self.event_grid.validated {
            let faults = self.world.faults.callbacks.applies_to("IncomingCall", "");
            self.queue_delivery(d, faults);
            return;
        }
        self.event_grid.waiting.push(d);
        if self.event_grid.validation_code.is_none() {
            self.send_validation(&grid.webhook, grid.schema, at);
        }
    }

    /// The subscription validation handshake (SPEC §3.5): an Event Grid-schema validation event,
    /// or for CloudEvents an `OPTIONS` abuse-protection request.
    fn send_validation(&mut self, webhook: &str, schema: EventGridSchema, at: i64) {
        let code = self.rng.uuid();
        self.event_grid.validation_code = Some(code.clone());
        let id = self.rng.uuid();
        let (method, headers, body) = match schema {
            EventGridSchema::EventGrid => {
                let url = format!("{}/control/eventgrid/validate?code={code}", self.origin);
                let body = format!(
                    r#"[{{"id":{},"topic":{},"subject":"","data":{},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":{},"metadataVersion":"1","dataVersion":"1"}}]"#,
                    s(&id),
                    s(&self.world.resource.arm_id),
                    json!({"validationCode": code, "validationUrl": url}),
                    s(&crate::time::format_rfc3339_millis(at))
                );
                (
                    "POST",
                    vec![
                        ("Content-Type".into(), "application/json".into()),
                        ("aeg-event-type".into(), "SubscriptionValidation".into()),
                    ],
                    body,
                )
            }
            EventGridSchema::CloudEvents => {
                ("OPTIONS", vec![("WebHook-Request-Origin".into(), "eventgrid.azure.net".into())], String::new())
            }
        };
        let d = Delivery {
            id: 0,
            due: at,
            kind: DeliveryKind::Validation,
            method: method.into(),
            url: webhook.to_owned(),
            headers,
            body,
            event_type: "Microsoft.EventGrid.SubscriptionValidationEvent".into(),
            event_id: id,
        };
        self.queue_delivery(d, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_look_like_the_live_service() {
        assert_eq!(event_time(1_743_508_800_000), "2025-04-01T12:00:00+00:00");
        assert_eq!(event_time(1_743_508_800_250), "2025-04-01T12:00:00.25+00:00");
        assert_eq!(event_time(1_743_508_800_007), "2025-04-01T12:00:00.007+00:00");
        assert_eq!(crate::time::parse_rfc3339_millis(&event_time(1_743_508_800_250)), Some(1_743_508_800_250));
    }
}
