//! Photos decoded off the main thread with size limits. A broken or oversized image becomes an
//! error entry (the screen shows a placeholder and the log says why); nothing stalls a frame.
//! Sources: bytes compiled in or handed over, a file, or an http(s) URL. Files and URLs are read
//! on a thread of their own (a slow disk or server never holds up a task pool shared with the
//! draw), with a byte cap and, for URLs, a timeout; downloads trust what the feed's clients trust
//! (`feed.ca_file`), so photos stored on an HTTPS event server load too.

use std::collections::HashMap;
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

type Decoded = Result<image::DynamicImage, String>;

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
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageEntry {
    Loading,
    Ready(Handle<Image>),
    Failed(String),
}

#[derive(Resource, Default)]
pub struct ImageStore {
    entries: HashMap<String, ImageEntry>,
    tasks: Vec<(String, Pending)>,
    /// What downloads trust besides the system's roots (`feed.ca_file`).
    trusted: TrustedCerts,
}

impl ImageStore {
    /// Decode `bytes` in the background under `key`, unless it is already known.
    pub fn request_bytes(&mut self, key: &str, bytes: &'static [u8]) {
        if self.start(key) {
            let task = AsyncComputeTaskPool::get().spawn(async move { decode_limited(bytes) });
            self.tasks.push((key.to_string(), Pending::Task(task)));
        }
    }

    /// Decode bytes the caller owns, in the background under `key`, unless it is already known.
    pub fn request_owned(&mut self, key: &str, bytes: Vec<u8>) {
        if self.start(key) {
            let task = AsyncComputeTaskPool::get().spawn(async move { decode_limited(&bytes) });
            self.tasks.push((key.to_string(), Pending::Task(task)));
        }
    }

    /// Read a file (at most [`MAX_IMAGE_BYTES`]) and decode it on a thread of its own.
    pub fn request_path(&mut self, key: &str, path: PathBuf) {
        self.on_thread(key, move || {
            let bytes = crate::shell::storage::read_limited(&path, MAX_IMAGE_BYTES as u64)?;
            decode_limited(&bytes)
        });
    }

    /// Download (timeout [`FETCH_TIMEOUT`], at most [`MAX_IMAGE_BYTES`]) and decode on a thread of its own.
    pub fn request_url(&mut self, key: &str, url: url::Url) {
        let trusted = self.trusted.clone();
        self.on_thread(key, move || {
            decode_limited(&fetch_limited(&url, FETCH_TIMEOUT, MAX_IMAGE_BYTES, &trusted)?)
        });
    }

    /// Load a photo reference from the contract (URL, `file://` or path; relative paths against
    /// `base_dir`). Returns false, loading nothing, when `photo` points nowhere usable.
    pub fn request_photo(&mut self, photo: &str, base_dir: Option<&Path>) -> bool {
        self.request_source(photo, venue_contract::photo::photo_source(photo, base_dir))
    }

    /// Load a prize photo from the feed `source`: a path relative to a file source's folder, or
    /// with an event server a path on it (`/api/v1/images/…`, uploaded in its console). Returns
    /// false, loading nothing, when `photo` points nowhere usable.
    pub fn request_feed_photo(&mut self, photo: &str, source: &SourceSpec) -> bool {
        let (server, base_dir) = match source {
            SourceSpec::Http(base) => (Some(base), None),
            SourceSpec::Dir(dir) => (None, Some(dir.as_path())),
            SourceSpec::Sample => (None, None),
        };
        self.request_source(photo, venue_contract::photo::feed_photo_source(photo, server, base_dir))
    }

    fn request_source(&mut self, key: &str, source: Option<PhotoSource>) -> bool {
        match source {
            Some(PhotoSource::Url(url)) => self.request_url(key, url),
            Some(PhotoSource::File(path)) => self.request_path(key, path),
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
        if !matches!(self.entries.get(key), Some(ImageEntry::Loading)) {
            self.entries.remove(key);
        }
    }

    fn start(&mut self, key: &str) -> bool {
        if self.entries.contains_key(key) {
            return false;
        }
        self.entries.insert(key.to_string(), ImageEntry::Loading);
        true
    }

    fn on_thread(&mut self, key: &str, work: impl FnOnce() -> Decoded + Send + 'static) {
        if !self.start(key) {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("photo".into()).spawn(move || {
            let _ = tx.send(work());
        });
        if let Err(e) = spawned {
            self.entries
                .insert(key.to_string(), ImageEntry::Failed(format!("cannot start a reader: {e}")));
            return;
        }
        self.tasks.push((key.to_string(), Pending::Thread(rx)));
    }

    pub fn get(&self, key: &str) -> Option<&ImageEntry> {
        self.entries.get(key)
    }

    /// Images still decoding (screenshots wait for zero).
    pub fn pending(&self) -> usize {
        self.tasks.len()
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

/// GET `url` with a timeout, refusing a non-2xx answer or a body over `max_bytes` (checked on the
/// announced length and again while reading), trusting `trusted` besides the system's roots.
/// Blocking: call it from a thread of its own.
pub fn fetch_limited(url: &url::Url, timeout: Duration, max_bytes: usize, trusted: &TrustedCerts) -> Result<Vec<u8>, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let client = client_builder(trusted)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("cannot download the photo: {e}"))?;
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
            let entry = match result {
                Ok(decoded) => ImageEntry::Ready(images.add(Image::from_dynamic(decoded, true, RenderAssetUsages::RENDER_WORLD))),
                Err(error) => {
                    warn!("image `{key}`: {error}; showing a placeholder");
                    ImageEntry::Failed(error)
                }
            };
            store.entries.insert(key, entry);
        } else {
            i += 1;
        }
    }
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
