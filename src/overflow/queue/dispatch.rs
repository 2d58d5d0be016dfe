//! Who is offered what: the fallback and lost offers first, then each waiting call, oldest
//! first, to a free agent or — when the trigger fires — to the best knowledge worker.

use super::super::messages::Command;
use super::super::policy::{Handoff, Order, OverflowPolicy, Then};
use super::super::queued::{OfferOutcome, OfferVia, QueuedCall, Stage, Taker};
use super::super::seats::{AgentSeat, Busy};
use super::{Queue, OFFER_GRACE_MS, PRESENCE_RETRY_MS};

impl Queue {
    /// Offers whose outcome never came, and the fallback.
    pub(super) fn expire(&mut self, policy: &OverflowPolicy, now: i64, out: &mut Vec<Command>) {
        let timeout = i64::from(policy.invitation_timeout_seconds) * 1000;
        let lost: Vec<(String, u64)> = self
            .calls
            .iter()
            .flat_map(|c| {
                c.live_offers().filter(|o| o.at + timeout + OFFER_GRACE_MS <= now).map(|o| (c.call_id.clone(), o.id))
            })
            .collect();
        for (call_id, offer_id) in lost {
            self.offer_ended(&call_id, offer_id, OfferOutcome::Lost, now, out);
            out.push(Command::Cancel { call_id, offer_id });
        }
        let max_offers = policy.max_offers as usize;
        for c in self.calls.iter_mut().filter(|c| c.waiting() && c.fallback_at.is_none()) {
            let used_up = c.worker_offers() >= max_offers && c.live_offers().next().is_none();
            let waited = now - c.round_start() >= i64::from(policy.fallback.after_seconds) * 1000;
            if used_up || waited {
                c.fallback_at = Some(now);
                c.stage = Stage::Message;
                self.stats.fallbacks += 1;
                // Ringing offers are withdrawn: the message is played to a caller, not a taker.
                for o in c.offers.iter().filter(|o| o.outcome.is_none()) {
                    out.push(Command::Cancel { call_id: c.call_id.clone(), offer_id: o.id });
                }
                out.push(Command::Message {
                    call_id: c.call_id.clone(),
                    url: policy.fallback.message_url.clone(),
                    then_end: policy.fallback.then == Then::End,
                });
            }
        }
    }

    /// Offers waiting calls, oldest first: to a free agent, else (when the trigger fires) to
    /// the best knowledge worker.
    pub(super) fn dispatch(&mut self, policy: &OverflowPolicy, now: i64, out: &mut Vec<Command>) {
        let mut need_presence = false;
        let order: Vec<usize> = {
            let mut v: Vec<usize> = (0..self.calls.len()).filter(|&i| self.calls[i].waiting()).collect();
            crate::small_sort::sort_by_key(&mut v, |&i| self.calls[i].arrived_at);
            v
        };
        let waiting = order.len() as u32;
        for ci in order {
            if self.calls[ci].live_offers().next().is_some() {
                continue;
            }
            let via = match policy.handoff {
                Handoff::Add => OfferVia::Add,
                Handoff::AddThenLeave => OfferVia::AddThenLeave,
                Handoff::Transfer => OfferVia::Transfer,
            };
            if let Some(a) = self.free_agent_for(&self.calls[ci]) {
                let call_id = self.calls[ci].call_id.clone();
                let offer_id = self.offer(ci, Taker::Agent { id: self.agents[a].id.clone() }, OfferVia::Add, now);
                out.push(Command::Offer {
                    call_id,
                    offer_id,
                    target: policy.agents[a].raw_id.as_str().to_owned(),
                    via: OfferVia::Add,
                    invitation_timeout_seconds: policy.invitation_timeout_seconds,
                });
                continue;
            }
            let call = &self.calls[ci];
            if !self.trigger_fires(policy, call, now, waiting) || call.worker_offers() >= policy.max_offers as usize {
                continue;
            }
            if self.presence_stale(policy, now) {
                need_presence = true;
                // Someone who may be offered the call has no presence yet (nobody, before the
                // first read; or back from a queue call, read again): wait for the read rather
                // than pass over them — unless reads are failing, then go by what is known.
                let unknown = self.workers.iter().any(|w| {
                    w.presence_at.is_none()
                        && w.excluded.is_none()
                        && w.busy == Busy::Free
                        && !self.calls[ci].tried(&Taker::KnowledgeWorker { object_id: w.object_id.clone() })
                });
                if unknown && (!self.presence_failing || self.workers.iter().all(|w| w.presence_at.is_none())) {
                    continue;
                }
            }
            let mut picks = self.candidates(policy, &self.calls[ci], now);
            let room = policy.max_offers as usize - self.calls[ci].worker_offers();
            picks.truncate(if policy.ring_group { room } else { 1 });
            for w in picks {
                let call_id = self.calls[ci].call_id.clone();
                let to = Taker::KnowledgeWorker { object_id: self.workers[w].object_id.clone() };
                let offer_id = self.offer(ci, to, via, now);
                out.push(Command::Offer {
                    call_id,
                    offer_id,
                    target: self.worker_raw_id(w),
                    via,
                    invitation_timeout_seconds: policy.invitation_timeout_seconds,
                });
                if let Some((g, i)) = self.member_position(policy, w) {
                    self.round_robin[g] = i;
                }
            }
        }
        if need_presence && self.presence_asked_at.is_none_or(|t| now - t >= PRESENCE_RETRY_MS) {
            self.presence_asked_at = Some(now);
            out.push(Command::ReadPresence { object_ids: self.workers.iter().map(|w| w.object_id.clone()).collect() });
        }
    }

    /// The first time after the last step at which someone's presence is too old to trust.
    pub(super) fn presence_expiry(&self, policy: &OverflowPolicy) -> Option<i64> {
        let max_age = i64::from(policy.presence_max_age_seconds) * 1000;
        self.workers
            .iter()
            .filter(|w| w.excluded.is_none())
            .filter_map(|w| w.presence_at.map(|t| t + max_age + 1))
            .filter(|&t| t > self.last_step)
            .min()
    }

    /// Whether someone's presence needs reading: never read, older than the policy allows, or
    /// read before the settle time of a call they took by transfer (only a read after it can
    /// free them).
    pub(super) fn presence_stale(&self, policy: &OverflowPolicy, now: i64) -> bool {
        let max_age = i64::from(policy.presence_max_age_seconds) * 1000;
        self.workers.iter().any(|w| {
            let settled = match w.busy {
                Busy::Transferred { settle_at, .. } => now >= settle_at && w.presence_at.is_none_or(|t| t < settle_at),
                _ => false,
            };
            w.excluded.is_none() && (settled || w.presence_at.is_none_or(|t| now - t > max_age))
        })
    }

    pub(super) fn trigger_fires(&self, policy: &OverflowPolicy, call: &QueuedCall, now: i64, waiting: u32) -> bool {
        let t = &policy.trigger;
        (t.no_free_agent && self.free_agent_for(call).is_none())
            || t.waited_seconds.is_some_and(|s| now - call.arrived_at >= i64::from(s) * 1000)
            || t.queue_length.is_some_and(|m| waiting > m)
    }

    pub(super) fn free_agent(&self) -> Option<usize> {
        self.agents.iter().position(AgentSeat::free)
    }

    /// A free agent who has not been offered `call` in its current round: one who let it ring
    /// out or declined is not offered it again (nor counts as free for its trigger), so an
    /// agent who is away from a signed-in console cannot hold a call back from the knowledge
    /// workers.
    pub(super) fn free_agent_for(&self, call: &QueuedCall) -> Option<usize> {
        self.agents.iter().position(|a| a.free() && !call.tried(&Taker::Agent { id: a.id.clone() }))
    }

    /// Knowledge workers who may be offered `call`, best first: Available ones before Away /
    /// BeRightBack / unknown ones; groups in policy order; each group in its own order. Never
    /// Busy, DoNotDisturb or Offline, never excluded, never busy for the queue, never someone
    /// this call was already offered to.
    pub(super) fn candidates(&self, policy: &OverflowPolicy, call: &QueuedCall, now: i64) -> Vec<usize> {
        let _ = now;
        let mut picks: Vec<(u8, usize, usize, usize)> = Vec::new(); // (tier, group, rank, seat)
        let mut seat = 0;
        for (g, group) in policy.groups.iter().enumerate() {
            let n = group.members.len();
            for i in 0..n {
                let w = &self.workers[seat + i];
                let tier = match w.availability.as_str() {
                    "Available" | "AvailableIdle" => 0,
                    "Away" | "BeRightBack" | "PresenceUnknown" => 1,
                    _ => continue, // Busy, BusyIdle, DoNotDisturb, Offline, anything unknown
                };
                let who = Taker::KnowledgeWorker { object_id: w.object_id.clone() };
                if w.excluded.is_some() || w.busy != Busy::Free || call.tried(&who) || w.presence_at.is_none() {
                    continue;
                }
                let rank = match group.order {
                    Order::Priority => i,
                    Order::RoundRobin => {
                        let last = self.round_robin.get(g).copied().unwrap_or(usize::MAX);
                        if last == usize::MAX {
                            i
                        } else {
                            (i + n - (last + 1) % n) % n
                        }
                    }
                    Order::LongestIdle => 0,
                };
                picks.push((tier, g, rank, seat + i));
            }
            seat += n;
        }
        crate::small_sort::sort_by(&mut picks, |a, b| {
            (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
                // longestIdle: the earliest idle_since first, then list order.
                self.workers[a.3].idle_since.cmp(&self.workers[b.3].idle_since).then(a.3.cmp(&b.3))
            })
        });
        picks.into_iter().map(|p| p.3).collect()
    }

    pub(super) fn member_position(&self, policy: &OverflowPolicy, seat: usize) -> Option<(usize, usize)> {
        let mut start = 0;
        for (g, group) in policy.groups.iter().enumerate() {
            if seat < start + group.members.len() {
                return Some((g, seat - start));
            }
            start += group.members.len();
        }
        None
    }
}
