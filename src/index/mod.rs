//! The search index (tantivy): one document per sentence with its codings and metadata,
//! updated incrementally, searched by words (every inflection, through the shared analyzer),
//! codes, roles and metadata.
//!
//! citata registers its own analyzer as the tantivy tokenizer `citata` (after every open:
//! tokenizers are not persisted): a word is indexed as its first dictionary lemma, or its
//! Snowball stem when the dictionary does not know it — the same keys the codebook matches
//! by — so "оплата" finds "оплаты", "оплатой", "оплатами".
//!
//! Beside the sentences, each transcript has one document holding its canonical form (JSON),
//! so `citata index retag` can code everything again after a codebook change without the
//! original files; the codebook the index was coded with is kept in the commit payload.

mod directory;
mod document;
mod error;
pub mod kwic;
mod payload;
pub mod query;
mod schema;
mod search;
mod stored;
mod tokenizer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::indexer::UserOperation;
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, TantivyDocument, Term};

pub use directory::{FAILPOINT_ENV, FAILPOINTS};
pub use document::IndexDoc;
use document::{Pushed, Sheet};
pub use error::IndexError;
pub use payload::IndexCodebook;
use payload::{Payload, read_payload};
pub use schema::Fields;
use schema::schema;
pub use search::{FacetCount, Facets, FacetsRecord, Hit, HitRecord, SearchQuery, SearchResult};
pub use stored::StoredTranscript;
use stored::between_sentences;
pub use tokenizer::{CitataTokenStream, CitataTokenizer, sentence_keys};

use crate::codebook::Codebook;
use crate::model::{CharIndex, Role, Transcript};
use crate::tag::{Coding, SentenceKeys, Source};
use crate::text::Analyzer;

/// The name citata's analyzer is registered under (for raw text).
pub const TOKENIZER: &str = "citata";

/// The tokenizer of the `text` field: the keys [`Tagger::tag`](crate::tag::Tagger::tag)
/// recorded while analyzing the sentence, split on spaces (the text is analyzed once).
pub const KEYS_TOKENIZER: &str = "citata_keys";

/// The index's writer: it takes citata's documents ([`IndexDoc`]).
pub type Writer = IndexWriter<IndexDoc>;

/// The default index folder, under the current directory.
pub const DEFAULT_DIR: &str = ".citata/index";

/// Sentences sent to tantivy at a time.
const BATCH: usize = 4;

/// The `kind` of the one document per transcript that holds its canonical form.
const TRANSCRIPT: &str = "transcript";

/// A tagged transcript on its way into the index.
pub struct Tagged<'a> {
    /// The transcript.
    pub transcript: Transcript,
    /// Its codings ([`crate::tag::Tagger::tag`]).
    pub codings: &'a [Coding],
    /// The index keys of its sentences as tagging recorded them
    /// ([`crate::tag::TagState::keys`]).
    pub keys: &'a SentenceKeys,
    /// The content hash of its file ([`content_hash`]).
    pub hash: &'a str,
    /// The path it was added from.
    pub path: &'a str,
}

/// One transcript ready to go into the index: its documents, built (and analyzed) by a
/// worker thread.
pub struct Prepared {
    /// The transcript's id.
    pub doc: String,
    sheet: Sheet,
}

impl Prepared {
    /// Sentence documents (the transcript's own document not counted).
    pub fn sentences(&self) -> usize {
        self.sheet.len().saturating_sub(1)
    }
}

/// An open index.
pub struct CitataIndex {
    index: Index,
    reader: IndexReader,
    /// Its fields.
    pub fields: Fields,
    /// Where it is.
    pub dir: PathBuf,
    /// The document layout of its last commit (read at open, [`LAYOUT`] after a commit).
    layout: std::sync::atomic::AtomicU32,
    /// Set when a write of the index failed for want of space.
    disk_full: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The words of the index that paradigms may miss, with their keys, sorted by key, for
    /// the searcher generation they were read from (see [`search`]'s `Lookup::aliases`).
    may_miss: std::sync::Mutex<Option<(u64, Aliases)>>,
}

/// (key, word) pairs, sorted.
pub(crate) type Aliases = std::sync::Arc<Vec<(String, String)>>;

/// An error met in the index in `dir`, as the [`IndexError`] of its kind.
fn err(e: impl error::IntoIndexError, dir: &Path) -> crate::Error {
    e.in_index(dir)
}

/// The layout of the documents this version writes. 2: metadata on the transcript documents
/// (`key=value` + [`META_SEP`] + doc id), on sentences only the facets `--facets` counts.
/// 3: words in Russian letters indexed as their normalized forms, not their keys
/// ([`crate::text::Analyzer::index_term`]; queries expand a word into its forms).
const LAYOUT: u32 = 3;

/// Between a metadata term and the doc id in the transcript documents' `meta` terms.
pub(crate) const META_SEP: char = '\u{1f}';

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
        let watched = directory::WatchedDirectory::open(dir).map_err(|e| err(e, dir))?;
        let disk_full = watched.disk_full();
        let index =
            Index::open_or_create(watched, schema).map_err(|cause| IndexError::Corrupt {
                dir: dir.to_path_buf(),
                cause,
            })?;
        index
            .tokenizers()
            .register(TOKENIZER, CitataTokenizer::default());
        index.tokenizers().register(
            KEYS_TOKENIZER,
            tantivy::tokenizer::WhitespaceTokenizer::default(),
        );
        let reader = index.reader().map_err(|e| err(e, dir))?;
        let layout = read_payload(&index, dir)?.map_or(LAYOUT, |p| p.layout);
        Ok(CitataIndex {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
            layout: layout.into(),
            disk_full,
            may_miss: std::sync::Mutex::default(),
        })
    }

    /// An error of a write to the index: when a write ran out of space, says so (tantivy's
    /// own message is then about a killed index writer).
    fn write_err(&self, e: tantivy::TantivyError) -> crate::Error {
        // tantivy's own words ("an index writer was killed") say nothing of the disk.
        if self.disk_full.load(std::sync::atomic::Ordering::Relaxed) {
            IndexError::DiskFull {
                dir: self.dir.clone(),
            }
            .into()
        } else {
            err(e, &self.dir)
        }
    }

    /// A writer; only one process may hold one. A process killed in the middle of a commit
    /// leaves files the last commit does not reference: they are removed first (see
    /// `directory::recover`), so the writer starts from the last commit as it was.
    ///
    /// # Errors
    /// "index is locked by another process" when another writer runs.
    pub fn writer(&self) -> crate::Result<Writer> {
        let writer = self.index.writer(100_000_000).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => IndexError::Locked {
                dir: self.dir.clone(),
            }
            .into(),
            other => self.write_err(other),
        })?;
        directory::recover(&self.dir, &writer).map_err(|e| self.write_err(e))?;
        Ok(writer)
    }

    /// Commits what the writer holds, with the codebook in the payload. Until this returns,
    /// readers (and a process that opens the index after a crash) see the previous commit.
    ///
    /// # Errors
    /// When tantivy cannot write the commit.
    pub fn commit(&self, writer: &mut Writer, codebook: &IndexCodebook) -> crate::Result<()> {
        let payload = serde_json::to_string(&Payload {
            codebook: codebook.clone(),
            layout: LAYOUT,
        })
        .map_err(|e| err(std::io::Error::from(e), &self.dir))?;
        let mut prepared = writer.prepare_commit().map_err(|e| self.write_err(e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| self.write_err(e))?;
        self.layout
            .store(LAYOUT, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Refuses an index whose documents an older citata laid out (searching it would give
    /// wrong answers); `citata index retag` lays them out again from the stored transcripts.
    /// The layout is read once, at open.
    ///
    /// # Errors
    /// For such an index, saying what to run; when the index metadata cannot be read.
    pub fn check_layout(&self) -> crate::Result<()> {
        let layout = self.layout.load(std::sync::atomic::Ordering::Relaxed);
        if layout < LAYOUT {
            return Err(IndexError::OldLayout {
                dir: self.dir.clone(),
                layout,
                now: LAYOUT,
            }
            .into());
        }
        Ok(())
    }

    /// The codebook of the last commit, if any.
    ///
    /// # Errors
    /// When the index metadata cannot be read.
    pub fn codebook(&self) -> crate::Result<Option<IndexCodebook>> {
        Ok(read_payload(&self.index, &self.dir)?.map(|p| p.codebook))
    }

    /// The codebook the index was coded with, else (an index with none yet) the embedded
    /// default.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub fn own_codebook(&self) -> crate::Result<IndexCodebook> {
        match self.codebook()? {
            Some(c) => Ok(c),
            None => IndexCodebook::read(None),
        }
    }

    /// The codebook to add transcripts with: the one asked for, else the index's own, else
    /// the embedded default.
    ///
    /// # Errors
    /// When the one asked for differs from the one the index was coded with (and the index
    /// is not empty): coding some transcripts with one codebook and some with another would
    /// make searches by code meaningless; the message says to run `citata index retag`.
    pub fn codebook_for_add(&self, asked: Option<&Path>) -> crate::Result<IndexCodebook> {
        self.check_layout()?;
        let stored = self.codebook()?;
        match (asked, stored) {
            (None, Some(s)) => Ok(s),
            (None, None) => IndexCodebook::read(None),
            (Some(p), stored) => {
                let wanted = IndexCodebook::read(Some(p))?;
                match stored {
                    Some(s) if s.toml != wanted.toml && self.transcript_count()? > 0 => {
                        Err(IndexError::OtherCodebook {
                            dir: self.dir.clone(),
                            stored: s.name,
                            asked: p.display().to_string(),
                        }
                        .into())
                    }
                    _ => Ok(wanted),
                }
            }
        }
    }

    /// The transcripts in the index: id → content hash.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub fn hashes(&self) -> crate::Result<HashMap<String, String>> {
        let searcher = self.searcher()?;
        let f = &self.fields;
        let mut out = HashMap::new();
        for addr in self.transcript_docs(&searcher)? {
            let d: TantivyDocument = searcher.doc(addr).map_err(|e| err(e, &self.dir))?;
            let s = |field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            out.insert(s(f.doc), s(f.hash));
        }
        Ok(out)
    }

    /// The query matching the transcript documents (not the sentences).
    fn transcripts_query(&self) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.kind, TRANSCRIPT),
            IndexRecordOption::Basic,
        )
    }

    /// The addresses of the live transcript documents, in index order.
    fn transcript_docs(&self, searcher: &tantivy::Searcher) -> crate::Result<Vec<DocAddress>> {
        let mut docs: Vec<DocAddress> = searcher
            .search(&self.transcripts_query(), &DocSetCollector)
            .map_err(|e| err(e, &self.dir))?
            .into_iter()
            .collect();
        docs.sort();
        Ok(docs)
    }

    fn transcript_count(&self) -> crate::Result<usize> {
        self.searcher()?
            .search(&self.transcripts_query(), &Count)
            .map_err(|e| err(e, &self.dir))
    }

    /// Every transcript stored in the index (for `retag` and the quote board), each read on
    /// demand with [`StoredTranscript::load`].
    ///
    /// # Errors
    /// When the index cannot be searched.
    pub fn stored_transcripts(&self) -> crate::Result<Vec<StoredTranscript>> {
        let searcher = self.searcher()?;
        Ok(self
            .transcript_docs(&searcher)?
            .into_iter()
            .map(|address| StoredTranscript {
                searcher: searcher.clone(),
                address,
            })
            .collect())
    }

    /// The searcher of the last commit seen: the one at open, then each new commit shortly
    /// after it is made (tantivy watches the index; see [`CitataIndex::reload`]).
    fn searcher(&self) -> crate::Result<tantivy::Searcher> {
        Ok(self.reader.searcher())
    }

    /// Sees the last commit now (a commit made by this process, for instance).
    ///
    /// # Errors
    /// When the index cannot be read.
    pub fn reload(&self) -> crate::Result<()> {
        self.reader.reload().map_err(|e| err(e, &self.dir))
    }

    /// One transcript stored in the index, by its document id.
    ///
    /// # Errors
    /// When the index cannot be searched.
    pub fn stored_transcript(&self, doc: &str) -> crate::Result<Option<StoredTranscript>> {
        use tantivy::query::{BooleanQuery, Occur, Query};
        let searcher = self.searcher()?;
        let f = &self.fields;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let whole = BooleanQuery::new(vec![
            (Occur::Must, term(f.doc, doc)),
            (Occur::Must, term(f.kind, TRANSCRIPT)),
        ]);
        let found = searcher
            .search(&whole, &DocSetCollector)
            .map_err(|e| err(e, &self.dir))?;
        Ok(found
            .into_iter()
            .next()
            .map(|address| StoredTranscript { searcher, address }))
    }

    /// A transcript from the index, with the codes of each indexed sentence (code point
    /// start → parameter ids), for showing it with its codings.
    ///
    /// # Errors
    /// When the index or the stored transcript cannot be read.
    pub fn transcript(&self, doc: &str) -> crate::Result<Option<TranscriptView>> {
        let f = &self.fields;
        let Some(stored) = self.stored_transcript(doc)? else {
            return Ok(None);
        };
        let (transcript, _, _, sentences) = stored.load_with_sentences(f)?;
        let mut codes = std::collections::BTreeMap::new();
        for d in sentences {
            let start = d.get_first(f.start).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
            let list: Vec<String> = d
                .get_all(f.code)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if !list.is_empty() {
                codes.insert(start, list);
            }
        }
        Ok(Some(TranscriptView { transcript, codes }))
    }

    /// Builds the documents of one tagged transcript (call from worker threads), coded with
    /// `cb`; a sentence whose keys tagging did not record is analyzed with `analyzer`.
    pub fn prepare(&self, tagged: Tagged<'_>, cb: &Codebook, analyzer: &mut Analyzer) -> Prepared {
        let Tagged {
            transcript: mut t,
            codings,
            keys,
            hash,
            path,
        } = tagged;
        let f = &self.fields;
        let ix = CharIndex::new(&t.text);
        // Every document's values go on one sheet: the sentences' bodies are slices of the
        // transcript's text, their keys slices of one string, the values they repeat (the
        // transcript's id, facets, code terms) pushed once.
        let mut sheet = Sheet::default();
        let doc = sheet.push(&t.doc);
        // Of the metadata the sentences carry only what `--facets` counts; filters find the
        // transcripts.
        let meta_facets: Vec<Pushed> = t
            .meta
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && search::FACET_KEYS.contains(&k.trim()))
            .map(|(k, v)| sheet.push(&facet_str(["meta", k.trim(), v.trim()])))
            .collect();
        let params: Vec<ParamTerms> = cb
            .parameters
            .iter()
            .map(|p| {
                let level = &cb.levels[p.level].id;
                ParamTerms {
                    id: sheet.push(&p.id),
                    level: sheet.push(level),
                    facet: sheet.push(&facet_str(["code", level, &p.id])),
                    keyword: sheet.push(&format!("{}:keyword", p.id)),
                    context: sheet.push(&format!("{}:context", p.id)),
                    human: sheet.push(&format!("{}:human", p.id)),
                }
            })
            .collect();
        let wish = sheet.push("true");
        let respondent = crate::quotes::attribute(RESPONDENT, &t, 0);
        let attribution = [sheet.push("Интервьюер"), sheet.push(&respondent)];
        let role = [Role::Interviewer, Role::Respondent].map(|r| sheet.push(r.as_str()));
        let mut c = 0;
        let mut keys = keys.iter().peekable();
        for (si, s) in t.sentences.iter().enumerate() {
            if s.non_speech {
                continue;
            }
            let speaker = t.turn_speaker(&t.turns[s.turn]);
            sheet.add(f.doc, doc);
            sheet.add_u64(f.turn, s.turn as u64);
            sheet.add_u64(f.start, ix.char_offset(s.span.start) as u64);
            sheet.add_u64(f.end, ix.char_offset(s.span.end) as u64);
            // The keys tagging computed, split by a whitespace tokenizer: the text is not
            // analyzed twice. (tantivy's PreTokenizedString would go through JSON.)
            while keys.peek().is_some_and(|(ks, _)| *ks < si) {
                keys.next();
            }
            match keys.peek().filter(|(ks, _)| *ks == si) {
                Some((_, joined)) => sheet.add_str(f.text, joined),
                None => sheet.add_str(f.text, &sentence_keys(analyzer, t.slice(s.span))),
            }
            sheet.add_text(f.body, s.span.start..s.span.end);
            let r = match speaker.role {
                Role::Interviewer => 0,
                Role::Respondent => 1,
            };
            sheet.add(f.speaker, attribution[r]);
            sheet.add(f.role, role[r]);
            for &m in &meta_facets {
                sheet.add_facet(f.facet, m);
            }
            while c < codings.len() && codings[c].sentence < si {
                c += 1;
            }
            let mut polarity = None;
            while c < codings.len() && codings[c].sentence == si {
                let x = &codings[c];
                polarity = Some(x.polarity);
                if x.wish {
                    sheet.add(f.wish, wish);
                }
                if let Some(p) = x.param.filter(|p| *p < cb.parameters.len()) {
                    let terms = &params[p];
                    sheet.add(f.code, terms.id);
                    sheet.add(f.level, terms.level);
                    sheet.add_facet(f.facet, terms.facet);
                    let source = match x.source {
                        Source::Keyword => terms.keyword,
                        Source::Human => terms.human,
                        _ => terms.context,
                    };
                    sheet.add(f.code_source, source);
                    // `source:human` and the like (rejected codings are not here).
                    sheet.add_str(f.code_source, x.source.as_str());
                }
                c += 1;
            }
            if let Some(p) = polarity {
                sheet.add_str(f.polarity, p.as_str());
            }
            sheet.end();
        }
        // The transcript itself, for `retag` and the transcript view. The sentences' text is
        // in their documents already: stored here is the rest of it (labels, line breaks,
        // non-speech), beside the JSON of everything else.
        sheet.add_str(f.kind, TRANSCRIPT);
        sheet.add(f.doc, doc);
        sheet.add_str(f.hash, hash);
        sheet.add_str(f.path, path);
        for (k, v) in t.meta.iter().filter(|(_, v)| !v.trim().is_empty()) {
            sheet.add_str(
                f.meta,
                &format!("{}{META_SEP}{}", query::meta_term(k, v), t.doc),
            );
        }
        // The JSON keeps the whole text only when the sentences do not lay it out in order.
        let rest = between_sentences(&t);
        let taken = rest.is_some().then(|| std::mem::take(&mut t.text));
        sheet.add_str(
            f.source,
            &serde_json::to_string(&t).expect("a transcript serializes"),
        );
        if let Some(rest) = rest {
            sheet.add_str(f.source, &rest);
        }
        sheet.end();
        sheet.set_text(taken.unwrap_or_else(|| std::mem::take(&mut t.text)));
        Prepared { doc: t.doc, sheet }
    }

    /// Replaces a transcript's documents with the prepared ones (seen after the next commit).
    ///
    /// # Errors
    /// When tantivy refuses a document.
    pub fn apply(&self, writer: &Writer, prepared: Prepared) -> crate::Result<()> {
        writer.delete_term(Term::from_field_text(self.fields.doc, &prepared.doc));
        // Batches of sentences: fewer trips through tantivy's channel than one per sentence
        // (15 % less CPU), while its queue (10,000 batches) stays bounded in memory.
        let mut docs = prepared.sheet.documents().peekable();
        while docs.peek().is_some() {
            let batch: Vec<UserOperation<IndexDoc>> =
                docs.by_ref().take(BATCH).map(UserOperation::Add).collect();
            writer.run(batch).map_err(|e| self.write_err(e))?;
        }
        Ok(())
    }

    /// Removes a transcript (seen after the next commit).
    pub fn remove(&self, writer: &Writer, doc: &str) {
        writer.delete_term(Term::from_field_text(self.fields.doc, doc));
    }

    /// Sentences, transcripts, and coded sentences per code.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub fn stats(&self) -> crate::Result<Stats> {
        let r = self.search(&SearchQuery {
            limit: 0,
            facets: true,
            ..SearchQuery::default()
        })?;
        Ok(Stats {
            sentences: r.total,
            transcripts: self.transcript_count()?,
            codes: r.facets.map(|f| f.codes).unwrap_or_default(),
        })
    }
}

/// The terms of one parameter on its coded sentences' documents.
struct ParamTerms {
    id: Pushed,
    level: Pushed,
    facet: Pushed,
    keyword: Pushed,
    context: Pushed,
    human: Pushed,
}

/// A facet's encoded form, as a document stores it.
fn facet_str<const N: usize>(path: [&str; N]) -> String {
    tantivy::schema::Facet::from_path(path)
        .encoded_str()
        .to_string()
}

/// The attribution of a respondent's sentences in search results.
const RESPONDENT: &str = "{division}, {role}|{division}|{role}|Респондент";

/// What `citata index stats` shows.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Sentence documents.
    pub sentences: usize,
    /// Transcripts.
    pub transcripts: usize,
    /// Coded sentences per code.
    pub codes: Vec<FacetCount>,
}

/// A transcript with the codes of its sentences, as the index holds them.
pub struct TranscriptView {
    /// The transcript in canonical form.
    pub transcript: Transcript,
    /// Parameter ids per sentence, by the sentence's start (code points).
    pub codes: std::collections::BTreeMap<usize, Vec<String>>,
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

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    use super::stored::reassemble;
    use super::*;

    /// A tagger with one parameter, `pay` («оплата»), and no markers or lexicon.
    fn pay_tagger() -> crate::tag::Tagger {
        crate::testutil::tagger(
            "name = \"t\"\n[[levels]]\nid = \"o\"\nname = \"O\"\n[[parameters]]\nid = \"pay\"\nlevel = \"o\"\nname = \"P\"\nterms = [\"оплата\"]\n",
            &[],
            &[],
            "",
            "",
        )
    }

    // See: issue #20
    /// A caller tells a locked index from a corrupt one by the error's kind, and gets
    /// tantivy's own error for the corrupt one.
    #[test]
    fn a_locked_index_and_a_corrupt_one_are_different_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let idx = CitataIndex::open_or_create(dir.path()).expect("index");
        let _held = idx.writer().expect("the first writer");
        match idx.writer() {
            Err(crate::Error::Index(IndexError::Locked { dir: d })) => assert_eq!(d, dir.path()),
            other => panic!("expected Locked, got {:?}", other.err()),
        }
        let bad = tempfile::tempdir().expect("temp dir");
        std::fs::write(bad.path().join("meta.json"), "{ not json").expect("write");
        match CitataIndex::open_or_create(bad.path()) {
            Err(crate::Error::Index(IndexError::Corrupt { dir: d, cause })) => {
                assert_eq!(d, bad.path());
                // tantivy's error, not a string
                let _: &tantivy::TantivyError = &cause;
            }
            other => panic!("expected Corrupt, got {:?}", other.err()),
        }
    }

    /// A transcript stored as the text between its sentences plus the sentences' documents
    /// reads back byte for byte: labels, line breaks, ё, a stress mark, a non-speech mark, a
    /// non-speech line, and text after the last sentence.
    #[test]
    fn a_stored_transcript_reads_back_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let idx = CitataIndex::open_or_create(dir.path()).expect("index");
        let text = "Интервьюер: Как с оплатой?\r\nРеспондент: Ну, отсро́чку дали [смеется]. Всё ещё ждём.\r\n[пауза]\r\nРеспондент: Ёлки, восемь из десяти.\r\n-- конец --";
        let t = crate::testutil::transcript(text);
        assert!(
            t.sentences.iter().any(|s| s.non_speech),
            "a non-speech line"
        );
        let tagger = pay_tagger();
        let codings = tagger.with_thread_state(|state| tagger.tag(state, &t));
        let mut analyzer = Analyzer::new();
        let tagged = Tagged {
            transcript: t.clone(),
            codings: &codings,
            keys: &SentenceKeys::default(),
            hash: "h",
            path: "p",
        };
        let prepared = idx.prepare(tagged, tagger.matcher().codebook(), &mut analyzer);
        let whole = prepared.sheet.len() - 1;
        let stored = prepared.sheet.strs(whole, idx.fields.source);
        assert_eq!(stored.len(), 2, "JSON and the text between sentences");
        assert!(!stored[0].contains("Ну, отсро"), "no sentence text twice");
        assert!(stored[1].starts_with("Интервьюер: ") && stored[1].contains("[пауза]"));
        let mut writer = idx.writer().expect("writer");
        let icb = IndexCodebook::read(None).expect("codebook");
        idx.apply(&writer, prepared).expect("apply");
        idx.commit(&mut writer, &icb).expect("commit");
        idx.reload().expect("reload");
        let all = idx.stored_transcripts().expect("stored");
        let (back, path, hash) = all[0].load(&idx.fields).expect("load");
        assert_eq!(
            back.text, t.text,
            "the canonical text (CRLF made LF by ingest)"
        );
        assert!(back.text.contains("отсро\u{301}чку") && back.text.ends_with("-- конец --"));
        assert_eq!((path.as_str(), hash.as_str()), ("p", "h"));
        assert_eq!(back.sentences.len(), t.sentences.len());
        let view = idx.transcript(&t.doc).expect("view").expect("found");
        assert_eq!(view.transcript.text, t.text);
    }

    /// Sentences that do not fit the stored text are an error, not a garbled transcript.
    #[test]
    fn reassembly_refuses_sentences_that_do_not_fit() {
        let t = crate::testutil::transcript("Респондент: Раз. Два.\n");
        let rest = between_sentences(&t).expect("in order");
        assert_eq!(rest, "Респондент:  \n");
        let bodies = |a: &str, b: &str| vec![(12, a.to_string()), (17, b.to_string())];
        assert_eq!(
            reassemble(&t, &rest, bodies("Раз.", "Два.")).as_deref(),
            Some("Респондент: Раз. Два.\n")
        );
        assert_eq!(reassemble(&t, &rest, bodies("Раз.", "Три!!")), None);
        assert_eq!(reassemble(&t, &rest, vec![(12, "Раз.".into())]), None);
        // Overlapping sentences: nothing is left out, the whole text is stored instead.
        let mut overlapping = t.clone();
        overlapping.sentences[1].span.start -= 2;
        assert_eq!(between_sentences(&overlapping), None);
    }

    /// The keys tagging records for the index are the tokens the registered `citata`
    /// tokenizer gives for the same sentence: one analyzer, whichever way the text comes in.
    #[test]
    fn keys_recorded_by_tagging_are_the_tokenizers_tokens() {
        let t = crate::testutil::transcript(
            "Интервьюер: Как с оплатой?\nРеспондент: Ну, отсрочку нам дали, кто-то из ихних договорился. Оценка 8,5, B2B-портал ещё не работает.\n",
        );
        let tagger = pay_tagger();
        let keys = tagger.with_thread_state(|state| {
            state.keys = Some(SentenceKeys::default());
            tagger.tag(state, &t);
            state.keys.take().expect("recorded")
        });
        assert_eq!(keys.len(), t.sentences.len());
        let mut tok = CitataTokenizer::default();
        for (si, joined) in keys.iter() {
            let mut from_tokenizer = Vec::new();
            let mut stream = tok.token_stream(t.slice(t.sentences[si].span));
            while stream.advance() {
                from_tokenizer.push(stream.token().text.clone());
            }
            assert_eq!(joined.split(' ').collect::<Vec<_>>(), from_tokenizer);
        }
        // Words in Russian letters as their normalized forms (queries expand into them);
        // the hyphenated pronoun, the decimal and the mixed word stay one term each.
        assert_eq!(
            keys.iter().nth(1).expect("two sentences").1,
            "ну отсрочку нам дали кто-то из ихних договорился"
        );
        assert_eq!(
            keys.iter().nth(2).expect("three sentences").1,
            "оценка 8,5 b2b-портал еще не работает"
        );
    }
}
