//! The codebook: its TOML format, validation, and compilation into entries the
//! [`matcher::Matcher`] runs. The format is documented in docs/codebook.md.
//!
//! Every word of every entry goes through the shared [`Analyzer`], the one tagging uses, so
//! an entry and the transcript it codes are read the same way.

pub mod explain;
pub mod matcher;

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::text::{Analyzer, TokenKind};

/// The codebook shipped with citata (B2B customer experience, Russian), embedded in the binary.
pub const DEFAULT_CODEBOOK: &str = include_str!("../../dictionaries/b2b-cx.ru.toml");

/// The name under which the embedded codebook is reported.
pub const DEFAULT_CODEBOOK_NAME: &str = "b2b-cx.ru.toml (embedded)";

/// Tunables of a codebook (`[settings]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Words allowed between the words of a phrase entry (default 1).
    pub phrase_gap: usize,
    /// How many sentences of an answer get context codings (default
    /// [`DEFAULT_CONTEXT_SENTENCES`]); 0 = the whole answer, however long.
    pub context_sentences: usize,
}

/// How many sentences of an answer get context codings by default: answers are far shorter
/// (the demo's longest turn has 24 sentences), and a turn of thousands of sentences is a
/// transcript whose speaker labels were lost or misread (prose with «вопрос:» at the start
/// of a line made one 744 KB answer, context-coded for eleven parameters on each of its
/// 20,000 sentences). A researcher who wants the whole answer sets `context_sentences = 0`.
pub const DEFAULT_CONTEXT_SENTENCES: usize = 40;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            phrase_gap: 1,
            context_sentences: DEFAULT_CONTEXT_SENTENCES,
        }
    }
}

/// A level of interaction (organizational, process, personal).
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    /// Stable id, e.g. `org`.
    pub id: String,
    /// Display name, e.g. «Организационный уровень».
    pub name: String,
}

/// One criterion of the study.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Stable id, e.g. `payment_terms`.
    pub id: String,
    /// Index into [`Codebook::levels`].
    pub level: usize,
    /// Display name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// Entries that code a sentence for this parameter.
    pub terms: Vec<Entry>,
    /// Entries whose matches cancel term matches inside them.
    pub exclude: Vec<Entry>,
    /// Cues of the interviewer asking about this parameter.
    pub questions: Vec<Entry>,
}

/// One entry of `terms`, `exclude` or `questions`.
#[derive(Clone, Debug)]
pub struct Entry {
    /// As written in the codebook.
    pub raw: String,
    /// Relevance weight (default 1).
    pub weight: f32,
    /// What it matches.
    pub pattern: Pattern,
    /// 1-based line of the entry in the codebook file.
    pub line: usize,
}

/// The compiled form of an entry.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// One word or a phrase: words in order, at most `phrase_gap` words between neighbours.
    Phrase(Vec<WordPat>),
    /// Two phrases within `n` words of each other, in either order.
    Near {
        /// The first side.
        a: Vec<WordPat>,
        /// The second side.
        b: Vec<WordPat>,
        /// The largest number of words between them.
        n: usize,
    },
    /// A regular expression over the normalized sentence (UTF-8 bytes, Unicode-aware).
    Regex(regex::bytes::Regex),
}

/// How one word of an entry matches a token.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WordPat {
    /// A plain word the dictionary knows: tokens sharing one of its lemmas, and unknown
    /// tokens with its stem.
    Lemma {
        /// The entry's lemmas (normalized), most probable first.
        lemmas: Vec<String>,
        /// Its stem, for tokens the dictionary does not know.
        stem: String,
    },
    /// A plain word the dictionary does not know, or `~word`: tokens with this stem.
    Stem(String),
    /// `word*`: tokens whose normalized form starts with this.
    Prefix(String),
    /// `=word`: tokens with exactly this normalized form.
    Exact(String),
}

/// A problem found in a codebook, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line (0 when not known).
    pub line: usize,
    /// 1-based column (0 when not known).
    pub column: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 && self.column > 0 {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        } else if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// A compiled codebook.
#[derive(Clone, Debug)]
pub struct Codebook {
    /// Its name.
    pub name: String,
    /// Its version, if given.
    pub version: Option<String>,
    /// Where it came from (a path, or the embedded default's name).
    pub source: String,
    /// Tunables.
    pub settings: Settings,
    /// Levels in file order.
    pub levels: Vec<Level>,
    /// Parameters in file order.
    pub parameters: Vec<Parameter>,
    /// Likely mistakes that do not stop it from working.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodebook {
    name: String,
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    levels: Vec<RawLevel>,
    #[serde(default)]
    parameters: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    id: Spanned<String>,
    level: Spanned<String>,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    terms: Option<Spanned<Vec<Spanned<RawEntry>>>>,
    #[serde(default)]
    exclude: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    questions: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Plain(String),
    Weighted {
        term: String,
        #[serde(default = "one")]
        weight: f32,
    },
}

fn one() -> f32 {
    1.0
}

/// Line and column (1-based, columns in characters) of byte offsets in one text: the line
/// starts are found once, so a codebook of thousands of entries is not rescanned per entry.
struct Lines<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', src.as_bytes()).map(|i| i + 1))
            .collect();
        Lines { src, starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let col = self.src[self.starts[line - 1]..offset].chars().count() + 1;
        (line, col)
    }
}

impl Codebook {
    /// The embedded default codebook.
    ///
    /// # Panics
    /// When the embedded codebook has errors, which its tests rule out.
    pub fn embedded(analyzer: &mut Analyzer) -> Codebook {
        Codebook::parse(DEFAULT_CODEBOOK, DEFAULT_CODEBOOK_NAME, analyzer)
            .expect("the embedded codebook is valid")
    }

    /// Parses, validates and compiles a codebook from its TOML text. `source` names it in
    /// messages.
    ///
    /// # Errors
    /// Every error found (TOML syntax, unknown level, duplicate id, empty terms, bad regex,
    /// bad entry syntax), each with its line and column.
    pub fn parse(
        src: &str,
        source: &str,
        analyzer: &mut Analyzer,
    ) -> Result<Codebook, Vec<Diagnostic>> {
        let lines = Lines::new(src);
        let raw: RawCodebook = toml::from_str(src).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| lines.line_col(s.start));
            vec![Diagnostic {
                line,
                column,
                message: e.message().trim().to_string(),
            }]
        })?;
        Codebook::from_raw(raw, src, source, analyzer)
    }

    /// A codebook built as data, not text: one level `level`, parameters `(id, terms)` with
    /// plain terms (named by their ids; no questions, no exclusions). The shipped markers are
    /// built so. Errors carry no line (there is no text).
    ///
    /// # Errors
    /// Every entry that does not compile, an empty term list.
    pub fn from_terms(
        name: &str,
        level: &str,
        parameters: &[(&str, &[String])],
        analyzer: &mut Analyzer,
    ) -> Result<Codebook, Vec<Diagnostic>> {
        let at = |v: &str| Spanned::new(0..0, v.to_string());
        let raw = RawCodebook {
            name: name.to_string(),
            version: None,
            description: None,
            settings: Settings::default(),
            levels: vec![RawLevel {
                id: at(level),
                name: level.to_string(),
                description: None,
            }],
            parameters: parameters
                .iter()
                .map(|(id, terms)| RawParameter {
                    id: at(id),
                    level: at(level),
                    name: id.to_string(),
                    description: String::new(),
                    terms: Some(Spanned::new(
                        0..0,
                        terms
                            .iter()
                            .map(|t| Spanned::new(0..0, RawEntry::Plain(t.clone())))
                            .collect(),
                    )),
                    exclude: Vec::new(),
                    questions: Vec::new(),
                })
                .collect(),
        };
        Codebook::from_raw(raw, "", name, analyzer)
    }

    /// Validates and compiles a codebook read into its raw parts; `src` is the text the spans
    /// point into (for line and column).
    fn from_raw(
        raw: RawCodebook,
        src: &str,
        source: &str,
        analyzer: &mut Analyzer,
    ) -> Result<Codebook, Vec<Diagnostic>> {
        let lines = Lines::new(src);
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = lines.line_col(span.start);
            Diagnostic {
                line,
                column,
                message,
            }
        };
        let _ = raw.description;

        let mut levels: Vec<Level> = Vec::new();
        for l in &raw.levels {
            if levels.iter().any(|x| x.id == *l.id.get_ref()) {
                errors.push(at(
                    l.id.span(),
                    format!("duplicate level id `{}`", l.id.get_ref()),
                ));
                continue;
            }
            levels.push(Level {
                id: l.id.get_ref().clone(),
                name: l.name.clone(),
            });
        }
        if levels.is_empty() {
            errors.push(Diagnostic {
                line: 0,
                column: 0,
                message: "no [[levels]]; add at least one level with an id and a name".into(),
            });
        }

        let mut parameters: Vec<Parameter> = Vec::new();
        for p in raw.parameters {
            let id = p.id.get_ref().clone();
            if id.trim().is_empty() {
                errors.push(at(p.id.span(), "empty parameter id".into()));
                continue;
            }
            if parameters.iter().any(|x| x.id == id) {
                errors.push(at(p.id.span(), format!("duplicate parameter id `{id}`")));
                continue;
            }
            let Some(level) = levels.iter().position(|l| l.id == *p.level.get_ref()) else {
                let known: Vec<&str> = levels.iter().map(|l| l.id.as_str()).collect();
                errors.push(at(
                    p.level.span(),
                    format!(
                        "parameter `{id}` has unknown level `{}`; levels are: {}",
                        p.level.get_ref(),
                        known.join(", ")
                    ),
                ));
                continue;
            };
            let terms_span = p.terms.as_ref().map_or(p.id.span(), |t| t.span());
            let raw_terms: &[Spanned<RawEntry>] = p.terms.as_ref().map_or(&[], |t| t.get_ref());
            // No `terms` at all is a mistake; an explicit `terms = []` is a placeholder (a
            // skeleton imported from a QDA tool): the parameter codes only by context.
            match &p.terms {
                None => errors.push(at(
                    terms_span,
                    format!("parameter `{id}` has no terms; add terms = [\"…\"]"),
                )),
                Some(_) if raw_terms.is_empty() => warnings.push(at(
                    terms_span,
                    format!(
                        "parameter `{id}` has no terms yet (terms = []): it is coded only by its question cues; add terms = [\"…\"]"
                    ),
                )),
                Some(_) => {}
            }
            let mut compile = |list: &[Spanned<RawEntry>], what: &str| -> Vec<Entry> {
                let mut out = Vec::new();
                for e in list {
                    let (text, weight) = match e.get_ref() {
                        RawEntry::Plain(t) => (t.as_str(), 1.0),
                        RawEntry::Weighted { term, weight } => (term.as_str(), *weight),
                    };
                    let (line, column) = lines.line_col(e.span().start);
                    let here = |message: String| Diagnostic {
                        line,
                        column,
                        message,
                    };
                    if !(weight > 0.0 && weight.is_finite()) {
                        errors.push(here(format!(
                            "{what} entry `{text}` of `{id}`: weight must be a positive number"
                        )));
                        continue;
                    }
                    match compile_entry(text, analyzer) {
                        Ok((pattern, notes)) => {
                            for n in notes {
                                warnings
                                    .push(here(format!("{what} entry `{text}` of `{id}`: {n}")));
                            }
                            out.push(Entry {
                                raw: text.to_string(),
                                weight,
                                pattern,
                                line,
                            });
                        }
                        Err(msg) => {
                            errors.push(here(format!("{what} entry `{text}` of `{id}`: {msg}")))
                        }
                    }
                }
                out
            };
            let terms = compile(raw_terms, "term");
            let exclude = compile(&p.exclude, "exclude");
            let questions = compile(&p.questions, "question");
            parameters.push(Parameter {
                id,
                level,
                name: p.name,
                description: p.description,
                terms,
                exclude,
                questions,
            });
        }
        if parameters.is_empty() && errors.is_empty() {
            errors.push(Diagnostic {
                line: 0,
                column: 0,
                message: "no [[parameters]]; add at least one parameter with terms".into(),
            });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|d| (d.line, d.column));
            return Err(errors);
        }
        warnings.extend(shared_words(&parameters));
        warnings.sort_by_key(|d| (d.line, d.column));
        Ok(Codebook {
            name: raw.name,
            version: raw.version,
            source: source.to_string(),
            settings: raw.settings,
            levels,
            parameters,
            warnings,
        })
    }

    /// Reads and compiles a codebook file, or the embedded default when `path` is `None`.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the file cannot be read; [`crate::Error::Codebook`] with
    /// every error (line and column) when it is invalid.
    pub fn load(
        path: Option<&std::path::Path>,
        analyzer: &mut Analyzer,
    ) -> crate::Result<Codebook> {
        let (name, src) = Codebook::read_source(path)?;
        Codebook::compile(&src, &name, analyzer)
    }

    /// The name and TOML text of a codebook file, or of the embedded default when `path`
    /// is `None`.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the file cannot be read; [`crate::Error::Codebook`] when it
    /// is not UTF-8.
    pub fn read_source(path: Option<&std::path::Path>) -> crate::Result<(String, String)> {
        let Some(path) = path else {
            return Ok((DEFAULT_CODEBOOK_NAME.into(), DEFAULT_CODEBOOK.into()));
        };
        let bytes = std::fs::read(path).map_err(|e| crate::Error::Io {
            path: path.to_path_buf(),
            cause: e,
        })?;
        let name = path.display().to_string();
        let src = String::from_utf8(bytes).map_err(|e| crate::Error::Codebook {
            source_name: name.clone(),
            message: format!(
                "not UTF-8 (byte {}); save the codebook as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        })?;
        let src = src
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(src);
        Ok((name, src))
    }

    /// [`Codebook::parse`] with every error joined into one [`crate::Error::Codebook`].
    ///
    /// # Errors
    /// Every error of the codebook, each with its line and column.
    pub fn compile(src: &str, name: &str, analyzer: &mut Analyzer) -> crate::Result<Codebook> {
        Codebook::parse(src, name, analyzer).map_err(|errors| crate::Error::Codebook {
            source_name: name.to_string(),
            message: errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        })
    }

    /// The index of a parameter by id.
    pub fn parameter(&self, id: &str) -> Option<usize> {
        self.parameters.iter().position(|p| p.id == id)
    }
}

/// Warnings for a lemma or stem that codes for two parameters.
fn shared_words(parameters: &[Parameter]) -> Vec<Diagnostic> {
    let mut owners: BTreeMap<String, Vec<(usize, usize, &str)>> = BTreeMap::new();
    for (pi, p) in parameters.iter().enumerate() {
        for e in &p.terms {
            let Pattern::Phrase(words) = &e.pattern else {
                continue;
            };
            if words.len() != 1 {
                continue;
            }
            let key = match &words[0] {
                WordPat::Lemma { lemmas, .. } => format!("lemma `{}`", lemmas[0]),
                WordPat::Stem(s) => format!("stem `{s}`"),
                WordPat::Prefix(s) => format!("prefix `{s}*`"),
                WordPat::Exact(s) => format!("form `={s}`"),
            };
            let list = owners.entry(key).or_default();
            if !list.iter().any(|(x, _, _)| *x == pi) {
                list.push((pi, e.line, &e.raw));
            }
        }
    }
    let mut out = Vec::new();
    for (key, list) in owners {
        if list.len() < 2 {
            continue;
        }
        let places: Vec<String> = list
            .iter()
            .map(|(pi, line, raw)| format!("`{}` (line {line}: `{raw}`)", parameters[*pi].id))
            .collect();
        out.push(Diagnostic {
            line: list[1].1,
            column: 0,
            message: format!(
                "{key} codes for several parameters: {}; a sentence with it is coded for all of them",
                places.join(", ")
            ),
        });
    }
    out
}

/// True when a word's lemmas are different words, not forms of one family (the participle
/// and its verb, the adverb and its adjective share a long beginning).
fn unrelated_readings(lemmas: &[String]) -> bool {
    lemmas.iter().skip(1).any(|l| {
        let common = l
            .chars()
            .zip(lemmas[0].chars())
            .take_while(|(a, b)| a == b)
            .count();
        common < 4
    })
}

/// Compiles one entry; returns its pattern and notes (warnings), or an error message.
pub fn compile_entry(
    text: &str,
    analyzer: &mut Analyzer,
) -> Result<(Pattern, Vec<String>), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty entry".into());
    }
    if let Some(body) = text.strip_prefix('/') {
        let Some(body) = body.strip_suffix('/') else {
            return Err("a regex entry must end with `/`: `/…/`".into());
        };
        if body.is_empty() {
            return Err("empty regex".into());
        }
        return regex::bytes::Regex::new(body)
            .map(|r| (Pattern::Regex(r), Vec::new()))
            .map_err(|e| format!("bad regex: {}", e.to_string().lines().last().unwrap_or("")));
    }
    let mut notes = Vec::new();
    if let Some((a, rest)) = split_near(text)? {
        let (n, b) = rest;
        let a = compile_words(a, analyzer, &mut notes)?;
        let b = compile_words(b, analyzer, &mut notes)?;
        return Ok((Pattern::Near { a, b, n }, notes));
    }
    let words = compile_words(text, analyzer, &mut notes)?;
    Ok((Pattern::Phrase(words), notes))
}

/// The largest distance of `a NEAR/n b`: a NEAR match stays in one sentence.
pub const MAX_NEAR: usize = 1000;

/// The parts of `a NEAR/n b`: (a, (n, b)).
type NearParts<'a> = (&'a str, (usize, &'a str));

/// `a NEAR/n b` → (a, (n, b)).
///
/// # Errors
/// A distance over [`MAX_NEAR`].
fn split_near(text: &str) -> Result<Option<NearParts<'_>>, String> {
    let Some(i) = text.find(" NEAR/") else {
        return Ok(None);
    };
    let a = text[..i].trim();
    let rest = &text[i + " NEAR/".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Ok(None);
    }
    let n = rest[..digits]
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= MAX_NEAR);
    let Some(n) = n else {
        return Err(format!(
            "`NEAR/{}`: the distance is too large; at most NEAR/{MAX_NEAR} (a NEAR match stays in one sentence)",
            &rest[..digits]
        ));
    };
    let b = rest[digits..].trim();
    Ok(Some((a, (n, b))))
}

fn compile_words(
    text: &str,
    analyzer: &mut Analyzer,
    notes: &mut Vec<String>,
) -> Result<Vec<WordPat>, String> {
    let mut out = Vec::new();
    let single = text.split_whitespace().count() == 1;
    for w in text.split_whitespace() {
        out.push(compile_word(w, single, analyzer, notes)?);
    }
    if out.is_empty() {
        return Err("no words".into());
    }
    Ok(out)
}

fn compile_word(
    word: &str,
    single: bool,
    analyzer: &mut Analyzer,
    notes: &mut Vec<String>,
) -> Result<WordPat, String> {
    let check_token = |body: &str, analyzer: &mut Analyzer| -> Result<String, String> {
        let toks = analyzer.tokens(body);
        if toks.len() != 1 || toks[0].span.len() != body.len() {
            return Err(format!(
                "`{body}` is not one word as citata tokenizes text (letters, digits, inner hyphens), so it can never match; split it or use a /regex/"
            ));
        }
        Ok(analyzer.info(&toks[0]).norm.clone())
    };
    if let Some(body) = word.strip_prefix('=') {
        return Ok(WordPat::Exact(check_token(body, analyzer)?));
    }
    if let Some(body) = word.strip_prefix('~') {
        let norm = check_token(body, analyzer)?;
        let id = analyzer.form(&norm);
        let stem = analyzer.form_info(id).stem.clone();
        if stem.chars().count() < 3 {
            notes.push(format!(
                "stem `{stem}` is shorter than 3 letters and will match many unrelated words"
            ));
        }
        return Ok(WordPat::Stem(stem));
    }
    if let Some(body) = word.strip_suffix('*') {
        let norm = check_token(body, analyzer)?;
        if norm.chars().count() < 3 {
            notes.push(format!(
                "prefix `{norm}*` is shorter than 3 letters and will match many unrelated words"
            ));
        }
        return Ok(WordPat::Prefix(norm));
    }
    if word.contains(['*', '=', '~', '/']) {
        return Err(format!(
            "`{word}`: `*` goes at the end, `=` and `~` at the start of a word; regexes are written /…/"
        ));
    }
    let norm = check_token(word, analyzer)?;
    let id = analyzer.form(&norm);
    let info = analyzer.form_info(id).clone();
    if info.kind != TokenKind::Cyrillic || !info.known() {
        if info.kind == TokenKind::Cyrillic && info.stem.chars().count() < 3 {
            notes.push(format!(
                "`{word}` is not in the dictionary and its stem `{}` is shorter than 3 letters",
                info.stem
            ));
        }
        // Latin, numbers and unknown words: the stem (the form itself for numbers).
        return Ok(WordPat::Stem(info.stem));
    }
    let lemmas = analyzer.term_lemmas(&norm);
    if single && unrelated_readings(&lemmas) {
        notes.push(format!(
            "`{word}` is ambiguous: it matches every form of {}",
            lemmas
                .iter()
                .map(|l| format!("«{l}»"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    Ok(WordPat::Lemma {
        lemmas,
        stem: info.stem,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_give_line_and_column_in_characters() {
        let src = "a = 1\nимя = \"срок\"\n\nx";
        let lines = super::Lines::new(src);
        assert_eq!(lines.line_col(0), (1, 1));
        assert_eq!(lines.line_col(src.find("срок").unwrap()), (2, 8));
        assert_eq!(lines.line_col(src.find("\n\n").unwrap() + 1), (3, 1));
        assert_eq!(lines.line_col(src.len()), (4, 2));
        assert_eq!(lines.line_col(src.len() + 10), (4, 2));
    }

    use super::*;

    fn parse(src: &str) -> Result<Codebook, Vec<Diagnostic>> {
        Codebook::parse(src, "test.toml", &mut Analyzer::new())
    }

    const HEAD: &str = "name = \"t\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n";

    #[test]
    fn entries_compile_to_their_kinds() {
        let mut a = Analyzer::new();
        let kinds = |t: &str, a: &mut Analyzer| compile_entry(t, a).unwrap().0;
        assert!(matches!(
            kinds("поставка", &mut a),
            Pattern::Phrase(w) if w == vec![WordPat::Lemma { lemmas: vec!["поставка".into()], stem: "поставк".into() }]
        ));
        assert!(
            matches!(kinds("~технолог", &mut a), Pattern::Phrase(w) if w == vec![WordPat::Stem("технолог".into())])
        );
        assert!(
            matches!(kinds("предоплат*", &mut a), Pattern::Phrase(w) if w == vec![WordPat::Prefix("предоплат".into())])
        );
        assert!(
            matches!(kinds("=НДС", &mut a), Pattern::Phrase(w) if w == vec![WordPat::Exact("ндс".into())])
        );
        assert!(matches!(kinds("отсрочка платежа", &mut a), Pattern::Phrase(w) if w.len() == 2));
        assert!(matches!(
            kinds("цена NEAR/5 высокий", &mut a),
            Pattern::Near { n: 5, .. }
        ));
        assert!(matches!(kinds("/\\bэдо\\b/", &mut a), Pattern::Regex(_)));
        assert!(
            matches!(kinds("Диадок", &mut a), Pattern::Phrase(w) if w == vec![WordPat::Stem("диадок".into())])
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let src = format!(
            "{HEAD}[[parameters]]\nid = \"a\"\nlevel = \"proc\"\nname = \"A\"\nterms = [\"x\"]\n\n[[parameters]]\nid = \"b\"\nlevel = \"org\"\nname = \"B\"\n\n[[parameters]]\nid = \"c\"\nlevel = \"org\"\nname = \"C\"\nterms = [\"/(/\", \"а,б\"]\n"
        );
        let errs = parse(&src).unwrap_err();
        let msgs: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(
            msgs[0].starts_with("line 7, column 9: parameter `a` has unknown level `proc`"),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].starts_with("line 12, column 6: parameter `b` has no terms"),
            "{msgs:#?}"
        );
        assert!(
            msgs[2].starts_with("line 20, column 10: term entry `/(/` of `c`: bad regex"),
            "{msgs:#?}"
        );
        assert!(msgs[3].contains("`а,б` is not one word"), "{msgs:#?}");
    }

    #[test]
    fn an_explicit_empty_term_list_is_a_warning_not_an_error() {
        // A skeleton imported from a QDA tool (`citata codebook import`) has `terms = []`.
        let src = format!(
            "{HEAD}[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A\"\nterms = []\nquestions = [\"как с А\"]\n"
        );
        let cb = parse(&src).expect("an empty term list parses");
        assert!(cb.parameters[0].terms.is_empty());
        let w: Vec<String> = cb.warnings.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            w,
            [
                "line 9, column 9: parameter `a` has no terms yet (terms = []): it is coded only by its question cues; add terms = [\"…\"]"
            ]
        );
    }

    #[test]
    fn toml_syntax_and_duplicates() {
        let errs = parse("name = \"t\"\n[[levels]\nid = 1\n").unwrap_err();
        assert_eq!(errs[0].line, 2, "{errs:?}");
        let src = format!(
            "{HEAD}[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A\"\nterms = [\"x\"]\n[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A2\"\nterms = [\"y\"]\n"
        );
        let errs = parse(&src).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 11);
        assert!(errs[0].message.contains("duplicate parameter id `a`"));
        let errs = parse(&format!("{HEAD}[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A\"\nterms = [\"x\"]\ncolor = \"red\"\n")).unwrap_err();
        assert!(
            errs[0].message.contains("unknown field `color`"),
            "{errs:?}"
        );
    }

    #[test]
    fn warnings_for_likely_mistakes() {
        let src = format!(
            "{HEAD}[[parameters]]\nid = \"price\"\nlevel = \"org\"\nname = \"Цена\"\nterms = [\"цена\", \"ст*\", \"стали\"]\n[[parameters]]\nid = \"value\"\nlevel = \"org\"\nname = \"Ценность\"\nterms = [\"цены\", {{ term = \"ценность\", weight = 0.5 }}]\n"
        );
        let cb = parse(&src).unwrap();
        let w: Vec<String> = cb.warnings.iter().map(|d| d.message.clone()).collect();
        assert!(
            w.iter()
                .any(|m| m.contains("prefix `ст*` is shorter than 3 letters")),
            "{w:#?}"
        );
        assert!(
            w.iter().any(|m| m.contains("`стали` is ambiguous")
                && m.contains("«стать»")
                && m.contains("«сталь»")),
            "{w:#?}"
        );
        assert!(
            w.iter().any(
                |m| m.contains("lemma `цена` codes for several parameters: `price`")
                    && m.contains("`value`")
            ),
            "{w:#?}"
        );
        assert_eq!(cb.parameters[1].terms[1].weight, 0.5);
    }

    #[test]
    fn settings_default_and_override() {
        let cb = parse(&format!("{HEAD}[settings]\nphrase_gap = 2\n[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A\"\nterms = [\"x\"]\n")).unwrap();
        assert_eq!(cb.settings.phrase_gap, 2);
        assert_eq!(cb.settings.context_sentences, 40);
        let cb = parse(&format!("{HEAD}[settings]\ncontext_sentences = 0\n[[parameters]]\nid = \"a\"\nlevel = \"org\"\nname = \"A\"\nterms = [\"x\"]\n")).unwrap();
        assert_eq!(
            (cb.settings.phrase_gap, cb.settings.context_sentences),
            (1, 0)
        );
    }
}
