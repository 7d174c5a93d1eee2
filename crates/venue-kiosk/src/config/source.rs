//! Where the event comes from: the embedded sample, the event server over HTTP, or a directory of files.

use std::path::PathBuf;

use url::Url;

/// The feed's main source, from `feed.source` / `--server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// The sample event compiled into the binary.
    Sample,
    /// Base URL of an event server speaking contract v1.
    Http(Url),
    /// A directory with `event.json`, `schedule.json`, … (same payloads as the HTTP endpoints).
    Dir(PathBuf),
}

/// A single-document source (the optional separate schedule): URL or file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocSpec {
    Http(Url),
    File(PathBuf),
}

const ALLOWED: &str = "allowed: \"sample\", an http:// or https:// URL, a file:// URL or a directory path";

impl SourceSpec {
    pub fn parse(text: &str) -> Result<SourceSpec, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(format!("is empty; {ALLOWED}"));
        }
        if text == "sample" {
            return Ok(SourceSpec::Sample);
        }
        match parse_location(text)? {
            DocSpec::Http(mut url) => {
                // Endpoints are joined onto the base: make sure it ends in '/' so `api/v1/...` appends.
                if !url.path().ends_with('/') {
                    url.set_path(&format!("{}/", url.path()));
                }
                Ok(SourceSpec::Http(url))
            }
            DocSpec::File(path) => Ok(SourceSpec::Dir(path)),
        }
    }

    /// Short human label for the status indicator.
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Sample => "sample event".into(),
            SourceSpec::Http(url) => url
                .host_str()
                .map(|h| match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_else(|| url.to_string()),
            SourceSpec::Dir(path) => path.display().to_string(),
        }
    }
}

impl DocSpec {
    pub fn parse(text: &str) -> Result<DocSpec, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("is empty; give an http(s):// URL or a file path".into());
        }
        parse_location(text)
    }
}

fn parse_location(text: &str) -> Result<DocSpec, String> {
    if let Some((scheme, _)) = text.split_once("://") {
        match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => {
                let url = Url::parse(text).map_err(|e| format!("`{text}` is not a valid URL ({e}); {ALLOWED}"))?;
                if url.host_str().is_none() {
                    return Err(format!("`{text}` has no host; {ALLOWED}"));
                }
                Ok(DocSpec::Http(url))
            }
            "file" => {
                let url = Url::parse(text).map_err(|e| format!("`{text}` is not a valid file URL ({e})"))?;
                let path = url.to_file_path().map_err(|_| format!("`{text}` is not a local file URL"))?;
                Ok(DocSpec::File(path))
            }
            other => Err(format!("unsupported scheme `{other}://`; {ALLOWED}")),
        }
    } else {
        Ok(DocSpec::File(PathBuf::from(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(SourceSpec::parse("sample").unwrap(), SourceSpec::Sample);
        let SourceSpec::Http(url) = SourceSpec::parse("http://127.0.0.1:8080").unwrap() else {
            panic!()
        };
        assert_eq!(url.join("api/v1/event").unwrap().as_str(), "http://127.0.0.1:8080/api/v1/event");
        let SourceSpec::Http(url) = SourceSpec::parse("https://ev.example.org/kiosk").unwrap() else {
            panic!()
        };
        assert_eq!(
            url.join("api/v1/event").unwrap().as_str(),
            "https://ev.example.org/kiosk/api/v1/event"
        );
        assert_eq!(
            SourceSpec::parse("file:///srv/event").unwrap(),
            SourceSpec::Dir("/srv/event".into())
        );
        assert_eq!(SourceSpec::parse("./event").unwrap(), SourceSpec::Dir("./event".into()));
    }

    #[test]
    fn refuses_unknown_schemes_and_empty() {
        assert!(SourceSpec::parse("ftp://x").unwrap_err().contains("ftp://"));
        assert!(SourceSpec::parse("  ").is_err());
        assert!(SourceSpec::parse("http://").is_err());
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(SourceSpec::parse("http://10.0.0.5:8080/").unwrap().label(), "10.0.0.5:8080");
    }
}
