//! `venue-kiosk serve`: the event server the kiosks pull from (contract v1), with an admin write
//! API, durable storage in SQLite or PostgreSQL, result exports and a load benchmark.
//!
//! Depends on `venue-contract` for everything on the wire and never on Bevy or anything that draws:
//! `cargo test -p venue-server` builds no Bevy crate (CI checks it with `cargo tree`).

pub mod attendees;
pub mod auth;
pub mod bench;
pub mod bench_attendees;
pub mod casino;
pub mod conn_limit;
pub mod console;
pub mod db;
pub mod error;
pub mod export;
pub mod input;
pub mod routes;
pub mod schedule_source;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::http::HeaderValue;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use db::Store;

/// `venue-kiosk serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// SQLite file, `sqlite:` URL or `postgres://` URL [default: DATA_DIR/venue-kiosk/server.sqlite]
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Fill an empty database with the embedded sample event.
    #[arg(long)]
    pub sample: bool,
    /// File holding the admin token (else env VENUE_KIOSK_TOKEN, else the stored one; on first start one is generated and printed).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Replace the stored admin token with a new generated one, printed once.
    #[arg(long, conflicts_with = "token_file")]
    pub rotate_token: bool,
    /// Allow browser pages from this origin (repeatable), e.g. <https://admin.example.org>. CORS is off without it.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Mark console cookies Secure although this server speaks plain HTTP: a reverse proxy serves it over HTTPS.
    #[arg(long)]
    pub behind_https_proxy: bool,
    /// The key that seals attendees' personal data (created, mode 0600, when missing; every instance needs the same) [default: next to the SQLite file, else DATA_DIR/venue-kiosk/attendee.key]
    #[arg(long, value_name = "PATH")]
    pub attendee_key: Option<PathBuf>,
    /// At most this many connections at once (kiosks hold one or two each); more are closed at once, while those open are still served.
    #[arg(long, value_name = "N", default_value_t = conn_limit::DEFAULT_MAX_CONNECTIONS, value_parser = parse_max_connections)]
    pub max_connections: usize,
}

fn parse_max_connections(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err("a number of connections from 1 to 1000000".into()),
    }
}

/// The certificate chain and key `serve` speaks HTTPS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `venue-kiosk export`.
#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// SQLite file, `sqlite:` URL or `postgres://` URL [default: DATA_DIR/venue-kiosk/server.sqlite]
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
    /// Directory for winners.csv, winners.json, game_results.csv and game_results.json.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// `venue-kiosk bench-server`.
#[derive(clap::Args, Debug, Clone)]
pub struct LoadBenchArgs {
    /// Base URL of a running server on this machine (loopback only); default: start one with the sample event on a temporary SQLite file.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Concurrent pollers.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(1..=5000))]
    pub concurrency: u16,
    /// Duration of the run in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub seconds: u64,
    /// Send If-None-Match like a kiosk that already has the schedule (measures 304 answers).
    #[arg(long)]
    pub conditional: bool,
    /// Measure push instead: `--concurrency` kiosks follow GET /api/v1/stream; for each of `--messages`
    /// broadcasts, the time from its POST to each kiosk's fetch of it (the bench's own server only).
    #[arg(long, conflicts_with_all = ["url", "conditional"])]
    pub push: bool,
    /// Broadcasts posted one after another with `--push`.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub messages: u16,
    /// Measure attendees instead: N check in at the entrance spread over `--seconds` while each one's
    /// handbook page refreshes every `--seconds`/20 (a show's 10 minutes and 30 s at `--seconds 600`).
    #[arg(long, value_name = "N", conflicts_with_all = ["url", "conditional", "push"], value_parser = clap::value_parser!(u32).range(1..=20000))]
    pub attendees: Option<u32>,
    /// With `--attendees`: run on this PostgreSQL server instead of a temporary SQLite file (an admin
    /// URL; the bench creates a scratch database there and drops it afterwards).
    #[arg(long, value_name = "URL", requires = "attendees")]
    pub postgres: Option<String>,
}

/// A client must send a request's headers within this long (slowloris), also its first request.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Shutdown waits this long for requests in flight, then cuts what is left.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Turns true when the server is stopping: open change streams end, so shutdown is not held up.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Console cookies carry `Secure` (served over TLS).
    pub secure_cookies: bool,
    /// Seals attendees' personal data; `None` when the server has no key (attendee imports are refused).
    pub keys: Option<Arc<attendees::AttendeeKeys>>,
}

/// Everything [`spawn`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Database URL (see [`db::database_url`] for turning a file path into one).
    pub db_url: String,
    pub listen: SocketAddr,
    /// The admin token to use (its hash replaces the stored one); `None` keeps the stored token or
    /// generates one on first start.
    pub admin_token: Option<String>,
    pub rotate_token: bool,
    pub seed_sample: bool,
    pub cors_origins: Vec<String>,
    /// HTTPS instead of HTTP.
    pub tls: Option<TlsFiles>,
    /// Console cookies carry `Secure` (always under `tls`).
    pub secure_cookies: bool,
    /// The attendee key file; `None`: next to an SQLite file, none on PostgreSQL.
    pub attendee_key: Option<PathBuf>,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
}

impl ServerConfig {
    /// On 127.0.0.1 with a free port, no sample, no CORS.
    pub fn new(db_url: impl Into<String>) -> ServerConfig {
        ServerConfig {
            db_url: db_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: None,
            rotate_token: false,
            seed_sample: false,
            cors_origins: Vec::new(),
            tls: None,
            secure_cookies: false,
            attendee_key: None,
            max_connections: conn_limit::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// A server started by [`spawn`].
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    /// Speaks HTTPS.
    pub https: bool,
    /// The admin token, when this start generated it (first start or rotation); show it once.
    pub generated_token: Option<String>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stop accepting connections, let requests in flight finish (their writes are committed before
    /// they answer), then close the database. Dropping a `RunningServer` starts the same shutdown.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.context("server task panicked")?.context("server failed")
    }
}

/// Open the database, apply migrations, settle the admin token, seed the sample if asked, and
/// serve on `config.listen` until shut down.
pub async fn spawn(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let cors_origins = config
        .cors_origins
        .iter()
        .map(|origin| {
            let parsed = url::Url::parse(origin).with_context(|| format!("--cors-origin {origin}"))?;
            let serialized = parsed.origin().ascii_serialization();
            anyhow::ensure!(parsed.origin().is_tuple(), "--cors-origin {origin} is not an http(s) origin");
            HeaderValue::from_str(&serialized).with_context(|| format!("--cors-origin {origin}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Read the certificate before touching the database, so a bad path fails fast and clearly.
    let tls = match &config.tls {
        Some(files) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .with_context(|| format!("read the TLS certificate {} and key {}", files.cert.display(), files.key.display()))?,
            )
        }
        None => None,
    };
    let key_path = config
        .attendee_key
        .clone()
        .or_else(|| db::sqlite_file(&config.db_url).map(|file| attendee_key_beside(&file)));
    let keys = match &key_path {
        Some(path) => Some(Arc::new(attendees::AttendeeKeys::load_or_create(path)?)),
        None => None,
    };
    let store = Arc::new(Store::connect(&config.db_url).await?);
    if let Some(keys) = &keys {
        match store.setting(attendees::KEY_CHECK_SETTING).await? {
            Some(check) if !keys.matches(&check) => anyhow::bail!(
                "the attendee key {} is not the key this database's attendees were sealed with; use that key file",
                key_path.as_deref().unwrap_or(std::path::Path::new("?")).display()
            ),
            Some(_) => {}
            None => store.set_setting(attendees::KEY_CHECK_SETTING, Some(&keys.key_check())).await?,
        }
    }
    let generated_token = auth::ensure_admin_token(&store, config.admin_token.as_deref(), config.rotate_token).await?;
    if config.seed_sample && store.seed_sample_if_empty().await? {
        tracing::info!("the empty database was filled with the embedded sample event");
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let app = routes::router(
        AppState {
            store: store.clone(),
            closing,
            secure_cookies: config.secure_cookies || tls.is_some(),
            keys,
        },
        cors_origins,
    );
    let store_handle = store.clone();
    let (listening_tx, listening_rx) = oneshot::channel();
    let listening = tokio::spawn(store.clone().listen_for_changes(config.db_url.clone(), listening_tx));
    // Serve once other instances' changes are heard (or go on without push after a while: polling
    // still works, and the listener keeps trying).
    if tokio::time::timeout(std::time::Duration::from_secs(10), listening_rx)
        .await
        .is_err()
    {
        tracing::warn!("change notifications are not available yet; kiosks poll until they are");
    }
    let pulling = tokio::spawn(schedule_source::pull_loop(store.clone(), schedule_source::PULL_EVERY));
    let (shutdown, stop) = oneshot::channel::<()>();
    let https = tls.is_some();
    let max_connections = config.max_connections.max(1);
    let task = tokio::spawn(async move {
        // One server for HTTP and HTTPS (axum-server over hyper), so both get the same limits:
        // a client that sends half a request is cut after HEADER_READ_TIMEOUT, and shutdown waits
        // at most SHUTDOWN_GRACE for requests in flight, whatever the clients do.
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        tokio::spawn(async move {
            let _ = stop.await;
            let _ = closing_tx.send(true);
            stopping.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        let make = app.into_make_service_with_connect_info::<SocketAddr>();
        let served = match listener.into_std().and_then(axum_server::from_tcp) {
            Ok(mut server) => {
                server.http_builder().http1().header_read_timeout(HEADER_READ_TIMEOUT);
                let server = server.first_request_timeout(HEADER_READ_TIMEOUT).handle(handle);
                // The connection cap comes first: a refused connection never starts a TLS handshake.
                match tls {
                    None => {
                        let acceptor = conn_limit::LimitAcceptor::new(axum_server::accept::DefaultAcceptor::new(), max_connections);
                        server.acceptor(acceptor).serve(make).await
                    }
                    Some(tls) => {
                        let acceptor = conn_limit::LimitAcceptor::new(axum_server::tls_rustls::RustlsAcceptor::new(tls), max_connections);
                        server.acceptor(acceptor).serve(make).await
                    }
                }
            }
            Err(e) => Err(e),
        };
        listening.abort();
        pulling.abort();
        store.close().await;
        served
    });
    Ok(RunningServer {
        addr,
        store: store_handle,
        https,
        generated_token,
        shutdown,
        task,
    })
}

/// `venue.sqlite` → `venue.sqlite.admin-token`, in the same directory.
fn admin_token_beside(db_file: &std::path::Path) -> PathBuf {
    let mut name = db_file.file_name().unwrap_or_default().to_os_string();
    name.push(".admin-token");
    db_file.with_file_name(name)
}

/// The line that tells the organisers a generated admin token: the token itself on a terminal; else
/// the token is written to `file` (mode 600, replaced on rotation) and the line names the file, so
/// that the token never lands in a persisted log (journald keeps a service's stdout).
fn announce_generated_token(token: &str, stdout_is_terminal: bool, file: &std::path::Path) -> anyhow::Result<String> {
    if stdout_is_terminal {
        return Ok(format!("Admin token (shown once, only its hash is stored): {token}"));
    }
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let _ = std::fs::remove_file(file);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut out = options
        .open(file)
        .with_context(|| format!("write the admin token to {}", file.display()))?;
    writeln!(out, "{token}")?;
    out.sync_all()?;
    Ok(format!(
        "Admin token generated (only its hash is stored): written to {} (mode 600), not to this output, which may be a log. \
         Use it with --token-file, or read it and delete the file.",
        file.display()
    ))
}

/// `venue.sqlite` → `venue.sqlite.attendee.key`, in the same directory.
fn attendee_key_beside(db_file: &std::path::Path) -> PathBuf {
    let mut name = db_file.file_name().unwrap_or_default().to_os_string();
    name.push(".attendee.key");
    db_file.with_file_name(name)
}

/// Log to stderr (stdout is kept for the token and reports); `RUST_LOG` overrides the level.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The token from `--token-file`, else from `VENUE_KIOSK_TOKEN`.
fn configured_token(args: &ServeArgs) -> anyhow::Result<Option<String>> {
    if let Some(path) = &args.token_file {
        return auth::read_token_file(path).map(Some);
    }
    match std::env::var(auth::TOKEN_ENV) {
        Ok(token) if !token.trim().is_empty() => {
            let token = token.trim().to_string();
            auth::check_token_text(&token).with_context(|| auth::TOKEN_ENV)?;
            Ok(Some(token))
        }
        _ => Ok(None),
    }
}

/// `--rotate-token` with a token from the environment would silently keep the old one: refuse it.
fn check_rotation(rotate: bool, configured: Option<&str>) -> anyhow::Result<()> {
    if rotate && configured.is_some() {
        anyhow::bail!(
            "--rotate-token makes a new admin token, but {} gives one: unset it (or change the token there instead)",
            auth::TOKEN_ENV
        );
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// `venue-kiosk serve`: runs until Ctrl-C or SIGTERM.
pub fn run_serve(args: &ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let admin_token = configured_token(args)?;
        check_rotation(args.rotate_token, admin_token.as_deref())?;
        let db_url = db::resolve_db(args.db.as_deref())?;
        let server = spawn(ServerConfig {
            db_url: db_url.clone(),
            listen: args.listen,
            admin_token,
            rotate_token: args.rotate_token,
            seed_sample: args.sample,
            cors_origins: args.cors_origins.clone(),
            tls: args
                .tls_cert
                .clone()
                .zip(args.tls_key.clone())
                .map(|(cert, key)| TlsFiles { cert, key }),
            secure_cookies: args.behind_https_proxy,
            attendee_key: match &args.attendee_key {
                Some(path) => Some(path.clone()),
                None => match db::sqlite_file(&db_url) {
                    Some(file) => Some(attendee_key_beside(&file)),
                    None => Some(db::default_sqlite_path()?.with_file_name("attendee.key")),
                },
            },
            max_connections: args.max_connections,
        })
        .await?;
        let base = server.base_url();
        tracing::info!(db = %db::describe_url(&db_url), "serving contract v1 on {base}");
        if let Some(token) = &server.generated_token {
            // Once, and never into a log that persists: on a terminal it is shown; when stdout goes
            // elsewhere (systemd's journal, a log file) it goes to a file only its owner may read.
            let file = match db::sqlite_file(&db_url) {
                Some(file) => admin_token_beside(&file),
                None => db::default_sqlite_path()?.with_file_name("admin-token"),
            };
            println!(
                "{}",
                announce_generated_token(token, std::io::IsTerminal::is_terminal(&std::io::stdout()), &file)?
            );
            println!(
                "Writes need `Authorization: Bearer <token>`; keep it in a file for --token-file, or use --rotate-token to replace it."
            );
        }
        let code = console::issue_sign_in_link(&server.store).await?;
        println!(
            "Console: {base}/console (one-time sign-in link, {} minutes: {base}/console/link/{code})",
            console::session::LINK_S / 60,
        );
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        server.shutdown().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// `venue-kiosk export`: winners and game results as CSV and JSON.
pub fn run_export(args: &ExportArgs) -> anyhow::Result<()> {
    init_logging();
    let db_url = match &args.db {
        Some(db) => db::database_url(db),
        None => db::database_url(
            db::default_sqlite_path()?
                .to_str()
                .context("the data directory path is not UTF-8")?,
        ),
    };
    if let Some(file) = db::sqlite_file(&db_url) {
        anyhow::ensure!(file.exists(), "no database at {}", file.display());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // Read-only: an export never migrates or writes, so it works on a copy the user may only read.
        let store = Store::open_read_only(&db_url).await?;
        let written = export::write_exports(&store, &args.out).await;
        store.close().await;
        for path in written? {
            println!("{}", path.display());
        }
        Ok(())
    })
}

/// `venue-kiosk bench-server`: prints requests/s and latency percentiles of GET /api/v1/schedule.
pub fn run_load_bench(args: &LoadBenchArgs) -> anyhow::Result<()> {
    if args.push {
        println!("{}", bench::run_push_bench(args)?);
        return Ok(());
    }
    if let Some(attendees) = args.attendees {
        println!("{}", bench_attendees::run_attendee_bench(args, attendees)?);
        return Ok(());
    }
    let report = bench::run_load_bench(args)?;
    println!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotating_while_the_environment_gives_a_token_is_refused() {
        assert!(check_rotation(true, Some("0123456789abcdef0123")).is_err());
        assert!(check_rotation(true, None).is_ok());
        assert!(check_rotation(false, Some("0123456789abcdef0123")).is_ok());
    }

    /// Issue #18: a generated token never goes to an output that may be a persisted log.
    #[cfg(unix)]
    #[test]
    fn a_generated_token_goes_to_a_private_file_when_stdout_is_not_a_terminal() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("venue.sqlite.admin-token");
        let token = "f00dfeed0123456789abcdef0123456789";
        let line = announce_generated_token(token, false, &file).unwrap();
        assert!(!line.contains(token), "{line}");
        assert!(line.contains(file.to_str().unwrap()), "{line}");
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        // A rotation replaces it; the file can be used as --token-file as it is.
        announce_generated_token("another-token-0123456789", false, &file).unwrap();
        assert_eq!(auth::read_token_file(&file).unwrap(), "another-token-0123456789");
        assert!(
            announce_generated_token(token, true, &file).unwrap().contains(token),
            "a terminal shows it"
        );
    }

    #[test]
    fn the_attendee_key_sits_beside_the_database() {
        assert_eq!(
            attendee_key_beside(std::path::Path::new("/var/lib/vk/venue.sqlite")),
            PathBuf::from("/var/lib/vk/venue.sqlite.attendee.key")
        );
    }
}
