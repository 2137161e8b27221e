//! The scoring features of a candidate quote ([`super::FEATURES`]): per sentence the counts
//! they need ([`Piece`]), per window their weighted values ([`score`]).

use super::Weights;
use super::candidates::{shown, trim_fillers};
use super::words::{Kind::*, is};
use crate::model::Span;
use crate::tag::words::Words;
use crate::text::is_letter;

/// Per-sentence facts a candidate needs, from the codings of one transcript.
#[derive(Clone, Debug, Default)]
pub(super) struct SentenceFacts {
    pub(super) keyword: bool,
    pub(super) context: bool,
    pub(super) weight: f32,
    pub(super) polarity_score: f32,
    pub(super) comparison: bool,
}

/// One sentence as it would be shown in a quote, with the counts the features need.
/// Computed once per sentence (and once more, trimmed, for sentences that open a quote).
#[derive(Clone, Debug, Default)]
pub(super) struct Piece {
    /// First byte shown (after trimmed fillers for an opening sentence).
    pub(super) start: usize,
    /// The shown text: marks left out, tidied.
    pub(super) text: String,
    pub(super) words: u32,
    pub(super) fillers: u32,
    pub(super) numbers: u32,
    pub(super) times: u32,
    pub(super) example: bool,
    pub(super) named: u32,
    pub(super) exclaims: u32,
    pub(super) intens: u32,
    pub(super) first_person: bool,
    /// Opens on an unresolved pronoun or conjunction.
    pub(super) opener: bool,
    /// Starts in lowercase.
    pub(super) lower: bool,
    /// Content lemmas, for overlap between quotes.
    pub(super) lemmas: Vec<String>,
    /// Letters shown.
    pub(super) letters: usize,
}

pub(super) fn piece(words: &mut Words<'_>, si: usize, opening: bool) -> Piece {
    let t = words.transcript();
    let s = &t.sentences[si];
    let mut start = s.span.start;
    if opening {
        start = trim_fillers(words, si, start);
    }
    // Ends are tidied once the pieces of a quote are joined.
    let text = shown(t, si, start);
    let tokens = words.within(si, Span::new(start, s.span.end), &s.marks);
    let analyzer = &*words.analyzer;
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
            p.opener = is(Opener, norm);
        }
        p.fillers += u32::from(is(Filler, norm));
        p.first_person |= is(FirstPerson, norm);
        p.intens += u32::from(is(Intensifier, norm));
        p.numbers += u32::from(norm.chars().any(|c| c.is_ascii_digit()) || is(Number, lemma));
        p.times += u32::from(is(Time, lemma));
        p.example |= is(Example, lemma);
        if lemma.chars().count() > 2 && !is(Filler, lemma) {
            p.lemmas.push(lemma.to_string());
        }
    }
    p.letters = text.chars().filter(|c| is_letter(*c)).count();
    p.text = text;
    p
}

pub(super) fn score(
    pieces: &[&Piece],
    window: &[&SentenceFacts],
    trimmed: bool,
    w: &Weights,
) -> [f32; 8] {
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
