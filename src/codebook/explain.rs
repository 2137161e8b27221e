//! `codebook explain` (how a word is read and what it matches) and `codebook audit`
//! (which word forms each entry actually matched in a corpus).

use std::collections::BTreeMap;

use super::matcher::{EntryKind, EntryRef, MatchState, Matcher};
use crate::model::Transcript;
use crate::text::normalize;

/// How the analyzer reads one word, and which entries it matches.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The word as given.
    pub word: String,
    /// Its normalized form.
    pub norm: String,
    /// Its dictionary lemmas (empty when unknown).
    pub lemmas: Vec<String>,
    /// Its Snowball stem.
    pub stem: String,
    /// The entries it matches on its own, with the parameter id and the list.
    pub matches: Vec<(EntryRef, String)>,
}

/// Explains one word form against a matcher.
pub fn explain(matcher: &Matcher, state: &mut MatchState, word: &str) -> Explanation {
    let id = state.analyzer.form(word);
    let info = state.analyzer.form_info(id).clone();
    let matches = matcher
        .word_matches(state, word)
        .into_iter()
        .map(|r| {
            let p = &matcher.codebook().parameters[r.param];
            let list = match r.kind {
                EntryKind::Term => &p.terms,
                EntryKind::Exclude => &p.exclude,
                EntryKind::Question => &p.questions,
            };
            (r, list[r.index].raw.clone())
        })
        .collect();
    Explanation {
        word: word.to_string(),
        norm: info.norm,
        lemmas: info.lemmas,
        stem: info.stem,
        matches,
    }
}

/// For each entry, the distinct matched texts (normalized) with counts.
#[derive(Debug, Default)]
pub struct Audit {
    /// entry → matched text → count.
    pub forms: BTreeMap<EntryRef, BTreeMap<String, usize>>,
    /// Sentences looked at.
    pub sentences: usize,
}

impl Audit {
    /// Adds every sentence of a transcript (term and exclude entries in all sentences,
    /// question entries in interviewer sentences only, as tagging uses them).
    pub fn add(&mut self, matcher: &Matcher, state: &mut MatchState, t: &Transcript) {
        for s in &t.sentences {
            self.sentences += 1;
            let interviewer =
                t.turn_speaker(&t.turns[s.turn]).role == crate::model::Role::Interviewer;
            for h in matcher.find(state, &t.text, s.span) {
                if h.entry.kind == EntryKind::Question && !interviewer {
                    continue;
                }
                *self
                    .forms
                    .entry(h.entry)
                    .or_default()
                    .entry(normalize(t.slice(h.span)))
                    .or_default() += 1;
            }
        }
    }

    /// Merges another audit into this one.
    pub fn merge(&mut self, other: Audit) {
        self.sentences += other.sentences;
        for (e, forms) in other.forms {
            let mine = self.forms.entry(e).or_default();
            for (f, n) in forms {
                *mine.entry(f).or_default() += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Codebook;
    use crate::ingest::{IngestConfig, ingest_bytes};
    use crate::model::Format;
    use crate::text::Analyzer;

    fn matcher() -> Matcher {
        let src = "name = \"t\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n[[parameters]]\nid = \"price\"\nlevel = \"org\"\nname = \"Цены\"\nterms = [\"цена\", \"~цен\"]\nquestions = [\"цены\"]\n";
        Matcher::new(Codebook::parse(src, "t", &mut Analyzer::new()).unwrap())
    }

    #[test]
    fn explain_shows_reading_and_matches() {
        let m = matcher();
        let mut st = MatchState::new();
        let e = explain(&m, &mut st, "Ценами");
        assert_eq!(e.norm, "ценами");
        assert_eq!(e.lemmas, vec!["цена".to_string()]);
        assert_eq!(e.stem, "цен");
        let raws: Vec<&str> = e.matches.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(raws, vec!["цена", "~цен", "цены"]);
        let e = explain(&m, &mut st, "ценный");
        let raws: Vec<&str> = e.matches.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(
            raws,
            vec!["~цен"],
            "the stem entry catches the false friend, the lemma entry does not"
        );
    }

    #[test]
    fn audit_lists_forms_per_entry() {
        let m = matcher();
        let mut st = MatchState::new();
        let t = ingest_bytes(
            "a.txt",
            Format::Txt,
            "Интервьюер: А цены?\nРеспондент: Цены высокие. Ценный опыт, но цене не рады.\n"
                .as_bytes(),
            &IngestConfig::default(),
        )
        .unwrap();
        let mut audit = Audit::default();
        audit.add(&m, &mut st, &t);
        let lemma = EntryRef {
            param: 0,
            kind: EntryKind::Term,
            index: 0,
        };
        let stem = EntryRef {
            param: 0,
            kind: EntryKind::Term,
            index: 1,
        };
        let q = EntryRef {
            param: 0,
            kind: EntryKind::Question,
            index: 0,
        };
        let forms = |r: &EntryRef| {
            audit.forms[r]
                .iter()
                .map(|(f, n)| (f.as_str(), *n))
                .collect::<Vec<_>>()
        };
        assert_eq!(forms(&lemma), vec![("цене", 1), ("цены", 2)]);
        assert_eq!(forms(&stem), vec![("цене", 1), ("ценный", 1), ("цены", 2)]);
        assert_eq!(forms(&q), vec![("цены", 1)]);
    }
}
