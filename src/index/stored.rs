//! Transcripts as the index stores them: the text between the sentences on the transcript's
//! document, the sentences' text on theirs; put together again on reading.

use std::path::PathBuf;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, TantivyDocument, Term};

use super::{Fields, TRANSCRIPT};
use crate::model::Transcript;

/// The text of a transcript outside its indexed (speech) sentences, in order; `None` when
/// the sentences overlap or run backwards (never from citata's segmenter), and the whole
/// text must be stored.
pub(super) fn between_sentences(t: &Transcript) -> Option<String> {
    let mut rest = String::with_capacity(t.text.len() / 4);
    let mut cursor = 0;
    for s in t.sentences.iter().filter(|s| !s.non_speech) {
        rest.push_str(t.text.get(cursor..s.span.start)?);
        cursor = s.span.end.max(cursor);
    }
    rest.push_str(t.text.get(cursor..)?);
    Some(rest)
}

/// Puts a transcript's text together again from what [`between_sentences`] left and the
/// indexed sentences' text, ordered by start. `None` when they do not fit.
pub(super) fn reassemble(
    t: &Transcript,
    rest: &str,
    mut bodies: Vec<(u64, String)>,
) -> Option<String> {
    bodies.sort_by_key(|(start, _)| *start);
    let spans: Vec<_> = t.sentences.iter().filter(|s| !s.non_speech).collect();
    if spans.len() != bodies.len() {
        return None;
    }
    let mut text =
        String::with_capacity(rest.len() + bodies.iter().map(|b| b.1.len()).sum::<usize>());
    let mut taken = 0;
    for (s, (_, body)) in spans.iter().zip(&bodies) {
        let gap = s.span.start.checked_sub(text.len())?;
        text.push_str(rest.get(taken..taken + gap)?);
        taken += gap;
        if body.len() != s.span.len() {
            return None;
        }
        text.push_str(body);
    }
    text.push_str(rest.get(taken..)?);
    Some(text)
}

/// A transcript stored in the index, read on demand.
pub struct StoredTranscript {
    pub(super) searcher: tantivy::Searcher,
    pub(super) address: DocAddress,
}

impl StoredTranscript {
    /// Reads it back: the transcript, the path it was added from, its content hash.
    ///
    /// # Errors
    /// When the stored document cannot be read or parsed.
    pub fn load(&self, fields: &Fields) -> crate::Result<(Transcript, String, String)> {
        let (t, path, hash, _) = self.load_with_sentences(fields)?;
        Ok((t, path, hash))
    }

    /// [`StoredTranscript::load`], with the documents of its sentences (in no order).
    pub(super) fn load_with_sentences(
        &self,
        fields: &Fields,
    ) -> crate::Result<(Transcript, String, String, Vec<TantivyDocument>)> {
        use tantivy::query::{BooleanQuery, Occur, Query};
        let bad = |e: &dyn std::fmt::Display| crate::Error::BadInput {
            path: PathBuf::from("index"),
            reason: format!("a stored transcript cannot be read: {e}"),
        };
        let d: TantivyDocument = self.searcher.doc(self.address).map_err(|e| bad(&e))?;
        let s = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut source = d.get_all(fields.source).filter_map(|v| v.as_str());
        let json = source.next().unwrap_or_default();
        let rest = source.next();
        let mut t: Transcript = serde_json::from_str(json).map_err(|e| bad(&e))?;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let query = BooleanQuery::new(vec![
            (Occur::Must, term(fields.doc, &t.doc)),
            (Occur::MustNot, term(fields.kind, TRANSCRIPT)),
        ]);
        let sentences = self
            .searcher
            .search(&query, &DocSetCollector)
            .map_err(|e| bad(&e))?
            .into_iter()
            .map(|a| self.searcher.doc::<TantivyDocument>(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        // Stored apart (see `prepare`): the sentences' text is in their documents.
        if let Some(rest) = rest {
            let bodies = sentences
                .iter()
                .map(|d| {
                    let start = d.get_first(fields.start).and_then(|v| v.as_u64());
                    let body = d.get_first(fields.body).and_then(|v| v.as_str());
                    (start.unwrap_or(0), body.unwrap_or_default().to_string())
                })
                .collect();
            t.text = reassemble(&t, rest, bodies).ok_or_else(|| {
                bad(&format!(
                    "the text of {} does not fit its sentences; add the file again with `citata index add`",
                    t.doc
                ))
            })?;
        }
        Ok((t, s(fields.path), s(fields.hash), sentences))
    }
}
