//! Reading the console's forms: URL-encoded fields (a name may repeat, as checkboxes do) and
//! multipart uploads.

use axum::body::Bytes;
use axum::extract::Multipart;

use crate::error::Failure;

/// A form's fields in the order sent.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; empty when missing.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    pub fn csrf(&self) -> Option<&str> {
        Some(self.get("csrf")).filter(|v| !v.is_empty())
    }

    /// A whole number field, with the field's label in the error.
    pub fn number<T: std::str::FromStr>(&self, name: &str, label: &str) -> Result<T, Failure> {
        self.get(name)
            .parse()
            .map_err(|_| Failure::invalid_body(format!("{label}: `{}` is not a valid number", self.get(name))))
    }
}

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Bytes,
}

/// A multipart form: its text fields and its files (empty file inputs left out).
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Fields,
    pub files: Vec<UploadedFile>,
}

impl Upload {
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

pub async fn read_upload(mut multipart: Multipart) -> Result<Upload, Failure> {
    let mut upload = Upload::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        Failure::new(
            e.status(),
            "invalid_body",
            format!("the upload could not be read: {}", e.body_text()),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    upload.files.push(UploadedFile {
                        field: name,
                        file_name,
                        bytes,
                    });
                }
            }
            None => {
                let text = field.text().await.map_err(unreadable)?;
                upload.fields.0.push((name, text));
            }
        }
    }
    Ok(upload)
}
