//! Helpers the server's test binaries share: cookies from answers, values from pages, PostgreSQL
//! test databases, and the fresh database each scenario runs on ([`TestDb`], [`scenarios!`]).
#![allow(dead_code)] // each test binary uses its own subset

use reqwest::header::SET_COOKIE;

/// The value (`name=value`) of cookie `name` an answer sets, unless it clears it.
pub fn set_cookie(answer: &reqwest::Response, name: &str) -> Option<String> {
    answer
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.starts_with(&format!("{name}=;")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The console session cookie an answer sets (not one that clears it).
pub fn session_cookie(answer: &reqwest::Response) -> Option<String> {
    set_cookie(answer, "vk_console")
}

pub fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn pg_admin(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin_url).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.unwrap();
}

/// A fresh database for one scenario, removed afterwards.
pub struct TestDb {
    pub url: String,
    pub _dir: Option<tempfile::TempDir>,
    /// (admin URL, database name) on PostgreSQL.
    pub postgres: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = venue_server::db::database_url(dir.path().join("venue.sqlite").to_str().unwrap());
        TestDb {
            url,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// `None` (the scenario is skipped) when `VENUE_KIOSK_TEST_PG` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var("VENUE_KIOSK_TEST_PG").ok().filter(|u| !u.is_empty())?;
        let name = format!("vk_test_{}_{}", std::process::id(), hex::encode(rand::random::<[u8; 6]>()));
        pg_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&admin_url).expect("VENUE_KIOSK_TEST_PG is a URL");
        url.set_path(&format!("/{name}"));
        Some(TestDb {
            url: url.to_string(),
            _dir: None,
            postgres: Some((admin_url, name)),
        })
    }

    pub async fn remove(self) {
        if let Some((admin_url, name)) = &self.postgres {
            pg_admin(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

/// Runs each scenario once per database kind, as `sqlite::name` and `postgres::name` (the latter
/// skipped without `VENUE_KIOSK_TEST_PG`). The scenarios take `&TestDb`.
#[allow(unused_macros)] // not every test binary has scenarios
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let db = super::TestDb::sqlite();
                    super::$name(&db).await;
                    db.remove().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres().await else {
                        eprintln!("VENUE_KIOSK_TEST_PG is not set: skipped");
                        return;
                    };
                    super::$name(&db).await;
                    db.remove().await;
                }
            )*
        }
    };
}
