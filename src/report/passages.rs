//! A list of passages for the office: search hits or a parameter's passages, as the web app
//! exports them (`/search.xlsx`, `/search.docx`). The text is masked as every client output
//! is ([`crate::quotes::mask`]; [`Passage::masked`]).

use crate::quotes::mask::{mask, private_words};

/// One passage of a list: a sentence of a transcript with its codes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Passage {
    /// The document id.
    pub doc: String,
    /// Who said it (the attribution the search shows: division, role, or «Интервьюер»).
    pub speaker: String,
    /// The transcript's wave (metadata `wave`), or empty.
    pub wave: String,
    /// The transcript's division (metadata `division`), or empty.
    pub division: String,
    /// Start, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The names of the parameters coded on it.
    pub codes: Vec<String>,
    /// Its polarity in Russian, or empty.
    pub polarity: String,
    /// The text as spoken, names, phones and e-mails masked.
    pub text: String,
}

impl Passage {
    /// The masked form of `text`, a sentence of `t` (its own names masked too).
    pub fn masked(text: &str, t: &crate::model::Transcript) -> String {
        mask(text, &private_words(t))
    }
}

/// A list of passages with what it is (the title) and how it was asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassageList {
    /// The title: the query and filters in Russian.
    pub title: String,
    /// How many passages matched (the list may hold fewer).
    pub total: usize,
    /// The passages, in the search's order.
    pub passages: Vec<Passage>,
}
