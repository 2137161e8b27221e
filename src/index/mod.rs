//! The search index (tantivy): one document per sentence with its codings and metadata,
//! updated incrementally, searched by words (every inflection, through the shared analyzer),
//! codes, roles and metadata.
//!
//! citata registers its own analyzer as the tantivy tokenizer `citata` (after every open:
//! tokenizers are not persisted): a word is indexed as its first dictionary lemma, or its
//! Snowball stem when the dictionary does not know it — the same keys the codebook matches
//! by — so "оплата" finds "оплаты", "оплатой", "оплатами".

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{DocSet, Index, IndexReader, IndexWriter, TantivyDocument, Term};

use crate::model::{CharIndex, Transcript};
use crate::tag::{Coding, Source};
use crate::text::Analyzer;

/// The name citata's analyzer is registered under.
pub const TOKENIZER: &str = "citata";

/// The default index folder, under the current directory.
pub const DEFAULT_DIR: &str = ".citata/index";

/// citata's analyzer as a tantivy tokenizer.
#[derive(Default)]
pub struct CitataTokenizer {
    analyzer: Analyzer,
    tokens: Vec<Token>,
}

impl Clone for CitataTokenizer {
    fn clone(&self) -> Self {
        CitataTokenizer::default()
    }
}

/// The tokens of one text, handed out one by one.
pub struct CitataTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for CitataTokenizer {
    type TokenStream<'a> = CitataTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CitataTokenStream<'a> {
        self.tokens.clear();
        for (position, t) in self.analyzer.tokens(text).into_iter().enumerate() {
            let info = self.analyzer.info(&t);
            self.tokens.push(Token {
                offset_from: t.span.start,
                offset_to: t.span.end,
                position,
                text: index_key(info),
                position_length: 1,
            });
        }
        CitataTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

/// The key a word is indexed and searched by: its first lemma, else its stem.
pub fn index_key(info: &crate::text::FormInfo) -> String {
    info.lemmas.first().unwrap_or(&info.stem).clone()
}

impl TokenStream for CitataTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The fields of the index.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Document id (the transcript's `doc`).
    pub doc: Field,
    /// Content hash of the file the transcript came from.
    pub hash: Field,
    /// Turn index.
    pub turn: Field,
    /// Code point offsets of the sentence.
    pub start: Field,
    /// End offset.
    pub end: Field,
    /// The sentence, analyzed by citata's tokenizer, with positions.
    pub text: Field,
    /// The speaker's label.
    pub speaker: Field,
    /// `interviewer` or `respondent`.
    pub role: Field,
    /// Parameter ids the sentence is coded for.
    pub code: Field,
    /// `param:keyword` / `param:context`.
    pub code_source: Field,
    /// Level ids of the codes.
    pub level: Field,
    /// The sentence's polarity.
    pub polarity: Field,
    /// `true` when the sentence voices a wish.
    pub wish: Field,
    /// Metadata as `key=value` terms.
    pub meta: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let num = NumericOptions::default().set_stored();
    let fields = Fields {
        doc: b.add_text_field("doc", STRING | STORED),
        hash: b.add_text_field("hash", STRING | STORED),
        turn: b.add_u64_field("turn", num.clone()),
        start: b.add_u64_field("start", num.clone()),
        end: b.add_u64_field("end", num),
        text: b.add_text_field("text", text),
        speaker: b.add_text_field("speaker", STORED),
        role: b.add_text_field("role", STRING | STORED),
        code: b.add_text_field("code", STRING | STORED),
        code_source: b.add_text_field("code_source", STRING),
        level: b.add_text_field("level", STRING),
        polarity: b.add_text_field("polarity", STRING | STORED),
        wish: b.add_text_field("wish", STRING),
        meta: b.add_text_field("meta", STRING | STORED),
    };
    (b.build(), fields)
}

/// An open index.
pub struct CitataIndex {
    index: Index,
    reader: IndexReader,
    /// Its fields.
    pub fields: Fields,
    /// Where it is.
    pub dir: PathBuf,
}

fn err(e: impl std::fmt::Display, dir: &Path) -> crate::Error {
    crate::Error::BadInput {
        path: dir.to_path_buf(),
        reason: format!("index: {e}"),
    }
}

impl CitataIndex {
    /// Opens the index in `dir`, creating it when there is none.
    ///
    /// # Errors
    /// When the folder cannot be created or holds something that is not a citata index.
    pub fn open_or_create(dir: &Path) -> crate::Result<CitataIndex> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|e| crate::Error::Io {
            path: dir.to_path_buf(),
            cause: e,
        })?;
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| err(e, dir))?;
        let index = Index::open_or_create(mmap, schema).map_err(|e| err(e, dir))?;
        index
            .tokenizers()
            .register(TOKENIZER, CitataTokenizer::default());
        let reader = index.reader().map_err(|e| err(e, dir))?;
        Ok(CitataIndex {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
        })
    }

    /// A writer; only one process may hold one.
    ///
    /// # Errors
    /// "index is locked by another process" when another writer runs.
    pub fn writer(&self) -> crate::Result<IndexWriter> {
        self.index
            .writer(100_000_000)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => err(
                    "the index is locked by another process (another `citata index` is writing); wait for it to finish",
                    &self.dir,
                ),
                other => err(other, &self.dir),
            })
    }

    /// The hash stored for a document, if it is indexed.
    pub fn stored_hash(&self, doc: &str) -> Option<String> {
        self.reader.reload().ok()?;
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.doc, doc),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .ok()?;
        let (_, addr) = top.first()?;
        let d: TantivyDocument = searcher.doc(*addr).ok()?;
        d.get_first(self.fields.hash)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    /// Adds (or replaces) one tagged transcript: one document per sentence.
    ///
    /// # Errors
    /// When tantivy refuses the documents.
    pub fn add(
        &self,
        writer: &IndexWriter,
        t: &Transcript,
        codings: &[Coding],
        hash: &str,
        cb: &crate::codebook::Codebook,
    ) -> crate::Result<()> {
        let f = &self.fields;
        writer.delete_term(Term::from_field_text(f.doc, &t.doc));
        let ix = CharIndex::new(&t.text);
        let mut c = 0;
        for (si, s) in t.sentences.iter().enumerate() {
            if s.non_speech {
                continue;
            }
            let mut d = TantivyDocument::default();
            let speaker = t.turn_speaker(&t.turns[s.turn]);
            d.add_text(f.doc, &t.doc);
            d.add_text(f.hash, hash);
            d.add_u64(f.turn, s.turn as u64);
            d.add_u64(f.start, ix.char_offset(s.span.start) as u64);
            d.add_u64(f.end, ix.char_offset(s.span.end) as u64);
            d.add_text(f.text, t.slice(s.span));
            d.add_text(f.speaker, &speaker.label);
            d.add_text(f.role, speaker.role.as_str());
            for (k, v) in &t.meta {
                d.add_text(f.meta, format!("{k}={v}"));
            }
            while c < codings.len() && codings[c].sentence < si {
                c += 1;
            }
            let mut polarity = None;
            while c < codings.len() && codings[c].sentence == si {
                let x = &codings[c];
                polarity = Some(x.polarity);
                if x.wish {
                    d.add_text(f.wish, "true");
                }
                if let Some(p) = x.param.filter(|p| *p < cb.parameters.len()) {
                    let param = &cb.parameters[p];
                    d.add_text(f.code, &param.id);
                    d.add_text(f.level, &cb.levels[param.level].id);
                    let source = if x.source == Source::Keyword {
                        "keyword"
                    } else {
                        "context"
                    };
                    d.add_text(f.code_source, format!("{}:{source}", param.id));
                }
                c += 1;
            }
            if let Some(p) = polarity {
                d.add_text(f.polarity, p.as_str());
            }
            writer.add_document(d).map_err(|e| err(e, &self.dir))?;
        }
        Ok(())
    }

    /// Removes a document.
    pub fn remove(&self, writer: &IndexWriter, doc: &str) {
        writer.delete_term(Term::from_field_text(self.fields.doc, doc));
    }

    /// Runs a search.
    ///
    /// # Errors
    /// A query the parser cannot read (the message says where).
    pub fn search(&self, q: &SearchQuery) -> crate::Result<Vec<Hit>> {
        self.reader.reload().map_err(|e| err(e, &self.dir))?;
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if q.text.trim().is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        } else {
            let mut parser = QueryParser::for_index(&self.index, vec![f.text]);
            parser.set_conjunction_by_default();
            let parsed = parser.parse_query(&q.text).map_err(|e| {
                err(
                    format!("cannot read the query `{}`: {e}", q.text),
                    &self.dir,
                )
            })?;
            parts.push((Occur::Must, parsed));
        }
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
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
        for w in &q.filters {
            parts.push((Occur::Must, term(f.meta, w)));
        }
        let query = BooleanQuery::new(parts);
        let top = searcher
            .search(&query, &TopDocs::with_limit(q.limit).order_by_score())
            .map_err(|e| err(e, &self.dir))?;
        let mut hits = Vec::new();
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr).map_err(|e| err(e, &self.dir))?;
            let s = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let n =
                |field: Field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
            hits.push(Hit {
                doc: s(f.doc),
                turn: n(f.turn),
                start: n(f.start),
                end: n(f.end),
                text: s(f.text),
                speaker: s(f.speaker),
                role: s(f.role),
                score,
                codes: d
                    .get_all(f.code)
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            });
        }
        Ok(hits)
    }

    /// Documents (sentences) in the index, and distinct transcripts.
    pub fn stats(&self) -> crate::Result<(u64, usize)> {
        self.reader.reload().map_err(|e| err(e, &self.dir))?;
        let searcher = self.reader.searcher();
        let mut docs = std::collections::BTreeSet::new();
        // Transcripts with at least one live sentence (deleted ones keep their terms until
        // segments merge).
        for seg in searcher.segment_readers() {
            let inv = seg
                .inverted_index(self.fields.doc)
                .map_err(|e| err(e, &self.dir))?;
            let alive = seg.alive_bitset();
            let mut terms = inv.terms().stream().map_err(|e| err(e, &self.dir))?;
            while terms.advance() {
                let mut postings = inv
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(|e| err(e, &self.dir))?;
                let mut d = postings.doc();
                while d != tantivy::TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(d)) {
                        docs.insert(terms.key().to_vec());
                        break;
                    }
                    d = postings.advance();
                }
            }
        }
        Ok((searcher.num_docs(), docs.len()))
    }
}

/// A search request.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Words, "phrases", AND/OR/NOT, `code:ID`.
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
    /// `key=value` metadata filters (all must hold).
    pub filters: Vec<String>,
    /// Most hits.
    pub limit: usize,
}

/// One hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Document id.
    pub doc: String,
    /// Turn.
    pub turn: usize,
    /// Start, code points.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The sentence.
    pub text: String,
    /// The speaker's label.
    pub speaker: String,
    /// The role.
    pub role: String,
    /// tantivy's score.
    pub score: f32,
    /// Parameter ids.
    pub codes: Vec<String>,
}

/// A stable content hash (FNV-1a, 64 bits) of a file's bytes, for change detection.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
