//! Human coding decisions: a researcher accepts, rejects or adds a coding on a sentence or a
//! span of a transcript. The decisions of a study live in its folder, in
//! [`DECISIONS_FILE`] (docs/formats.md), and are applied once, right after tagging
//! ([`Decisions::apply`], called by [`crate::study::Pipeline`]), so every consumer sees the
//! same codings.
//!
//! **Keys.** A decision names the document id, the span in code points of the canonical text,
//! the parameter id, and a hash of the span's text. When the text at those offsets still
//! hashes the same, the decision applies there; when the transcript changed around it (a
//! re-ingest moved the offsets), the same text nearest to the old place is taken; when the
//! text itself changed, the decision is not applied and a warning says so (in the
//! transcript's warnings).
//!
//! **Effect on the codings of a transcript.**
//! - `accept`: the machine's coding of that parameter on the sentences the span overlaps is
//!   marked accepted (with the coder); with none there, it is added as `add` would.
//! - `reject`: those codings are dropped (kept, marked, when [`Decisions::keep_rejected`]).
//! - `add`: a coding of the parameter over the span ([`Source::Human`]), on the sentence
//!   where the span starts; an existing machine coding there is marked accepted instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::model::{CharIndex, Span, Transcript};
use crate::tag::{Coding, Source};

/// The decisions file in a study folder.
pub const DECISIONS_FILE: &str = "decisions.tsv";

/// The header line of the file: the columns.
const HEADER: &str = "action\tdoc\tstart\tend\tparam\tcoder\thash\ttext";

/// What a coder decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// The machine's coding is right.
    Accept,
    /// The machine's coding is wrong.
    Reject,
    /// A coding the machine did not make.
    Add,
}

impl Action {
    /// `accept`, `reject` or `add`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Add => "add",
        }
    }

    /// The action for its name.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "accept" => Action::Accept,
            "reject" => Action::Reject,
            "add" => Action::Add,
            _ => return None,
        })
    }
}

/// One decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Accept, reject or add.
    pub action: Action,
    /// The document id.
    pub doc: String,
    /// First code point of the span in the canonical text.
    pub start: usize,
    /// Code point after the span.
    pub end: usize,
    /// The parameter id.
    pub param: String,
    /// Who decided.
    pub coder: String,
    /// [`text_hash`] of the span's text.
    pub hash: String,
    /// The span's text (for the reader of the file, and to find it again).
    pub text: String,
}

impl Decision {
    /// A decision on code points `start..end` of `t`'s text, with the text and its hash;
    /// `None` when the span is empty or goes past the text.
    pub fn on(
        t: &Transcript,
        action: Action,
        (start, end): (usize, usize),
        param: &str,
        coder: &str,
    ) -> Option<Decision> {
        if start >= end {
            return None;
        }
        let text: String = t.text.chars().skip(start).take(end - start).collect();
        if text.chars().count() != end - start {
            return None;
        }
        Some(Decision {
            action,
            doc: t.doc.clone(),
            start,
            end,
            param: param.to_string(),
            coder: coder.to_string(),
            hash: text_hash(&text),
            text,
        })
    }
}

/// Who decided what about a coding ([`Coding::decision`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// The action.
    pub action: Action,
    /// The coder's name.
    pub coder: String,
}

/// One decision as a line of the file.
fn write_line(o: &mut String, d: &Decision) {
    let _ = writeln!(
        o,
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        d.action.as_str(),
        escape_field(&d.doc),
        d.start,
        d.end,
        d.param,
        escape_field(&d.coder),
        d.hash,
        escape_field(&d.text)
    );
}

/// A 64-bit FNV-1a hash of a text, as 16 hex digits.
///
/// # Examples
/// ```
/// let h = citata::decisions::text_hash("Сроки — это боль.");
/// assert_eq!(h.len(), 16);
/// assert_ne!(h, citata::decisions::text_hash("Сроки — не боль."));
/// ```
pub fn text_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Where a span kept by a study file (code points `start..end` of the canonical text, the
/// [`text_hash`] `hash` of its text, and that text as it was, `was`) falls in `text` now, as
/// a byte span: at its offsets when the text there still hashes the same, else the same
/// text nearest to its old place (a re-ingest moved it); `None` when the text changed.
/// Decisions and memos ([`crate::memos`]) are kept and found again this way.
///
/// # Examples
/// ```
/// use citata::decisions::{locate_span, text_hash};
/// let h = text_hash("боль");
/// // The offsets of «боль» in "Сроки — боль." are 8..12; a line added before moves it.
/// let now = "Да.\nСроки — боль.";
/// let span = locate_span(now, 8, 12, &h, "боль").unwrap();
/// assert_eq!(&now[span.start..span.end], "боль");
/// assert!(locate_span("Сроки — радость.", 8, 12, &h, "боль").is_none());
/// ```
pub fn locate_span(text: &str, start: usize, end: usize, hash: &str, was: &str) -> Option<Span> {
    let bytes = |from: usize, len: usize| -> Option<Span> {
        let mut it = text.char_indices().map(|(i, _)| i).chain([text.len()]);
        let a = it.nth(from)?;
        let b = if len == 0 { a } else { it.nth(len - 1)? };
        Some(Span::new(a, b))
    };
    if let Some(span) = bytes(start, end.saturating_sub(start))
        && text_hash(&text[span.start..span.end]) == hash
    {
        return Some(span);
    }
    // Moved: the same text nearest its old place.
    if text_hash(was) == hash && !was.is_empty() {
        let ix = CharIndex::new(text);
        let best = text
            .match_indices(was)
            .map(|(b, _)| (ix.char_offset(b).abs_diff(start), b))
            .min();
        if let Some((_, b)) = best {
            return Some(Span::new(b, b + was.len()));
        }
    }
    None
}

/// Writes `contents` to `path` atomically: a temporary file beside it, then a rename (no
/// half-written study file is ever left).
///
/// # Errors
/// When the file cannot be written.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// A field of a study's TSV file: backslash, tab, line feed and carriage return escaped as
/// `\\`, `\t`, `\n`, `\r` (so multi-line text stays on one line).
pub(crate) fn escape_field(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\t' => o.push_str("\\t"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            c => o.push(c),
        }
    }
    o
}

/// The text of an [`escape_field`]-ed field.
pub(crate) fn unescape_field(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            o.push(c);
            continue;
        }
        match it.next() {
            Some('t') => o.push('\t'),
            Some('n') => o.push('\n'),
            Some('r') => o.push('\r'),
            Some(c) => o.push(c),
            None => o.push('\\'),
        }
    }
    o
}

/// The text of a study file (decisions.tsv, memos.tsv); `None` when it does not exist.
///
/// # Errors
/// When the file exists but cannot be read.
pub(crate) fn read_if_present(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io {
            path: path.to_path_buf(),
            cause: e,
        }),
    }
}

/// The decisions of a study, one per (document, span, parameter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    by_key: BTreeMap<(String, usize, usize, String), Decision>,
    /// Keep rejected codings, marked, instead of dropping them (`tag --show-rejected`).
    pub keep_rejected: bool,
}

impl Decisions {
    /// The decisions in the file at `path`; none when it does not exist.
    ///
    /// # Errors
    /// When the file cannot be read, or a line is malformed (the message names the line).
    pub fn load(path: &Path) -> Result<Decisions> {
        let Some(src) = read_if_present(path)? else {
            return Ok(Decisions::default());
        };
        let mut out = Decisions::default();
        out.parse_into(&src).map_err(|reason| Error::BadInput {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(out)
    }

    /// The decisions of the study folders among `paths` (files are skipped): each folder's
    /// [`DECISIONS_FILE`], whose document ids are relative to that folder as the
    /// transcripts' are.
    ///
    /// # Errors
    /// As [`Decisions::load`].
    pub fn load_folders(paths: &[PathBuf]) -> Result<Decisions> {
        let mut out = Decisions::default();
        for p in paths.iter().filter(|p| p.is_dir()) {
            for d in Decisions::load(&p.join(DECISIONS_FILE))?.all() {
                out.set(d.clone());
            }
        }
        Ok(out)
    }

    fn parse_into(&mut self, src: &str) -> std::result::Result<(), String> {
        for (i, line) in src.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') || line == HEADER {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let bad = |what: String| format!("line {}: {what}", i + 1);
            if f.len() != 8 {
                return Err(bad(format!(
                    "{} tab-separated fields, expected 8: {HEADER}",
                    f.len()
                )));
            }
            let action = Action::parse(f[0])
                .ok_or_else(|| bad(format!("action `{}`: expected accept, reject or add", f[0])))?;
            let num = |s: &str| {
                s.parse::<usize>()
                    .map_err(|_| bad(format!("`{s}` is not an offset")))
            };
            let (start, end) = (num(f[2])?, num(f[3])?);
            if start >= end {
                return Err(bad(format!("empty span {start}..{end}")));
            }
            self.set(Decision {
                action,
                doc: unescape_field(f[1]),
                start,
                end,
                param: f[4].to_string(),
                coder: unescape_field(f[5]),
                hash: f[6].to_string(),
                text: unescape_field(f[7]),
            });
        }
        Ok(())
    }

    /// The file's text: a comment, the header, then one line per decision sorted by
    /// document, span and parameter (so a change is a one-line diff).
    pub fn to_tsv(&self) -> String {
        let mut o = String::from(
            "# citata coding decisions (docs/formats.md); offsets are code points of the canonical text\n",
        );
        o.push_str(HEADER);
        o.push('\n');
        for d in self.by_key.values() {
            write_line(&mut o, d);
        }
        o
    }

    /// The decisions on one document.
    pub fn of_doc<'a>(&'a self, doc: &'a str) -> impl Iterator<Item = &'a Decision> + 'a {
        self.by_key
            .range((doc.to_string(), 0, 0, String::new())..)
            .take_while(move |(k, _)| k.0 == doc)
            .map(|(_, d)| d)
    }

    /// A hash of the decisions on `doc` (their lines in the file), `None` when there is
    /// none: the search index keeps it beside the file's hash, so that a transcript decided
    /// on since is coded again by `index add` even when its file did not change.
    pub fn doc_hash(&self, doc: &str) -> Option<String> {
        let mut lines = String::new();
        for d in self.of_doc(doc) {
            write_line(&mut lines, d);
        }
        (!lines.is_empty()).then(|| text_hash(&lines))
    }

    /// Writes the file atomically (a temporary file in the same folder, then a rename).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_tsv())
    }

    /// Records a decision, replacing one on the same document, span and parameter.
    pub fn set(&mut self, d: Decision) {
        self.by_key
            .insert((d.doc.clone(), d.start, d.end, d.param.clone()), d);
    }

    /// Takes back the decision on a document, span and parameter; `None` when there was none.
    pub fn remove(&mut self, doc: &str, start: usize, end: usize, param: &str) -> Option<Decision> {
        self.by_key
            .remove(&(doc.to_string(), start, end, param.to_string()))
    }

    /// Every decision, by document, span and parameter.
    pub fn all(&self) -> impl Iterator<Item = &Decision> {
        self.by_key.values()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// These decisions for [`crate::study::Pipeline::decisions`]: `None` when there is none,
    /// so the pass does no work for them.
    pub fn to_apply(&self) -> Option<&Decisions> {
        (!self.is_empty()).then_some(self)
    }

    /// Where a decision falls in `t` now: its byte span, or why it no longer applies.
    pub fn locate(t: &Transcript, d: &Decision) -> std::result::Result<Span, String> {
        locate_span(&t.text, d.start, d.end, &d.hash, &d.text).ok_or_else(|| {
            format!(
                "{DECISIONS_FILE}: {} of `{}` by {} on «{}» at {}..{}: the text there changed; the decision is not applied",
                d.action.as_str(),
                d.param,
                d.coder,
                d.text,
                d.start,
                d.end
            )
        })
    }

    /// Applies the decisions on `t` to its machine codings (see the module's notes); the
    /// decisions that no longer fit are warnings in `t.warnings`. `cb` gives the parameter
    /// ids; a decision on an unknown one is a warning too.
    pub fn apply(
        &self,
        t: &mut Transcript,
        cb: &Codebook,
        mut codings: Vec<Coding>,
    ) -> Vec<Coding> {
        let mut warnings = Vec::new();
        let mut rejected: Vec<usize> = Vec::new();
        let doc = t.doc.clone();
        for d in self.of_doc(&doc) {
            let Some(p) = cb.parameters.iter().position(|p| p.id == d.param) else {
                warnings.push(format!(
                    "{DECISIONS_FILE}: {} by {} on «{}»: no parameter `{}` in the codebook",
                    d.action.as_str(),
                    d.coder,
                    d.text,
                    d.param
                ));
                continue;
            };
            let span = match Decisions::locate(t, d) {
                Ok(s) => s,
                Err(w) => {
                    warnings.push(w);
                    continue;
                }
            };
            let decided = Decided {
                action: d.action,
                coder: d.coder.clone(),
            };
            let hits: Vec<usize> = (0..codings.len())
                .filter(|&i| {
                    let c = &codings[i];
                    c.param == Some(p) && c.span.start < span.end && span.start < c.span.end
                })
                .collect();
            match d.action {
                Action::Reject => {
                    for &i in &hits {
                        codings[i].decision = Some(decided.clone());
                        rejected.push(i);
                    }
                }
                Action::Accept | Action::Add if !hits.is_empty() => {
                    for &i in &hits {
                        codings[i].decision = Some(Decided {
                            action: Action::Accept,
                            ..decided.clone()
                        });
                    }
                }
                Action::Accept | Action::Add => {
                    let Some(si) = t.sentences.iter().position(|s| {
                        s.span.start <= span.start && span.start < s.span.end.max(s.span.start + 1)
                    }) else {
                        warnings.push(format!(
                            "{DECISIONS_FILE}: {} of `{}` by {} on «{}»: not inside a sentence; not applied",
                            d.action.as_str(),
                            d.param,
                            d.coder,
                            d.text
                        ));
                        continue;
                    };
                    let like = codings.iter().find(|c| c.sentence == si);
                    codings.push(Coding {
                        sentence: si,
                        turn: t.sentences[si].turn,
                        span,
                        param: Some(p),
                        source: Source::Human,
                        terms: Vec::new(),
                        polarity: like
                            .map_or(crate::tag::polarity::Polarity::Neutral, |c| c.polarity),
                        polarity_score: like.map_or(0.0, |c| c.polarity_score),
                        wish: like.is_some_and(|c| c.wish),
                        comparison: like.is_some_and(|c| c.comparison),
                        decision: Some(Decided {
                            action: Action::Add,
                            ..decided
                        }),
                    });
                }
            }
        }
        if !self.keep_rejected && !rejected.is_empty() {
            rejected.sort_unstable();
            rejected.dedup();
            let mut k = 0;
            codings.retain(|_| {
                let keep = rejected.binary_search(&k).is_err();
                k += 1;
                keep
            });
        }
        // Sentence order, parameters in codebook order, a sentence's bare coding (no
        // parameter) dropped once a human coding gives it one.
        codings.sort_by_key(|c| (c.sentence, c.param.map_or(usize::MAX, |p| p)));
        let mut prev: Option<usize> = None;
        codings.retain(|c| {
            let bare_after_coded = c.param.is_none() && prev == Some(c.sentence);
            if c.param.is_some() {
                prev = Some(c.sentence);
            }
            !bare_after_coded
        });
        t.warnings.extend(warnings);
        codings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(action: Action, start: usize, text: &str) -> Decision {
        Decision {
            action,
            doc: "папка/a\tb.txt".into(),
            start,
            end: start + text.chars().count(),
            param: "delivery".into(),
            coder: "Анна \\ К.".into(),
            hash: text_hash(text),
            text: text.into(),
        }
    }

    #[test]
    fn the_file_round_trips_sorted_and_escaped_and_a_later_decision_replaces() {
        let mut d = Decisions::default();
        d.set(decision(Action::Reject, 40, "Сроки —\nболь."));
        d.set(decision(Action::Add, 3, "да"));
        d.set(decision(Action::Accept, 40, "Сроки —\nболь."));
        let tsv = d.to_tsv();
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(lines.len(), 4, "{tsv}");
        assert_eq!(lines[1], HEADER);
        assert!(lines[2].starts_with("add\tпапка/a\\tb.txt\t3\t5\tdelivery\tАнна \\\\ К.\t"));
        assert!(lines[3].starts_with("accept\t") && lines[3].ends_with("\tСроки —\\nболь."));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DECISIONS_FILE);
        d.save(&path).unwrap();
        assert_eq!(Decisions::load(&path).unwrap(), d);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
        std::fs::write(&path, "accept\ta.txt\t5\t5\tdelivery\tА\th\tt\n").unwrap();
        let e = Decisions::load(&path).unwrap_err().to_string();
        assert!(e.ends_with("line 1: empty span 5..5"), "{e}");
        std::fs::write(&path, "maybe\ta.txt\t1\t5\tdelivery\tА\th\tt\n").unwrap();
        let e = Decisions::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("action `maybe`: expected accept, reject or add"),
            "{e}"
        );
    }

    const CB: &str = r#"name = "t"
version = "1"
[[levels]]
id = "proc"
name = "Процессы"
[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки"
terms = ["задержка"]
[[parameters]]
id = "pricing"
level = "proc"
name = "Цены"
terms = ["цена"]
"#;

    #[test]
    fn apply_drops_rejected_adds_spans_and_warns_of_changed_text() {
        let tg = crate::testutil::tagger(CB, &["хотелось бы"], &["конкурент"], "", "");
        let cb = tg.matcher().codebook();
        let text = "И: Как дела?\nР: Задержка опять. Цена высокая, но ладно.\n";
        let mut t = crate::testutil::transcript(text);
        let codings = tg.tag(&mut crate::tag::TagState::default(), &t);
        let at = |s: &str| text[..text.find(s).unwrap()].chars().count();
        let on = |action, s: &str, param: &str| Decision {
            param: param.into(),
            doc: "t.txt".into(),
            ..decision(action, at(s), s)
        };
        let mut d = Decisions::default();
        d.set(on(Action::Reject, "Задержка опять.", "delivery"));
        d.set(on(Action::Add, "высокая", "delivery"));
        d.set(Decision {
            text: "Цена низкая".into(),
            hash: text_hash("Цена низкая"),
            ..on(Action::Accept, "Цена высока", "pricing")
        });
        d.set(on(Action::Add, "опять", "quality"));
        let got = d.apply(&mut t, cb, codings.clone());
        let seen: Vec<(&str, &str, Option<Action>, &str)> = got
            .iter()
            .map(|c| {
                (
                    cb.parameters[c.param.unwrap()].id.as_str(),
                    c.source.as_str(),
                    c.decision.as_ref().map(|d| d.action),
                    t.slice(c.span),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("delivery", "human", Some(Action::Add), "высокая"),
                ("pricing", "keyword", None, "Цена высокая, но ладно."),
            ]
        );
        assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
        assert!(
            t.warnings[0].contains("no parameter `quality`"),
            "{:?}",
            t.warnings
        );
        assert!(
            t.warnings[1].ends_with("the text there changed; the decision is not applied"),
            "{:?}",
            t.warnings
        );
        // Kept to be shown, the rejected coding is marked.
        let shown = Decisions {
            keep_rejected: true,
            ..d.clone()
        }
        .apply(&mut t, cb, codings);
        assert!(
            shown[0].rejected() && shown[0].param == Some(0),
            "{shown:?}"
        );
    }
}
