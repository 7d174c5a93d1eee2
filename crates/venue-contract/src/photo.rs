//! What a prize photo or a piece of art in the contract refers to: an http(s) URL, a `file://` URL or
//! a path. Loading it is the kiosk's business; this only says where it is.

use std::path::{Path, PathBuf};

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
