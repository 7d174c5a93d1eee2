//! Where the kiosk keeps its data on disk, and reading files without trusting their size.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// Where this source's journals (draw and game) and the screen memo live: `draw.journal_dir`, else the OS data dir.
pub fn journal_dir(config: &Config) -> PathBuf {
    if let Some(dir) = &config.draw.journal_dir {
        return dir.clone();
    }
    use sha2::{Digest, Sha256};
    let key = hex::encode(Sha256::digest(crate::feed::WorkerConfig::cache_key(&config.feed).as_bytes()));
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("venue-kiosk")
        .join(format!("draw-{}", &key[..16]))
}

/// A regular file's bytes, refusing anything larger than `limit` (without reading it all).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.len() > limit {
        return Err(format!("{} is {} bytes; at most {limit} are read", path.display(), meta.len()));
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{} is over {limit} bytes", path.display()));
    }
    Ok(bytes)
}
