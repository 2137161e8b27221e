//! Agreement of citata's codings with human codings from a REFI-QDA project.
//!
//! **Sentences.** Each text source is read as a plain transcript (the `txt` path of
//! [`crate::ingest`], so speaker labels and roles are parsed) and tagged. The unit of
//! comparison is a respondent sentence (non-speech sentences left out).
//!
//! **Offsets.** Human selections count code points of the source text *as stored* (CRLF
//! included). The text is canonicalized here as ingest does it (BOM dropped, CRLF and CR
//! to LF, NFC) while keeping a map from every stored code point to its place in the
//! canonical text; a code point inside a composed sequence maps to the sequence's start.
//!
//! **Which sentences a selection codes.** The sentences it covers by at least half of their
//! characters; when it covers none by half (a phrase inside a sentence, or a selection
//! that starts a few characters early), the one sentence it overlaps most. Sentences of the
//! interviewer found this way are not compared (they are counted apart).
//!
//! **Codes and parameters.** A human code counts for a parameter when a `--map` entry names
//! it (by name or `Parent/Child` path), else when its name is the parameter's id or name
//! (case-insensitive, ё = е; a citata «NAME: по контексту» code counts for its parameter
//! too). citata codes a sentence for a parameter by keyword or by context.
//!
//! **Figures.** Per parameter over the n compared sentences: TP (both), FP (citata only),
//! FN (humans only), TN; precision TP/(TP+FP), recall TP/(TP+FN), F1, and Cohen's kappa
//! (po − pe)/(1 − pe) with po = (TP+TN)/n and pe = ((TP+FP)(TP+FN) + (FN+TN)(FP+TN))/n².
//! The micro-average sums the four counts over the parameters.

use std::collections::{BTreeMap, BTreeSet};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

use crate::codebook::Codebook;
use crate::ingest::{IngestConfig, ingest_bytes};
use crate::model::{CharIndex, Format, Role, Transcript};
use crate::refi::export::CONTEXT_SUFFIX;
use crate::refi::{Code, Project};
use crate::tag::{Coding, Source, Tagger};

/// The four cells of a 2 × 2 agreement table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Coded by both.
    pub tp: usize,
    /// Coded by citata only.
    pub fp: usize,
    /// Coded by the humans only.
    pub fn_: usize,
    /// Coded by neither.
    pub tn: usize,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Counts {
    /// Sentences compared.
    pub fn n(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// TP / (TP + FP); `None` when citata coded nothing.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); `None` when the humans coded nothing.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// The harmonic mean of precision and recall: 2TP / (2TP + FP + FN).
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// Cohen's kappa; `None` when n = 0 or chance agreement is 1 (both sides constant).
    ///
    /// # Examples
    /// ```
    /// // po = 17/20, pe = (5·6 + 15·14)/400 = 0.6, κ = (0.85 − 0.6)/(1 − 0.6) = 0.625.
    /// let c = citata::agree::Counts { tp: 4, fp: 1, fn_: 2, tn: 13 };
    /// assert!((c.kappa().unwrap() - 0.625).abs() < 1e-12);
    /// ```
    pub fn kappa(&self) -> Option<f64> {
        let n = self.n() as f64;
        if n == 0.0 {
            return None;
        }
        let po = (self.tp + self.tn) as f64 / n;
        let yes = (self.tp + self.fp) as f64 * (self.tp + self.fn_) as f64;
        let no = (self.fn_ + self.tn) as f64 * (self.fp + self.tn) as f64;
        let pe = (yes + no) / (n * n);
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }

    /// Adds another table.
    pub fn add(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
}

/// How citata and the humans disagree on a sentence, most telling first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The humans coded it; citata coded nothing at all in the sentence.
    MissedUncoded,
    /// The humans coded it; citata coded it for other parameters only.
    Missed,
    /// citata coded it by keyword; the humans did not.
    ExtraKeyword,
    /// citata coded it by context; the humans did not.
    ExtraContext,
}

impl Kind {
    /// `FN` or `FP`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::MissedUncoded | Kind::Missed => "FN",
            Kind::ExtraKeyword | Kind::ExtraContext => "FP",
        }
    }
}

/// One sentence where citata and the humans disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    /// How.
    pub kind: Kind,
    /// The source's name.
    pub source: String,
    /// The sentence's index in the transcript read from the source.
    pub sentence: usize,
    /// The sentence's text.
    pub text: String,
    /// What citata (for FN) or the humans (for FP) said about it.
    pub note: String,
}

/// The agreement on one parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamAgreement {
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The human codes (paths) that count for it.
    pub codes: Vec<String>,
    /// The table.
    pub counts: Counts,
    /// Every disagreement, most telling first (see [`Kind`]), then in text order.
    pub disagreements: Vec<Disagreement>,
}

/// The result of [`agree`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Agreement {
    /// Sources compared.
    pub sources: usize,
    /// Respondent sentences compared.
    pub sentences: usize,
    /// Parameters that have a human code, in codebook order.
    pub params: Vec<ParamAgreement>,
    /// Human codes with codings that match no parameter, with their numbers of codings.
    pub unmatched: Vec<(String, usize)>,
    /// Human codings that fell on interviewer sentences (not compared).
    pub interviewer_codings: usize,
    /// Sources that could not be compared, and why.
    pub warnings: Vec<String>,
}

impl Agreement {
    /// The sum of the parameters' tables.
    pub fn micro(&self) -> Counts {
        let mut c = Counts::default();
        for p in &self.params {
            c.add(&p.counts);
        }
        c
    }
}

/// Lowercase, ё → е, trimmed: how code names are compared.
fn fold(s: &str) -> String {
    s.trim().to_lowercase().replace('ё', "е")
}

/// Which parameter each human code counts for.
pub struct Mapping {
    explicit: BTreeMap<String, usize>,
    names: BTreeMap<String, usize>,
}

impl Mapping {
    /// The mapping for a codebook (`params`: its own parameters, markers excluded) and the
    /// explicit `code = param id` pairs of a map file.
    ///
    /// # Errors
    /// A map entry whose parameter id is not in the codebook (the message lists the ids).
    pub fn new(
        cb: &Codebook,
        params: usize,
        explicit: &BTreeMap<String, String>,
    ) -> Result<Mapping, String> {
        let mut names = BTreeMap::new();
        for (i, p) in cb.parameters.iter().enumerate().take(params) {
            names.insert(fold(&p.id), i);
            names.insert(fold(&p.name), i);
            names.insert(fold(&format!("{}{CONTEXT_SUFFIX}", p.name)), i);
        }
        let mut map = BTreeMap::new();
        for (code, id) in explicit {
            let Some(i) = cb.parameters[..params]
                .iter()
                .position(|p| p.id == id.trim())
            else {
                return Err(format!(
                    "`{code}` = `{id}`: no parameter `{id}` in the codebook; the ids are: {}",
                    cb.parameters[..params]
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            map.insert(fold(code), i);
        }
        Ok(Mapping {
            explicit: map,
            names,
        })
    }

    /// The parameter of a code, by its path or name in the map file, else by its name.
    pub fn param_of(&self, code: &Code, path: &str) -> Option<usize> {
        self.explicit
            .get(&fold(path))
            .or_else(|| self.explicit.get(&fold(&code.name)))
            .or_else(|| self.names.get(&fold(&code.name)))
            .copied()
    }
}

/// The canonical text of a stored text, and for every stored code point (and the end) its
/// byte offset in the canonical text.
pub fn canonical_with_map(stored: &str) -> (String, Vec<usize>) {
    let chars: Vec<char> = stored.chars().collect();
    let mut out = String::with_capacity(stored.len());
    let mut map = vec![0usize; chars.len() + 1];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if i == 0 && c == '\u{feff}' {
            map[i] = 0;
            i += 1;
            continue;
        }
        if c == '\r' {
            map[i] = out.len();
            if chars.get(i + 1) == Some(&'\n') {
                i += 1;
                map[i] = out.len();
            }
            out.push('\n');
            i += 1;
            continue;
        }
        // A starter and the combining marks after it compose on their own.
        let mut j = i + 1;
        while j < chars.len() && canonical_combining_class(chars[j]) != 0 {
            j += 1;
        }
        for m in &mut map[i..j] {
            *m = out.len();
        }
        if j == i + 1 && (c as u32) < 0x300 {
            out.push(c);
        } else {
            let chunk: String = chars[i..j].iter().collect();
            out.extend(chunk.nfc());
        }
        i = j;
    }
    map[chars.len()] = out.len();
    (out, map)
}

/// One source read and tagged, with the human codings mapped onto its sentences.
struct Compared {
    t: Transcript,
    codings: Vec<Coding>,
    /// Per sentence, the parameters the humans coded it for.
    human: Vec<BTreeSet<usize>>,
}

/// Compares citata's codings with the project's human codings.
///
/// `tagger` codes the sources' texts; `mapping` says which human code counts for which
/// parameter. Sources that cannot be read as transcripts (empty text) are skipped with a
/// warning.
pub fn agree(project: &Project, tagger: &Tagger, mapping: &Mapping) -> Agreement {
    let cb = tagger.matcher().codebook();
    let mut result = Agreement::default();
    let paths = project.code_paths();
    let mut by_guid: BTreeMap<&str, (&Code, Option<usize>)> = BTreeMap::new();
    for (_, c) in project.codes_flat() {
        let path = paths.get(&c.guid).map_or(c.name.as_str(), String::as_str);
        by_guid.insert(c.guid.as_str(), (c, mapping.param_of(c, path)));
    }
    let mut codes_of: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
    let mut compared: Vec<Compared> = Vec::new();
    for s in &project.sources {
        let (canonical, map) = canonical_with_map(&s.text);
        let t = match ingest_bytes(
            &s.name,
            Format::Txt,
            canonical.as_bytes(),
            &IngestConfig::default(),
        ) {
            Ok(t) => t,
            Err(e) => {
                result
                    .warnings
                    .push(format!("source «{}» not compared: {e}", s.name));
                continue;
            }
        };
        let Some(shift) = canonical
            .ends_with(&t.text)
            .then(|| canonical.len() - t.text.len())
        else {
            result.warnings.push(format!(
                "source «{}» not compared: its text changed on reading in a way offsets cannot follow",
                s.name
            ));
            continue;
        };
        // The study pass's per-transcript step (codings only).
        let crate::study::Analysis {
            transcript: t,
            codings,
            ..
        } = crate::study::Pipeline::new(tagger, crate::study::Needs::default()).analyze(0, t);
        let ix = CharIndex::new(&t.text);
        let spans = sentence_chars(&t, &ix);
        let chars_at = |stored: usize| {
            let b = map[stored.min(map.len() - 1)].saturating_sub(shift);
            ix.char_offset(b.min(t.text.len()))
        };
        let mut human = vec![BTreeSet::new(); t.sentences.len()];
        for sel in &s.selections {
            let params: Vec<usize> = sel
                .codings
                .iter()
                .filter_map(|c| match by_guid.get(c.code.as_str()) {
                    Some((code, Some(p))) => {
                        codes_of
                            .entry(*p)
                            .or_default()
                            .insert(paths.get(&code.guid).cloned().unwrap_or_default());
                        Some(*p)
                    }
                    Some((code, None)) => {
                        *unmatched
                            .entry(
                                paths
                                    .get(&code.guid)
                                    .cloned()
                                    .unwrap_or_else(|| code.name.clone()),
                            )
                            .or_default() += 1;
                        None
                    }
                    None => None,
                })
                .collect();
            if params.is_empty() {
                continue;
            }
            let (a, b) = (chars_at(sel.start), chars_at(sel.end));
            for si in sentences_of(&spans, &t, a, b) {
                if t.turn_speaker(&t.turns[t.sentences[si].turn]).role != Role::Respondent {
                    result.interviewer_codings += params.len();
                    continue;
                }
                human[si].extend(params.iter().copied());
            }
        }
        compared.push(Compared { t, codings, human });
    }
    result.unmatched = unmatched.into_iter().collect();
    tally(cb, &compared, codes_of, result)
}

/// Agreement of citata's machine codings with the coders' decisions on the same
/// transcripts ([`crate::decisions`]) as the reference: a transcript with at least one
/// decision is compared whole, its reference being its codings after the decisions (accepted
/// and undecided machine codings, added ones; rejected ones out). Transcripts without a
/// decision are not compared. Decisions that no longer fit are warnings.
pub fn against_decisions(
    tagger: &Tagger,
    transcripts: Vec<Transcript>,
    decisions: &crate::decisions::Decisions,
) -> Agreement {
    let cb = tagger.matcher().codebook();
    let mut result = Agreement::default();
    let mut codes_of: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut compared = Vec::new();
    let pipeline = crate::study::Pipeline::new(tagger, crate::study::Needs::default());
    for t in transcripts {
        if !decisions.all().any(|d| d.doc == t.doc) {
            continue;
        }
        let crate::study::Analysis {
            transcript: mut t,
            codings,
            ..
        } = pipeline.analyze(0, t);
        let before = t.warnings.len();
        let decided = decisions.apply(&mut t, cb, codings.clone());
        result.warnings.extend(
            t.warnings[before..]
                .iter()
                .map(|w| format!("{}: {w}", t.doc)),
        );
        let mut human = vec![BTreeSet::new(); t.sentences.len()];
        for c in decided.iter().filter(|c| !c.rejected()) {
            if let Some(p) = c.param {
                human[c.sentence].insert(p);
            }
        }
        for c in codings.iter().chain(&decided) {
            if let Some(p) = c.param.filter(|&p| p < tagger.params()) {
                codes_of
                    .entry(p)
                    .or_default()
                    .insert(crate::decisions::DECISIONS_FILE.to_string());
            }
        }
        compared.push(Compared { t, codings, human });
    }
    tally(cb, &compared, codes_of, result)
}

/// The tables and disagreements per parameter of `codes_of`, over the compared sources.
fn tally(
    cb: &Codebook,
    compared: &[Compared],
    codes_of: BTreeMap<usize, BTreeSet<String>>,
    mut result: Agreement,
) -> Agreement {
    result.sources = compared.len();
    for (p, codes) in codes_of {
        let mut counts = Counts::default();
        let mut disagreements = Vec::new();
        for c in compared {
            let t = &c.t;
            for (si, s) in t.sentences.iter().enumerate() {
                if s.non_speech || t.turn_speaker(&t.turns[s.turn]).role != Role::Respondent {
                    continue;
                }
                // Codings come in sentence order: this sentence's are one run.
                let from = c.codings.partition_point(|x| x.sentence < si);
                let to = c.codings.partition_point(|x| x.sentence <= si);
                let mine: Vec<&Coding> = c.codings[from..to].iter().collect();
                let citata = mine.iter().find(|x| x.param == Some(p));
                let human = c.human[si].contains(&p);
                let kind = match (citata.is_some(), human) {
                    (true, true) => {
                        counts.tp += 1;
                        continue;
                    }
                    (false, false) => {
                        counts.tn += 1;
                        continue;
                    }
                    (true, false) => {
                        counts.fp += 1;
                        if citata.is_some_and(|x| x.source == Source::Keyword) {
                            Kind::ExtraKeyword
                        } else {
                            Kind::ExtraContext
                        }
                    }
                    (false, true) => {
                        counts.fn_ += 1;
                        if mine.iter().any(|x| x.param.is_some()) {
                            Kind::Missed
                        } else {
                            Kind::MissedUncoded
                        }
                    }
                };
                let note = match kind {
                    Kind::MissedUncoded => "citata: nothing".to_string(),
                    Kind::Missed => format!(
                        "citata: {}",
                        mine.iter()
                            .filter_map(|x| x.param)
                            .map(|q| cb.parameters[q].id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Kind::ExtraKeyword => format!(
                        "citata: keyword {}",
                        citata
                            .map(|x| {
                                x.terms
                                    .iter()
                                    .map(|h| format!("«{}»", t.slice(h.span)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .unwrap_or_default()
                    ),
                    Kind::ExtraContext => "citata: context (answer to a question about it)".into(),
                };
                let others: Vec<&str> = c.human[si]
                    .iter()
                    .map(|&q| cb.parameters[q].id.as_str())
                    .collect();
                let note = if kind >= Kind::ExtraKeyword && !others.is_empty() {
                    format!("{note}; humans: {}", others.join(", "))
                } else {
                    note
                };
                disagreements.push(Disagreement {
                    kind,
                    source: t.doc.clone(),
                    sentence: si,
                    text: t.slice(s.span).to_string(),
                    note,
                });
            }
        }
        disagreements.sort_by_key(|d| d.kind);
        result.params.push(ParamAgreement {
            param: p,
            codes: codes.into_iter().collect(),
            counts,
            disagreements,
        });
    }
    result.sentences = compared
        .iter()
        .map(|c| {
            c.t.sentences
                .iter()
                .filter(|s| {
                    !s.non_speech && c.t.turn_speaker(&c.t.turns[s.turn]).role == Role::Respondent
                })
                .count()
        })
        .sum();
    result
}

/// Every sentence's span in code points.
fn sentence_chars(t: &Transcript, ix: &CharIndex<'_>) -> Vec<(usize, usize)> {
    t.sentences
        .iter()
        .map(|x| (ix.char_offset(x.span.start), ix.char_offset(x.span.end)))
        .collect()
}

/// The sentences a selection `a..b` (code points) codes: those it covers by at least half,
/// else the one it overlaps most.
fn sentences_of(spans: &[(usize, usize)], t: &Transcript, a: usize, b: usize) -> Vec<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut out = Vec::new();
    for (si, &(s, e)) in spans.iter().enumerate() {
        if t.sentences[si].non_speech {
            continue;
        }
        let overlap = b.min(e).saturating_sub(a.max(s));
        if overlap == 0 {
            continue;
        }
        if 2 * overlap >= e - s {
            out.push(si);
        }
        if best.is_none_or(|(_, o)| overlap > o) {
            best = Some((si, overlap));
        }
    }
    if out.is_empty()
        && let Some((si, _)) = best
    {
        out.push(si);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_and_friends_by_hand() {
        // 20 sentences: TP 4, FP 1, FN 2, TN 13.
        // precision 4/5 = 0.8; recall 4/6 = 0.667; F1 8/11 = 0.727;
        // po = 17/20 = 0.85; pe = (5·6 + 15·14)/400 = 240/400 = 0.6; κ = 0.25/0.4 = 0.625.
        let c = Counts {
            tp: 4,
            fp: 1,
            fn_: 2,
            tn: 13,
        };
        assert_eq!(c.n(), 20);
        assert!((c.precision().unwrap() - 0.8).abs() < 1e-12);
        assert!((c.recall().unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert!((c.f1().unwrap() - 8.0 / 11.0).abs() < 1e-12);
        assert!((c.kappa().unwrap() - 0.625).abs() < 1e-12);
        let none = Counts {
            tn: 5,
            ..Counts::default()
        };
        assert_eq!(
            (none.precision(), none.recall(), none.kappa()),
            (None, None, None)
        );
    }

    #[test]
    fn a_selection_codes_the_sentences_it_covers_by_half_else_the_one_it_overlaps_most() {
        let t = ingest_bytes(
            "t.txt",
            Format::Txt,
            "Респондент: Раз два три четыре. Пять шесть семь восемь. Девять.\n".as_bytes(),
            &IngestConfig::default(),
        )
        .unwrap();
        let spans = sentence_chars(&t, &CharIndex::new(&t.text));
        // After «Респондент: » (12 characters): «Раз два три четыре.» 0..19, «Пять шесть
        // семь восемь.» 20..43, «Девять.» 44..51, counted from 12 below.
        assert_eq!(spans, [(12, 31), (32, 55), (56, 63)]);
        let of = |a: usize, b: usize| sentences_of(&spans, &t, a + 12, b + 12);
        assert_eq!(of(0, 22), [0], "the first and 2 characters of the second");
        assert_eq!(of(25, 30), [1], "a word inside the second");
        assert_eq!(
            of(14, 43),
            [1],
            "the tail of the first (5 of 19) and all of the second"
        );
        assert_eq!(of(8, 35), [0, 1], "more than half of both");
        assert_eq!(
            of(17, 23),
            [1],
            "no sentence by half: the larger overlap wins"
        );
        assert_eq!(of(17, 22), [0], "a tie goes to the earlier sentence");
        assert!(of(19, 20).is_empty(), "only the space between them");
    }

    #[test]
    fn the_map_follows_crlf_bom_and_composition() {
        // "\u{feff}Ну\r\nи\u{306}ка" → "Ну\nйка": й is и + breve composed.
        let stored = "\u{feff}Ну\r\nи\u{306}ка";
        let (text, map) = canonical_with_map(stored);
        assert_eq!(text, "Ну\nйка");
        // Stored code points: BOM 0, Н 1, у 2, \r 3, \n 4, и 5, ◌̆ 6, к 7, а 8, end 9.
        let bytes = |c: usize| map[c];
        assert_eq!(bytes(1), 0);
        assert_eq!(bytes(3), 4);
        assert_eq!(bytes(4), 4);
        assert_eq!(bytes(5), 5);
        assert_eq!(bytes(6), 5);
        assert_eq!(bytes(7), 7);
        assert_eq!(bytes(9), text.len());
        let (same, m) = canonical_with_map("ёж 🙂\nда");
        assert_eq!(same, "ёж 🙂\nда");
        assert_eq!(m[3], "ёж ".len());
        assert_eq!(m[4], "ёж 🙂".len());
    }
}
