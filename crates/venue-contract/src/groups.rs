//! Eligibility groups (contract 1.1): names such as `staff`, `speaker` or `sponsor` that a ticket
//! carries and that a prize limits itself to (`eligible_groups`) or leaves out (`excluded_groups`).
//!
//! A group name is 1 to [`MAX_GROUP_CHARS`] characters: letters (any script, lowercased), digits,
//! `-` and `_`. One ticket or prize names at most [`MAX_GROUPS`] groups. Lists are kept sorted
//! without duplicates, so that equal lists compare equal. Groups say what role a ticket has, never
//! who holds it: they are not personal data.

/// Longest group name, in characters.
pub const MAX_GROUP_CHARS: usize = 40;
/// Most groups on one ticket or one prize.
pub const MAX_GROUPS: usize = 16;

/// One group name, trimmed and lowercased, or why it cannot be one.
pub fn normalize(name: &str) -> Result<String, String> {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return Err("a group name is empty".into());
    }
    if name.chars().count() > MAX_GROUP_CHARS {
        return Err(format!("group `{name}` is over {MAX_GROUP_CHARS} characters"));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_'))) {
        return Err(format!("group `{name}` has `{bad}`; use letters, digits, - and _ only"));
    }
    Ok(name)
}

/// A list of group names, normalized, sorted and without duplicates.
pub fn normalize_list<S: AsRef<str>>(names: &[S]) -> Result<Vec<String>, String> {
    let mut out = names.iter().map(|n| normalize(n.as_ref())).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    if out.len() > MAX_GROUPS {
        return Err(format!("{} groups; at most {MAX_GROUPS}", out.len()));
    }
    Ok(out)
}

/// Groups as typed by a person or written in one CSV field: separated by commas, semicolons or
/// spaces (`staff, speaker`). Empty text is no group.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<&str> = text.split([',', ';', ' ', '\t']).filter(|n| !n.trim().is_empty()).collect();
    normalize_list(&names)
}

/// A list in the form [`parse`] reads back: `staff, speaker`.
pub fn format(groups: &[String]) -> String {
    groups.join(", ")
}

/// Whether a list is already in normal form (what the feed and the server send).
pub fn is_normal(groups: &[String]) -> bool {
    normalize_list(groups).is_ok_and(|normal| normal == groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_lowercased_sorted_and_unique() {
        assert_eq!(parse(" Staff; speaker,staff  VIP ").unwrap(), ["speaker", "staff", "vip"]);
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        assert_eq!(parse("스태프").unwrap(), ["스태프"]);
        assert!(is_normal(&["speaker".into(), "staff".into()]));
        assert!(!is_normal(&["staff".into(), "speaker".into()]));
        assert!(!is_normal(&["Staff".into()]));
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        assert!(parse("staff!").unwrap_err().contains("`!`"));
        assert!(normalize("").unwrap_err().contains("empty"));
        assert!(parse(&"x".repeat(41)).unwrap_err().contains("40"));
        let many: Vec<String> = (0..17).map(|i| format!("g{i}")).collect();
        assert!(normalize_list(&many).unwrap_err().contains("at most 16"));
        assert!(normalize("a@b.c").is_err(), "an email is no group");
    }
}
