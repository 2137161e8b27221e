//! Word lists of quote and wish mining, kept as data in `dictionaries/` (included in the
//! binary, parsed once): `quotes.ru.tsv` for the scoring features and bare ratings,
//! `wishes.ru.tsv` for telling a proposal from a fragment or a satisfied «так и дальше».

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// A word list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Fillers, by form ("ну", "как бы").
    Filler,
    /// Unresolved openers, by form ("это", "и").
    Opener,
    /// First person, by form.
    FirstPerson,
    /// Dates and periods, by lemma.
    Time,
    /// Number words, by lemma.
    Number,
    /// Signs of an example, by lemma.
    Example,
    /// Intensifiers, by form.
    Intensifier,
    /// Other words of a bare rating, by lemma.
    Rating,
    /// Grade nouns, by lemma ("десятка").
    Grade,
    /// Wish phrases that ask for nothing new ("так и дальше"), by form.
    Satisfied,
    /// A message that is no proposal ("привет", "спасибо"), by lemma.
    Message,
    /// Words that carry no proposal on their own, by lemma (see [`super::wishes`]).
    Empty,
    /// Words that ask for something, by lemma or form ("чтобы", "надо", "давайте").
    Directive,
    /// A grade's reason, not a request ("за то что"), by form.
    Concession,
    /// Openings that continue the sentence before ("хотя бы", "а то"), by form.
    Continuation,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "filler" => Kind::Filler,
            "opener" => Kind::Opener,
            "first_person" => Kind::FirstPerson,
            "time" => Kind::Time,
            "number" => Kind::Number,
            "example" => Kind::Example,
            "intensifier" => Kind::Intensifier,
            "rating" => Kind::Rating,
            "grade" => Kind::Grade,
            "satisfied" => Kind::Satisfied,
            "message" => Kind::Message,
            "empty" => Kind::Empty,
            "directive" => Kind::Directive,
            "concession" => Kind::Concession,
            "continuation" => Kind::Continuation,
            _ => return None,
        })
    }
}

const QUOTES: &str = include_str!("../../dictionaries/quotes.ru.tsv");
const WISHES: &str = include_str!("../../dictionaries/wishes.ru.tsv");

/// `word<TAB>kind` lines; `#` starts a comment line.
fn parse(src: &'static str, into: &mut HashMap<Kind, HashSet<&'static str>>) -> Result<(), String> {
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, kind) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {}: word<TAB>kind expected", n + 1))?;
        let kind = Kind::of(kind.trim()).ok_or_else(|| format!("line {}: unknown kind", n + 1))?;
        into.entry(kind).or_default().insert(word.trim());
    }
    Ok(())
}

static LISTS: LazyLock<HashMap<Kind, HashSet<&'static str>>> = LazyLock::new(|| {
    let mut lists = HashMap::new();
    parse(QUOTES, &mut lists).unwrap_or_else(|e| panic!("dictionaries/quotes.ru.tsv: {e}"));
    parse(WISHES, &mut lists).unwrap_or_else(|e| panic!("dictionaries/wishes.ru.tsv: {e}"));
    lists
});

/// Whether `word` (a normalized form or a lemma, as the kind says) is in the list.
pub(crate) fn is(kind: Kind, word: &str) -> bool {
    LISTS.get(&kind).is_some_and(|l| l.contains(word))
}

/// The entries of a list (phrases included), in no order.
pub(crate) fn all(kind: Kind) -> impl Iterator<Item = &'static str> {
    LISTS.get(&kind).into_iter().flatten().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionaries_parse_and_every_list_has_words() {
        for kind in [
            Kind::Filler,
            Kind::Opener,
            Kind::FirstPerson,
            Kind::Time,
            Kind::Number,
            Kind::Example,
            Kind::Intensifier,
            Kind::Rating,
            Kind::Grade,
            Kind::Satisfied,
            Kind::Message,
            Kind::Empty,
            Kind::Directive,
            Kind::Concession,
            Kind::Continuation,
        ] {
            assert!(all(kind).next().is_some(), "{kind:?} is empty");
        }
        assert!(is(Kind::Filler, "как бы") && is(Kind::Number, "восемь"));
        assert!(!is(Kind::Filler, "поставка"));
        let mut bad = HashMap::new();
        assert!(parse("слово без вкладки\n", &mut bad).is_err());
        assert!(parse("слово\tнет-такого\n", &mut bad).is_err());
    }
}
