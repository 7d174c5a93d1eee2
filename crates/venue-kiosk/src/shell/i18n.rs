//! The screens' labels in the event's language. Labels live in one table per language,
//! `locales/<tag>.ftl` (Fluent), compiled in; code names a label by its id. `display.language`
//! picks the language: `auto` follows the event (`EventInfo.languages`, its first known one, and
//! its second for headings), or one tag (`de`), or two (`en+ko`: labels in English, headings in
//! both). An id missing in a language falls back to English, so a partial translation still reads.

use bevy::prelude::*;
use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use venue_rules::schedule::now_next::StartsIn;

use crate::config::Config;
pub use crate::config::language::{LabelLanguages, Language};
use crate::feed::FeedState;

/// The label table of a language, compiled in.
fn table(language: Language) -> &'static str {
    match language {
        Language::En => include_str!("../../locales/en.ftl"),
        Language::Ko => include_str!("../../locales/ko.ftl"),
        Language::De => include_str!("../../locales/de.ftl"),
    }
}

/// The labels every screen reads (a resource). Replaced, not mutated, when the language changes,
/// so `is_changed` tells a screen to redraw its text.
#[derive(Resource)]
pub struct Labels {
    languages: LabelLanguages,
    main: FluentBundle<FluentResource>,
    second: Option<FluentBundle<FluentResource>>,
    english: FluentBundle<FluentResource>,
}

fn bundle(language: Language) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = language.tag().parse().expect("a valid tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the fonts would draw them as boxes.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(table(language).to_string()).unwrap_or_else(|(partial, errors)| {
        error!("locales/{}.ftl has errors ({errors:?}); the rest of it is used", language.tag());
        partial
    });
    if let Err(errors) = bundle.add_resource(resource) {
        error!("locales/{}.ftl: {errors:?}", language.tag());
    }
    bundle
}

/// An argument of a label: a number (plural rules apply) or a text.
pub enum Arg<'a> {
    Number(i64),
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<u32> for Arg<'_> {
    fn from(n: u32) -> Self {
        Arg::Number(n.into())
    }
}

impl From<u8> for Arg<'_> {
    fn from(n: u8) -> Self {
        Arg::Number(n.into())
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(n as i64)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl Labels {
    pub fn new(languages: LabelLanguages) -> Labels {
        Labels {
            languages,
            main: bundle(languages.main),
            second: languages.second.map(bundle),
            english: bundle(Language::En),
        }
    }

    pub fn languages(&self) -> LabelLanguages {
        self.languages
    }

    /// Label `id` in the main language.
    pub fn text(&self, id: &str) -> String {
        self.text_with(id, &[])
    }

    /// Label `id` in the main language with arguments (`{ $name }` in the table).
    pub fn text_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        format_in(&self.main, id, args)
            .or_else(|| format_in(&self.english, id, args))
            .unwrap_or_else(|| {
                warn!("no label `{id}` in locales/en.ftl");
                id.to_string()
            })
    }

    /// A heading: in the main language, and in the second beside it when there is one
    /// ("NOW · 지금 진행 중").
    pub fn heading(&self, id: &str) -> String {
        let main = self.text(id);
        match self.second.as_ref().and_then(|second| format_in(second, id, &[])) {
            Some(second) if second != main => format!("{main} · {second}"),
            _ => main,
        }
    }

    /// Label `id` in the second language, when there is one and it reads differently.
    pub fn second_text(&self, id: &str) -> Option<String> {
        let second = format_in(self.second.as_ref()?, id, &[])?;
        (second != self.text(id)).then_some(second)
    }

    /// A line in the main language and, when there is one, the second beside it: for what every
    /// reader must understand (an emergency's instructions).
    pub fn both_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let main = self.text_with(id, args);
        match self.second.as_ref().and_then(|second| format_in(second, id, args)) {
            Some(second) if second != main => format!("{main} · {second}"),
            _ => main,
        }
    }

    /// "in 5 min", "in 2 h 10 min", "tomorrow" in the main language.
    pub fn starts_in(&self, starts_in: StartsIn) -> String {
        match starts_in {
            StartsIn::Now => self.text("starts-now"),
            StartsIn::Minutes(m) => self.text_with("starts-in-minutes", &[("minutes", m.into())]),
            StartsIn::Hours(h, 0) => self.text_with("starts-in-hours", &[("hours", h.into())]),
            StartsIn::Hours(h, m) => self.text_with("starts-in-hours-minutes", &[("hours", h.into()), ("minutes", m.into())]),
            StartsIn::Tomorrow => self.text("starts-tomorrow"),
            StartsIn::Days(d) => self.text_with("starts-in-days", &[("days", d.into())]),
        }
    }

    /// "Friday 13 June 2025", "Freitag, 13. Juni 2025", "2025년 6월 13일 금요일".
    pub fn date_long(&self, date: NaiveDate) -> String {
        self.date("date-long", date)
    }

    /// "Fri 13 Jun", "Fr, 13. Juni", "6월 13일 (금)".
    pub fn date_short(&self, date: NaiveDate) -> String {
        self.date("date-short", date)
    }

    fn date(&self, id: &str, date: NaiveDate) -> String {
        let weekday = i64::from(date.weekday().number_from_monday());
        let month = i64::from(date.month());
        let name = |id: &str, n: i64| self.text_with(id, &[("n", n.into())]);
        let (weekday_name, weekday_short) = (name("weekday", weekday), name("weekday-short", weekday));
        let (month_name, month_short) = (name("month", month), name("month-short", month));
        self.text_with(
            id,
            &[
                ("weekday", Arg::Text(&weekday_name)),
                ("weekday-short", Arg::Text(&weekday_short)),
                ("month", Arg::Text(&month_name)),
                ("month-short", Arg::Text(&month_short)),
                ("month-number", month.into()),
                ("day", i64::from(date.day()).into()),
                ("year", i64::from(date.year()).into()),
            ],
        )
    }
}

/// `id` formatted in one bundle, `None` when the bundle lacks it.
fn format_in(bundle: &FluentBundle<FluentResource>, id: &str, args: &[(&str, Arg)]) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            // Years and counts print plainly ("2025", not "2,025").
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            Arg::Text(text) => fluent_args.set(*name, FluentValue::from(*text)),
        }
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        warn!("label `{id}`: {errors:?}");
    }
    Some(text.into_owned())
}

/// The labels follow `display.language`; on `auto`, the event's languages as the feed names them.
pub fn plugin(app: &mut App) {
    let setting = app
        .world()
        .get_resource::<Config>()
        .and_then(|config| LabelLanguages::parse_setting(&config.display.language).ok().flatten());
    app.insert_resource(Labels::new(setting.unwrap_or(LabelLanguages::ENGLISH)));
    if setting.is_none() {
        app.add_systems(PreUpdate, follow_the_event);
    }
}

/// `auto`: when the event (as shown) names other languages, the labels change with it.
fn follow_the_event(feed: Res<FeedState>, mut labels: ResMut<Labels>) {
    if !feed.is_changed() {
        return;
    }
    let wanted = LabelLanguages::for_event(feed.event_info().map_or(&[], |e| &e.languages));
    if wanted != labels.languages {
        info!(
            "screens labelled in {}{}",
            wanted.main.tag(),
            wanted
                .second
                .map(|l| format!(" (headings also in {})", l.tag()))
                .unwrap_or_default()
        );
        *labels = Labels::new(wanted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a table (lines `id = …`), after checking that it parses.
    fn ids(language: Language) -> Vec<String> {
        if let Err((_, errors)) = FluentResource::try_new(table(language).to_string()) {
            panic!("locales/{}.ftl does not parse: {errors:?}", language.tag());
        }
        table(language)
            .lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| id.starts_with(|c: char| c.is_ascii_lowercase()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_table_parses_and_has_every_english_label() {
        let english = ids(Language::En);
        assert!(english.len() > 20);
        for language in Language::ALL {
            let theirs = ids(language);
            let missing: Vec<&String> = english.iter().filter(|id| !theirs.contains(id)).collect();
            assert!(missing.is_empty(), "locales/{}.ftl lacks {missing:?}", language.tag());
        }
    }

    #[test]
    fn settings_and_events_pick_the_languages() {
        assert_eq!(LabelLanguages::parse_setting("auto"), Ok(None));
        assert_eq!(LabelLanguages::parse_setting(" de-AT ").unwrap().unwrap().main, Language::De);
        let pair = LabelLanguages::parse_setting("en+ko").unwrap().unwrap();
        assert_eq!((pair.main, pair.second), (Language::En, Some(Language::Ko)));
        let err = LabelLanguages::parse_setting("fr").unwrap_err();
        assert!(err.contains("`fr`") && err.contains("en, ko, de"), "{err}");
        assert!(LabelLanguages::parse_setting("en+xx").is_err());
        let tags = |t: &[&str]| t.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(LabelLanguages::for_event(&[]), LabelLanguages::ENGLISH);
        assert_eq!(LabelLanguages::for_event(&tags(&["fr", "nl"])), LabelLanguages::ENGLISH);
        let ko = LabelLanguages::for_event(&tags(&["ko-KR", "fr", "en"]));
        assert_eq!((ko.main, ko.second), (Language::Ko, Some(Language::En)));
    }

    #[test]
    fn labels_read_in_each_language() {
        let en = Labels::new(LabelLanguages::ENGLISH);
        let de = Labels::new(LabelLanguages::parse_setting("de").unwrap().unwrap());
        let ko = Labels::new(LabelLanguages::parse_setting("ko").unwrap().unwrap());
        let both = Labels::new(LabelLanguages::parse_setting("en+ko").unwrap().unwrap());
        assert_eq!(en.heading("now-heading"), "NOW");
        assert_eq!(de.heading("now-heading"), "JETZT");
        assert_eq!(both.heading("now-heading"), "NOW · 지금 진행 중");
        assert_eq!(both.text("now-heading"), "NOW", "text is in the main language only");
        let date = NaiveDate::from_ymd_opt(2025, 6, 13).unwrap();
        assert_eq!(en.date_long(date), "Friday 13 June 2025");
        assert_eq!(de.date_long(date), "Freitag, 13. Juni 2025");
        assert_eq!(ko.date_long(date), "2025년 6월 13일 금요일");
        assert_eq!(de.date_short(date), "Fr, 13. Juni");
        assert_eq!(en.starts_in(StartsIn::Hours(2, 10)), "in 2 h 10 min");
        assert_eq!(de.starts_in(StartsIn::Minutes(5)), "in 5 Min.");
        assert_eq!(ko.starts_in(StartsIn::Days(3)), "3일 후");
        assert_eq!(
            de.text_with("now-span", &[("start", "10:00".into()), ("end", "10:30".into())]),
            "JETZT 10:00–10:30"
        );
        // Years print without grouping, and no isolation marks surround arguments.
        assert!(!en.date_long(date).contains('\u{2068}'));
        assert_eq!(en.text_with("starts-in-days", &[("days", 12_000i64.into())]), "in 12000 days");
    }
}
