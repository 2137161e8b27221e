//! citata's analyzer as a tantivy tokenizer: a word in Russian letters is indexed as its
//! normalized form, any other as its key ([`Analyzer::index_term`]); a query word is
//! expanded into the forms that share its key ([`super::query`]).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::Analyzer;

/// citata's analyzer as a tantivy tokenizer.
#[derive(Default)]
pub struct CitataTokenizer {
    analyzer: Analyzer,
    words: Vec<crate::text::Token>,
    tokens: Vec<Token>,
    /// Tokens in use in `tokens`; the rest keep their strings' capacity for the next text.
    len: usize,
}

impl Clone for CitataTokenizer {
    fn clone(&self) -> Self {
        CitataTokenizer::default()
    }
}

/// The tokens of one text, handed out one by one.
pub struct CitataTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for CitataTokenizer {
    type TokenStream<'a> = CitataTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CitataTokenStream<'a> {
        // Buffers are reused from text to text: no allocation per token once warm.
        self.words.clear();
        self.analyzer.tokens_into(text, &mut self.words);
        for (position, w) in self.words.iter().enumerate() {
            if position == self.tokens.len() {
                self.tokens.push(Token::default());
            }
            let t = &mut self.tokens[position];
            t.offset_from = w.span.start;
            t.offset_to = w.span.end;
            t.position = position;
            t.position_length = 1;
            t.text.clear();
            t.text.push_str(self.analyzer.index_term(w.form));
        }
        self.len = self.words.len();
        CitataTokenStream {
            tokens: &mut self.tokens[..self.len],
            next: 0,
        }
    }
}

/// The index terms of a text, space-separated (as tagging records them).
pub fn sentence_keys(analyzer: &mut Analyzer, text: &str) -> String {
    let mut out = String::new();
    for t in analyzer.tokens(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(analyzer.index_term(t.form));
    }
    out
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
