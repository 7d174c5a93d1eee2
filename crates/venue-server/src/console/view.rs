//! Rendering: the templates (embedded at build time, HTML autoescaped), the page frame every page
//! shares, flash notes carried across a redirect, and time shown in the venue's zone.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::Environment;
use serde::Serialize;

use super::session::{self, Signed};
use crate::AppState;
use crate::error::Failure;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../../console/templates/base.html")),
        ("sign_in.html", include_str!("../../console/templates/sign_in.html")),
        ("message.html", include_str!("../../console/templates/message.html")),
        ("screens.html", include_str!("../../console/templates/screens.html")),
        ("broadcast.html", include_str!("../../console/templates/broadcast.html")),
        ("schedule.html", include_str!("../../console/templates/schedule.html")),
        (
            "schedule_preview.html",
            include_str!("../../console/templates/schedule_preview.html"),
        ),
        ("draw.html", include_str!("../../console/templates/draw.html")),
        ("tickets_preview.html", include_str!("../../console/templates/tickets_preview.html")),
        ("game.html", include_str!("../../console/templates/game.html")),
        ("casino.html", include_str!("../../console/templates/casino.html")),
        ("access.html", include_str!("../../console/templates/access.html")),
        ("attendees.html", include_str!("../../console/templates/attendees.html")),
        ("badges.html", include_str!("../../console/templates/badges.html")),
        ("handbook.html", include_str!("../../console/templates/handbook.html")),
        ("staff.html", include_str!("../../console/templates/staff.html")),
    ] {
        env.add_template(name, source).expect("console templates parse");
    }
    env
});

/// A page of the console: its template and the values it shows. `nav` names the tab to mark.
pub fn page(template: &str, nav: &str, signed: Option<&Signed>, flash: Option<Flash>, values: impl Serialize) -> Response {
    let mut context = serde_json::to_value(values).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut context {
        map.insert("nav".into(), nav.into());
        map.insert("csrf".into(), signed.map(|s| s.csrf.clone()).into());
        map.insert("signed_in".into(), signed.is_some().into());
        map.insert("admin".into(), signed.is_some_and(|s| s.scope == crate::auth::Scope::Admin).into());
        if let Some(flash) = flash {
            map.insert("flash".into(), serde_json::json!({ "kind": flash.kind, "text": flash.text }));
        }
    }
    let rendered = TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(minijinja::Value::from_serialize(&context)));
    match rendered {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(e) => {
            tracing::error!(template, error = %e, "a console page did not render");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>This page could not be shown; the server log says why.".into(),
            )
        }
    }
}

pub fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
        html,
    )
        .into_response()
}

/// A short page that says what went wrong, with a way back.
pub fn message_page(status: StatusCode, title: &str, text: &str, back: &str) -> Response {
    let mut response = page(
        "message.html",
        "",
        None,
        None,
        serde_json::json!({ "title": title, "text": text, "back": back }),
    );
    *response.status_mut() = status;
    response
}

pub fn not_found() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page in the console.",
        "/console",
    )
}

/// A note shown once on the next page: what just happened, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

const FLASH_COOKIE: &str = "vk_flash";

impl Flash {
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash {
            kind: "ok",
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            kind: "error",
            text: text.into(),
        }
    }
}

/// Back to `to` (303, so a reload does not post again) with a note for the next page.
pub fn redirect_with(state: &AppState, to: &str, flash: Flash) -> Response {
    let value = format!("{}:{}", flash.kind, hex::encode(flash.text.as_bytes()));
    let mut response = Redirect::to(to).into_response();
    let cookie = session::cookie_header(state, FLASH_COOKIE, &value, Some(60));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The note left by the previous answer, if any; the caller's answer clears it.
pub fn take_flash(headers: &HeaderMap) -> Option<Flash> {
    let value = session::cookie(headers, FLASH_COOKIE)?;
    let (kind, text) = value.split_once(':')?;
    let text = String::from_utf8(hex::decode(text).ok()?).ok()?;
    let kind = match kind {
        "ok" => "ok",
        _ => "error",
    };
    Some(Flash { kind, text })
}

/// Answer with `page` and clear the flash cookie it showed.
pub fn clearing_flash(state: &AppState, mut response: Response) -> Response {
    let cookie = session::cookie_header(state, FLASH_COOKIE, "", Some(0));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The venue's time zone (the event's), or UTC before an event is set.
pub async fn venue_zone(state: &AppState) -> Tz {
    match state.store.event().await {
        Ok(Some(event)) => event.time_zone.parse().unwrap_or(Tz::UTC),
        _ => Tz::UTC,
    }
}

/// `12-03 14:05` in the venue's zone.
pub fn short_time(zone: Tz, at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&zone).format("%m-%d %H:%M").to_string()
}

/// The value of an `<input type=datetime-local>` for `at`, in the venue's zone.
pub fn input_time(zone: Tz, at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// An `<input type=datetime-local>` value read as venue time.
pub fn parse_input_time(zone: Tz, text: &str) -> Result<DateTime<FixedOffset>, Failure> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| Failure::invalid_body(format!("`{text}` is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.fixed_offset())
        .ok_or_else(|| Failure::invalid_body(format!("`{text}` does not exist in {zone} (a clock change)")))
}

/// `12 s`, `4 min`, `2 h` ago.
pub fn ago(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 90 => format!("{s} s"),
        s if s < 90 * 60 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        assert!(TEMPLATES.templates().count() >= 11);
    }

    #[test]
    fn venue_time_inputs_read_in_the_venue_zone() {
        let seoul: Tz = "Asia/Seoul".parse().unwrap();
        let at = parse_input_time(seoul, "2026-12-03T14:05").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-03T14:05:00+09:00");
        assert_eq!(input_time(seoul, &at), "2026-12-03T14:05");
        assert!(parse_input_time(seoul, "tomorrow").is_err());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(ago(5), "5 s");
        assert_eq!(ago(600), "10 min");
        assert_eq!(ago(7200), "2 h");
    }
}
