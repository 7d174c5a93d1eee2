//! What a prize photo or a piece of art in the contract refers to: an http(s) URL, a `file://` URL or
//! a path. Loading it is the kiosk's business; this only says where it is.

use std::path::{Path, PathBuf};

/// Where an event server serves the photos uploaded in its console (`GET /api/v1/images/{id}`); a
/// prize's `image_url` then holds this path and the image's id.
pub const SERVER_IMAGES_PATH: &str = "/api/v1/images/";

/// Where a photo comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoSource {
    Url(url::Url),
    File(PathBuf),
}

/// An http(s) URL, a `file://` URL or a path (relative paths are relative to `base_dir`, the file
/// source's directory, when there is one).
pub fn photo_source(photo: &str, base_dir: Option<&Path>) -> Option<PhotoSource> {
    let photo = photo.trim();
    if photo.is_empty() {
        return None;
    }
    if let Some((scheme, _)) = photo.split_once("://") {
        let url = url::Url::parse(photo).ok()?;
        return match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" if url.host_str().is_some() => Some(PhotoSource::Url(url)),
            "file" => url.to_file_path().ok().map(PhotoSource::File),
            _ => None,
        };
    }
    let path = PathBuf::from(photo);
    if path.is_absolute() {
        Some(PhotoSource::File(path))
    } else {
        base_dir.map(|dir| PhotoSource::File(dir.join(path)))
    }
}

/// Where a prize photo in a feed comes from. `server` is the event server's base URL when the feed
/// source is one (ending in `/`, as the kiosk keeps it): then a photo that starts with `/` is a
/// path on that server (a photo uploaded in its console, `/api/v1/images/<id>.jpg`), resolved
/// below the base the way the kiosk's `base.join("api/v1/...")` resolves endpoints, so a server
/// behind a path prefix (`https://host/venue/`) keeps it. `//host/...` (another host) is refused.
/// Anything else from a server must be an http(s) URL: a server's feed never names a file on the
/// kiosk's machine (`file://`, `C:\\…`), which whoever controls the server could use to probe it.
/// Without a server, everything reads as [`photo_source`] does, and `/x` is an absolute file path.
pub fn feed_photo_source(photo: &str, server: Option<&url::Url>, base_dir: Option<&Path>) -> Option<PhotoSource> {
    let Some(server) = server else {
        return photo_source(photo, base_dir);
    };
    let trimmed = photo.trim();
    if let Some(path) = trimmed.strip_prefix('/') {
        if path.starts_with('/') || path.starts_with('\\') || path.is_empty() {
            return None;
        }
        let url = server.join(path).ok()?;
        // A path with `..` must not climb out to another host (it cannot), nor above the prefix.
        return url.path().starts_with(server.path()).then_some(PhotoSource::Url(url));
    }
    match photo_source(trimmed, None) {
        Some(PhotoSource::Url(url)) => Some(PhotoSource::Url(url)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn file_sources_keep_their_paths() {
        assert_eq!(photo_source("/srv/tv.jpg", None), Some(PhotoSource::File("/srv/tv.jpg".into())));
        assert_eq!(
            feed_photo_source("/srv/tv.jpg", None, Some(Path::new("/ev"))),
            Some(PhotoSource::File("/srv/tv.jpg".into()))
        );
        assert_eq!(
            feed_photo_source("prizes/tv.jpg", None, Some(Path::new("/ev"))),
            Some(PhotoSource::File("/ev/prizes/tv.jpg".into()))
        );
        assert_eq!(feed_photo_source("prizes/tv.jpg", None, None), None);
        assert_eq!(
            feed_photo_source("https://cdn.example.org/tv.jpg", None, None),
            Some(PhotoSource::Url(url("https://cdn.example.org/tv.jpg")))
        );
    }

    #[test]
    fn a_server_path_is_on_the_feed_server() {
        let server = url("https://10.0.0.5:8443/");
        assert_eq!(
            feed_photo_source("/api/v1/images/ab12.jpg", Some(&server), None),
            Some(PhotoSource::Url(url("https://10.0.0.5:8443/api/v1/images/ab12.jpg")))
        );
        assert_eq!(
            feed_photo_source("  /api/v1/images/ab12.png ", Some(&url("http://kiosk.lan:8080/")), None),
            Some(PhotoSource::Url(url("http://kiosk.lan:8080/api/v1/images/ab12.png")))
        );
        // Behind a path prefix, as endpoints are.
        let prefixed = url("https://venue.example.org/devcon/");
        assert_eq!(
            feed_photo_source("/api/v1/images/ab12.jpg", Some(&prefixed), None),
            Some(PhotoSource::Url(url("https://venue.example.org/devcon/api/v1/images/ab12.jpg")))
        );
        assert_eq!(
            prefixed.join("api/v1/schedule").unwrap().as_str(),
            "https://venue.example.org/devcon/api/v1/schedule",
            "the same rule as the endpoints"
        );
        // Full URLs stay as they are; a relative path has no directory to be relative to.
        assert_eq!(
            feed_photo_source("https://cdn.example.org/tv.jpg", Some(&server), None),
            Some(PhotoSource::Url(url("https://cdn.example.org/tv.jpg")))
        );
        assert_eq!(feed_photo_source("prizes/tv.jpg", Some(&server), None), None);
    }

    #[test]
    fn a_server_feed_never_names_a_local_file() {
        let server = url("https://10.0.0.5:8443/");
        for local in [
            "file:///etc/passwd",
            "FILE:///home/kiosk/.ssh/id_ed25519",
            "C:\\Users\\kiosk\\secret.png",
            "prizes/tv.jpg",
            "../../etc/shadow",
            "//other.host/x.jpg",
            "gopher://10.0.0.1/x",
        ] {
            assert_eq!(feed_photo_source(local, Some(&server), Some(Path::new("/ev"))), None, "{local}");
        }
        // The same references from a local folder are the organiser's own files.
        assert_eq!(
            feed_photo_source("file:///srv/tv.jpg", None, Some(Path::new("/ev"))),
            Some(PhotoSource::File("/srv/tv.jpg".into()))
        );
    }

    #[test]
    fn a_server_path_stays_on_the_server() {
        let prefixed = url("https://venue.example.org/devcon/");
        for photo in ["//evil.example.org/x.jpg", "/", "/\\evil.example.org/x.jpg", "/../other/x.jpg"] {
            assert_eq!(feed_photo_source(photo, Some(&prefixed), None), None, "{photo}");
        }
    }
}
