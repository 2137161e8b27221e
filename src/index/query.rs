//! The query language of `citata search`, read by tantivy's query grammar and turned into
//! tantivy queries with citata's analyzer, so that a word finds every inflection and a
//! prefix (`отсроч*`) is matched against dictionary forms.
//!
//! - words: every inflection (`оплата` finds оплаты, оплатой, оплатами);
//! - `"phrases"`, also with slop (`"срок поставки"~2`) and a prefix on the last word;
//! - `AND`, `OR`, `NOT`, `-word`, `+word`, parentheses; `И`, `ИЛИ`, `НЕ` as well;
//! - `prefix*`: words whose dictionary form (or stem, for unknown words) starts with it;
//! - `field:value` for the filters: `code:ID`, `level:ID`, `doc:ID`, `role:respondent`,
//!   `polarity:negative`, `wish:true`, and any metadata key (`division:Закупки`, `wave:2026`),
//!   metadata compared without regard to case.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Term, query_grammar::Occur as GrammarOccur};

use super::Fields;
use crate::model::Span;
use crate::text::{Analyzer, normalize};

/// How many words a prefix at the end of a phrase may stand for.
const MAX_EXPANSIONS: u32 = 1000;

/// How deeply parentheses and `NOT`s may nest in a query. tantivy's query grammar and its
/// scorers recurse once per level: a few hundred levels overflow the stack and abort the
/// process, so deeper queries are refused before the grammar sees them.
pub const MAX_NESTING: usize = 32;

/// Turns a metadata term ([`meta_term`]) into the query for the sentences of the
/// transcripts that have it: metadata is kept on the transcripts, not on every sentence.
pub type MetaFilter<'a> = dyn Fn(&str) -> Result<Box<dyn Query>, String> + 'a;

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
                self.keys.iter().any(|k| k == key)
                    || self.prefixes.iter().any(|p| key.starts_with(p.as_str()))
            })
            .map(|t| t.span)
            .collect()
    }
}

/// A query that cannot be read; the message says what and where.
#[derive(Debug)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a query. An empty (or blank) text matches every passage.
///
/// # Errors
/// Syntax errors (with the position and a hint), unsupported syntax (ranges, sets, regexes),
/// phrases without words.
pub fn parse(
    text: &str,
    fields: &Fields,
    analyzer: &mut Analyzer,
    meta: &MetaFilter<'_>,
) -> Result<ParsedQuery, QueryError> {
    let text = russian_operators(text);
    let depth = nesting(&text);
    if depth > MAX_NESTING {
        return Err(QueryError(format!(
            "the query nests parentheses or NOT {depth} levels deep; at most {MAX_NESTING} are allowed"
        )));
    }
    if text.trim().is_empty() {
        return Ok(ParsedQuery {
            query: Box::new(AllQuery),
            highlighter: Highlighter::default(),
        });
    }
    let ast = query_grammar::parse_query(&text).map_err(|_| {
        let (_, errors) = query_grammar::parse_query_lenient(&text);
        let detail = errors
            .first()
            .map(|e| {
                let at = text[..e.pos.min(text.len())].chars().count() + 1;
                format!(": {} (at character {at})", e.message)
            })
            .unwrap_or_default();
        QueryError(format!(
            "cannot read the query `{text}`{detail}; quote words with special characters, e.g. \"1:0\""
        ))
    })?;
    let mut b = Builder {
        fields,
        analyzer,
        meta,
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
/// `AND`, `OR`, `NOT`.
fn russian_operators(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            out.push('"');
            quoted = !quoted;
        }
        if quoted {
            out.push_str(part);
            continue;
        }
        let mut first = true;
        for word in part.split(' ') {
            if !first {
                out.push(' ');
            }
            first = false;
            out.push_str(match word {
                "И" => "AND",
                "ИЛИ" => "OR",
                "НЕ" => "NOT",
                w => w,
            });
        }
    }
    out
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
    meta: &'a MetaFilter<'a>,
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
            return Err(QueryError(format!(
                "the query nests more than {MAX_NESTING} levels deep"
            )));
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
                UserInputLeaf::Range { .. } => Err(QueryError(
                    "ranges ([a TO b]) are not supported in citata queries".into(),
                )),
                UserInputLeaf::Set { .. } => Err(QueryError(
                    "sets (IN [...]) are not supported; use OR".into(),
                )),
                UserInputLeaf::Exists { field } => Err(QueryError(format!(
                    "`{field}:*` is not supported; use `{field}:VALUE`"
                ))),
                UserInputLeaf::Regex { .. } => Err(QueryError(
                    "regular expressions are not supported in queries; use prefix* instead".into(),
                )),
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
            return Err(QueryError(format!(
                "`{}` has no words to search for",
                lit.phrase
            )));
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
        let terms: Vec<Term> = keys.iter().map(|k| Term::from_field_text(f, k)).collect();
        Ok(match (terms.len(), prefix) {
            (0, Some(p)) => prefix_query(f, &p),
            (_, Some(p)) => {
                let mut terms = terms;
                terms.push(Term::from_field_text(f, &p));
                let mut q = PhrasePrefixQuery::new(terms);
                q.set_max_expansions(MAX_EXPANSIONS);
                Box::new(q)
            }
            (1, None) => Box::new(TermQuery::new(
                terms.into_iter().next().expect("one term"),
                IndexRecordOption::WithFreqs,
            )),
            (_, None) => {
                let slop = if lit.delimiter == Delimiter::None {
                    0
                } else {
                    lit.slop
                };
                Box::new(PhraseQuery::new_with_offset_and_slop(
                    terms.into_iter().enumerate().collect(),
                    slop,
                ))
            }
        })
    }

    /// `field:value`: a filter on codes, levels, role, polarity, wishes or metadata.
    fn filter(&mut self, field: &str, value: &str) -> Result<Box<dyn Query>, QueryError> {
        let f = self.fields;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        Ok(match field {
            "code" => term(f.code, value),
            "doc" => term(f.doc, value),
            "level" => term(f.level, value),
            "role" => term(f.role, value),
            "polarity" => term(f.polarity, value),
            "wish" if value == "true" => term(f.wish, "true"),
            "wish" => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, term(f.wish, "true")),
            ])),
            key => (self.meta)(&meta_term(key, value)).map_err(QueryError)?,
        })
    }
}

/// Words whose key starts with `prefix` (a range over the term dictionary; the regex
/// automaton mishandles Cyrillic here).
fn prefix_query(field: Field, prefix: &str) -> Box<dyn Query> {
    if prefix.is_empty() {
        return Box::new(AllQuery);
    }
    Box::new(PhrasePrefixQuery::new(vec![Term::from_field_text(
        field, prefix,
    )]))
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

    /// Metadata filters as plain terms (the index resolves them to transcripts).
    fn test_meta(t: &str) -> Result<Box<dyn Query>, String> {
        Ok(Box::new(TermQuery::new(
            Term::from_field_text(fields().meta, t),
            IndexRecordOption::Basic,
        )))
    }

    fn highlighted(q: &str, text: &str) -> Vec<String> {
        let mut a = Analyzer::new();
        let p = parse(q, &fields(), &mut a, &test_meta).expect("query reads");
        p.highlighter
            .spans(&mut a, text)
            .iter()
            .map(|s| text[s.range()].to_string())
            .collect()
    }

    #[test]
    fn russian_operators_outside_quotes_only() {
        assert_eq!(
            russian_operators("цена И сроки ИЛИ \"И так далее\" НЕ брак"),
            "цена AND сроки OR \"И так далее\" NOT брак"
        );
        // Lower case "и" / "не" are words.
        assert_eq!(russian_operators("и не"), "и не");
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
        let e = parse("цена AND (сроки", &f, &mut a, &test_meta)
            .err()
            .expect("an error");
        assert!(e.0.contains("cannot read the query"), "{}", e.0);
        let e = parse("\"...\"", &f, &mut a, &test_meta)
            .err()
            .expect("an error");
        assert!(e.0.contains("has no words"), "{}", e.0);
        let e = parse("wave:[2025 TO 2026]", &f, &mut a, &test_meta)
            .err()
            .expect("an error");
        assert!(e.0.contains("ranges"), "{}", e.0);
        assert!(parse("  ", &f, &mut a, &test_meta).is_ok());
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
        assert!(parse(&nested("(", 32), &f, &mut a, &test_meta).is_ok());
        assert!(parse(&nested("-(", 32), &f, &mut a, &test_meta).is_ok());
        for q in [
            nested("(", 33),
            nested("-(", 33),
            nested("-(", 300),
            nested("-(", 1000),
            "(".repeat(10_000),
            format!("{}a", "NOT ".repeat(10_000)),
        ] {
            let e = parse(&q, &f, &mut a, &test_meta).err().expect("an error");
            assert!(
                e.0.contains(&format!("at most {MAX_NESTING} are allowed")),
                "{}",
                e.0
            );
        }
    }

    #[test]
    fn metadata_terms_ignore_case_and_spaces() {
        assert_eq!(
            meta_term(" Division ", "Служба Закупок "),
            "division=служба закупок"
        );
    }
}
