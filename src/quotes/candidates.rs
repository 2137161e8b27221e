//! Candidate quotes of one transcript: the windows of coded respondent sentences, their
//! shown text (fillers trimmed, marks left out, cuts shown as "…") and their attribution.

use super::features::{Piece, SentenceFacts, piece, score};
use super::words::{Kind::*, is};
use super::{FEATURES, Quote, QuoteConfig, mask};
use crate::model::{Role, Span, Transcript};
use crate::tag::polarity::Polarity;
use crate::tag::words::Words;
use crate::tag::{Coding, Source};
use crate::text::{Analyzer, Token};

/// Candidates kept per parameter per transcript: the best by score (the rest could only win
/// if all of these were rejected for overlap).
const KEEP_PER_TRANSCRIPT: usize = 24;

/// Finds and scores the candidate quotes of one transcript for every parameter it is coded
/// for. `n` is the transcript's 1-based number in the corpus (for the attribution).
pub fn candidates(
    words: &mut Words<'_>,
    codings: &[Coding],
    n: usize,
    config: &QuoteConfig,
) -> Vec<Quote> {
    let t = words.transcript();
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
                .get_or_insert_with(|| is_bare_rating(&words.sentence(first), words.analyzer));
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
                    slot.1 = Some(piece(words, k, true));
                } else if k > first && slot.0.is_none() {
                    slot.0 = Some(piece(words, k, false));
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
fn is_bare_rating(tokens: &[Token], analyzer: &Analyzer) -> bool {
    !tokens.is_empty()
        && tokens.len() <= 8
        && tokens.iter().any(|t| {
            let i = analyzer.info(t);
            i.norm
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
                || i.lemmas
                    .first()
                    .is_some_and(|l| is(Number, l.as_str()) || l.ends_with("ерка") || is(Grade, l))
        })
        && tokens.iter().all(|t| {
            let i = analyzer.info(t);
            let lemma = i.lemmas.first().unwrap_or(&i.norm);
            i.norm
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
                || is(Number, lemma.as_str())
                || is(Rating, lemma.as_str())
                || is(Filler, i.norm.as_str())
                || lemma.ends_with("ерка")
                || is(Grade, lemma)
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

/// Sentence `si` from byte `start` on as it is shown: non-speech marks left out, whitespace
/// collapsed (its ends are tidied once the pieces of a passage are joined).
pub(super) fn shown(t: &Transcript, si: usize, start: usize) -> String {
    let s = &t.sentences[si];
    let mut raw = String::new();
    let mut pos = start;
    for m in s.marks.iter().filter(|m| m.start >= start) {
        raw.push_str(&t.text[pos..m.start]);
        pos = m.end;
    }
    raw.push_str(&t.text[pos.min(s.span.end)..s.span.end]);
    collapse(&raw)
}

/// Whitespace collapsed, no space before , . ; : ! ?, and three dots written as one «…»
/// (typography, not words: a quote is the respondent's words).
fn collapse(text: &str) -> String {
    let joined = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("...", "…");
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

/// The opening of a shown quote or wish: one that begins mid-sentence (`mid`: words of the
/// sentence before it were left out) or with a lower-case letter starts with «…»; nothing
/// else changes.
pub(crate) fn open(text: &mut String, mid: bool) {
    if text.starts_with('…') {
        return;
    }
    if mid || text.chars().next().is_some_and(char::is_lowercase) {
        text.insert(0, '…');
    }
}

/// Whether spoken words of sentence `si` stand before byte `start` (non-speech marks are not
/// words).
fn words_before(t: &Transcript, si: usize, start: usize) -> bool {
    let s = &t.sentences[si];
    let mut pos = s.span.start;
    let mut spoken = String::new();
    for m in s.marks.iter().filter(|m| m.end <= start) {
        spoken.push_str(&t.text[pos.min(m.start)..m.start]);
        pos = pos.max(m.end);
    }
    spoken.push_str(&t.text[pos.min(start)..start]);
    spoken.chars().any(char::is_alphanumeric)
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
    open(&mut shown, words_before(t, first, pieces[0].start));
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

/// The first byte after leading fillers, punctuation and marks in sentence `si` from
/// `start` (a byte of the transcript's text).
pub(super) fn trim_fillers(words: &mut Words<'_>, si: usize, mut start: usize) -> usize {
    let t = words.transcript();
    let (text, end, marks) = (&t.text, t.sentences[si].span.end, &t.sentences[si].marks);
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
        let tokens = words.within(si, Span::new(start, end), &[]);
        let analyzer = &*words.analyzer;
        let norm = |i: usize| tokens.get(i).map(|t| analyzer.info(t).norm.clone());
        let two = match (norm(0), norm(1)) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            _ => None,
        };
        let n = if two.as_deref().is_some_and(|w| is(Filler, w)) {
            2
        } else if norm(0).as_deref().is_some_and(|w| is(Filler, w)) && tokens.len() > 1 {
            1
        } else {
            return start;
        };
        // Only trim a filler that is set off by punctuation or followed by more words.
        start += tokens[n - 1].span.end;
    }
}
