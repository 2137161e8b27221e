//! The query language of `citata search`, read by tantivy's query grammar and turned into
//! tantivy queries with citata's analyzer, so that a word finds every inflection.
//!
//! The index holds a word in Russian letters as its normalized form
//! ([`Analyzer::index_term`]: no dictionary at indexing); a query word is expanded here into
//! the index's forms whose key (first dictionary lemma, else stem) is the query word's key,
//! found among its lexemes' paradigms, the index's words that begin with the key, and the
//! few forms paradigms may miss ([`crate::text::paradigms_may_miss`]). So a query matches
//! exactly the words whose key is its words' keys, as tagging and `codebook explain` read
//! them: one analyzer.
//!
//! - words: every inflection (`оплата` finds оплаты, оплатой, оплатами);
//! - `"phrases"`, also with slop (`"срок поставки"~2`) and a prefix on the last word;
//! - `AND`, `OR`, `NOT`, `-word`, `+word`, parentheses; `И`, `ИЛИ`, `НЕ` as well;
//! - `prefix*`: words that begin with it as written (any case, ё as е);
//! - `field:value` for the filters: `code:ID`, `level:ID`, `doc:ID`, `role:respondent`,
//!   `polarity:negative`, `wish:true`, and any metadata key (`division:Закупки`, `wave:2026`),
//!   metadata compared without regard to case.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query,
    RegexPhraseQuery, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Term, query_grammar::Occur as GrammarOccur};

use super::Fields;
use crate::model::Span;
use crate::text::{Analyzer, indexed_as_form, lemma_forms, normalize};

/// How many words (index terms: forms) a prefix at the end of a phrase may stand for; a
/// prefix alone stands for all of them.
const MAX_EXPANSIONS: u32 = 10_000;

/// How many index terms the positions of a phrase whose words have several forms may stand
/// for together (tantivy refuses the query beyond).
const MAX_PHRASE_TERMS: u32 = 1 << 16;

/// How deeply parentheses and `NOT`s may nest in a query. tantivy's query grammar and its
/// scorers recurse once per level: a few hundred levels overflow the stack and abort the
/// process, so deeper queries are refused before the grammar sees them.
pub const MAX_NESTING: usize = 32;

/// The fields a query may name besides the metadata keys (`code:ID`, ...).
pub const QUERY_FIELDS: [&str; 7] = ["code", "level", "doc", "role", "polarity", "wish", "source"];

/// What the query's `field:value` filters ask of the index: the transcripts with a metadata
/// value (metadata is kept on the transcripts, not on every sentence), and whether a name is
/// one the index knows.
pub trait Vocabulary {
    /// The query for the sentences of the transcripts whose metadata `key` holds `value`
    /// (case does not matter, see [`meta_term`]). `in_query`: the key was written in the
    /// query (`division:…`), where [`QUERY_FIELDS`] are names too, not in `--where`.
    ///
    /// # Errors
    /// [`QueryError::Unknown`] when no transcript has the key at all.
    fn meta(&self, key: &str, value: &str, in_query: bool) -> Result<Box<dyn Query>, QueryError>;

    /// Checks that `value` names something of `kind` the index knows.
    ///
    /// # Errors
    /// [`QueryError::Unknown`], with the nearest known names.
    fn check(&self, kind: NameKind, value: &str) -> Result<(), QueryError>;

    /// The index's words (terms of the text field) that begin with `prefix`, in order.
    ///
    /// # Errors
    /// When the index cannot be read.
    fn words(&self, prefix: &str) -> Result<Vec<String>, QueryError>;

    /// The index's words in Russian letters that paradigms may miss
    /// ([`crate::text::paradigms_may_miss`]) whose key is `key`.
    ///
    /// # Errors
    /// When the index cannot be read.
    fn aliases(&self, key: &str) -> Result<Vec<String>, QueryError>;

    /// Keeps of `words` those the index has.
    ///
    /// # Errors
    /// When the index cannot be read.
    fn retain_present(&self, words: &mut Vec<String>) -> Result<(), QueryError>;
}

/// What a name in a query or a filter names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameKind {
    /// A parameter id (`--code`, `code:`).
    Code,
    /// A level id (`--level`, `level:`).
    Level,
    /// A metadata key (`--where KEY=…`, `KEY:…`).
    Field,
    /// A role (`--role`, `role:`).
    Role,
    /// A polarity (`--polarity`, `polarity:`).
    Polarity,
    /// A transcript's doc id (`doc:`).
    Doc,
    /// Where a coding comes from (`source:human`, `source:keyword`, `source:context`).
    Source,
}

impl NameKind {
    /// The kind in English, as the command line says it.
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Code => "code",
            NameKind::Level => "level",
            NameKind::Field => "metadata field",
            NameKind::Role => "role",
            NameKind::Polarity => "polarity",
            NameKind::Doc => "transcript",
            NameKind::Source => "coding source",
        }
    }
}

/// A known name: an id and, when it has one, what it is called (a parameter's name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// What the query writes.
    pub id: String,
    /// What it is called, when that differs.
    pub label: Option<String>,
}

/// A name the index does not know, with the known names to offer instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// What it was meant to name.
    pub kind: NameKind,
    /// The name as given.
    pub name: String,
    /// The known names nearest to it, nearest first ([`nearest`]); when none is near, the
    /// first few known names (`near` false).
    pub suggestions: Vec<Name>,
    /// True when `suggestions` are near the name, false when they are just the first known.
    pub near: bool,
    /// How many names of the kind are known.
    pub known: usize,
}

impl Unknown {
    /// The unknown `name` of `kind`, offered the nearest of `known`.
    pub fn new(kind: NameKind, name: &str, known: &[Name]) -> Unknown {
        let near = nearest(name, known, 3);
        let is_near = !near.is_empty();
        Unknown {
            kind,
            name: name.to_string(),
            suggestions: if is_near {
                near
            } else {
                known.iter().take(SHOWN_KNOWN).cloned().collect()
            },
            near: is_near,
            known: known.len(),
        }
    }
}

/// How many known names an unknown name is shown when none is near it.
const SHOWN_KNOWN: usize = 10;

/// The known names nearest to `name`, nearest first, at most `most`: the same but for case,
/// then within an edit distance of a third of the name's length (at least 1, Levenshtein over
/// lower-case characters, to the id or the label), then the ones that begin with the name or
/// hold it (3 characters or more). Ties in the order given.
pub fn nearest(name: &str, known: &[Name], most: usize) -> Vec<Name> {
    let name: Vec<char> = name.trim().to_lowercase().chars().collect();
    if name.is_empty() {
        return Vec::new();
    }
    let limit = (name.len() / 3).max(1);
    let mut ranked: Vec<((u8, usize), &Name)> = Vec::new();
    for k in known {
        let mut best: Option<(u8, usize)> = None;
        for s in std::iter::once(&k.id).chain(k.label.as_ref()) {
            let s: Vec<char> = s.to_lowercase().chars().collect();
            let d = levenshtein(&name, &s);
            let rank = if d == 0 {
                Some((0, 0))
            } else if d <= limit {
                Some((1, d))
            } else if name.len() >= 3 && contains(&s, &name) {
                Some((2, d))
            } else {
                None
            };
            best = match (best, rank) {
                (Some(b), Some(r)) => Some(b.min(r)),
                (b, r) => b.or(r),
            };
        }
        if let Some(r) = best {
            ranked.push((r, k));
        }
    }
    ranked.sort_by_key(|(r, _)| *r);
    ranked
        .into_iter()
        .take(most)
        .map(|(_, k)| k.clone())
        .collect()
}

fn contains(hay: &[char], needle: &[char]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The edit distance (insertions, deletions, substitutions) between two strings of characters.
fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// A query read from the user's text: the tantivy query, and what to highlight in hits.
pub struct ParsedQuery {
    /// The tantivy query (without the command-line filters).
    pub query: Box<dyn Query>,
    /// What the matched words look like, for highlighting.
    pub highlighter: Highlighter,
}

/// Marks the words of a text that the query's words and prefixes match.
#[derive(Clone, Debug, Default)]
pub struct Highlighter {
    keys: Vec<String>,
    prefixes: Vec<String>,
}

impl Highlighter {
    /// True when the query has no words to highlight (only filters).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.prefixes.is_empty()
    }

    /// Byte spans of the words of `text` that match, in order.
    pub fn spans(&self, analyzer: &mut Analyzer, text: &str) -> Vec<Span> {
        if self.is_empty() {
            return Vec::new();
        }
        analyzer
            .tokens(text)
            .into_iter()
            .filter(|t| {
                let key = analyzer.info(t).key();
                if self.keys.iter().any(|k| k == key) {
                    return true;
                }
                let term = analyzer.index_term(t.form);
                self.prefixes.iter().any(|p| term.starts_with(p.as_str()))
            })
            .map(|t| t.span)
            .collect()
    }
}

/// A query that cannot be read, or that names what the index does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// The grammar cannot read the text.
    Syntax {
        /// The query as the user wrote it.
        query: String,
        /// Where, in characters from 1 (one past the end: at the end).
        at: usize,
        /// What is wrong there.
        problem: SyntaxProblem,
    },
    /// A code, level, metadata field, role, polarity or transcript the index does not know.
    Unknown(Unknown),
    /// Syntax the grammar reads but citata does not support.
    Unsupported(Unsupported),
    /// A word or phrase without words to search for (`"..."`): as written.
    NoWords(String),
    /// Parentheses and `NOT`s nested deeper than [`MAX_NESTING`]: how deep, when measured.
    TooDeep(Option<usize>),
    /// The index could not be read while checking names: the message.
    Other(String),
}

/// Syntax citata does not support.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// `[a TO b]`.
    Range,
    /// `IN [...]`.
    Set,
    /// `field:*`: the field.
    Exists(String),
    /// `/regex/`.
    Regex,
}

/// What is wrong at the position of a [`QueryError::Syntax`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxProblem {
    /// A quote opened here is not closed.
    UnclosedQuote,
    /// A parenthesis opened here is not closed.
    UnclosedParen,
    /// This parenthesis closes none.
    UnopenedParen,
    /// An operator (`AND`, `OR`, `NOT`, as written) without a word where it needs one.
    LoneOperator(String),
    /// A `field:` without a value.
    EmptyField(String),
    /// What tantivy's grammar says.
    Grammar(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Syntax { query, at, problem } => {
                let what = match problem {
                    SyntaxProblem::UnclosedQuote => "the quote opened there is not closed".into(),
                    SyntaxProblem::UnclosedParen => {
                        "the parenthesis opened there is not closed".into()
                    }
                    SyntaxProblem::UnopenedParen => "this parenthesis closes none".into(),
                    SyntaxProblem::LoneOperator(op) if matches!(op.as_str(), "NOT" | "НЕ") => {
                        format!("`{op}` needs a word after it")
                    }
                    SyntaxProblem::LoneOperator(op) => format!("`{op}` needs a word on each side"),
                    SyntaxProblem::EmptyField(field) => {
                        format!("`{field}:` needs a value, e.g. `{field}:VALUE`")
                    }
                    SyntaxProblem::Grammar(m) => m.clone(),
                };
                write!(
                    f,
                    "cannot read the query `{query}` at character {at}: {what}; quote words with special characters, e.g. \"1:0\""
                )
            }
            QueryError::Unknown(u) => {
                let list = |names: &[Name]| {
                    names
                        .iter()
                        .map(|n| match &n.label {
                            Some(l) => format!("`{}` ({l})", n.id),
                            None => format!("`{}`", n.id),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(f, "unknown {} `{}`", u.kind.as_str(), u.name)?;
                if u.near {
                    write!(f, "; did you mean {}?", list(&u.suggestions))?;
                } else if u.known == 0 {
                    write!(f, "; the index has none")?;
                } else {
                    let more = if u.known > u.suggestions.len() {
                        format!(", … ({} in all)", u.known)
                    } else {
                        String::new()
                    };
                    write!(f, "; known: {}{more}", list(&u.suggestions))?;
                }
                if u.kind == NameKind::Field {
                    write!(
                        f,
                        " (to search for a word with a colon, quote it: \"10:30\")"
                    )?;
                }
                Ok(())
            }
            QueryError::Unsupported(u) => match u {
                Unsupported::Range => {
                    f.write_str("ranges ([a TO b]) are not supported in citata queries")
                }
                Unsupported::Set => f.write_str("sets (IN [...]) are not supported; use OR"),
                Unsupported::Exists(field) => {
                    write!(f, "`{field}:*` is not supported; use `{field}:VALUE`")
                }
                Unsupported::Regex => f.write_str(
                    "regular expressions are not supported in queries; use prefix* instead",
                ),
            },
            QueryError::NoWords(p) => write!(f, "`{p}` has no words to search for"),
            QueryError::TooDeep(Some(depth)) => write!(
                f,
                "the query nests parentheses or NOT {depth} levels deep; at most {MAX_NESTING} are allowed"
            ),
            QueryError::TooDeep(None) => {
                write!(f, "the query nests more than {MAX_NESTING} levels deep")
            }
            QueryError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for QueryError {}

/// Reads a query. An empty (or blank) text matches every passage.
///
/// # Errors
/// Syntax errors (with the position and a hint), unsupported syntax (ranges, sets, regexes),
/// phrases without words.
pub fn parse(
    text: &str,
    fields: &Fields,
    analyzer: &mut Analyzer,
    vocabulary: &dyn Vocabulary,
) -> Result<ParsedQuery, QueryError> {
    let written = text;
    let (text, origin) = russian_operators(text);
    let depth = nesting(&text);
    if depth > MAX_NESTING {
        return Err(QueryError::TooDeep(Some(depth)));
    }
    if text.trim().is_empty() {
        return Ok(ParsedQuery {
            query: Box::new(AllQuery),
            highlighter: Highlighter::default(),
        });
    }
    let ast = query_grammar::parse_query(&text).map_err(|_| {
        let (at, problem) = diagnose(written).unwrap_or_else(|| {
            let (_, errors) = query_grammar::parse_query_lenient(&text);
            let end = written.chars().count();
            match errors.first() {
                Some(e) => (
                    origin.get(e.pos).copied().unwrap_or(end),
                    SyntaxProblem::Grammar(e.message.clone()),
                ),
                None => (end, SyntaxProblem::Grammar("unexpected end".into())),
            }
        });
        QueryError::Syntax {
            query: written.to_string(),
            at: at + 1,
            problem,
        }
    })?;
    let mut b = Builder {
        fields,
        analyzer,
        vocabulary,
        highlighter: Highlighter::default(),
        depth: 0,
    };
    let query = b.build(&ast, true)?;
    Ok(ParsedQuery {
        query,
        highlighter: b.highlighter,
    })
}

/// `И`, `ИЛИ`, `НЕ` written as operators (upper case, standing alone, outside quotes) become
/// `AND`, `OR`, `NOT`. Also gives, for each byte of the result (and one past its end), the
/// character of `text` it comes from, so that a position in the result points into what the
/// user wrote.
fn russian_operators(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    let mut at = 0;
    let mut push = |out: &mut String, s: &str, from: Option<usize>, at: &mut usize| {
        for c in s.chars() {
            out.push(c);
            let o = from.unwrap_or(*at);
            origin.extend(std::iter::repeat_n(o, c.len_utf8()));
            if from.is_none() {
                *at += 1;
            }
        }
    };
    let mut quoted = false;
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            push(&mut out, "\"", None, &mut at);
            quoted = !quoted;
        }
        if quoted {
            push(&mut out, part, None, &mut at);
            continue;
        }
        let mut first = true;
        for word in part.split(' ') {
            if !first {
                push(&mut out, " ", None, &mut at);
            }
            first = false;
            let op = match word {
                "И" => "AND",
                "ИЛИ" => "OR",
                "НЕ" => "NOT",
                w => {
                    push(&mut out, w, None, &mut at);
                    continue;
                }
            };
            push(&mut out, op, Some(at), &mut at);
            at += word.chars().count();
        }
    }
    origin.push(at);
    (out, origin)
}

/// The first mistake of a query the grammar cannot read, as a user makes it: an unclosed
/// quote or parenthesis, a parenthesis that closes none, an operator without its word, a
/// `field:` without a value. The position counts characters of `text` from 0. `None` when
/// none of these is found (the grammar's own message is used then).
fn diagnose(text: &str) -> Option<(usize, SyntaxProblem)> {
    // Words outside quotes: (start character, word); parentheses split words.
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    let mut word: Option<(usize, String)> = None;
    let mut escaped = false;
    for (i, c) in text.chars().enumerate() {
        if quote.is_some() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() || c == '(' || c == ')' {
            words.extend(word.take());
        }
        match c {
            '"' => {
                // A phrase is a word (`code:"a b"` too: the quote is its value).
                word.get_or_insert_with(|| (i, String::new())).1.push(c);
                quote = Some(i);
            }
            '(' => open.push(i),
            ')' => {
                if open.pop().is_none() {
                    return Some((i, SyntaxProblem::UnopenedParen));
                }
            }
            c if c.is_whitespace() => {}
            c => word.get_or_insert_with(|| (i, String::new())).1.push(c),
        }
    }
    words.extend(word.take());
    if let Some(q) = quote {
        return Some((q, SyntaxProblem::UnclosedQuote));
    }
    if let Some(&p) = open.last() {
        return Some((p, SyntaxProblem::UnclosedParen));
    }
    let binary = |w: &str| matches!(w, "AND" | "OR" | "И" | "ИЛИ");
    let unary = |w: &str| matches!(w, "NOT" | "НЕ");
    for (k, (at, w)) in words.iter().enumerate() {
        let next = words.get(k + 1).map(|(_, w)| w.as_str());
        let lone = if binary(w) {
            k == 0 || next.is_none_or(binary)
        } else {
            unary(w) && next.is_none_or(binary)
        };
        if lone {
            return Some((*at, SyntaxProblem::LoneOperator(w.clone())));
        }
        if let Some(field) = w.strip_suffix(':')
            && !field.is_empty()
            && !field.contains(':')
        {
            return Some((*at, SyntaxProblem::EmptyField(field.to_string())));
        }
    }
    None
}

/// The deepest nesting of a query: open parentheses, and `NOT`s in a row, which tantivy's
/// grammar also reads by recursion (`-` and `+` do not nest: one may stand before a word). Quotes and escapes are not looked at, so the
/// count is never lower than the grammar's (a bracket in a phrase counts too).
fn nesting(text: &str) -> usize {
    // Each open parenthesis counts one level, plus the operators just before it.
    let mut open: Vec<usize> = Vec::new();
    let mut levels = 0;
    let mut pending = 0;
    let mut deepest = 0;
    let mut word = String::new();
    let flush = |word: &mut String, pending: &mut usize| {
        if word == "NOT" {
            *pending += 1;
        } else if !word.is_empty() {
            *pending = 0;
        }
        word.clear();
    };
    for c in text.chars() {
        match c {
            '(' => {
                flush(&mut word, &mut pending);
                open.push(1 + pending);
                levels += 1 + pending;
                pending = 0;
            }
            ')' => {
                flush(&mut word, &mut pending);
                pending = 0;
                levels -= open.pop().unwrap_or(0);
            }
            c if c.is_whitespace() => flush(&mut word, &mut pending),
            c => word.push(c),
        }
        deepest = deepest.max(levels + pending);
    }
    flush(&mut word, &mut pending);
    deepest.max(levels + pending)
}

struct Builder<'a> {
    fields: &'a Fields,
    analyzer: &'a mut Analyzer,
    vocabulary: &'a dyn Vocabulary,
    highlighter: Highlighter,
    /// How deep [`Builder::build`] is in the query tree.
    depth: usize,
}

impl Builder<'_> {
    /// `positive`: false under a NOT, where words are not highlighted.
    fn build(&mut self, ast: &UserInputAst, positive: bool) -> Result<Box<dyn Query>, QueryError> {
        // The text was measured before the grammar read it ([`nesting`]); this bounds the
        // tree the scorers recurse over whatever the grammar made of it.
        if self.depth > 2 * MAX_NESTING + 2 {
            return Err(QueryError::TooDeep(None));
        }
        self.depth += 1;
        let built = self.build_node(ast, positive);
        self.depth -= 1;
        built
    }

    fn build_node(
        &mut self,
        ast: &UserInputAst,
        positive: bool,
    ) -> Result<Box<dyn Query>, QueryError> {
        match ast {
            UserInputAst::Clause(clauses) => {
                let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, sub) in clauses {
                    let occur = match occur {
                        None | Some(GrammarOccur::Must) => Occur::Must,
                        Some(GrammarOccur::Should) => Occur::Should,
                        Some(GrammarOccur::MustNot) => Occur::MustNot,
                    };
                    let q = self.build(sub, positive && occur != Occur::MustNot)?;
                    parts.push((occur, q));
                }
                // Only exclusions ("NOT цена"): exclude from everything.
                if parts.iter().all(|(o, _)| *o == Occur::MustNot) {
                    parts.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(parts)))
            }
            UserInputAst::Boost(sub, boost) => Ok(Box::new(BoostQuery::new(
                self.build(sub, positive)?,
                boost.into_inner() as f32,
            ))),
            UserInputAst::Leaf(leaf) => match leaf.as_ref() {
                UserInputLeaf::Literal(lit) => self.literal(lit, positive),
                UserInputLeaf::All => Ok(Box::new(AllQuery)),
                UserInputLeaf::Range { .. } => Err(QueryError::Unsupported(Unsupported::Range)),
                UserInputLeaf::Set { .. } => Err(QueryError::Unsupported(Unsupported::Set)),
                UserInputLeaf::Exists { field } => {
                    Err(QueryError::Unsupported(Unsupported::Exists(field.clone())))
                }
                UserInputLeaf::Regex { .. } => Err(QueryError::Unsupported(Unsupported::Regex)),
            },
        }
    }

    fn literal(
        &mut self,
        lit: &UserInputLiteral,
        positive: bool,
    ) -> Result<Box<dyn Query>, QueryError> {
        if let Some(field) = lit.field_name.as_deref().filter(|f| *f != "text") {
            return self.filter(field, &lit.phrase);
        }
        let f = self.fields.text;
        // The grammar keeps the star of a bare word (`отсроч*`) in the word.
        let bare_prefix = lit.delimiter == Delimiter::None && lit.phrase.ends_with('*');
        let phrase = lit.phrase.trim_end_matches('*');
        let mut keys: Vec<String> = self
            .analyzer
            .tokens(phrase)
            .iter()
            .map(|t| self.analyzer.info(t).key().to_string())
            .collect();
        if keys.is_empty() {
            return Err(QueryError::NoWords(lit.phrase.clone()));
        }
        // The prefix is matched as written (normalized), not as a dictionary form: the
        // lemma of "отсроч" is not what the user typed.
        let prefix = if lit.prefix || bare_prefix {
            let last = phrase.split_whitespace().last().unwrap_or_default();
            let p = normalize(last);
            keys.pop();
            Some(p)
        } else {
            None
        };
        if positive {
            self.highlighter.keys.extend(keys.iter().cloned());
            self.highlighter.prefixes.extend(prefix.iter().cloned());
        }
        let forms: Vec<Vec<String>> = keys
            .iter()
            .map(|k| self.forms(k))
            .collect::<Result<_, _>>()?;
        let single = forms.iter().all(|f| f.len() == 1);
        let term = |w: &str| Term::from_field_text(f, w);
        let slop = if lit.delimiter == Delimiter::None {
            0
        } else {
            lit.slop
        };
        Ok(match (forms.len(), prefix) {
            (0, Some(p)) => prefix_query(f, &p),
            (_, Some(p)) if single => {
                let mut terms: Vec<Term> = forms.iter().map(|w| term(&w[0])).collect();
                terms.push(term(&p));
                let mut q = PhrasePrefixQuery::new(terms);
                q.set_max_expansions(MAX_EXPANSIONS);
                Box::new(q)
            }
            (_, Some(p)) => {
                let mut patterns: Vec<String> = forms.iter().map(|w| alternation(w)).collect();
                patterns.push(format!("{}.*", regex::escape(&p)));
                phrase_of_patterns(f, patterns, 0)
            }
            (1, None) if single => Box::new(TermQuery::new(
                term(&forms[0][0]),
                IndexRecordOption::WithFreqs,
            )),
            (1, None) => Box::new(BooleanQuery::new(
                forms[0]
                    .iter()
                    .map(|w| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(term(w), IndexRecordOption::WithFreqs));
                        (Occur::Should, q)
                    })
                    .collect(),
            )),
            (_, None) if single => Box::new(PhraseQuery::new_with_offset_and_slop(
                forms.iter().map(|w| term(&w[0])).enumerate().collect(),
                slop,
            )),
            (_, None) => {
                phrase_of_patterns(f, forms.iter().map(|w| alternation(w)).collect(), slop)
            }
        })
    }

    /// The index terms a query word whose key is `key` stands for: the terms of the forms
    /// whose key is `key` ([`Analyzer::index_term`]), found among the paradigms of `key`'s
    /// lexemes ([`lemma_forms`]) with their -ся/-сь forms, the index's words that begin
    /// with `key` and whose stem it is (the Russian stem is a prefix of the form), and the
    /// index's words paradigms may miss (the places the matcher's `may_match` looks);
    /// `[key]` when the index holds such words under their key, or has none of them.
    fn forms(&mut self, key: &str) -> Result<Vec<String>, QueryError> {
        if !indexed_as_form(key) {
            return Ok(vec![key.to_string()]);
        }
        let mut found = lemma_forms(key);
        // The dictionary reads some reflexive forms as forms of the plain verb («ведутся» →
        // «вести»), which its paradigm does not list (as the matcher's `may_match`).
        let reflexive: Vec<String> = found
            .iter()
            .flat_map(|f| [format!("{f}ся"), format!("{f}сь")])
            .collect();
        found.extend(reflexive);
        found.extend(self.vocabulary.aliases(key)?);
        let analyzer = &mut *self.analyzer;
        // Of the words that begin with the key, those the dictionary does not know are
        // keyed by their stem: the stem, cheap beside the dictionary, picks them out (a
        // short key begins tens of thousands of words).
        found.extend(self.vocabulary.words(key)?.into_iter().filter(|w| {
            match analyzer.tokens(w).as_slice() {
                [t] => analyzer.stem(t.form) == key,
                _ => false,
            }
        }));
        found.sort_unstable();
        found.dedup();
        found.retain(|w| key_of_term(analyzer, w) == Some(key));
        self.vocabulary.retain_present(&mut found)?;
        if found.is_empty() {
            found.push(key.to_string());
        }
        Ok(found)
    }

    /// `field:value`: a filter on codes, levels, role, polarity, wishes or metadata; a name
    /// the index does not know is an error ([`QueryError::Unknown`]), not an empty result.
    fn filter(&mut self, field: &str, value: &str) -> Result<Box<dyn Query>, QueryError> {
        let f = self.fields;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let kind = match field {
            "code" => Some((NameKind::Code, f.code)),
            "doc" => Some((NameKind::Doc, f.doc)),
            "level" => Some((NameKind::Level, f.level)),
            "role" => Some((NameKind::Role, f.role)),
            "polarity" => Some((NameKind::Polarity, f.polarity)),
            "source" => Some((NameKind::Source, f.code_source)),
            _ => None,
        };
        if let Some((kind, field)) = kind {
            self.vocabulary.check(kind, value)?;
            return Ok(term(field, value));
        }
        Ok(match field {
            "wish" if value == "true" => term(f.wish, "true"),
            "wish" => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, term(f.wish, "true")),
            ])),
            key => self.vocabulary.meta(key, value, true)?,
        })
    }
}

/// The key of the form an index term holds ([`Analyzer::index_term`]): `None` when the
/// term is not one word held as itself.
pub(super) fn key_of_term<'a>(analyzer: &'a mut Analyzer, term: &str) -> Option<&'a str> {
    let tokens = analyzer.tokens(term);
    match tokens.as_slice() {
        [t] if analyzer.index_term(t.form) == term => Some(analyzer.info(t).key()),
        _ => None,
    }
}

/// A phrase whose positions are regular expressions over the index terms (each an
/// alternation of forms, the last one maybe a prefix).
fn phrase_of_patterns(field: Field, patterns: Vec<String>, slop: u32) -> Box<dyn Query> {
    let mut q = RegexPhraseQuery::new_with_offset_and_slop(
        field,
        patterns.into_iter().enumerate().collect(),
        slop,
    );
    q.set_max_expansions(MAX_PHRASE_TERMS);
    Box::new(q)
}

/// A regular expression matching exactly the given words.
fn alternation(words: &[String]) -> String {
    let escaped: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
    format!("(?:{})", escaped.join("|"))
}

/// Words whose index term starts with `prefix` (a range over the term dictionary).
fn prefix_query(field: Field, prefix: &str) -> Box<dyn Query> {
    if prefix.is_empty() {
        return Box::new(AllQuery);
    }
    // A range of the term dictionary; tantivy's default stops at 50 terms, which would drop
    // words silently (a short prefix has thousands of forms).
    let mut q = PhrasePrefixQuery::new(vec![Term::from_field_text(field, prefix)]);
    q.set_max_expansions(u32::MAX);
    Box::new(q)
}

/// The indexed term of a metadata pair: `key=value`, lower case, so filters ignore case.
pub fn meta_term(key: &str, value: &str) -> String {
    format!("{}={}", key.trim(), value.trim()).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        super::super::schema().1
    }

    /// Metadata filters as plain terms (the index resolves them to transcripts); the keys
    /// `division` and `wave`, the codes `pricing` and `payment_terms`, any other name.
    struct TestVocabulary;

    impl Vocabulary for TestVocabulary {
        /// A vocabulary of words: none (queries on words are built, not run, here).
        fn words(&self, _prefix: &str) -> Result<Vec<String>, QueryError> {
            Ok(Vec::new())
        }

        fn retain_present(&self, _words: &mut Vec<String>) -> Result<(), QueryError> {
            Ok(())
        }

        fn aliases(&self, _key: &str) -> Result<Vec<String>, QueryError> {
            Ok(Vec::new())
        }

        fn meta(
            &self,
            key: &str,
            value: &str,
            in_query: bool,
        ) -> Result<Box<dyn Query>, QueryError> {
            let mut keys = vec![name("division", None), name("wave", None)];
            if in_query {
                keys.extend(QUERY_FIELDS.iter().map(|f| name(f, None)));
            }
            if !["division", "wave"].contains(&key) {
                return Err(QueryError::Unknown(Unknown::new(
                    NameKind::Field,
                    key,
                    &keys,
                )));
            }
            Ok(Box::new(TermQuery::new(
                Term::from_field_text(fields().meta, &meta_term(key, value)),
                IndexRecordOption::Basic,
            )))
        }

        fn check(&self, kind: NameKind, value: &str) -> Result<(), QueryError> {
            let codes = [
                name("pricing", Some("Ценообразование")),
                name("payment_terms", Some("Условия оплаты")),
            ];
            if kind == NameKind::Code && !codes.iter().any(|c| c.id == value) {
                return Err(QueryError::Unknown(Unknown::new(kind, value, &codes)));
            }
            Ok(())
        }
    }

    fn name(id: &str, label: Option<&str>) -> Name {
        Name {
            id: id.to_string(),
            label: label.map(str::to_string),
        }
    }

    fn error(q: &str) -> QueryError {
        parse(q, &fields(), &mut Analyzer::new(), &TestVocabulary)
            .err()
            .expect("an error")
    }

    fn highlighted(q: &str, text: &str) -> Vec<String> {
        let mut a = Analyzer::new();
        let p = parse(q, &fields(), &mut a, &TestVocabulary).expect("query reads");
        p.highlighter
            .spans(&mut a, text)
            .iter()
            .map(|s| text[s.range()].to_string())
            .collect()
    }

    #[test]
    fn russian_operators_outside_quotes_only() {
        let (text, origin) = russian_operators("цена И сроки ИЛИ \"И так далее\" НЕ брак");
        assert_eq!(text, "цена AND сроки OR \"И так далее\" NOT брак");
        // Each byte of the result points at the character it comes from: «сроки» is the
        // 8th character written, the «O» of NOT comes from the «Н» of НЕ, the 32nd, the end
        // is the 39th.
        assert_eq!(origin[text.find("сроки").unwrap()], 7);
        assert_eq!(origin[text.find("NOT").unwrap() + 1], 31);
        assert_eq!(origin[text.len()], 38);
        // Lower case "и" / "не" are words.
        assert_eq!(russian_operators("и не").0, "и не");
    }

    #[test]
    fn words_highlight_every_inflection_and_prefixes_match_dictionary_forms() {
        assert_eq!(
            highlighted("оплата", "Оплатой довольны, а вот оплаты по счетам — беда."),
            ["Оплатой", "оплаты"]
        );
        // The prefix is compared with dictionary forms: отсрочку → отсрочка, отсрочили →
        // отсрочить.
        assert_eq!(
            highlighted("отсроч*", "Отсрочку нам отсрочили, а сроки нет."),
            ["Отсрочку", "отсрочили"]
        );
        // Words under NOT are not highlighted.
        assert_eq!(highlighted("цена NOT скидка", "Цена без скидки."), ["Цена"]);
        // Filters only: nothing to highlight.
        assert!(highlighted("code:pricing", "Цена без скидки.").is_empty());
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        let mut a = Analyzer::new();
        let f = fields();
        let e = error("цена AND (сроки").to_string();
        assert!(e.contains("cannot read the query"), "{e}");
        let e = error("\"...\"").to_string();
        assert!(e.contains("has no words"), "{e}");
        let e = error("wave:[2025 TO 2026]").to_string();
        assert!(e.contains("ranges"), "{e}");
        assert!(parse("  ", &f, &mut a, &TestVocabulary).is_ok());
    }

    // See: issue #18
    #[test]
    fn nesting_counts_parentheses_and_operators_in_a_row() {
        assert_eq!(nesting("цена"), 0);
        assert_eq!(nesting("(цена OR скидка) AND (сроки)"), 1);
        assert_eq!(nesting("-(-(a))"), 2);
        assert_eq!(nesting("NOT (NOT (a))"), 4);
        assert_eq!(nesting("NOT NOT NOT a"), 3);
        assert_eq!(nesting("кто-то -скидка +цена"), 0);
        assert_eq!(nesting("a)))"), 0);
        assert_eq!(nesting(&"(".repeat(10_000)), 10_000);
    }

    // See: issue #18
    #[test]
    fn deep_queries_are_refused_before_the_grammar_recurses() {
        let mut a = Analyzer::new();
        let f = fields();
        let nested = |open: &str, n: usize| format!("{}a{}", open.repeat(n), ")".repeat(n));
        // 32 levels are read; one more is refused.
        assert!(parse(&nested("(", 32), &f, &mut a, &TestVocabulary).is_ok());
        assert!(parse(&nested("-(", 32), &f, &mut a, &TestVocabulary).is_ok());
        for q in [
            nested("(", 33),
            nested("-(", 33),
            nested("-(", 300),
            nested("-(", 1000),
            "(".repeat(10_000),
            format!("{}a", "NOT ".repeat(10_000)),
        ] {
            let e = parse(&q, &f, &mut a, &TestVocabulary)
                .err()
                .expect("an error")
                .to_string();
            assert!(
                e.contains(&format!("at most {MAX_NESTING} are allowed")),
                "{e}"
            );
        }
    }

    /// A syntax error points at the character where the mistake is, as written (Russian
    /// operators counted as the user typed them), and names it.
    #[test]
    fn syntax_errors_point_at_the_mistake() {
        let syntax = |q: &str| match error(q) {
            QueryError::Syntax { at, problem, .. } => (at, problem),
            e => panic!("{q}: {e:?}"),
        };
        assert_eq!(
            syntax("цена AND (сроки"),
            (10, SyntaxProblem::UnclosedParen)
        );
        assert_eq!(syntax("цена) AND сроки"), (5, SyntaxProblem::UnopenedParen));
        assert_eq!(
            syntax("\"сроки поставки"),
            (1, SyntaxProblem::UnclosedQuote)
        );
        assert_eq!(
            syntax("цена ИЛИ"),
            (6, SyntaxProblem::LoneOperator("ИЛИ".into()))
        );
        assert_eq!(
            syntax("цена И ИЛИ сроки"),
            (6, SyntaxProblem::LoneOperator("И".into()))
        );
        assert_eq!(
            syntax("оплата code:"),
            (8, SyntaxProblem::EmptyField("code".into()))
        );
        assert_eq!(
            error("цена НЕ").to_string(),
            "cannot read the query `цена НЕ` at character 6: `НЕ` needs a word after it; quote words with special characters, e.g. \"1:0\""
        );
        let e = error("цена AND (сроки").to_string();
        assert!(
            e.starts_with(
                "cannot read the query `цена AND (сроки` at character 10: the parenthesis opened there is not closed"
            ),
            "{e}"
        );
    }

    /// A code or metadata field the index does not know is an error naming the nearest
    /// known names, not an empty result.
    #[test]
    fn unknown_names_suggest_the_nearest() {
        let unknown = |q: &str| match error(q) {
            QueryError::Unknown(u) => u,
            e => panic!("{q}: {e:?}"),
        };
        let u = unknown("оплата AND code:payment");
        assert_eq!(
            (u.kind, u.name.as_str(), u.near),
            (NameKind::Code, "payment", true)
        );
        assert_eq!(
            u.suggestions,
            [name("payment_terms", Some("Условия оплаты"))]
        );
        assert_eq!(
            error("code:payment").to_string(),
            "unknown code `payment`; did you mean `payment_terms` (Условия оплаты)?"
        );
        // By the label too; nothing near: the known ones.
        assert_eq!(unknown("code:ценообразованье").suggestions[0].id, "pricing");
        let u = unknown("code:xyz");
        assert!(!u.near);
        assert_eq!((u.suggestions.len(), u.known), (2, 2));
        // A misspelt metadata field: the nearest key, and the query's own fields count too.
        let u = unknown("divison:закупки");
        assert_eq!(
            (u.kind, u.suggestions[0].id.as_str()),
            (NameKind::Field, "division")
        );
        assert_eq!(unknown("cod:pricing").suggestions[0].id, "code");
        // Known names read as before.
        assert!(
            parse(
                "code:pricing AND division:закупки",
                &fields(),
                &mut Analyzer::new(),
                &TestVocabulary
            )
            .is_ok()
        );
    }

    #[test]
    fn nearest_names_rank_case_then_distance_then_containment() {
        let known = [
            name("delivery_time", Some("Сроки поставки")),
            name("document_flow", Some("Документооборот")),
            name("Division", None),
            name("logistics", Some("Логистика")),
        ];
        let ids =
            |q: &str| -> Vec<String> { nearest(q, &known, 3).into_iter().map(|n| n.id).collect() };
        assert_eq!(ids("delivery"), ["delivery_time"]);
        assert_eq!(ids("division"), ["Division"]);
        assert_eq!(ids("divison"), ["Division"]);
        assert_eq!(ids("логистика"), ["logistics"]);
        assert_eq!(ids("сроки"), ["delivery_time"]);
        assert!(ids("xyz").is_empty());
        assert!(ids("").is_empty());
        assert_eq!(levenshtein(&['a', 'b', 'c'], &['a', 'c']), 1);
        assert_eq!(levenshtein(&[], &['a', 'c']), 2);
    }

    #[test]
    fn metadata_terms_ignore_case_and_spaces() {
        assert_eq!(
            meta_term(" Division ", "Служба Закупок "),
            "division=служба закупок"
        );
    }
}
