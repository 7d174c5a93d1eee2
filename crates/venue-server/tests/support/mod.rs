//! Helpers the console and attendee tests share: cookies from answers, values from pages, and
//! PostgreSQL test databases.
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
