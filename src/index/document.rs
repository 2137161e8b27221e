//! The documents citata hands tantivy. A transcript's documents (one per sentence, one for
//! the transcript) share one [`Sheet`]: the transcript's text, which the sentences' `body`
//! values are slices of, one buffer for every other string, and each document's values as
//! ranges into them. A document is the sheet and its number: nothing is copied or allocated
//! per sentence, and the thread that indexes a document frees nothing of it but a reference
//! count (a `TantivyDocument` per sentence was built by a worker and freed by tantivy's
//! indexing thread: a copy of the sentence and its keys, and a free across threads).
//!
//! tantivy reads a document through [`Document::iter_fields_and_values`], for its postings
//! and its doc store alike; what it stores reads back as a `TantivyDocument` with the same
//! values in the same order.

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};

/// Where a value's bytes are.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// A slice of the transcript's text (byte range).
    Text(usize, usize),
    /// A string of the sheet's `strings` (byte range).
    Str(usize, usize),
    /// A facet, encoded ([`tantivy::schema::Facet::encoded_str`]), in `strings`.
    Facet(usize, usize),
    /// A number.
    U64(u64),
}

/// The documents of one transcript.
#[derive(Debug, Default)]
pub struct Sheet {
    /// The transcript's text.
    text: String,
    /// Every other string value, one after another.
    strings: String,
    /// The values of every document, document after document.
    values: Vec<(Field, Slot)>,
    /// Where each document's values end in `values`.
    ends: Vec<usize>,
}

/// A string of a sheet's `strings`, to give as a value (once pushed, as often as needed).
#[derive(Clone, Copy, Debug)]
pub struct Pushed(usize, usize);

impl Sheet {
    /// Gives the transcript's text, which every text value added is a range of (it may come
    /// last, once the documents no longer need the transcript whole).
    pub fn set_text(&mut self, text: String) {
        self.text = text;
    }

    /// Appends a string to the sheet's strings.
    pub fn push(&mut self, s: &str) -> Pushed {
        let start = self.strings.len();
        self.strings.push_str(s);
        Pushed(start, self.strings.len())
    }

    /// A string of the document being built, pushed before.
    pub fn add(&mut self, field: Field, s: Pushed) {
        self.values.push((field, Slot::Str(s.0, s.1)));
    }

    /// A string of the document being built.
    pub fn add_str(&mut self, field: Field, s: &str) {
        let p = self.push(s);
        self.add(field, p);
    }

    /// A facet (encoded), pushed before.
    pub fn add_facet(&mut self, field: Field, s: Pushed) {
        self.values.push((field, Slot::Facet(s.0, s.1)));
    }

    /// A slice of the transcript's text (`range` on char boundaries of it).
    pub fn add_text(&mut self, field: Field, range: std::ops::Range<usize>) {
        self.values
            .push((field, Slot::Text(range.start, range.end)));
    }

    /// A number.
    pub fn add_u64(&mut self, field: Field, n: u64) {
        self.values.push((field, Slot::U64(n)));
    }

    /// Ends the document being built: the values added since the last end are its values.
    pub fn end(&mut self) {
        self.ends.push(self.values.len());
    }

    /// The documents ended.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The strings of a document's field, in order.
    #[cfg(test)]
    pub fn strs(&self, doc: usize, field: Field) -> Vec<&str> {
        self.values[self.range(doc)]
            .iter()
            .filter(|(f, _)| *f == field)
            .filter_map(|&(_, slot)| match self.leaf(slot) {
                Leaf::Str(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Where a document's values are in `values`.
    fn range(&self, doc: usize) -> std::ops::Range<usize> {
        let start = match doc {
            0 => 0,
            d => self.ends[d - 1],
        };
        start..self.ends[doc]
    }

    #[inline]
    fn leaf(&self, slot: Slot) -> Leaf<'_> {
        match slot {
            Slot::Text(a, b) => Leaf::Str(&self.text[a..b]),
            Slot::Str(a, b) => Leaf::Str(&self.strings[a..b]),
            Slot::Facet(a, b) => Leaf::Facet(&self.strings[a..b]),
            Slot::U64(n) => Leaf::U64(n),
        }
    }

    /// Its documents, to hand tantivy.
    pub fn documents(self) -> impl Iterator<Item = IndexDoc> {
        debug_assert!(self.values.iter().all(|&(_, slot)| match slot {
            Slot::Text(a, b) => self.text.get(a..b).is_some(),
            _ => true,
        }));
        let sheet = Arc::new(self);
        (0..sheet.ends.len()).map(move |doc| IndexDoc {
            sheet: Arc::clone(&sheet),
            doc,
        })
    }
}

/// One document of a transcript, as citata hands it to tantivy: its values are ranges into
/// buffers it shares with the transcript's other documents (nothing copied per sentence).
#[derive(Clone, Debug)]
pub struct IndexDoc {
    sheet: Arc<Sheet>,
    doc: usize,
}

/// A value of an [`IndexDoc`]: always a leaf, and only of the kinds citata's documents have
/// (a copy of it is two words: tantivy asks for it once per pass over the document).
#[derive(Clone, Copy, Debug)]
pub enum Leaf<'a> {
    /// A string.
    Str(&'a str),
    /// A facet, encoded.
    Facet(&'a str),
    /// A number.
    U64(u64),
}

impl<'a> Value<'a> for Leaf<'a> {
    type ArrayIter = std::iter::Empty<Self>;
    type ObjectIter = std::iter::Empty<(&'a str, Self)>;

    #[inline]
    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            Leaf::Str(s) => ReferenceValueLeaf::Str(s),
            Leaf::Facet(s) => ReferenceValueLeaf::Facet(s),
            Leaf::U64(n) => ReferenceValueLeaf::U64(n),
        })
    }
}

/// The values of an [`IndexDoc`], in the order they were added.
pub struct Values<'a> {
    sheet: &'a Sheet,
    values: std::slice::Iter<'a, (Field, Slot)>,
}

impl<'a> Iterator for Values<'a> {
    type Item = (Field, Leaf<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let &(field, slot) = self.values.next()?;
        Some((field, self.sheet.leaf(slot)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}

impl Document for IndexDoc {
    type Value<'a> = Leaf<'a>;
    type FieldsValuesIter<'a> = Values<'a>;

    fn iter_fields_and_values(&self) -> Values<'_> {
        Values {
            sheet: &self.sheet,
            values: self.sheet.values[self.sheet.range(self.doc)].iter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{FacetOptions, INDEXED, STORED, STRING, Schema};
    use tantivy::{Index, TantivyDocument};

    use super::*;

    #[test]
    fn documents_of_a_sheet_store_their_own_values_in_order() {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let body = b.add_text_field("body", STORED);
        let n = b.add_u64_field("n", INDEXED | STORED);
        let facet = b.add_facet_field("facet", FacetOptions::default());
        let index = Index::create_in_ram(b.build());

        let text = "Ну, нормально. Ещё раз — ё!";
        let mut sheet = Sheet::default();
        sheet.set_text(text.to_string());
        let doc = sheet.push("t1");
        let f =
            sheet.push(tantivy::schema::Facet::from_path(["meta", "division", "ИТ"]).encoded_str());
        let split = text.find(" Ещё").unwrap();
        let len = text.len();
        for (i, range) in [0..split, split + 1..len].into_iter().enumerate() {
            sheet.add(id, doc);
            sheet.add_text(body, range);
            sheet.add_u64(n, i as u64 + 7);
            sheet.add_facet(facet, f);
            sheet.end();
        }
        sheet.add_str(id, "whole");
        sheet.add_str(body, "второй");
        sheet.add_str(body, "третий");
        sheet.end();
        assert_eq!(sheet.len(), 3);

        let mut w = index
            .writer_with_num_threads::<IndexDoc>(1, 15_000_000)
            .unwrap();
        for d in sheet.documents() {
            w.add_document(d).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut got = Vec::new();
        for d in 0..3 {
            let stored: TantivyDocument = searcher.doc(tantivy::DocAddress::new(0, d)).unwrap();
            let vals: Vec<String> = stored
                .field_values()
                .map(|(f, v)| {
                    let name = index.schema().get_field_name(f).to_string();
                    match (v.as_str(), v.as_u64()) {
                        (Some(s), _) => format!("{name}={s}"),
                        (None, Some(x)) => format!("{name}={x}"),
                        _ => format!("{name}=?"),
                    }
                })
                .collect();
            got.push(vals.join(" "));
        }
        assert_eq!(
            got,
            [
                "id=t1 body=Ну, нормально. n=7",
                "id=t1 body=Ещё раз — ё! n=8",
                "id=whole body=второй body=третий",
            ]
        );
        // Indexed too: the term of the first document's id, the facet, the number.
        let count =
            |q: &dyn tantivy::query::Query| searcher.search(q, &tantivy::collector::Count).unwrap();
        let term = |f, s: &str| {
            tantivy::query::TermQuery::new(
                tantivy::Term::from_field_text(f, s),
                tantivy::schema::IndexRecordOption::Basic,
            )
        };
        assert_eq!(count(&term(id, "t1")), 2);
        assert_eq!(count(&term(id, "whole")), 1);
        let by_n = tantivy::query::TermQuery::new(
            tantivy::Term::from_field_u64(n, 8),
            tantivy::schema::IndexRecordOption::Basic,
        );
        assert_eq!(count(&by_n), 1);
        let by_facet = tantivy::query::TermQuery::new(
            tantivy::Term::from_facet(
                facet,
                &tantivy::schema::Facet::from_path(["meta", "division"]),
            ),
            tantivy::schema::IndexRecordOption::Basic,
        );
        assert_eq!(count(&by_facet), 2);
    }
}
