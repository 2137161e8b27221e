//! Memos: a researcher's note on a transcript, on a span of one (a sentence or any range of
//! its canonical text), or on a parameter of the codebook. The memos of a study live in its
//! folder, in [`MEMOS_FILE`] (docs/formats.md); `citata memo add|list|remove` writes and
//! reads them, the web app shows them, the REFI-QDA export writes them as `Note`s with
//! `NoteRef`s, and the Word report lists them in an appendix.
//!
//! **Anchors.** A span is kept as the coding decisions keep theirs
//! ([`crate::decisions::locate_span`]): the document id, code point offsets of the canonical
//! text, a hash of the span's text and the text itself. When a re-ingest moved the text,
//! the memo follows it; when the text itself changed, the memo is kept (never dropped) and
//! reported: [`Memos::placed`] says why it cannot be placed.
//!
//! **Identity.** A memo has no stored id: [`Memo::id`] is a hash of its line, so the same
//! memo added twice is kept once, and `memo remove` names a memo by the id `memo list` shows.

use std::fmt::Write as _;
use std::path::Path;

use crate::decisions::{escape_field, locate_span, text_hash, unescape_field, write_atomically};
use crate::error::{Error, Result};
use crate::model::{Span, Transcript};

/// The memos file in a study folder.
pub const MEMOS_FILE: &str = "memos.tsv";

/// The header line of the file: the columns.
const HEADER: &str = "on\ttarget\tstart\tend\thash\tspan\tauthor\tdate\ttext";

/// What a memo is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anchor {
    /// A whole transcript, by document id.
    Document(String),
    /// A span of a transcript's canonical text.
    Span(SpanAnchor),
    /// A parameter of the codebook, by id.
    Parameter(String),
}

/// A span of a transcript as a memo keeps it (the keys of [`crate::decisions::Decision`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpanAnchor {
    /// The document id.
    pub doc: String,
    /// First code point of the span in the canonical text.
    pub start: usize,
    /// Code point after the span.
    pub end: usize,
    /// [`text_hash`] of the span's text.
    pub hash: String,
    /// The span's text when the memo was written.
    pub text: String,
}

impl SpanAnchor {
    /// The span `start..end` (code points) of `text`, the canonical text of `doc`; `None`
    /// when it is empty or out of range.
    pub fn new(doc: &str, text: &str, start: usize, end: usize) -> Option<SpanAnchor> {
        if start >= end {
            return None;
        }
        let quoted = crate::refi::char_slice(text, start, end)?;
        Some(SpanAnchor {
            doc: doc.to_string(),
            start,
            end,
            hash: text_hash(quoted),
            text: quoted.to_string(),
        })
    }
}

impl Anchor {
    /// `doc`, `span` or `param`: the file's first column.
    pub fn kind(&self) -> &'static str {
        match self {
            Anchor::Document(_) => "doc",
            Anchor::Span(_) => "span",
            Anchor::Parameter(_) => "param",
        }
    }

    /// The document the memo is on, if any.
    pub fn doc(&self) -> Option<&str> {
        match self {
            Anchor::Document(d) => Some(d),
            Anchor::Span(s) => Some(&s.doc),
            Anchor::Parameter(_) => None,
        }
    }

    /// The parameter the memo is on, if any.
    pub fn param(&self) -> Option<&str> {
        match self {
            Anchor::Parameter(p) => Some(p),
            _ => None,
        }
    }
}

/// One memo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memo {
    /// What it is about.
    pub anchor: Anchor,
    /// Who wrote it.
    pub author: String,
    /// When: `YYYY-MM-DDThh:mm:ssZ` (UTC).
    pub date: String,
    /// The note itself (any text, several lines too).
    pub text: String,
}

impl Memo {
    /// The memo's line in the file (without the line end).
    fn line(&self) -> String {
        let (target, start, end, hash, span) = match &self.anchor {
            Anchor::Document(d) => (d.as_str(), String::new(), String::new(), "", ""),
            Anchor::Parameter(p) => (p.as_str(), String::new(), String::new(), "", ""),
            Anchor::Span(s) => (
                s.doc.as_str(),
                s.start.to_string(),
                s.end.to_string(),
                s.hash.as_str(),
                s.text.as_str(),
            ),
        };
        format!(
            "{}\t{}\t{start}\t{end}\t{hash}\t{}\t{}\t{}\t{}",
            self.anchor.kind(),
            escape_field(target),
            escape_field(span),
            escape_field(&self.author),
            self.date,
            escape_field(&self.text)
        )
    }

    /// A short stable id: eight hex digits of a hash of the memo's line.
    pub fn id(&self) -> String {
        self.line_hash()[..8].to_string()
    }

    /// The 64-bit FNV-1a hash of the memo's line, 16 hex digits: what the memo's GUID in a
    /// REFI-QDA export is made of.
    pub fn line_hash(&self) -> String {
        text_hash(&self.line())
    }

    fn sort_key(&self) -> (&str, &Anchor, &str, &str, &str) {
        let target = match &self.anchor {
            Anchor::Document(d) | Anchor::Parameter(d) => d.as_str(),
            Anchor::Span(s) => s.doc.as_str(),
        };
        (target, &self.anchor, &self.date, &self.author, &self.text)
    }
}

/// The memos of a study, in file order: by document or parameter, then place, then date.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memos {
    list: Vec<Memo>,
}

/// Why `memo remove` found no memo to remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRemoved {
    /// No memo has an id starting so.
    None,
    /// Several do: their ids.
    Ambiguous(Vec<String>),
}

impl Memos {
    /// The memos in the file at `path`; none when it does not exist.
    ///
    /// # Errors
    /// When the file cannot be read, or a line is malformed (the message names the line).
    pub fn load(path: &Path) -> Result<Memos> {
        let Some(src) = crate::decisions::read_if_present(path)? else {
            return Ok(Memos::default());
        };
        Memos::parse(&src).map_err(|reason| Error::BadInput {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// The memos of a study folder ([`MEMOS_FILE`] in it).
    ///
    /// # Errors
    /// As [`Memos::load`].
    pub fn of_study(folder: &Path) -> Result<Memos> {
        Memos::load(&folder.join(MEMOS_FILE))
    }

    /// The memos in a file's text.
    ///
    /// # Errors
    /// A malformed line: its number and what is wrong.
    pub fn parse(src: &str) -> std::result::Result<Memos, String> {
        let mut out = Memos::default();
        for (i, line) in src.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') || line == HEADER {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let bad = |what: String| format!("line {}: {what}", i + 1);
            if f.len() != 9 {
                return Err(bad(format!(
                    "{} tab-separated fields, expected 9: {HEADER}",
                    f.len()
                )));
            }
            let target = unescape_field(f[1]);
            if target.is_empty() {
                return Err(bad("no document or parameter in the second field".into()));
            }
            let anchor = match f[0] {
                "doc" => Anchor::Document(target),
                "param" => Anchor::Parameter(target),
                "span" => {
                    let num = |s: &str| {
                        s.parse::<usize>()
                            .map_err(|_| bad(format!("`{s}` is not an offset")))
                    };
                    let (start, end) = (num(f[2])?, num(f[3])?);
                    if start >= end {
                        return Err(bad(format!("empty span {start}..{end}")));
                    }
                    Anchor::Span(SpanAnchor {
                        doc: target,
                        start,
                        end,
                        hash: f[4].to_string(),
                        text: unescape_field(f[5]),
                    })
                }
                other => {
                    return Err(bad(format!(
                        "`{other}`: expected doc, span or param in the first field"
                    )));
                }
            };
            let date = normalize_date(f[7])
                .ok_or_else(|| bad(format!("date `{}`: expected YYYY-MM-DDThh:mm:ssZ", f[7])))?;
            out.add(Memo {
                anchor,
                author: unescape_field(f[6]),
                date,
                text: unescape_field(f[8]),
            });
        }
        Ok(out)
    }

    /// The file's text: a comment, the header, then one line per memo (multi-line text
    /// escaped), sorted so that a change is a one-line diff.
    pub fn to_tsv(&self) -> String {
        let mut o = String::from(
            "# citata memos (docs/formats.md); offsets are code points of the canonical text\n",
        );
        o.push_str(HEADER);
        o.push('\n');
        for m in &self.list {
            let _ = writeln!(o, "{}", m.line());
        }
        o
    }

    /// Writes the file atomically (a temporary file in the same folder, then a rename).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_tsv())
    }

    /// Adds a memo in its place; the same memo again is kept once. Returns its id.
    pub fn add(&mut self, memo: Memo) -> String {
        let id = memo.id();
        if !self.list.contains(&memo) {
            let at = self
                .list
                .partition_point(|m| m.sort_key() <= memo.sort_key());
            self.list.insert(at, memo);
        }
        id
    }

    /// Removes the memo whose id starts with `id` (at least four characters are expected
    /// from a user, but any unique prefix works).
    ///
    /// # Errors
    /// When no memo, or more than one, has such an id.
    pub fn remove(&mut self, id: &str) -> std::result::Result<Memo, NotRemoved> {
        let hits: Vec<usize> = (0..self.list.len())
            .filter(|&i| self.list[i].id().starts_with(id) && !id.is_empty())
            .collect();
        match hits.as_slice() {
            [] => Err(NotRemoved::None),
            [i] => Ok(self.list.remove(*i)),
            _ => Err(NotRemoved::Ambiguous(
                hits.iter().map(|&i| self.list[i].id()).collect(),
            )),
        }
    }

    /// Every memo, in file order.
    pub fn all(&self) -> impl Iterator<Item = &Memo> {
        self.list.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The memos on parameter `param`.
    pub fn of_param<'a>(&'a self, param: &'a str) -> impl Iterator<Item = &'a Memo> {
        self.list
            .iter()
            .filter(move |m| m.anchor.param() == Some(param))
    }

    /// The memos on transcript `t` (on the whole of it, or on a span), each with its byte
    /// span in `t` now (`None`: the whole transcript); and, for a span memo whose text
    /// changed, the warning instead (the memo is not placed, never dropped).
    pub fn placed<'a>(
        &'a self,
        t: &Transcript,
    ) -> Vec<(&'a Memo, std::result::Result<Option<Span>, String>)> {
        self.list
            .iter()
            .filter(|m| m.anchor.doc() == Some(t.doc.as_str()))
            .map(|m| (m, place(m, &t.text)))
            .collect()
    }
}

/// Where memo `m` falls in a transcript whose canonical text is `text`: `Ok(None)` for a
/// memo on the whole transcript (or a parameter), the byte span of a span memo, or the
/// warning that its text changed.
pub fn place(m: &Memo, text: &str) -> std::result::Result<Option<Span>, String> {
    let Anchor::Span(s) = &m.anchor else {
        return Ok(None);
    };
    locate_span(text, s.start, s.end, &s.hash, &s.text)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{MEMOS_FILE}: memo {} by {} of {} on «{}» at {}..{}: the text there changed; the memo is kept but shown without its place",
                m.id(),
                m.author,
                &m.date[..10.min(m.date.len())],
                s.text,
                s.start,
                s.end
            )
        })
}

/// `YYYY-MM-DDThh:mm:ssZ`, or a date alone (`YYYY-MM-DD`, taken at midnight UTC), as the
/// file keeps it; `None` when it is not such a date.
///
/// # Examples
/// ```
/// use citata::memos::normalize_date;
/// assert_eq!(normalize_date("2026-12-05").as_deref(), Some("2026-12-05T00:00:00Z"));
/// assert_eq!(normalize_date("2026-12-05T18:20:01").as_deref(), Some("2026-12-05T18:20:01Z"));
/// assert_eq!(normalize_date("5.12.2026"), None);
/// ```
pub fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let date_ok = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    if !date_ok {
        return None;
    }
    let (month, day): (u32, u32) = (s[5..7].parse().ok()?, s[8..10].parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    match &s[10..] {
        "" => Some(format!("{}T00:00:00Z", &s[..10])),
        rest => {
            let t = rest.strip_prefix('T')?;
            let t = t.strip_suffix('Z').unwrap_or(t);
            let tb = t.as_bytes();
            let ok = tb.len() == 8
                && tb[2] == b':'
                && tb[5] == b':'
                && [0..2, 3..5, 6..8]
                    .iter()
                    .all(|r| tb[r.clone()].iter().all(u8::is_ascii_digit));
            let (h, m, sec): (u32, u32, u32) = if ok {
                (
                    t[0..2].parse().ok()?,
                    t[3..5].parse().ok()?,
                    t[6..8].parse().ok()?,
                )
            } else {
                return None;
            };
            (h < 24 && m < 60 && sec < 61).then(|| format!("{}T{t}Z", &s[..10]))
        }
    }
}

/// Now, as `YYYY-MM-DDThh:mm:ssZ` (UTC).
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ` (the civil calendar of Howard
/// Hinnant's `civil_from_days`).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo(anchor: Anchor, text: &str) -> Memo {
        Memo {
            anchor,
            author: "Анна \\ К.".into(),
            date: "2026-12-05T18:20:00Z".into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_file_round_trips_tabs_newlines_and_russian_text_sorted() {
        let canonical = "И: Как со сроками?\nР: Сроки —\tболь. Задержка на задержке.";
        let span = SpanAnchor::new("папка/a b.txt", canonical, 22, 34).unwrap();
        assert_eq!(span.text, "Сроки —\tболь");
        let mut m = Memos::default();
        let a = m.add(memo(
            Anchor::Parameter("delivery".into()),
            "Почему «сроки»\tчаще всего?\nСм. волну 2025.\r\nИ \\n — не перевод строки.",
        ));
        m.add(memo(Anchor::Span(span.clone()), "Ключевая цитата"));
        m.add(memo(
            Anchor::Document("папка/a b.txt".into()),
            "Связь прерывалась",
        ));
        assert_eq!(m.add(memo(Anchor::Span(span), "Ключевая цитата")).len(), 8);
        assert_eq!(m.len(), 3, "the same memo is kept once");
        let tsv = m.to_tsv();
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(lines.len(), 5, "{tsv}");
        assert_eq!(lines[1], HEADER);
        // By target (`delivery` sorts before `папка/`), the whole document before its spans.
        assert!(
            lines[2].starts_with("param\tdelivery\t\t\t\t\tАнна \\\\ К.\t"),
            "{}",
            lines[2]
        );
        assert_eq!(
            lines[3],
            "doc\tпапка/a b.txt\t\t\t\t\tАнна \\\\ К.\t2026-12-05T18:20:00Z\tСвязь прерывалась"
        );
        assert!(
            lines[4].starts_with("span\tпапка/a b.txt\t22\t34\t")
                && lines[4].contains("\tСроки —\\tболь\t"),
            "{}",
            lines[4]
        );
        assert!(
            lines[2].ends_with(
                "\tПочему «сроки»\\tчаще всего?\\nСм. волну 2025.\\r\\nИ \\\\n — не перевод строки."
            ),
            "{}",
            lines[2]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MEMOS_FILE);
        m.save(&path).unwrap();
        let back = Memos::load(&path).unwrap();
        assert_eq!(back, m);
        let p = back.of_param("delivery").next().unwrap();
        assert_eq!(
            p.text,
            "Почему «сроки»\tчаще всего?\nСм. волну 2025.\r\nИ \\n — не перевод строки."
        );
        assert_eq!(p.id(), a);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }

    #[test]
    fn malformed_lines_are_named() {
        let bad = |line: &str| Memos::parse(&format!("{HEADER}\n{line}\n")).unwrap_err();
        assert_eq!(
            bad("span\ta.txt\t5\t5\th\tx\tА\t2026-12-05T00:00:00Z\tt"),
            "line 2: empty span 5..5"
        );
        assert!(
            bad("note\ta.txt\t\t\t\t\tА\t2026-12-05\tt").contains("expected doc, span or param")
        );
        assert!(bad("doc\ta.txt\t\t\t\t\tА\tвчера\tt").contains("date `вчера`"));
        assert!(bad("doc\ta.txt\tА").contains("3 tab-separated fields, expected 9"));
        // A date alone is taken at midnight.
        let m = Memos::parse("doc\ta.txt\t\t\t\t\tА\t2026-12-05\tt\n").unwrap();
        assert_eq!(m.all().next().unwrap().date, "2026-12-05T00:00:00Z");
    }

    #[test]
    fn a_span_memo_follows_its_text_after_a_re_ingest_and_a_changed_one_is_reported() {
        let before = "И: Как со сроками?\nР: Сроки — это боль. Ужас.\n";
        let start = before[..before.find("Сроки —").unwrap()].chars().count();
        let span = SpanAnchor::new("a.txt", before, start, start + 17).unwrap();
        assert_eq!(span.text, "Сроки — это боль.");
        let mut m = Memos::default();
        m.add(memo(Anchor::Span(span), "Главная жалоба"));
        m.add(memo(Anchor::Document("a.txt".into()), "Весь разговор"));
        m.add(memo(Anchor::Document("b.txt".into()), "Другое интервью"));
        // Re-ingested with a line more before it: the offsets shifted.
        let mut t = crate::testutil::transcript(&format!("И: Добрый день.\n{before}"));
        t.doc = "a.txt".into();
        let placed = m.placed(&t);
        assert_eq!(placed.len(), 2);
        let doc = placed
            .iter()
            .find(|(m, _)| m.text == "Весь разговор")
            .unwrap();
        assert_eq!(doc.1, Ok(None));
        let (_, at) = placed
            .iter()
            .find(|(m, _)| m.text == "Главная жалоба")
            .unwrap();
        let at = at.clone().unwrap().unwrap();
        assert_eq!(t.slice(at), "Сроки — это боль.");
        assert_ne!(t.text[..at.start].chars().count(), start, "it moved");
        // The sentence was edited: the memo is still there, with a warning.
        let mut t = crate::testutil::transcript(&before.replace("боль", "мука"));
        t.doc = "a.txt".into();
        let placed = m.placed(&t);
        assert_eq!(placed.len(), 2);
        let (_, at) = placed
            .iter()
            .find(|(m, _)| m.text == "Главная жалоба")
            .unwrap();
        let w = at.clone().unwrap_err();
        assert!(
            w.starts_with("memos.tsv: memo ")
                && w.contains("by Анна \\ К. of 2026-12-05 on «Сроки — это боль.» at 22..39: the text there changed"),
            "{w}"
        );
    }

    #[test]
    fn remove_by_id_prefix() {
        let mut m = Memos::default();
        let a = m.add(memo(Anchor::Parameter("delivery".into()), "первая"));
        let b = m.add(memo(Anchor::Parameter("delivery".into()), "вторая"));
        assert_ne!(a, b);
        assert_eq!(m.remove("zzzz"), Err(NotRemoved::None));
        assert_eq!(m.remove(""), Err(NotRemoved::None));
        assert_eq!(m.remove(&b[..6]).unwrap().text, "вторая");
        assert_eq!(m.len(), 1);
        assert_eq!(m.all().next().unwrap().id(), a);
    }

    #[test]
    fn dates_are_utc_iso() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        // 2026-12-05 18:20:12 UTC; 2024-02-29 (a leap day) 23:59:59.
        assert_eq!(utc(1_796_494_812), "2026-12-05T18:20:12Z");
        assert_eq!(utc(1_709_251_199), "2024-02-29T23:59:59Z");
        assert!(normalize_date(&now()).is_some());
        assert_eq!(normalize_date("2026-13-01"), None);
        assert_eq!(normalize_date("2026-12-05T25:00:00Z"), None);
    }
}
