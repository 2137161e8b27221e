//! The index's fields.

use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::KEYS_TOKENIZER;

/// The fields of the index.
#[derive(Clone, Copy)]
pub struct Fields {
    /// `transcript` on the document holding a transcript's canonical form (sentences have
    /// no kind: one term less per sentence).
    pub kind: Field,
    /// Document id (the transcript's `doc`).
    pub doc: Field,
    /// Content hash of the file the transcript came from (on its `transcript` document).
    pub hash: Field,
    /// Turn index.
    pub turn: Field,
    /// Code point offsets of the sentence.
    pub start: Field,
    /// End offset.
    pub end: Field,
    /// The sentence's index keys, one position per word (indexed, not stored).
    pub text: Field,
    /// The sentence as said (stored).
    pub body: Field,
    /// Who speaks: the attribution from metadata (division, role), or "Интервьюер".
    pub speaker: Field,
    /// `interviewer` or `respondent`.
    pub role: Field,
    /// Parameter ids the sentence is coded for.
    pub code: Field,
    /// `param:keyword` / `param:context` / `param:human`, and the source alone (`human`, ...)
    /// for `source:` in queries.
    pub code_source: Field,
    /// Level ids of the codes.
    pub level: Field,
    /// The sentence's polarity.
    pub polarity: Field,
    /// `true` when the sentence voices a wish.
    pub wish: Field,
    /// Metadata as `key=value` terms in lower case (see [`super::query::meta_term`]).
    pub meta: Field,
    /// Facets: `/code/LEVEL/PARAM` and `/meta/KEY/VALUE`.
    pub facet: Field,
    /// The transcript's canonical form (JSON) on its `transcript` document.
    pub source: Field,
    /// The path the transcript was added from, on its `transcript` document.
    pub path: Field,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(KEYS_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let num = NumericOptions::default().set_stored();
    let fields = Fields {
        kind: b.add_text_field("kind", STRING),
        doc: b.add_text_field("doc", STRING | STORED),
        hash: b.add_text_field("hash", STRING | STORED),
        turn: b.add_u64_field("turn", num.clone()),
        start: b.add_u64_field("start", num.clone()),
        end: b.add_u64_field("end", num),
        text: b.add_text_field("text", text),
        body: b.add_text_field("body", STORED),
        speaker: b.add_text_field("speaker", STORED),
        role: b.add_text_field("role", STRING | STORED),
        code: b.add_text_field("code", STRING | STORED),
        code_source: b.add_text_field("code_source", STRING),
        level: b.add_text_field("level", STRING),
        polarity: b.add_text_field("polarity", STRING | STORED),
        wish: b.add_text_field("wish", STRING),
        meta: b.add_text_field("meta", STRING),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        source: b.add_text_field("source", STORED),
        path: b.add_text_field("path", STORED),
    };
    (b.build(), fields)
}
