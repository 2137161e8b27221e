//! Ratings: 1–10 scores extracted from respondent answers, imported from `ratings.csv`, and
//! aggregated per parameter, level and wave.
//!
//! **Where.** A respondent sentence is read for a rating when the interviewer's last turn asked
//! for one ("оцените", "по шкале", "сколько баллов", "ваша оценка"…) or when the sentence says
//! so itself ("на восемь баллов", "семь из десяти", "ставлю восемь", or a bare "Восемь.").
//!
//! **What.** Digits 1–10 with decimals ("8", "8,5"), "8 из 10", "8/10"; number words in any
//! case ("восемь", "восьми"); colloquial forms ("восьмёрка", "твёрдая девятка",
//! "десяточка"); "с половиной" adds 0.5; ranges ("7-8", "семь-восемь", "между семью и
//! восемью") give their middle. A number followed by a unit (дней, недель, процентов, лет,
//! тысяч, рублей, штук…) is a quantity, not a rating; years and ordinals are not numbers
//! here. Counterfactuals, past waves, conditions on the future, other persons' ratings,
//! arithmetic and counts are told apart from the rating given now ([`read`]).
//!
//! **Which answer.** In one answer the first value is the rating (the answer's head),
//! unless the respondent corrects it ("Пять. Нет… ну давайте шесть."); a later value
//! without a correction is kept as a rejected candidate and lowers the confidence.
//!
//! **Which parameter.** The parameter named in the number's clause ("Доступность восемь,
//! коммуникация семь"), else the one the sentence is coded for by context (the question's
//! topic), else its single keyword parameter.
//!
//! **Who.** One rating per parameter and respondent: where several respondents speak in
//! one interview, each keeps theirs, and «Тимур Рашидович восемь, я девять» gives the named
//! speaker's rating to that speaker.

pub mod read;
pub mod wire;

use std::collections::BTreeMap;

use read::CUES;
pub use read::{Candidate, Reading, SentenceReading, candidates, speaker_keys};

use crate::model::{Role, Span};
use crate::tag::words::Words;
use crate::tag::{Coding, Source};
use crate::text::{Analyzer, Token};

/// Where a rating comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingSource {
    /// Read from the transcript.
    Transcript,
    /// Imported from `ratings.csv`.
    Csv,
}

impl RatingSource {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingSource::Transcript => "transcript",
            RatingSource::Csv => "csv",
        }
    }
}

/// One rating of one parameter by one respondent of a transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct Rating {
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The value, 1–10.
    pub value: f32,
    /// Transcript or csv.
    pub source: RatingSource,
    /// The sentence it was read from (bytes into the canonical text); empty for csv.
    pub evidence: Span,
    /// How sure the reading is, 0–1; below [`LOW_CONFIDENCE`] the report lists it.
    pub confidence: f32,
    /// Who gave it: index into [`crate::model::Transcript::speakers`]; `None` for csv.
    pub speaker: Option<usize>,
    /// Other values said for the same parameter by the same respondent that were not taken,
    /// and why.
    pub rejected: Vec<Rejected>,
}

impl Rating {
    /// A rating imported from `ratings.csv`.
    pub fn csv(param: usize, value: f32) -> Rating {
        Rating {
            param,
            value,
            source: RatingSource::Csv,
            evidence: Span::default(),
            confidence: 1.0,
            speaker: None,
            rejected: Vec::new(),
        }
    }

    /// True when the reading is uncertain enough to be checked by a person.
    pub fn is_low(&self) -> bool {
        self.confidence < LOW_CONFIDENCE
    }

    /// Why other candidates were not taken, in words, with their sentences («9 not taken
    /// (counterfactual): «Без них было бы девять.»»); `None` when none was.
    pub fn reason(&self, text: &str) -> Option<String> {
        if self.rejected.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .rejected
            .iter()
            .map(|r| {
                format!(
                    "{} not taken ({}): «{}»",
                    fmt_value(r.value),
                    r.why.as_str(),
                    text.get(r.evidence.range()).unwrap_or("")
                )
            })
            .collect();
        Some(parts.join("; "))
    }
}

fn fmt_value(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Ratings read with less confidence than this are shown for checking (the report's
/// coverage appendix lists them).
pub const LOW_CONFIDENCE: f32 = 0.5;

/// A value said for a parameter that was not taken as the rating.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    /// The value.
    pub value: f32,
    /// Why it was not taken.
    pub why: Why,
    /// Its sentence (bytes into the canonical text).
    pub evidence: Span,
}

/// Why a value was not taken as the rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// It is not a rating given now (counterfactual, past, future, another person's,
    /// arithmetic, a count).
    Reading(Reading),
    /// The respondent corrected it later in the answer («Пять. Нет, пожалуй, шесть.»).
    Corrected,
    /// Said later in the same answer, without a correction: the answer's head is kept (and
    /// its confidence lowered).
    NotHead,
    /// Said in a later answer that did not ask for a rating: the earlier rating is kept.
    NotAsked,
    /// An earlier answer's rating, replaced when the interviewer asked again.
    Replaced,
}

impl Why {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Reading(r) => r.as_str(),
            Why::Corrected => "corrected",
            Why::NotHead => "not_head",
            Why::NotAsked => "not_asked",
            Why::Replaced => "replaced",
        }
    }
}

/// Ratings in one sentence: the value given now (the first, unless a correction follows:
/// «Пять. Нет, пожалуй, семь.»), with ranges averaged and "с половиной" added; `None` when
/// the sentence gives no rating now. `explicit` is true when the sentence itself marks a
/// rating ("баллов", "из десяти", "ставлю").
pub fn read_sentence(sentence: &str, analyzer: &mut Analyzer) -> Option<(f32, bool)> {
    let tokens = analyzer.tokens(sentence);
    let r = candidates(sentence, &tokens, analyzer, &[], &[]);
    r.given().map(|c| (c.value, r.explicit))
}

/// A range's middle narrowed to one of its ends («Пять-шесть.» … «Шесть.»).
fn narrows(range: f32, value: f32) -> bool {
    range.fract() == 0.5 && (range - value).abs() == 0.5
}

/// A value and a range around it («Шесть.» … «Пять-шесть.»): not a change of mind.
fn consistent(a: f32, b: f32) -> bool {
    narrows(a, b) || narrows(b, a)
}

/// Each token's normalized form and first lemma.
fn norm_lemmas(tokens: &[Token], analyzer: &Analyzer) -> Vec<(String, String)> {
    tokens
        .iter()
        .map(|t| {
            let i = analyzer.info(t);
            (i.norm.clone(), i.lemmas.first().unwrap_or(&i.norm).clone())
        })
        .collect()
}

/// True when an interviewer sentence asks for a rating: a rating word («оценка», «баллов»,
/// «поставите»), «цифра», «сколько» not about time, money or things, or a value to confirm
/// («То есть семь?»).
fn asks_rating(sentence: &str, words: &[(String, String)]) -> bool {
    let question = sentence.trim_end().ends_with('?');
    words.iter().any(|(n, l)| {
        CUES.contains(&l.as_str())
            || l == "цифра"
            || (question && read::word_value(l).is_some() && n != "один" && n != "одного")
    }) || (words.iter().any(|(_, l)| l == "сколько")
        && !words.iter().any(|(_, l)| {
            matches!(
                l.as_str(),
                "занять"
                    | "ждать"
                    | "длиться"
                    | "стоить"
                    | "уйти"
                    | "прийти"
                    | "стоять"
                    | "время"
                    | "день"
                    | "неделя"
                    | "месяц"
                    | "раз"
                    | "деньги"
                    | "процент"
                    | "штука"
                    | "насос"
                    | "человек"
            )
        }))
}

/// What an interviewer's question asks about, when not the rating now: «А в прошлом году
/// сколько ставили?» asks for the past.
fn question_frame(sentence: &str, words: &[(String, String)]) -> Option<Reading> {
    if !sentence.trim_end().ends_with('?') {
        return None;
    }
    let has = |f: &dyn Fn(&str, &str) -> bool| words.iter().any(|(n, l)| f(n, l));
    let compares = has(&|n, l| {
        n.starts_with("сравн")
            || matches!(n, "чем" | "сейчас" | "теперь")
            || l.starts_with("измени")
            || l.starts_with("поменя")
            || n.starts_with("динамик")
    });
    let past = has(&|n, l| {
        l == "прошлый" || matches!(n, "раньше" | "назад" | "ставили" | "ставил" | "ставила")
    });
    if past && !compares {
        return Some(Reading::Past);
    }
    let by = words
        .windows(2)
        .any(|w| matches!(w[1].0.as_str(), "бы" | "б") && w[0].0 != "как")
        || words.first().is_some_and(|w| w.0 == "бы");
    if by && has(&|n, _| matches!(n, "если" | "без" | "при")) {
        return Some(Reading::Counterfactual);
    }
    None
}

/// Ratings read from one tagged transcript: at most one per parameter and respondent.
///
/// In one answer (the respondent turns until the interviewer speaks again) the first value
/// said is the rating (the answer's head); a later, different one replaces it only after a
/// correction («нет», «ладно», «давайте», «пишите», «так что», «…»), else the head is kept
/// with a low confidence. A later answer replaces an earlier rating when it was asked for.
/// Values that are not a rating given now ([`Reading`]) are kept as rejected candidates.
pub fn extract(words: &mut Words<'_>, codings: &[Coding]) -> Vec<Rating> {
    let t = words.transcript();
    let speakers: Vec<Vec<String>> = t
        .speakers
        .iter()
        .map(|s| {
            if s.role == Role::Respondent {
                speaker_keys(&s.label, words.analyzer)
            } else {
                Vec::new()
            }
        })
        .collect();
    // (param, speaker) → (rating, answer it came from)
    let mut slots: BTreeMap<(usize, usize), (Rating, usize)> = BTreeMap::new();
    let mut pending: BTreeMap<(usize, usize), Vec<Rejected>> = BTreeMap::new();
    let mut asked = false;
    let mut frame: Option<Reading> = None;
    let mut answer = 0usize;
    let mut previous_counts: Vec<f32> = Vec::new();
    let mut current_turn = usize::MAX;
    let mut c = 0;
    for (si, s) in t.sentences.iter().enumerate() {
        let turn = &t.turns[s.turn];
        let role = t.turn_speaker(turn).role;
        if s.turn != current_turn {
            if role == Role::Interviewer {
                asked = false;
                frame = None;
                answer += 1;
            }
            current_turn = s.turn;
        }
        while c < codings.len() && codings[c].sentence < si {
            c += 1;
        }
        let here: Vec<&Coding> = codings[c..]
            .iter()
            .take_while(|x| x.sentence == si)
            .collect();
        let text = t.slice(s.span);
        if role == Role::Interviewer {
            let tokens = words.sentence(si);
            let said = norm_lemmas(&tokens, words.analyzer);
            asked |= asks_rating(text, &said);
            if let Some(f) = question_frame(text, &said) {
                frame = Some(f);
            }
            continue;
        }
        if s.non_speech {
            continue;
        }
        // Codebook terms, as spans into the sentence, with their parameter.
        let terms: Vec<(usize, Span)> = here
            .iter()
            .filter(|x| x.source == Source::Keyword)
            .filter_map(|x| x.param.map(|p| (p, &x.terms)))
            .flat_map(|(p, hits)| {
                hits.iter().map(move |h| {
                    (
                        p,
                        Span::new(h.span.start - s.span.start, h.span.end - s.span.start),
                    )
                })
            })
            .collect();
        let term_spans: Vec<Span> = terms.iter().map(|x| x.1).collect();
        let tokens = words.sentence(si);
        let reading = candidates(text, &tokens, words.analyzer, &speakers, &term_spans);
        if reading.candidates.is_empty() {
            previous_counts.clear();
            continue;
        }
        let bare = text.split_whitespace().count() <= 6;
        // «Ну нет, пожалуй, семь, всё-таки он сам предложил…»: a correction of this answer's
        // rating, however long the sentence.
        let corrects_answer = reading.candidates.first().is_some_and(|c| c.correction)
            && slots.values().any(|(_, from)| *from == answer);
        // «Проактивность шесть, нет… ну пусть семь, он всё-таки новенький»: a parameter
        // named right before the number.
        let named = reading.candidates.iter().any(|c| {
            terms.iter().any(|(_, sp)| {
                sp.end <= c.span.start
                    && text[sp.end..c.span.start]
                        .trim_matches(|ch: char| ch.is_whitespace() || ".…,—–-:".contains(ch))
                        .is_empty()
            })
        });
        // «…две ошибки. Две!»: a count said again.
        let echo = bare
            && reading.candidates.len() == 1
            && previous_counts.contains(&reading.candidates[0].value);
        previous_counts = reading
            .candidates
            .iter()
            .filter(|c| c.reading == Reading::Count)
            .map(|c| c.value)
            .collect();
        if echo || !(asked || reading.explicit || bare || corrects_answer || named) {
            continue;
        }
        let context: Vec<usize> = here
            .iter()
            .filter(|x| x.source == Source::Context)
            .filter_map(|x| x.param)
            .collect();
        let mut keyword: Vec<usize> = here
            .iter()
            .filter(|x| x.source == Source::Keyword)
            .filter_map(|x| x.param)
            .collect();
        keyword.dedup();
        // "Проактивность шесть.": a short rating sentence that names a parameter rates it;
        // otherwise the question's topic is rated.
        let sentence_params = if bare && keyword.len() == 1 {
            keyword.clone()
        } else if !context.is_empty() {
            context
        } else if keyword.len() == 1 {
            keyword.clone()
        } else {
            Vec::new()
        };
        let base = if reading.explicit {
            0.95
        } else {
            match (asked, bare) {
                (true, true) => 0.9,
                (true, false) => 0.75,
                _ => 0.7,
            }
        };
        let own = turn.speaker;
        let evidence = s.span;
        // The rating values of this sentence per (parameter, speaker), in order.
        let mut given: BTreeMap<(usize, usize), Vec<&Candidate>> = BTreeMap::new();
        let mut named_before: Vec<usize> = Vec::new();
        for cand in &reading.candidates {
            // "Доступность восемь, коммуникация семь": the parameter named in the number's
            // clause, before it.
            let mut in_clause: Vec<usize> = terms
                .iter()
                .filter(|(_, sp)| cand.clause.contains(*sp) && sp.end <= cand.span.start)
                .map(|(p, _)| *p)
                .collect();
            in_clause.sort_unstable();
            in_clause.dedup();
            // A number that names no parameter continues the previous one's in the sentence
            // («Проактивность шесть, нет… ну пусть семь»).
            let params = if in_clause.len() == 1 {
                named_before = in_clause.clone();
                in_clause
            } else if !named_before.is_empty() {
                named_before.clone()
            } else {
                sentence_params.clone()
            };
            let person = cand.person.unwrap_or(own);
            let mut why = cand.reading;
            // «А в прошлом году сколько ставили?» — «Шесть.»
            if why == Reading::Given
                && bare
                && !cand.correction
                && !reading.explicit
                && let Some(f) = frame
            {
                why = f;
            }
            for &p in &params {
                let key = (p, person);
                if why == Reading::Given {
                    given.entry(key).or_default().push(cand);
                    continue;
                }
                // Counts in long sentences are narrative ("ждали три недели"): not kept.
                if why == Reading::Count && !bare {
                    continue;
                }
                let r = Rejected {
                    value: cand.value,
                    why: Why::Reading(why),
                    evidence,
                };
                match slots.get_mut(&key) {
                    Some((rating, _)) => rating.rejected.push(r),
                    None => pending.entry(key).or_default().push(r),
                }
            }
        }
        for (key, list) in given {
            // The sentence's own value: its head, or a correction of it.
            let mut pick = list[0];
            let mut dropped: Vec<Rejected> = Vec::new();
            let mut wobble = false;
            for &c in &list[1..] {
                if c.value == pick.value || consistent(pick.value, c.value) && !c.correction {
                    continue;
                }
                if c.correction || narrows(pick.value, c.value) {
                    dropped.push(Rejected {
                        value: pick.value,
                        why: Why::Corrected,
                        evidence,
                    });
                    pick = c;
                } else {
                    dropped.push(Rejected {
                        value: c.value,
                        why: Why::NotHead,
                        evidence,
                    });
                    wobble = true;
                }
            }
            let corrects = pick.correction || reading.explicit;
            let n_params = sentence_params.len().max(1);
            let mut confidence: f32 = base * if n_params > 1 { 0.8 } else { 1.0 };
            if pick.unsure || wobble {
                confidence = confidence.min(0.45);
            }
            match slots.get_mut(&key) {
                None => {
                    let mut rejected = pending.remove(&key).unwrap_or_default();
                    rejected.extend(dropped);
                    let rating = Rating {
                        param: key.0,
                        value: pick.value,
                        source: RatingSource::Transcript,
                        evidence,
                        confidence,
                        speaker: Some(key.1),
                        rejected,
                    };
                    slots.insert(key, (rating, answer));
                }
                Some((rating, from)) => {
                    rating.rejected.extend(dropped);
                    let same_answer = *from == answer;
                    if rating.value == pick.value
                        || (consistent(rating.value, pick.value) && !pick.correction)
                    {
                        // Said again after a wobble («Восемь. Ну, семь-восемь. Пусть
                        // восемь.») or asked again: the doubt is gone.
                        if (same_answer && corrects) || (!same_answer && asked) {
                            rating.confidence = rating.confidence.max(confidence.min(0.85));
                        }
                        continue;
                    }
                    let replace = if same_answer {
                        corrects || narrows(rating.value, pick.value)
                    } else {
                        asked || corrects
                    };
                    if replace {
                        rating.rejected.push(Rejected {
                            value: rating.value,
                            why: if same_answer {
                                Why::Corrected
                            } else {
                                Why::Replaced
                            },
                            evidence: rating.evidence,
                        });
                        rating.value = pick.value;
                        rating.evidence = evidence;
                        rating.confidence = if same_answer {
                            confidence.min(0.85)
                        } else {
                            confidence
                        };
                        *from = answer;
                    } else {
                        rating.rejected.push(Rejected {
                            value: pick.value,
                            why: if same_answer {
                                Why::NotHead
                            } else {
                                Why::NotAsked
                            },
                            evidence,
                        });
                        // A bare or explicit value later in the answer: unsure which one.
                        if same_answer && (bare || reading.explicit) {
                            rating.confidence = rating.confidence.min(0.45);
                        }
                    }
                }
            }
        }
    }
    slots.into_values().map(|(r, _)| r).collect()
}

/// The name of the ratings file looked for in a corpus folder.
pub const RATINGS_CSV: &str = "ratings.csv";

/// One row of a `ratings.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRating {
    /// The transcript's file name (or document id).
    pub file: String,
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The value, 1–10.
    pub value: f32,
    /// The wave, when the csv has the column.
    pub wave: Option<String>,
}

/// Reads a `ratings.csv` (as [`crate::ingest::meta::read_table`] reads corpus csv files): a
/// header with `file`, `param`, `value` and optionally `wave`.
///
/// # Errors
/// [`crate::Error::BadInput`] naming the line: a missing column, an unknown parameter id,
/// a value that is not a number from 1 to 10.
pub fn read_csv(
    path: &std::path::Path,
    cb: &crate::codebook::Codebook,
) -> crate::Result<Vec<CsvRating>> {
    let bad = |reason: String| crate::Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let table = crate::ingest::meta::read_table(path)?;
    let col = |name: &str| table.column(name);
    let (Some(fc), Some(pc), Some(vc)) = (col("file"), col("param"), col("value")) else {
        return Err(bad(
            "the header must have the columns file, param, value (and optionally wave)".into(),
        ));
    };
    let wc = col("wave");
    let mut out = Vec::new();
    for (line, rec) in &table.rows {
        let pid = rec.get(pc).unwrap_or("").trim();
        let param = cb.parameter(pid).ok_or_else(|| {
            bad(format!(
                "line {line}: unknown parameter `{pid}`; use a codebook parameter id"
            ))
        })?;
        let value = rec
            .get(vc)
            .unwrap_or("")
            .trim()
            .replace(',', ".")
            .parse::<f32>()
            .ok()
            .filter(|v| (1.0..=10.0).contains(v))
            .ok_or_else(|| {
                bad(format!(
                    "line {line}: the value must be a number from 1 to 10"
                ))
            })?;
        out.push(CsvRating {
            file: rec.get(fc).unwrap_or("").trim().to_string(),
            param,
            value,
            wave: wc
                .and_then(|w| rec.get(w))
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        });
    }
    Ok(out)
}

/// Mean, count, min and max of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Mean.
    pub mean: f32,
    /// How many.
    pub n: usize,
    /// Lowest.
    pub min: f32,
    /// Highest.
    pub max: f32,
}

/// Rounds to one decimal, half away from zero: THE rounding of every score citata shows
/// (`ratings`, `report` in every format, `serve`). Computed in f64 with a nudge of 1e-5 so that
/// a mean that is a half in decimal (7.25, 8.45) rounds up although f32 holds it a hair below.
pub fn round1(v: f32) -> f32 {
    let x = f64::from(v) * 10.0;
    // `+ 0.0`: no negative zero.
    ((x.abs() + 0.5 + 1e-4).floor().copysign(x) / 10.0) as f32 + 0.0
}

/// The change between two means as shown: the difference of the two rounded means, so that
/// a reader's «8,5 − 7,3» is the «+1,2» printed beside them.
pub fn change(now: f32, previous: f32) -> f32 {
    round1(round1(now) - round1(previous))
}

impl Stats {
    /// The statistics of `values`, or `None` when there are none.
    pub fn of(values: &[f32]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let sum: f64 = values.iter().map(|v| f64::from(*v)).sum();
        Some(Stats {
            mean: (sum / values.len() as f64) as f32,
            n: values.len(),
            min: values.iter().copied().fold(f32::MAX, f32::min),
            max: values.iter().copied().fold(f32::MIN, f32::max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_and_changes_come_from_rounded_means() {
        assert_eq!(round1(7.25), 7.3);
        assert_eq!(round1(8.45), 8.5);
        assert_eq!(round1(7.2499), 7.2);
        assert_eq!(round1(-1.25), -1.3);
        // 7 + 7 + 8 + 7 = 29 / 4 = 7.25: one mean, one rounding everywhere.
        let s = Stats::of(&[7.0, 7.0, 8.0, 7.0]).unwrap();
        assert_eq!(round1(s.mean), 7.3);
        // 169 / 20 = 8.45, which f32 holds as 8.4499998.
        let mut v = vec![8.0f32; 11];
        v.extend([9.0; 9]);
        assert_eq!(round1(Stats::of(&v).unwrap().mean), 8.5);
        // 8.45 (8,5) against 7.26 (7,3): +1,2 as the reader subtracts, not 1,19.
        assert_eq!(change(8.45, 7.26), 1.2);
        assert_eq!(change(7.0, 8.04), -1.0);
    }

    #[test]
    fn rating_phrases() {
        let mut a = Analyzer::new();
        // (sentence, expected value or None)
        let cases: &[(&str, Option<f32>)] = &[
            ("Восемь.", Some(8.0)),
            ("8", Some(8.0)),
            ("Ну, восемь с половиной.", Some(8.5)),
            ("8,5", Some(8.5)),
            ("Поставлю 8 из 10.", Some(8.0)),
            ("Где-то 8/10.", Some(8.0)),
            ("На 8 баллов.", Some(8.0)),
            ("Ну, твёрдая восьмёрка.", Some(8.0)),
            ("На твёрдую девятку.", Some(9.0)),
            ("Десяточка!", Some(10.0)),
            ("Семь-восемь.", Some(7.5)),
            ("7-8, наверное.", Some(7.5)),
            ("Между семью и восемью.", Some(7.5)),
            ("Пять. Нет, пожалуй, семь.", Some(7.0)),
            ("Шесть из десяти.", Some(6.0)),
            ("Пятёрка с плюсом, ну, пять.", Some(5.0)),
            ("Ждали три недели.", None),
            ("Это было в 2024 году.", None),
            ("Подняли на пятнадцать процентов.", None),
            ("Две недели стояла линия.", None),
            ("Сорок семь миллионов в год.", None),
            ("Третий раз за квартал.", None),
            ("Почему не десять: Саныч один.", None),
            ("Ответ один: «в процессе».", None),
            ("Один балл, не больше.", Some(1.0)),
            ("Десять не ставлю только потому, что бригада одна.", None),
            ("Восемь баллов.", Some(8.0)),
            ("На девятку.", Some(9.0)),
            ("Девять из десяти.", Some(9.0)),
            ("Семёрочка.", Some(7.0)),
            ("Восемь? Да, восемь.", Some(8.0)),
            ("Ну, где-то семь-восемь.", Some(7.5)),
            ("Поставил бы шесть.", Some(6.0)),
            ("Четыре, не больше.", Some(4.0)),
            ("Тройка, если честно.", Some(3.0)),
            ("Ставлю девять.", Some(9.0)),
            ("Оценка — восемь.", Some(8.0)),
            ("Десять из десяти!", Some(10.0)),
            ("Шесть или семь.", Some(6.5)),
            ("Твёрдая восьмёрка, без вопросов.", Some(8.0)),
            ("Три раза возвращали УПД.", None),
            ("Десять лет назад.", None),
            ("Восемь насосов стоят.", None),
            ("В пять вечера всё.", None),
            ("Полтора месяца ждали.", None),
            ("Девяносто дней отсрочки.", None),
            ("Пятнадцать-двадцать лет.", None),
            ("Двадцать второй год.", None),
            ("В прошлом году было шесть, стало хуже.", None),
            ("Раньше девять, сейчас семь.", Some(7.0)),
            ("Год назад я бы сказала восемь.", None),
            ("Но по-честному там ближе к десяти.", None),
            ("В четвёртом цехе.", None),
            ("Пять дней в неделю.", None),
            ("Около 5%.", None),
        ];
        for (text, want) in cases {
            let got = read_sentence(text, &mut a).map(|(v, _)| v);
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn ratings_follow_the_question_and_the_last_one_wins() {
        use crate::codebook::Codebook;

        use crate::tag::polarity::Lexicon;
        use crate::tag::{TagState, Tagger, markers_codebook};
        let mut a = Analyzer::new();
        let cb = Codebook::parse(
            "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"price\"\nlevel = \"p\"\nname = \"Цены\"\nterms = [\"цена\"]\nquestions = [\"цены\"]\n[[parameters]]\nid = \"delivery\"\nlevel = \"p\"\nname = \"Сроки\"\nterms = [\"срок\"]\nquestions = [\"сроки\"]\n",
            "t",
            &mut a,
        )
        .unwrap();
        let markers = markers_codebook(
            "wish = [\"хотелось бы\"]\ncomparison = [\"конкурент\"]\n",
            &mut a,
        )
        .unwrap();
        let tagger = Tagger::with(cb, markers, Lexicon::default());
        let text = "Интервьюер: Цены — как оцените?\nРеспондент: Подняли на пятнадцать процентов. Пять. Нет, пожалуй, шесть.\nИнтервьюер: А сроки? Сколько баллов?\nРеспондент: Ждали три недели, но в целом восемь с половиной.\n";
        let t = crate::testutil::transcript(text);
        let mut st = TagState::default();
        let codings = tagger.tag(&mut st, &t);
        let got: Vec<(usize, f32, &str)> = extract(&mut st.words(&t), &codings)
            .iter()
            .map(|r| (r.param, r.value, t.slice(r.evidence)))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 6.0, "Нет, пожалуй, шесть."),
                (1, 8.5, "Ждали три недели, но в целом восемь с половиной."),
            ]
        );
    }

    #[test]
    fn ratings_csv_in_excel_form_semicolons_and_1251() {
        let mut a = Analyzer::new();
        let cb = crate::codebook::Codebook::parse(
            "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"цены\"\nlevel = \"p\"\nname = \"Цены\"\nterms = [\"цена\"]\n",
            "t",
            &mut a,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RATINGS_CSV);
        let (bytes, _, _) =
            encoding_rs::WINDOWS_1251.encode("file;param;value;wave\r\nа.txt;цены;7,5;2026\r\n");
        std::fs::write(&path, &bytes).unwrap();
        let rows = read_csv(&path, &cb).unwrap();
        assert_eq!(
            rows,
            vec![CsvRating {
                file: "а.txt".into(),
                param: 0,
                value: 7.5,
                wave: Some("2026".into())
            }]
        );
    }

    #[test]
    fn stats_of_values() {
        let s = Stats::of(&[8.0, 6.0, 7.0]).unwrap();
        assert_eq!((s.mean, s.n, s.min, s.max), (7.0, 3, 6.0, 8.0));
        assert!(Stats::of(&[]).is_none());
    }
}

#[cfg(test)]
mod fixtures;
