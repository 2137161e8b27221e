//! Quote mining: vivid, explainable, diverse and anonymized quotes per parameter.
//!
//! **Extraction.** A candidate is one to four consecutive sentences of one respondent turn
//! whose first and last sentences are coded for the parameter (keyword or context).
//! Leading fillers ("ну", "вот", "короче", "как бы", "значит", "э-э"…) are trimmed from its
//! start, non-speech marks are left out of the shown text, and a cut inside the turn is shown
//! as "…" (at the start; at the end the final period becomes "…"). `span` always covers the
//! shown words in the canonical text.
//!
//! **Ranking.** The score is the sum of named features ([`FEATURES`]), each weighted by
//! [`Weights`] (defaults documented there; a study overrides them with a TOML file):
//! relevance, emotion, concreteness, first person, comparison, self-containedness, length
//! and filler density. Every quote reports its features, which add up to its score.
//!
//! **Selection.** Top-k per parameter by maximal marginal relevance: each next quote is the
//! one with the best score after penalties for word overlap with the quotes already chosen
//! and for repeating their division or respondent; overlapping spans are never both chosen.
//! A polarity filter keeps praise (`positive`), criticism (`negative`) or `any`.
//!
//! **Anonymity.** See [`mask`]: names, phones and e-mails are masked in the shown text, and
//! quotes are attributed by a template over the metadata, never by name.

mod candidates;
mod features;
pub mod mask;
mod select;
pub mod wire;
pub mod wishes;
mod words;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use candidates::{attribute, candidates, tidy};
pub use select::{KEEP_PER_PARAMETER, keep_best, passes, select, select_avoiding};

use crate::model::Span;
use crate::tag::polarity::Polarity;

/// The feature names, in output order.
pub const FEATURES: &[&str] = &[
    "relevance",
    "emotion",
    "concreteness",
    "first_person",
    "comparison",
    "self_contained",
    "length",
    "filler",
];

/// Weights of the features. The defaults were tuned by reading the demo corpus's quotes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Names the parameter (keyword) rather than answering a question about it (context): 1.0.
    pub relevance: f32,
    /// Strength of the evaluation, exclamations, intensifiers: 1.0.
    pub emotion: f32,
    /// Numbers, dates and periods, "например", named things: 0.8.
    pub concreteness: f32,
    /// "мы", "у нас", "я": the respondent's own experience: 0.4.
    pub first_person: f32,
    /// A comparison with competitors: 0.5.
    pub comparison: f32,
    /// Penalty for opening on an unresolved "это", "он", "там", "тогда", a conjunction: 0.8.
    pub self_contained: f32,
    /// Penalty for being shorter than 8 or longer than 45 words: 1.0.
    pub length: f32,
    /// Penalty for filler density ("ну", "вот", "как бы", "э-э"): 1.0.
    pub filler: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            relevance: 1.0,
            emotion: 1.0,
            concreteness: 0.8,
            first_person: 0.4,
            comparison: 0.5,
            self_contained: 0.8,
            length: 1.0,
            filler: 1.0,
        }
    }
}

/// Which quotes to keep by polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolarityFilter {
    /// Praise (and mixed quotes that lean positive): for strengths.
    Positive,
    /// Criticism (and mixed quotes that lean negative): for zones of development.
    Negative,
    /// All.
    Any,
}

/// How quotes are extracted, scored and chosen. `Default` gives the documented defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuoteConfig {
    /// Feature weights.
    pub weights: Weights,
    /// Quotes per parameter (3).
    pub top: usize,
    /// Most sentences in a quote (4).
    pub max_sentences: usize,
    /// How much word overlap with a chosen quote costs (1.5 × Jaccard similarity).
    pub overlap_penalty: f32,
    /// How much repeating a chosen quote's division costs (0.6).
    pub same_division_penalty: f32,
    /// How much repeating a chosen quote's respondent costs (0.4).
    pub same_respondent_penalty: f32,
    /// Mask names, phones and e-mails (true).
    pub mask: bool,
    /// Attribution template: alternatives separated by `|`, the first whose `{key}`s all
    /// exist in the metadata wins; `{n}` is the transcript's number in the corpus.
    pub attribution: String,
}

impl Default for QuoteConfig {
    fn default() -> Self {
        QuoteConfig {
            weights: Weights::default(),
            top: 3,
            max_sentences: 4,
            overlap_penalty: 1.5,
            same_division_penalty: 0.6,
            same_respondent_penalty: 0.4,
            mask: true,
            attribution: "{division}|{role}|Респондент {n}".into(),
        }
    }
}

/// A scored candidate or a chosen quote.
#[derive(Clone, Debug, PartialEq)]
pub struct Quote {
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The transcript's document id.
    pub doc: String,
    /// The turn.
    pub turn: usize,
    /// The first and last sentence indexes.
    pub sentences: (usize, usize),
    /// The shown words in the canonical text (bytes), after trimming leading fillers.
    pub span: Span,
    /// The same span in code points, for output.
    pub chars: (usize, usize),
    /// What is shown: the span's text without non-speech marks, "…" at cuts, names masked.
    pub text: String,
    /// Who said it, by the attribution template.
    pub attribution: String,
    /// The division, for diversity (empty when unknown).
    pub division: String,
    /// The respondent, for diversity (metadata `respondent`, else the document).
    pub respondent: String,
    /// Overall polarity.
    pub polarity: Polarity,
    /// The sum of the features.
    pub score: f32,
    /// Each feature's weighted contribution, in [`FEATURES`] order.
    pub features: Vec<(&'static str, f32)>,
    /// Normalized word set, for overlap.
    words: BTreeSet<String>,
    /// The transcript's own names, masked in chosen quotes.
    private: std::sync::Arc<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::{IngestConfig, ingest_bytes};
    use crate::model::Format;

    use crate::tag::{TagState, Tagger};

    const CODEBOOK: &str = r#"
name = "t"
[[levels]]
id = "proc"
name = "Процесс"
[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки поставки"
terms = ["срок поставки", "поставка", "задержка", "вовремя"]
questions = ["сроки"]
"#;

    fn tagger() -> Tagger {
        crate::testutil::tagger(
            CODEBOOK,
            &["хотелось бы"],
            &["конкурент", "ГидроМаш"],
            "хороший\t2\nхорошо\t2\nзадержка\t-2\nужасный\t-3\nотлично\t3\n",
            "очень\tintensifier\t1.5\nне\tnegation\t-\nно\tcontrast\t-\n",
        )
    }

    fn quotes_of(text: &str, meta: &str) -> Vec<Quote> {
        let tg = tagger();
        let t = crate::testutil::transcript(&format!("{meta}{text}"));
        let mut st = TagState::default();
        let codings = tg.tag(&mut st, &t);
        candidates(&mut st.words(&t), &codings, 1, &QuoteConfig::default())
    }

    /// The feature value of the single-sentence candidate that shows `shown`.
    fn feature(text: &str, shown: &str, name: &str) -> f32 {
        let qs = quotes_of(text, "");
        let q = qs
            .iter()
            .find(|q| {
                q.text.trim_start_matches('…').trim_end_matches('…') == shown.trim_end_matches('.')
            })
            .or_else(|| qs.iter().find(|q| q.text.contains(shown)))
            .unwrap_or_else(|| {
                panic!(
                    "no candidate shows {shown:?}: {:#?}",
                    qs.iter().map(|q| &q.text).collect::<Vec<_>>()
                )
            });
        q.features
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap()
    }

    fn answer(s: &str) -> String {
        format!("Интервьюер: Как сроки?\nРеспондент: {s}\n")
    }

    #[test]
    fn each_feature_fires_on_its_trigger_and_not_on_the_control() {
        // (feature, trigger sentence, control sentence); both are keyword-coded answers.
        let cases = [
            (
                "emotion",
                "Поставка просто ужасная, очень!",
                "Поставка была в среду по графику.",
            ),
            (
                "concreteness",
                "Поставка опоздала на 14 дней в марте.",
                "Поставка опоздала, как обычно у всех.",
            ),
            (
                "first_person",
                "У нас поставка встала, мы ждали.",
                "Поставка встала, все ждали на складе.",
            ),
            (
                "comparison",
                "У конкурентов поставка быстрее идёт.",
                "У склада поставка быстрее идёт сейчас.",
            ),
        ];
        for (name, trigger, control) in cases {
            let on = feature(&answer(trigger), trigger, name);
            let off = feature(&answer(control), control, name);
            assert!(on > 0.0, "{name} silent on {trigger:?}");
            assert!(off == 0.0, "{name} fired on {control:?}: {off}");
        }
        // Penalties: negative on the trigger, zero on the control.
        let penalties = [
            (
                "self_contained",
                "Это поставка была без задержки вообще тогда.",
                "Поставка была без задержки вообще тогда.",
            ),
            (
                "length",
                "Поставка вовремя.",
                "Поставка пришла вовремя, как и обещали на совещании в понедельник.",
            ),
            (
                "filler",
                "Поставка, ну, вот, как бы, короче, вовремя.",
                "Поставка пришла вовремя, всё по графику.",
            ),
        ];
        for (name, trigger, control) in penalties {
            let on = feature(&answer(trigger), trigger, name);
            let off = feature(&answer(control), control, name);
            assert!(on < 0.0, "{name} silent on {trigger:?}");
            assert!(off == 0.0, "{name} fired on {control:?}: {off}");
        }
        // Relevance: a keyword sentence beats a context one.
        let kw = feature(
            &answer("Поставка пришла вовремя, всё по графику."),
            "Поставка пришла вовремя, всё по графику.",
            "relevance",
        );
        let ctx = feature(
            &answer("Всё пришло, как договаривались, без сюрпризов."),
            "Всё пришло, как договаривались, без сюрпризов.",
            "relevance",
        );
        assert!(kw > ctx && ctx > 0.0, "{kw} {ctx}");
    }

    #[test]
    fn fillers_and_marks_are_trimmed_and_offsets_stay_right() {
        let text = answer("Ну, вот, [смеется] короче, поставка пришла вовремя. Это плюс.");
        let tg = tagger();
        let t = crate::testutil::transcript(&text);
        let mut st = TagState::default();
        let codings = tg.tag(&mut st, &t);
        let qs = candidates(&mut st.words(&t), &codings, 1, &QuoteConfig::default());
        let q = qs
            .iter()
            .find(|q| q.sentences == (1, 1))
            .or(qs.first())
            .unwrap();
        // The fillers were words of the sentence: the quote begins mid-sentence, so «…».
        assert_eq!(q.text, "…поставка пришла вовремя…");
        assert_eq!(t.slice(q.span), "поставка пришла вовремя.");
        let both = qs.iter().find(|q| q.sentences.1 > q.sentences.0).unwrap();
        assert_eq!(both.text, "…поставка пришла вовремя. Это плюс.");
    }

    /// Issue 15: a quote never starts with a lower-case letter without «…», one that begins
    /// after a mark only starts where the words do, and "..." is one «…»; no word changes.
    #[test]
    fn openings_and_ellipses_are_typeset_and_words_kept() {
        let tg = tagger();
        for (answer_text, want) in [
            (
                "[смеется] Поставка пришла вовремя... ну почти.",
                "Поставка пришла вовремя… ну почти.",
            ),
            (
                "поставка пришла вовремя, без задержек.",
                "…поставка пришла вовремя, без задержек.",
            ),
        ] {
            let text = answer(answer_text);
            let t = crate::testutil::transcript(&text);
            let mut st = TagState::default();
            let codings = tg.tag(&mut st, &t);
            let qs = candidates(&mut st.words(&t), &codings, 1, &QuoteConfig::default());
            assert_eq!(
                qs.first().map(|q| q.text.as_str()),
                Some(want),
                "{answer_text}"
            );
        }
    }

    #[test]
    fn the_second_slot_goes_to_another_division() {
        let strong = "Поставка у нас очень хорошая, 10 дней максимум, мы довольны!";
        let twin = "Поставка у нас очень хорошая, 10 дней максимум, мы рады!";
        let weaker = "Поставка нормальная, без задержек в целом.";
        let mut all = quotes_of(
            &answer(&format!("{strong} {twin}")),
            "---\ndivision: Закупки\n---\n",
        );
        all.retain(|q| q.sentences.0 == q.sentences.1);
        let mut other = quotes_of(&answer(weaker), "---\ndivision: Производство\n---\n");
        // Another transcript: another document and respondent.
        for q in &mut other {
            q.doc = "u.txt".into();
            q.respondent = "u.txt".into();
        }
        all.extend(other);
        let config = QuoteConfig {
            top: 2,
            ..QuoteConfig::default()
        };
        let chosen = select(all.clone(), &config, PolarityFilter::Any);
        let divisions: Vec<&str> = chosen.iter().map(|q| q.division.as_str()).collect();
        assert_eq!(divisions, vec!["Закупки", "Производство"], "{chosen:#?}");
        // Deterministic.
        assert_eq!(select(all, &config, PolarityFilter::Any), chosen);
    }

    #[test]
    fn attribution_template_falls_back() {
        let t = ingest_bytes(
            "t.txt",
            Format::Txt,
            b"---\nrole: mechanic\n---\nX: y\n",
            &IngestConfig::default(),
        )
        .unwrap();
        assert_eq!(
            attribute("{division}|{role}|Респондент {n}", &t, 4),
            "mechanic"
        );
        assert_eq!(
            attribute("{division}|Респондент {n}", &t, 4),
            "Респондент 4"
        );
        assert_eq!(attribute("{role}, волна {wave}|{role}", &t, 1), "mechanic");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::codebook::Codebook;
    use crate::text::Analyzer;

    use crate::tag::polarity::Lexicon;
    use crate::tag::{TagState, Tagger, markers_codebook};

    const WORDS: &[&str] = &[
        "поставка",
        "поставки",
        "задержка",
        "ну",
        "вот",
        "короче",
        "как бы",
        "э-э",
        "мы",
        "у нас",
        "всё",
        "хорошо",
        "плохо",
        "[смеется]",
        "(пауза)",
        "в марте",
        "14 дней",
        "ё-моё",
        "Дима",
        "сро\u{301}ки",
        "вовремя",
        "но",
        "очень",
    ];

    fn sentence() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(prop::sample::select(WORDS), 1..9),
            prop::sample::select(&[".", "!", "?", "…", ","][..]),
        )
            .prop_map(|(w, p)| format!("{}{p}", w.join(" ")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The span's text, with marks left out, whitespace collapsed and the cut marks
        /// undone, is the shown text; spans are inside the text on char boundaries.
        #[test]
        fn shown_text_is_the_span_after_trimming(answer in prop::collection::vec(sentence(), 1..6)) {
            let mut a = Analyzer::new();
            let cb = Codebook::parse(
                "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"d\"\nlevel = \"p\"\nname = \"D\"\nterms = [\"поставка\", \"задержка\", \"вовремя\"]\nquestions = [\"сроки\"]\n",
                "t",
                &mut a,
            )
            .unwrap();
            let markers = markers_codebook("wish = [\"хотелось бы\"]\ncomparison = [\"конкурент\"]\n", &mut a).unwrap();
            let tagger = Tagger::with(cb, markers, Lexicon::parse("хорошо\t2\nплохо\t-2\n", "").unwrap());
            // The answer names the parameter at least once, so there are candidates to check.
            let text = format!("Интервьюер: Как сроки?\nРеспондент: Поставка {}\n", answer.join(" "));
            let t = crate::testutil::transcript(&text);
            let mut st = TagState::default();
            let codings = tagger.tag(&mut st, &t);
            let config = QuoteConfig { mask: false, ..QuoteConfig::default() };
            let qs = candidates(&mut st.words(&t), &codings, 1, &config);
            prop_assert!(!qs.is_empty());
            for q in qs {
                prop_assert!(t.text.is_char_boundary(q.span.start) && t.text.is_char_boundary(q.span.end));
                let marks: Vec<Span> = t.sentences[q.sentences.0..=q.sentences.1]
                    .iter()
                    .flat_map(|s| s.marks.iter().copied())
                    .filter(|m| q.span.contains(*m))
                    .collect();
                let mut expected = String::new();
                let mut pos = q.span.start;
                for m in &marks {
                    expected.push_str(&t.text[pos..m.start]);
                    pos = m.end;
                }
                expected.push_str(&t.text[pos..q.span.end]);
                let expected = tidy(&expected);
                let expected = expected.as_str();
                let mut shown = q.text.strip_prefix('…').unwrap_or(&q.text).to_string();
                if shown.ends_with('…') && !expected.ends_with('…') {
                    shown.pop();
                    if expected.ends_with('.') {
                        shown.push('.');
                    }
                }
                prop_assert_eq!(shown.as_str(), expected);
                let sum: f32 = q.features.iter().map(|(_, v)| v).sum();
                prop_assert!((sum - q.score).abs() < 0.01, "features {:?} sum to {} not {}", q.features, sum, q.score);
            }
        }
    }
}
