//! The organisers' web console at the server's root: sign-in, and the Screens, Broadcast, Schedule,
//! Draw, Game, Casino and Access pages. Server-rendered HTML from templates embedded in the binary (no build
//! tool, no framework), plain forms that work without JavaScript, a strict Content-Security-Policy,
//! a session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and a form token on every POST.
//!
//! Every page reads and writes through the same [`Store`](crate::db::Store) calls and input checks as
//! the JSON API, so the console can do nothing the API would refuse.

mod access;
mod attendees;
mod broadcast;
mod casino;
mod draw;
mod form;
mod game;
mod handbook;
mod schedule;
mod screens;
pub mod session;
mod view;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use session::issue_sign_in_link;

use super::AppState;

/// Everything under `/console` plus the root's redirect. Uploads have their own body limits.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console", get(|| async { Redirect::to("/console/screens") }))
        .route("/console/static/{file}", get(static_file))
        .merge(session::routes())
        .merge(screens::routes())
        .merge(broadcast::routes())
        .merge(schedule::routes())
        .merge(draw::routes())
        .merge(game::routes())
        .merge(casino::routes())
        .merge(access::routes())
        .merge(attendees::routes())
        .merge(handbook::routes())
        .route(
            "/console/{*rest}",
            get(|| async { view::not_found() }).post(|| async { view::not_found() }),
        )
        .layer(middleware::from_fn(security_headers))
}

/// The console's own headers on every answer: nothing from elsewhere runs, nothing frames it,
/// nothing is cached, and links never carry the page's address (a sign-in link's code) away.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

const CONSOLE_CSS: &str = include_str!("../../console/static/console.css");
const CONSOLE_JS: &str = include_str!("../../console/static/console.js");

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "console.css" => (CONSOLE_CSS, "text/css; charset=utf-8"),
        "console.js" => (CONSOLE_JS, "text/javascript; charset=utf-8"),
        _ => return view::not_found(),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        ],
        body,
    )
        .into_response()
}
