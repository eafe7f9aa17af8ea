use crate::error::AppError;
use domain::model::Actor;
use leptos::prelude::*;

/// Who is signed in, for the header and navigation.
#[server]
pub async fn me() -> Result<Option<Actor>, AppError> {
    super::ssr::optional_actor()
}

/// What the sign-in page offers: a provider to sign in with (its display name), and whether
/// passwords are kept for break-glass administrators only.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignInChoices {
    pub provider: Option<String>,
    pub passwords_restricted: bool,
}

/// The sign-in page's choices (anyone may ask: the page is public).
#[server]
pub async fn sign_in_offer() -> Result<SignInChoices, AppError> {
    Ok(use_context::<SignInChoices>().unwrap_or_default())
}

/// Percent-encodes a path for a query value (everything but unreserved characters and `/`).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Where to go after sign-in: only a path on this site, never another one.
///
/// Only printable ASCII without spaces or backslashes is followed: browsers drop tabs and
/// newlines from a `Location` (so `/\t/evil` would become `//evil`, another host) and treat
/// `\\` as `/`, and a control character cannot be put in a header at all. Anything else, or a
/// path that a browser could read as `//host`, goes to My Access.
pub fn safe_next(next: &str) -> String {
    let plain = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let local = next.starts_with('/') && !next.starts_with("//");
    if plain && local && !next.starts_with("/login") && next.len() <= 512 {
        next.to_owned()
    } else {
        "/myaccess".to_owned()
    }
}

#[server]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use super::ssr::{ctx, session};
    let ctx = ctx()?;
    let session = session()?;
    if let Some(limits) = use_context::<crate::session::SignInLimits>() {
        // Unknown in in-process calls (no socket): then only the overall limit applies.
        let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .ok()
            .map(|info| info.0.ip());
        limits.check(peer).map_err(|retry_after_secs| {
            crate::session::sign_in_refused();
            AppError::from(domain::DomainError::Throttled { retry_after_secs })
        })?;
    }
    let user = domain::service::auth::sign_in(&ctx, &email, &password)
        .await
        .inspect_err(|_| crate::session::sign_in_refused())?;
    crate::session::establish(&session, user, ctx.clock.now_ms())
        .await
        .map_err(crate::session::unreadable)?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// The signed-in person changes their password; this session goes on (as a fresh one), every
/// other one ends.
#[server]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::ssr::{actor, ctx, session};
    let ctx = ctx()?;
    let actor = actor()?;
    domain::service::auth::change_password(
        &ctx,
        &actor,
        &current_password,
        &new_password,
        &confirm_password,
    )
    .await?;
    crate::session::establish(&session()?, actor.user_id, ctx.clock.now_ms())
        .await
        .map_err(crate::session::unreadable)?;
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let session = super::ssr::session()?;
    crate::session::end(&session)
        .await
        .map_err(crate::session::unreadable)?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_next_path_survives_the_trip_through_a_query() {
        use super::encode_query_value;
        assert_eq!(encode_query_value("/admin/licenses"), "/admin/licenses");
        assert_eq!(
            encode_query_value("/myaccess?tab=active&x=é"),
            "/myaccess%3Ftab%3Dactive%26x%3D%C3%A9"
        );
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/admin/licenses"), "/admin/licenses");
        assert_eq!(safe_next("https://evil.example"), "/myaccess");
        assert_eq!(safe_next("//evil.example"), "/myaccess");
        assert_eq!(safe_next("/\\evil.example"), "/myaccess");
        assert_eq!(safe_next(""), "/myaccess");
        assert_eq!(safe_next("/login?next=/x"), "/myaccess");
    }

    #[test]
    fn control_characters_and_backslashes_never_lead_elsewhere() {
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{1}",
            "/\u{7f}",
            "/ /evil.example",
            " //evil.example",
            "/a\\..\\\\evil.example",
            "\\\\evil.example",
            "/\u{ff0f}evil.example",
            "http:/evil.example",
            "/myaccess\u{0}",
        ] {
            assert_eq!(safe_next(hostile), "/myaccess", "{hostile:?}");
        }
        // Encoded forms stay encoded: a browser keeps `%09` in a path as it is.
        assert_eq!(safe_next("/%09/evil.example"), "/%09/evil.example");
        assert_eq!(safe_next("/myaccess?tab=active"), "/myaccess?tab=active");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        /// Whatever comes in, what goes out is a header-safe local path.
        #[test]
        fn the_next_path_is_always_local_and_header_safe(next in "\\PC{0,40}|/[\\x00-\\x7f]{0,40}") {
            let out = safe_next(&next);
            proptest::prop_assert!(out.starts_with('/') && !out.starts_with("//"));
            proptest::prop_assert!(out.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'));
            proptest::prop_assert!(axum_free_header_check(&out));
        }
    }

    /// The characters `http::HeaderValue` accepts (visible ASCII, space, tab, obs-text).
    fn axum_free_header_check(s: &str) -> bool {
        s.bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
    }
}
