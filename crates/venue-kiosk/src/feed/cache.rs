//! Last good payload per endpoint on disk, so a kiosk that boots while the server is down still
//! shows the event. Writes are atomic (temp file, fsync, rename): a power cut leaves the old copy
//! or the new one, never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use venue_contract::payload::Endpoint;

#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

/// A cached payload: raw body as the server sent it, its ETag and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedBody {
    pub etag: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub body: Vec<u8>,
}

impl DiskCache {
    /// The cache for one source lives in its own folder, so two servers never mix.
    pub fn for_source(root: &Path, source_key: &str) -> DiskCache {
        let digest = Sha256::digest(source_key.as_bytes());
        DiskCache {
            dir: root.join(format!("feed-{}", &hex::encode(digest)[..16])),
        }
    }

    /// The OS cache dir (`~/.cache/venue-kiosk`), or a temp dir when there is none.
    pub fn default_root() -> PathBuf {
        dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("venue-kiosk")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, endpoint: Endpoint) -> PathBuf {
        self.dir.join(format!("{}.cache", endpoint.name()))
    }

    /// File format: line 1 the ETag (may be empty), line 2 the fetch time (RFC 3339), then the body.
    pub fn store(&self, endpoint: Endpoint, entry: &CachedBody) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let final_path = self.path(endpoint);
        let tmp_path = final_path.with_extension(format!("cache.tmp{}", std::process::id()));
        {
            let mut file = fs::File::create(&tmp_path)?;
            let etag = entry.etag.as_deref().unwrap_or("").replace(['\n', '\r'], "");
            writeln!(file, "{etag}")?;
            writeln!(file, "{}", entry.fetched_at.to_rfc3339())?;
            file.write_all(&entry.body)?;
            file.sync_all()?;
        }
        fs::rename(&tmp_path, &final_path)?;
        // The rename itself is durable only once the directory is synced.
        if let Ok(dir) = fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// `Ok(None)` when nothing is cached; `Err` when the file exists but is unreadable or damaged.
    pub fn load(&self, endpoint: Endpoint) -> Result<Option<CachedBody>, String> {
        let bytes = match fs::read(self.path(endpoint)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read cache: {e}")),
        };
        let mut parts = bytes.splitn(3, |b| *b == b'\n');
        let (Some(etag), Some(time), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("damaged cache file (missing header)".into());
        };
        let etag = String::from_utf8_lossy(etag).trim().to_string();
        let fetched_at = DateTime::parse_from_rfc3339(String::from_utf8_lossy(time).trim())
            .map_err(|e| format!("damaged cache file (time: {e})"))?
            .with_timezone(&Utc);
        Ok(Some(CachedBody {
            etag: (!etag.is_empty()).then_some(etag),
            fetched_at,
            body: body.to_vec(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_overwrite() {
        let root = tempfile::tempdir().unwrap();
        let cache = DiskCache::for_source(root.path(), "http://a");
        assert_eq!(cache.load(Endpoint::Event).unwrap(), None);
        let entry = CachedBody {
            etag: Some("\"v1\"".into()),
            fetched_at: Utc::now(),
            body: b"{\"a\":\n1}".to_vec(),
        };
        cache.store(Endpoint::Event, &entry).unwrap();
        let loaded = cache.load(Endpoint::Event).unwrap().unwrap();
        assert_eq!(loaded.body, entry.body);
        assert_eq!(loaded.etag, entry.etag);
        let entry2 = CachedBody {
            etag: None,
            fetched_at: Utc::now(),
            body: b"{}".to_vec(),
        };
        cache.store(Endpoint::Event, &entry2).unwrap();
        assert_eq!(cache.load(Endpoint::Event).unwrap().unwrap().etag, None);
        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(cache.dir()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn sources_do_not_share_a_folder() {
        let root = Path::new("/tmp/x");
        assert_ne!(
            DiskCache::for_source(root, "http://a").dir(),
            DiskCache::for_source(root, "http://b").dir()
        );
    }

    #[test]
    fn damaged_file_is_an_error_not_a_panic() {
        let root = tempfile::tempdir().unwrap();
        let cache = DiskCache::for_source(root.path(), "x");
        fs::create_dir_all(cache.dir()).unwrap();
        fs::write(cache.path(Endpoint::Draw), b"no-newlines").unwrap();
        assert!(cache.load(Endpoint::Draw).is_err());
    }
}
