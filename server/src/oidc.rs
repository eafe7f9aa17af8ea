//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, `state` and
//! `nonce`, the ID token's signature and claims checked by the `openidconnect` crate, and
//! RP-initiated sign-out. Which person the identity is, or why nobody, is decided by
//! `domain::service::sso`; this module only speaks the protocol.
//!
//! - `GET /auth/oidc/start?next=/path`: remembers the flow in the (pre-sign-in) session and
//!   sends the browser to the provider.
//! - `GET /auth/oidc/callback`: checks `state`, exchanges the code, verifies the ID token,
//!   signs the person in. Every failure goes back to `/login?sso_error=CODE`, which says what
//!   went wrong ([`SsoRefusal::message`]); never a 500.
//! - `POST /auth/sign-out`: ends the session, then sends a person who signed in with the
//!   provider to its end-session endpoint when it has one.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::rules::sso::SsoRefusal;
use domain::service::sso::{ProviderIdentity, SsoPolicy};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_sessions::Session;

/// The flow in progress, kept in the session between start and callback.
const PENDING: &str = "oidc.pending";
/// The ID token of a person signed in with the provider: the hint for RP-initiated sign-out.
const ID_TOKEN: &str = "oidc.id_token";
/// A sign-in started longer ago than this is refused at the callback.
const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
/// The provider's metadata and keys are fetched again after this long (and after an ID token
/// fails its checks, in case the provider rotated its keys).
const METADATA_TTL: Duration = Duration::from_secs(15 * 60);

/// Which claim carries the person's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailClaim {
    /// `email`, trusted only with `email_verified: true`.
    Email,
    /// `preferred_username` (Entra ID's user principal name): the administrator vouches that
    /// the provider only gives managed, verified names here.
    PreferredUsername,
}

impl EmailClaim {
    /// The person's e-mail from a set of claims (an ID token's or UserInfo's), and whether the
    /// provider vouches for it.
    fn pick(
        self,
        email: Option<&str>,
        email_verified: Option<bool>,
        preferred_username: Option<&str>,
    ) -> (Option<String>, bool) {
        match self {
            Self::Email => (email.map(str::to_owned), email_verified == Some(true)),
            Self::PreferredUsername => (preferred_username.map(str::to_owned), true),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "" | "email" => Ok(Self::Email),
            "preferred_username" => Ok(Self::PreferredUsername),
            other => Err(format!(
                "TESSERA_OIDC_EMAIL_CLAIM must be email or preferred_username, got {other:?}"
            )),
        }
    }
}

/// The `TESSERA_OIDC_*` settings.
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    /// None: a public client (PKCE only).
    pub client_secret: Option<String>,
    /// Asked for besides `openid` (always asked for).
    pub scopes: Vec<String>,
    pub email_claim: EmailClaim,
    /// Shown as "Sign in with NAME".
    pub display_name: String,
    pub create_users: bool,
    /// Extra CA certificates (PEM) to trust for the provider, besides the public roots.
    pub ca_pem: Option<String>,
}

/// Never the client secret.
impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "(set)"),
            )
            .field("scopes", &self.scopes)
            .field("email_claim", &self.email_claim)
            .field("display_name", &self.display_name)
            .field("create_users", &self.create_users)
            .finish_non_exhaustive()
    }
}

impl OidcSettings {
    /// From the environment; None when `TESSERA_OIDC_ISSUER` is unset.
    pub fn from_env() -> Result<Option<Self>, String> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(issuer) = var("TESSERA_OIDC_ISSUER") else {
            return Ok(None);
        };
        check_issuer(&issuer)?;
        let client_id = var("TESSERA_OIDC_CLIENT_ID")
            .ok_or("TESSERA_OIDC_CLIENT_ID is required with TESSERA_OIDC_ISSUER")?;
        let client_secret = match var("TESSERA_OIDC_CLIENT_SECRET_FILE") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    format!("TESSERA_OIDC_CLIENT_SECRET_FILE: cannot read {path:?}: {e}")
                })?;
                let first = text.lines().next().unwrap_or("").trim();
                if first.is_empty() {
                    return Err("TESSERA_OIDC_CLIENT_SECRET_FILE is empty".into());
                }
                Some(first.to_owned())
            }
            None => var("TESSERA_OIDC_CLIENT_SECRET"),
        };
        let ca_pem = var("TESSERA_OIDC_CA_FILE")
            .map(|path| {
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("TESSERA_OIDC_CA_FILE: cannot read {path:?}: {e}"))
            })
            .transpose()?;
        let scopes = var("TESSERA_OIDC_SCOPES").unwrap_or_else(|| "openid email profile".into());
        Ok(Some(Self {
            scopes: scopes
                .split([' ', ','])
                .filter(|s| !s.is_empty() && *s != "openid")
                .map(str::to_owned)
                .collect(),
            email_claim: EmailClaim::parse(&var("TESSERA_OIDC_EMAIL_CLAIM").unwrap_or_default())?,
            display_name: var("TESSERA_OIDC_NAME").unwrap_or_else(|| "single sign-on".into()),
            create_users: matches!(
                var("TESSERA_OIDC_CREATE_USERS").as_deref(),
                Some("1" | "true" | "yes")
            ),
            issuer,
            client_id,
            client_secret,
            ca_pem,
        }))
    }
}

/// An issuer is an https URL; plain http only on this machine (a provider under test).
pub fn check_issuer(issuer: &str) -> Result<(), String> {
    let url = url_of(issuer)
        .ok_or_else(|| format!("TESSERA_OIDC_ISSUER must be a URL, got {issuer:?}"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "TESSERA_OIDC_ISSUER must be an https URL (http only on 127.0.0.1 or localhost), got {issuer:?}"
        )),
    }
}

fn url_of(s: &str) -> Option<openidconnect::url::Url> {
    openidconnect::url::Url::parse(s).ok()
}

/// The client as discovery makes it: authorization endpoint set, token and user-info
/// endpoints as the provider published them.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Clone)]
struct Discovered {
    client: Client,
    end_session: Option<EndSessionUrl>,
    at: Instant,
}

/// The relying party: settings, an HTTP client for the provider, and what discovery found.
pub struct Sso {
    settings: OidcSettings,
    http: reqwest::Client,
    redirect: RedirectUrl,
    after_sign_out: PostLogoutRedirectUrl,
    discovered: tokio::sync::RwLock<Option<Discovered>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Sso {
    /// `public_url`: where people reach Tessera; the callback and the sign-out landing page
    /// are derived from it (register both at the provider).
    pub fn new(settings: OidcSettings, public_url: &str) -> Result<Self, String> {
        let base = public_url.trim_end_matches('/');
        let redirect = RedirectUrl::new(format!("{base}/auth/oidc/callback"))
            .map_err(|e| format!("TESSERA_PUBLIC_URL does not make a callback URL: {e}"))?;
        let after_sign_out = PostLogoutRedirectUrl::new(format!("{base}/login"))
            .map_err(|e| format!("TESSERA_PUBLIC_URL does not make a sign-out URL: {e}"))?;
        let mut http = reqwest::Client::builder()
            // Never follow a redirect from the provider's back channel (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10));
        if let Some(pem) = &settings.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| format!("TESSERA_OIDC_CA_FILE is not PEM certificates: {e}"))?
            {
                http = http.add_root_certificate(cert);
            }
        }
        Ok(Self {
            http: http
                .build()
                .map_err(|e| format!("the HTTP client for single sign-on: {e}"))?,
            settings,
            redirect,
            after_sign_out,
            discovered: tokio::sync::RwLock::new(None),
        })
    }

    /// The same relying party reached at another public URL (nothing discovered yet).
    pub fn at(&self, public_url: &str) -> Result<Self, String> {
        Self::new(self.settings.clone(), public_url)
    }

    /// The issuer's origin (`https://login.example.com`): where the sign-out form may lead.
    pub fn origin(&self) -> String {
        url_of(&self.settings.issuer)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }

    /// "Sign in with NAME".
    pub fn display_name(&self) -> &str {
        &self.settings.display_name
    }

    /// The provider's metadata and keys: cached, fetched again when stale.
    async fn provider(&self) -> Result<Discovered, String> {
        if let Some(d) = self.discovered.read().await.as_ref()
            && d.at.elapsed() < METADATA_TTL
        {
            return Ok(d.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| e.to_string())?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| error_chain(&e))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect.clone());
        let d = Discovered {
            client,
            end_session,
            at: Instant::now(),
        };
        *self.discovered.write().await = Some(d.clone());
        Ok(d)
    }

    /// [`Self::provider`], or the refusal that says the provider is away (logged).
    async fn reachable(&self) -> Result<Discovered, SsoRefusal> {
        self.provider().await.map_err(|e| {
            tracing::warn!(error = %e, "single sign-on: the provider cannot be discovered");
            SsoRefusal::Unavailable
        })
    }

    /// Forgets what discovery found (after an ID token failed its checks: the keys may have
    /// been rotated).
    async fn forget(&self) {
        *self.discovered.write().await = None;
    }

    /// Where the browser goes after Tessera's own sign-out: the provider's end-session
    /// endpoint, when it has one, with the ID token as hint; else Tessera's sign-in page.
    async fn sign_out_url(&self, id_token: &str) -> Option<String> {
        let end_session = self.provider().await.ok()?.end_session?;
        if end_session.url().origin().ascii_serialization() != self.origin() {
            // The page's policy lets forms lead to the issuer's origin only.
            tracing::warn!(
                "single sign-on: the provider's end-session endpoint is on another origin; signing out of Tessera only"
            );
            return None;
        }
        let hint: CoreIdToken = id_token.parse().ok()?;
        Some(
            LogoutRequest::from(end_session)
                .set_id_token_hint(&hint)
                .set_client_id(ClientId::new(self.settings.client_id.clone()))
                .set_post_logout_redirect_uri(self.after_sign_out.clone())
                .http_get_url()
                .to_string(),
        )
    }
}

/// The error and its causes on one line (the crate's top-level messages are terse).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    started_ms: i64,
}

#[derive(Deserialize)]
struct StartQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the provider names itself; when present it must be the issuer.
    iss: Option<String>,
}

/// Back to the sign-in page with the reason, counted as a refused sign-in.
fn refused(state: &AppState, why: SsoRefusal) -> Response {
    state.metrics.sign_in_failed();
    Redirect::to(&format!("/login?sso_error={}", why.code())).into_response()
}

/// The session store is the database: when it cannot be written, nothing can sign in.
fn store_down(e: tower_sessions::session::Error) -> Response {
    tracing::error!(error = %e, "single sign-on: the session cannot be stored");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "Tessera cannot reach its database. Try again in a minute.",
    )
        .into_response()
}

fn peer(req: &axum::extract::Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// `GET /auth/oidc/start`.
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    req: axum::extract::Request,
) -> Response {
    let Some(sso) = state.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.sign_in_limits.check(peer(&req)).is_err() {
        return refused(&state, SsoRefusal::Throttled);
    }
    let next = axum::extract::Query::<StartQuery>::try_from_uri(req.uri())
        .map(|q| q.0.next)
        .unwrap_or_default();
    let provider = match sso.reachable().await {
        Ok(p) => p,
        Err(why) => return refused(&state, why),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = provider
        .client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &sso.settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.url();
    let pending = Pending {
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next: app::api::auth::safe_next(&next),
        started_ms: state.ctx.clock.now_ms(),
    };
    if let Err(e) = session.insert(PENDING, pending).await {
        return store_down(e);
    }
    Redirect::to(url.as_str()).into_response()
}

/// `GET /auth/oidc/callback`.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    req: axum::extract::Request,
) -> Response {
    let Some(sso) = state.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let query = axum::extract::Query::<CallbackQuery>::try_from_uri(req.uri()).map(|q| q.0);
    // The flow is taken out of the session whatever happens next: a callback is answered once.
    let pending = match session.remove::<Pending>(PENDING).await {
        Ok(p) => p,
        Err(e) => return store_down(e),
    };
    let now = state.ctx.clock.now_ms();
    let (Ok(query), Some(pending)) = (query, pending) else {
        tracing::info!("single sign-on: a callback without a sign-in in progress");
        return refused(&state, SsoRefusal::State);
    };
    if query.state.as_deref() != Some(pending.state.as_str())
        || now - pending.started_ms > FLOW_TTL_MS
    {
        tracing::info!("single sign-on: state does not match, or the sign-in is too old");
        return refused(&state, SsoRefusal::State);
    }
    if let Some(error) = query.error {
        tracing::info!(%error, "single sign-on: the provider answered with an error");
        return refused(&state, SsoRefusal::Denied);
    }
    if query
        .iss
        .as_deref()
        .is_some_and(|iss| iss != sso.settings.issuer)
    {
        tracing::warn!("single sign-on: the answer names another issuer");
        return refused(&state, SsoRefusal::Token);
    }
    let Some(code) = query.code else {
        return refused(&state, SsoRefusal::Code);
    };
    match identity(&state, &sso, code, pending.verifier, pending.nonce).await {
        Err(why) => refused(&state, why),
        Ok((who, id_token)) => {
            let policy = SsoPolicy {
                create_users: sso.settings.create_users,
            };
            match domain::service::sso::sign_in(&state.ctx, &who, policy).await {
                Err(e) => {
                    tracing::error!(error = ?e, "single sign-on: the sign-in could not be recorded");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Tessera could not complete the sign-in. Try again in a minute.",
                    )
                        .into_response()
                }
                Ok(Err(why)) => refused(&state, why),
                Ok(Ok(user)) => {
                    if let Err(e) = app::session::establish(&session, user, now).await {
                        return store_down(e);
                    }
                    if let Err(e) = session.insert(ID_TOKEN, id_token).await {
                        return store_down(e);
                    }
                    Redirect::to(&pending.next).into_response()
                }
            }
        }
    }
}

/// Exchanges the code (with the PKCE verifier) and checks the ID token: the identity it
/// carries and the token itself (the hint for sign-out), or why not.
async fn identity(
    state: &AppState,
    sso: &Sso,
    code: String,
    verifier: String,
    nonce: String,
) -> Result<(ProviderIdentity, String), SsoRefusal> {
    let provider = sso.reachable().await?;
    let request = provider
        .client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| {
            tracing::warn!(error = %e, "single sign-on: the provider has no token endpoint");
            SsoRefusal::Unavailable
        })?;
    let tokens = request
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&sso.http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(answer) => {
                tracing::info!(error = %answer, "single sign-on: the provider refused the code");
                SsoRefusal::Code
            }
            other => {
                tracing::warn!(error = %error_chain(&other), "single sign-on: the token endpoint failed");
                SsoRefusal::Unavailable
            }
        })?;
    let Some(id_token) = tokens.id_token() else {
        tracing::warn!("single sign-on: the token response has no ID token");
        return Err(SsoRefusal::Token);
    };
    let clock = state.ctx.clock.clone();
    let verifier = provider
        .client
        .id_token_verifier()
        .set_time_fn(move || clock.now());
    let claims = match id_token.claims(&verifier, &Nonce::new(nonce)) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::warn!(error = %error_chain(&e), "single sign-on: the ID token failed its checks");
            sso.forget().await;
            return Err(SsoRefusal::Token);
        }
    };
    let (mut email, mut email_verified) = sso.settings.email_claim.pick(
        claims.email().map(|e| e.as_str()),
        claims.email_verified(),
        claims.preferred_username().map(|u| u.as_str()),
    );
    let mut name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned());
    // Providers that follow the core spec to the letter put the profile and e-mail claims in
    // the UserInfo answer rather than the ID token of a code flow: ask it for what is missing,
    // with the access token, for the same subject.
    if (email.is_none() || name.is_none())
        && let Ok(request) = provider.client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
    {
        match request.request_async(&sso.http).await {
            Ok(info) => {
                let info: openidconnect::core::CoreUserInfoClaims = info;
                if email.is_none() {
                    (email, email_verified) = sso.settings.email_claim.pick(
                        info.email().map(|e| e.as_str()),
                        info.email_verified(),
                        info.preferred_username().map(|u| u.as_str()),
                    );
                }
                if name.is_none() {
                    name = info
                        .name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.as_str().to_owned());
                }
            }
            Err(e) if email.is_none() => {
                tracing::warn!(error = %error_chain(&e), "single sign-on: the UserInfo endpoint failed");
                return Err(SsoRefusal::Unavailable);
            }
            Err(e) => {
                tracing::info!(error = %error_chain(&e), "single sign-on: no name from UserInfo");
            }
        }
    }
    Ok((
        ProviderIdentity {
            issuer: sso.settings.issuer.clone(),
            subject: claims.subject().as_str().to_owned(),
            email,
            email_verified,
            name,
            provider: sso.settings.display_name.clone(),
        },
        id_token.to_string(),
    ))
}

/// `POST /auth/sign-out`: ends the session; a person who signed in with the provider is
/// then sent to its end-session endpoint (which comes back to the sign-in page).
pub async fn sign_out(State(state): State<AppState>, session: Session) -> Response {
    let id_token = session.get::<String>(ID_TOKEN).await.ok().flatten();
    if let Err(e) = app::session::end(&session).await {
        return store_down(e);
    }
    let provider = match (id_token, state.sso.as_ref()) {
        (Some(token), Some(sso)) => sso.sign_out_url(&token).await,
        _ => None,
    };
    Redirect::to(provider.as_deref().unwrap_or("/login")).into_response()
}

/// Whether single sign-on is configured, and whether a password may be tried by everyone:
/// what the sign-in page offers.
pub fn offer(sso: Option<&Arc<Sso>>, passwords_restricted: bool) -> app::api::auth::SignInChoices {
    app::api::auth::SignInChoices {
        provider: sso.map(|s| s.display_name().to_owned()),
        passwords_restricted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issuer_is_https_or_local() {
        assert!(check_issuer("https://login.example.com/tenant/v2.0").is_ok());
        assert!(check_issuer("http://127.0.0.1:3101").is_ok());
        assert!(check_issuer("http://localhost:8080/realms/x").is_ok());
        assert!(check_issuer("http://login.example.com").is_err());
        assert!(check_issuer("login.example.com").is_err());
        assert!(check_issuer("ftp://127.0.0.1").is_err());
    }

    #[test]
    fn the_email_claim_is_one_of_two() {
        assert_eq!(EmailClaim::parse(""), Ok(EmailClaim::Email));
        assert_eq!(EmailClaim::parse("email"), Ok(EmailClaim::Email));
        assert_eq!(
            EmailClaim::parse("preferred_username"),
            Ok(EmailClaim::PreferredUsername)
        );
        assert!(EmailClaim::parse("upn").is_err());
    }
}
