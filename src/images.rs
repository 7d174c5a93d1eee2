//! Photos decoded off the main thread with size limits. A broken or oversized image becomes an
//! error entry (the screen shows a placeholder and the log says why); nothing stalls a frame.

use std::collections::HashMap;

use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};

/// Largest encoded image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
/// Largest decoded image accepted, per side, in pixels (guards against decompression bombs).
pub const MAX_IMAGE_SIDE: u32 = 8192;

#[derive(Debug, Clone, PartialEq)]
pub enum ImageEntry {
    Loading,
    Ready(Handle<Image>),
    Failed(String),
}

#[derive(Resource, Default)]
pub struct ImageStore {
    entries: HashMap<String, ImageEntry>,
    tasks: Vec<(String, Task<Result<image::DynamicImage, String>>)>,
}

impl ImageStore {
    /// Decode `bytes` in the background under `key`, unless it is already known.
    pub fn request_bytes(&mut self, key: &str, bytes: &'static [u8]) {
        if self.entries.contains_key(key) {
            return;
        }
        self.entries.insert(key.to_string(), ImageEntry::Loading);
        let task = AsyncComputeTaskPool::get().spawn(async move { decode_limited(bytes) });
        self.tasks.push((key.to_string(), task));
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
    reader.decode().map_err(|e| format!("cannot decode image: {e}"))
}

pub fn plugin(app: &mut App) {
    app.init_resource::<ImageStore>().add_systems(PreUpdate, finish_decodes);
}

fn finish_decodes(mut store: ResMut<ImageStore>, mut images: ResMut<Assets<Image>>) {
    if store.tasks.is_empty() {
        return;
    }
    let store = &mut *store;
    let mut i = 0;
    while i < store.tasks.len() {
        if let Some(result) = check_ready(&mut store.tasks[i].1) {
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
        let img = decode_limited(include_bytes!("../assets/prizes/drone.jpg")).unwrap();
        assert_eq!((img.width(), img.height()), (640, 480));
    }

    #[test]
    fn broken_and_truncated_images_are_errors() {
        assert!(decode_limited(b"definitely not an image").is_err());
        let jpg = include_bytes!("../assets/prizes/drone.jpg");
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
