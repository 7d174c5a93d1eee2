//! The prize editor end to end at library level: a ticket CSV and prize edits become the local
//! override file, the file read back at start replaces the feed's prizes and tickets for the desk,
//! and a prize whose photo is broken still draws.

use chrono::Utc;
use venue_kiosk::draw::desk::{Desk, Stage};
use venue_kiosk::draw::engine::DrawState;
use venue_kiosk::draw::prizes::{self, LocalOverride, PrizeDraft, PrizeEdit, Target};
use venue_kiosk::feed::payload::{Endpoint, FeedPayload, decode};
use venue_kiosk::feed::sample;
use venue_kiosk::feed::wire::DrawData;

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
    assert!(venue_kiosk::images::decode_limited(&std::fs::read(&photo).unwrap()).is_err());
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
