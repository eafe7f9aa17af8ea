//! A request's timeline, kept in its own row (`access_package_requests.timeline`, migration
//! 0028): each entry is appended to the text, so the timeline costs its words and a few
//! bytes of framing, not a row with three ids and an index entry (issue 13, storage).
//!
//! An entry is `<at> <kind> <n>:<text>`: the time in Unix milliseconds, the kind (one word),
//! then the text, preceded by its length in characters. The length frames the text, so it
//! may hold anything (a decider's reason spans lines) and nothing needs escaping; the same
//! framing is written by SQL alone (`length()` counts characters on both databases), which
//! is how migration 0028 moved the earlier timelines in.

use super::{Conn, corrupt, ms};
use crate::model::{RequestId, TimelineEntry};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

/// A timeline entry to add: its kind (one word) and its text.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub kind: &'a str,
    pub text: &'a str,
}

impl<'a> Entry<'a> {
    pub fn new(kind: &'a str, text: &'a str) -> Self {
        Self { kind, text }
    }

    /// The entry as stored, at `at`.
    pub(crate) fn encoded(&self, at: DateTime<Utc>) -> DomainResult<String> {
        encode(at, self.kind, self.text).map_err(corrupt)
    }
}

/// At most this many entries are read of one timeline (the first ones).
pub const MAX_TIMELINE_ENTRIES: usize = 200;

/// One entry as stored. `kind` is one word (no whitespace, not empty).
fn encode(at: DateTime<Utc>, kind: &str, text: &str) -> Result<String, String> {
    if kind.is_empty() || kind.chars().any(char::is_whitespace) {
        return Err(format!(
            "a timeline entry's kind must be one word, not {kind:?}"
        ));
    }
    Ok(format!("{} {kind} {}:{text}", ms(at), text.chars().count()))
}

/// The first `max` entries of a stored timeline, oldest first. Anything that is not a whole
/// entry is an error: a timeline that cannot be read is not shown as a shorter one.
pub(crate) fn decode(stored: &str, max: usize) -> Result<Vec<TimelineEntry>, String> {
    let mut out = Vec::new();
    let mut rest = stored;
    while !rest.is_empty() && out.len() < max {
        let (at, after) = rest.split_once(' ').ok_or("a timeline entry has no time")?;
        let at: i64 = at
            .parse()
            .map_err(|_| format!("a timeline entry's time is not a number: {at:?}"))?;
        let at = DateTime::<Utc>::from_timestamp_millis(at)
            .ok_or("a timeline entry's time is out of range")?;
        let (kind, after) = after
            .split_once(' ')
            .filter(|(kind, _)| !kind.is_empty())
            .ok_or("a timeline entry has no kind")?;
        let (chars, after) = after
            .split_once(':')
            .ok_or("a timeline entry has no length")?;
        let chars: usize = chars
            .parse()
            .map_err(|_| format!("a timeline entry's length is not a number: {chars:?}"))?;
        let end = match after.char_indices().nth(chars) {
            Some((i, _)) => i,
            None if after.chars().count() == chars => after.len(),
            None => return Err("a timeline entry is cut short".into()),
        };
        let (text, after) = after.split_at(end);
        out.push(TimelineEntry {
            at,
            kind: kind.to_owned(),
            text: text.to_owned(),
        });
        rest = after;
    }
    Ok(out)
}

/// Adds an entry at the end of the request's timeline, in the caller's transaction. A move
/// of the request's state adds its own entry in the same statement ([`super::set_state`]).
pub async fn event(
    conn: &mut Conn,
    id: RequestId,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let entry = entry.encoded(now)?;
    let done =
        sqlx::query("UPDATE access_package_requests SET timeline = timeline || $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(entry)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() != 1 {
        return Err(DomainError::NotFound("request"));
    }
    Ok(())
}

/// The timeline of a request: (at, kind, text), oldest first, at most
/// [`MAX_TIMELINE_ENTRIES`].
pub async fn events(
    conn: &mut Conn,
    id: RequestId,
) -> DomainResult<Vec<(DateTime<Utc>, String, String)>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT timeline FROM access_package_requests WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let stored = stored.ok_or_else(|| DomainError::NotFound("request"))?;
    Ok(read(&stored)?
        .into_iter()
        .map(|e| (e.at, e.kind, e.text))
        .collect())
}

/// A stored timeline read for showing; unreadable is an error ([`decode`]).
pub(super) fn read(stored: &str) -> DomainResult<Vec<TimelineEntry>> {
    decode(stored, MAX_TIMELINE_ENTRIES).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
    }

    fn entry(ms: i64, kind: &str, text: &str) -> TimelineEntry {
        TimelineEntry {
            at: at(ms),
            kind: kind.into(),
            text: text.into(),
        }
    }

    #[test]
    fn entries_read_back_as_written_whatever_their_text_holds() {
        let written = [
            entry(1_733_580_000_000, "submitted", "Requested by Eric"),
            entry(
                1_733_580_000_000,
                "approved",
                "Approved by Maria: \"fine\"\nline two\r\tend 12:3 ",
            ),
            entry(1_733_580_000_001, "denied", "Zoë 🦀 said no: 5:x"),
            entry(1_733_580_000_002, "delivered", ""),
        ];
        let stored: String = written
            .iter()
            .map(|e| encode(e.at, &e.kind, &e.text).unwrap_or_default())
            .collect();
        assert_eq!(decode(&stored, 200), Ok(written.to_vec()));
        assert_eq!(
            decode(&stored, 2),
            Ok(written[..2].to_vec()),
            "the first ones"
        );
        assert_eq!(decode("", 200), Ok(vec![]), "no entry yet");
    }

    #[test]
    fn the_framing_is_what_migration_0028_writes_in_sql() {
        // CAST(at AS TEXT) || ' ' || kind || ' ' || CAST(length(text) AS TEXT) || ':' || text
        assert_eq!(
            encode(at(5), "submitted", "Zoë").as_deref(),
            Ok("5 submitted 3:Zoë")
        );
    }

    #[test]
    fn a_kind_is_one_word() {
        assert!(encode(at(0), "", "x").is_err());
        assert!(encode(at(0), "two words", "x").is_err());
    }

    #[test]
    fn anything_but_whole_entries_is_refused() {
        for bad in [
            "5",
            "x submitted 1:a",
            "5 submitted",
            "5 submitted a:b",
            "5 submitted 4:abc",
            "5  1:a",
            "5 submitted 1:a6",
            "99999999999999999 submitted 1:a",
        ] {
            assert!(decode(bad, 200).is_err(), "{bad:?} should be refused");
        }
    }
}
