//! The coding matrix of QDA tools: one row per sentence of every transcript read, with the
//! parameters coded on it (the `.xlsx` report's third sheet). The text is masked as the
//! report's quotes are ([`crate::quotes::mask`]): the workbook goes to the client too.

use crate::model::{CharIndex, Role, Transcript};
use crate::quotes::mask::mask;
use crate::tag::Coding;

/// The most matrix rows written: Excel's 1,048,576 rows less the header.
pub const MAX_ROWS: usize = 1_048_575;

/// One sentence of the coding matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixRow {
    /// The document id.
    pub doc: String,
    /// The transcript's wave (metadata `wave`).
    pub wave: String,
    /// The turn, an index into the transcript's turns (as `citata ingest` prints them).
    pub turn: usize,
    /// The speaker's role.
    pub role: Role,
    /// Start, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The sentence as spoken, names, phones and e-mails masked.
    pub text: String,
    /// The parameters coded on it (indexes into the codebook, ascending, no repeats).
    pub params: Vec<usize>,
    /// The sentence voices a wish.
    pub wish: bool,
    /// The sentence compares with competitors.
    pub comparison: bool,
}

/// The coding matrix: the parameters (its columns) and the rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matrix {
    /// Parameter ids in codebook order.
    pub params: Vec<String>,
    /// Their names (the column headers), in the same order.
    pub names: Vec<String>,
    /// The rows, at most [`MAX_ROWS`].
    pub rows: Vec<MatrixRow>,
    /// Sentences left out because Excel holds no more rows.
    pub dropped: usize,
}

impl Matrix {
    /// Adds a transcript's rows while there is room; counts the rest as dropped.
    pub fn extend(&mut self, rows: Vec<MatrixRow>) {
        self.extend_up_to(rows, MAX_ROWS);
    }

    pub(crate) fn extend_up_to(&mut self, rows: Vec<MatrixRow>, max: usize) {
        let room = max.saturating_sub(self.rows.len());
        self.dropped += rows.len().saturating_sub(room);
        self.rows.extend(rows.into_iter().take(room));
    }
}

/// The matrix rows of one tagged transcript: every sentence, with the parameters (below
/// `params`) coded on it; the text masked with the transcript's `private` words
/// ([`crate::quotes::mask::private_words`]).
pub fn matrix_rows(
    t: &Transcript,
    codings: &[Coding],
    params: usize,
    wave: &str,
    private: &[String],
) -> Vec<MatrixRow> {
    let chars = CharIndex::new(&t.text);
    let mut rows: Vec<MatrixRow> = t
        .sentences
        .iter()
        .map(|s| MatrixRow {
            doc: t.doc.clone(),
            wave: wave.to_string(),
            turn: s.turn,
            role: t.turn_speaker(&t.turns[s.turn]).role,
            start: chars.char_offset(s.span.start),
            end: chars.char_offset(s.span.end),
            text: mask(t.slice(s.span), private),
            params: Vec::new(),
            wish: false,
            comparison: false,
        })
        .collect();
    for c in codings {
        let Some(row) = rows.get_mut(c.sentence) else {
            continue;
        };
        row.wish |= c.wish;
        row.comparison |= c.comparison;
        if let Some(p) = c.param.filter(|p| *p < params) {
            row.params.push(p);
        }
    }
    for r in &mut rows {
        r.params.sort_unstable();
        r.params.dedup();
    }
    rows
}
