//! Tagging: every sentence of a transcript coded against the codebook.
//!
//! - **Keyword codings**: a parameter's term entries match in the sentence (exclusions
//!   applied), `source = keyword`.
//! - **Context codings**: an interviewer turn that asks about parameters (their `questions`
//!   cues or terms; in a turn with several sentences, those ending in `?` decide) sets the
//!   topic; the respondent sentences that follow are coded for it with `source = context`
//!   where they do not name it, until an interviewer turn asks about something else: other
//!   parameters, wishes or competitors (the markers), or a long question (12+ words) that
//!   names no parameter. A short follow-up ("А почему?") keeps the topic. A context coding
//!   needs content: an answer made only of fillers, hedges and refusals ("Честно.",
//!   "Пропустим.", "Не возьмусь.") is not coded by context.
//!   `settings.context_sentences` limits how many sentences of each answer (40 by default:
//!   a turn of thousands of sentences is a transcript whose labels were lost, and without
//!   a bound each of its sentences would be coded for every parameter of the topic).
//! - **Polarity** per sentence ([`polarity`]), **wishes** and **comparisons with
//!   competitors** from the shipped marker entries (`dictionaries/markers.ru.toml`), for
//!   respondent sentences.
//!
//! Markers are compiled into the same matcher as extra parameters after the codebook's own,
//! so one pass over the tokens finds everything.

pub mod polarity;
pub mod wire;
pub mod words;

use serde::Deserialize;

use crate::codebook::matcher::{EntryKind, MatchState, Matcher};
use crate::codebook::{Codebook, Diagnostic, Level};
use crate::model::{Role, Span, Transcript};
use crate::text::Analyzer;
use polarity::{Lexicon, Polarity, PolarityCache};

/// An interviewer question of this many words that names no parameter starts a new subject.
const LONG_QUESTION: usize = 12;

/// The shipped marker entries: wishes and comparisons.
pub const MARKERS: &str = include_str!("../../dictionaries/markers.ru.toml");

/// Where a coding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The sentence names the parameter.
    Keyword,
    /// The sentence answers a question about the parameter.
    Context,
    /// No parameter: a wish or comparison alone.
    None,
    /// Added by a coder ([`crate::decisions`]).
    Human,
}

impl Source {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Keyword => "keyword",
            Source::Context => "context",
            Source::None => "none",
            Source::Human => "human",
        }
    }
}

/// A matched term inside a coded sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct TermHit {
    /// Index of the entry in its parameter's `terms`.
    pub entry: usize,
    /// Where it matched (bytes into the canonical text).
    pub span: Span,
    /// The entry's weight.
    pub weight: f32,
}

/// One coding of one sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Coding {
    /// Index into the transcript's sentences.
    pub sentence: usize,
    /// Index into the transcript's turns.
    pub turn: usize,
    /// The sentence span.
    pub span: Span,
    /// Index into the codebook's parameters; `None` for a wish or comparison alone.
    pub param: Option<usize>,
    /// Keyword, context, or none.
    pub source: Source,
    /// The matched terms (empty for context codings).
    pub terms: Vec<TermHit>,
    /// The sentence's polarity.
    pub polarity: Polarity,
    /// Its score, −1…1.
    pub polarity_score: f32,
    /// The respondent voices an idea or wish.
    pub wish: bool,
    /// The respondent compares with competitors.
    pub comparison: bool,
    /// A coder's decision on it, if any ([`crate::decisions`]).
    pub decision: Option<crate::decisions::Decided>,
}

impl Coding {
    /// A coder rejected it (kept only to be shown: `tag --show-rejected`).
    pub fn rejected(&self) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.action == crate::decisions::Action::Reject)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarkers {
    wish: Vec<String>,
    comparison: Vec<String>,
}

/// The codebook compiled with the markers, and the sentiment lexicon. Share between threads.
pub struct Tagger {
    matcher: Matcher,
    lexicon: Lexicon,
    /// Parameters of the user's codebook; markers come after.
    params: usize,
    /// Tells apart taggers in the per-thread state (caches are per matcher).
    id: u64,
}

static NEXT_TAGGER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    static THREAD_STATE: std::cell::RefCell<Option<(u64, TagState)>> = const { std::cell::RefCell::new(None) };
}

/// Per-thread tagging state.
#[derive(Default)]
pub struct TagState {
    /// The matcher state (with the thread's analyzer).
    pub matching: MatchState,
    polarity: PolarityCache,
    /// The analyzer's generation `polarity` was filled in (it is kept by form id).
    polarity_generation: u32,
    /// When set, [`Tagger::tag`] records here each sentence's index terms
    /// ([`crate::text::Analyzer::index_term`], space-separated) by sentence index, from the
    /// tokens it read anyway: the search index takes them so the text is tokenized once.
    pub keys: Option<SentenceKeys>,
    /// Each sentence's tokens from the last [`Tagger::tag`], for the stages after it
    /// ([`words::Words`]).
    pub sentence_tokens: words::SentenceTokens,
    /// When set, [`Tagger::tag`] does not record the sentences' tokens (nothing after
    /// tagging reads them: `citata tag`, the index); [`TagState::words`] then tokenizes again
    /// whatever it is asked for.
    pub skip_tokens: bool,
}

impl TagState {
    /// The words of `t`, which this state last tagged, for the stages after tagging.
    pub fn words<'a>(&'a mut self, t: &'a Transcript) -> words::Words<'a> {
        words::Words::new(t, &self.sentence_tokens, &mut self.matching.analyzer)
    }
}

/// The index keys of a transcript's sentences, recorded while tagging: one buffer for the
/// whole transcript (no allocation per sentence).
#[derive(Clone, Debug, Default)]
pub struct SentenceKeys {
    joined: String,
    /// (sentence index, start, end) into `joined`, by sentence.
    spans: Vec<(u32, u32, u32)>,
}

impl SentenceKeys {
    /// Forgets every sentence (keeping the buffers).
    pub fn clear(&mut self) {
        self.joined.clear();
        self.spans.clear();
    }

    /// Sentences recorded.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The sentences recorded, in order: (sentence index, its keys space-separated).
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.spans
            .iter()
            .map(|&(si, a, b)| (si as usize, &self.joined[a as usize..b as usize]))
    }

    fn push<'a>(&mut self, sentence: usize, keys: impl Iterator<Item = &'a str>) {
        let start = self.joined.len();
        for k in keys {
            if self.joined.len() > start {
                self.joined.push(' ');
            }
            self.joined.push_str(k);
        }
        self.spans
            .push((sentence as u32, start as u32, self.joined.len() as u32));
    }
}

impl Tagger {
    /// A tagger for `codebook` with the shipped markers and lexicon.
    ///
    /// # Panics
    /// When the shipped markers or lexicon are malformed, which their tests rule out.
    pub fn new(codebook: Codebook, analyzer: &mut Analyzer) -> Tagger {
        let (markers, lexicon) = Tagger::shipped_parts(analyzer);
        Tagger::with(codebook, markers, lexicon)
    }

    /// What [`Tagger::new`] adds to a codebook: the shipped markers (compiled) and lexicon.
    ///
    /// # Panics
    /// When the shipped markers or lexicon are malformed, which their tests rule out.
    pub fn shipped_parts(analyzer: &mut Analyzer) -> (Codebook, Lexicon) {
        let markers = markers_codebook(MARKERS, analyzer).expect("the shipped markers are valid");
        (markers, Lexicon::embedded())
    }

    /// A tagger from parts: the study's codebook, a codebook whose two parameters are the
    /// wish and comparison markers, and a lexicon.
    pub fn with(mut codebook: Codebook, markers: Codebook, lexicon: Lexicon) -> Tagger {
        let params = codebook.parameters.len();
        let level = codebook.levels.len();
        codebook.levels.push(Level {
            id: "_markers".into(),
            name: "markers".into(),
        });
        for mut p in markers.parameters {
            p.level = level;
            p.id = format!("_{}", p.id);
            codebook.parameters.push(p);
        }
        Tagger {
            matcher: Matcher::new(codebook),
            lexicon,
            params,
            id: NEXT_TAGGER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Runs `f` with this thread's state for this tagger (created on first use, kept for the
    /// thread's life, so the form caches stay warm across files).
    pub fn with_thread_state<R>(&self, f: impl FnOnce(&mut TagState) -> R) -> R {
        THREAD_STATE.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(id, _)| *id != self.id) {
                *slot = Some((self.id, TagState::default()));
            }
            let (_, state) = slot.as_mut().expect("just set");
            f(state)
        })
    }

    /// The compiled matcher (the codebook's parameters, then `_wish` and `_comparison`).
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The number of the study codebook's own parameters.
    pub fn params(&self) -> usize {
        self.params
    }

    /// Codes every sentence of a transcript. Codings come in sentence order; within a
    /// sentence, in codebook order.
    pub fn tag(&self, state: &mut TagState, t: &Transcript) -> Vec<Coding> {
        let settings = &self.matcher.codebook().settings;
        let wish_param = self.params;
        let comparison_param = self.params + 1;
        let mut out = Vec::new();
        let mut topic: Vec<usize> = Vec::new();
        let mut asked: Vec<usize> = Vec::new();
        let mut asked_in_question: Vec<usize> = Vec::new();
        let mut new_subject = false;
        let mut answer_sentences = 0usize;
        let mut current_turn = usize::MAX;
        let mut keyword: Vec<Vec<TermHit>> = vec![Vec::new(); self.params];
        state
            .sentence_tokens
            .start(t.sentences.len(), state.matching.analyzer.generation());
        for (si, s) in t.sentences.iter().enumerate() {
            let turn = &t.turns[s.turn];
            let role = t.turn_speaker(turn).role;
            if s.turn != current_turn {
                // A new turn: an interviewer turn that asked about parameters sets the topic.
                if current_turn != usize::MAX && !asked.is_empty() {
                    topic = if asked_in_question.is_empty() {
                        std::mem::take(&mut asked)
                    } else {
                        std::mem::take(&mut asked_in_question)
                    };
                    topic.sort_unstable();
                    topic.dedup();
                } else if new_subject {
                    // Wishes, competitors, or a long question about something the codebook
                    // does not know: the previous topic is over.
                    topic.clear();
                }
                asked.clear();
                asked_in_question.clear();
                new_subject = false;
                current_turn = s.turn;
                answer_sentences = 0;
            }
            if s.non_speech {
                continue;
            }
            let hits = self.matcher.find(&mut state.matching, &t.text, s.span);
            let generation = state.matching.analyzer.generation();
            if !state.skip_tokens {
                state
                    .sentence_tokens
                    .record(si, state.matching.tokens(), generation);
            }
            if state.polarity_generation != generation {
                // The analyzer cleared its cache before this sentence: form ids are reused.
                state.polarity_generation = generation;
                state.polarity = PolarityCache::default();
            }
            if let Some(keys) = state.keys.as_mut() {
                let m = &state.matching;
                keys.push(si, m.analyzer.index_terms(m.tokens()));
            }
            for k in keyword.iter_mut() {
                k.clear();
            }
            let (mut wish, mut comparison) = (false, false);
            let is_question = is_question(t.slice(s.span));
            if role == Role::Interviewer
                && is_question
                && state.matching.tokens().len() >= LONG_QUESTION
            {
                new_subject = true;
            }
            for h in &hits {
                let p = h.entry.param;
                if p == wish_param || p == comparison_param {
                    if h.entry.kind == EntryKind::Term {
                        wish |= p == wish_param;
                        comparison |= p == comparison_param;
                        new_subject |= role == Role::Interviewer;
                    }
                    continue;
                }
                match h.entry.kind {
                    EntryKind::Term => {
                        let e = &self.matcher.codebook().parameters[p].terms[h.entry.index];
                        // Two entries on the same words ("грамотный", "грамотн*"): one term.
                        if keyword[p].last().is_some_and(|t| t.span == h.span) {
                            continue;
                        }
                        keyword[p].push(TermHit {
                            entry: h.entry.index,
                            span: h.span,
                            weight: e.weight,
                        });
                        if role == Role::Interviewer {
                            asked.push(p);
                            if is_question {
                                asked_in_question.push(p);
                            }
                        }
                    }
                    EntryKind::Question if role == Role::Interviewer => {
                        asked.push(p);
                        if is_question {
                            asked_in_question.push(p);
                        }
                    }
                    _ => {}
                }
            }
            let respondent = role == Role::Respondent;
            wish &= respondent;
            comparison &= respondent;
            // A context coding needs content: «Честно.», «Пропустим.», «Не возьмусь.» code
            // nothing.
            let in_context = respondent
                && (settings.context_sentences == 0
                    || answer_sentences < settings.context_sentences)
                && (topic.is_empty() || has_content(&state.matching));
            if respondent {
                answer_sentences += 1;
            }
            let coded = keyword.iter().any(|k| !k.is_empty())
                || (in_context && !topic.is_empty())
                || wish
                || comparison;
            if !coded {
                continue;
            }
            let tokens = state.matching.tokens();
            let (polarity, polarity_score) = self.lexicon.score(
                &state.matching.analyzer,
                t.slice(s.span),
                tokens,
                &mut state.polarity,
            );
            let base = Coding {
                sentence: si,
                turn: s.turn,
                span: s.span,
                param: None,
                source: Source::None,
                terms: Vec::new(),
                polarity,
                polarity_score,
                wish,
                comparison,
                decision: None,
            };
            let before = out.len();
            for (p, terms) in keyword.iter_mut().enumerate() {
                if !terms.is_empty() {
                    out.push(Coding {
                        param: Some(p),
                        source: Source::Keyword,
                        terms: std::mem::take(terms),
                        ..base.clone()
                    });
                } else if in_context && topic.binary_search(&p).is_ok() {
                    out.push(Coding {
                        param: Some(p),
                        source: Source::Context,
                        ..base.clone()
                    });
                }
            }
            if out.len() == before {
                out.push(base);
            }
        }
        out
    }
}

/// Words that carry nothing a parameter could be coded with: fillers, hedges, refusals
/// (lemmas and forms).
const NO_CONTENT: &[&str] = &[
    "ну",
    "вот",
    "э",
    "э-э",
    "э-э-э",
    "эм",
    "м-м",
    "ммм",
    "хм",
    "ой",
    "как",
    "бы",
    "так",
    "это",
    "вообще",
    "даже",
    "значит",
    "скажем",
    "знать",
    "знаете",
    "слушать",
    "слушайте",
    "честно",
    "честный",
    "откровенно",
    "пропустить",
    "пропустим",
    "взяться",
    "возьмусь",
    "сложно",
    "трудно",
    "затрудняться",
    "ответить",
    "сказать",
    "не",
    "ни",
    "давать",
    "давайте",
    "дальше",
    "следующий",
    "вопрос",
    "пас",
    "без",
    "комментарий",
    "я",
    "мне",
    "наверное",
    "пожалуй",
    "пока",
    "тут",
    "здесь",
    "же",
    "уж",
    "ли",
    "и",
    "а",
];

/// True when the sentence the matcher last read has a word beyond [`NO_CONTENT`] (a number
/// is content: «Восемь.»).
fn has_content(m: &MatchState) -> bool {
    m.tokens().iter().any(|t| {
        let i = m.analyzer.form_info(t.form);
        !NO_CONTENT.contains(&i.norm.as_str())
            && !i
                .lemmas
                .first()
                .is_some_and(|l| NO_CONTENT.contains(&l.as_str()))
    })
}

/// A sentence that ends in a question mark, possibly followed by other closing punctuation
/// ("?!", "?..", "?»").
fn is_question(sentence: &str) -> bool {
    sentence
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| matches!(c, '?' | '!' | '.' | '…' | '»' | '"' | '”' | ')'))
        .any(|c| c == '?')
}

/// Compiles a markers file (`wish = [...]`, `comparison = [...]`) into a codebook with the
/// parameters `wish` and `comparison`.
///
/// # Errors
/// The file's TOML errors, or entry errors (with the entry named).
pub fn markers_codebook(src: &str, analyzer: &mut Analyzer) -> Result<Codebook, Vec<Diagnostic>> {
    let raw: RawMarkers = toml::from_str(src).map_err(|e| {
        vec![Diagnostic {
            line: 0,
            column: 0,
            message: format!("markers: {}", e.message().trim()),
        }]
    })?;
    Codebook::from_terms(
        "markers",
        "m",
        &[("wish", &raw.wish), ("comparison", &raw.comparison)],
        analyzer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODEBOOK: &str = r#"
name = "t"
[[levels]]
id = "proc"
name = "Процесс"
[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки поставки"
terms = ["срок поставки", "вовремя", "задержка"]
questions = ["сроки"]
[[parameters]]
id = "price"
level = "proc"
name = "Цены"
terms = ["цена", "дорого"]
questions = ["цены"]
"#;

    fn tagger() -> Tagger {
        tagger_with(CODEBOOK)
    }

    /// The test tagger with another codebook source.
    fn tagger_with(codebook: &str) -> Tagger {
        crate::testutil::tagger(
            codebook,
            &["хотелось бы", "не хватает", "пожелание"],
            &["конкурент", "чем у других"],
            "хороший\t2\nхорошо\t2\nзадержка\t-2\nдорого\t-2\nнормально\t1\n",
            "не\tnegation\t-\nно\tcontrast\t-\n",
        )
    }

    /// (sentence text, param id or "-", source, polarity, wish, comparison)
    fn codings(text: &str) -> Vec<(String, String, &'static str, &'static str, bool, bool)> {
        let tg = tagger();
        let t = crate::testutil::transcript(text);
        let mut st = TagState::default();
        tg.tag(&mut st, &t)
            .into_iter()
            .map(|c| {
                (
                    t.slice(c.span).to_string(),
                    c.param.map_or("-".to_string(), |p| {
                        tg.matcher().codebook().parameters[p].id.clone()
                    }),
                    c.source.as_str(),
                    c.polarity.as_str(),
                    c.wish,
                    c.comparison,
                )
            })
            .collect()
    }

    #[test]
    fn context_follows_the_question_until_the_topic_changes() {
        let got = codings(
            "Интервьюер: Как вы оцениваете сроки?\nРеспондент: Ну, тут всё хорошо. Идут навстречу.\nИнтервьюер: Понятно. А сколько баллов?\nРеспондент: Восемь.\nИнтервьюер: А цены?\nРеспондент: Дорого. Но задержек нет.\n",
        );
        let rows: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_str(), r.2))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Ну, тут всё хорошо.", "delivery", "context"),
                ("Идут навстречу.", "delivery", "context"),
                ("Восемь.", "delivery", "context"),
                ("А цены?", "price", "keyword"),
                ("Дорого.", "price", "keyword"),
                ("Но задержек нет.", "delivery", "keyword"),
                ("Но задержек нет.", "price", "context"),
            ]
        );
        assert_eq!(got[0].3, "positive");
        assert_eq!(got[4].3, "negative");
    }

    #[test]
    fn wishes_questions_and_long_new_questions_end_the_topic() {
        let got = codings(
            "Интервьюер: Как сроки?\nРеспондент: Нормально.\nИнтервьюер: А почему?\nРеспондент: Склад рядом.\nИнтервьюер: Какие у вас пожелания?\nРеспондент: Личный кабинет.\nИнтервьюер: Как сроки?\nРеспондент: Нормально.\nИнтервьюер: Расскажите, пожалуйста, как у вас вообще устроена работа с поставщиками на заводе?\nРеспондент: Через тендеры.\n",
        );
        let rows: Vec<(&str, &str)> = got.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
        assert_eq!(
            rows,
            vec![
                ("Нормально.", "delivery"),
                ("Склад рядом.", "delivery"),
                ("Нормально.", "delivery"),
            ]
        );
    }

    /// An answer of 45 sentences (a turn whose labels were lost looks like this, only
    /// longer): by default its first 40 get the question's context; `context_sentences = 0`
    /// gives all 45.
    #[test]
    fn context_reaches_the_first_forty_sentences_of_an_answer_by_default() {
        let answer: Vec<String> = (1..=45)
            .map(|i| format!("Склад номер {i} у них рядом."))
            .collect();
        let text = format!(
            "Интервьюер: Как вы оцениваете сроки?\nРеспондент: {}\n",
            answer.join(" ")
        );
        let context_of = |tg: &Tagger| -> Vec<String> {
            let t = crate::testutil::transcript(&text);
            tg.tag(&mut TagState::default(), &t)
                .into_iter()
                .filter(|c| c.source == Source::Context)
                .map(|c| t.slice(c.span).to_string())
                .collect()
        };
        let got = context_of(&tagger());
        assert_eq!(got.len(), 40);
        assert_eq!(
            got.first().map(String::as_str),
            Some("Склад номер 1 у них рядом.")
        );
        assert_eq!(
            got.last().map(String::as_str),
            Some("Склад номер 40 у них рядом.")
        );
        let whole = tagger_with(&CODEBOOK.replace(
            "name = \"t\"\n",
            "name = \"t\"\n[settings]\ncontext_sentences = 0\n",
        ));
        let got = context_of(&whole);
        assert_eq!(got.len(), 45);
        assert_eq!(
            got.last().map(String::as_str),
            Some("Склад номер 45 у них рядом.")
        );
    }

    #[test]
    fn a_context_coding_needs_content() {
        let got = codings(
            "Интервьюер: Как сроки?\nРеспондент: Честно. Пропустим. Не возьмусь. Ну, э-э...\nИнтервьюер: А цены?\nРеспондент: Восемь. Нормально.\n",
        );
        let rows: Vec<(&str, &str)> = got.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
        assert_eq!(
            rows,
            vec![
                ("А цены?", "price"),
                ("Восемь.", "price"),
                ("Нормально.", "price")
            ]
        );
    }

    #[test]
    fn question_sentences_decide_the_topic() {
        // The interviewer mentions prices in passing, but asks about delivery.
        let got = codings(
            "Интервьюер: С ценами разобрались. Теперь сроки: как они?\nРеспондент: Нормально в целом.\n",
        );
        let answer: Vec<&str> = got
            .iter()
            .filter(|r| r.0 == "Нормально в целом.")
            .map(|r| r.1.as_str())
            .collect();
        assert_eq!(answer, vec!["delivery"]);
    }

    #[test]
    fn wishes_and_comparisons_of_respondents_only() {
        let got = codings(
            "Интервьюер: Чего не хватает, может, хотелось бы чего-то?\nРеспондент: Хотелось бы личный кабинет. У конкурентов он есть.\n",
        );
        let rows: Vec<(&str, &str, bool, bool)> = got
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_str(), r.4, r.5))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Хотелось бы личный кабинет.", "-", true, false),
                ("У конкурентов он есть.", "-", false, true),
            ]
        );
    }

    // See: issue #16. The form cache was cleared inside a sentence once full, after the
    // sentence's first words already held form ids: `citata tag` died with "index out of
    // bounds" on a transcript of 1.1 M distinct words. A cache of 4 forms shows it with short
    // sentences: each has more distinct words than that.
    #[test]
    fn a_full_form_cache_is_cleared_between_sentences_only() {
        let text = "Интервьюер: Как сроки поставки, нормально?
Респондент: Сроки поставки у них всегда хорошие. Цены высокие, очень дорого, но задержек почти нет.
Интервьюер: Спасибо.
Респондент: Хотелось бы ещё дешевле, а сроки пусть будут как сейчас.
";
        let tg = tagger();
        let t = crate::testutil::transcript(text);
        let rows = |st: &mut TagState| -> Vec<(usize, String, &'static str, &'static str)> {
            tg.tag(st, &t)
                .into_iter()
                .map(|c| {
                    let p = c.param.map_or("-".to_string(), |p| {
                        tg.matcher().codebook().parameters[p].id.clone()
                    });
                    (c.sentence, p, c.source.as_str(), c.polarity.as_str())
                })
                .collect()
        };
        let want: Vec<(usize, String, &str, &str)> = [
            (0, "delivery", "keyword", "positive"),
            (1, "delivery", "keyword", "positive"),
            (2, "delivery", "keyword", "negative"),
            (2, "price", "keyword", "negative"),
            (4, "delivery", "context", "neutral"),
        ]
        .into_iter()
        .map(|(s, p, src, pol)| (s, p.to_string(), src, pol))
        .collect();
        let mut big = TagState::default();
        assert_eq!(rows(&mut big), want);
        let mut small = TagState::default();
        small.matching.analyzer = Analyzer::with_cache_limit(4);
        small.keys = Some(SentenceKeys::default());
        for round in 0..3 {
            small.keys.as_mut().map(SentenceKeys::clear);
            assert_eq!(rows(&mut small), want, "round {round}");
            assert!(small.matching.analyzer.generation() > 0);
        }
        let keys: Vec<(usize, String)> = small
            .keys
            .as_ref()
            .expect("recorded")
            .iter()
            .map(|(i, k)| (i, k.to_string()))
            .collect();
        assert_eq!(
            keys[1],
            (1, "сроки поставки у них всегда хорошие".to_string())
        );
    }

    #[test]
    fn tagging_is_deterministic_and_spans_are_sentences() {
        let text = "Интервьюер: Сроки?\nРеспондент: Задержки были, но сейчас вовремя. Цены высокие, дорого.\n";
        let tg = tagger();
        let t = crate::testutil::transcript(text);
        let a = tg.tag(&mut TagState::default(), &t);
        let mut st = TagState::default();
        let _ = tg.tag(&mut st, &t);
        let b = tg.tag(&mut st, &t);
        assert_eq!(a, b);
        for c in &a {
            assert_eq!(c.span, t.sentences[c.sentence].span);
            for h in &c.terms {
                assert!(c.span.contains(h.span));
            }
        }
    }
}
