//! The event feed: the worker that polls the source off the main thread (decoding with
//! `venue_contract`), the disk cache, the outbox that posts results, and the Bevy side that folds
//! the worker's reports into [`FeedState`] and [`FeedStatus`]. It knows no screen.

pub mod cache;
pub mod client;
pub mod http;
pub mod outbox;
pub mod state;
pub mod status;

use bevy::prelude::*;
use chrono::Utc;

pub use client::{FeedUpdate, FeedWorker, Origin, WorkerConfig};
pub use outbox::{PostOutcome, PostReport, ResultPost, ResultStream};
pub use state::FeedState;
pub use status::{Connection, FeedHealth, FeedStatus};
pub use venue_contract::payload::{Endpoint, FeedPayload};

use crate::config::Config;

/// The running worker and the health derived from its reports.
#[derive(Resource)]
pub struct FeedLink {
    worker: FeedWorker,
    health: FeedHealth,
}

/// The most recent feed problem, for the log panel and tests.
#[derive(Resource, Debug, Default, Clone)]
pub struct FeedLog {
    pub recent: Vec<String>,
}

pub fn plugin(app: &mut App) {
    let config = app.world().resource::<Config>().clone();
    let worker_config = WorkerConfig::from_config(&config.feed).expect("feed config was validated at start-up");
    let local = worker_config.source == crate::config::source::SourceSpec::Sample && worker_config.schedule_source.is_none();
    let health = FeedHealth::new(
        worker_config.source.label(),
        local,
        Utc::now(),
        std::time::Duration::from_secs(config.feed.offline_after_s),
    );
    let status = health.status(Utc::now());
    let worker = FeedWorker::spawn(worker_config);
    app.insert_resource(FeedLink { worker, health })
        .insert_resource(status)
        .init_resource::<FeedState>()
        .init_resource::<FeedLog>()
        .init_resource::<FeedFrameCost>()
        .add_message::<ResultAnswer>()
        .add_systems(PreUpdate, (drain_feed, drain_outbox));
    if let Some(outbox_config) = outbox::OutboxConfig::from_config(&config.feed) {
        app.insert_resource(Outbox(outbox::ResultOutbox::spawn(outbox_config)));
    }
}

/// Posts results to the event server. Present only when the source is an event server: with the
/// sample or a file source the journals are the record.
#[derive(Resource)]
pub struct Outbox(pub outbox::ResultOutbox);

/// The server's final answer to a result post, for the screen that posted it.
#[derive(Message, Debug, Clone)]
pub struct ResultAnswer(pub PostReport);

fn drain_outbox(outbox: Option<ResMut<Outbox>>, mut answers: MessageWriter<ResultAnswer>) {
    let Some(mut outbox) = outbox else { return };
    // Only touch the resource mutably when an answer is really there.
    while let Some(report) = outbox.bypass_change_detection().0.try_report() {
        answers.write(ResultAnswer(report));
    }
}

/// Main-thread time spent taking feed reports into state, for the benchmark's proof that the
/// network and JSON never touch the frame: parsing is done on the worker, this is a pointer swap.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct FeedFrameCost {
    pub frames: u64,
    pub total: std::time::Duration,
    pub max: std::time::Duration,
    pub updates: u64,
}

/// Thin: move finished reports from the channel into state; never blocks. The status is derived
/// again only when a report arrived or half a second passed (it names times to the minute), so an
/// idle frame allocates nothing.
fn drain_feed(
    mut link: ResMut<FeedLink>,
    mut state: ResMut<FeedState>,
    mut status: ResMut<FeedStatus>,
    mut log: ResMut<FeedLog>,
    mut cost: ResMut<FeedFrameCost>,
    time: Res<Time<Real>>,
    mut last_check: Local<Option<std::time::Duration>>,
) {
    let started = std::time::Instant::now();
    let link = link.bypass_change_detection();
    let mut received = false;
    while let Ok(update) = link.worker.updates().try_recv() {
        received = true;
        cost.updates += 1;
        let retired = apply_update(update, &mut state, &mut link.health, &mut log);
        if !retired.is_empty() {
            bevy::tasks::IoTaskPool::get().spawn(async move { drop(retired) }).detach();
        }
    }
    let spent = started.elapsed();
    cost.frames += 1;
    cost.total += spent;
    cost.max = cost.max.max(spent);
    let now = time.elapsed();
    if !received && last_check.is_some_and(|t| now.saturating_sub(t) < std::time::Duration::from_millis(500)) {
        return;
    }
    *last_check = Some(now);
    let fresh = link.health.status(Utc::now());
    status.set_if_neq(fresh);
}

/// Fold one worker report into the state and health. Shared by the Bevy system and the tests.
pub fn apply_update(update: FeedUpdate, state: &mut FeedState, health: &mut FeedHealth, log: &mut FeedLog) -> state::Retired {
    match update {
        FeedUpdate::Data { payload, origin, at } => {
            let endpoint = payload.endpoint();
            match origin {
                Origin::Network | Origin::Local => health.success(endpoint, at),
                Origin::Cache { saved } => health.from_cache(saved),
            }
            tracing::info!(%endpoint, ?origin, "feed data updated");
            return state.apply(*payload, at);
        }
        FeedUpdate::NotModified { endpoint, at } => health.success(endpoint, at),
        FeedUpdate::Failed { endpoint, error, at } => {
            health.failure(endpoint, at, &error);
            log.recent.push(format!("{} {endpoint}: {error}", at.format("%H:%M:%S")));
            if log.recent.len() > 50 {
                log.recent.remove(0);
            }
        }
    }
    state::Retired::default()
}
