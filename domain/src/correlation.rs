//! The correlation id of the work in progress: the HTTP request's id (set by the server's
//! middleware) or a lifecycle job run's id. Audit events record it, so one request's events
//! (and its log lines) can be found together.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `work` with `id` as its correlation id.
pub async fn scope<F: std::future::Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The current correlation id, if the work runs inside [`scope`].
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
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
        let seen = scope("req-1".into(), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
        assert_eq!(current(), None);
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
