//! Who is in the call, and when each one was: derived from the whole roster timeline.
//!
//! Every ParticipantsUpdated roster is kept, ordered by `sequenceNumber` (then time), and the
//! stays are recomputed from all of them. So the result does not depend on delivery order: a
//! roster that arrives late still fills in history ("the expert joined at t1 and left at t2"),
//! while only the newest roster decides who is in the call now.
//!
//! Rosters that only repeat who is there (a mute, a hold) are merged with the roster before or
//! after them when their sequence numbers are adjacent: no roster can ever arrive between them,
//! so nothing is lost, and a long call's timeline stays as long as its joins and leaves. A run
//! keeps its first and last time, and comes out the same whichever end arrived first.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::participant::{Participant, Stay};
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
    /// The last `sequenceNumber` of adjacent rosters with the same people merged into this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<i64>,
    /// The time of that last merged roster (`at` is the first one's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_at: Option<i64>,
    /// Read from ACS (`getParticipants`) at `at` rather than delivered as an event: it has no
    /// sequence number, so it is placed by time among the rosters (after one of the same time).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observed: bool,
}

impl Roster {
    fn contains(&self, id: &RawId) -> bool {
        self.raw_ids.iter().any(|r| r.same_participant(id))
    }
}

fn order(a: &Roster, b: &Roster) -> Ordering {
    if a.observed || b.observed {
        return a.at.cmp(&b.at).then(a.observed.cmp(&b.observed));
    }
    match (a.seq, b.seq) {
        (Some(x), Some(y)) if x != y => x.cmp(&y),
        _ => a.at.cmp(&b.at),
    }
}

impl Roster {
    fn same_people(&self, other: &Roster) -> bool {
        self.raw_ids.len() == other.raw_ids.len() && self.raw_ids.iter().all(|id| other.contains(id))
    }

    /// The last sequence number this roster stands for.
    fn end_seq(&self) -> Option<i64> {
        self.last_seq.or(self.seq)
    }

    /// The time of the last roster this one stands for.
    fn end_at(&self) -> Option<i64> {
        self.last_at.or(self.at)
    }

    /// Where it begins on the timeline (its first roster).
    fn start(&self) -> Point {
        Point { seq: self.seq, at: self.at, observed: self.observed }
    }

    /// Where it ends (a run: its last roster).
    fn end(&self) -> Point {
        Point { seq: self.end_seq(), at: self.end_at(), observed: self.observed }
    }

    /// Takes in `next`, the run of the same people right after this one.
    fn absorb(&mut self, next: Roster) {
        self.last_seq = next.end_seq();
        self.last_at = next.end_at();
    }
}

/// Inserts `roster` in timeline order. Returns false when it is older than the newest roster
/// already known (it only fills in history).
///
/// Runs of adjacent sequence numbers with the same people (a mute, a hold) become one roster,
/// first sequence number and time to last: no roster can ever arrive between them, so nothing is
/// lost, and a long call's timeline stays as long as its joins and leaves. Runs join whichever
/// end arrives first, so the timeline — and all derived from it — is the same for every
/// delivery order.
pub(crate) fn insert(rosters: &mut Vec<Roster>, roster: Roster) -> bool {
    let newest = rosters.last().is_none_or(|last| after(roster.start(), last.end()));
    let pos = rosters.partition_point(|r| order(r, &roster) != Ordering::Greater);
    // An observation confirming the observation before it extends that one to its own time
    // (calls are read again and again while quiet: the timeline must not grow with them). Its
    // time still counts: it closes a stay known only from an AddParticipantSucceeded.
    if roster.observed {
        if let Some(prev) = pos.checked_sub(1).and_then(|i| rosters.get_mut(i)) {
            if prev.observed && prev.same_people(&roster) {
                prev.at = prev.at.max(roster.at);
                return newest;
            }
        }
        rosters.insert(pos, roster);
        return newest;
    }
    let follows = |a: &Roster, b: &Roster| {
        !a.observed && !b.observed && a.end_seq().zip(b.seq).is_some_and(|(e, s)| e + 1 == s) && a.same_people(b)
    };
    let at = match pos.checked_sub(1) {
        Some(i) if follows(&rosters[i], &roster) => {
            rosters[i].absorb(roster);
            i
        }
        _ => {
            rosters.insert(pos, roster);
            pos
        }
    };
    if rosters.get(at + 1).is_some_and(|next| follows(&rosters[at], next)) {
        let next = rosters.remove(at + 1);
        rosters[at].absorb(next);
    }
    newest
}

/// A point on the timeline: a roster's sequence number and time, read or delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    /// `sequenceNumber` (a read has none).
    pub seq: Option<i64>,
    /// Unix ms.
    pub at: Option<i64>,
    /// A read of the call rather than a delivered roster.
    pub observed: bool,
}

/// True when `a` is later than `b`. Delivered rosters compare by sequence number; a read has
/// none, so it compares by time (after a delivered roster of the same time).
fn after(a: Point, b: Point) -> bool {
    match (a.seq, b.seq) {
        (Some(x), Some(y)) if !a.observed && !b.observed => x > y,
        _ => (a.at, a.observed) > (b.at, b.observed),
    }
}

/// True when no roster later in the timeline than `point` (a run: up to its last roster)
/// lists `id`: the roster at `point` has the last known flags (mute, hold) of `id`, whatever
/// order the rosters arrived in.
pub(crate) fn last_listing(rosters: &[Roster], point: Point, id: &RawId) -> bool {
    !rosters.iter().any(|r| r.contains(id) && after(r.end(), point))
}

/// Recomputes every participant's stays and status from the rosters, the join/removal hints
/// of outcome events, and the end of the call.
pub(crate) fn recompute(participants: &mut [Participant], rosters: &[Roster], ended_at: Option<Option<i64>>) {
    for p in participants.iter_mut() {
        // The stays are rebuilt in their own buffer (no allocation once a participant has one).
        let mut stays = std::mem::take(&mut p.stays);
        stays.clear();
        stays_of(p, rosters, ended_at, &mut stays);
        if let Some(inv) = &mut p.invitation {
            inv.settle(&stays);
        }
        p.stays = stays;
        p.derive_status();
    }
}

/// `p`'s stays on the call, into `stays` (empty).
fn stays_of(p: &Participant, rosters: &[Roster], ended_at: Option<Option<i64>>, stays: &mut Vec<Stay>) {
    let id = p.identifier.raw_id();
    let mut open: Option<Option<i64>> = None;
    let mut previous_at: Option<i64> = None;
    for r in rosters {
        match (r.contains(id), open) {
            // Joined between the previous roster and this one; an AddParticipantSucceeded in
            // that window says when exactly.
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
        previous_at = r.end_at().or(previous_at);
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
        // Never on a roster: an AddParticipantSucceeded is the evidence; the first roster after
        // it without them says they had left by then.
        if let Some(t) = p.joined_hint {
            // (Within a run, the last roster's time is the one kept.)
            let next = rosters.iter().find_map(|r| [r.at, r.end_at()].into_iter().flatten().find(|&a| a > t));
            let left_at = next.or_else(|| close(Some(t)));
            stays.push(Stay { joined_at: Some(t), left_at });
        }
    }
    // Clocks disagree by a little (a last roster stamped after the call's end, a sequence
    // number ahead of its time): a stay never ends before it began.
    for stay in stays.iter_mut() {
        if let (Some(j), Some(l)) = (stay.joined_at, stay.left_at) {
            stay.left_at = Some(l.max(j));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::participant::ParticipantStatus;
    use super::*;

    fn roster(seq: i64, at: i64, ids: &[&str]) -> Roster {
        Roster {
            seq: Some(seq),
            at: Some(at),
            raw_ids: ids.iter().map(|i| RawId::new(*i).unwrap()).collect(),
            last_seq: None,
            last_at: None,
            observed: false,
        }
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
    fn repeats_merge_only_when_nothing_can_come_between() {
        let mut rs = Vec::new();
        insert(&mut rs, roster(1, 10, &["a"]));
        insert(&mut rs, roster(2, 20, &["a"])); // a mute: merged
        insert(&mut rs, roster(3, 30, &["a"])); // another: merged
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0].last_seq, Some(3));
        insert(&mut rs, roster(5, 50, &["a"])); // seq 4 may still come: kept apart
        assert_eq!(rs.len(), 2);
        assert!(!insert(&mut rs, roster(4, 40, &[]))); // it did: a left at 40, rejoined at 50
        let mut ps = vec![Participant::new(crate::CommunicationIdentifier::from_raw_id("a"))];
        recompute(&mut ps, &rs, None);
        assert_eq!(
            ps[0].stays,
            vec![Stay { joined_at: Some(10), left_at: Some(40) }, Stay { joined_at: Some(50), left_at: None }]
        );
    }

    #[test]
    fn runs_come_out_the_same_whichever_end_arrives_first() {
        let run = |order: &[i64]| {
            let mut rs = vec![roster(1, 10, &["a"])];
            for &seq in order {
                insert(&mut rs, roster(seq, seq * 10, &["a", "b"]));
            }
            rs
        };
        let in_order = run(&[2, 3, 4]);
        assert_eq!(in_order.len(), 2);
        assert_eq!(
            (in_order[1].seq, in_order[1].last_seq, in_order[1].at, in_order[1].last_at),
            (Some(2), Some(4), Some(20), Some(40))
        );
        for order in [[4, 3, 2], [2, 4, 3], [3, 2, 4], [4, 2, 3]] {
            assert_eq!(run(&order), in_order, "{order:?}");
        }
        // b, added at 25 by an AddParticipantSucceeded hint and on no roster, is gone by the
        // run's last roster (40) in every order.
        let mut ps = vec![Participant::new(crate::CommunicationIdentifier::from_raw_id("c"))];
        ps[0].joined_hint = Some(25);
        recompute(&mut ps, &in_order, None);
        assert_eq!(ps[0].stays, vec![Stay { joined_at: Some(25), left_at: Some(40) }]);
    }

    #[test]
    fn a_stay_never_ends_before_it_began() {
        // b first shows on a roster stamped 50; the call's end says 40.
        let mut ps = vec![Participant::new(crate::CommunicationIdentifier::from_raw_id("b"))];
        let rs = vec![roster(1, 10, &["a"]), roster(2, 50, &["a", "b"])];
        recompute(&mut ps, &rs, Some(Some(40)));
        assert_eq!(ps[0].stays, vec![Stay { joined_at: Some(50), left_at: Some(50) }]);
        // A roster ahead of its time: b leaves on roster 3 stamped before roster 2.
        let rs = vec![roster(1, 10, &["a"]), roster(2, 50, &["a", "b"]), roster(3, 45, &["a"])];
        recompute(&mut ps, &rs, None);
        assert_eq!(ps[0].stays, vec![Stay { joined_at: Some(50), left_at: Some(50) }]);
    }

    #[test]
    fn a_read_taken_within_a_run_is_not_the_newest() {
        let mut rs = vec![roster(1, 10, &["a"])];
        insert(&mut rs, roster(2, 20, &["a"])); // a mute: the run now ends at 20
        let read = Roster { observed: true, seq: None, ..roster(0, 15, &["a"]) };
        assert!(!insert(&mut rs, read), "read at 15, inside the run 10..20");
        let id = RawId::new("a").unwrap();
        let point = |seq, at, observed| Point { seq, at: Some(at), observed };
        assert!(!last_listing(&rs, point(None, 15, true), &id), "the run's last roster lists a after the read");
        assert!(last_listing(&rs, point(Some(2), 20, false), &id));
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
