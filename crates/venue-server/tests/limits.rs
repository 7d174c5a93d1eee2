//! A client on the venue network that sends half a request and stops (slowloris) is cut after the
//! header timeout; hundreds of them do not starve the kiosks; shutdown is bounded whatever the
//! clients do.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use venue_server::{HEADER_READ_TIMEOUT, SHUTDOWN_GRACE, ServerConfig, db, spawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn half_open_clients_are_cut_and_shutdown_is_bounded() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = spawn(ServerConfig {
        seed_sample: true,
        ..ServerConfig::new(db::database_url(dir.path().join("limits.sqlite").to_str().unwrap()))
    })
    .await
    .unwrap();

    // 300 sockets, each with half a request.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(b"GET /api/v1/schedule HTTP/1.1\r\nHost: venue\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(socket);
    }
    // A kiosk is still served, promptly.
    let started = Instant::now();
    let event = reqwest::get(format!("{}/api/v1/event", server.base_url())).await.unwrap();
    assert_eq!(event.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5), "served in {:?}", started.elapsed());

    // After the header timeout every half request has been cut (the read ends).
    tokio::time::sleep(HEADER_READ_TIMEOUT + Duration::from_secs(2)).await;
    let mut cut = 0;
    for socket in &mut slow {
        let mut buffer = [0u8; 256];
        // Closed (0 bytes), an error answer or a reset all end the read; a timeout means still open.
        if tokio::time::timeout(Duration::from_millis(200), socket.read(&mut buffer))
            .await
            .is_ok()
        {
            cut += 1;
        }
    }
    assert_eq!(cut, slow.len(), "every half-open client is cut after {HEADER_READ_TIMEOUT:?}");

    // New half-open clients do not hold shutdown up beyond the grace period.
    let mut more = Vec::new();
    for _ in 0..50 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(b"GET /api/v1/event HTTP/1.1\r\n").await.unwrap();
        more.push(socket);
    }
    let stream = reqwest::get(format!("{}/api/v1/stream", server.base_url())).await.unwrap();
    let stopping = Instant::now();
    server.shutdown().await.unwrap();
    assert!(
        stopping.elapsed() < SHUTDOWN_GRACE + Duration::from_secs(3),
        "shutdown took {:?}",
        stopping.elapsed()
    );
    drop((stream, more, slow));
}

/// `serve --max-connections`: a flood of idle sockets beyond the cap is closed at once, a kiosk whose
/// connection was open before is still served on it, and slots free up when the flood goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_beyond_the_cap_are_closed_and_kiosks_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn(ServerConfig {
        seed_sample: true,
        max_connections: 64,
        ..ServerConfig::new(db::database_url(dir.path().join("cap.sqlite").to_str().unwrap()))
    })
    .await
    .unwrap();
    let url = format!("{}/api/v1/event", server.base_url());
    // The kiosk polls on one kept-alive connection.
    let kiosk = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    assert_eq!(kiosk.get(&url).send().await.unwrap().status(), 200);

    // 300 idle sockets: 63 take the free slots, the rest are closed as soon as they are accepted.
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut closed = 0;
    for socket in &mut flood {
        let mut buffer = [0u8; 16];
        if tokio::time::timeout(Duration::from_millis(20), socket.read(&mut buffer))
            .await
            .is_ok()
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 300 - 63, "every connection beyond the cap of 64 is closed at once");

    // The kiosk's open connection is still served, promptly, again and again.
    for _ in 0..5 {
        let started = Instant::now();
        let answer = kiosk.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(2), "served in {:?}", started.elapsed());
    }
    // A new client finds no slot while the flood holds them.
    let refused = reqwest::Client::new().get(&url).send().await;
    assert!(refused.is_err(), "a connection beyond the cap is refused: {refused:?}");

    // The flood goes: its slots are free again.
    drop(flood);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fresh = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    server.shutdown().await.unwrap();
}
