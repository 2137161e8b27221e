//! Running a search: the user's query and the command-line filters, the top hits with their
//! matched words, the total, and facet counts per code, division and wave.

use std::collections::BTreeSet;

use tantivy::DocSet;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};
use tantivy_fst::Automaton;
use tantivy_fst::automaton::AlwaysMatch;

use serde::Serialize;

use super::kwic;
use super::query::{self, Highlighter, Name, NameKind, QueryError, Unknown, Vocabulary};
use super::{CitataIndex, IndexCodebook, TRANSCRIPT, err};
use crate::model::{CharIndex, Span};
use crate::text::Analyzer;

/// A search request.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Words, "phrases", AND/OR/NOT, prefix*, `code:ID` (see [`query`]).
    pub text: String,
    /// Any of these parameter ids.
    pub codes: Vec<String>,
    /// This level id.
    pub level: Option<String>,
    /// `interviewer` or `respondent`.
    pub role: Option<String>,
    /// A polarity.
    pub polarity: Option<String>,
    /// Only wishes.
    pub wish: bool,
    /// Only sentences with a coding of this source (`human`: added by a coder; `keyword`,
    /// `context`: the machine's).
    pub source: Option<String>,
    /// `(key, value)` metadata filters (all must hold; case does not matter).
    pub filters: Vec<(String, String)>,
    /// Most hits (0: only count).
    pub limit: usize,
    /// Count the result set per code, division and wave.
    pub facets: bool,
}

/// The result of a search.
#[derive(Clone, Debug, Default)]
pub struct SearchResult {
    /// The best hits, best first.
    pub hits: Vec<Hit>,
    /// How many passages matched in all.
    pub total: usize,
    /// Counts over all matching passages, when asked for.
    pub facets: Option<Facets>,
}

/// One hit: a sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Document id.
    pub doc: String,
    /// Turn.
    pub turn: usize,
    /// Start, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The sentence.
    pub text: String,
    /// Who speaks (attribution, not a name).
    pub speaker: String,
    /// The role.
    pub role: String,
    /// tantivy's score (BM25).
    pub score: f32,
    /// Parameter ids.
    pub codes: Vec<String>,
    /// The sentence's polarity, when it is coded.
    pub polarity: Option<String>,
    /// The matched words: byte spans of `text`.
    pub matches: Vec<Span>,
}

/// A count of passages under one facet value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCount {
    /// The group (a level id, or a metadata key).
    pub group: String,
    /// The value (a parameter id, or a metadata value).
    pub value: String,
    /// Passages.
    pub count: u64,
}

/// Facet counts of a result set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    /// Coded passages per parameter (group: its level), most first.
    pub codes: Vec<FacetCount>,
    /// Passages per value of the metadata keys counted (`division`, `wave`), most first.
    pub meta: Vec<FacetCount>,
}

/// The names an index knows, for checking the names a search gives: looked up in the term
/// dictionaries (cheap), and only for a name not found there, in the codebook the index was
/// coded with and in every metadata term (to name the nearest).
struct Lookup<'a> {
    index: &'a CitataIndex,
    searcher: &'a tantivy::Searcher,
}

impl Lookup<'_> {
    fn fail<T>(&self, e: impl super::error::IntoIndexError) -> Result<T, QueryError> {
        Err(QueryError::Other(err(e, &self.index.dir).to_string()))
    }

    /// The index's words (terms of the text field) that begin with `prefix`, that
    /// `automaton` accepts and `keep` keeps, sorted, without repeats.
    fn words_of<A>(
        &self,
        prefix: &str,
        automaton: A,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<String>, QueryError>
    where
        A: Automaton + Clone,
        A::State: Clone,
    {
        let mut out = Vec::new();
        self.each_term(
            self.index.fields.text,
            prefix,
            automaton,
            &mut |_, _, key, _| {
                // Terms are what the tokenizer made of text: UTF-8.
                if let Ok(w) = std::str::from_utf8(key)
                    && keep(w)
                {
                    out.push(w.to_string());
                }
                Ok(true)
            },
        )?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The index's words in Russian letters that paradigms may miss
    /// ([`crate::text::paradigms_may_miss`]), sorted: a walk of the term dictionaries that
    /// enters only words of at most six bytes and those that begin with «по»
    /// ([`MayMiss`]). The third kind, forms with letters other than а–я, is not walked:
    /// the dictionary does not know them, so their key is their stem, a prefix of the form,
    /// and [`Vocabulary::words`] finds them by it (`keys_of_forms_the_dictionary_does_not_know_are_their_prefixes`).
    fn may_miss_words(&self) -> Result<Vec<String>, QueryError> {
        self.words_of("", MayMiss, |w| {
            crate::text::indexed_as_form(w) && crate::text::paradigms_may_miss(w)
        })
    }

    /// True when a live document has `value` in `field` (a term of a deleted document stays
    /// in the dictionary until a merge: it does not count).
    fn has_term(&self, field: Field, value: &str) -> Result<bool, QueryError> {
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(field).or_else(|e| self.fail(e))?;
            match inverted.terms().get(value.as_bytes()) {
                Ok(Some(info)) if self.live(segment, &inverted, &info)? => return Ok(true),
                Ok(_) => {}
                Err(e) => return self.fail(e),
            }
        }
        Ok(false)
    }

    /// True when a document of the term `info` is not deleted.
    fn live(
        &self,
        segment: &tantivy::SegmentReader,
        inverted: &tantivy::InvertedIndexReader,
        info: &tantivy::postings::TermInfo,
    ) -> Result<bool, QueryError> {
        let mut postings = inverted
            .read_postings_from_terminfo(info, IndexRecordOption::Basic)
            .or_else(|e| self.fail(e))?;
        while postings.doc() != tantivy::TERMINATED {
            if !segment.is_deleted(postings.doc()) {
                return Ok(true);
            }
            postings.advance();
        }
        Ok(false)
    }

    /// Calls `each` with every term of `field` that starts with `prefix` and that
    /// `automaton` accepts (segment by segment: a term may come once per segment), with its
    /// segment, inverted index and postings info; stops when `each` returns false.
    fn each_term<A>(
        &self,
        field: Field,
        prefix: &str,
        automaton: A,
        each: &mut EachTerm<'_>,
    ) -> Result<(), QueryError>
    where
        A: Automaton + Clone,
        A::State: Clone,
    {
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(field).or_else(|e| self.fail(e))?;
            let mut stream = inverted
                .terms()
                .search(automaton.clone())
                .ge(prefix.as_bytes())
                .into_stream()
                .or_else(|e| self.fail(e))?;
            while stream.advance() {
                if !stream.key().starts_with(prefix.as_bytes()) {
                    break;
                }
                if !each(segment, &inverted, stream.key(), stream.value())? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The terms of `field` that start with `prefix` and a live document has, without the
    /// prefix, in order, without repeats; only the first when `first` is set.
    fn live_terms(
        &self,
        field: Field,
        prefix: &str,
        first: bool,
    ) -> Result<BTreeSet<String>, QueryError> {
        let mut out = BTreeSet::new();
        self.each_term(
            field,
            prefix,
            AlwaysMatch,
            &mut |segment, inverted, key, info| {
                if self.live(segment, inverted, info)? {
                    out.insert(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
                    return Ok(!first);
                }
                Ok(true)
            },
        )?;
        Ok(out)
    }

    /// The parameters and the levels of the codebook the index was coded with (the embedded
    /// default for an index without one), with their names.
    fn codebook(&self) -> Result<(Vec<Name>, Vec<Name>), QueryError> {
        let icb = match self.index.codebook() {
            Ok(Some(c)) => c,
            Ok(None) => IndexCodebook::read(None).map_err(|e| QueryError::Other(e.to_string()))?,
            Err(e) => return Err(QueryError::Other(e.to_string())),
        };
        let cb = icb
            .compile(&mut Analyzer::new())
            .map_err(|e| QueryError::Other(e.to_string()))?;
        let named = |id: &str, name: &str| Name {
            id: id.to_string(),
            label: Some(name.to_string()),
        };
        Ok((
            cb.parameters
                .iter()
                .map(|p| named(&p.id, &p.name))
                .collect(),
            cb.levels.iter().map(|l| named(&l.id, &l.name)).collect(),
        ))
    }
}

impl Vocabulary for Lookup<'_> {
    /// The sentences of the live transcripts whose metadata holds `key=value`: their doc
    /// ids, read off the transcript documents' `meta` terms (a range of the term dictionary;
    /// a term of a deleted document is skipped).
    fn meta(&self, key: &str, value: &str, in_query: bool) -> Result<Box<dyn Query>, QueryError> {
        let term = format!("{}{}", query::meta_term(key, value), super::META_SEP);
        let docs = self.live_terms(self.index.fields.meta, &term, false)?;
        // No transcript has the value: is the key one any transcript has?
        if docs.is_empty()
            && self
                .live_terms(self.index.fields.meta, &query::meta_term(key, ""), true)?
                .is_empty()
        {
            let mut keys: BTreeSet<String> = self
                .live_terms(self.index.fields.meta, "", false)?
                .into_iter()
                .filter_map(|t| t.split_once('=').map(|(k, _)| k.to_string()))
                .collect();
            if in_query {
                keys.extend(query::QUERY_FIELDS.iter().map(|f| f.to_string()));
            }
            let known: Vec<Name> = keys
                .into_iter()
                .map(|id| Name { id, label: None })
                .collect();
            return Err(QueryError::Unknown(Unknown::new(
                NameKind::Field,
                key.trim(),
                &known,
            )));
        }
        Ok(Box::new(TermSetQuery::new(
            docs.iter()
                .map(|d| Term::from_field_text(self.index.fields.doc, d)),
        )))
    }

    fn words(&self, prefix: &str) -> Result<Vec<String>, QueryError> {
        self.words_of(prefix, AlwaysMatch, |_| true)
    }

    /// Read once per searcher generation ([`Lookup::may_miss_words`]) and kept on the
    /// index.
    fn aliases(&self, key: &str) -> Result<Vec<String>, QueryError> {
        let generation = self.searcher.generation().generation_id();
        let cached = {
            let held = self
                .index
                .may_miss
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            held.as_ref()
                .filter(|(g, _)| *g == generation)
                .map(|(_, pairs)| std::sync::Arc::clone(pairs))
        };
        let pairs = match cached {
            Some(pairs) => pairs,
            None => {
                let words = self.may_miss_words()?;
                let mut analyzer = Analyzer::new();
                let mut pairs: Vec<(String, String)> = words
                    .into_iter()
                    .filter_map(|w| Some((query::key_of_term(&mut analyzer, &w)?.to_string(), w)))
                    .collect();
                pairs.sort_unstable();
                let pairs = std::sync::Arc::new(pairs);
                *self
                    .index
                    .may_miss
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) =
                    Some((generation, std::sync::Arc::clone(&pairs)));
                pairs
            }
        };
        let from = pairs.partition_point(|(k, _)| k.as_str() < key);
        Ok(pairs[from..]
            .iter()
            .take_while(|(k, _)| k == key)
            .map(|(_, w)| w.clone())
            .collect())
    }

    fn retain_present(&self, words: &mut Vec<String>) -> Result<(), QueryError> {
        let field = self.index.fields.text;
        let mut dictionaries = Vec::new();
        for segment in self.searcher.segment_readers() {
            dictionaries.push(segment.inverted_index(field).or_else(|e| self.fail(e))?);
        }
        let mut failed = None;
        words.retain(|w| {
            dictionaries
                .iter()
                .any(|d| match d.terms().get(w.as_bytes()) {
                    Ok(found) => found.is_some(),
                    Err(e) => {
                        failed.get_or_insert(e);
                        false
                    }
                })
        });
        match failed {
            Some(e) => self.fail(e),
            None => Ok(()),
        }
    }

    fn check(&self, kind: NameKind, value: &str) -> Result<(), QueryError> {
        let f = &self.index.fields;
        let fixed = |names: &[&str]| -> Vec<Name> {
            names
                .iter()
                .map(|n| Name {
                    id: n.to_string(),
                    label: None,
                })
                .collect()
        };
        let known: Vec<Name> = match kind {
            NameKind::Role => fixed(&["respondent", "interviewer"]),
            NameKind::Polarity => fixed(&["positive", "negative", "neutral", "mixed"]),
            NameKind::Source => fixed(&["keyword", "context", "human"]),
            NameKind::Code | NameKind::Level | NameKind::Doc => {
                let field = match kind {
                    NameKind::Code => f.code,
                    NameKind::Level => f.level,
                    _ => f.doc,
                };
                if self.has_term(field, value)? {
                    return Ok(());
                }
                let mut known = match kind {
                    NameKind::Code => self.codebook()?.0,
                    NameKind::Level => self.codebook()?.1,
                    _ => Vec::new(),
                };
                // Names coded in the index that the codebook no longer has (until retag).
                for t in self.live_terms(field, "", false)? {
                    if !known.iter().any(|k| k.id == t) {
                        known.push(Name { id: t, label: None });
                    }
                }
                known
            }
            _ => return Ok(()),
        };
        if known.iter().any(|k| k.id == value) {
            return Ok(());
        }
        Err(QueryError::Unknown(Unknown::new(kind, value, &known)))
    }
}

/// The metadata keys `--facets` counts.
pub const FACET_KEYS: [&str; 2] = ["division", "wave"];

impl CitataIndex {
    /// Runs a search.
    ///
    /// # Errors
    /// A query that cannot be read (the message says where), a code, level, role, polarity,
    /// transcript or metadata key the index does not know ([`super::IndexError::Query`], with
    /// the nearest names), or an index that cannot be read.
    pub fn search(&self, q: &SearchQuery) -> crate::Result<SearchResult> {
        self.check_layout()?;
        let searcher = self.searcher()?;
        let f = &self.fields;
        let mut analyzer = Analyzer::new();
        let lookup = Lookup {
            index: self,
            searcher: &searcher,
        };
        let parsed =
            query::parse(&q.text, f, &mut analyzer, &lookup).map_err(|e| err(e, &self.dir))?;
        // The filters name codes, a level, a role, a polarity and metadata keys the index
        // knows: a misspelt one is an error with the nearest names, not an empty result.
        let checked =
            |kind: NameKind, v: &str| lookup.check(kind, v).map_err(|e| err(e, &self.dir));
        for c in &q.codes {
            checked(NameKind::Code, c)?;
        }
        for (kind, v) in [
            (NameKind::Level, &q.level),
            (NameKind::Role, &q.role),
            (NameKind::Polarity, &q.polarity),
            (NameKind::Source, &q.source),
        ] {
            if let Some(v) = v {
                checked(kind, v)?;
            }
        }
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, parsed.query),
            (Occur::MustNot, term(f.kind, TRANSCRIPT)),
        ];
        if !q.codes.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = q
                .codes
                .iter()
                .map(|c| (Occur::Should, term(f.code, c)))
                .collect();
            parts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(l) = &q.level {
            parts.push((Occur::Must, term(f.level, l)));
        }
        if let Some(r) = &q.role {
            parts.push((Occur::Must, term(f.role, r)));
        }
        if let Some(p) = &q.polarity {
            parts.push((Occur::Must, term(f.polarity, p)));
        }
        if q.wish {
            parts.push((Occur::Must, term(f.wish, "true")));
        }
        if let Some(s) = &q.source {
            parts.push((Occur::Must, term(f.code_source, s)));
        }
        for (k, v) in &q.filters {
            parts.push((
                Occur::Must,
                lookup.meta(k, v, false).map_err(|e| err(e, &self.dir))?,
            ));
        }
        let query = BooleanQuery::new(parts);
        let levels = if q.facets {
            self.levels(&searcher)?
        } else {
            BTreeSet::new()
        };
        let facets = if q.facets {
            let mut c = FacetCollector::for_field("facet");
            // One facet per level and per key: a facet and its ancestor in the same
            // collector make tantivy panic.
            for level in &levels {
                c.add_facet(Facet::from_path(["code", level.as_str()]));
            }
            for key in FACET_KEYS {
                c.add_facet(Facet::from_path(["meta", key]));
            }
            Some(c)
        } else {
            None
        };
        let (total, counts) = searcher
            .search(&query, &(Count, facets))
            .map_err(|e| err(e, &self.dir))?;
        // Respondents' passages rank before the interviewer's: the researcher looks for what
        // the client said, and a question repeats the query's words more often than the answer
        // does. Within each tier the order is tantivy's score (BM25). A role filter makes one
        // tier of it.
        let mut top: Vec<(f32, tantivy::DocAddress)> = Vec::new();
        if q.limit > 0 {
            let tiers: Vec<Box<dyn Query>> = if q.role.is_some() {
                vec![Box::new(query.clone())]
            } else {
                [Occur::Must, Occur::MustNot]
                    .into_iter()
                    .map(|occur| -> Box<dyn Query> {
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, Box::new(query.clone()) as Box<dyn Query>),
                            (occur, term(f.role, crate::model::Role::Respondent.as_str())),
                        ]))
                    })
                    .collect()
            };
            for tier in tiers {
                let room = q.limit - top.len();
                if room == 0 {
                    break;
                }
                let found = searcher
                    .search(&tier, &TopDocs::with_limit(room).order_by_score())
                    .map_err(|e| err(e, &self.dir))?;
                top.extend(found);
            }
        }
        let mut hits = Vec::new();
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr).map_err(|e| err(e, &self.dir))?;
            hits.push(self.hit(&d, score, &parsed.highlighter, &mut analyzer));
        }
        let facets = counts.map(|counts| {
            let mut codes = Vec::new();
            let mut meta = Vec::new();
            for level in &levels {
                collect(&counts, &["code", level.as_str()], &mut codes);
            }
            for key in FACET_KEYS {
                collect(&counts, &["meta", key], &mut meta);
            }
            codes.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            meta.sort_by(|a, b| {
                (a.group.as_str(), std::cmp::Reverse(a.count), &a.value).cmp(&(
                    b.group.as_str(),
                    std::cmp::Reverse(b.count),
                    &b.value,
                ))
            });
            Facets { codes, meta }
        });
        Ok(SearchResult {
            hits,
            total,
            facets,
        })
    }

    fn hit(
        &self,
        d: &TantivyDocument,
        score: f32,
        highlighter: &Highlighter,
        analyzer: &mut Analyzer,
    ) -> Hit {
        let f = &self.fields;
        let s = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let n = |field: Field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        let text = s(f.body);
        let matches = highlighter.spans(analyzer, &text);
        let polarity = s(f.polarity);
        Hit {
            doc: s(f.doc),
            turn: n(f.turn),
            start: n(f.start),
            end: n(f.end),
            speaker: s(f.speaker),
            role: s(f.role),
            score,
            codes: d
                .get_all(f.code)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            polarity: (!polarity.is_empty()).then_some(polarity),
            matches,
            text,
        }
    }

    /// The level ids that occur in the index (from the `level` field's terms).
    fn levels(&self, searcher: &tantivy::Searcher) -> crate::Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inv = seg
                .inverted_index(self.fields.level)
                .map_err(|e| err(e, &self.dir))?;
            let mut terms = inv.terms().stream().map_err(|e| err(e, &self.dir))?;
            while terms.advance() {
                out.insert(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        Ok(out)
    }
}

fn collect(counts: &tantivy::collector::FacetCounts, path: &[&str], out: &mut Vec<FacetCount>) {
    let parent = Facet::from_path(path.iter().copied());
    for (facet, count) in counts.get(parent) {
        if count == 0 {
            continue;
        }
        let p = facet.to_path();
        if let Some(value) = p.last() {
            out.push(FacetCount {
                group: path.last().copied().unwrap_or_default().to_string(),
                value: (*value).to_string(),
                count,
            });
        }
    }
}

/// A hit as `citata search --format ndjson` and the web app's JSON give it: offsets in code
/// points, a snippet of about `width` characters each side of the first match.
#[derive(Serialize)]
pub struct HitRecord<'a> {
    r#type: &'static str,
    doc: &'a str,
    turn: usize,
    start: usize,
    end: usize,
    speaker: &'a str,
    role: &'a str,
    text: &'a str,
    snippet: String,
    snippet_matches: Vec<(usize, usize)>,
    matches: Vec<(usize, usize)>,
    score: f32,
    codes: &'a [String],
    polarity: Option<&'a str>,
}

impl<'a> HitRecord<'a> {
    /// The record of a hit.
    pub fn new(h: &'a Hit, width: usize) -> Self {
        let chars = CharIndex::new(&h.text);
        let (snippet, snippet_matches) = kwic::snippet(&h.text, &h.matches, width);
        HitRecord {
            r#type: "hit",
            doc: &h.doc,
            turn: h.turn,
            start: h.start,
            end: h.end,
            speaker: &h.speaker,
            role: &h.role,
            text: &h.text,
            snippet,
            snippet_matches,
            matches: h
                .matches
                .iter()
                .map(|s| {
                    (
                        h.start + chars.char_offset(s.start),
                        h.start + chars.char_offset(s.end),
                    )
                })
                .collect(),
            score: h.score,
            codes: &h.codes,
            polarity: h.polarity.as_deref(),
        }
    }
}

/// Facet counts as the JSON outputs give them.
#[derive(Serialize)]
pub struct FacetsRecord<'a> {
    r#type: &'static str,
    total: usize,
    codes: Vec<CountRecord<'a>>,
    meta: Vec<CountRecord<'a>>,
}

#[derive(Serialize)]
struct CountRecord<'a> {
    group: &'a str,
    value: &'a str,
    count: u64,
}

impl<'a> FacetsRecord<'a> {
    /// The record of facet counts over `total` passages.
    pub fn new(f: &'a Facets, total: usize) -> Self {
        let list = |v: &'a [FacetCount]| {
            v.iter()
                .map(|c| CountRecord {
                    group: &c.group,
                    value: &c.value,
                    count: c.count,
                })
                .collect()
        };
        FacetsRecord {
            r#type: "facets",
            total,
            codes: list(&f.codes),
            meta: list(&f.meta),
        }
    }
}
/// What [`Lookup::each_term`] calls for a term: (segment, its inverted index, the term,
/// its postings info) → whether to go on.
type EachTerm<'a> = dyn FnMut(
        &tantivy::SegmentReader,
        &tantivy::InvertedIndexReader,
        &[u8],
        &tantivy::postings::TermInfo,
    ) -> Result<bool, QueryError>
    + 'a;

/// The words of a term dictionary that may be forms paradigms miss: at most six bytes long
/// (three Cyrillic letters), or beginning with «по» (`paradigms_may_miss`'s comparatives).
/// State: (bytes read, whether they are all a prefix of «по» so far or begin with it).
#[derive(Clone)]
struct MayMiss;

/// «по» in UTF-8.
const PO: [u8; 4] = [0xD0, 0xBF, 0xD0, 0xBE];

impl Automaton for MayMiss {
    type State = (u8, bool);

    fn start(&self) -> (u8, bool) {
        (0, true)
    }

    fn is_match(&self, state: &(u8, bool)) -> bool {
        self.can_match(state)
    }

    fn can_match(&self, &(len, po): &(u8, bool)) -> bool {
        len <= 6 || po
    }

    fn accept(&self, &(len, po): &(u8, bool), byte: u8) -> (u8, bool) {
        let at = usize::from(len);
        (
            len.saturating_add(1),
            po && (at >= PO.len() || PO[at] == byte),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::MayMiss;
    use crate::text::{Analyzer, indexed_as_form, paradigms_may_miss};
    use tantivy_fst::Automaton;

    /// Whether the walk reaches `word` and takes it.
    fn walked(word: &str) -> bool {
        let mut state = MayMiss.start();
        for &b in word.as_bytes() {
            if !MayMiss.can_match(&state) {
                return false;
            }
            state = MayMiss.accept(&state, b);
        }
        MayMiss.is_match(&state)
    }

    #[test]
    fn the_walk_takes_short_words_and_those_beginning_with_po() {
        for w in [
            "в",
            "г",
            "век",
            "пол",
            "подавнее",
            "поменьше",
            "побыстрей",
            "по-моему",
        ] {
            assert!(walked(w), "{w}");
        }
        for w in [
            "оплата",
            "давнее",
            "пример",
            "попа",
            "плата",
            "опоздание",
            "попозже",
        ] {
            assert_eq!(walked(w), w.len() <= 6 || w.starts_with("по"), "{w}");
        }
        assert!(!walked("оплата") && !walked("пример") && walked("попозже"));
    }

    /// The walk leaves out forms with letters other than а–я longer than three letters:
    /// they must be found by their key as a prefix (`Vocabulary::words`), as they are when
    /// the dictionary does not know them and their key is their stem.
    #[test]
    fn keys_of_forms_the_dictionary_does_not_know_are_their_prefixes() {
        let mut analyzer = Analyzer::new();
        for w in [
            "міръ",
            "ѣсть",
            "їжак",
            "ўсходзе",
            "свѣтъ",
            "вѣрою",
            "пѣснями",
            "объясненіе",
            "дѣвушкамъ",
            "украïнська",
        ] {
            let tokens = analyzer.tokens(w);
            let [t] = tokens.as_slice() else {
                panic!("{w}: one token, got {}", tokens.len());
            };
            let norm = analyzer.norm(t.form).to_string();
            // Indexed as itself; the walk leaves it out when it is long (a mixed word such
            // as «украïнська» is not Cyrillic, paradigms are not asked about it at all).
            assert!(indexed_as_form(&norm) && !walked(&norm), "{w}");
            assert_eq!(paradigms_may_miss(&norm), w != "украïнська", "{w}");
            let key = analyzer.info(t).key();
            assert!(
                !key.is_empty() && norm.starts_with(key),
                "{w}: key {key} is not a prefix of {norm}"
            );
        }
    }
}
