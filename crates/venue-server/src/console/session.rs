//! Signing in to the console and the checks every console request passes.
//!
//! - Sign in with the admin token (or a named admin-scope token), or with a one-time link printed at
//!   start or made on the Access page. A link opens a page with a button, so a chat app that previews
//!   the link does not use it up.
//! - The session cookie is random, HttpOnly, SameSite=Strict (Secure under TLS); the database keeps
//!   only its SHA-256, so any server instance knows it and a database dump does not sign anyone in.
//! - Every POST carries the session's form token (`csrf`), compared in constant time, and must come
//!   from the console's own origin (`Origin`/`Sec-Fetch-Site`).

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use subtle::ConstantTimeEq;

use super::view::{self, Flash};
use crate::AppState;
use crate::auth::{Scope, generate_token, token_hash};
use crate::db::Store;
use crate::error::Failure;

pub const SESSION_COOKIE: &str = "vk_console";
const SIGN_IN_COOKIE: &str = "vk_sign_in";
/// A console session lasts a show day.
pub const SESSION_S: i64 = 12 * 3600;
/// A sign-in link works once, within this long.
pub const LINK_S: i64 = 15 * 60;

/// A signed-in browser: its session (hashed) and the token its forms carry.
#[derive(Debug, Clone)]
pub struct Signed {
    pub id_hash: String,
    pub csrf: String,
    /// `admin` (the console) or `staff` (check-ins only).
    pub scope: Scope,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/sign-in", get(sign_in_page).post(sign_in))
        .route("/console/link/{code}", get(link_page))
        .route("/console/link", post(sign_in_with_link))
        .route("/console/sign-out", post(sign_out))
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` for the console: HttpOnly, SameSite=Strict, Secure under TLS.
pub fn cookie_header(state: &AppState, name: &str, value: &str, max_age_s: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_s {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if state.secure_cookies {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).expect("cookie values are hex")
}

fn same_text(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The browser's signed-in session, if it has a live one.
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Option<Signed>, Failure> {
    let Some(id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = token_hash(id);
    Ok(state.store.console_session(&id_hash).await?.and_then(|(csrf, scope)| {
        Some(Signed {
            id_hash,
            csrf,
            scope: Scope::parse(&scope)?,
        })
    }))
}

/// For a console page: an admin session, or a trip to the sign-in page.
pub async fn require_page(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) if signed.scope == Scope::Admin => Ok(signed),
        Ok(Some(_)) => Err(view::message_page(
            StatusCode::FORBIDDEN,
            "Staff sign-in",
            "This browser is signed in with a staff token: it checks attendees in; the console needs an admin token.",
            "/staff",
        )),
        Ok(None) => Err(Redirect::to("/console/sign-in").into_response()),
        Err(failure) => Err(failure_page(&failure)),
    }
}

/// For a staff page: a staff (or admin) session, or a trip to the staff sign-in page.
pub async fn require_staff(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(Redirect::to("/staff/sign-in").into_response()),
        Err(failure) => Err(failure_page(&failure)),
    }
}

/// For a staff form post: the session, its form token and the same origin.
pub async fn require_staff_form(state: &AppState, headers: &HeaderMap, csrf: Option<&str>) -> Result<Signed, Response> {
    let signed = require_staff(state, headers).await?;
    if !form_token_ok(headers, csrf, &signed) {
        return Err(refused_form());
    }
    Ok(signed)
}

/// Does this post carry the session's form token and come from this site?
fn form_token_ok(headers: &HeaderMap, csrf: Option<&str>, signed: &Signed) -> bool {
    same_origin(headers) && csrf.is_some_and(|csrf| same_text(csrf, &signed.csrf))
}

fn refused_form() -> Response {
    tracing::warn!("form refused: missing or wrong form token, or posted from another site");
    view::message_page(
        StatusCode::FORBIDDEN,
        "This form was refused",
        "It did not carry this page's form token (or came from another site). Reload the page and try again.",
        "/console",
    )
}

/// Did this POST come from a page of this console? `Sec-Fetch-Site` where the browser sends it,
/// else `Origin` against `Host`. Requests with neither (curl) pass here and still need the form token.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    match (text("origin"), text("host")) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// For a form post: the session, the form token it must carry, and its origin.
pub async fn require_form(state: &AppState, headers: &HeaderMap, csrf: Option<&str>) -> Result<Signed, Response> {
    let signed = require_page(state, headers).await?;
    if !form_token_ok(headers, csrf, &signed) {
        return Err(refused_form());
    }
    Ok(signed)
}

pub fn failure_page(failure: &Failure) -> Response {
    view::message_page(failure.status, "Something went wrong", &failure.message, "/console")
}

/// A new signed-in session of `scope`; off to `to`.
pub async fn start_session(state: &AppState, scope: Scope, to: &str) -> Result<Response, Failure> {
    let id = generate_token();
    state
        .store
        .add_console_session(
            &token_hash(&id),
            &generate_token(),
            Utc::now().timestamp() + SESSION_S,
            scope.as_str(),
        )
        .await?;
    Ok(view::redirect_with(state, to, Flash::ok("Signed in.")).tap_cookies(|headers| {
        headers.append(header::SET_COOKIE, cookie_header(state, SESSION_COOKIE, &id, Some(SESSION_S)));
        headers.append(header::SET_COOKIE, cookie_header(state, SIGN_IN_COOKIE, "", Some(0)));
    }))
}

pub trait TapCookies {
    fn tap_cookies(self, f: impl FnOnce(&mut HeaderMap)) -> Self;
}

impl TapCookies for Response {
    fn tap_cookies(mut self, f: impl FnOnce(&mut HeaderMap)) -> Self {
        f(self.headers_mut());
        self
    }
}

/// The sign-in form. Its token sits in a short-lived cookie too (double submit), so a sign-in can
/// only be posted from this page.
async fn sign_in_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = signed_in(&state, &headers).await {
        return Redirect::to("/console/screens").into_response();
    }
    sign_in_form(&state, &headers, StatusCode::OK, None)
}

fn sign_in_form(state: &AppState, headers: &HeaderMap, status: StatusCode, error: Option<&str>) -> Response {
    let form_token = generate_token();
    let flash = error.map(Flash::error).or_else(|| view::take_flash(headers));
    let mut response = view::page("sign_in.html", "", None, flash, serde_json::json!({ "form_token": form_token }));
    *response.status_mut() = status;
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie_header(state, SIGN_IN_COOKIE, &form_token, Some(1800)));
    view::clearing_flash(state, response)
}

#[derive(serde::Deserialize)]
struct SignInForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    token: String,
}

async fn sign_in(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<SignInForm>) -> Response {
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if !same_origin(&headers) || !same_text(&form.form_token, expected) {
        return sign_in_form(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            Some("This sign-in form was out of date. Try again."),
        );
    }
    let scope = match state.store.token_scope(&token_hash(form.token.trim())).await {
        Ok(scope) => scope.as_deref().and_then(Scope::parse),
        Err(failure) => return failure_page(&failure),
    };
    if scope != Some(Scope::Admin) {
        tracing::warn!("console sign-in refused: not an admin token");
        // A moment's pause makes guessing slower; tokens are long and random anyway.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        return sign_in_form(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("That is not an admin token. Kiosk and staff tokens cannot sign in here."),
        );
    }
    tracing::info!("console: signed in with a token");
    start_session(&state, Scope::Admin, "/console/screens")
        .await
        .unwrap_or_else(|failure| failure_page(&failure))
}

/// A one-time sign-in link: the page only offers a button; the POST uses the link up.
async fn link_page(Path(code): Path<String>) -> Response {
    view::page("sign_in.html", "", None, None, serde_json::json!({ "link_code": code }))
}

#[derive(serde::Deserialize)]
struct LinkForm {
    #[serde(default)]
    code: String,
}

async fn sign_in_with_link(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<LinkForm>) -> Response {
    if !same_origin(&headers) {
        return sign_in_form(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            Some("This sign-in came from another site."),
        );
    }
    match state.store.take_sign_in_link(&token_hash(form.code.trim())).await {
        Ok(true) => {
            tracing::info!("console: signed in with a one-time link");
            start_session(&state, Scope::Admin, "/console/screens")
                .await
                .unwrap_or_else(|failure| failure_page(&failure))
        }
        Ok(false) => sign_in_form(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("That sign-in link was already used or has expired. Sign in with the admin token, or make a new link."),
        ),
        Err(failure) => failure_page(&failure),
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CsrfOnly>) -> Response {
    let signed = match require_staff_form(&state, &headers, Some(&form.csrf)).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    if let Err(failure) = state.store.end_console_session(&signed.id_hash).await {
        return failure_page(&failure);
    }
    view::redirect_with(&state, "/console/sign-in", Flash::ok("Signed out.")).tap_cookies(|headers| {
        headers.append(header::SET_COOKIE, cookie_header(&state, SESSION_COOKIE, "", Some(0)));
    })
}

/// A new one-time sign-in link's code (its hash is stored); the caller shows `/console/link/{code}`.
pub async fn issue_sign_in_link(store: &Store) -> Result<String, Failure> {
    let code = generate_token();
    store.add_sign_in_link(&token_hash(&code), Utc::now().timestamp() + LINK_S).await?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn posts_from_other_sites_are_told_apart() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://10.0.0.5:8080"),
            ("host", "10.0.0.5:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "10.0.0.5:8080")
        ])));
        assert!(same_origin(&headers(&[])), "curl: the form token still decides");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let map = headers(&[("cookie", "a=1; vk_console=abc"), ("cookie", "b=2")]);
        assert_eq!(cookie(&map, "vk_console"), Some("abc"));
        assert_eq!(cookie(&map, "b"), Some("2"));
        assert_eq!(cookie(&map, "vk"), None);
    }
}
