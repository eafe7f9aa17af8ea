//! The correlation id of the work in progress: the HTTP request's id (made by the server's
//! middleware) or a lifecycle job run's id. Audit events record it, so one request's events
//! (and its log lines) can be found together. A caller's own `X-Request-Id` is kept beside
//! it, never in its place: a caller must not be able to make its events look like another
//! request's.

#[derive(Debug, Clone)]
struct Correlation {
    id: String,
    caller: Option<String>,
}

tokio::task_local! {
    static CORRELATION: Correlation;
}

/// Runs `work` with `id` (always the server's own) as its correlation id, and the caller's
/// id, when it sent an acceptable one.
pub async fn scope<F: std::future::Future>(
    id: String,
    caller: Option<String>,
    work: F,
) -> F::Output {
    CORRELATION.scope(Correlation { id, caller }, work).await
}

/// The current correlation id, if the work runs inside [`scope`].
pub fn current() -> Option<String> {
    CORRELATION.try_with(|c| c.id.clone()).ok()
}

/// The caller's own request id for the current work, if it sent one.
pub fn caller() -> Option<String> {
    CORRELATION.try_with(|c| c.caller.clone()).ok().flatten()
}

/// Accepts a caller's `X-Request-Id` when it is short and plain; else `None` (make a new one).
pub fn accept(incoming: &str) -> Option<String> {
    let ok = !incoming.is_empty()
        && incoming.len() <= 64
        && incoming
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| incoming.to_owned())
}

/// A new correlation id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_is_seen_inside_its_scope_only() {
        assert_eq!(current(), None);
        let seen = scope("req-1".into(), Some("theirs".into()), async {
            (current(), caller())
        })
        .await;
        assert_eq!(seen, (Some("req-1".into()), Some("theirs".into())));
        assert_eq!((current(), caller()), (None, None));
    }

    #[test]
    fn only_plain_incoming_ids_are_kept() {
        assert_eq!(accept("abc-123_x.y").as_deref(), Some("abc-123_x.y"));
        assert_eq!(accept(""), None);
        assert_eq!(accept("a b"), None);
        assert_eq!(accept(&"x".repeat(65)), None);
        assert_eq!(new_id().len(), 32);
    }
}
