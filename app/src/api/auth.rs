use crate::error::AppError;
use domain::model::Actor;
use leptos::prelude::*;

/// Who is signed in, for the header and navigation.
#[server]
pub async fn me() -> Result<Option<Actor>, AppError> {
    super::ssr::optional_actor()
}

/// Where to go after sign-in: only a local path, never another site.
pub fn safe_next(next: &str) -> String {
    let n = next.trim();
    if n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.starts_with("/login")
        && n.len() <= 512
    {
        n.to_owned()
    } else {
        "/myaccess".to_owned()
    }
}

#[server]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use super::ssr::{ctx, session};
    let ctx = ctx()?;
    let session = session()?;
    let user = domain::service::auth::sign_in(&ctx, &email, &password).await?;
    crate::session::establish(&session, user, ctx.clock.now_ms())
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "cannot store the session");
            AppError::Internal
        })?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let session = super::ssr::session()?;
    crate::session::end(&session).await.map_err(|e| {
        tracing::error!(error = ?e, "cannot end the session");
        AppError::Internal
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/admin/licenses"), "/admin/licenses");
        assert_eq!(safe_next("https://evil.example"), "/myaccess");
        assert_eq!(safe_next("//evil.example"), "/myaccess");
        assert_eq!(safe_next("/\\evil.example"), "/myaccess");
        assert_eq!(safe_next(""), "/myaccess");
        assert_eq!(safe_next("/login?next=/x"), "/myaccess");
    }
}
