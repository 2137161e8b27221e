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

pub mod mask;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{Role, Span, Transcript};
use crate::tag::polarity::Polarity;
use crate::tag::{Coding, Source};
use crate::text::{Analyzer, is_letter};

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

const FILLERS: &[&str] = &[
    "ну",
    "вот",
    "короче",
    "значит",
    "э",
    "э-э",
    "э-э-э",
    "ээ",
    "эээ",
    "м",
    "м-м",
    "мм",
    "ммм",
    "типа",
    "блин",
    "слушайте",
    "слушай",
    "знаете",
    "понимаете",
    "собственно",
    "в общем",
    "как бы",
    "это самое",
    "так сказать",
    "скажем так",
    "так",
    "ой",
    "ага",
    "угу",
    "да",
];
const OPENERS: &[&str] = &[
    "это",
    "он",
    "она",
    "оно",
    "они",
    "там",
    "тогда",
    "тот",
    "та",
    "те",
    "того",
    "этот",
    "эта",
    "эти",
    "этого",
    "этом",
    "его",
    "ее",
    "их",
    "ему",
    "ей",
    "им",
    "такой",
    "такое",
    "и",
    "а",
    "но",
    "поэтому",
    "потому",
    "зато",
    "тоже",
    "также",
];
const FIRST_PERSON: &[&str] = &[
    "мы",
    "нас",
    "нам",
    "нами",
    "наш",
    "наша",
    "наше",
    "наши",
    "нашего",
    "нашей",
    "нашим",
    "я",
    "меня",
    "мне",
    "мной",
    "мой",
    "моя",
    "мои",
    "моих",
];
const TIME_WORDS: &[&str] = &[
    "день",
    "неделя",
    "месяц",
    "квартал",
    "год",
    "час",
    "минута",
    "сутки",
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
    "понедельник",
    "пятница",
    "выходной",
    "вчера",
    "позавчера",
    "неделька",
];
const NUMBER_WORDS: &[&str] = &[
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "сто",
    "двести",
    "тысяча",
    "миллион",
    "половина",
    "полтора",
    "процент",
    "рубль",
    "штука",
    "раз",
];
const EXAMPLE_WORDS: &[&str] = &[
    "например",
    "допустим",
    "случай",
    "история",
    "помню",
    "однажды",
];
const INTENSIFIERS: &[&str] = &[
    "очень",
    "крайне",
    "совсем",
    "абсолютно",
    "вообще",
    "реально",
    "прям",
    "прямо",
    "жутко",
    "страшно",
    "безумно",
    "максимально",
    "супер",
    "самый",
    "слишком",
    "гораздо",
    "намного",
    "постоянно",
    "вечно",
    "никогда",
    "всегда",
];

/// Per-sentence facts a candidate needs, from the codings of one transcript.
#[derive(Clone, Debug, Default)]
struct SentenceFacts {
    keyword: bool,
    context: bool,
    weight: f32,
    polarity_score: f32,
    comparison: bool,
}

/// Candidates kept per parameter per transcript: the best by score (the rest could only win
/// if all of these were rejected for overlap).
const KEEP_PER_TRANSCRIPT: usize = 24;

/// One sentence as it would be shown in a quote, with the counts the features need.
/// Computed once per sentence (and once more, trimmed, for sentences that open a quote).
#[derive(Clone, Debug, Default)]
struct Piece {
    /// First byte shown (after trimmed fillers for an opening sentence).
    start: usize,
    /// The shown text: marks left out, tidied.
    text: String,
    words: u32,
    fillers: u32,
    numbers: u32,
    times: u32,
    example: bool,
    named: u32,
    exclaims: u32,
    intens: u32,
    first_person: bool,
    /// Opens on an unresolved pronoun or conjunction.
    opener: bool,
    /// Starts in lowercase.
    lower: bool,
    /// Content lemmas, for overlap between quotes.
    lemmas: Vec<String>,
    /// Letters shown.
    letters: usize,
}

fn piece(t: &Transcript, si: usize, opening: bool, analyzer: &mut Analyzer) -> Piece {
    let s = &t.sentences[si];
    let mut start = s.span.start;
    if opening {
        start = trim_fillers(&t.text, start, s.span.end, &s.marks, analyzer);
    }
    let mut raw = String::new();
    let mut pos = start;
    for m in s.marks.iter().filter(|m| m.start >= start) {
        raw.push_str(&t.text[pos..m.start]);
        pos = m.end;
    }
    raw.push_str(&t.text[pos.min(s.span.end)..s.span.end]);
    // Ends are tidied once the pieces of a quote are joined.
    let text = collapse(&raw);
    let tokens = analyzer.tokens(&text);
    let mut p = Piece {
        start,
        words: tokens.len() as u32,
        exclaims: text.matches('!').count() as u32,
        named: named_things(&text) as u32,
        lower: text.chars().next().is_some_and(char::is_lowercase),
        ..Piece::default()
    };
    for (k, tk) in tokens.iter().enumerate() {
        let info = analyzer.info(tk);
        let norm = info.norm.as_str();
        let lemma = info.lemmas.first().map_or(norm, String::as_str);
        if k == 0 {
            p.opener = OPENERS.contains(&norm);
        }
        p.fillers += u32::from(FILLERS.contains(&norm));
        p.first_person |= FIRST_PERSON.contains(&norm);
        p.intens += u32::from(INTENSIFIERS.contains(&norm));
        p.numbers +=
            u32::from(norm.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&lemma));
        p.times += u32::from(TIME_WORDS.contains(&lemma));
        p.example |= EXAMPLE_WORDS.contains(&lemma);
        if lemma.chars().count() > 2 && !FILLERS.contains(&lemma) {
            p.lemmas.push(lemma.to_string());
        }
    }
    p.letters = text.chars().filter(|c| is_letter(*c)).count();
    p.text = text;
    p
}

/// Finds and scores the candidate quotes of one transcript for every parameter it is coded
/// for. `n` is the transcript's 1-based number in the corpus (for the attribution).
pub fn candidates(
    t: &Transcript,
    codings: &[Coding],
    n: usize,
    config: &QuoteConfig,
    analyzer: &mut Analyzer,
) -> Vec<Quote> {
    let attribution = attribute(&config.attribution, t, n);
    let division = t.meta.get("division").cloned().unwrap_or_default();
    let respondent = t
        .meta
        .get("respondent")
        .cloned()
        .unwrap_or_else(|| t.doc.clone());
    let private = std::sync::Arc::new(mask::private_words(t));
    // Facts per parameter per sentence, from the respondent codings.
    let mut facts: std::collections::BTreeMap<usize, Vec<Option<SentenceFacts>>> =
        std::collections::BTreeMap::new();
    for c in codings {
        let Some(p) = c.param else {
            continue;
        };
        if t.turn_speaker(&t.turns[c.turn]).role != Role::Respondent {
            continue;
        }
        let per = facts
            .entry(p)
            .or_insert_with(|| vec![None; t.sentences.len()]);
        let f = per[c.sentence].get_or_insert_with(SentenceFacts::default);
        f.keyword |= c.source == Source::Keyword;
        f.context |= c.source == Source::Context;
        f.weight = f
            .weight
            .max(c.terms.iter().map(|h| h.weight).fold(0.0, f32::max));
        f.polarity_score = c.polarity_score;
        f.comparison |= c.comparison;
    }
    // Pieces are shared by all parameters: (as an inner sentence, as an opening one).
    let mut pieces: Vec<(Option<Piece>, Option<Piece>)> = vec![(None, None); t.sentences.len()];
    let mut bare: Vec<Option<bool>> = vec![None; t.sentences.len()];
    let mut chars: Option<crate::model::CharIndex<'_>> = None;
    let mut out = Vec::new();
    let mut window_buf: Vec<&SentenceFacts> = Vec::new();
    for (p, per) in &facts {
        let mut scored: Vec<(f32, [f32; 8], usize, usize)> = Vec::new();
        for first in 0..t.sentences.len() {
            // A quote does not open on a bare rating ("Восемь."): its next sentence will.
            if per[first].is_none() || t.sentences[first].non_speech {
                continue;
            }
            let is_bare = *bare[first]
                .get_or_insert_with(|| is_bare_rating(t.slice(t.sentences[first].span), analyzer));
            if is_bare {
                continue;
            }
            let turn = t.sentences[first].turn;
            let end = (first + config.max_sentences).min(t.sentences.len());
            let end = (first..end)
                .take_while(|&k| t.sentences[k].turn == turn)
                .last()
                .map_or(first, |k| k + 1);
            // The pieces this opening can use, made before they are borrowed.
            for (k, slot) in pieces.iter_mut().enumerate().take(end).skip(first) {
                if k == first && slot.1.is_none() {
                    slot.1 = Some(piece(t, k, true, analyzer));
                } else if k > first && slot.0.is_none() {
                    slot.0 = Some(piece(t, k, false, analyzer));
                }
            }
            let mut pieces_buf: Vec<&Piece> = Vec::with_capacity(config.max_sentences);
            for last in first..end {
                let s = &t.sentences[last];
                if per[last].is_none() || s.non_speech {
                    continue;
                }
                window_buf.clear();
                window_buf.extend(per[first..=last].iter().flatten());
                pieces_buf.clear();
                pieces_buf.extend((first..=last).filter_map(|k| {
                    if k == first {
                        pieces[k].1.as_ref()
                    } else {
                        pieces[k].0.as_ref()
                    }
                }));
                let letters: usize = pieces_buf.iter().map(|pc| pc.letters).sum();
                if letters < 3 {
                    continue;
                }
                let trimmed = pieces_buf[0].start > t.sentences[first].span.start;
                let features = score(&pieces_buf, &window_buf, trimmed, &config.weights);
                let total: f32 = features.iter().sum();
                scored.push(((total * 1000.0).round() / 1000.0, features, first, last));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
        scored.truncate(KEEP_PER_TRANSCRIPT);
        let ix = chars.get_or_insert_with(|| crate::model::CharIndex::new(&t.text));
        for (score, features, first, last) in scored {
            let window: Vec<&SentenceFacts> = per[first..=last].iter().flatten().collect();
            let ps: Vec<&Piece> = (first..=last)
                .filter_map(|k| {
                    if k == first {
                        pieces[k].1.as_ref()
                    } else {
                        pieces[k].0.as_ref()
                    }
                })
                .collect();
            let features = FEATURES.iter().copied().zip(features).collect();
            let q = build(t, *p, (first, last), &ps, &window, score, features);
            out.push(Quote {
                attribution: attribution.clone(),
                division: division.clone(),
                respondent: respondent.clone(),
                private: private.clone(),
                chars: (ix.char_offset(q.span.start), ix.char_offset(q.span.end)),
                ..q
            });
        }
    }
    out
}

/// A sentence that only gives a rating: "Восемь.", "Ну, твёрдая восьмёрка.", "Семь из десяти."
fn is_bare_rating(sentence: &str, analyzer: &mut Analyzer) -> bool {
    const RATING_WORDS: &[&str] = &[
        "из",
        "балл",
        "твердый",
        "твердо",
        "наверное",
        "пожалуй",
        "даже",
        "тут",
        "где-то",
        "скажем",
        "поставить",
        "ставить",
        "оценка",
        "мой",
        "моя",
        "с",
        "половина",
        "плюс",
        "минус",
        "нет",
        "да",
        "это",
        "я",
        "бы",
        "так",
        "тоже",
        "ну",
        "вот",
    ];
    let tokens = analyzer.tokens(sentence);
    !tokens.is_empty()
        && tokens.len() <= 8
        && tokens.iter().any(|t| {
            let i = analyzer.info(t);
            i.norm
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
                || i.lemmas.first().is_some_and(|l| {
                    NUMBER_WORDS.contains(&l.as_str())
                        || l.ends_with("ерка")
                        || l == "десяточка"
                        || l == "десятка"
                        || l == "девятка"
                        || l == "семерка"
                        || l == "пятерка"
                        || l == "шестерка"
                })
        })
        && tokens.iter().all(|t| {
            let i = analyzer.info(t);
            let lemma = i.lemmas.first().unwrap_or(&i.norm);
            i.norm
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
                || NUMBER_WORDS.contains(&lemma.as_str())
                || RATING_WORDS.contains(&lemma.as_str())
                || FILLERS.contains(&i.norm.as_str())
                || lemma.ends_with("ерка")
                || matches!(
                    lemma.as_str(),
                    "десяточка"
                        | "десятка"
                        | "девятка"
                        | "семерка"
                        | "пятерка"
                        | "шестерка"
                        | "десятый"
                )
        })
}

/// The attribution of a transcript's quotes by the template (see [`QuoteConfig::attribution`]).
pub fn attribute(template: &str, t: &Transcript, n: usize) -> String {
    for alt in template.split('|') {
        let mut out = String::new();
        let mut rest = alt;
        let mut ok = true;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let key = &rest[open + 1..open + close];
            match key {
                "n" => out.push_str(&n.to_string()),
                _ => match t.meta.get(key).filter(|v| !v.trim().is_empty()) {
                    Some(v) => out.push_str(v.trim()),
                    None => {
                        ok = false;
                        break;
                    }
                },
            }
            rest = &rest[open + close + 1..];
        }
        if ok {
            out.push_str(rest);
            return out.trim().to_string();
        }
    }
    format!("Респондент {n}")
}

/// The shown form of a passage whose marks were left out: whitespace collapsed, no space
/// before , . ; : ! ? (where a mark stood), no dangling comma or dash at either end.
pub fn tidy(text: &str) -> String {
    collapse(text)
        .trim_matches(|c: char| c == ',' || c == '—' || c == '-' || c.is_whitespace())
        .to_string()
}

/// Whitespace collapsed and no space before , . ; : ! ?
fn collapse(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(joined.len());
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' '
            && chars
                .peek()
                .is_some_and(|n| matches!(n, ',' | '.' | ';' | ':' | '!' | '?'))
        {
            continue;
        }
        out.push(c);
    }
    out
}

fn build(
    t: &Transcript,
    param: usize,
    (first, last): (usize, usize),
    pieces: &[&Piece],
    window: &[&SentenceFacts],
    score: f32,
    features: Vec<(&'static str, f32)>,
) -> Quote {
    let span = Span::new(pieces[0].start, t.sentences[last].span.end);
    let mut shown = tidy(
        &pieces
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    // A cut after the start of the turn (trimmed fillers and a "[смеется]." are not a cut).
    let turn_index = t.sentences[first].turn;
    let spoken = |s: &crate::model::Sentence| s.turn == turn_index && !s.non_speech;
    if t.sentences[..first]
        .iter()
        .rev()
        .take_while(|s| s.turn == turn_index)
        .any(spoken)
    {
        shown.insert(0, '…');
    }
    // A cut before the end of the turn: the final period becomes "…" ("…восемь…");
    // after "?", "!" or "…" the sentence ends on its own.
    if t.sentences[last + 1..]
        .iter()
        .take_while(|s| s.turn == turn_index)
        .any(spoken)
    {
        if shown.ends_with('.') && !shown.ends_with("..") {
            shown.pop();
            shown.push('…');
        } else if !shown.ends_with(['?', '!', '…', '.', '»', '"']) {
            shown.push('…');
        }
    }
    let polarity_sum: f32 = window.iter().map(|f| f.polarity_score).sum();
    let has_pos = window.iter().any(|f| f.polarity_score > 0.15);
    let has_neg = window.iter().any(|f| f.polarity_score < -0.15);
    let polarity = match (has_pos, has_neg) {
        (true, true) => Polarity::Mixed,
        _ if polarity_sum > 0.15 => Polarity::Positive,
        _ if polarity_sum < -0.15 => Polarity::Negative,
        _ => Polarity::Neutral,
    };
    Quote {
        param,
        doc: t.doc.clone(),
        turn: t.sentences[first].turn,
        sentences: (first, last),
        span,
        chars: (0, 0),
        text: shown,
        attribution: String::new(),
        division: String::new(),
        respondent: String::new(),
        polarity,
        score,
        features,
        private: Default::default(),
        words: pieces
            .iter()
            .flat_map(|p| p.lemmas.iter().cloned())
            .collect(),
    }
}

/// The first byte after leading fillers, punctuation and marks in `text[start..end]`.
fn trim_fillers(
    text: &str,
    mut start: usize,
    end: usize,
    marks: &[Span],
    analyzer: &mut Analyzer,
) -> usize {
    loop {
        // Skip spaces, punctuation and marks.
        let rest = &text[start..end];
        let skip = rest.len()
            - rest
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || matches!(c, ',' | '.' | '—' | '–' | '-' | ':' | ';' | '…')
                })
                .len();
        start += skip;
        if let Some(m) = marks.iter().find(|m| m.start == start) {
            start = m.end;
            continue;
        }
        let rest = &text[start..end];
        let mut cut = rest.len().min(48);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let tokens = analyzer.tokens(&rest[..cut]);
        let norm = |i: usize| tokens.get(i).map(|t| analyzer.info(t).norm.clone());
        let two = match (norm(0), norm(1)) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            _ => None,
        };
        let n = if two.as_deref().is_some_and(|w| FILLERS.contains(&w)) {
            2
        } else if norm(0).as_deref().is_some_and(|w| FILLERS.contains(&w)) && tokens.len() > 1 {
            1
        } else {
            return start;
        };
        // Only trim a filler that is set off by punctuation or followed by more words.
        start += tokens[n - 1].span.end;
    }
}

fn score(pieces: &[&Piece], window: &[&SentenceFacts], trimmed: bool, w: &Weights) -> [f32; 8] {
    let sum = |f: fn(&Piece) -> u32| pieces.iter().map(|p| f(p)).sum::<u32>() as f32;
    let n = sum(|p| p.words).max(1.0);
    let keywords = window.iter().filter(|f| f.keyword).count() as f32;
    let weight = window
        .iter()
        .map(|f| f.weight)
        .fold(0.0, f32::max)
        .max(if keywords > 0.0 { 1.0 } else { 0.0 });
    let relevance = if keywords > 0.0 {
        (0.8 + 0.2 * keywords.min(2.0)) * weight.min(1.5)
    } else {
        0.35
    };
    let strongest = window
        .iter()
        .map(|f| f.polarity_score.abs())
        .fold(0.0, f32::max);
    let exclaim = sum(|p| p.exclaims).min(2.0);
    let intens = sum(|p| p.intens).min(2.0);
    let emotion = (strongest + 0.15 * exclaim + 0.1 * intens).min(1.2);
    let example = pieces.iter().any(|p| p.example) as u8 as f32;
    let concreteness = (0.35 * sum(|p| p.numbers).min(2.0)
        + 0.3 * sum(|p| p.times).min(2.0)
        + 0.3 * example
        + 0.2 * sum(|p| p.named).min(2.0))
    .min(1.0);
    let first_person = pieces.iter().any(|p| p.first_person) as u8 as f32;
    let comparison = window.iter().any(|f| f.comparison) as u8 as f32;
    let opening = pieces[0];
    // A lowercase start is a fragment, unless it is where citata trimmed the fillers.
    let self_contained = if opening.opener {
        -1.0
    } else if !trimmed && opening.lower {
        -0.4
    } else {
        0.0
    };
    let length = if n < 8.0 {
        -((8.0 - n) / 8.0)
    } else if n > 45.0 {
        -((n - 45.0) / 45.0).min(1.0)
    } else {
        0.0
    };
    let filler = -(sum(|p| p.fillers) / n * 4.0).min(1.0);
    let raw = [
        relevance,
        emotion,
        concreteness,
        first_person,
        comparison,
        self_contained,
        length,
        filler,
    ];
    let ws = [
        w.relevance,
        w.emotion,
        w.concreteness,
        w.first_person,
        w.comparison,
        w.self_contained,
        w.length,
        w.filler,
    ];
    // `+ 0.0` turns a -0.0 into 0.0.
    std::array::from_fn(|i| ((raw[i] * ws[i]) * 1000.0).round() / 1000.0 + 0.0)
}

/// Capitalized words that do not start a sentence: companies, places, products.
fn named_things(text: &str) -> usize {
    let mut count = 0;
    let mut sentence_start = true;
    for w in text.split_whitespace() {
        let word = w.trim_matches(|c: char| !is_letter(c));
        if let Some(c) = word.chars().next()
            && c.is_uppercase()
            && !sentence_start
        {
            count += 1;
        }
        sentence_start = w.ends_with(['.', '!', '?', '…', ':']);
    }
    count
}

/// Candidates worth keeping per parameter while a corpus streams by: selection picks from
/// these, so memory does not grow with the corpus.
pub const KEEP_PER_PARAMETER: usize = 300;

/// Trims a parameter's growing candidate list to the best [`KEEP_PER_PARAMETER`] once it
/// holds twice as many (deterministic order: score, then document and position).
pub fn keep_best(list: &mut Vec<Quote>) {
    if list.len() > 2 * KEEP_PER_PARAMETER {
        list.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.doc.cmp(&b.doc))
                .then(a.span.cmp(&b.span))
        });
        list.truncate(KEEP_PER_PARAMETER);
    }
}

/// Whether a quote passes the polarity filter (mixed quotes pass both ways: criticism
/// framed by praise is what zones of development are made of).
pub fn passes(q: &Quote, filter: PolarityFilter) -> bool {
    match filter {
        PolarityFilter::Any => true,
        PolarityFilter::Positive => matches!(q.polarity, Polarity::Positive | Polarity::Mixed),
        PolarityFilter::Negative => matches!(q.polarity, Polarity::Negative | Polarity::Mixed),
    }
}

/// Chooses the top quotes of one parameter from its candidates (maximal marginal relevance,
/// see the module docs). Deterministic: ties go to the earlier document and position.
pub fn select(candidates: Vec<Quote>, config: &QuoteConfig, filter: PolarityFilter) -> Vec<Quote> {
    select_avoiding(candidates, config, filter, &[])
}

/// [`select`], skipping candidates that overlap quotes already chosen for other parameters
/// (`taken`: document and span), so one passage does not stand in several sections.
pub fn select_avoiding(
    mut candidates: Vec<Quote>,
    config: &QuoteConfig,
    filter: PolarityFilter,
    taken: &[(String, Span)],
) -> Vec<Quote> {
    candidates.retain(|q| {
        !taken
            .iter()
            .any(|(doc, s)| *doc == q.doc && s.start < q.span.end && q.span.start < s.end)
    });
    candidates.retain(|q| passes(q, filter));
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.doc.cmp(&b.doc))
            .then_with(|| a.span.cmp(&b.span))
    });
    let mut chosen: Vec<Quote> = Vec::new();
    while chosen.len() < config.top {
        let mut best: Option<(f32, usize)> = None;
        for (i, q) in candidates.iter().enumerate() {
            if chosen
                .iter()
                .any(|c| c.doc == q.doc && c.span.start < q.span.end && q.span.start < c.span.end)
            {
                continue;
            }
            let overlap = chosen
                .iter()
                .map(|c| jaccard(&c.words, &q.words))
                .fold(0.0, f32::max);
            let same_division =
                !q.division.is_empty() && chosen.iter().any(|c| c.division == q.division);
            let same_respondent = chosen.iter().any(|c| c.respondent == q.respondent);
            let adjusted = q.score
                - config.overlap_penalty * overlap
                - if same_division {
                    config.same_division_penalty
                } else {
                    0.0
                }
                - if same_respondent {
                    config.same_respondent_penalty
                } else {
                    0.0
                };
            if best.is_none_or(|(b, _)| adjusted > b) {
                best = Some((adjusted, i));
            }
        }
        let Some((_, i)) = best else {
            break;
        };
        let mut q = candidates.swap_remove(i);
        if config.mask {
            q.text = mask::mask(&q.text, &q.private);
        }
        chosen.push(q);
        // swap_remove breaks the order; restore it for determinism of later ties.
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.doc.cmp(&b.doc))
                .then_with(|| a.span.cmp(&b.span))
        });
    }
    chosen
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f32 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f32 / union as f32
    }
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
        candidates(
            &t,
            &codings,
            1,
            &QuoteConfig::default(),
            &mut st.matching.analyzer,
        )
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
        let qs = candidates(
            &t,
            &codings,
            1,
            &QuoteConfig::default(),
            &mut st.matching.analyzer,
        );
        let q = qs
            .iter()
            .find(|q| q.sentences == (1, 1))
            .or(qs.first())
            .unwrap();
        assert_eq!(q.text, "поставка пришла вовремя…");
        assert_eq!(t.slice(q.span), "поставка пришла вовремя.");
        let both = qs.iter().find(|q| q.sentences.1 > q.sentences.0).unwrap();
        assert_eq!(both.text, "поставка пришла вовремя. Это плюс.");
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
            let qs = candidates(&t, &codings, 1, &config, &mut st.matching.analyzer);
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
