//! Photos decoded off the main thread with size limits. A broken or oversized image becomes an
//! error entry (the screen shows a placeholder and the log says why); nothing stalls a frame.
//! Sources: bytes compiled in or handed over, a file, or an http(s) URL. Files and URLs are read
//! on a thread of their own (a slow disk or server never holds up a task pool shared with the
//! draw), at most [`MAX_CONCURRENT_READS`] at once, with a byte cap and, for URLs, a timeout and
//! few same-host redirects; downloads trust what the feed's clients trust (`feed.ca_file`), so
//! photos stored on an HTTPS event server load too.
//!
//! A photo costs what the screen shows of it: the worker decodes, downscales to the largest side
//! the screen asked for and converts to the texture format, so a 8192×8192 upload becomes a
//! texture of the box it fills. Each photo belongs to the screens that asked for it; a screen says
//! which it still uses ([`ImageStore::keep_only`]) and the others are released.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};
use crossbeam_channel::Receiver;
use venue_contract::photo::PhotoSource;

use crate::config::Config;
use crate::config::source::SourceSpec;
use crate::config::trust::TrustedCerts;
use crate::feed::http::client_builder;

/// Largest encoded image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
/// Largest decoded image accepted, per side, in pixels (guards against decompression bombs).
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// How long a photo download may take in all.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Files and downloads read at once; the rest wait their turn (a prize list of 40 photos must not
/// open 40 connections on the venue Wi-Fi, nor hold 40 decoded photos in memory at once).
pub const MAX_CONCURRENT_READS: usize = 2;
/// Redirects a photo download follows, all on the URL's own host.
pub const MAX_REDIRECTS: usize = 3;

/// What a worker hands back: a texture ready to upload, or why not.
type Decoded = Result<Image, String>;

/// A decode in flight: on the compute pool (bytes) or on a thread of its own (file, URL).
enum Pending {
    Task(Task<Decoded>),
    Thread(Receiver<Decoded>),
}

impl Pending {
    fn poll(&mut self) -> Option<Decoded> {
        match self {
            Pending::Task(task) => check_ready(task),
            Pending::Thread(rx) => match rx.try_recv() {
                Ok(result) => Some(result),
                Err(crossbeam_channel::TryRecvError::Empty) => None,
                Err(crossbeam_channel::TryRecvError::Disconnected) => Some(Err("the image reader stopped".into())),
            },
        }
    }

    fn is_thread(&self) -> bool {
        matches!(self, Pending::Thread(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageEntry {
    Loading,
    Ready(Handle<Image>),
    Failed(String),
}

/// A photo and the screens that use it (a screen's name, e.g. `"draw"`).
struct Stored {
    entry: ImageEntry,
    owners: BTreeSet<&'static str>,
}

/// A file or download waiting for one of the [`MAX_CONCURRENT_READS`] readers.
type Read = Box<dyn FnOnce() -> Decoded + Send + Sync + 'static>;

#[derive(Resource, Default)]
pub struct ImageStore {
    entries: HashMap<String, Stored>,
    tasks: Vec<(String, Pending)>,
    waiting: VecDeque<(String, Read)>,
    /// What downloads trust besides the system's roots (`feed.ca_file`).
    trusted: TrustedCerts,
}

impl ImageStore {
    /// Decode `bytes` in the background under `key` for `owner`, at most `max_side` pixels a side,
    /// unless it is already known.
    pub fn request_bytes(&mut self, owner: &'static str, key: &str, bytes: &'static [u8], max_side: u32) {
        if self.start(owner, key) {
            let task = AsyncComputeTaskPool::get().spawn(async move { decode_to_texture(bytes, max_side) });
            self.tasks.push((key.to_string(), Pending::Task(task)));
        }
    }

    /// Decode bytes the caller owns, like [`Self::request_bytes`].
    pub fn request_owned(&mut self, owner: &'static str, key: &str, bytes: Vec<u8>, max_side: u32) {
        if self.start(owner, key) {
            let task = AsyncComputeTaskPool::get().spawn(async move { decode_to_texture(&bytes, max_side) });
            self.tasks.push((key.to_string(), Pending::Task(task)));
        }
    }

    /// Read a file (at most [`MAX_IMAGE_BYTES`]) and decode it on a reader thread.
    pub fn request_path(&mut self, owner: &'static str, key: &str, path: PathBuf, max_side: u32) {
        self.on_thread(owner, key, move || {
            let bytes = crate::shell::storage::read_limited(&path, MAX_IMAGE_BYTES as u64)?;
            decode_to_texture(&bytes, max_side)
        });
    }

    /// Download (timeout [`FETCH_TIMEOUT`], at most [`MAX_IMAGE_BYTES`]) and decode on a reader thread.
    pub fn request_url(&mut self, owner: &'static str, key: &str, url: url::Url, max_side: u32) {
        let trusted = self.trusted.clone();
        self.on_thread(owner, key, move || {
            decode_to_texture(&fetch_limited(&url, FETCH_TIMEOUT, MAX_IMAGE_BYTES, &trusted)?, max_side)
        });
    }

    /// Load a photo reference from the local configuration (URL, `file://` or path; relative paths
    /// against `base_dir`). Returns false, loading nothing, when `photo` points nowhere usable.
    pub fn request_photo(&mut self, owner: &'static str, photo: &str, base_dir: Option<&Path>, max_side: u32) -> bool {
        self.request_source(owner, photo, venue_contract::photo::photo_source(photo, base_dir), max_side)
    }

    /// Load a prize photo from the feed `source`: a path relative to a file source's folder, or
    /// with an event server an http(s) URL or a path on it (`/api/v1/images/…`, uploaded in its
    /// console) — never a file on this machine. Returns false, loading nothing, when `photo`
    /// points nowhere usable.
    pub fn request_feed_photo(&mut self, owner: &'static str, photo: &str, source: &SourceSpec, max_side: u32) -> bool {
        let (server, base_dir) = match source {
            SourceSpec::Http(base) => (Some(base), None),
            SourceSpec::Dir(dir) => (None, Some(dir.as_path())),
            SourceSpec::Sample => (None, None),
        };
        self.request_source(
            owner,
            photo,
            venue_contract::photo::feed_photo_source(photo, server, base_dir),
            max_side,
        )
    }

    fn request_source(&mut self, owner: &'static str, key: &str, source: Option<PhotoSource>, max_side: u32) -> bool {
        match source {
            Some(PhotoSource::Url(url)) => self.request_url(owner, key, url, max_side),
            Some(PhotoSource::File(path)) => self.request_path(owner, key, path, max_side),
            None => return false,
        }
        true
    }

    /// Trust these certificates for downloads besides the system's roots (`feed.ca_file`).
    pub fn trust(&mut self, trusted: TrustedCerts) {
        self.trusted = trusted;
    }

    /// Forget a finished entry (a failed photo, to try it again); one still loading is kept.
    pub fn forget(&mut self, key: &str) {
        if !matches!(self.get(key), Some(ImageEntry::Loading)) {
            self.entries.remove(key);
        }
    }

    /// `owner` uses only the photos in `keep` now: it lets go of the others, and a photo no screen
    /// uses is released (its texture is freed once nothing shows it; one still being read is
    /// dropped when it arrives).
    pub fn keep_only<'a>(&mut self, owner: &'static str, keep: impl IntoIterator<Item = &'a str>) {
        let keep: BTreeSet<&str> = keep.into_iter().collect();
        self.entries.retain(|key, stored| {
            if !keep.contains(key.as_str()) {
                stored.owners.remove(owner);
            }
            !stored.owners.is_empty()
        });
        let entries = &self.entries;
        self.waiting.retain(|(key, _)| entries.contains_key(key));
    }

    /// Photos held (loading, ready or failed).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Files and downloads being read now (never more than [`MAX_CONCURRENT_READS`]).
    pub fn reading(&self) -> usize {
        self.tasks.iter().filter(|(_, pending)| pending.is_thread()).count()
    }

    fn start(&mut self, owner: &'static str, key: &str) -> bool {
        if let Some(stored) = self.entries.get_mut(key) {
            stored.owners.insert(owner);
            return false;
        }
        self.entries.insert(
            key.to_string(),
            Stored {
                entry: ImageEntry::Loading,
                owners: BTreeSet::from([owner]),
            },
        );
        true
    }

    fn on_thread(&mut self, owner: &'static str, key: &str, work: impl FnOnce() -> Decoded + Send + Sync + 'static) {
        if self.start(owner, key) {
            self.waiting.push_back((key.to_string(), Box::new(work)));
            self.start_reads();
        }
    }

    /// Starts waiting reads while fewer than [`MAX_CONCURRENT_READS`] run.
    fn start_reads(&mut self) {
        while self.reading() < MAX_CONCURRENT_READS {
            let Some((key, work)) = self.waiting.pop_front() else { return };
            let (tx, rx) = crossbeam_channel::bounded(1);
            let spawned = std::thread::Builder::new().name("photo".into()).spawn(move || {
                let _ = tx.send(work());
            });
            match spawned {
                Ok(_) => self.tasks.push((key, Pending::Thread(rx))),
                Err(e) => self.set(&key, ImageEntry::Failed(format!("cannot start a reader: {e}"))),
            }
        }
    }

    fn set(&mut self, key: &str, entry: ImageEntry) {
        // A photo released while it was read is not stored again.
        if let Some(stored) = self.entries.get_mut(key) {
            stored.entry = entry;
        }
    }

    pub fn get(&self, key: &str) -> Option<&ImageEntry> {
        self.entries.get(key).map(|stored| &stored.entry)
    }

    /// Images still decoding or waiting to be read (screenshots wait for zero).
    pub fn pending(&self) -> usize {
        self.tasks.len() + self.waiting.len()
    }
}

/// Decode with limits on bytes and dimensions; pure, so it is tested without Bevy.
pub fn decode_limited(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!("image of {} bytes is over the {MAX_IMAGE_BYTES}-byte limit", bytes.len()));
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read image: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    // A decoder that panics on hostile bytes is a broken photo, not a reason to restart the kiosk.
    crate::shell::panic::guarded(|| reader.decode())
        .map_err(|panic| format!("the image decoder failed: {panic}"))?
        .map_err(|e| format!("cannot decode image: {e}"))
}

/// `image` scaled down (never up) so that neither side exceeds `max_side`, keeping its shape.
pub fn fit_within(image: image::DynamicImage, max_side: u32) -> image::DynamicImage {
    let max_side = max_side.max(1);
    if image.width() <= max_side && image.height() <= max_side {
        image
    } else {
        // Triangle filtering: smooth enough for a photo, and quick on a 2-core venue PC.
        image.resize(max_side, max_side, image::imageops::FilterType::Triangle)
    }
}

/// Everything a photo needs before the main thread sees it: decoded within limits, scaled to the
/// size the screen shows and converted to the texture format. Runs on a worker.
pub fn decode_to_texture(bytes: &[u8], max_side: u32) -> Decoded {
    let image = fit_within(decode_limited(bytes)?, max_side);
    Ok(Image::from_dynamic(image, true, RenderAssetUsages::RENDER_WORLD))
}

/// Whether a photo download may follow a redirect from `first` (the URL asked for) to `next`
/// after `hops` earlier ones: only on the same host and port, over http(s), at most
/// [`MAX_REDIRECTS`] times (a photo URL that bounces to another host could point the kiosk at
/// anything on the venue network).
pub fn redirect_allowed(first: &url::Url, next: &url::Url, hops: usize) -> Result<(), String> {
    if hops >= MAX_REDIRECTS {
        return Err(format!("more than {MAX_REDIRECTS} redirects"));
    }
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!("a redirect to a {} URL", next.scheme()));
    }
    if first.scheme() == "https" && next.scheme() == "http" {
        return Err("a redirect from https to plain http".into());
    }
    let same_port = next.port_or_known_default() == first.port_or_known_default();
    let upgrade = first.scheme() == "http" && next.scheme() == "https";
    if next.host_str() != first.host_str() || !(same_port || upgrade) {
        return Err(format!("a redirect to another host ({})", next.host_str().unwrap_or("none")));
    }
    Ok(())
}

/// GET `url` with a timeout, refusing a non-2xx answer or a body over `max_bytes` (checked on the
/// announced length and again while reading), following at most [`MAX_REDIRECTS`] same-host
/// redirects, trusting `trusted` besides the system's roots. Blocking: call it from a thread of
/// its own.
pub fn fetch_limited(url: &url::Url, timeout: Duration, max_bytes: usize, trusted: &TrustedCerts) -> Result<Vec<u8>, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().cloned();
        let hops = attempt.previous().len().saturating_sub(1);
        match first.map(|first| redirect_allowed(&first, attempt.url(), hops)) {
            Some(Err(why)) => attempt.error(why),
            _ => attempt.follow(),
        }
    });
    runtime.block_on(async {
        let client = client_builder(trusted)
            .redirect(redirects)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("cannot download the photo: {}", error_chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the photo URL answered HTTP {}", status.as_u16()));
        }
        if let Some(length) = response.content_length()
            && length > max_bytes as u64
        {
            return Err(format!("the photo is {length} bytes, over the {max_bytes}-byte limit"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("download cut: {e}"))? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(format!("the photo is over the {max_bytes}-byte limit"));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    })
}

/// An error with its causes, e.g. "error following redirect: a redirect to another host (evil)".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

pub fn plugin(app: &mut App) {
    let mut store = ImageStore::default();
    if let Some(config) = app.world().get_resource::<Config>() {
        store.trust(config.feed.trusted.clone());
    }
    app.insert_resource(store).add_systems(PreUpdate, finish_decodes);
}

fn finish_decodes(mut store: ResMut<ImageStore>, mut images: ResMut<Assets<Image>>) {
    if store.tasks.is_empty() {
        return;
    }
    let store = &mut *store;
    let mut i = 0;
    while i < store.tasks.len() {
        if let Some(result) = store.tasks[i].1.poll() {
            let (key, _) = store.tasks.swap_remove(i);
            if store.get(&key).is_none() {
                continue; // released while it was read: nobody shows it
            }
            let entry = match result {
                Ok(texture) => ImageEntry::Ready(images.add(texture)),
                Err(error) => {
                    warn!("image `{key}`: {error}; showing a placeholder");
                    ImageEntry::Failed(error)
                }
            };
            store.set(&key, entry);
        } else {
            i += 1;
        }
    }
    store.start_reads();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_sample_photos() {
        let img = decode_limited(include_bytes!("../../../venue-contract/sample/prizes/drone.jpg")).unwrap();
        assert_eq!((img.width(), img.height()), (640, 480));
    }

    #[test]
    fn broken_and_truncated_images_are_errors() {
        assert!(decode_limited(b"definitely not an image").is_err());
        let jpg = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg");
        assert!(decode_limited(&jpg[..64]).is_err(), "a header alone is not an image");
        // The JPEG decoder pads a body cut short with grey: no panic, a (partial) picture.
        let partial = decode_limited(&jpg[..jpg.len() / 3]).expect("partial JPEG decodes");
        assert_eq!(partial.width(), 640);
    }

    #[test]
    fn giant_dimensions_are_refused_before_allocation() {
        // A PNG header claiming 100000 x 100000 pixels.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(b"IHDR");
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        let err = decode_limited(&png).unwrap_err();
        assert!(
            err.contains("limit") || err.contains("Limit") || err.contains("dimensions"),
            "{err}"
        );
    }

    /// A one-shot HTTP server answering every connection with `head` and `body`.
    fn serve(head: String, body: Vec<u8>) -> url::Url {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!("http://{}/photo.jpg", listener.local_addr().unwrap())).unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                let mut stream = stream.unwrap();
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        url
    }

    #[test]
    fn downloads_are_capped_and_checked() {
        let jpg = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg").to_vec();
        let ok = serve(
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", jpg.len()),
            jpg.clone(),
        );
        let bytes = fetch_limited(&ok, Duration::from_secs(10), MAX_IMAGE_BYTES, &TrustedCerts::default()).unwrap();
        assert_eq!(decode_limited(&bytes).unwrap().width(), 640);
        let err = fetch_limited(&ok, Duration::from_secs(10), 1000, &TrustedCerts::default()).unwrap_err();
        assert!(err.contains("1000-byte limit"), "{err}");
        // No length announced: the cap holds while reading.
        let unannounced = serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".into(), jpg);
        let err = fetch_limited(&unannounced, Duration::from_secs(10), 1000, &TrustedCerts::default()).unwrap_err();
        assert!(err.contains("limit"), "{err}");
        let missing = serve("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into(), Vec::new());
        assert!(
            fetch_limited(&missing, Duration::from_secs(10), 1000, &TrustedCerts::default())
                .unwrap_err()
                .contains("HTTP 404")
        );
        // A server that never answers: the timeout ends it.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!("http://{}/x.jpg", silent.local_addr().unwrap())).unwrap();
        let started = std::time::Instant::now();
        assert!(fetch_limited(&url, Duration::from_millis(500), 1000, &TrustedCerts::default()).is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            fetch_limited(
                &url::Url::parse("ftp://x/y.jpg").unwrap(),
                Duration::from_secs(1),
                10,
                &TrustedCerts::default()
            )
            .is_err()
        );
    }

    /// A PNG of `side`×`side` pixels of one colour: tiny on disk, huge decoded.
    fn flat_png(side: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(side, side, image::Rgba([200, 40, 90, 255]));
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgba8(image)
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn a_giant_flat_png_costs_only_its_on_screen_size() {
        let png = flat_png(8192);
        assert!(png.len() < MAX_IMAGE_BYTES, "{} bytes on disk", png.len());
        let texture = decode_to_texture(&png, 1200).unwrap();
        assert_eq!((texture.width(), texture.height()), (1200, 1200));
        let bytes = texture.data.as_ref().map_or(0, Vec::len);
        assert_eq!(bytes, 1200 * 1200 * 4, "RGBA8 of the box it fills, not 8192² (256 MiB)");
        // A photo smaller than the box is kept as it is (never scaled up), shape kept when scaled.
        let jpg = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg");
        let small = decode_to_texture(jpg, 1200).unwrap();
        assert_eq!((small.width(), small.height()), (640, 480));
        let scaled = decode_to_texture(jpg, 320).unwrap();
        assert_eq!((scaled.width(), scaled.height()), (320, 240));
    }

    #[test]
    fn redirects_stay_on_the_host_and_are_few() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let first = u("http://venue.example/p.jpg");
        assert!(redirect_allowed(&first, &u("http://venue.example/q.jpg"), 0).is_ok());
        assert!(
            redirect_allowed(&first, &u("https://venue.example/q.jpg"), 1).is_ok(),
            "upgrade to https"
        );
        assert!(redirect_allowed(&first, &u("http://venue.example/q.jpg"), MAX_REDIRECTS).is_err());
        for bad in [
            "http://192.168.1.1/admin",
            "http://venue.example.evil/p.jpg",
            "http://venue.example:8080/p.jpg",
            "file:///etc/passwd",
            "ftp://venue.example/p.jpg",
        ] {
            assert!(redirect_allowed(&first, &u(bad), 0).is_err(), "{bad}");
        }
        let secure = u("https://venue.example/p.jpg");
        assert!(
            redirect_allowed(&secure, &u("http://venue.example/p.jpg"), 0).is_err(),
            "no downgrade"
        );
    }

    /// An HTTP server answering each request by its path: `answers(path)` gives head and body.
    fn serve_by_path(answers: impl Fn(&str) -> (String, Vec<u8>) + Send + Sync + 'static, delay: Duration) -> url::Url {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let answers = std::sync::Arc::new(answers);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let answers = answers.clone();
                std::thread::spawn(move || {
                    let mut request = [0u8; 4096];
                    let n = stream.read(&mut request).unwrap_or(0);
                    let text = String::from_utf8_lossy(&request[..n]).to_string();
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                    std::thread::sleep(delay);
                    let (head, body) = answers(&path);
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                });
            }
        });
        url
    }

    fn redirect_to(location: &str) -> (String, Vec<u8>) {
        (
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            Vec::new(),
        )
    }

    #[test]
    fn downloads_follow_few_redirects_on_their_own_host_only() {
        let jpg = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg").to_vec();
        let base = serve_by_path(
            move |path| match path {
                "/photo.jpg" => (
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", jpg.len()),
                    jpg.clone(),
                ),
                "/moved" => redirect_to("/moved-again"),
                "/moved-again" => redirect_to("/photo.jpg"),
                "/loop" => redirect_to("/loop"),
                "/away" => redirect_to("http://127.0.0.2:9/photo.jpg"),
                _ => (
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
                    Vec::new(),
                ),
            },
            Duration::ZERO,
        );
        let fetch = |path: &str| {
            fetch_limited(
                &base.join(path).unwrap(),
                Duration::from_secs(10),
                MAX_IMAGE_BYTES,
                &TrustedCerts::default(),
            )
        };
        assert_eq!(
            decode_limited(&fetch("moved").unwrap()).unwrap().width(),
            640,
            "two hops on the same host"
        );
        let err = fetch("loop").unwrap_err();
        assert!(err.contains(&format!("more than {MAX_REDIRECTS} redirects")), "{err}");
        let err = fetch("away").unwrap_err();
        assert!(err.contains("another host"), "{err}");
    }

    fn store_app() -> App {
        AsyncComputeTaskPool::get_or_init(bevy::tasks::TaskPool::new);
        let mut app = App::new();
        app.insert_resource(Assets::<Image>::default());
        app.add_plugins(plugin);
        app
    }

    fn settle(app: &mut App, mut each: impl FnMut(&ImageStore)) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while app.world().resource::<ImageStore>().pending() > 0 && std::time::Instant::now() < deadline {
            app.update();
            each(app.world().resource::<ImageStore>());
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(app.world().resource::<ImageStore>().pending(), 0, "reads finish");
    }

    #[test]
    fn at_most_two_photos_are_read_at_once() {
        let jpg = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg").to_vec();
        let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (now, peak) = (in_flight.clone(), most.clone());
        let base = serve_by_path(
            move |_| {
                use std::sync::atomic::Ordering::SeqCst;
                let n = now.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(n, SeqCst);
                std::thread::sleep(Duration::from_millis(60));
                now.fetch_sub(1, SeqCst);
                (
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", jpg.len()),
                    jpg.clone(),
                )
            },
            Duration::ZERO,
        );
        let mut app = store_app();
        {
            let mut store = app.world_mut().resource_mut::<ImageStore>();
            for i in 0..8 {
                store.request_url("draw", &format!("p{i}"), base.join(&format!("p{i}.jpg")).unwrap(), 256);
            }
            assert_eq!(store.reading(), MAX_CONCURRENT_READS);
            assert_eq!(store.pending(), 8);
        }
        let mut most_reading = 0;
        settle(&mut app, |store| most_reading = most_reading.max(store.reading()));
        assert!(most_reading <= MAX_CONCURRENT_READS, "{most_reading} readers");
        assert!(
            most.load(std::sync::atomic::Ordering::SeqCst) <= MAX_CONCURRENT_READS,
            "the server saw more at once"
        );
        let store = app.world().resource::<ImageStore>();
        for i in 0..8 {
            assert!(matches!(store.get(&format!("p{i}")), Some(ImageEntry::Ready(_))), "p{i}");
        }
    }

    #[test]
    fn photos_no_screen_uses_are_released() {
        let jpg: &'static [u8] = include_bytes!("../../../venue-contract/sample/prizes/drone.jpg");
        // With the asset plugin, so that dropping the last handle frees the texture as in the kiosk.
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Image>()
            .add_plugins(plugin);
        {
            let mut store = app.world_mut().resource_mut::<ImageStore>();
            store.request_bytes("draw", "a", jpg, 128);
            store.request_bytes("draw", "b", jpg, 128);
            store.request_bytes("game", "b", jpg, 128);
        }
        settle(&mut app, |_| {});
        let handle = match app.world().resource::<ImageStore>().get("a") {
            Some(ImageEntry::Ready(handle)) => handle.id(),
            other => panic!("{other:?}"),
        };
        assert!(app.world().resource::<Assets<Image>>().get(handle).is_some());
        app.world_mut().resource_mut::<ImageStore>().keep_only("draw", ["b"]);
        let store = app.world().resource::<ImageStore>();
        assert!(store.get("a").is_none(), "a: no screen uses it");
        assert!(store.get("b").is_some());
        assert_eq!(store.len(), 1);
        // The texture goes once its last handle is dropped (the next frames).
        for _ in 0..3 {
            app.update();
        }
        assert!(
            app.world().resource::<Assets<Image>>().get(handle).is_none(),
            "a's texture is freed"
        );
        // "b" is still the game's after the draw lets go of it.
        app.world_mut().resource_mut::<ImageStore>().keep_only("draw", []);
        assert!(app.world().resource::<ImageStore>().get("b").is_some());
        app.world_mut().resource_mut::<ImageStore>().keep_only("game", []);
        assert!(app.world().resource::<ImageStore>().is_empty());
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
