//! Draw: the prizes (with a photo upload), the ticket pool (a CSV upload with a preview and every bad
//! line named), the results per prize, and the CSV/JSON downloads.

use std::collections::HashMap;
use std::io::Cursor;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::form::{Fields, Upload, read_upload};
use super::session::{failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::error::Failure;
use crate::input;
use crate::input::BULK_BODY_LIMIT;
use venue_contract::groups;
use venue_contract::wire::{Prize, Ticket};

const PAGE: &str = "/console/draw";
/// Photos larger than this many pixels a side are refused (a stage screen is 4K at most).
const MAX_PHOTO_SIDE: u32 = 8192;
/// Ticket rows shown in a preview.
const PREVIEW_ROWS: usize = 20;

pub fn routes() -> Router<AppState> {
    let uploads = || DefaultBodyLimit::max(BULK_BODY_LIMIT + 64 * 1024);
    Router::new()
        .route(PAGE, get(draw_page))
        .route("/console/draw/prizes", post(save_prize).layer(uploads()))
        .route("/console/draw/prizes/{id}/delete", post(delete_prize))
        .route("/console/draw/tickets/preview", post(preview_tickets).layer(uploads()))
        .route("/console/draw/tickets/apply", post(apply_tickets))
        .route("/console/downloads/{file}", get(download))
}

#[derive(Serialize)]
struct WinnerRow {
    ticket: u32,
    name: String,
}

#[derive(Serialize)]
struct BatchRow {
    batch: u32,
    drawn_at: String,
    /// Beyond the planned batches: a no-show replacement or an extra draw.
    extra: bool,
    /// The kiosk drew it without this server's nonce: why, shown as NOT ANCHORED.
    not_anchored: Option<String>,
    winners: Vec<WinnerRow>,
}

#[derive(Serialize)]
struct PrizeRow {
    prize: Prize,
    /// The photo when this server has it (the page's policy shows only its own images).
    photo: Option<String>,
    planned_batches: u32,
    batches: Vec<BatchRow>,
    drawn: usize,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    edit: Option<String>,
}

async fn draw_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<PageQuery>) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let values = async {
        let zone = view::venue_zone(&state).await;
        let prizes = state.store.prizes().await?;
        let tickets = state.store.tickets().await?;
        let names: HashMap<u32, &str> = tickets.iter().map(|t| (t.number, t.display_name.as_str())).collect();
        let holders: std::collections::HashSet<&str> = tickets.iter().map(|t| t.holder.as_str()).collect();
        let mut results = state.store.draw_results().await?;
        results.sort_by_key(|r| (r.result.prize_id.clone(), r.result.batch));
        let rows: Vec<PrizeRow> = prizes
            .iter()
            .map(|prize| {
                let planned_batches = prize.winner_count.div_ceil(prize.batch_size.unwrap_or(prize.winner_count).max(1));
                let batches: Vec<BatchRow> = results
                    .iter()
                    .filter(|r| r.result.prize_id == prize.id)
                    .map(|r| BatchRow {
                        batch: r.result.batch,
                        drawn_at: view::short_time(zone, &r.result.drawn_at),
                        extra: r.result.batch > planned_batches,
                        not_anchored: match &r.result.server_nonce {
                            Some(_) => None,
                            None => Some(r.result.not_anchored.clone().unwrap_or_else(|| "no reason given".to_owned())),
                        },
                        winners: r
                            .result
                            .winners
                            .iter()
                            .map(|n| WinnerRow {
                                ticket: *n,
                                name: names.get(n).map_or_else(|| "(not in the pool now)".into(), |s| (*s).to_string()),
                            })
                            .collect(),
                    })
                    .collect();
                let drawn = batches.iter().map(|b| b.winners.len()).sum();
                PrizeRow {
                    photo: prize.image_url.clone().filter(|url| url.starts_with("/api/v1/images/")),
                    prize: prize.clone(),
                    planned_batches,
                    batches,
                    drawn,
                }
            })
            .collect();
        let editing = query.edit.as_deref().and_then(|id| prizes.iter().find(|p| p.id == id)).cloned();
        let next_order = prizes.iter().map(|p| p.order).max().map_or(1, |o| o + 1);
        Ok::<_, Failure>(serde_json::json!({
            "prizes": rows,
            "editing": editing,
            "next_order": next_order,
            "ticket_count": tickets.len(),
            "holder_count": holders.len(),
            "sample_tickets": tickets.iter().take(5).collect::<Vec<_>>(),
        }))
    }
    .await;
    match values {
        Ok(values) => {
            let response = view::page("draw.html", "draw", Some(&signed), view::take_flash(&headers), values);
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

/// A PNG or JPEG whose header reads, stored by content hash; its path for `image_url`.
async fn store_photo(state: &AppState, bytes: &[u8]) -> Result<String, Failure> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Failure::invalid_body(format!("the photo could not be read: {e}")))?;
    let (content_type, extension) = match reader.format() {
        Some(image::ImageFormat::Png) => ("image/png", "png"),
        Some(image::ImageFormat::Jpeg) => ("image/jpeg", "jpg"),
        _ => return Err(Failure::invalid_body("the photo must be a PNG or JPEG file")),
    };
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| Failure::invalid_body(format!("the photo could not be read: {e}")))?;
    if width == 0 || height == 0 || width > MAX_PHOTO_SIDE || height > MAX_PHOTO_SIDE {
        return Err(Failure::invalid_body(format!(
            "the photo is {width}×{height}; at most {MAX_PHOTO_SIDE} pixels a side"
        )));
    }
    let id = format!("{}.{extension}", &hex::encode(Sha256::digest(bytes))[..32]);
    state.store.put_image(&id, content_type, bytes).await?;
    Ok(format!("/api/v1/images/{id}"))
}

fn prize_from_upload(upload: &Upload, image_url: Option<String>) -> Result<Prize, Failure> {
    let fields = &upload.fields;
    let name = fields.get("name").to_string();
    let id = match fields.get("id") {
        "" => slug(&name),
        id => id.to_string(),
    };
    let batch_size = match fields.get("batch_size") {
        "" => None,
        _ => Some(fields.number("batch_size", "Winners per batch")?),
    };
    let mut prize = Prize {
        id,
        name,
        image_url,
        winner_count: fields.number("winner_count", "Winners")?,
        order: fields.number("order", "Order")?,
        allow_previous_winners: fields.checked("allow_previous_winners"),
        batch_size,
        eligible_groups: groups_field(fields.get("eligible_groups"), "Only these groups")?,
        excluded_groups: groups_field(fields.get("excluded_groups"), "Groups excluded")?,
    };
    input::check_prize(&mut prize)?;
    Ok(prize)
}

/// A form's group list (`staff, speaker`), or why not, naming the field as the form labels it.
fn groups_field(text: &str, label: &str) -> Result<Vec<String>, Failure> {
    groups::parse(text).map_err(|e| Failure::invalid_body(format!("{label}: {e}")))
}

/// An id from a name: ASCII letters and digits kept, the rest joined by `-`; a random one for names
/// with none (a Korean name).
pub(super) fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(40).collect::<String>();
    if slug.is_empty() {
        format!("prize-{}", hex::encode(rand::random::<[u8; 4]>()))
    } else {
        slug
    }
}

async fn save_prize(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    if let Err(response) = require_page(&state, &headers).await {
        return response;
    }
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(failure) => return view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    };
    if let Err(response) = require_form(&state, &headers, upload.fields.csrf()).await {
        return response;
    }
    let saved = async {
        let existing = state.store.prizes().await?;
        let kept_photo = existing
            .iter()
            .find(|p| p.id == upload.fields.get("id"))
            .and_then(|p| p.image_url.clone())
            .filter(|_| !upload.fields.checked("remove_photo"));
        let image_url = match upload.file("photo") {
            Some(photo) => Some(store_photo(&state, &photo.bytes).await?),
            None => kept_photo,
        };
        let prize = prize_from_upload(&upload, image_url)?;
        let created = state.store.upsert_prize(&prize).await?;
        Ok::<_, Failure>((prize, created))
    }
    .await;
    match saved {
        Ok((prize, created)) => {
            tracing::info!(prize = %prize.id, created, "console: prize saved");
            let verb = if created { "added" } else { "saved" };
            view::redirect_with(&state, PAGE, Flash::ok(format!("Prize “{}” {verb}.", prize.name)))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn delete_prize(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.delete_prize(&id).await {
        Ok(()) => {
            tracing::info!(prize = %id, "console: prize deleted");
            view::redirect_with(&state, PAGE, Flash::ok("Prize deleted. Results already drawn stay in the exports."))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn preview_tickets(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
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
    let Some(file) = upload.file("file") else {
        return view::redirect_with(&state, PAGE, Flash::error("Choose a CSV file of tickets to upload."));
    };
    if file.bytes.len() > BULK_BODY_LIMIT {
        // Refused before it is read, as the API refuses it (`413`).
        return view::redirect_with(
            &state,
            PAGE,
            Flash::error(format!(
                "The file is {} bytes; a ticket list may be at most {BULK_BODY_LIMIT} bytes (8 MiB).",
                file.bytes.len()
            )),
        );
    }
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        return view::redirect_with(
            &state,
            PAGE,
            Flash::error("The CSV file is not UTF-8 text; save it as “CSV UTF-8”."),
        );
    };
    // The API's reader (venue_contract::ticket_csv, the kiosk's too): columns by header name, BOM skipped.
    let report = input::ticket_csv_report(text);
    let staged = if report.problems.is_empty() {
        let id = hex::encode(rand::random::<[u8; 12]>());
        match serde_json::to_string(&report.tickets) {
            Ok(body) => match state.store.stage_import(&id, &body).await {
                Ok(()) => Some(id),
                Err(failure) => return failure_page(&failure),
            },
            Err(e) => return failure_page(&Failure::internal(e)),
        }
    } else {
        None
    };
    let current = state.store.tickets().await.map(|t| t.len()).unwrap_or_default();
    view::page(
        "tickets_preview.html",
        "draw",
        Some(&signed),
        None,
        serde_json::json!({
            "file_name": file.file_name,
            "count": report.tickets.len(),
            "rows": report.tickets.iter().take(PREVIEW_ROWS).collect::<Vec<&Ticket>>(),
            "problems": report.problems,
            "more_problems": report.more_problems,
            "staged": staged,
            "current": current,
        }),
    )
}

async fn apply_tickets(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let applied = async {
        let Some(body) = state.store.take_staged_import(fields.get("staged")).await? else {
            return Err(Failure::invalid_body(
                "that preview was already applied or is over an hour old; upload the file again",
            ));
        };
        let tickets: Vec<Ticket> = serde_json::from_str(&body).map_err(Failure::internal)?;
        state.store.upsert_tickets(&tickets).await?;
        Ok(tickets.len())
    }
    .await;
    match applied {
        Ok(count) => {
            tracing::info!(tickets = count, "console: tickets upserted");
            view::redirect_with(&state, PAGE, Flash::ok(format!("{count} tickets added or updated.")))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

/// The export files (`winners.csv`, `replaced.csv`, `winners.json`, `game_results.csv`, `game_results.json`).
async fn download(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    if let Err(response) = require_page(&state, &headers).await {
        return response;
    }
    let files = match crate::export::export_files(&state.store).await {
        Ok(files) => files,
        Err(e) => return failure_page(&Failure::internal(e)),
    };
    let Some((name, contents)) = files.into_iter().find(|(name, _)| *name == file) else {
        return view::not_found();
    };
    let content_type = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).expect("export names are ASCII");
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        contents,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prize_ids_come_from_names() {
        assert_eq!(slug("Mechanical Keyboard (TKL)"), "mechanical-keyboard-tkl");
        assert!(slug("기계식 키보드").starts_with("prize-"));
    }
}
