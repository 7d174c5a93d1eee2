//! `serve --tls-cert --tls-key`: the same API and console over HTTPS (rustls), trusted by a client
//! that is given the certificate (as a kiosk's `feed.ca_file` does) and by nobody else; the console's
//! cookies are Secure; a bad certificate path is a clear start-up error.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use venue_server::{ServerConfig, TlsFiles, db, spawn};

struct Certificate {
    _dir: tempfile::TempDir,
    files: TlsFiles,
    pem: String,
}

fn self_signed() -> Certificate {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let pem = certified.cert.pem();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, &pem).unwrap();
    std::fs::write(&files.key, certified.key_pair.serialize_pem()).unwrap();
    Certificate { _dir: dir, files, pem }
}

#[tokio::test]
async fn https_is_served_to_clients_that_trust_the_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certificate = self_signed();
    let dir = tempfile::tempdir().unwrap();
    let server = spawn(ServerConfig {
        seed_sample: true,
        tls: Some(certificate.files.clone()),
        ..ServerConfig::new(db::database_url(dir.path().join("tls.sqlite").to_str().unwrap()))
    })
    .await
    .unwrap();
    let base = server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(certificate.pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let event = trusting.get(format!("{base}/api/v1/event")).send().await.unwrap();
    assert_eq!(event.status(), StatusCode::OK);

    // A client that was not given the certificate refuses the connection.
    let stranger = reqwest::Client::new();
    let refused = stranger.get(format!("{base}/api/v1/event")).send().await;
    assert!(refused.is_err(), "an unknown self-signed certificate must not be trusted");

    // Plain HTTP on the HTTPS port gets nothing useful.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/api/v1/event", server.addr))
        .send()
        .await;
    assert!(plain.map(|r| r.status() != StatusCode::OK).unwrap_or(true));

    // Console cookies are Secure under TLS.
    let sign_in = trusting.get(format!("{base}/console/sign-in")).send().await.unwrap();
    let cookie = sign_in.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // Shutdown ends open change streams and returns.
    let mut stream = trusting.get(format!("{base}/api/v1/stream")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), server.shutdown())
        .await
        .expect("shutdown does not hang on an open stream")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(12));
    while let Ok(Some(_)) = stream.chunk().await {}
}

#[tokio::test]
async fn a_missing_certificate_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let failed = spawn(ServerConfig {
        tls: Some(TlsFiles {
            cert: dir.path().join("nope.pem"),
            key: dir.path().join("nope.key"),
        }),
        ..ServerConfig::new(db::database_url(dir.path().join("tls.sqlite").to_str().unwrap()))
    })
    .await;
    let error = format!("{:#}", failed.err().expect("no certificate, no server"));
    assert!(error.contains("read the TLS certificate") && error.contains("nope.pem"), "{error}");
}
