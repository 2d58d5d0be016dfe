//! Tenants: who the Worker serves. One JSON document (a Worker secret in production, a file
//! for local runs) lists each tenant's ACS resource, agents, Teams experts, routing of incoming
//! calls and call policy; onboarding a tenant is adding one entry. Checked whole at load, every
//! error naming its field, so a bad deploy fails loudly instead of mid-call.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::ConnectionString;
use crate::doc::Obj;
use crate::{CommunicationIdentifier, EntraObjectId, FieldError, RawId};

use crate::auth::jwt::{ACS_ISSUER, ACS_JWKS_URL};

/// The whole configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Tenants by id (the id is in callback URLs: letters, digits, `-`, `_`).
    pub tenants: BTreeMap<String, Tenant>,
    /// Whom callback tokens must come from.
    pub acs: AcsTrust,
}

/// The callback-token issuer and its keys (real ACS unless the emulator stands in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcsTrust {
    /// Expected `iss`.
    pub issuer: String,
    /// JWKS URL.
    pub jwks_url: String,
}

/// One tenant.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Its id.
    pub id: String,
    /// The ACS resource it calls with.
    pub connection_string: ConnectionString,
    /// The resource's immutable id: the audience of its callback tokens.
    pub acs_resource_id: String,
    /// The Teams (Entra) tenant of its experts.
    pub teams_tenant_id: Option<String>,
    /// The key Event Grid puts in the webhook URL (`?tenant=<id>&key=<key>`).
    pub event_grid_key: Option<String>,
    /// Keys of the callback URIs' signatures (`callbackKeys`): the first signs new calls, every
    /// one (and the ACS access key) is accepted, so neither rotating the ACS key nor rotating
    /// these breaks the URLs of calls in progress. Empty: the ACS access key signs.
    callback_keys: Vec<String>,
    /// Event Grid topics (the ACS resource's ARM id) IncomingCall may come from; empty: any.
    /// When set, a topic must also have completed the validation handshake first.
    pub event_grid_topics: Vec<String>,
    /// Agents and their tokens.
    pub agents: Vec<Agent>,
    /// Teams experts agents may consult.
    pub experts: Vec<Expert>,
    /// What to do with incoming calls.
    pub routing: Routing,
    /// Call policy.
    pub policy: Policy,
    /// Where presence comes from.
    pub graph: Option<Graph>,
    /// Peak overflow: the queue and its knowledge workers (`routing` action `queue`).
    pub overflow: Option<crate::overflow::OverflowPolicy>,
}

/// An agent.
#[derive(Clone, Debug)]
pub struct Agent {
    /// Stable id (in logs: who did what).
    pub id: String,
    /// Display name.
    pub name: String,
    /// SHA-256 of the agent's bearer token (configured as the token or as `sha256:<hex>`).
    token_sha256: [u8; 32],
    /// The agent's ACS identity, when the agent joins calls with the ACS calling SDK.
    pub acs_user_id: Option<RawId>,
}

/// A Teams expert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expert {
    /// Entra object id.
    pub object_id: EntraObjectId,
    /// Display name.
    pub display_name: String,
    /// What they know (shown in the console).
    pub skill: Option<String>,
}

/// What happens to an incoming call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteAction {
    /// Answer it (callbacks to this Worker).
    Answer,
    /// Keep it ringing for an agent to answer, redirect or reject from the console.
    Offer,
    /// Redirect it.
    Redirect(CommunicationIdentifier),
    /// Reject it.
    Reject,
    /// Put it in the tenant's queue (the `overflow` policy).
    Queue,
}

/// Incoming-call routing: the first rule whose `to` matches, else the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routing {
    /// Rules by called number or ACS identity (raw id).
    pub rules: Vec<(RawId, RouteAction)>,
    /// Everything else.
    pub default: RouteAction,
}

impl Routing {
    /// The action for a call to `to`.
    pub fn route(&self, to: &RawId) -> &RouteAction {
        self.rules.iter().find(|(r, _)| r.same_participant(to)).map_or(&self.default, |(_, a)| a)
    }
}

/// When the agent hangs up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OnAgentHangup {
    /// End the call for everyone.
    Terminate,
    /// Leave the customer and the expert connected.
    Keep,
}

/// Call policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// When the last agent leaves.
    pub on_agent_hangup: OnAgentHangup,
    /// Played to an expert when they join, unless the agent gives another.
    pub greeting_url: Option<String>,
    /// Record consultations by default.
    pub record_consultations: bool,
    /// Shown to experts when the agent gives no display name.
    pub source_display_name: Option<String>,
    /// A live call quiet for this long is checked against ACS (`getCall`, `getParticipants`)
    /// in case a callback was lost; 0 turns the quiet check off (overdue outcomes are still
    /// checked). Default 60.
    #[serde(default = "default_reconcile_after_s")]
    pub reconcile_after_seconds: u32,
}

fn default_reconcile_after_s() -> u32 {
    60
}

impl Default for Policy {
    /// A tenant without a `policy` entry: keep the call when the agent hangs up, no greeting,
    /// no recording, quiet calls checked after 60 s.
    fn default() -> Self {
        Policy {
            on_agent_hangup: OnAgentHangup::Keep,
            greeting_url: None,
            record_consultations: false,
            source_display_name: None,
            reconcile_after_seconds: default_reconcile_after_s(),
        }
    }
}

/// Microsoft Graph, for presence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    /// `https://graph.microsoft.com` (or the emulator's origin).
    pub endpoint: String,
    /// A bearer token, when Graph needs one (`Presence.Read.All`): a fixed one (tests, a proxy)…
    pub token: Option<String>,
    /// …or the app registration the Worker gets tokens for itself (client credentials).
    pub app: Option<GraphApp>,
}

/// An Entra app registration with `Presence.Read.All` (application permission): the Worker
/// asks the identity platform for a Graph token with its secret, and again before it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphApp {
    /// The Entra tenant the app is registered in.
    pub tenant_id: String,
    /// The app's (client) id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// The identity platform's origin: `https://login.microsoftonline.com` (the default), a
    /// national cloud's, or the emulator's.
    pub authority: String,
}

impl Config {
    /// What makes this document unfit for real ACS (`ACS_MODE=acs`), or `None`: callback tokens
    /// trusted from another issuer or JWKS than ACS's (the development document points them at
    /// the emulator, whose signing key is public), or an ACS or Graph endpoint on loopback.
    pub fn production_problem(&self) -> Option<String> {
        if self.acs.issuer != ACS_ISSUER || self.acs.jwks_url != ACS_JWKS_URL {
            return Some(format!(
                "TENANTS has an `acs` block: callback tokens would be trusted from {} ({}), not ACS; remove it against real ACS",
                self.acs.issuer, self.acs.jwks_url
            ));
        }
        for t in self.tenants.values() {
            if t.connection_string.endpoint().is_loopback() {
                return Some(format!("tenants.{}.connectionString points at a loopback emulator, not ACS", t.id));
            }
            let graph = t.graph.as_ref().map(|g| g.endpoint.as_str()).unwrap_or_default();
            if graph.starts_with("http://") {
                return Some(format!("tenants.{}.graph.endpoint is plain http ({graph}), not Microsoft Graph", t.id));
            }
        }
        None
    }

    /// Parses and checks the configuration document.
    pub fn parse(text: &str) -> Result<Config, FieldError> {
        let v: Value = crate::json_path::from_text(text)?;
        let doc = Obj::new(&v, &["tenants", "acs"])?;
        let acs = match doc.object("acs", &["issuer", "jwksUrl"])? {
            None => AcsTrust { issuer: ACS_ISSUER.into(), jwks_url: ACS_JWKS_URL.into() },
            Some(a) => AcsTrust {
                issuer: a.str("issuer")?.unwrap_or(ACS_ISSUER).to_owned(),
                jwks_url: a.str("jwksUrl")?.unwrap_or(ACS_JWKS_URL).to_owned(),
            },
        };
        let listed = doc.map("tenants")?;
        let mut tenants = BTreeMap::new();
        for (id, t) in listed.iter().flat_map(Obj::entries) {
            let tenant = Obj::new(t, TENANT_FIELDS)
                .and_then(|t| Tenant::from_doc(id, t))
                .map_err(|e| e.within(&format!("tenants.{id}")))?;
            tenants.insert(id.clone(), tenant);
        }
        if tenants.is_empty() {
            return Err(FieldError::new("tenants", "must list at least one tenant"));
        }
        let mut tokens: Vec<[u8; 32]> =
            tenants.values().flat_map(|t| t.agents.iter().map(|a| a.token_sha256)).collect();
        crate::small_sort::sort_by(&mut tokens, Ord::cmp);
        if tokens.windows(2).any(|w| w[0] == w[1]) {
            return Err(FieldError::new("tenants", "two agents share a token; every agent token must be unique"));
        }
        Ok(Config { tenants, acs })
    }

    /// The tenant and agent a bearer token belongs to. Every agent's digest is compared in
    /// constant time, so timing says nothing about which bytes matched.
    pub fn agent_for_token(&self, token: &str) -> Option<(&Tenant, &Agent)> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for t in self.tenants.values() {
            for a in &t.agents {
                if constant_time_eq(&presented, &a.token_sha256) && found.is_none() {
                    found = Some((t, a));
                }
            }
        }
        found
    }

    /// A tenant by id.
    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.get(id)
    }
}

impl Tenant {
    fn from_doc(id: &str, t: Obj<'_>) -> Result<Tenant, FieldError> {
        crate::api::routes::check_id("id", id).map_err(|e| FieldError::new("", e.message))?;
        let connection_string = ConnectionString::parse(t.required_str("connectionString")?)
            .map_err(|e| FieldError::new("connectionString", e.to_string()))?;
        let acs_resource_id = EntraObjectId::parse(t.required_str("acsResourceId")?)
            .map_err(|e| FieldError::new("acsResourceId", e.to_string()))?
            .as_str()
            .to_owned();
        let teams_tenant_id = t.str("teamsTenantId")?.map(str::to_owned);
        if let Some(tid) = &teams_tenant_id {
            EntraObjectId::parse(tid).map_err(|e| FieldError::new("teamsTenantId", e.to_string()))?;
        }
        let event_grid_key = t.str("eventGridKey")?.map(str::to_owned);
        if let Some(k) = &event_grid_key {
            if k.len() < 16 {
                return Err(FieldError::new("eventGridKey", "must be at least 16 characters"));
            }
        }
        let callback_keys: Vec<String> =
            t.strings("callbackKeys")?.unwrap_or_default().into_iter().map(str::to_owned).collect();
        if t.get("callbackKeys").is_some() && callback_keys.is_empty() {
            return Err(FieldError::new("callbackKeys", "must list at least one key (or be left out)"));
        }
        for (i, k) in callback_keys.iter().enumerate() {
            if k.len() < 32 {
                return Err(FieldError::new(format!("callbackKeys[{i}]"), "must be at least 32 characters"));
            }
            if callback_keys[..i].contains(k) {
                return Err(FieldError::new(format!("callbackKeys[{i}]"), "is listed twice"));
            }
        }
        let event_grid_topics =
            t.strings("eventGridTopics")?.unwrap_or_default().into_iter().map(str::to_owned).collect();
        let mut agents = Vec::new();
        for (i, a) in t.array("agents")?.iter().enumerate() {
            let agent = Obj::new(a, &["id", "name", "token", "acsUserId"]).and_then(Agent::from_doc);
            agents.push(agent.map_err(|e| e.within(&format!("agents[{i}]")))?);
        }
        let mut experts = Vec::new();
        for (i, e) in t.array("experts")?.iter().enumerate() {
            let expert = Obj::new(e, &["objectId", "displayName", "skill"]).and_then(|e| {
                let object_id = EntraObjectId::parse(e.required_str("objectId")?)
                    .map_err(|err| FieldError::new("objectId", err.to_string()))?;
                let display_name = e.required_str("displayName")?.to_owned();
                Ok(Expert { object_id, display_name, skill: e.str("skill")?.map(str::to_owned) })
            });
            experts.push(expert.map_err(|err| err.within(&format!("experts[{i}]")))?);
        }
        let routing = match t.object("routing", &["default", "rules"])? {
            None => Routing { rules: Vec::new(), default: RouteAction::Answer },
            Some(r) => {
                let default = route_action(r.get("default")).map_err(|e| e.within("routing.default"))?;
                let mut rules = Vec::new();
                for (i, rule) in r.array("rules")?.iter().enumerate() {
                    let field = format!("routing.rules[{i}]");
                    let to = match rule.get("to") {
                        Some(Value::String(s)) if s.starts_with('+') => RawId::new(format!("4:{s}")),
                        Some(Value::String(s)) => RawId::new(s.clone()),
                        _ => return Err(FieldError::new(format!("{field}.to"), "must be a phone number or a raw id")),
                    }
                    .map_err(|e| FieldError::new(format!("{field}.to"), e.to_string()))?;
                    rules.push((to, route_action(Some(rule)).map_err(|e| e.within(&field))?));
                }
                Routing { rules, default }
            }
        };
        let policy = match t.object("policy", POLICY_FIELDS)? {
            None => Policy::default(),
            Some(p) => Policy::from_doc(&p)?,
        };
        let graph = match t.object("graph", &["endpoint", "token", "app"])? {
            None => None,
            Some(g) => {
                let app = match g.object("app", &["tenantId", "clientId", "clientSecret", "authority"])? {
                    None => None,
                    Some(a) => Some(GraphApp::from_doc(&a).map_err(|e| e.within("app").within("graph"))?),
                };
                let token = g.str("token")?.map(str::to_owned);
                if token.is_some() && app.is_some() {
                    return Err(FieldError::new("graph.app", "give a token or an app, not both"));
                }
                Some(Graph { endpoint: g.required_str("endpoint")?.trim_end_matches('/').to_owned(), token, app })
            }
        };
        let overflow = match t.get("overflow") {
            None => None,
            Some(v) => {
                let agents: Vec<_> =
                    agents.iter().map(|a: &Agent| (a.id.clone(), a.name.clone(), a.acs_user_id.clone())).collect();
                Some(
                    crate::overflow::OverflowPolicy::from_value(v, &experts, &agents)
                        .map_err(|e| e.within("overflow"))?,
                )
            }
        };
        let queued = std::iter::once(&routing.default).chain(routing.rules.iter().map(|(_, a)| a));
        if overflow.is_none() && queued.into_iter().any(|a| *a == RouteAction::Queue) {
            return Err(FieldError::new("routing", "routes calls to the queue but the tenant has no overflow policy"));
        }
        Ok(Tenant {
            id: id.to_owned(),
            connection_string,
            acs_resource_id,
            teams_tenant_id,
            event_grid_key,
            callback_keys,
            event_grid_topics,
            agents,
            experts,
            routing,
            policy,
            graph,
            overflow,
        })
    }

    /// Checks the Event Grid key of a webhook request (constant time).
    pub fn event_grid_key_matches(&self, key: &str) -> bool {
        match &self.event_grid_key {
            Some(k) => constant_time_eq(&Sha256::digest(k.as_bytes()), &Sha256::digest(key.as_bytes())),
            None => false,
        }
    }

    /// Whether IncomingCall may come from `topic` (always, when no allow-list is configured).
    pub fn topic_allowed(&self, topic: Option<&str>) -> bool {
        self.event_grid_topics.is_empty()
            || topic.is_some_and(|t| self.event_grid_topics.iter().any(|a| a.eq_ignore_ascii_case(t)))
    }

    /// The signature in a call's callback URI (`?sig=`): HMAC-SHA256 over tenant and call, so
    /// a callback (or a replayed token) aimed at another call's URL is refused before anything
    /// else. Keyed by the first of `callbackKeys`, else the ACS access key. Base64url, 128 bits.
    pub fn callback_signature(&self, call_id: &str) -> String {
        let key = self.callback_keys.first().map_or(self.connection_string.access_key(), |k| k.as_bytes());
        self.signature_under(key, call_id)
    }

    /// Checks a callback URI's signature (constant time) under every key it may have been
    /// made with: each of `callbackKeys` and the ACS access key.
    pub fn callback_signature_matches(&self, call_id: &str, sig: &str) -> bool {
        let keys = self.callback_keys.iter().map(String::as_bytes);
        let mut matched = false;
        for key in keys.chain(std::iter::once(self.connection_string.access_key())) {
            matched |= constant_time_eq(self.signature_under(key, call_id).as_bytes(), sig.as_bytes());
        }
        matched
    }

    fn signature_under(&self, key: &[u8], call_id: &str) -> String {
        use base64::Engine as _;
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(format!("switchboard-callback\n{}\n{call_id}", self.id).as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// The raw ids of agents who join calls with ACS identities.
    pub fn agent_raw_ids(&self) -> Vec<RawId> {
        self.agents.iter().filter_map(|a| a.acs_user_id.clone()).collect()
    }
}

impl GraphApp {
    fn from_doc(a: &Obj<'_>) -> Result<GraphApp, FieldError> {
        let guid = |k: &str| -> Result<String, FieldError> {
            let v = a.required_str(k)?;
            EntraObjectId::parse(v).map_err(|e| FieldError::new(k, e.to_string()))?;
            Ok(v.to_owned())
        };
        let client_secret = a.required_str("clientSecret")?.to_owned();
        if client_secret.is_empty() {
            return Err(FieldError::new("clientSecret", "must not be empty"));
        }
        let authority = a.str("authority")?.unwrap_or("https://login.microsoftonline.com").trim_end_matches('/');
        if !authority.starts_with("https://") && !authority.starts_with("http://127.0.0.1") {
            return Err(FieldError::new("authority", "must be an https origin (or the emulator's on loopback)"));
        }
        Ok(GraphApp {
            tenant_id: guid("tenantId")?,
            client_id: guid("clientId")?,
            client_secret,
            authority: authority.to_owned(),
        })
    }
}

impl Agent {
    fn from_doc(a: Obj<'_>) -> Result<Agent, FieldError> {
        let id = a.required_str("id")?;
        crate::api::routes::check_id("id", id).map_err(|e| FieldError::new("id", e.message))?;
        let token = a.required_str("token")?;
        let token_sha256 = match token.strip_prefix("sha256:") {
            Some(hex) => {
                parse_hex32(hex).ok_or_else(|| FieldError::new("token", "sha256: must be followed by 64 hex digits"))?
            }
            None if token.len() < 16 => return Err(FieldError::new("token", "must be at least 16 characters")),
            None => Sha256::digest(token.as_bytes()).into(),
        };
        let acs_user_id = match a.str("acsUserId")? {
            Some(u) if u.starts_with("8:") => {
                Some(RawId::new(u.to_owned()).map_err(|e| FieldError::new("acsUserId", e.to_string()))?)
            }
            Some(_) => return Err(FieldError::new("acsUserId", "must be an ACS user raw id (8:acs:...)")),
            None => None,
        };
        Ok(Agent { name: a.str("name")?.unwrap_or(id).to_owned(), id: id.to_owned(), token_sha256, acs_user_id })
    }
}

impl Policy {
    fn from_doc(p: &Obj<'_>) -> Result<Policy, FieldError> {
        Ok(Policy {
            on_agent_hangup: match p.str("onAgentHangup")? {
                None | Some("keep") => OnAgentHangup::Keep,
                Some("terminate") => OnAgentHangup::Terminate,
                Some(_) => return Err(p.error("onAgentHangup", "must be keep or terminate")),
            },
            greeting_url: p.str("greetingUrl")?.map(str::to_owned),
            record_consultations: p.bool("recordConsultations")?.unwrap_or(false),
            source_display_name: p.str("sourceDisplayName")?.map(str::to_owned),
            reconcile_after_seconds: match p.int("reconcileAfterSeconds")? {
                None => default_reconcile_after_s(),
                Some(s @ 0..=86_400) => s as u32,
                Some(_) => return Err(p.error("reconcileAfterSeconds", "must be 0 (off) to 86400 seconds")),
            },
        })
    }
}

const TENANT_FIELDS: &[&str] = &[
    "connectionString",
    "acsResourceId",
    "teamsTenantId",
    "eventGridKey",
    "callbackKeys",
    "eventGridTopics",
    "agents",
    "experts",
    "routing",
    "policy",
    "graph",
    "overflow",
];

const POLICY_FIELDS: &[&str] =
    &["onAgentHangup", "greetingUrl", "recordConsultations", "sourceDisplayName", "reconcileAfterSeconds"];

fn route_action(v: Option<&Value>) -> Result<RouteAction, FieldError> {
    let Some(v) = v else { return Ok(RouteAction::Answer) };
    let action = v.get("action").and_then(Value::as_str).ok_or_else(|| FieldError::new("action", "is required"))?;
    match action {
        "answer" => Ok(RouteAction::Answer),
        "offer" => Ok(RouteAction::Offer),
        "reject" => Ok(RouteAction::Reject),
        "queue" => Ok(RouteAction::Queue),
        "redirect" => {
            let target = v.get("target").ok_or_else(|| FieldError::new("target", "is required for redirect"))?;
            Ok(RouteAction::Redirect(crate::api::target::read(target).map_err(|e| e.within("target"))?))
        }
        _ => Err(FieldError::new("action", "must be answer, offer, queue, redirect or reject")),
    }
}

fn parse_hex32(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Compares equal-length digests without an early exit.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CS: &str = "endpoint=http://127.0.0.1:8788/;accesskey=U3dpdGNoYm9hcmQtQUNTLWVtdWxhdG9yLWRldi1rZXk=";
    const RES: &str = "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f";

    fn doc(tenant_extra: &str) -> String {
        format!(
            r#"{{"tenants":{{"contoso":{{"connectionString":"{CS}","acsResourceId":"{RES}","agents":[{{"id":"agent-7","token":"contoso-agent-7-token"}}]{tenant_extra}}},
               "fabrikam":{{"connectionString":"{CS}","acsResourceId":"{RES}","agents":[{{"id":"a1","token":"fabrikam-agent-1-token"}}]}}}}}}"#
        )
    }

    #[test]
    fn a_token_names_its_tenant_and_agent_only() {
        let c = Config::parse(&doc("")).unwrap();
        let (t, a) = c.agent_for_token("contoso-agent-7-token").unwrap();
        assert_eq!((t.id.as_str(), a.id.as_str()), ("contoso", "agent-7"));
        assert_eq!(c.agent_for_token("fabrikam-agent-1-token").unwrap().0.id, "fabrikam");
        assert!(c.agent_for_token("contoso-agent-7-tokem").is_none());
        assert!(c.agent_for_token("").is_none());
        assert_eq!(c.acs.issuer, ACS_ISSUER);
    }

    #[test]
    fn a_document_made_for_the_emulator_is_unfit_for_real_acs() {
        let real = |d: String| d.replace("http://127.0.0.1:8788/", "https://contoso.communication.azure.com/");
        assert_eq!(Config::parse(&real(doc(""))).unwrap().production_problem(), None);
        let loopback = Config::parse(&doc("")).unwrap().production_problem().unwrap();
        assert!(loopback.starts_with("tenants.contoso.connectionString points at a loopback emulator"), "{loopback}");
        let trusted = real(doc("")).replacen('{', r#"{"acs":{"jwksUrl":"http://127.0.0.1:8788/calling/keys"},"#, 1);
        let problem = Config::parse(&trusted).unwrap().production_problem().unwrap();
        assert!(problem.contains("http://127.0.0.1:8788/calling/keys") && problem.contains("remove it"), "{problem}");
        let graph = real(doc(r#","graph":{"endpoint":"http://127.0.0.1:8788"}"#));
        assert!(Config::parse(&graph).unwrap().production_problem().unwrap().contains("graph.endpoint is plain http"));
    }

    #[test]
    fn hashed_tokens_work_like_plain_ones() {
        let hex: String = Sha256::digest(b"a-very-secret-token").iter().map(|b| format!("{b:02x}")).collect();
        let c = Config::parse(
            &doc(r#","experts":[],"policy":{"onAgentHangup":"terminate"}"#)
                .replace("contoso-agent-7-token", &format!("sha256:{hex}")),
        )
        .unwrap();
        assert_eq!(c.agent_for_token("a-very-secret-token").unwrap().1.id, "agent-7");
        assert_eq!(c.tenant("contoso").unwrap().policy.on_agent_hangup, OnAgentHangup::Terminate);
    }

    #[test]
    fn routing_picks_the_first_matching_rule() {
        let c = Config::parse(&doc(r#","routing":{"default":{"action":"offer"},"rules":[{"to":"+18005550100","action":"redirect","target":{"teamsUserId":"8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"}},{"to":"+18005550199","action":"reject"}]}"#)).unwrap();
        let r = &c.tenant("contoso").unwrap().routing;
        assert!(
            matches!(r.route(&RawId::new("4:18005550100").unwrap()), RouteAction::Redirect(t) if t.is_teams_user())
        );
        assert_eq!(r.route(&RawId::new("4:+18005550199").unwrap()), &RouteAction::Reject);
        assert_eq!(r.route(&RawId::new("4:+18005550000").unwrap()), &RouteAction::Offer);
    }

    #[test]
    fn every_bad_value_names_its_field() {
        let cases = [
            (doc("").replace(RES, "not-a-guid"), "tenants.contoso.acsResourceId"),
            (doc("").replace("endpoint=http", "endpoint=ftp"), "tenants.contoso.connectionString"),
            (doc("").replace("contoso-agent-7-token", "short"), "tenants.contoso.agents[0].token"),
            (doc("").replace("fabrikam-agent-1-token", "contoso-agent-7-token"), "tenants"),
            (doc(r#","experts":[{"objectId":"x","displayName":"X"}]"#), "tenants.contoso.experts[0].objectId"),
            (doc(r#","routing":{"default":{"action":"fly"}}"#), "tenants.contoso.routing.default.action"),
            (
                doc(r#","routing":{"rules":[{"to":"+1800","action":"redirect"}]}"#),
                "tenants.contoso.routing.rules[0].target",
            ),
            (doc(r#","policy":{"onAgentHangup":"explode"}"#), "tenants.contoso.policy.onAgentHangup"),
            (doc(r#","colour":"red""#), "tenants.contoso"), // the message names `colour`
            (doc(r#","eventGridKey":"short""#), "tenants.contoso.eventGridKey"),
            (r#"{"tenants":{}}"#.to_owned(), "tenants"),
            (r#"{"tenants":{"bad id":{"connectionString":"x","acsResourceId":"y"}}}"#.to_owned(), "tenants.bad id"),
        ];
        for (text, field) in cases {
            let e = Config::parse(&text).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
    }

    #[test]
    fn callback_signatures_bind_tenant_and_call() {
        let c = Config::parse(&doc(r#","eventGridTopics":["/subscriptions/s/resourceGroups/r/providers/Microsoft.Communication/CommunicationServices/contoso"]"#)).unwrap();
        let (a, b) = (c.tenant("contoso").unwrap(), c.tenant("fabrikam").unwrap());
        let sig = a.callback_signature("call-1");
        assert_eq!(sig.len(), 22);
        assert!(a.callback_signature_matches("call-1", &sig));
        assert!(!a.callback_signature_matches("call-2", &sig), "another call");
        assert!(!b.callback_signature_matches("call-1", &sig), "another tenant, same key");
        assert!(!a.callback_signature_matches("call-1", ""));
        assert!(a.topic_allowed(Some(
            "/SUBSCRIPTIONS/s/resourceGroups/r/providers/Microsoft.Communication/CommunicationServices/contoso"
        )));
        assert!(!a.topic_allowed(Some("/subscriptions/evil")));
        assert!(!a.topic_allowed(None));
        assert!(b.topic_allowed(None), "no allow-list: any topic");
    }

    #[test]
    fn rotating_a_key_keeps_the_urls_of_calls_in_progress() {
        const OLD: &str = "old-callback-key-0123456789abcdef";
        const NEW: &str = "new-callback-key-0123456789abcdef";
        let tenant = |extra: &str, cs: &str| {
            let c = Config::parse(&doc(extra).replacen(CS, cs, 1)).unwrap();
            c.tenant("contoso").unwrap().clone()
        };
        let rotated_acs = CS.replace("accesskey=U3dp", "accesskey=QUJD");
        // Without callbackKeys the ACS key signs, and rotating it breaks live URLs; adding
        // callbackKeys first keeps them (the access key still verifies).
        let by_acs_key = tenant("", CS).callback_signature("call-1");
        assert!(!tenant("", &rotated_acs).callback_signature_matches("call-1", &by_acs_key));
        let with_keys = tenant(&format!(r#","callbackKeys":["{OLD}"]"#), CS);
        assert!(with_keys.callback_signature_matches("call-1", &by_acs_key), "migrating to callbackKeys");
        // With callbackKeys, the ACS key rotates freely.
        let by_old = with_keys.callback_signature("call-1");
        assert_ne!(by_old, by_acs_key);
        let acs_rotated = tenant(&format!(r#","callbackKeys":["{OLD}"]"#), &rotated_acs);
        assert!(acs_rotated.callback_signature_matches("call-1", &by_old));
        // Rotating callbackKeys: the new key first signs, the old one still verifies.
        let both = tenant(&format!(r#","callbackKeys":["{NEW}","{OLD}"]"#), &rotated_acs);
        let by_new = both.callback_signature("call-1");
        assert_ne!(by_new, by_old);
        assert!(
            both.callback_signature_matches("call-1", &by_old) && both.callback_signature_matches("call-1", &by_new)
        );
        assert!(!both.callback_signature_matches("call-2", &by_new));
        // The old key retired: its URLs no longer verify.
        let retired = tenant(&format!(r#","callbackKeys":["{NEW}"]"#), &rotated_acs);
        assert!(!retired.callback_signature_matches("call-1", &by_old));
        for (extra, field) in [
            (r#","callbackKeys":[]"#.to_owned(), "tenants.contoso.callbackKeys"),
            (r#","callbackKeys":["short"]"#.to_owned(), "tenants.contoso.callbackKeys[0]"),
            (format!(r#","callbackKeys":["{OLD}","{OLD}"]"#), "tenants.contoso.callbackKeys[1]"),
            (r#","callbackKeys":"one"]"#.replace(']', ""), "tenants.contoso.callbackKeys"),
        ] {
            assert_eq!(Config::parse(&doc(&extra)).unwrap_err().field, field, "{extra}");
        }
    }

    #[test]
    fn a_graph_app_is_read_and_checked() {
        const APP: &str = r#""tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","clientId":"11111111-2222-4333-8444-555555555555","clientSecret":"s3cr3t""#;
        let c =
            Config::parse(&doc(&format!(r#","graph":{{"endpoint":"https://graph.microsoft.com/","app":{{{APP}}}}}"#)))
                .unwrap();
        let g = c.tenant("contoso").unwrap().graph.clone().unwrap();
        let app = g.app.unwrap();
        assert_eq!(
            (g.endpoint.as_str(), app.authority.as_str()),
            ("https://graph.microsoft.com", "https://login.microsoftonline.com")
        );
        assert_eq!(app.client_secret, "s3cr3t");
        for (graph, field) in [
            (format!(r#"{{"endpoint":"https://g","token":"t","app":{{{APP}}}}}"#), "tenants.contoso.graph.app"),
            (
                r#"{"endpoint":"https://g","app":{"tenantId":"x","clientId":"y","clientSecret":"z"}}"#.to_owned(),
                "tenants.contoso.graph.app.tenantId",
            ),
            (
                format!(r#"{{"endpoint":"https://g","app":{{{}}}}}"#, APP.replace("s3cr3t", "")),
                "tenants.contoso.graph.app.clientSecret",
            ),
            (
                format!(r#"{{"endpoint":"https://g","app":{{{APP},"authority":"http://evil.example"}}}}"#),
                "tenants.contoso.graph.app.authority",
            ),
            (format!(r#"{{"endpoint":"https://g","app":{{{APP},"colour":"red"}}}}"#), "tenants.contoso.graph.app"),
        ] {
            let e = Config::parse(&doc(&format!(r#","graph":{graph}"#))).unwrap_err();
            assert_eq!(e.field, field, "{graph}: {e}");
        }
    }

    #[test]
    fn event_grid_keys_compare_exactly() {
        let c = Config::parse(&doc(r#","eventGridKey":"0123456789abcdef0123""#)).unwrap();
        let t = c.tenant("contoso").unwrap();
        assert!(t.event_grid_key_matches("0123456789abcdef0123"));
        assert!(!t.event_grid_key_matches("0123456789abcdef012"));
        assert!(!c.tenant("fabrikam").unwrap().event_grid_key_matches(""));
    }
}

#[cfg(test)]
mod dev_config {
    /// The development configuration `npm start` and the Worker tests use must stay valid.
    #[test]
    fn config_tenants_dev_json_parses() {
        let text = include_str!("../config/tenants.dev.json");
        let c = super::Config::parse(text).unwrap();
        assert_eq!(c.tenants.len(), 2);
        assert_eq!(c.agent_for_token("dev-agent-token-contoso-alex").unwrap().1.id, "alex");
        assert_eq!(c.acs.jwks_url, "http://127.0.0.1:8788/calling/keys");
    }
}
