//! The prize editor end to end at library level: a ticket CSV and prize edits become the local
//! override file, the file read back at start replaces the feed's prizes and tickets for the desk,
//! and a prize whose photo is broken still draws.

use chrono::Utc;
use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::sample;
use venue_contract::wire::DrawData;
use venue_kiosk::screens::draw::prizes::{self, LocalOverride, PrizeDraft, PrizeEdit, Target};
use venue_rules::draw::desk::{Desk, Stage};
use venue_rules::draw::engine::DrawState;

fn sample_draw() -> DrawData {
    match decode(Endpoint::Draw, sample::body(Endpoint::Draw)).unwrap() {
        FeedPayload::Draw(d) => d,
        _ => unreachable!(),
    }
}

#[test]
fn edits_and_imports_survive_a_restart_and_replace_the_feed() {
    let feed = sample_draw();
    let dir = tempfile::tempdir().unwrap();
    let journal_dir = dir.path().join("draw-sample");
    let state = DrawState::new();

    // Tickets from a CSV (as the panel does it, on its worker thread).
    let csv = dir.path().join("tickets.csv");
    let mut text = String::from("number,holder,name\n");
    for n in 0..40 {
        text.push_str(&format!("{},h-{},\"Guest {n}, K.\"\n", 5000 + n, n % 25));
    }
    std::fs::write(&csv, text).unwrap();
    let tickets = prizes::read_tickets_csv(&csv).unwrap();
    assert_eq!(tickets.len(), 40);

    // A new prize with a broken photo, moved to the top of the feed's prizes.
    let photo = dir.path().join("broken.jpg");
    std::fs::write(&photo, b"not a jpeg").unwrap();
    let add = PrizeEdit::Add(PrizeDraft {
        name: "Local TV".into(),
        photo: photo.display().to_string(),
        winner_count: 3,
        allow_previous_winners: false,
        batch_size: Some(2),
        ..Default::default()
    });
    let mut list = prizes::plan(&feed.prizes, &add, &state, Target::Local).unwrap().prizes;
    for _ in 0..list.len() - 1 {
        list = prizes::plan(
            &list,
            &PrizeEdit::Move {
                id: "local-tv".into(),
                up: true,
            },
            &state,
            Target::Local,
        )
        .unwrap()
        .prizes;
    }
    prizes::save_override(
        &journal_dir,
        &LocalOverride {
            version: 1,
            prizes: Some(list),
            tickets: Some(tickets),
        },
    )
    .unwrap();

    // "Restart": the file is read back and applied over the feed.
    let loaded = prizes::load_override(&journal_dir).unwrap().expect("the override is there");
    let data = loaded.apply(Some(&feed)).unwrap();
    let mut desk = Desk::new(&data, DrawState::new(), Vec::new());
    assert_eq!(desk.prizes.len(), feed.prizes.len() + 1);
    assert_eq!(desk.prizes[0].name, "Local TV", "the moved prize is first on stage");
    assert_eq!(desk.pool.len(), 40, "the imported tickets replace the feed's");
    assert_eq!(desk.display_name(5003), "Guest 3, K.");
    assert!(desk.prize().is_some_and(|p| p.engine.id == "local-tv"));

    // The photo is broken; the draw does not care.
    assert!(venue_kiosk::shell::images::decode_limited(&std::fs::read(&photo).unwrap()).is_err());
    let job = desk.press_next(100.0, Utc::now()).expect("a draw starts");
    let record = job.draw().unwrap();
    assert_eq!(record.winners.len(), 2, "batches of 2");
    desk.finish_commit(Ok(record), 100.5);
    assert!(matches!(desk.stage, Stage::Rolling { .. }));

    // With a result, the prize can neither be deleted nor shrunk below it.
    let current: Vec<_> = data.prizes.clone();
    let err = prizes::plan(&current, &PrizeEdit::Delete { id: "local-tv".into() }, &desk.state, Target::Local).unwrap_err();
    assert!(err[0].contains("cannot be deleted"), "{err:?}");
    let shrink = PrizeEdit::Update {
        id: "local-tv".into(),
        draft: PrizeDraft {
            winner_count: 1,
            batch_size: Some(1),
            ..PrizeDraft::from_prize(&current[0])
        },
    };
    assert!(prizes::plan(&current, &shrink, &desk.state, Target::Local).unwrap_err()[0].contains("cannot go below 2"));

    // Dropping the override (both parts) removes the file: the feed is used again.
    prizes::save_override(&journal_dir, &LocalOverride::default()).unwrap();
    assert_eq!(prizes::load_override(&journal_dir).unwrap(), None);
}

/// Eligibility groups on this kiosk: tickets get their groups from the CSV's `groups` column, the
/// prize editor excludes a group, and no draw ever picks a ticket of that group.
#[test]
fn a_prize_excluding_a_group_never_draws_its_tickets() {
    let feed = sample_draw();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tickets.csv");
    let mut text = String::from("number,holder,name,groups\n");
    for n in 0..60 {
        let groups = match n % 4 {
            0 => "staff",
            1 => "Speaker; staff",
            _ => "",
        };
        text.push_str(&format!("{},h-{n},Guest {n},{groups}\n", 7000 + n));
    }
    std::fs::write(&csv, text).unwrap();
    let tickets = prizes::read_tickets_csv(&csv).unwrap();
    assert_eq!(tickets[1].groups, ["speaker", "staff"]);
    let state = DrawState::new();

    // A bad group name is refused with the field named; a good draft is stored normalized.
    let bad = PrizeEdit::Add(PrizeDraft {
        name: "Main".into(),
        winner_count: 5,
        excluded_groups: "staff, st@ff".into(),
        ..Default::default()
    });
    let err = prizes::plan(&[], &bad, &state, Target::Local).unwrap_err();
    assert!(err.iter().any(|e| e.starts_with("Groups excluded: group `st@ff`")), "{err:?}");
    let add = PrizeEdit::Add(PrizeDraft {
        name: "Main".into(),
        winner_count: 5,
        excluded_groups: " Staff ".into(),
        ..Default::default()
    });
    let list = prizes::plan(&[], &add, &state, Target::Local).unwrap().prizes;
    assert_eq!(list[0].excluded_groups, ["staff"]);
    assert_eq!(PrizeDraft::from_prize(&list[0]).excluded_groups, "staff");
    let crew = PrizeEdit::Add(PrizeDraft {
        name: "Crew".into(),
        winner_count: 40,
        eligible_groups: "staff".into(),
        ..Default::default()
    });
    let list = prizes::plan(&list, &crew, &state, Target::Local).unwrap().prizes;
    let data = LocalOverride {
        version: 1,
        prizes: Some(list),
        tickets: Some(tickets.clone()),
    }
    .apply(Some(&feed))
    .unwrap();
    let staff: Vec<u32> = tickets
        .iter()
        .filter(|t| t.groups.iter().any(|g| g == "staff"))
        .map(|t| t.number)
        .collect();
    assert_eq!(staff.len(), 30);

    for round in 0..40 {
        let mut desk = Desk::new(&data, DrawState::new(), Vec::new());
        assert_eq!(desk.prize().unwrap().engine.excluded_groups, ["staff"]);
        let job = desk.press_next(100.0, Utc::now()).expect("a draw starts");
        let record = job.draw().unwrap();
        assert_eq!(record.winners.len(), 5);
        assert_eq!(record.eligible_tickets, 30, "round {round}");
        for w in &record.winners {
            assert!(!staff.contains(&w.ticket), "round {round}: staff ticket #{} drawn", w.ticket);
        }
    }
    // The staff-only prize has 30 eligible holders for 40 winners: it says so and draws nobody.
    let mut desk = Desk::new(&data, DrawState::new(), Vec::new());
    desk.select(1);
    assert_eq!(desk.prize().unwrap().engine.id, "crew");
    let job = desk.press_next(100.0, Utc::now()).expect("a draw starts");
    let err = job.draw().unwrap_err();
    assert!(
        err.contains("only 30 eligible ticket holder(s) left for prize \"crew\" (only staff)"),
        "{err}"
    );
}

/// With an event server the edits are its admin writes: they come back in `GET /api/v1/draw`.
#[test]
fn edits_and_imports_reach_the_real_event_server() {
    use std::time::Duration;
    use venue_kiosk::feed::outbox::{OutboxConfig, admin_calls};
    use venue_server::{ServerConfig, db, spawn};

    const TOKEN: &str = "editor-token-93d1";
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(db::database_url(dir.path().join("venue.sqlite").to_str().unwrap()))
        }))
        .unwrap();
    let base = server.base_url();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let config = |token_file: &std::path::Path| OutboxConfig {
        base: url::Url::parse(&format!("{base}/")).unwrap(),
        token_file: Some(token_file.to_path_buf()),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(5),
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        trusted: Default::default(),
    };
    let server_config = config(&token_file);
    let draw = || -> DrawData {
        let text = rt.block_on(async { reqwest::get(format!("{base}/api/v1/draw")).await.unwrap().text().await.unwrap() });
        serde_json::from_str(&text).unwrap()
    };
    let state = DrawState::new();
    let before = draw();

    // Add a prize (placed last), then move it up one place: only what changed is written.
    let add = PrizeEdit::Add(PrizeDraft {
        name: "Robot Vacuum 로봇청소기".into(),
        photo: "https://photos.example.org/robot.jpg".into(),
        winner_count: 4,
        allow_previous_winners: true,
        batch_size: Some(2),
        ..Default::default()
    });
    let plan = prizes::plan(&before.prizes, &add, &state, Target::Server).unwrap();
    assert_eq!(admin_calls(&server_config, &prizes::server_calls(&plan)), Ok(1));
    let after_add = draw();
    let robot = after_add.prizes.iter().find(|p| p.id == "robot-vacuum").expect("the server has it");
    assert_eq!(
        (robot.winner_count, robot.batch_size, robot.allow_previous_winners),
        (4, Some(2), true)
    );
    assert_eq!(after_add.prizes.last().unwrap().id, "robot-vacuum", "last on stage");

    let up = PrizeEdit::Move {
        id: "robot-vacuum".into(),
        up: true,
    };
    let plan = prizes::plan(&after_add.prizes, &up, &state, Target::Server).unwrap();
    admin_calls(&server_config, &prizes::server_calls(&plan)).unwrap();
    let ids: Vec<String> = draw().prizes.into_iter().map(|p| p.id).collect();
    let expected: Vec<String> = plan.prizes.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, expected, "the server's order is the panel's order");
    assert_eq!(ids[ids.len() - 2], "robot-vacuum");

    // Delete a prize without results.
    let gone = before.prizes[0].id.clone();
    let plan = prizes::plan(&draw().prizes, &PrizeEdit::Delete { id: gone.clone() }, &state, Target::Server).unwrap();
    admin_calls(&server_config, &prizes::server_calls(&plan)).unwrap();
    assert!(draw().prizes.iter().all(|p| p.id != gone));

    // A CSV import: names with commas and quotes, and one without a name.
    let tickets = prizes::parse_tickets_csv("holder,number,name\nh-new-1,90001,\"Kim, \"\"JS\"\"\"\nh-new-2,90002,\n").unwrap();
    assert_eq!(admin_calls(&server_config, &[prizes::tickets_upload(&tickets)]), Ok(1));
    let after = draw();
    assert_eq!(after.tickets.len(), before.tickets.len() + 2, "added; the others stay");
    let t = after.tickets.iter().find(|t| t.number == 90001).unwrap();
    assert_eq!((t.display_name.as_str(), t.holder.as_str()), ("Kim, \"JS\"", "h-new-1"));
    assert_eq!(
        after.tickets.iter().find(|t| t.number == 90002).unwrap().display_name,
        prizes::NO_NAME
    );

    // A wrong token: nothing is written and the operator reads why.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let err = admin_calls(&config(&wrong), &prizes::server_calls(&plan)).unwrap_err();
    assert!(err.contains("HTTP 401") && err.contains("0 of"), "{err}");
    drop(server);
}
