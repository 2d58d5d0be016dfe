//! ACS result codes in plain words, for people: "Dana Expert cannot be added: no Teams Phone
//! licence (403)". Known `(code, subCode)` pairs first (SPEC §5.2–5.3), then the code alone.

/// A sentence fragment for a result, e.g. `"declined the call"`; `None` for a success or an
/// unknown pair (show ACS's own message then).
pub fn describe(code: i32, sub_code: i32) -> Option<&'static str> {
    let exact = match (code, sub_code) {
        (403, 7604) => "no Teams Phone licence (or Enterprise Voice is off) for this Teams user",
        (403, 5223) => "the Teams tenant does not allow this ACS resource (federation not configured)",
        (403, 7500) => "an ACS client signed in with a Microsoft 365 identity cannot be called",
        (403, 7507) => "the caller id number does not belong to this ACS resource",
        (403, 7504) => "the application lacks permission for this call",
        (404, 8522) => "not found (no such user, call or participant)",
        (603, _) => "declined the call",
        (408, 4506) | (408, _) => "did not answer in time",
        (480, 10076) => "is offline",
        (480, _) => "could not be reached",
        (486, _) | (_, 8539) | (_, 8540) => "is busy",
        (487, _) => "the call was cancelled",
        (400, 8520) | (405, 8520) => "not supported in this call (Teams interop limits DTMF and some media actions)",
        (400, 8501) => "the call is not established yet",
        (400, 8528) => "the call has ended",
        (400, 8585) => "not allowed in the call's current state",
        (409, 8519) => "another action is in progress; try again",
        (400, 8523) => "the request was invalid",
        // PlayCanceled/RecognizeCanceled after cancelAllMediaOperations ("Action falied, the
        // operation was canceled.", SPEC §9): what was asked, not a failure.
        (400, 8508) => "cancelled as asked",
        (_, 8535) => "the audio file format is not supported (use WAV 16 kHz mono or MP3)",
        (_, 8536) => "the audio file could not be downloaded",
        (_, 8541) => "is unavailable",
        (_, 8544) => "is unreachable",
        (_, 8558) => "is not in the call",
        (_, 8607) => "a transfer is already in progress",
        _ => return by_code(code),
    };
    Some(exact)
}

fn by_code(code: i32) -> Option<&'static str> {
    Some(match code {
        200..=299 => return None,
        400 => "the request was invalid",
        401 => "authentication failed",
        403 => "not allowed",
        404 => "not found",
        408 => "timed out",
        409 => "conflicts with another action",
        429 => "too many requests; try again shortly",
        500..=599 => "the service failed; try again",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn a_cancelled_media_operation_is_not_an_invalid_request() {
        assert_eq!(describe(400, 8508), Some("cancelled as asked"));
        assert_eq!(describe(400, 1), Some("the request was invalid"));
    }

    #[test]
    fn teams_interop_failures_read_as_people_say_them() {
        assert_eq!(
            describe(403, 7604),
            Some("no Teams Phone licence (or Enterprise Voice is off) for this Teams user")
        );
        assert_eq!(describe(603, 8538), Some("declined the call"));
        assert_eq!(describe(408, 4506), Some("did not answer in time"));
        assert_eq!(describe(403, 1), Some("not allowed"));
        assert_eq!(describe(200, 0), None);
        assert_eq!(describe(299, 7), None);
        assert_eq!(describe(999, 0), None);
    }
}
