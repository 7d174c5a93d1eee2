//! The one way the kiosk makes an HTTP client towards its event server (and for photos): rustls
//! with our ring provider, our user agent, and the certificates of `feed.ca_file` trusted besides
//! the system's roots. Every client — pollers, change stream, outbox, heartbeats, screenshots,
//! broadcasts, prize edits, photo downloads — starts from [`client_builder`].

use crate::config::trust::TrustedCerts;

/// What the kiosk says it is in every request.
pub const USER_AGENT: &str = concat!("venue-kiosk/", env!("CARGO_PKG_VERSION"));

/// A client builder with the crypto provider installed, the user agent set and `trusted` added to
/// the roots; the caller sets its timeouts. Certificates were checked when the config loaded, so
/// one failing here is dropped with a warning rather than stopping a worker.
pub fn client_builder(trusted: &TrustedCerts) -> reqwest::ClientBuilder {
    // reqwest is built without a bundled crypto provider; ring is ours. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let roots: Vec<reqwest::Certificate> = trusted
        .ders()
        .filter_map(|der| {
            reqwest::Certificate::from_der(der)
                .inspect_err(|e| tracing::warn!("feed.ca_file: a certificate is not usable: {e}"))
                .ok()
        })
        .collect();
    let builder = reqwest::Client::builder().user_agent(USER_AGENT);
    // Merged with the system's roots: photos and schedules may also come from public https sites.
    if roots.is_empty() {
        builder
    } else {
        builder.tls_certs_merge(roots)
    }
}
