//! Quotes a report author pinned (in `citata serve`'s quote board), kept in the study folder
//! as `.citata/pins.toml` (study state the web app writes; git ignores `.citata/`); the report
//! shows pinned quotes of a parameter first, with the author's trimming.
//!
//! **A trim only shortens.** The pinned text must be the passage's own words: one range of
//! them, or several ranges in order joined by «…» ([`check_trim`]). The passage is the
//! transcript's canonical text from `start` to `end` (inside one respondent turn) with its
//! non-speech marks left out, as the board shows it. Whitespace may differ anywhere (it
//! separates words, nothing more); every other character must be the transcript's: no
//! word, letter (ё stays ё), or punctuation mark added or changed. A trim of the *masked*
//! passage (the board shows names as `[имя]`) is accepted when it is a range of the masked
//! passage. `...` counts as «…». Whatever is pinned, names are masked when it is shown.
//! The server checks a trim when it is pinned; the report checks it again (a hand-edited
//! file) and shows the whole passage instead of a trim that is not verbatim, with a warning.
//!
//! ```toml
//! [[pin]]
//! param = "delivery_time"
//! doc = "w26-zakupki.txt"
//! start = 1532          # code points into the canonical text
//! end = 1701
//! text = "Склад заработал — берём за день."   # optional: the trimming shown
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Role, Span, Transcript};

/// The file, relative to the study folder.
pub const PINS_FILE: &str = ".citata/pins.toml";

/// Where pins were kept before they moved into `.citata/` (no longer read: a note says so).
pub const OLD_PINS_FILE: &str = "pins.toml";

/// One pinned quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// Parameter id.
    pub param: String,
    /// Document id.
    pub doc: String,
    /// Start, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The text to show instead of the passage as cut by citata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The pins of a study.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    /// In the order they were pinned.
    #[serde(default, rename = "pin")]
    pub pins: Vec<Pin>,
}

impl Pins {
    /// The path of a study's pins file.
    pub fn path(study: &Path) -> PathBuf {
        study.join(".citata").join("pins.toml")
    }

    /// Reads a study's pins; none when the file does not exist.
    ///
    /// # Errors
    /// When the file cannot be read or is not valid (the message names it).
    pub fn load(study: &Path) -> crate::Result<Pins> {
        let path = Pins::path(study);
        if !path.is_file() {
            return Ok(Pins::default());
        }
        let src = std::fs::read_to_string(&path).map_err(|e| crate::Error::Io {
            path: path.clone(),
            cause: e,
        })?;
        toml::from_str(&src).map_err(|e| crate::Error::BadInput {
            path,
            reason: format!("invalid pins file: {e}"),
        })
    }

    /// Writes the pins (to a temporary file, then renamed over the old one).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, study: &Path) -> crate::Result<()> {
        let path = Pins::path(study);
        let text = toml::to_string(self).map_err(|e| crate::Error::BadInput {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let tmp = path.with_extension("toml.tmp");
        let io = |e| crate::Error::Io {
            path: path.clone(),
            cause: e,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(
            &tmp,
            format!("# Quotes pinned in `citata serve`; the report shows them first.\n{text}"),
        )
        .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Pins a quote (replacing the same passage's earlier pin, so the trimming can change).
    pub fn pin(&mut self, pin: Pin) {
        self.unpin(&pin.param, &pin.doc, pin.start);
        self.pins.push(pin);
    }

    /// Unpins the passage of `doc` starting at `start` for `param`; true when it was pinned.
    pub fn unpin(&mut self, param: &str, doc: &str, start: usize) -> bool {
        let before = self.pins.len();
        self.pins
            .retain(|p| !(p.param == param && p.doc == doc && p.start == start));
        self.pins.len() != before
    }

    /// The pins of a parameter, in pinning order.
    pub fn of<'a>(&'a self, param: &'a str) -> impl Iterator<Item = &'a Pin> + 'a {
        self.pins.iter().filter(move |p| p.param == param)
    }

    /// True when the passage is pinned for the parameter.
    pub fn is_pinned(&self, param: &str, doc: &str, start: usize) -> bool {
        self.of(param).any(|p| p.doc == doc && p.start == start)
    }
}

/// Why a pin cannot be shown as pinned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `start..end` is not a passage of one respondent turn of the transcript.
    NoPassage,
    /// The trim has no words.
    Empty,
    /// A piece of the trim is not the passage's words (in order after the pieces before it).
    NotVerbatim {
        /// The first piece not found.
        piece: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoPassage => {
                f.write_str("the start and end are not a passage of one respondent turn")
            }
            Refusal::Empty => f.write_str("the trimmed text has no words"),
            Refusal::NotVerbatim { piece } => write!(
                f,
                "the trimmed text is not the transcript's words: «{piece}» is not in the passage \
                 (a trim may only leave words out, marking the gaps with «…»)"
            ),
        }
    }
}

impl Refusal {
    /// The message for the quote board (Russian).
    pub fn ru(&self) -> String {
        match self {
            Refusal::NoPassage => {
                "Такого фрагмента нет в ответах респондента: начало и конец цитаты \
                                   должны лежать в одной реплике респондента."
                    .into()
            }
            Refusal::Empty => "В обрезанной цитате не осталось слов.".into(),
            Refusal::NotVerbatim { piece } => format!(
                "Цитата должна быть словами респондента: обрезка может только убирать слова \
                 (пропуск отмечается «…»), но не менять и не добавлять их. \
                 Этого нет в исходном фрагменте: «{piece}»."
            ),
        }
    }
}

/// A pin checked against its transcript: the text to show (names masked), and the trim's
/// refusal when the whole passage is shown instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// What the report shows: the trim, or the whole passage; names masked.
    pub text: String,
    /// Why the trim was not used (the whole passage is shown).
    pub refused: Option<Refusal>,
}

/// A pinned passage as the board shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// The words: non-speech marks left out, whitespace collapsed; unmasked.
    pub text: String,
    /// The turn has words before the passage (shown as «…» at its start).
    pub cut_before: bool,
    /// The turn has words after the passage (shown as «…» at its end).
    pub cut_after: bool,
}

/// The passage `start..end` (code points) of `t` as the board shows it: inside one
/// respondent turn, non-speech marks left out, whitespace collapsed; unmasked.
///
/// # Errors
/// [`Refusal::NoPassage`] when the range is empty, past the text, or not inside one
/// respondent turn.
pub fn passage(t: &Transcript, start: usize, end: usize) -> Result<Passage, Refusal> {
    if start >= end {
        return Err(Refusal::NoPassage);
    }
    let mut bytes = t.text.char_indices().map(|(b, _)| b).chain([t.text.len()]);
    let b0 = bytes.nth(start).ok_or(Refusal::NoPassage)?;
    let b1 = bytes.nth(end - start - 1).ok_or(Refusal::NoPassage)?;
    let span = Span::new(b0, b1);
    let turn = t
        .turns
        .iter()
        .find(|u| u.span.start <= b0 && b1 <= u.span.end)
        .ok_or(Refusal::NoPassage)?;
    if t.turn_speaker(turn).role != Role::Respondent {
        return Err(Refusal::NoPassage);
    }
    let mut marks: Vec<Span> = t
        .sentences
        .iter()
        .filter(|s| s.span.start < b1 && b0 < s.span.end)
        .flat_map(|s| s.marks.iter().copied())
        .filter(|m| b0 <= m.start && m.end <= b1)
        .collect();
    marks.sort_by_key(|m| m.start);
    let mut out = String::new();
    let mut pos = span.start;
    for m in marks {
        if m.start >= pos {
            out.push_str(&t.text[pos..m.start]);
            out.push(' ');
            pos = m.end;
        }
    }
    out.push_str(&t.text[pos..span.end]);
    let words = |from: usize, to: usize| t.text[from..to].chars().any(char::is_alphanumeric);
    Ok(Passage {
        text: crate::quotes::tidy(&out),
        cut_before: words(turn.span.start, b0),
        cut_after: words(b1, turn.span.end),
    })
}

/// The words and marks of a text: runs of letters and digits, and every other non-space
/// character on its own. Whitespace only separates them.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut word: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            word.get_or_insert(i);
            continue;
        }
        if let Some(w) = word.take() {
            out.push(&text[w..i]);
        }
        if !c.is_whitespace() {
            out.push(&text[i..i + c.len_utf8()]);
        }
    }
    if let Some(w) = word {
        out.push(&text[w..]);
    }
    out
}

/// Where the pieces of `trim` (split at «…») lie in `passage`, in order, as token ranges:
/// `Ok` with the first token of the first piece and the end of the last, or the first
/// piece that is not there.
fn locate(trim: &str, passage: &str) -> Result<(usize, usize), Refusal> {
    let trim = trim.replace("...", "…");
    let hay = tokens(passage);
    let mut at = 0usize;
    let mut first = None;
    for piece in trim.split('…') {
        let needle = tokens(piece);
        if needle.is_empty() {
            continue;
        }
        let found = (at..=hay.len().saturating_sub(needle.len()))
            .find(|&i| hay.len() >= needle.len() && hay[i..i + needle.len()] == needle[..]);
        let Some(i) = found else {
            return Err(Refusal::NotVerbatim {
                piece: piece.trim().to_string(),
            });
        };
        first.get_or_insert(i);
        at = i + needle.len();
    }
    first.map(|f| (f, at)).ok_or(Refusal::Empty)
}

/// Checks that `trim` only shortens `passage` (see the module's rule), against the passage
/// as it is and as masked with `private`; `Ok` with the trim as it will be stored: as written
/// with whitespace collapsed, and «…» at an end where words of the passage were left out.
///
/// # Errors
/// [`Refusal::Empty`] or [`Refusal::NotVerbatim`] (naming the first piece not found in
/// the unmasked passage).
pub fn check_trim(trim: &str, passage: &Passage, private: &[String]) -> Result<String, Refusal> {
    let masked = crate::quotes::mask::mask(&passage.text, private);
    let (reference, (first, end)) = match locate(trim, &passage.text) {
        Ok(r) => (passage.text.as_str(), r),
        Err(e) => match locate(trim, &masked) {
            Ok(r) => (masked.as_str(), r),
            Err(_) => return Err(e),
        },
    };
    // As written (a "..." may be the respondent's own), whitespace collapsed.
    let mut text = trim.split_whitespace().collect::<Vec<_>>().join(" ");
    let hay = tokens(reference);
    // Words left out before the first piece, or after the last (a final stop is no word),
    // in the passage or in its turn: marked as candidates mark a cut.
    let tail = hay[end..]
        .iter()
        .any(|t| !matches!(*t, "." | "!" | "?" | "…" | "»" | "\"" | ")"));
    if (first > 0 || passage.cut_before) && !text.starts_with(['…', '.']) {
        text.insert(0, '…');
    }
    if tail || passage.cut_after {
        if text.ends_with('.') && !text.ends_with("..") {
            text.pop();
            text.push('…');
        } else if !text.ends_with(['?', '!', '…', '.', '»', '"']) {
            text.push('…');
        }
    }
    Ok(text)
}

/// A pin checked against its transcript: its trim when the trim only shortens the passage,
/// else the whole passage (with the refusal); names masked either way.
///
/// # Errors
/// [`Refusal::NoPassage`] when the pin's range is not a passage of a respondent turn of `t`.
pub fn check(pin: &Pin, t: &Transcript) -> Result<Checked, Refusal> {
    let whole = passage(t, pin.start, pin.end)?;
    let private = crate::quotes::mask::private_words(t);
    let shown = |text: &str| crate::quotes::mask::mask(text, &private);
    // The whole passage is its own range.
    let all = || check_trim(&whole.text, &whole, &private).unwrap_or_else(|_| whole.text.clone());
    let (text, refused) = match pin
        .text
        .as_deref()
        .map(|trim| check_trim(trim, &whole, &private))
    {
        None => (all(), None),
        Some(Ok(text)) => (text, None),
        Some(Err(e)) => (all(), Some(e)),
    };
    Ok(Checked {
        text: shown(&text),
        refused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_survive_a_round_trip_and_replace_the_same_passage() {
        let dir = tempfile::tempdir().unwrap();
        let mut pins = Pins::load(dir.path()).unwrap();
        assert!(pins.pins.is_empty());
        let pin = |start, text: Option<&str>| Pin {
            param: "delivery_time".into(),
            doc: "w26-zakupki.txt".into(),
            start,
            end: start + 40,
            text: text.map(str::to_string),
        };
        pins.pin(pin(10, None));
        pins.pin(pin(90, Some("Склад заработал — «берём за день».")));
        pins.pin(pin(10, Some("Короче.")));
        pins.save(dir.path()).unwrap();
        let back = Pins::load(dir.path()).unwrap();
        assert_eq!(
            back.pins,
            vec![
                pin(90, Some("Склад заработал — «берём за день».")),
                pin(10, Some("Короче."))
            ]
        );
        let mut back = back;
        assert!(back.unpin("delivery_time", "w26-zakupki.txt", 90));
        assert!(!back.unpin("delivery_time", "w26-zakupki.txt", 90));
        assert!(back.is_pinned("delivery_time", "w26-zakupki.txt", 10));
        std::fs::write(Pins::path(dir.path()), "[[pin]]\nparam = 1\n").unwrap();
        let e = Pins::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("pins.toml") && e.contains("invalid pins file"),
            "{e}"
        );
    }

    /// Code points of `needle`'s first occurrence in `t`'s text, and its end.
    fn at(t: &Transcript, needle: &str) -> (usize, usize) {
        let b = t.text.find(needle).expect("in the text");
        let start = t.text[..b].chars().count();
        (start, start + needle.chars().count())
    }

    fn pin(t: &Transcript, from: &str, text: Option<&str>) -> Pin {
        let (start, end) = at(t, from);
        Pin {
            param: "delivery_time".into(),
            doc: t.doc.clone(),
            start,
            end,
            text: text.map(str::to_string),
        }
    }

    const TEXT: &str = "Интервьюер: Как со сроками?\n\nРеспондент: Ну, склад [смеется] заработал в марте, теперь берём за день. А раньше ждали по две недели, Ирина Львовна ругалась.\n";

    // See: issue #15
    #[test]
    fn a_trim_is_accepted_only_as_ranges_of_the_passage_joined_by_an_ellipsis() {
        let t = crate::testutil::transcript(TEXT);
        let passage_text = "склад [смеется] заработал в марте, теперь берём за день. А раньше ждали по две недели, Ирина Львовна ругалась.";
        let (start, end) = at(&t, passage_text);
        // The passage as the board shows it: the mark left out.
        let whole = passage(&t, start, end).unwrap();
        assert_eq!(
            whole.text,
            "склад заработал в марте, теперь берём за день. А раньше ждали по две недели, Ирина Львовна ругалась."
        );
        // «Ну,» before it is a word of the turn.
        assert!(whole.cut_before && !whole.cut_after);
        let private = crate::quotes::mask::private_words(&t);
        let ok = |trim: &str| check_trim(trim, &whole, &private);
        // One range; words left out after it are marked.
        assert_eq!(
            ok("склад заработал в марте"),
            Ok("…склад заработал в марте…".into())
        );
        // Ranges in order joined by «…» (or "..."), whitespace free at the joints; words
        // left out before the first range are marked.
        assert_eq!(
            ok("теперь берём за день…ждали по   две недели"),
            Ok("…теперь берём за день…ждали по две недели…".into())
        );
        assert_eq!(
            ok("склад заработал ... А раньше ждали по две недели, Ирина Львовна ругалась."),
            Ok("…склад заработал ... А раньше ждали по две недели, Ирина Львовна ругалась.".into())
        );
        // The masked passage's words are accepted too.
        assert_eq!(
            ok("…ждали по две недели, [имя] ругалась."),
            Ok("…ждали по две недели, [имя] ругалась.".into())
        );
        // Anything else is refused, naming the first piece that is not there.
        let refused = |trim: &str| match ok(trim) {
            Err(Refusal::NotVerbatim { piece }) => piece,
            other => panic!("{trim}: {other:?}"),
        };
        assert_eq!(
            refused("Поставщик полностью провалил сроки…"),
            "Поставщик полностью провалил сроки"
        );
        // A word changed, a letter changed (ё is not е), a word cut, a mark added, the
        // order changed, a range repeated.
        assert_eq!(
            refused("склад заработал в апреле"),
            "склад заработал в апреле"
        );
        assert_eq!(refused("теперь берем за день"), "теперь берем за день");
        assert_eq!(refused("клад заработал"), "клад заработал");
        assert_eq!(refused("склад заработал!"), "склад заработал!");
        assert_eq!(
            refused("теперь берём за день … склад заработал"),
            "склад заработал"
        );
        assert_eq!(refused("в марте … в марте"), "в марте");
        // Words joined or a capital added are not whitespace.
        assert_eq!(refused("заработалв марте"), "заработалв марте");
        assert_eq!(refused("Склад заработал"), "Склад заработал");
        assert_eq!(ok(" … ... "), Err(Refusal::Empty));
    }

    // See: issue #15
    #[test]
    fn a_pin_is_checked_against_its_transcript_and_always_masked() {
        let t = crate::testutil::transcript(TEXT);
        let from = "А раньше ждали по две недели, Ирина Львовна ругалась.";
        // A verbatim trim is shown with the name masked.
        let c = check(
            &pin(
                &t,
                from,
                Some("ждали по две недели, Ирина Львовна ругалась."),
            ),
            &t,
        )
        .unwrap();
        assert_eq!(c.text, "…ждали по две недели, [имя] ругалась.");
        assert_eq!(c.refused, None);
        // An invented trim gives way to the whole passage, masked.
        let c = check(
            &pin(&t, from, Some("Поставщик полностью провалил сроки…")),
            &t,
        )
        .unwrap();
        assert_eq!(c.text, "…А раньше ждали по две недели, [имя] ругалась.");
        assert!(
            matches!(c.refused, Some(Refusal::NotVerbatim { .. })),
            "{c:?}"
        );
        // No trim: the passage, masked; «…» where the turn goes on.
        assert_eq!(
            check(&pin(&t, from, None), &t).unwrap().text,
            "…А раньше ждали по две недели, [имя] ругалась."
        );
        assert_eq!(
            check(&pin(&t, "теперь берём за день.", None), &t)
                .unwrap()
                .text,
            "…теперь берём за день…"
        );
        // The interviewer's words, a range past the text or an empty one are no passage.
        assert_eq!(
            check(&pin(&t, "Как со сроками?", None), &t),
            Err(Refusal::NoPassage)
        );
        let mut far = pin(&t, from, None);
        far.end = 100_000;
        assert_eq!(check(&far, &t), Err(Refusal::NoPassage));
        far.end = far.start;
        assert_eq!(check(&far, &t), Err(Refusal::NoPassage));
    }

    // See: issue #15
    #[test]
    fn every_quote_the_board_offers_is_accepted_as_it_is_shown() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let tagger = crate::study::tagger(None).unwrap();
        let pipeline = crate::study::Pipeline::new(
            &tagger,
            crate::study::Needs {
                quotes: true,
                ..Default::default()
            },
        );
        let sources = crate::ingest::discover(&[folder]).unwrap();
        let mut seen = 0;
        for (i, s) in sources.iter().enumerate() {
            let t = crate::ingest::ingest_source(s, &Default::default()).unwrap();
            let a = pipeline.analyze(i + 1, t);
            let t = &a.transcript;
            let private = crate::quotes::mask::private_words(t);
            for q in &a.candidates {
                let whole = passage(t, q.chars.0, q.chars.1).unwrap();
                // A cut the candidate shows is one the passage knows (the passage also
                // counts trimmed fillers as words left out), or the quote opens in lower
                // case, which always gets «…» (unpunctuated speech).
                let lower = q
                    .text
                    .strip_prefix('…')
                    .and_then(|r| r.chars().next())
                    .is_some_and(char::is_lowercase);
                assert!(
                    whole.cut_before || lower || !q.text.starts_with('…'),
                    "{}: {}",
                    t.doc,
                    q.text
                );
                for shown in [q.text.clone(), crate::quotes::mask::mask(&q.text, &private)] {
                    let stored = check_trim(&shown, &whole, &private)
                        .unwrap_or_else(|e| panic!("{}: {shown}: {e}", t.doc));
                    // Stored as shown, but for the «…» of a cut the passage makes visible
                    // (a final stop gives way to it).
                    assert_eq!(
                        stored.trim_matches(['…', '.']),
                        shown.trim_matches(['…', '.']),
                        "{}",
                        t.doc
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 500, "{seen}");
    }
}
