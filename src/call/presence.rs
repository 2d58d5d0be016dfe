//! Who is in the call, and when each one was: derived from the whole roster timeline.
//!
//! Every ParticipantsUpdated roster is kept, ordered by `sequenceNumber` (then time), and the
//! stays are recomputed from all of them. So the result does not depend on delivery order: a
//! roster that arrives late still fills in history ("the expert joined at t1 and left at t2"),
//! while only the newest roster decides who is in the call now.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::participant::{Participant, ParticipantStatus, Stay};
use crate::RawId;

/// One roster as delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Roster {
    /// `sequenceNumber` (2022 payloads have none).
    pub seq: Option<i64>,
    /// Event time (Unix ms).
    pub at: Option<i64>,
    /// Who was on it.
    pub raw_ids: Vec<RawId>,
}

impl Roster {
    fn contains(&self, id: &RawId) -> bool {
        self.raw_ids.iter().any(|r| r.same_participant(id))
    }
}

fn order(a: &Roster, b: &Roster) -> Ordering {
    match (a.seq, b.seq) {
        (Some(x), Some(y)) if x != y => x.cmp(&y),
        _ => a.at.cmp(&b.at),
    }
}

/// Inserts `roster` in timeline order. Returns false when it is older than the newest roster
/// already known (it only fills in history).
pub(crate) fn insert(rosters: &mut Vec<Roster>, roster: Roster) -> bool {
    let newest = rosters.last().is_none_or(|last| order(&roster, last) == Ordering::Greater);
    let pos = rosters.partition_point(|r| order(r, &roster) != Ordering::Greater);
    rosters.insert(pos, roster);
    newest
}

/// Recomputes every participant's stays and status from the rosters, the join/removal hints
/// of outcome events, and the end of the call.
pub(crate) fn recompute(participants: &mut [Participant], rosters: &[Roster], ended_at: Option<Option<i64>>) {
    for p in participants.iter_mut() {
        let id = p.identifier.raw_id().clone();
        let mut stays = Vec::new();
        let mut open: Option<Option<i64>> = None;
        let mut previous_at: Option<i64> = None;
        for r in rosters {
            match (r.contains(&id), open) {
                // Joined between the previous roster and this one; an AddParticipantSucceeded
                // in that window says when exactly.
                (true, None) => {
                    let hint =
                        p.joined_hint.filter(|h| previous_at.is_none_or(|pa| *h > pa) && r.at.is_none_or(|a| *h <= a));
                    open = Some(hint.or(r.at));
                }
                (false, Some(joined_at)) => {
                    stays.push(Stay { joined_at, left_at: r.at.or(joined_at) });
                    open = None;
                }
                _ => {}
            }
            previous_at = r.at.or(previous_at);
        }
        let removed_at = p.removed_at;
        let close = |joined_at: Option<i64>| -> Option<i64> {
            let removed = removed_at.filter(|t| joined_at.is_none_or(|j| *t >= j));
            removed.or_else(|| ended_at.and_then(|e| e.or(joined_at)))
        };
        if let Some(joined_at) = open {
            stays.push(Stay { joined_at, left_at: close(joined_at) });
        }
        if stays.is_empty() {
            // Never on a roster: an AddParticipantSucceeded is the evidence; the first roster
            // after it without them says they had left by then.
            if let Some(t) = p.joined_hint {
                let next = rosters.iter().find(|r| r.at.is_some_and(|a| a > t)).and_then(|r| r.at);
                let left_at = next.or_else(|| close(Some(t)));
                stays.push(Stay { joined_at: Some(t), left_at });
            }
        }
        if let Some(inv) = &mut p.invitation {
            let answered = stays.iter().any(|s| match (s.joined_at, inv.invited_at) {
                (Some(j), Some(i)) => j >= i,
                _ => true,
            });
            if inv.status == ParticipantStatus::Ringing && answered {
                inv.status = ParticipantStatus::Connected;
            }
        }
        p.stays = stays;
        p.derive_status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(seq: i64, at: i64, ids: &[&str]) -> Roster {
        Roster { seq: Some(seq), at: Some(at), raw_ids: ids.iter().map(|i| RawId::new(*i).unwrap()).collect() }
    }

    #[test]
    fn insertion_keeps_sequence_order_and_reports_staleness() {
        let mut rs = Vec::new();
        assert!(insert(&mut rs, roster(3, 30, &["a"])));
        assert!(!insert(&mut rs, roster(1, 10, &["a"])));
        assert!(insert(&mut rs, roster(5, 50, &[])));
        assert!(!insert(&mut rs, roster(4, 40, &["a", "b"])));
        assert_eq!(rs.iter().map(|r| r.seq.unwrap()).collect::<Vec<_>>(), [1, 3, 4, 5]);
    }

    #[test]
    fn stays_come_from_the_whole_timeline() {
        let mut ps = vec![Participant::new(crate::CommunicationIdentifier::from_raw_id("b"))];
        let rs =
            vec![roster(1, 10, &["a"]), roster(2, 20, &["a", "b"]), roster(3, 30, &["a"]), roster(4, 40, &["a", "b"])];
        recompute(&mut ps, &rs, None);
        assert_eq!(
            ps[0].stays,
            vec![Stay { joined_at: Some(20), left_at: Some(30) }, Stay { joined_at: Some(40), left_at: None }]
        );
        assert_eq!(ps[0].status, ParticipantStatus::Connected);
        recompute(&mut ps, &rs, Some(Some(99)));
        assert_eq!(ps[0].stays[1].left_at, Some(99));
        assert_eq!(ps[0].status, ParticipantStatus::Left);
    }
}
