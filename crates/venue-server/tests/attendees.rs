//! Attendees end to end over HTTP: the list imported in the console is sealed at rest; no public
//! answer or page carries a name, email, company or external id; staff check attendees in from their
//! phones; tickets are granted once per earned condition, also under double scans and two staff (or
//! two server instances) scanning at once; the tickets reach the draw feed with masked names.

use std::collections::HashSet;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION};
use serde_json::{Value, json};
use venue_server::attendees::{AttendeeKeys, Person, people_from_csv};
use venue_server::{RunningServer, ServerConfig, db, spawn};

mod support;
use support::{attribute_after, pg_admin, session_cookie, set_cookie};

const TOKEN: &str = "attendees-admin-token-0123456789abcdef";

/// Distinctive people: none of these strings may leave the server.
const PEOPLE_CSV: &str = "external_id,name,email,company,role
EXT-70001,김민수,minsu.kim@example.org,Starlight Labs,Backend engineer
EXT-70002,Jane Doe,jane.doe@example.org,Quasar Systems,Designer
EXT-70003,남궁민수,namgoong@example.org,Nebula Works,Student
EXT-70004,Alexandria Ocasio,alexandria@example.org,Comet Inc,Speaker
";

fn secrets() -> Vec<String> {
    let (people, problems) = people_from_csv(PEOPLE_CSV);
    assert!(problems.is_empty());
    people
        .iter()
        .flat_map(|p| {
            [
                p.external_id.clone(),
                p.name.clone(),
                p.email.clone(),
                p.company.clone(),
                p.role.clone(),
            ]
        })
        .collect()
}

struct Venue {
    server: RunningServer,
    http: reqwest::Client,
    keys: AttendeeKeys,
    db_file: std::path::PathBuf,
}

impl Venue {
    async fn start(dir: &std::path::Path) -> Venue {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db_file = dir.join("venue.sqlite");
        let server = spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(db::database_url(db_file.to_str().unwrap()))
        })
        .await
        .unwrap();
        let keys = AttendeeKeys::load_or_create(&dir.join("venue.sqlite.attendee.key")).unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Venue {
            server,
            http,
            keys,
            db_file,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    fn code(&self, external_id: &str) -> String {
        self.keys.link_code(external_id)
    }

    /// Sign in at `path` with `token` (console or staff); the session cookie and a form token.
    async fn sign_in(&self, token: &str, staff: bool) -> (String, String) {
        let cookie = if staff {
            let answer = self
                .http
                .post(self.url("/staff/sign-in"))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap();
            session_cookie(&answer).expect("staff sign-in")
        } else {
            let page = self.http.get(self.url("/console/sign-in")).send().await.unwrap();
            let pre = set_cookie(&page, "vk_sign_in").unwrap();
            let html = page.text().await.unwrap();
            let form_token = attribute_after(&html, "name=\"form_token\" value=\"");
            let answer = self
                .http
                .post(self.url("/console/sign-in"))
                .header(COOKIE, pre)
                .form(&[("form_token", form_token.as_str()), ("token", token)])
                .send()
                .await
                .unwrap();
            session_cookie(&answer).expect("console sign-in")
        };
        let landing = if staff { "/staff" } else { "/console/attendees" };
        let html = self
            .http
            .get(self.url(landing))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (cookie.clone(), attribute_after(&html, "name=\"csrf\" value=\""))
    }

    async fn import(&self, cookie: &str, csrf: &str, csv: &str) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().text("csrf", csrf.to_string()).part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("people.csv"),
        );
        self.http
            .post(self.url("/console/attendees/import"))
            .header(COOKIE, cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn check_in(&self, cookie: &str, csrf: &str, code: &str, place: &str) -> StatusCode {
        self.http
            .post(self.url(&format!("/h/{code}/check-in")))
            .header(COOKIE, cookie)
            .form(&[("csrf", csrf), ("place", place)])
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn issue_staff_token(&self, name: &str) -> String {
        let issued: Value = self
            .http
            .post(self.url("/api/v1/admin/tokens"))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .json(&json!({"name": name, "scope": "staff"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        issued["token"].as_str().unwrap().to_string()
    }

    async fn draw_tickets_of(&self, holder: &str) -> Vec<Value> {
        let draw: Value = self.http.get(self.url("/api/v1/draw")).send().await.unwrap().json().await.unwrap();
        draw["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["holder"] == holder)
            .cloned()
            .collect()
    }
}

async fn add_place(venue: &Venue, cookie: &str, csrf: &str, kind: &str, name: &str) {
    let answer = venue
        .http
        .post(venue.url("/console/attendees/places"))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf), ("kind", kind), ("name", name)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_personal_field_leaves_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let venue = Venue::start(dir.path()).await;
    let (cookie, csrf) = venue.sign_in(TOKEN, false).await;
    assert_eq!(venue.import(&cookie, &csrf, PEOPLE_CSV).await.status(), StatusCode::SEE_OTHER);
    let staff = venue.issue_staff_token("door-staff").await;
    let (staff_cookie, staff_csrf) = venue.sign_in(&staff, true).await;
    for id in ["EXT-70001", "EXT-70002"] {
        assert_eq!(
            venue.check_in(&staff_cookie, &staff_csrf, &venue.code(id), "entrance").await,
            StatusCode::SEE_OTHER
        );
    }

    // Bets on a dice match's winner and on a cube game round: the feeds and pages carry counts only.
    let set_up = venue
        .http
        .put(venue.url("/api/v1/admin/casino"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .json(&json!({"match_id": "privacy-match"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set_up.status(), StatusCode::CREATED);
    venue.server.store.open_casino_bets(0).await.unwrap();
    venue.server.store.open_bets(1).await.unwrap();
    let teams = venue.server.store.teams().await.unwrap();
    for (i, id) in ["EXT-70001", "EXT-70002"].into_iter().enumerate() {
        let code = venue.code(id);
        for (path, field, value) in [("casino-bet", "match", "privacy-match"), ("bet", "round", "1")] {
            let answer = venue
                .http
                .post(venue.url(&format!("/h/{code}/{path}")))
                .form(&[(field, value), ("team", teams[i].id.as_str())])
                .send()
                .await
                .unwrap();
            assert!(
                set_cookie(&answer, "vk_flash").is_some_and(|c| c.starts_with("vk_flash=ok")),
                "{path}"
            );
        }
    }
    let attendee_ids: Vec<String> = ["EXT-70001", "EXT-70002", "EXT-70003", "EXT-70004"]
        .iter()
        .map(|id| venue.keys.attendee_id(id))
        .collect();

    // Every answer anyone without a token can get: the feed, the pages, every attendee's handbook.
    let mut public = vec![
        "/api/v1/event".to_string(),
        "/api/v1/schedule".into(),
        "/api/v1/messages".into(),
        "/api/v1/draw".into(),
        "/api/v1/game".into(),
        "/api/v1/game/bets".into(),
        "/api/v1/casino".into(),
        "/".into(),
        "/console/sign-in".into(),
        "/staff/sign-in".into(),
        "/console/attendees".into(),
        "/console/attendees/badges".into(),
    ];
    for id in ["EXT-70001", "EXT-70002", "EXT-70003", "EXT-70004"] {
        public.push(format!("/h/{}", venue.code(id)));
    }
    let secrets = secrets();
    for path in &public {
        let body = venue.http.get(venue.url(path)).send().await.unwrap().text().await.unwrap();
        for secret in secrets.iter().chain(&attendee_ids) {
            assert!(!body.contains(secret.as_str()), "{path} shows `{secret}`");
        }
    }
    let casino: Value = venue
        .http
        .get(venue.url("/api/v1/casino"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(casino["bets"]["bets"][teams[0].id.as_str()], 1, "counts: {casino}");
    // Holders identify tickets in the draw feed, never bets: the bet feeds do not carry them.
    for path in ["/api/v1/casino", "/api/v1/game", "/api/v1/game/bets"] {
        let body = venue.http.get(venue.url(path)).send().await.unwrap().text().await.unwrap();
        for id in ["EXT-70001", "EXT-70002"] {
            assert!(!body.contains(&venue.keys.holder(id)), "{path} shows a holder");
        }
    }
    // The handbook shows the masked name.
    let page = venue
        .http
        .get(venue.url(&format!("/h/{}", venue.code("EXT-70001"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("김*수"), "{page}");
    // Staff pages too: check-in needs no personal field.
    let staff_view = venue
        .http
        .get(venue.url(&format!("/h/{}", venue.code("EXT-70002"))))
        .header(COOKIE, &staff_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_view.contains("Check in J*** D."), "{staff_view}");
    for secret in &secrets {
        assert!(!staff_view.contains(secret.as_str()), "the staff view shows `{secret}`");
    }
    // The organisers' badge page has the names (it is where badges are printed from).
    let badges = venue
        .http
        .get(venue.url("/console/attendees/badges"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        badges.contains("Jane Doe") && badges.contains("<svg"),
        "badges print names and QR codes"
    );

    // At rest: the database file holds none of it in the clear.
    venue.server.shutdown().await.unwrap();
    let mut raw = std::fs::read(&venue.db_file).unwrap();
    if let Ok(wal) = std::fs::read(venue.db_file.with_extension("sqlite-wal")) {
        raw.extend(wal);
    }
    let raw = String::from_utf8_lossy(&raw);
    for secret in &secrets {
        assert!(!raw.contains(secret.as_str()), "the database file holds `{secret}` in the clear");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_ins_grant_tickets_once_per_condition() {
    let dir = tempfile::tempdir().unwrap();
    let venue = Venue::start(dir.path()).await;
    let (cookie, csrf) = venue.sign_in(TOKEN, false).await;
    assert_eq!(venue.import(&cookie, &csrf, PEOPLE_CSV).await.status(), StatusCode::SEE_OTHER);
    for name in ["Rust table", "WebGPU table", "Design table"] {
        add_place(&venue, &cookie, &csrf, "discussion", name).await;
    }
    let places: Vec<String> = venue.server.store.places().await.unwrap().into_iter().map(|p| p.id).collect();
    let staff_a = venue.issue_staff_token("staff-a").await;
    let staff_b = venue.issue_staff_token("staff-b").await;
    let (a_cookie, a_csrf) = venue.sign_in(&staff_a, true).await;
    let (b_cookie, b_csrf) = venue.sign_in(&staff_b, true).await;
    let code = venue.code("EXT-70003");
    let holder = venue.keys.holder("EXT-70003");

    // Two staff scan the same badge at the entrance at once, twice each: one check-in, one ticket.
    let scans = (0..4).map(|i| {
        let (cookie, csrf) = if i % 2 == 0 { (&a_cookie, &a_csrf) } else { (&b_cookie, &b_csrf) };
        venue.check_in(cookie, csrf, &code, "entrance")
    });
    for status in futures_util::future::join_all(scans).await {
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let tickets = venue.draw_tickets_of(&holder).await;
    assert_eq!(
        tickets.len(),
        1,
        "first check-in: one ticket, whatever the double scans: {tickets:?}"
    );
    assert_eq!(tickets[0]["display_name"], "남**수");

    // Three discussions (they count as sessions): +1 at the third (the default rules: every 3).
    for place in &places {
        assert_eq!(venue.check_in(&a_cookie, &a_csrf, &code, place).await, StatusCode::SEE_OTHER);
    }
    assert_eq!(venue.draw_tickets_of(&holder).await.len(), 2);
    let page = venue
        .http
        .get(venue.url(&format!("/h/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Rust table") && page.contains(">2<"),
        "the handbook lists check-ins and tickets"
    );

    // A place that is not open for check-in is refused with a note; a bad form token is refused.
    assert_eq!(
        venue.check_in(&a_cookie, &a_csrf, &code, "session:nope").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(venue.check_in(&a_cookie, "wrong", &code, "entrance").await, StatusCode::FORBIDDEN);
    // Without a staff session, no check-in at all.
    let anonymous = venue
        .http
        .post(venue.url(&format!("/h/{code}/check-in")))
        .form(&[("csrf", "x"), ("place", "entrance")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/staff/sign-in");
    // A staff session cannot open the console.
    let console = venue
        .http
        .get(venue.url("/console/draw"))
        .header(COOKIE, &a_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), StatusCode::FORBIDDEN);

    // A badge code typed by staff finds the attendee's page.
    let badge = AttendeeKeys::badge_code(&code).to_uppercase();
    let found = venue
        .http
        .post(venue.url("/staff/lookup"))
        .header(COOKIE, &a_cookie)
        .form(&[("csrf", a_csrf.as_str()), ("badge", badge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(found.headers()[LOCATION], format!("/h/{code}").as_str());

    // Numbers are unique and never reused.
    let all: Value = venue
        .http
        .get(venue.url("/api/v1/draw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<u64> = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), numbers.iter().collect::<HashSet<_>>().len());
    venue.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_bad_attendee_list_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let venue = Venue::start(dir.path()).await;
    let (cookie, csrf) = venue.sign_in(TOKEN, false).await;
    let answer = venue.import(&cookie, &csrf, "external_id,name\nEXT-1,Kim\nEXT-2\n").await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let text = answer.text().await.unwrap();
    assert!(text.contains("line 3"), "{text}");
    assert!(venue.server.store.attendees().await.unwrap().is_empty(), "nothing imported");
    // Re-importing updates instead of duplicating.
    let once = "external_id,name\nEXT-9,Kim Minsu\n";
    venue.import(&cookie, &csrf, once).await;
    venue.import(&cookie, &csrf, "external_id,name\nEXT-9,Kim Minsoo\n").await;
    let rows = venue.server.store.attendees().await.unwrap();
    assert_eq!(rows.len(), 1);
    let person: Person = venue.keys.open_person(&rows[0].sealed).unwrap();
    assert_eq!(person.name, "Kim Minsoo");
    venue.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn another_key_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("venue.sqlite");
    let url = db::database_url(db_file.to_str().unwrap());
    let server = spawn(ServerConfig::new(url.clone())).await.unwrap();
    server.shutdown().await.unwrap();
    let other = dir.path().join("other.key");
    let started = spawn(ServerConfig {
        attendee_key: Some(other),
        ..ServerConfig::new(url)
    })
    .await;
    let error = format!("{:#}", started.err().expect("another key must not start"));
    assert!(error.contains("not the key this database"), "{error}");
}

/// Two instances on one database, one key file: scans of many badges at both at once grant each
/// condition once, and no ticket number twice.
async fn two_instances_grant_each_ticket_once(url: String, key: std::path::PathBuf) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = || ServerConfig {
        admin_token: Some(TOKEN.into()),
        seed_sample: true,
        attendee_key: Some(key.clone()),
        ..ServerConfig::new(url.clone())
    };
    let a = spawn(config()).await.unwrap();
    let b = spawn(config()).await.unwrap();
    let keys = AttendeeKeys::load_or_create(&key).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let venue_a = Venue {
        server: a,
        http: http.clone(),
        keys: AttendeeKeys::load_or_create(&key).unwrap(),
        db_file: Default::default(),
    };
    let venue_b = Venue {
        server: b,
        http,
        keys: AttendeeKeys::load_or_create(&key).unwrap(),
        db_file: Default::default(),
    };
    let (cookie, csrf) = venue_a.sign_in(TOKEN, false).await;
    let mut csv = String::from("external_id,name\n");
    for i in 0..40 {
        csv.push_str(&format!("P-{i},Person {i}\n"));
    }
    assert_eq!(venue_a.import(&cookie, &csrf, &csv).await.status(), StatusCode::SEE_OTHER);
    let staff = venue_a.issue_staff_token("gate").await;
    let (a_cookie, a_csrf) = venue_a.sign_in(&staff, true).await;
    let (b_cookie, b_csrf) = venue_b.sign_in(&staff, true).await;
    let codes: Vec<String> = (0..40).map(|i| keys.link_code(&format!("P-{i}"))).collect();
    let scans = codes.iter().flat_map(|code| {
        [
            venue_a.check_in(&a_cookie, &a_csrf, code, "entrance"),
            venue_b.check_in(&b_cookie, &b_csrf, code, "entrance"),
        ]
    });
    for status in futures_util::future::join_all(scans).await {
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let draw: Value = venue_b
        .http
        .get(venue_b.url("/api/v1/draw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: HashSet<String> = (0..40).map(|i| keys.holder(&format!("P-{i}"))).collect();
    let mine: Vec<&Value> = draw["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["holder"].as_str().is_some_and(|h| ours.contains(h)))
        .collect();
    let holders: HashSet<&str> = mine.iter().map(|t| t["holder"].as_str().unwrap()).collect();
    assert_eq!(
        (mine.len(), holders.len()),
        (40, 40),
        "one first-check-in ticket per attendee, across both instances"
    );
    let numbers: HashSet<u64> = draw["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), draw["tickets"].as_array().unwrap().len(), "no number twice");
    venue_a.server.shutdown().await.unwrap();
    venue_b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_instances_grant_each_ticket_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = db::database_url(dir.path().join("shared.sqlite").to_str().unwrap());
    two_instances_grant_each_ticket_once(url, dir.path().join("attendee.key")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_grant_each_ticket_once() {
    let Some(admin_url) = std::env::var("VENUE_KIOSK_TEST_PG").ok().filter(|u| !u.is_empty()) else {
        eprintln!("VENUE_KIOSK_TEST_PG is not set: skipped");
        return;
    };
    let name = format!("vk_attend_{}_{}", std::process::id(), hex::encode(rand::random::<[u8; 5]>()));
    pg_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    let dir = tempfile::tempdir().unwrap();
    two_instances_grant_each_ticket_once(url.to_string(), dir.path().join("attendee.key")).await;
    pg_admin(&admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}

/// The attendee bench counts what it claims: every check-in answered, one ticket each in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_attendee_bench_counts_one_ticket_each() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("attendee.key");
    let server = spawn(ServerConfig {
        seed_sample: true,
        attendee_key: Some(key.clone()),
        ..ServerConfig::new(db::database_url(dir.path().join("bench.sqlite").to_str().unwrap()))
    })
    .await
    .unwrap();
    let keys = AttendeeKeys::load_or_create(&key).unwrap();
    let report = venue_server::bench_attendees::run_attendees(
        &server.base_url(),
        server.store.clone(),
        &keys,
        30,
        std::time::Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!((report.checkins, report.failures), (30, 0), "{report}");
    assert_eq!((report.one_ticket_each, report.grants), (30, 30), "{report}");
    assert!(report.pages >= 30, "every phone refreshed at least once: {report}");
    server.shutdown().await.unwrap();
}

/// Bets: open on a round, placed from the handbook, closed by the round's start (late bets refused
/// by the server), settled by its result: right bets earn one ticket, once, however often the result
/// is posted; the room's shares are public, who bet what is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bets_close_at_the_start_and_pay_right_picks_once() {
    let dir = tempfile::tempdir().unwrap();
    let venue = Venue::start(dir.path()).await;
    let (cookie, csrf) = venue.sign_in(TOKEN, false).await;
    assert_eq!(venue.import(&cookie, &csrf, PEOPLE_CSV).await.status(), StatusCode::SEE_OTHER);
    let opened = venue
        .http
        .post(venue.url("/console/game/bets/1/open"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let owned = venue;
    let venue = &owned;
    let bet = |id: &'static str, team: &'static str| {
        let code = venue.code(id);
        async move {
            venue
                .http
                .post(venue.url(&format!("/h/{code}/bet")))
                .form(&[("round", "1"), ("team", team)])
                .send()
                .await
                .unwrap()
        }
    };
    let flash_is_error = |answer: &reqwest::Response| set_cookie(answer, "vk_flash").is_some_and(|c| c.starts_with("vk_flash=error"));
    assert!(!flash_is_error(&bet("EXT-70001", "nebula").await));
    assert!(!flash_is_error(&bet("EXT-70002", "quasar").await));
    assert!(!flash_is_error(&bet("EXT-70003", "quasar").await));
    assert!(!flash_is_error(&bet("EXT-70003", "nebula").await), "a bet may change while open");
    assert!(flash_is_error(&bet("EXT-70004", "no-such-team").await));
    let page = venue
        .http
        .get(venue.url(&format!("/h/{}", venue.code("EXT-70001"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Change my bet"), "the page shows the pick");

    // The game screen starts round 1: bets close; a late one is refused by the server.
    let started = venue
        .http
        .post(venue.url("/api/v1/game/rounds/1/started"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::NO_CONTENT);
    assert!(flash_is_error(&bet("EXT-70004", "nebula").await), "late bets are refused");
    let a = venue.keys.attendee_id("EXT-70004");
    assert!(venue.server.store.bets_of(&a).await.unwrap().is_empty());

    // How the room bet: counts only.
    let shares: Value = venue
        .http
        .get(venue.url("/api/v1/game/bets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shares["rounds"][0]["bets"], json!({"nebula": 2, "quasar": 1}), "{shares}");
    let text = shares.to_string();
    for secret in secrets() {
        assert!(!text.contains(secret.as_str()));
    }
    // The game screens read the same counts from the game feed (contract 1.1), as the kiosk decodes it.
    let game = venue.http.get(venue.url("/api/v1/game")).send().await.unwrap();
    let etag_closed = game.headers()[reqwest::header::ETAG].to_str().unwrap().to_owned();
    let body = game.bytes().await.unwrap();
    let venue_contract::payload::FeedPayload::Game(game) =
        venue_contract::payload::decode(venue_contract::payload::Endpoint::Game, &body).unwrap()
    else {
        panic!("a game payload")
    };
    let round = game.bets.iter().find(|b| b.round == 1).expect("round 1's bets in the game feed");
    assert_eq!(round.state, venue_contract::wire::BetState::Closed);
    assert_eq!(round.bets.get("nebula"), Some(&2));
    assert_eq!(round.bets.get("quasar"), Some(&1));
    for secret in secrets() {
        assert!(!String::from_utf8_lossy(&body).contains(secret.as_str()));
    }

    // The result: nebula wins round 1. Posted twice (a retry): one ticket per right bet.
    let result = json!({"version": 1, "game_id": "g-1", "round": 1, "finished_at": "2026-12-03T15:00:00+09:00",
        "scores": [{"team_id": "nebula", "round_points": 900, "total_points": 900},
                   {"team_id": "quasar", "round_points": 400, "total_points": 400}]});
    for key in ["game-g-1-1-a", "game-g-1-1-a", "game-g-1-1-b"] {
        let posted = venue
            .http
            .post(venue.url("/api/v1/game/results"))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header("idempotency-key", key)
            .json(&result)
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_success(), "{}", posted.status());
    }
    let tickets = |id: &'static str| {
        let holder = venue.keys.holder(id);
        async move { venue.draw_tickets_of(&holder).await.len() }
    };
    assert_eq!(tickets("EXT-70001").await, 1, "right pick");
    assert_eq!(tickets("EXT-70003").await, 1, "right pick (changed to nebula in time)");
    assert_eq!(tickets("EXT-70002").await, 0, "wrong pick");
    assert_eq!(tickets("EXT-70004").await, 0, "no bet");
    let page = venue
        .http
        .get(venue.url(&format!("/h/{}", venue.code("EXT-70001"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Right!"), "the page says so");
    // Settling is a new game revision: the screens see the round settled.
    let game = venue.http.get(venue.url("/api/v1/game")).send().await.unwrap();
    assert_ne!(game.headers()[reqwest::header::ETAG].to_str().unwrap(), etag_closed);
    let game: Value = game.json().await.unwrap();
    assert_eq!(game["bets"][0]["state"], "settled", "{game}");
    // Settled rounds cannot be reopened.
    let reopened = venue
        .http
        .post(venue.url("/console/game/bets/1/open"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&reopened, "vk_flash").is_some_and(|c| c.starts_with("vk_flash=error")));
    owned.server.shutdown().await.unwrap();
}
