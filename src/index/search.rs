//! Running a search: the user's query and the command-line filters, the top hits with their
//! matched words, the total, and facet counts per code, division and wave.

use std::collections::BTreeSet;

use tantivy::DocSet;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use serde::Serialize;

use super::kwic;
use super::query::{self, Highlighter};
use super::{CitataIndex, TRANSCRIPT, err};
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

impl CitataIndex {
    /// The sentences of the live transcripts whose metadata holds `term` ([`query::meta_term`]):
    /// their doc ids, read off the transcript documents' `meta` terms (a range of the term
    /// dictionary; a term of a deleted document is skipped).
    fn meta_query(
        &self,
        searcher: &tantivy::Searcher,
        term: &str,
    ) -> crate::Result<Box<dyn Query>> {
        let prefix = format!("{term}{}", super::META_SEP);
        let mut docs = BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment
                .inverted_index(self.fields.meta)
                .map_err(|e| err(e, &self.dir))?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(|e| err(e, &self.dir))?;
            while stream.advance() {
                let Some(doc) = stream.key().strip_prefix(prefix.as_bytes()) else {
                    break;
                };
                let mut postings = inverted
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                    .map_err(|e| err(e, &self.dir))?;
                let mut live = false;
                while postings.doc() != tantivy::TERMINATED {
                    live |= !segment.is_deleted(postings.doc());
                    postings.advance();
                }
                if live {
                    docs.insert(String::from_utf8_lossy(doc).into_owned());
                }
            }
        }
        Ok(Box::new(TermSetQuery::new(
            docs.iter()
                .map(|d| Term::from_field_text(self.fields.doc, d)),
        )))
    }
}

/// The metadata keys `--facets` counts.
pub const FACET_KEYS: [&str; 2] = ["division", "wave"];

impl CitataIndex {
    /// Runs a search.
    ///
    /// # Errors
    /// A query that cannot be read (the message says where), or an index that cannot be read.
    pub fn search(&self, q: &SearchQuery) -> crate::Result<SearchResult> {
        self.check_layout()?;
        let searcher = self.searcher()?;
        let f = &self.fields;
        let mut analyzer = Analyzer::new();
        let meta = |t: &str| self.meta_query(&searcher, t).map_err(|e| e.to_string());
        let parsed =
            query::parse(&q.text, f, &mut analyzer, &meta).map_err(|e| err(e, &self.dir))?;
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
        for (k, v) in &q.filters {
            parts.push((
                Occur::Must,
                self.meta_query(&searcher, &query::meta_term(k, v))?,
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
