//! Which language the screens' labels are in: `display.language` parsed and checked here, with
//! the config; the labels themselves are the shell's (`shell::i18n`).

/// A language the screens have labels for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    En,
    Ko,
    De,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Ko, Language::De];

    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ko => "ko",
            Language::De => "de",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag (`de-AT` → German); `None` when the
    /// screens have no labels for it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Language::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }
}

/// The languages labels are in: the main one, and a second one headings also show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelLanguages {
    pub main: Language,
    pub second: Option<Language>,
}

impl LabelLanguages {
    pub const ENGLISH: LabelLanguages = LabelLanguages {
        main: Language::En,
        second: None,
    };

    /// `display.language`: `Ok(None)` for `auto` (follow the event), else one tag or two joined
    /// by `+`.
    pub fn parse_setting(text: &str) -> Result<Option<LabelLanguages>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(None);
        }
        let known = || Language::ALL.map(Language::tag).join(", ");
        let one = |tag: &str| {
            Language::from_tag(tag).ok_or_else(|| format!("`{tag}` is not a language the screens have labels for ({})", known()))
        };
        match text.split_once('+') {
            None => Ok(Some(LabelLanguages {
                main: one(text)?,
                second: None,
            })),
            Some((main, second)) => {
                let (main, second) = (one(main)?, one(second)?);
                Ok(Some(LabelLanguages {
                    main,
                    second: (second != main).then_some(second),
                }))
            }
        }
    }

    /// What `auto` picks for an event naming these languages: the first two the screens know;
    /// English when it names none of them.
    pub fn for_event(tags: &[String]) -> LabelLanguages {
        let mut known = tags.iter().filter_map(|t| Language::from_tag(t));
        let Some(main) = known.next() else { return LabelLanguages::ENGLISH };
        LabelLanguages {
            main,
            second: known.find(|l| *l != main),
        }
    }
}
