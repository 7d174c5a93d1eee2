//! Bets on the dice match's winner (#16), end to end over HTTP on two server instances sharing one
//! database (one SQLite file; one PostgreSQL database with `VENUE_KIOSK_TEST_PG`) and one attendee
//! key: betting opens on the current match, attendees pick a team on their handbook pages at either
//! instance (one bet per match, changeable), the move that begins the closing round closes it (the
//! server refuses later bets), and the move that ends the match settles it: each right bet earns
//! its ticket once, though both instances settle at once. The casino feed carries counts only.

use std::collections::HashSet;

use reqwest::header::{AUTHORIZATION, COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use venue_contract::casino::{CasinoMove, MoveKind};
use venue_contract::wire::BetState;
use venue_rules::casino::Match;
use venue_server::attendees::{AttendeeKeys, Person, normalize_badge_code};
use venue_server::auth::token_hash;
use venue_server::db::AttendeeRow;
use venue_server::{RunningServer, ServerConfig, spawn};

#[macro_use]
mod support;
use support::{TestDb, set_cookie};

const TOKEN: &str = "casino-bets-admin-token-0123456789abcdef";
const PEOPLE: usize = 12;

scenarios!(
    bets_on_the_winner_close_at_their_round_and_pay_once_across_instances,
    a_begun_replaced_or_cleared_match_takes_no_bets,
);

struct Venue {
    a: RunningServer,
    b: RunningServer,
    http: Client,
    keys: AttendeeKeys,
    _key_dir: tempfile::TempDir,
}

impl Venue {
    async fn start(db: &TestDb) -> Venue {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let key_dir = tempfile::tempdir().unwrap();
        let key = key_dir.path().join("attendee.key");
        let config = || ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            attendee_key: Some(key.clone()),
            ..ServerConfig::new(db.url.clone())
        };
        let a = spawn(config()).await.expect("instance a starts");
        let b = spawn(config()).await.expect("instance b starts");
        let keys = AttendeeKeys::load_or_create(&key).unwrap();
        // The attendee list, as the console's import stores it.
        let rows: Vec<(AttendeeRow, String, String)> = (0..PEOPLE)
            .map(|i| {
                let person = Person {
                    external_id: external_id(i),
                    name: format!("Gambler Number{i}"),
                    email: format!("gambler{i}@example.org"),
                    ..Person::default()
                };
                let code = keys.link_code(&person.external_id);
                let badge = normalize_badge_code(&AttendeeKeys::badge_code(&code));
                (
                    AttendeeRow {
                        id: keys.attendee_id(&person.external_id),
                        holder: keys.holder(&person.external_id),
                        display_name: venue_rules::attend::mask_name(&person.name),
                        sealed: keys.seal_person(&person),
                    },
                    token_hash(&code),
                    token_hash(&badge),
                )
            })
            .collect();
        a.store.upsert_attendees(&rows).await.unwrap();
        let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Venue {
            a,
            b,
            http,
            keys,
            _key_dir: key_dir,
        }
    }

    fn server(&self, i: usize) -> &RunningServer {
        if i.is_multiple_of(2) { &self.a } else { &self.b }
    }

    fn url(&self, i: usize, path: &str) -> String {
        format!("{}{path}", self.server(i).base_url())
    }

    /// Attendee `i` picks `team` on their handbook page (at instance `i % 2`): `true` if taken.
    async fn bet(&self, i: usize, match_id: &str, team: &str) -> bool {
        let code = self.keys.link_code(&external_id(i));
        let answer = self
            .http
            .post(self.url(i, &format!("/h/{code}/casino-bet")))
            .form(&[("match", match_id), ("team", team)])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        set_cookie(&answer, "vk_flash").is_some_and(|c| c.starts_with("vk_flash=ok"))
    }

    async fn page(&self, i: usize) -> String {
        let code = self.keys.link_code(&external_id(i));
        self.http
            .get(self.url(i, &format!("/h/{code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn post_move(&self, i: usize, m: &CasinoMove) -> StatusCode {
        self.http
            .post(self.url(i, "/api/v1/casino/moves"))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .json(m)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn tickets(&self, i: usize) -> usize {
        self.a.store.tickets_of(&self.keys.holder(&external_id(i))).await.unwrap().len()
    }

    /// Things about attendees that must never be public.
    fn secrets(&self) -> Vec<String> {
        (0..PEOPLE)
            .flat_map(|i| {
                let id = external_id(i);
                [
                    id.clone(),
                    format!("Gambler Number{i}"),
                    format!("gambler{i}@example.org"),
                    self.keys.attendee_id(&id),
                    self.keys.link_code(&id),
                ]
            })
            .collect()
    }
}

fn external_id(i: usize) -> String {
    format!("BET-{i:03}")
}

/// The move of the team to play: odd rounds spread, even rounds pile up, so the teams' money differs.
fn place(game: &Match, id: String) -> CasinoMove {
    let team = game.turn().expect("the match is not over");
    let n = game.dice_left()[team];
    let rolled: Vec<u8> = (0..n).map(|d| ((d + team as u8 + game.round_index()) % 6) + 1).collect();
    let face = rolled[0];
    CasinoMove {
        id,
        kind: MoveKind::Place {
            team: game.teams()[team].clone(),
            rolled,
            face,
        },
    }
}

async fn bets_on_the_winner_close_at_their_round_and_pay_once_across_instances(db: &TestDb) {
    let venue = Venue::start(db).await;
    let teams: Vec<String> = venue.a.store.teams().await.unwrap().into_iter().map(|t| t.id).collect();
    let (status, created) = {
        let answer = venue
            .http
            .put(venue.url(0, "/api/v1/admin/casino"))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .json(&json!({"match_id": "bet-final", "teams": [teams[0], teams[1]], "rounds": 2, "dice_per_team": 3, "seed": 5, "tie_break": "turn_order"}))
            .send()
            .await
            .unwrap();
        (answer.status(), answer.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let data = venue.a.store.casino().await.unwrap().unwrap();
    let mut game = Match::new(&data.setup).unwrap();
    let (home, away) = (teams[0].clone(), teams[1].clone());

    // Nobody opened betting: a bet is refused, the feed has no bets.
    assert!(!venue.bet(0, "bet-final", &home).await);
    let feed = venue
        .http
        .get(venue.url(1, "/api/v1/casino"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(venue_contract::casino::decode_bets(&feed).unwrap(), None);
    // Closing at round 3 of 2 is refused; closing when round 2 begins is taken.
    assert!(venue.a.store.open_casino_bets(2).await.is_err());
    venue.a.store.open_casino_bets(1).await.unwrap();

    // Bets at both instances: half on each team, one changed, one on a team not in the match.
    let mut picks: Vec<Option<String>> = vec![None; PEOPLE];
    for (i, pick) in picks.iter_mut().enumerate().take(PEOPLE - 2) {
        let team = if i.is_multiple_of(2) { &home } else { &away };
        assert!(venue.bet(i, "bet-final", team).await, "bet {i}");
        *pick = Some(team.clone());
    }
    assert!(venue.bet(1, "bet-final", &home).await, "a bet may change while open");
    picks[1] = Some(home.clone());
    assert!(!venue.bet(PEOPLE - 2, "bet-final", &teams[2]).await, "that team does not play");
    assert!(!venue.bet(PEOPLE - 2, "no-such-match", &home).await);
    assert!(venue.page(0).await.contains("Change my bet"), "the page shows the pick");

    // Round 1 is played: betting stays open until round 2 begins, at either instance.
    let mut n = 0;
    while game.round_index() == 0 {
        n += 1;
        let m = place(&game, format!("m{n}"));
        assert_eq!(venue.post_move(n, &m).await, StatusCode::CREATED);
        game.apply(&m).unwrap();
    }
    assert!(
        venue.bet(PEOPLE - 2, "bet-final", &away).await,
        "round 1 is on, bets are still open"
    );
    picks[PEOPLE - 2] = Some(away.clone());

    // Round 2's first move and a late bet race: the bet is stored only if it came first.
    n += 1;
    let first_of_round_2 = place(&game, format!("m{n}"));
    let (moved, late) = tokio::join!(venue.post_move(0, &first_of_round_2), venue.bet(PEOPLE - 1, "bet-final", &home));
    assert_eq!(moved, StatusCode::CREATED);
    game.apply(&first_of_round_2).unwrap();
    let late_stored = venue
        .a
        .store
        .casino_bets_of(&venue.keys.attendee_id(&external_id(PEOPLE - 1)))
        .await
        .unwrap();
    assert_eq!(late, !late_stored.is_empty(), "the answer tells what was stored");
    if late {
        picks[PEOPLE - 1] = Some(home.clone());
    }
    // Now closed, at both instances, whatever a page shows.
    let before = venue.a.store.casino_bet_match("bet-final").await.unwrap().unwrap();
    assert_eq!(before.state, venue_server::db::BetState::Closed);
    assert!(!venue.bet(2, "bet-final", &away).await, "late bets are refused");
    assert!(!venue.bet(3, "bet-final", &home).await, "late bets are refused");
    let after = venue.a.store.casino_bet_match("bet-final").await.unwrap().unwrap();
    assert_eq!(before.shares, after.shares, "nothing changed");
    assert!(venue.page(2).await.contains("Bets are closed"));

    // The feed: counts only.
    let feed = venue
        .http
        .get(venue.url(1, "/api/v1/casino"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let bets = venue_contract::casino::decode_bets(&feed).unwrap().expect("bets in the feed");
    assert_eq!(bets.state, BetState::Closed);
    assert_eq!(bets.close_round, 1);
    let count = |team: &String| picks.iter().filter(|p| p.as_ref() == Some(team)).count() as u32;
    assert_eq!(bets.bets.get(&home).copied(), Some(count(&home)), "{bets:?}");
    assert_eq!(bets.bets.get(&away).copied(), Some(count(&away)), "{bets:?}");
    let total_bets = picks.iter().flatten().count();
    venue_contract::casino::decode(&feed).expect("a screen without bets still reads the match");

    // The match ends: the last move posted to both instances at once is stored once, and both
    // settle; right bets are paid once.
    while !game.finished() {
        n += 1;
        let m = place(&game, format!("m{n}"));
        let rest = {
            let mut after = game.clone();
            after.apply(&m).unwrap();
            after.finished()
        };
        if rest {
            let (x, y) = tokio::join!(venue.post_move(0, &m), venue.post_move(1, &m));
            let mut answers = [x, y];
            answers.sort();
            assert_eq!(answers, [StatusCode::OK, StatusCode::CREATED], "stored once");
        } else {
            assert_eq!(venue.post_move(n, &m).await, StatusCode::CREATED);
        }
        game.apply(&m).unwrap();
    }
    let winners: Vec<String> = game
        .ranking()
        .iter()
        .filter(|r| r.place == 1)
        .map(|r| game.teams()[r.team].clone())
        .collect();
    // Settling again, at both instances at once, pays nobody twice.
    let (x, y) = tokio::join!(
        venue.a.store.settle_casino_bets("bet-final", 1),
        venue.b.store.settle_casino_bets("bet-final", 1)
    );
    assert_eq!((x.unwrap(), y.unwrap()), (Some(0), Some(0)));
    let mut right_bets = 0;
    for (i, pick) in picks.iter().enumerate() {
        let right = pick.as_ref().is_some_and(|p| winners.contains(p));
        right_bets += usize::from(right);
        assert_eq!(
            venue.tickets(i).await,
            usize::from(right),
            "attendee {i} picked {pick:?}, {winners:?} won"
        );
    }
    let draw: Value = venue
        .http
        .get(venue.url(1, "/api/v1/draw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: HashSet<String> = (0..PEOPLE).map(|i| venue.keys.holder(&external_id(i))).collect();
    let mine = draw["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["holder"].as_str().is_some_and(|h| ours.contains(h)))
        .count();
    assert_eq!(mine, right_bets, "one ticket per right bet, in the draw feed");
    let numbers: Vec<u64> = draw["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.iter().collect::<HashSet<_>>().len(), numbers.len(), "no number twice");

    // The feed and the pages tell the outcome; nothing personal is public.
    let feed = venue
        .http
        .get(venue.url(0, "/api/v1/casino"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let bets = venue_contract::casino::decode_bets(&feed).unwrap().unwrap();
    assert_eq!((bets.state, bets.winners.clone()), (BetState::Settled, winners.clone()));
    let text = String::from_utf8_lossy(&feed).to_string();
    for secret in venue
        .secrets()
        .iter()
        .chain((0..PEOPLE).map(|i| venue.keys.holder(&external_id(i))).collect::<Vec<_>>().iter())
    {
        assert!(!text.contains(secret.as_str()), "the feed shows `{secret}`");
    }
    let who = |right: bool| (0..PEOPLE).find(|&i| picks[i].as_ref().is_some_and(|p| winners.contains(p)) == right && picks[i].is_some());
    let (right_one, wrong_one) = (who(true).expect("someone picked right"), who(false).expect("someone picked wrong"));
    let right = venue.page(right_one).await;
    assert!(right.contains("Right!"), "{right}");
    let wrong = venue.page(wrong_one).await;
    assert!(wrong.contains("Not this time"), "{wrong}");
    for (i, page) in [(right_one, &right), (wrong_one, &wrong)] {
        for secret in venue.secrets() {
            assert!(
                !page.contains(secret.as_str()) || secret == venue.keys.link_code(&external_id(i)),
                "page {i} shows `{secret}`"
            );
        }
    }

    // The organisers' casino page shows the counts.
    let session = "casino-bets-console-session-0123456789";
    venue
        .a
        .store
        .add_console_session(
            &token_hash(session),
            "csrf-casino-bets",
            chrono::Utc::now().timestamp() + 600,
            "admin",
        )
        .await
        .unwrap();
    let console = venue
        .http
        .get(venue.url(1, "/console/casino"))
        .header(COOKIE, format!("vk_console={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(console.contains("Bets on the winner"), "{console}");
    assert!(console.contains(&format!("{total_bets} bets")), "{console}");
    assert!(console.contains("settled"), "{console}");
    // Staff enter moves on that page; opening, closing and settling bets is for organisers.
    let staff = "casino-bets-staff-session-0123456789";
    venue
        .a
        .store
        .add_console_session(&token_hash(staff), "csrf-staff", chrono::Utc::now().timestamp() + 600, "staff")
        .await
        .unwrap();
    let refused = venue
        .http
        .post(venue.url(0, "/console/casino/bets/close"))
        .header(COOKIE, format!("vk_console={staff}"))
        .form(&[("csrf", "csrf-staff")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    venue.a.shutdown().await.unwrap();
    venue.b.shutdown().await.unwrap();
}

/// Betting cannot open on a match past its closing round, an undo does not reopen it, and a
/// match that is replaced or cleared closes its betting (it will never end to settle it).
async fn a_begun_replaced_or_cleared_match_takes_no_bets(db: &TestDb) {
    let venue = Venue::start(db).await;
    let set_up = |body: Value, query: &'static str| {
        let request = venue
            .http
            .put(venue.url(0, &format!("/api/v1/admin/casino{query}")))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .json(&body)
            .send();
        async move { request.await.unwrap().status() }
    };
    assert_eq!(set_up(json!({"match_id": "m-1", "rounds": 2}), "").await, StatusCode::CREATED);
    let data = venue.a.store.casino().await.unwrap().unwrap();
    let mut game = Match::new(&data.setup).unwrap();
    let team = data.setup.teams[0].clone();
    venue.a.store.open_casino_bets(0).await.unwrap();
    assert!(venue.bet(0, "m-1", &team).await);
    // The first move closes it; its undo does not reopen it, and opening again is too late while
    // a move of round 1 stands, but may close at round 2 instead.
    let first = place(&game, "first".into());
    assert_eq!(venue.post_move(1, &first).await, StatusCode::CREATED);
    game.apply(&first).unwrap();
    assert!(!venue.bet(1, "m-1", &team).await, "closed by the first move");
    let undo = CasinoMove {
        id: "undo".into(),
        kind: MoveKind::Undo {
            reason: "wrong team".into(),
        },
    };
    assert_eq!(venue.post_move(0, &undo).await, StatusCode::CREATED);
    game.apply(&undo).unwrap();
    assert!(!venue.bet(1, "m-1", &team).await, "an undo does not reopen betting");
    assert_eq!(
        venue.a.store.casino_bet_match("m-1").await.unwrap().unwrap().state,
        venue_server::db::BetState::Closed
    );
    let again = place(&game, "again".into());
    assert_eq!(venue.post_move(1, &again).await, StatusCode::CREATED);
    assert!(venue.a.store.open_casino_bets(0).await.is_err(), "round 1 has begun");
    venue.a.store.open_casino_bets(1).await.unwrap();
    assert!(venue.bet(1, "m-1", &team).await, "open until round 2 begins");

    // Replaced mid-match: its betting closes; the new match has none until opened.
    assert_eq!(set_up(json!({"match_id": "m-2"}), "?replace=1").await, StatusCode::CREATED);
    assert!(!venue.bet(2, "m-1", &team).await, "the replaced match takes no bets");
    assert!(!venue.bet(2, "m-2", &team).await, "nobody opened betting on the new one");
    venue.b.store.open_casino_bets(0).await.unwrap();
    assert!(venue.bet(2, "m-2", &team).await);
    // Cleared: closed too.
    let cleared = venue
        .http
        .delete(venue.url(1, "/api/v1/admin/casino"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(!venue.bet(3, "m-2", &team).await, "a cleared match takes no bets");
    let mut states: Vec<_> = venue
        .a
        .store
        .casino_bet_matches()
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.match_id, m.state))
        .collect();
    states.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        states,
        vec![
            ("m-1".to_string(), venue_server::db::BetState::Closed),
            ("m-2".to_string(), venue_server::db::BetState::Closed)
        ]
    );
    assert!(venue.a.store.open_casino_bets(0).await.is_err(), "no match is set up");
    venue.a.shutdown().await.unwrap();
    venue.b.shutdown().await.unwrap();
}
