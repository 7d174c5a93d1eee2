//! Attendees (console): import the list (personal data sealed on arrival), set how tickets are
//! earned, name the booths and discussion tables, print badges with each attendee's QR code.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::form::{Fields, read_upload};
use super::session::{failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::attendees::{self, AttendeeKeys, Person};
use crate::auth::token_hash;
use crate::db::{AttendeeRow, Place};
use crate::error::Failure;
use crate::input::BULK_BODY_LIMIT;
use venue_rules::attend::{self, PlaceKind, TicketRules};

const PAGE: &str = "/console/attendees";
/// The address attendees' phones reach the server at, for the QR codes (set on the page).
pub const PUBLIC_URL_SETTING: &str = "public_url";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(attendees_page))
        .route(
            "/console/attendees/import",
            post(import).layer(DefaultBodyLimit::max(BULK_BODY_LIMIT + 64 * 1024)),
        )
        .route("/console/attendees/rules", post(save_rules))
        .route("/console/attendees/places", post(save_place))
        .route("/console/attendees/places/{id}/delete", post(delete_place))
        .route("/console/attendees/public-url", post(save_public_url))
        .route("/console/attendees/badges", get(badges))
}

fn no_keys() -> Failure {
    Failure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_attendee_key",
        "this server has no attendee key: start serve with --attendee-key FILE (every instance the same file)",
    )
}

/// The stored row and lookup hashes for a person.
pub fn sealed_row(keys: &AttendeeKeys, person: &Person) -> (AttendeeRow, String, String) {
    let code = keys.link_code(&person.external_id);
    let badge = attendees::normalize_badge_code(&AttendeeKeys::badge_code(&code));
    (
        AttendeeRow {
            id: keys.attendee_id(&person.external_id),
            holder: keys.holder(&person.external_id),
            display_name: attend::mask_name(&person.name),
            sealed: keys.seal_person(person),
        },
        token_hash(&code),
        token_hash(&badge),
    )
}

/// The base of handbook links: the setting, else the address this request came to.
pub async fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Ok(Some(url)) = state.store.setting(PUBLIC_URL_SETTING).await {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A QR code as inline SVG (no script, no external reference).
pub fn qr_svg(text: &str) -> String {
    let Some((modules, width)) = qr_modules(text) else {
        return String::new();
    };
    qrcode::render::Renderer::<qrcode::render::svg::Color>::new(&modules, width, 4)
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build()
}

/// Codes whose modules are kept: far above a venue's attendees, so every phone's refresh finds its own.
const QR_CACHE_MAX: usize = 50_000;

/// The QR code's modules for `text` (row by row, `width` a side), computed once per text: choosing
/// the mask is most of a handbook page's work, and the page is refreshed every minute on every
/// phone. The cache holds about 1.5 KB per code and is emptied when it reaches [`QR_CACHE_MAX`].
fn qr_modules(text: &str) -> Option<(std::sync::Arc<[qrcode::Color]>, usize)> {
    type Cache = std::sync::Mutex<std::collections::HashMap<String, (std::sync::Arc<[qrcode::Color]>, usize)>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("qr cache lock").get(text) {
        return Some(found.clone());
    }
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = (std::sync::Arc::from(code.to_colors()), code.width());
    let mut cache = cache.lock().expect("qr cache lock");
    if cache.len() >= QR_CACHE_MAX {
        cache.clear();
    }
    cache.insert(text.to_string(), modules.clone());
    Some(modules)
}

#[derive(Serialize)]
struct Row {
    display_name: String,
    badge: String,
    checkins: usize,
    tickets: usize,
    link: String,
}

async fn attendees_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let values = async {
        let (count, checkins, tickets) = state.store.attendance_counts().await?;
        let base = public_base(&state, &headers).await;
        let mut rows = Vec::new();
        if let Some(keys) = &state.keys {
            // The first 200 in import order; the badge page has everyone.
            for row in state.store.attendees().await?.into_iter().take(200) {
                let Ok(person) = keys.open_person(&row.sealed) else { continue };
                let code = keys.link_code(&person.external_id);
                rows.push(Row {
                    display_name: row.display_name.clone(),
                    badge: AttendeeKeys::badge_code(&code),
                    checkins: state.store.checkins_of(&row.id).await?.len(),
                    tickets: state.store.tickets_of(&row.holder).await?.len(),
                    link: format!("{base}/h/{code}"),
                });
            }
        }
        let places: Vec<Place> = state.store.places().await?;
        Ok::<_, Failure>(serde_json::json!({
            "has_keys": state.keys.is_some(),
            "count": count,
            "checkins": checkins,
            "tickets": tickets,
            "rows": rows,
            "rules": state.store.ticket_rules().await?,
            "places": places,
            "public_url": state.store.setting(PUBLIC_URL_SETTING).await?,
            "base": base,
        }))
    }
    .await;
    match values {
        Ok(values) => {
            let response = view::page("attendees.html", "attendees", Some(&signed), view::take_flash(&headers), values);
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn import(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    if let Err(response) = require_page(&state, &headers).await {
        return response;
    }
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(failure) => return view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    };
    let signed = match require_form(&state, &headers, upload.fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(keys) = state.keys.clone() else {
        return view::redirect_with(&state, PAGE, Flash::error(no_keys().message));
    };
    let Some(file) = upload.file("file") else {
        return view::redirect_with(&state, PAGE, Flash::error("Choose the attendee list (CSV) to import."));
    };
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        return view::redirect_with(
            &state,
            PAGE,
            Flash::error("The CSV file is not UTF-8 text; save it as “CSV UTF-8”."),
        );
    };
    let (people, problems) = attendees::people_from_csv(text.trim_start_matches('\u{feff}'));
    if !problems.is_empty() || people.is_empty() {
        // Nothing imported: the organiser fixes the file and uploads it again.
        let mut problems = problems;
        if people.is_empty() && problems.is_empty() {
            problems.push("no attendees in the file".into());
        }
        let mut response = view::page(
            "message.html",
            "attendees",
            Some(&signed),
            Some(Flash::error(format!(
                "Nothing was imported: {} problem(s) in {}.",
                problems.len(),
                file.file_name
            ))),
            serde_json::json!({ "title": "Fix the attendee list", "text": problems.join(" · "), "back": PAGE }),
        );
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    let rows: Vec<_> = people.iter().map(|p| sealed_row(&keys, p)).collect();
    match state.store.upsert_attendees(&rows).await {
        Ok((added, updated)) => {
            // Counts only: never a name in the log.
            tracing::info!(added, updated, "console: attendees imported");
            view::redirect_with(
                &state,
                PAGE,
                Flash::ok(format!(
                    "{added} attendees added, {updated} updated. Names are sealed; screens see masked names only."
                )),
            )
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn save_rules(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let rules = (|| {
        let rules = TicketRules {
            first_checkin: fields.number("first_checkin", "First check-in")?,
            sessions_every: fields.number("sessions_every", "Every K sessions")?,
            per_sessions_tickets: fields.number("per_sessions_tickets", "Tickets per K sessions")?,
            booth_card_booths: fields.number("booth_card_booths", "Booths on the stamp card")?,
            booth_card_tickets: fields.number("booth_card_tickets", "Tickets for a full card")?,
            right_bet: fields.number("right_bet", "Tickets for a right bet")?,
        };
        rules.check().map_err(Failure::invalid_body)?;
        Ok::<_, Failure>(rules)
    })();
    let saved = match rules {
        Ok(rules) => state.store.set_ticket_rules(&rules).await,
        Err(failure) => Err(failure),
    };
    match saved {
        Ok(()) => view::redirect_with(&state, PAGE, Flash::ok("Ticket rules saved; they count from the next check-in.")),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn save_place(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let place = (|| {
        let kind = match fields.get("kind") {
            "booth" => PlaceKind::Booth,
            "discussion" => PlaceKind::Discussion,
            other => return Err(Failure::invalid_body(format!("`{other}` is not a booth or a discussion"))),
        };
        let name = fields.get("name").to_string();
        crate::input::check_text("place name", &name, 200)?;
        let id = format!("{}:{}", super::draw::slug(&name), hex::encode(rand::random::<[u8; 3]>()));
        Ok::<_, Failure>(Place { id, kind, name })
    })();
    let saved = match place {
        Ok(place) => state.store.put_place(&place).await.map(|()| place),
        Err(failure) => Err(failure),
    };
    match saved {
        Ok(place) => view::redirect_with(
            &state,
            PAGE,
            Flash::ok(format!("“{}” added: staff can check attendees in there.", place.name)),
        ),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn delete_place(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.delete_place(&id).await {
        Ok(()) => view::redirect_with(&state, PAGE, Flash::ok("Place removed; its check-ins and tickets stay.")),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn save_public_url(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let url = fields.get("url");
    let saved = if url.is_empty() {
        state.store.set_setting(PUBLIC_URL_SETTING, None).await
    } else {
        match crate::schedule_source::check_source_url(url) {
            Ok(parsed) => {
                state
                    .store
                    .set_setting(PUBLIC_URL_SETTING, Some(parsed.as_str().trim_end_matches('/')))
                    .await
            }
            Err(failure) => Err(failure),
        }
    };
    match saved {
        Ok(()) => view::redirect_with(&state, PAGE, Flash::ok("Badge links use this address.")),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

/// Printable badges: name, company, the handbook QR and the badge code, 8 to a page.
async fn badges(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(keys) = state.keys.clone() else {
        return failure_page(&no_keys());
    };
    let base = public_base(&state, &headers).await;
    let rows = match state.store.attendees().await {
        Ok(rows) => rows,
        Err(failure) => return failure_page(&failure),
    };
    let badges: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|row| keys.open_person(&row.sealed).ok())
        .map(|person| {
            let code = keys.link_code(&person.external_id);
            serde_json::json!({
                "name": person.name, "company": person.company, "role": person.role,
                "badge": AttendeeKeys::badge_code(&code), "qr": qr_svg(&format!("{base}/h/{code}")),
            })
        })
        .collect();
    view::page(
        "badges.html",
        "attendees",
        Some(&signed),
        None,
        serde_json::json!({ "badges": badges }),
    )
}

#[cfg(test)]
mod qr_tests {
    use super::*;

    #[test]
    fn a_cached_qr_code_is_the_one_rendered_directly() {
        let text = "https://venue.example.org/h/0123456789abcdef0123456789abcdef";
        let direct = qrcode::QrCode::new(text.as_bytes())
            .unwrap()
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build();
        assert_eq!(qr_svg(text), direct, "first, computed");
        assert_eq!(qr_svg(text), direct, "then, from the cache");
        assert_ne!(qr_svg("https://venue.example.org/h/another"), direct);
    }
}
