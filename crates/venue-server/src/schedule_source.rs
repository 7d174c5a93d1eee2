//! Where a schedule comes from: an upload (our JSON, or a pretalx/frab `schedule.json`), or a URL
//! the server pulls again every few minutes, applying what changed. Every instance pulls; a pull
//! that changes nothing writes nothing, so several instances agree without coordinating.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};

use crate::db::Store;
use crate::error::Failure;
use crate::input;
use crate::input::BULK_BODY_LIMIT;
use venue_contract::pretalx;
use venue_contract::wire::{EventInfo, Schedule};
use venue_rules::schedule::diff::diff;

/// The URL pulled again, and what the last pull did.
pub const SOURCE_URL_SETTING: &str = "schedule_source_url";
pub const SOURCE_STATUS_SETTING: &str = "schedule_source_status";
/// How often a schedule URL is pulled again.
pub const PULL_EVERY: Duration = Duration::from_secs(5 * 60);
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// Our `Schedule` or a pretalx/frab export (with the event it describes), checked as the API checks it.
pub fn parse_schedule(bytes: &[u8]) -> Result<(Schedule, Option<EventInfo>), Failure> {
    let value = input::json(bytes)?;
    let (schedule, event) = if pretalx::looks_like_pretalx(&value) {
        drop(value);
        let (schedule, event) = pretalx::import_bytes(bytes).map_err(|e| Failure::invalid_body(format!("pretalx/frab import: {e}")))?;
        (schedule, Some(event))
    } else {
        input::check_version(&value)?;
        (input::wire_from_value::<Schedule>(value)?, None)
    };
    input::check_schedule(&schedule)?;
    Ok((schedule, event))
}

/// Only http(s) URLs with a host.
pub fn check_source_url(text: &str) -> Result<url::Url, Failure> {
    let url = url::Url::parse(text.trim()).map_err(|e| Failure::invalid_body(format!("`{text}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Failure::invalid_body("the schedule URL must be an http:// or https:// address"));
    }
    Ok(url)
}

/// GET the URL, at most [`BULK_BODY_LIMIT`] bytes, within [`FETCH_TIMEOUT`].
pub async fn fetch(url: &url::Url) -> Result<Vec<u8>, Failure> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("venue-kiosk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Failure::internal)?;
    let unreachable = |e: reqwest::Error| Failure::invalid_body(format!("could not fetch {url}: {e}"));
    let mut response = client.get(url.clone()).send().await.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(Failure::invalid_body(format!("{url} answered {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > BULK_BODY_LIMIT {
            return Err(Failure::payload_too_large(BULK_BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Pull the source URL once: apply it if it changes anything; the outcome goes to the status setting.
pub async fn pull_once(store: &Store) -> Result<Option<String>, Failure> {
    let Some(url_text) = store.setting(SOURCE_URL_SETTING).await? else {
        return Ok(None);
    };
    let outcome = async {
        let url = check_source_url(&url_text)?;
        let (schedule, event) = parse_schedule(&fetch(&url).await?)?;
        let changes = diff(&store.sessions().await?, &schedule.sessions);
        if changes.is_empty() {
            return Ok::<String, Failure>("no changes".into());
        }
        store.replace_schedule(&schedule, event.as_ref()).await?;
        Ok(format!(
            "applied: {} added, {} moved, {} cancelled, {} removed, {} edited",
            changes.added.len(),
            changes.moved.len(),
            changes.cancelled.len(),
            changes.removed.len(),
            changes.edited.len() + changes.restored.len()
        ))
    }
    .await;
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let status = match &outcome {
        Ok(text) => format!("{at} {text}"),
        Err(failure) => format!("{at} failed (the schedule stays as it was): {}", failure.message),
    };
    match &outcome {
        Ok(text) => tracing::info!(url = %url_text, outcome = %text, "schedule source pulled"),
        Err(failure) => tracing::warn!(url = %url_text, error = %failure.message, "schedule source pull failed"),
    }
    store.set_setting(SOURCE_STATUS_SETTING, Some(&status)).await?;
    Ok(Some(status))
}

/// Pull every [`PULL_EVERY`] for as long as the server runs.
pub async fn pull_loop(store: std::sync::Arc<Store>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await; // the first tick is at once; the console applied that pull already
    loop {
        ticks.tick().await;
        if let Err(failure) = pull_once(&store).await {
            tracing::warn!(error = %failure.message, "schedule source: could not record the pull");
        }
    }
}
