//! The operator's prize editor and ticket import, as rules without Bevy: validation of a prize,
//! the edit operations on the prize list (add, change, delete, move up/down) with what they must
//! never do to a draw in progress, the ticket CSV parser, and the local override file that
//! replaces the feed's prizes and/or tickets when there is no event server.
//!
//! Safety rules (checked here, whatever the panel shows):
//! - a prize with committed results (batches or no-show replacements) is never deleted;
//! - its winner count never goes below the winners already drawn;
//! - ids never change once made (results and exports refer to them).

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::feed::outbox::AdminCall;
use crate::shell::storage::read_limited;
use venue_contract::groups;
use venue_contract::photo::{PhotoSource, SERVER_IMAGES_PATH, feed_photo_source, photo_source};
use venue_contract::ticket_csv;
use venue_contract::wire::{CONTRACT_VERSION, DrawData, Prize, Ticket};
use venue_rules::draw::engine::DrawState;

/// Longest prize name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Most winners of one prize (the server's limit too).
pub const MAX_WINNERS: u32 = 10_000;
/// Longest photo path or URL (the server's `image_url` limit).
pub const MAX_PHOTO_CHARS: usize = 2000;
/// Largest ticket CSV read (the server's bulk body limit).
pub const MAX_CSV_BYTES: u64 = 8 * 1024 * 1024;
/// Most tickets in one import (the server's pool limit).
pub const MAX_TICKETS: usize = ticket_csv::MAX_TICKETS;
/// How many CSV errors are listed (the rest are counted).
pub const SHOWN_ERRORS: usize = 8;
/// The display name of a ticket whose line gives none (the server needs one; the stage shows it).
pub const NO_NAME: &str = ticket_csv::NO_NAME;
/// The local override file, beside the draw journal.
pub const OVERRIDE_FILE: &str = "local-draw.json";

/// What the operator types for one prize.
#[derive(Debug, Clone, PartialEq)]
pub struct PrizeDraft {
    pub name: String,
    /// A file path or an http(s) URL; empty = no photo.
    pub photo: String,
    pub winner_count: u32,
    pub allow_previous_winners: bool,
    /// `None`: all remaining winners at once.
    pub batch_size: Option<u32>,
    /// Eligibility groups as typed (`staff, speaker`): only tickets in one of them may win.
    pub eligible_groups: String,
    /// Groups whose tickets may not win, as typed.
    pub excluded_groups: String,
}

impl Default for PrizeDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            photo: String::new(),
            winner_count: 1,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: String::new(),
            excluded_groups: String::new(),
        }
    }
}

impl PrizeDraft {
    pub fn from_prize(prize: &Prize) -> Self {
        Self {
            name: prize.name.clone(),
            photo: prize.image_url.clone().unwrap_or_default(),
            winner_count: prize.winner_count,
            allow_previous_winners: prize.allow_previous_winners,
            batch_size: prize.batch_size,
            eligible_groups: groups::format(&prize.eligible_groups),
            excluded_groups: groups::format(&prize.excluded_groups),
        }
    }

    fn to_prize(&self, id: String, order: u32) -> Prize {
        let photo = self.photo.trim();
        Prize {
            id,
            name: self.name.trim().to_string(),
            image_url: (!photo.is_empty()).then(|| photo.to_string()),
            winner_count: self.winner_count,
            order,
            allow_previous_winners: self.allow_previous_winners,
            batch_size: self.batch_size,
            // Checked by `validate` before any prize is made from a draft.
            eligible_groups: groups::parse(&self.eligible_groups).unwrap_or_default(),
            excluded_groups: groups::parse(&self.excluded_groups).unwrap_or_default(),
        }
    }
}

/// Where edits go: the event server (the photo must be a URL every screen can reach) or this kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Server,
    Local,
}

/// What the draw has already decided for a prize.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decided {
    /// Records (batches and no-show replacements) committed for it.
    pub records: u32,
    /// Its current winners.
    pub winners: u32,
}

impl Decided {
    pub fn of(state: &DrawState, prize_id: &str) -> Decided {
        state.prize(prize_id).map_or_else(Decided::default, |p| Decided {
            records: p.records,
            winners: u32::try_from(p.winners.len()).unwrap_or(u32::MAX),
        })
    }
}

/// Checks a draft; every problem is listed, in words for the operator. `original_photo` is the
/// photo the prize has now: keeping it is always allowed.
pub fn validate(draft: &PrizeDraft, decided: Decided, target: Target, original_photo: Option<&str>) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let name = draft.name.trim();
    let chars = name.chars().count();
    if name.is_empty() {
        problems.push("The prize needs a name.".to_string());
    } else if chars > MAX_NAME_CHARS {
        problems.push(format!("The name is {chars} characters long; at most {MAX_NAME_CHARS} fit."));
    }
    if name.chars().any(char::is_control) {
        problems.push("The name cannot contain line breaks or control characters.".into());
    }
    if !(1..=MAX_WINNERS).contains(&draft.winner_count) {
        problems.push(format!("The winner count must be between 1 and {MAX_WINNERS}."));
    }
    if draft.winner_count < decided.winners {
        problems.push(format!(
            "{} winners are already drawn for this prize; the winner count cannot go below {}.",
            decided.winners, decided.winners
        ));
    }
    if let Some(batch) = draft.batch_size
        && !(1..=draft.winner_count.max(1)).contains(&batch)
    {
        problems.push(format!(
            "The batch size must be between 1 and the winner count ({}).",
            draft.winner_count
        ));
    }
    let eligible = groups::parse(&draft.eligible_groups);
    let excluded = groups::parse(&draft.excluded_groups);
    if let Err(problem) = &eligible {
        problems.push(format!("Only these groups: {problem}."));
    }
    if let Err(problem) = &excluded {
        problems.push(format!("Groups excluded: {problem}."));
    }
    if let (Ok(eligible), Ok(excluded)) = (&eligible, &excluded)
        && let Some(both) = eligible.iter().find(|g| excluded.contains(g))
    {
        problems.push(format!("Group `{both}` cannot be both the only eligible one and excluded."));
    }
    let photo = draft.photo.trim();
    if !photo.is_empty()
        && Some(photo) != original_photo.map(str::trim)
        && let Err(problem) = check_photo(photo, target)
    {
        problems.push(problem);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn check_photo(photo: &str, target: Target) -> Result<(), String> {
    if photo.chars().count() > MAX_PHOTO_CHARS {
        return Err(format!("The photo path or URL is longer than {MAX_PHOTO_CHARS} characters."));
    }
    if photo.chars().any(char::is_control) {
        return Err("The photo path or URL cannot contain line breaks or control characters.".into());
    }
    // A photo uploaded in the server's console is a path on the server, which every screen reaches.
    if target == Target::Server
        && let Some(PhotoSource::Url(url)) = feed_photo_source(photo, Some(&any_server()), None)
        && photo.starts_with(SERVER_IMAGES_PATH)
        && url.path().starts_with(SERVER_IMAGES_PATH)
    {
        return Ok(());
    }
    match (photo_source(photo, None), target) {
        (Some(PhotoSource::Url(_)), _) => Ok(()),
        (Some(PhotoSource::File(_)), Target::Local) => Ok(()),
        (Some(PhotoSource::File(_)), Target::Server) => Err(format!(
            "With an event server the photo must be an http(s) URL that every screen can reach, or a photo uploaded in the server's console ({SERVER_IMAGES_PATH}…); a file exists only on this kiosk."
        )),
        (None, _) if photo.contains("://") => Err(format!("`{photo}` is not an http(s) URL or a file:// URL.")),
        (None, _) => Err(format!(
            "`{photo}` is not an absolute path; give the full path (e.g. /home/kiosk/photos/tv.jpg) or an http(s) URL."
        )),
    }
}

/// Some event server, to check the shape of a path on one.
fn any_server() -> url::Url {
    url::Url::parse("http://event-server/").expect("a valid URL")
}

/// One change to the prize list.
#[derive(Debug, Clone, PartialEq)]
pub enum PrizeEdit {
    Add(PrizeDraft),
    Update {
        id: String,
        draft: PrizeDraft,
    },
    Delete {
        id: String,
    },
    /// One place up (earlier on stage) or down.
    Move {
        id: String,
        up: bool,
    },
}

/// The outcome of an edit: the whole new list (for a local override) and the writes it takes on a
/// server (`PUT` for every new or changed prize, `DELETE` for a removed one).
#[derive(Debug, Clone, PartialEq)]
pub struct EditPlan {
    pub prizes: Vec<Prize>,
    pub put: Vec<Prize>,
    pub delete: Option<String>,
    /// What was done, for the status line.
    pub summary: String,
}

/// `prizes` in stage order: by `order`, then id (the server's order too).
pub fn sorted(prizes: &[Prize]) -> Vec<Prize> {
    let mut list = prizes.to_vec();
    list.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    list
}

/// Applies `edit` to `current` under the draw rules; nothing changes on an error.
pub fn plan(current: &[Prize], edit: &PrizeEdit, state: &DrawState, target: Target) -> Result<EditPlan, Vec<String>> {
    let mut list = sorted(current);
    let find = |list: &[Prize], id: &str| {
        list.iter()
            .position(|p| p.id == id)
            .ok_or_else(|| vec![format!("There is no prize `{id}` (any more).")])
    };
    let summary;
    match edit {
        PrizeEdit::Add(draft) => {
            validate(draft, Decided::default(), target, None)?;
            let mut taken: BTreeSet<&str> = list.iter().map(|p| p.id.as_str()).collect();
            taken.extend(state.prizes().iter().map(|p| p.prize_id.as_str()));
            let id = new_id(&draft.name, &taken);
            let order = list.iter().map(|p| p.order).max().map_or(1, |m| m.saturating_add(1));
            let prize = draft.to_prize(id, order);
            summary = format!("added \"{}\"", prize.name);
            list.push(prize);
        }
        PrizeEdit::Update { id, draft } => {
            let i = find(&list, id)?;
            validate(draft, Decided::of(state, id), target, list[i].image_url.as_deref())?;
            let updated = draft.to_prize(id.clone(), list[i].order);
            if updated == list[i] {
                return Err(vec!["Nothing changed.".into()]);
            }
            summary = format!("saved \"{}\"", updated.name);
            list[i] = updated;
        }
        PrizeEdit::Delete { id } => {
            let i = find(&list, id)?;
            let decided = Decided::of(state, id);
            if decided.records > 0 {
                return Err(vec![format!(
                    "\"{}\" has results in the draw journal ({} winner(s) drawn); a prize with results cannot be deleted.",
                    list[i].name, decided.winners
                )]);
            }
            summary = format!("deleted \"{}\"", list[i].name);
            list.remove(i);
        }
        PrizeEdit::Move { id, up } => {
            let i = find(&list, id)?;
            let j = match (up, i) {
                (true, 0) => return Err(vec!["Already the first prize.".into()]),
                (true, _) => i - 1,
                (false, _) if i + 1 >= list.len() => return Err(vec!["Already the last prize.".into()]),
                (false, _) => i + 1,
            };
            summary = format!("moved \"{}\" {}", list[i].name, if *up { "up" } else { "down" });
            list.swap(i, j);
            // Stage order is the list order now: number it 1, 2, 3 … (only changed ones are written).
            for (n, prize) in list.iter_mut().enumerate() {
                prize.order = n as u32 + 1;
            }
        }
    }
    let before: HashMap<&str, &Prize> = current.iter().map(|p| (p.id.as_str(), p)).collect();
    let put = list.iter().filter(|p| before.get(p.id.as_str()) != Some(p)).cloned().collect();
    let delete = match edit {
        PrizeEdit::Delete { id } => Some(id.clone()),
        _ => None,
    };
    Ok(EditPlan {
        prizes: list,
        put,
        delete,
        summary,
    })
}

fn admin_segments(tail: &[&str]) -> Vec<String> {
    ["api", "v1", "admin"].iter().chain(tail).map(ToString::to_string).collect()
}

/// The event server's writes for an edit (`/api/v1/admin/prizes/{id}`): the delete first, then a
/// `PUT` of every new, changed or renumbered prize.
pub fn server_calls(plan: &EditPlan) -> Vec<AdminCall> {
    let delete = plan.delete.iter().map(|id| AdminCall {
        method: reqwest::Method::DELETE,
        segments: admin_segments(&["prizes", id]),
        content_type: None,
        body: Vec::new(),
    });
    let put = plan.put.iter().map(|prize| AdminCall {
        method: reqwest::Method::PUT,
        segments: admin_segments(&["prizes", &prize.id]),
        content_type: Some("application/json"),
        body: serde_json::to_vec(prize).expect("a prize serializes"),
    });
    delete.chain(put).collect()
}

/// Checked tickets as the server's CSV upload (`POST /api/v1/admin/tickets`, columns
/// `number,display_name,holder`): smaller than JSON, so 100 000 tickets fit the 8 MiB body limit.
pub fn tickets_upload(tickets: &[Ticket]) -> AdminCall {
    let mut body = String::from("number,display_name,holder\n");
    for t in tickets {
        body.push_str(&venue_contract::csv::line(&[
            t.number.to_string().as_str(),
            &t.display_name,
            &t.holder,
        ]));
    }
    AdminCall {
        method: reqwest::Method::POST,
        segments: admin_segments(&["tickets"]),
        content_type: Some("text/csv; charset=utf-8"),
        body: body.into_bytes(),
    }
}

/// A new prize id from its name: lowercase ASCII letters, digits and `-`, unique among `taken`.
pub fn new_id(name: &str, taken: &BTreeSet<&str>) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let base = if slug.is_empty() { "prize" } else { slug };
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id.as_str()))
        .expect("some suffix is free")
}

// ---- ticket CSV ----

/// Why a ticket CSV was refused: nothing of it is imported.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRefusal {
    /// The first problems, each with its line number.
    pub errors: Vec<String>,
    /// All problems found.
    pub total: usize,
    /// Ticket rows that were fine.
    pub good_rows: usize,
}

impl std::fmt::Display for CsvRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nothing imported: {} problem{} ({} good row{})",
            self.total,
            if self.total == 1 { "" } else { "s" },
            self.good_rows,
            if self.good_rows == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n{e}")?;
        }
        if self.total > self.errors.len() {
            write!(f, "\n… and {} more", self.total - self.errors.len())?;
        }
        Ok(())
    }
}

fn refuse(message: String) -> CsvRefusal {
    CsvRefusal {
        errors: vec![message],
        total: 1,
        good_rows: 0,
    }
}

/// Parses a ticket list with the contract's reader ([`venue_contract::ticket_csv`], the event
/// server's too): a header naming the columns (`number,holder[,name]` in any order; `display_name`
/// and `ticket` are understood too, other columns are ignored), then one ticket per line. All or
/// nothing: any bad number, duplicate, missing holder or ragged line refuses the whole file, with
/// line numbers.
pub fn parse_tickets_csv(text: &str) -> Result<Vec<Ticket>, CsvRefusal> {
    let read = ticket_csv::read(text, ticket_csv::Headerless::Refuse).map_err(refuse)?;
    if read.problem_count() > 0 {
        return Err(CsvRefusal {
            errors: read.problems.iter().take(SHOWN_ERRORS).cloned().collect(),
            total: read.problem_count(),
            good_rows: read.tickets.len(),
        });
    }
    Ok(read.tickets)
}

/// Reads and parses a ticket CSV (for a background thread): a plain file of at most
/// [`MAX_CSV_BYTES`], UTF-8.
pub fn read_tickets_csv(path: &Path) -> Result<Vec<Ticket>, CsvRefusal> {
    let text = read_limited(path, MAX_CSV_BYTES).map_err(refuse)?;
    let text = String::from_utf8(text).map_err(|e| {
        refuse(format!(
            "the file is not UTF-8 text (byte {}); save it as CSV UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })?;
    parse_tickets_csv(&text)
}

// ---- the local override ----

/// Prizes and/or tickets that replace the feed's for the draw on this kiosk (no event server).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalOverride {
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prizes: Option<Vec<Prize>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<Vec<Ticket>>,
}

impl LocalOverride {
    pub fn is_empty(&self) -> bool {
        self.prizes.is_none() && self.tickets.is_none()
    }

    /// The draw data the desk uses: the feed's, with the overridden parts replaced. Without a feed,
    /// only an override holding both parts is enough.
    pub fn apply(&self, feed: Option<&DrawData>) -> Option<DrawData> {
        let (prizes, tickets) = match (feed, &self.prizes, &self.tickets) {
            (_, Some(p), Some(t)) => (p.clone(), t.clone()),
            (Some(feed), p, t) => (
                p.clone().unwrap_or_else(|| feed.prizes.clone()),
                t.clone().unwrap_or_else(|| feed.tickets.clone()),
            ),
            (None, _, _) => return None,
        };
        Some(DrawData {
            version: CONTRACT_VERSION,
            prizes,
            tickets,
        })
    }
}

/// The override in `dir`, if there is one. A damaged file is an error (never silently ignored:
/// the operator would draw from the wrong list).
pub fn load_override(dir: &Path) -> Result<Option<LocalOverride>, String> {
    let path = dir.join(OVERRIDE_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let value: LocalOverride = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if value.version != CONTRACT_VERSION {
        return Err(format!("{}: unknown version {}", path.display(), value.version));
    }
    Ok(Some(value).filter(|o| !o.is_empty()))
}

/// Stores the override atomically (temp file, fsync, rename, directory fsync); an empty override
/// removes the file.
pub fn save_override(dir: &Path, value: &LocalOverride) -> Result<(), String> {
    let path = dir.join(OVERRIDE_FILE);
    let io = |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    if value.is_empty() {
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", e)),
        }
    } else {
        let mut value = value.clone();
        value.version = CONTRACT_VERSION;
        let text = serde_json::to_vec_pretty(&value).expect("prizes and tickets serialize");
        let temp = dir.join(format!(".{OVERRIDE_FILE}.{}.tmp", std::process::id()));
        let written = File::create(&temp).and_then(|mut f| {
            f.write_all(&text)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| fs::rename(&temp, &path)) {
            let _ = fs::remove_file(&temp);
            return Err(io("write", e));
        }
    }
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("sync the directory of", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_rules::draw::engine::{EnginePrize, EngineTicket, draw_batch};

    fn prize(id: &str, order: u32, count: u32) -> Prize {
        Prize {
            id: id.into(),
            name: id.to_uppercase(),
            image_url: None,
            winner_count: count,
            order,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        }
    }

    fn draft(name: &str, count: u32) -> PrizeDraft {
        PrizeDraft {
            name: name.into(),
            winner_count: count,
            ..Default::default()
        }
    }

    /// A state where prize `tv` has `n` winners drawn.
    fn state_with(id: &str, n: u32) -> DrawState {
        let pool: Vec<EngineTicket> = (0..20)
            .map(|i| EngineTicket {
                number: i,
                holder: format!("h{i}"),
                groups: Vec::new(),
            })
            .collect();
        let mut state = DrawState::new();
        let p = EnginePrize {
            id: id.into(),
            winner_count: n,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        };
        draw_batch(&mut state, &pool, &p, None, [7; 32]).unwrap();
        state
    }

    #[test]
    fn validation_edges() {
        let none = Decided::default();
        let ok = |d: &PrizeDraft| validate(d, none, Target::Local, None);
        assert!(ok(&draft("TV", 1)).is_ok());
        assert!(ok(&draft("   ", 1)).unwrap_err()[0].contains("needs a name"));
        assert!(ok(&draft(&"가".repeat(120), 1)).is_ok(), "120 characters (not bytes) fit");
        assert!(ok(&draft(&"가".repeat(121), 1)).unwrap_err()[0].contains("121 characters"));
        assert!(ok(&draft("a\nb", 1)).is_err());
        assert!(ok(&draft("TV", 0)).unwrap_err()[0].contains("between 1 and 10000"));
        assert!(ok(&draft("TV", 10_000)).is_ok());
        assert!(ok(&draft("TV", 10_001)).is_err());
        let batch = |b| PrizeDraft {
            batch_size: Some(b),
            ..draft("Mugs", 10)
        };
        assert!(ok(&batch(1)).is_ok());
        assert!(ok(&batch(10)).is_ok());
        assert!(ok(&batch(0)).unwrap_err()[0].contains("batch size"));
        assert!(ok(&batch(11)).unwrap_err()[0].contains("batch size"));
        // Every problem is listed at once.
        assert_eq!(
            ok(&PrizeDraft {
                batch_size: Some(5),
                ..draft("", 0)
            })
            .unwrap_err()
            .len(),
            3
        );
        // Not below what is drawn.
        let drawn = Decided { records: 1, winners: 3 };
        assert!(validate(&draft("TV", 3), drawn, Target::Local, None).is_ok());
        assert!(validate(&draft("TV", 2), drawn, Target::Local, None).unwrap_err()[0].contains("cannot go below 3"));
    }

    #[test]
    fn photos_by_target() {
        let with = |photo: &str, target| {
            validate(
                &PrizeDraft {
                    photo: photo.into(),
                    ..draft("TV", 1)
                },
                Decided::default(),
                target,
                Some("prizes/tv.jpg"),
            )
        };
        assert!(with("https://example.org/tv.jpg", Target::Server).is_ok());
        assert!(with("/srv/photos/tv.jpg", Target::Local).is_ok());
        assert!(with("file:///srv/photos/tv.jpg", Target::Local).is_ok());
        assert!(with("/srv/photos/tv.jpg", Target::Server).unwrap_err()[0].contains("http(s) URL"));
        assert!(
            with("/api/v1/images/3fa9c2.jpg", Target::Server).is_ok(),
            "a photo uploaded in the server's console"
        );
        assert!(with("/api/v1/images/../../etc/passwd", Target::Server).is_err());
        assert!(
            with("/api/v1/images/3fa9c2.jpg", Target::Local).is_ok(),
            "without a server, an absolute path is a file"
        );
        assert!(with("photos/tv.jpg", Target::Local).unwrap_err()[0].contains("absolute path"));
        assert!(with("ftp://example.org/tv.jpg", Target::Local).is_err());
        assert!(
            with("prizes/tv.jpg", Target::Server).is_ok(),
            "keeping the current photo is always allowed"
        );
        assert_eq!(
            photo_source("prizes/tv.jpg", Some(Path::new("/ev"))),
            Some(PhotoSource::File("/ev/prizes/tv.jpg".into()))
        );
        assert_eq!(photo_source("prizes/tv.jpg", None), None);
    }

    #[test]
    fn add_update_delete_and_ids() {
        let list = vec![prize("tv", 1, 1), prize("mug", 6, 10)];
        let state = DrawState::new();
        let added = plan(&list, &PrizeEdit::Add(draft("Coffee Voucher!", 20)), &state, Target::Local).unwrap();
        assert_eq!(added.prizes.len(), 3);
        assert_eq!(added.put.len(), 1, "only the new prize is written");
        assert_eq!(added.put[0].id, "coffee-voucher");
        assert_eq!(added.put[0].order, 7, "placed last");
        let again = plan(&added.prizes, &PrizeEdit::Add(draft("coffee voucher", 1)), &state, Target::Local).unwrap();
        assert_eq!(again.put[0].id, "coffee-voucher-2");
        let korean = plan(&list, &PrizeEdit::Add(draft("커피", 1)), &state, Target::Local).unwrap();
        assert_eq!(korean.put[0].id, "prize");

        let edit = PrizeEdit::Update {
            id: "mug".into(),
            draft: PrizeDraft {
                batch_size: Some(5),
                ..PrizeDraft::from_prize(&list[1])
            },
        };
        let updated = plan(&list, &edit, &state, Target::Server).unwrap();
        assert_eq!(updated.put.len(), 1);
        assert_eq!(
            (updated.put[0].id.as_str(), updated.put[0].order, updated.put[0].batch_size),
            ("mug", 6, Some(5))
        );
        let same = PrizeEdit::Update {
            id: "mug".into(),
            draft: PrizeDraft::from_prize(&list[1]),
        };
        assert!(plan(&list, &same, &state, Target::Local).unwrap_err()[0].contains("Nothing changed"));

        let deleted = plan(&list, &PrizeEdit::Delete { id: "tv".into() }, &state, Target::Server).unwrap();
        assert_eq!(deleted.delete.as_deref(), Some("tv"));
        assert!(deleted.put.is_empty());
        assert_eq!(deleted.prizes.len(), 1);
        assert!(plan(&list, &PrizeEdit::Delete { id: "nope".into() }, &state, Target::Local).is_err());
    }

    #[test]
    fn a_drawn_prize_is_never_deleted_nor_shrunk() {
        let list = vec![prize("tv", 1, 5), prize("mug", 2, 10)];
        let state = state_with("tv", 2);
        let err = plan(&list, &PrizeEdit::Delete { id: "tv".into() }, &state, Target::Local).unwrap_err();
        assert!(err[0].contains("cannot be deleted"), "{err:?}");
        let shrink = PrizeEdit::Update {
            id: "tv".into(),
            draft: draft("TV", 1),
        };
        assert!(plan(&list, &shrink, &state, Target::Local).unwrap_err()[0].contains("cannot go below 2"));
        let to_two = PrizeEdit::Update {
            id: "tv".into(),
            draft: draft("TV", 2),
        };
        assert!(plan(&list, &to_two, &state, Target::Local).is_ok(), "down to what is drawn is fine");
        // A new prize never takes the id of a prize that has results, even if it left the list.
        let added = plan(&list[1..], &PrizeEdit::Add(draft("TV", 1)), &state, Target::Local).unwrap();
        assert_eq!(added.put[0].id, "tv-2");
    }

    #[test]
    fn reorder_renumbers_and_writes_only_what_moved() {
        let list = vec![prize("a", 1, 1), prize("b", 2, 1), prize("c", 3, 1)];
        let state = DrawState::new();
        let moved = plan(&list, &PrizeEdit::Move { id: "c".into(), up: true }, &state, Target::Server).unwrap();
        let ids: Vec<_> = moved.prizes.iter().map(|p| (p.id.as_str(), p.order)).collect();
        assert_eq!(ids, [("a", 1), ("c", 2), ("b", 3)]);
        assert_eq!(moved.put.len(), 2);
        assert!(plan(&list, &PrizeEdit::Move { id: "a".into(), up: true }, &state, Target::Local).is_err());
        assert!(plan(&list, &PrizeEdit::Move { id: "c".into(), up: false }, &state, Target::Local).is_err());
        // Gaps and ties in the feed's order: the list order is what the stage shows.
        let odd = vec![prize("x", 6, 1), prize("y", 1, 1), prize("z", 6, 1)];
        let moved = plan(&odd, &PrizeEdit::Move { id: "x".into(), up: false }, &state, Target::Local).unwrap();
        let ids: Vec<_> = moved.prizes.iter().map(|p| (p.id.as_str(), p.order)).collect();
        assert_eq!(ids, [("y", 1), ("z", 2), ("x", 3)]);
    }

    #[test]
    fn csv_imports_with_any_column_order() {
        let text = "\u{feff}Number,Holder,Name\r\n1001,h-a,김*수\r\n\r\n1000,h-b,\"Doe, J.\"\n";
        let tickets = parse_tickets_csv(text).unwrap();
        assert_eq!(tickets.len(), 2);
        assert_eq!((tickets[0].number, tickets[0].holder.as_str()), (1000, "h-b"));
        assert_eq!(tickets[0].display_name, "Doe, J.");
        assert_eq!(tickets[1].display_name, "김*수");
        let server_order = parse_tickets_csv("number,display_name,holder\n5,A*,h1\n").unwrap();
        assert_eq!(
            (server_order[0].display_name.as_str(), server_order[0].holder.as_str()),
            ("A*", "h1")
        );
        let no_names = parse_tickets_csv("number,holder\n7,h7\n").unwrap();
        assert_eq!(no_names[0].display_name, NO_NAME);
    }

    #[test]
    fn csv_errors_name_their_lines() {
        let text = "number,holder,name\n1,h1,A\n2,,B\nx7,h3,C\n1,h4,D\n5,h5\n99999999999,h6,F\n\"multi\nline\",h,G\n8,h8,H\n";
        let refused = parse_tickets_csv(text).unwrap_err();
        assert_eq!(refused.good_rows, 2, "{refused}");
        let all = refused.errors.join("\n");
        assert!(all.contains("line 3: the holder is empty"), "{all}");
        assert!(all.contains("line 4: `x7` is not a ticket number"), "{all}");
        assert!(all.contains("line 5: ticket 1 is already on line 2"), "{all}");
        assert!(all.contains("line 6: 2 fields, but the header has 3"), "{all}");
        assert!(all.contains("line 7: ticket number 99999999999 is too large"), "{all}");
        assert!(all.contains("line 8: `multi\nline` is not a ticket number"), "{all}");
        assert_eq!(refused.total, 6);
        assert!(refused.to_string().starts_with("nothing imported: 6 problems (2 good rows)"));

        assert!(parse_tickets_csv("").unwrap_err().errors[0].contains("empty"));
        assert!(parse_tickets_csv("1,h1,A\n").unwrap_err().errors[0].contains("must be a header"));
        // Other columns (a registration export's) are ignored; a missing one is named.
        assert!(parse_tickets_csv("number,email\n").unwrap_err().errors[0].contains("no `holder` column"));
        assert_eq!(parse_tickets_csv("email,number,holder\na@x,3,h3\n").unwrap()[0].holder, "h3");
        assert!(parse_tickets_csv("number,name\n1,A\n").unwrap_err().errors[0].contains("no `holder` column"));
        assert!(parse_tickets_csv("number,holder\n").unwrap_err().errors[0].contains("no tickets"));
        assert!(parse_tickets_csv("number,holder\n1,\"h1\n").unwrap_err().errors[0].contains("line 2: a quoted field is not closed"));
        let many: String = std::iter::once("number,holder\n".to_string())
            .chain((0..20).map(|i| format!("-{i},h\n")))
            .collect();
        let refused = parse_tickets_csv(&many).unwrap_err();
        assert_eq!((refused.errors.len(), refused.total), (SHOWN_ERRORS, 20));
        assert!(refused.to_string().ends_with("… and 12 more"));
    }

    #[test]
    fn csv_files_are_read_with_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        fs::write(&path, "number,holder\n1,h\n").unwrap();
        assert_eq!(read_tickets_csv(&path).unwrap().len(), 1);
        fs::write(&path, b"number,holder\n1,\xff\n").unwrap();
        assert!(read_tickets_csv(&path).unwrap_err().errors[0].contains("not UTF-8"));
        assert!(read_limited(&path, 4).unwrap_err().contains("at most 4"));
        assert!(read_tickets_csv(dir.path()).unwrap_err().errors[0].contains("not a file"));
        assert!(read_tickets_csv(&dir.path().join("missing.csv")).is_err());
    }

    #[test]
    fn override_round_trip_and_apply() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("draw-x");
        assert_eq!(load_override(&sub).unwrap(), None);
        let value = LocalOverride {
            version: 1,
            prizes: Some(vec![prize("tv", 1, 1)]),
            tickets: None,
        };
        save_override(&sub, &value).unwrap();
        assert_eq!(load_override(&sub).unwrap(), Some(value.clone()));
        let leftovers: Vec<_> = fs::read_dir(&sub).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, [OVERRIDE_FILE], "no temp file left behind");

        let feed = DrawData {
            version: 1,
            prizes: vec![prize("a", 1, 1), prize("b", 2, 1)],
            tickets: vec![Ticket {
                number: 1,
                display_name: "A".into(),
                holder: "h".into(),
                groups: Vec::new(),
            }],
        };
        let data = value.apply(Some(&feed)).unwrap();
        assert_eq!(data.prizes.len(), 1, "prizes replaced");
        assert_eq!(data.tickets, feed.tickets, "tickets kept from the feed");
        assert_eq!(value.apply(None), None, "half an override waits for the feed");
        let both = LocalOverride {
            tickets: Some(vec![]),
            ..value.clone()
        };
        assert!(both.apply(None).is_some());

        save_override(&sub, &LocalOverride::default()).unwrap();
        assert!(!sub.join(OVERRIDE_FILE).exists(), "an empty override removes the file");
        fs::write(sub.join(OVERRIDE_FILE), "{ not json").unwrap();
        assert!(load_override(&sub).is_err(), "a damaged override is an error, not silence");
    }
}
