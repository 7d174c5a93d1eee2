//! Attendees' personal data and the keys that guard it. Names, emails, companies, roles and
//! external ids are sealed with AES-256-GCM before they reach the database; what leaves the server is
//! only a masked name and keyed hashes:
//!
//! - the **holder** token (tickets group by it; screens and exports see it),
//! - the **link code** of the attendee's private handbook page (the QR on the badge),
//! - a short **badge code** staff type when a badge will not scan.
//!
//! All derive from one 32-byte key in a file the server creates (mode 0600). Several instances on one
//! PostgreSQL need the same key file; a database sealed with another key is refused at start.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What the server knows of an attendee, sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub external_id: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub role: String,
}

/// The attendee key and what derives from it.
pub struct AttendeeKeys {
    cipher: Aes256Gcm,
    root: [u8; 32],
}

impl std::fmt::Debug for AttendeeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttendeeKeys(…)")
    }
}

/// Sealed with the key, stored as a setting: a start with another key fails this check.
pub const KEY_CHECK_SETTING: &str = "attendee_key_check";
const KEY_CHECK_TEXT: &[u8] = b"venue-kiosk attendee key";

impl AttendeeKeys {
    pub fn from_bytes(root: [u8; 32]) -> AttendeeKeys {
        AttendeeKeys {
            cipher: Aes256Gcm::new_from_slice(&derive(&root, "seal")).expect("32-byte key"),
            root,
        }
    }

    /// The key in `path` (64 hex characters), created with mode 0600 when missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<AttendeeKeys> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).with_context(|| format!("the attendee key file {} is not hex", path.display()))?;
                let root: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("the attendee key file {} must hold 32 bytes (64 hex characters)", path.display()))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(path)?.permissions().mode();
                    if mode & 0o077 != 0 {
                        bail!(
                            "the attendee key file {} may be read by others (mode {:o}); chmod 600 it",
                            path.display(),
                            mode & 0o777
                        );
                    }
                }
                Ok(AttendeeKeys::from_bytes(root))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let root: [u8; 32] = rand::random();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options
                    .open(path)
                    .with_context(|| format!("create the attendee key file {}", path.display()))?;
                file.write_all(hex::encode(root).as_bytes())?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "created the attendee key file (keep it with the database's backups, apart from them)");
                Ok(AttendeeKeys::from_bytes(root))
            }
            Err(e) => Err(e).with_context(|| format!("read the attendee key file {}", path.display())),
        }
    }

    /// AES-256-GCM with a random 96-bit nonce: base64 of nonce then ciphertext.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let nonce_bytes: [u8; 12] = rand::random();
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plaintext)
            .expect("AES-GCM encryption does not fail for small inputs");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        BASE64.encode(out)
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = BASE64.decode(sealed).context("sealed data is not base64")?;
        if bytes.len() < 12 + 16 {
            bail!("sealed data is too short");
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("sealed data does not open with this key"))
    }

    pub fn seal_person(&self, person: &Person) -> String {
        self.seal(&serde_json::to_vec(person).expect("a person serializes"))
    }

    pub fn open_person(&self, sealed: &str) -> anyhow::Result<Person> {
        Ok(serde_json::from_slice(&self.open(sealed)?)?)
    }

    /// The key check value to store once.
    pub fn key_check(&self) -> String {
        self.seal(KEY_CHECK_TEXT)
    }

    /// Does a stored key check value open with this key?
    pub fn matches(&self, stored_check: &str) -> bool {
        self.open(stored_check).is_ok_and(|text| text == KEY_CHECK_TEXT)
    }

    fn keyed(&self, label: &str, external_id: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&derive(&self.root, label)).expect("any key length");
        mac.update(external_id.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The attendee's row id: a keyed hash of the external id (re-imports update the same row).
    pub fn attendee_id(&self, external_id: &str) -> String {
        format!("a-{}", &hex::encode(self.keyed("id", external_id))[..24])
    }

    /// The opaque holder token tickets carry.
    pub fn holder(&self, external_id: &str) -> String {
        format!("h-{}", &hex::encode(self.keyed("holder", external_id))[..20])
    }

    /// The private link code (the handbook page's address, the badge's QR): 128 bits, lowercase
    /// base32 so it reads and types well.
    pub fn link_code(&self, external_id: &str) -> String {
        base32(&self.keyed("link", external_id)[..16])
    }

    /// The badge code staff type when a badge does not scan: the link code's first 8 characters,
    /// grouped `abcd-efgh`.
    pub fn badge_code(link_code: &str) -> String {
        let head: String = link_code.chars().take(8).collect();
        format!("{}-{}", &head[..4], &head[4..])
    }
}

fn derive(root: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(root).expect("any key length");
    mac.update(b"venue-kiosk/");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// RFC 4648 base32, lowercase, no padding, without the look-alikes problem (digits 2–7 only).
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The badge code as typed: lowercase, without separators or spaces.
pub fn normalize_badge_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An attendee list row problem, with its line.
pub type LineProblem = String;

/// `external_id,name[,email[,company[,role]]]` per line, a header line allowed; every bad line named.
pub fn people_from_csv(text: &str) -> (Vec<Person>, Vec<LineProblem>) {
    let mut people = Vec::new();
    let mut problems = Vec::new();
    let records = match venue_contract::csv::records(text) {
        Ok(records) => records,
        Err(e) => return (people, vec![format!("CSV: {e}")]),
    };
    let mut seen = std::collections::HashSet::new();
    for (i, (line, record)) in records.iter().enumerate() {
        if i == 0 && record.first().is_some_and(|f| f.trim().eq_ignore_ascii_case("external_id")) {
            continue;
        }
        let field = |n: usize| record.get(n).map(|f| f.trim().to_string()).unwrap_or_default();
        if record.len() < 2 || record.len() > 5 {
            problems.push(format!(
                "line {line}: expected external_id,name[,email,company,role], found {} fields",
                record.len()
            ));
            continue;
        }
        let person = Person {
            external_id: field(0),
            name: field(1),
            email: field(2),
            company: field(3),
            role: field(4),
        };
        if person.external_id.is_empty() || person.external_id.chars().count() > 128 {
            problems.push(format!("line {line}: the external id must be 1 to 128 characters"));
            continue;
        }
        if person.name.is_empty() || person.name.chars().count() > 200 {
            problems.push(format!("line {line}: the name must be 1 to 200 characters"));
            continue;
        }
        if [&person.name, &person.email, &person.company, &person.role]
            .iter()
            .any(|f| f.chars().any(char::is_control) || f.chars().count() > 300)
        {
            problems.push(format!("line {line}: a field has control characters or is over 300 characters"));
            continue;
        }
        if !seen.insert(person.external_id.clone()) {
            problems.push(format!("line {line}: external id `{}` appears twice", person.external_id));
            continue;
        }
        people.push(person);
    }
    (people, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_and_needs_the_key() {
        let keys = AttendeeKeys::from_bytes([7; 32]);
        let person = Person {
            external_id: "T-1042".into(),
            name: "김민수".into(),
            email: "minsu@example.org".into(),
            ..Person::default()
        };
        let sealed = keys.seal_person(&person);
        assert!(!sealed.contains("minsu") && !sealed.contains("T-1042"));
        assert_ne!(sealed, keys.seal_person(&person), "a fresh nonce each time");
        assert_eq!(keys.open_person(&sealed).unwrap(), person);
        let other = AttendeeKeys::from_bytes([8; 32]);
        assert!(other.open_person(&sealed).is_err());
        assert!(keys.matches(&keys.key_check()) && !other.matches(&keys.key_check()));
    }

    #[test]
    fn derived_tokens_are_stable_distinct_and_keyed() {
        let keys = AttendeeKeys::from_bytes([1; 32]);
        let again = AttendeeKeys::from_bytes([1; 32]);
        let other = AttendeeKeys::from_bytes([2; 32]);
        assert_eq!(keys.holder("T-1"), again.holder("T-1"));
        assert_ne!(keys.holder("T-1"), keys.holder("T-2"));
        assert_ne!(keys.holder("T-1"), other.holder("T-1"));
        let code = keys.link_code("T-1");
        assert_eq!(code.len(), 26);
        assert!(code.chars().all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c)));
        assert_ne!(code, keys.link_code("T-2"));
        assert!(!keys.holder("T-1").contains(&code[..8]));
        let badge = AttendeeKeys::badge_code(&code);
        assert_eq!(normalize_badge_code(&badge.to_uppercase()), code[..8]);
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("attendee.key");
        let first = AttendeeKeys::load_or_create(&path).unwrap();
        let second = AttendeeKeys::load_or_create(&path).unwrap();
        assert_eq!(first.holder("x"), second.holder("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = AttendeeKeys::load_or_create(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }

    #[test]
    fn the_attendee_csv_names_every_bad_line() {
        let text = "external_id,name,email\nT-1,김민수,a@b.c\nT-2\nT-1,Dup,\n,No id\nT-3,Jane Doe\n";
        let (people, problems) = people_from_csv(text);
        assert_eq!(people.iter().map(|p| p.external_id.as_str()).collect::<Vec<_>>(), ["T-1", "T-3"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 3:") && problems[1].starts_with("line 4:") && problems[2].starts_with("line 5:"));
    }
}
