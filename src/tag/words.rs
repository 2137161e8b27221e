//! The tokens the tagger analyzed, kept for the stages after it.
//!
//! [`crate::tag::Tagger::tag`] tokenizes every sentence it codes against the codebook; it
//! records those tokens here by sentence, so that ratings, quote candidates and wishes read
//! the same words instead of tokenizing the sentences again. [`Words`] hands them out, and
//! tokenizes a sentence again only when the tagger did not record it (a non-speech sentence,
//! or the analyzer's cache was cleared since: see [`crate::text::Analyzer::generation`]).

use std::borrow::Cow;

use crate::model::{Span, Transcript};
use crate::text::{Analyzer, Token};

/// Each sentence's tokens as the tagger analyzed them, spans relative to the sentence.
#[derive(Clone, Debug, Default)]
pub struct SentenceTokens {
    flat: Vec<Token>,
    /// By sentence index: (start, end) into `flat`; `NONE` when not recorded.
    at: Vec<(u32, u32)>,
    /// The analyzer's generation the form ids belong to.
    generation: u32,
}

const NONE: (u32, u32) = (u32::MAX, u32::MAX);

impl SentenceTokens {
    /// Forgets every sentence and prepares for a transcript of `sentences` sentences whose
    /// tokens come from the analyzer's generation `generation`.
    pub(crate) fn start(&mut self, sentences: usize, generation: u32) {
        self.flat.clear();
        self.at.clear();
        self.at.resize(sentences, NONE);
        self.generation = generation;
    }

    /// Records sentence `si`'s tokens, from `generation`. A sentence tokenized after the
    /// analyzer cleared its cache invalidates the ones recorded before it.
    pub(crate) fn record(&mut self, si: usize, tokens: &[Token], generation: u32) {
        if generation != self.generation {
            let n = self.at.len();
            self.start(n, generation);
        }
        if let Some(slot) = self.at.get_mut(si) {
            let start = self.flat.len() as u32;
            self.flat.extend_from_slice(tokens);
            *slot = (start, self.flat.len() as u32);
        }
    }

    /// Sentence `si`'s tokens, when recorded in the analyzer's current generation.
    pub fn get(&self, si: usize, analyzer: &Analyzer) -> Option<&[Token]> {
        if self.generation != analyzer.generation() {
            return None;
        }
        match self.at.get(si) {
            Some(&(start, end)) if (start, end) != NONE => {
                Some(&self.flat[start as usize..end as usize])
            }
            _ => None,
        }
    }
}

/// The analyzed words of one transcript for the stages after tagging: the tagger's tokens
/// where it recorded them, the sentence tokenized again otherwise.
pub struct Words<'a> {
    /// The thread's analyzer (the one the tagger used).
    pub analyzer: &'a mut Analyzer,
    recorded: &'a SentenceTokens,
    transcript: &'a Transcript,
}

impl<'a> Words<'a> {
    /// The words of `t`, reading `recorded` (from [`crate::tag::TagState::words`]).
    pub fn new(
        t: &'a Transcript,
        recorded: &'a SentenceTokens,
        analyzer: &'a mut Analyzer,
    ) -> Self {
        Words {
            analyzer,
            recorded,
            transcript: t,
        }
    }

    /// The tokens of sentence `si`, spans relative to the sentence.
    ///
    /// Tokenizing again never clears the analyzer's cache (it may grow past its limit by
    /// one transcript's words), so tokens handed out earlier stay valid.
    pub fn sentence(&mut self, si: usize) -> Cow<'a, [Token]> {
        if let Some(tokens) = self.recorded.get(si, self.analyzer) {
            return Cow::Borrowed(tokens);
        }
        let span = self.transcript.sentences[si].span;
        let mut out = Vec::new();
        self.analyzer
            .tokens_keeping(self.transcript.slice(span), &mut out);
        Cow::Owned(out)
    }

    /// The tokens of sentence `si` inside `range` (bytes into the transcript's text), spans
    /// made relative to `range.start`; tokens inside one of `skip` (marks the quote does not
    /// show) are left out.
    pub fn within(&mut self, si: usize, range: Span, skip: &[Span]) -> Vec<Token> {
        let base = self.transcript.sentences[si].span.start;
        self.sentence(si)
            .iter()
            .filter_map(|tk| {
                let abs = Span::new(base + tk.span.start, base + tk.span.end);
                let inside = abs.start >= range.start && abs.end <= range.end;
                let hidden = skip.iter().any(|m| m.contains(abs));
                (inside && !hidden).then(|| Token {
                    span: Span::new(abs.start - range.start, abs.end - range.start),
                    form: tk.form,
                })
            })
            .collect()
    }

    /// The transcript the words are of.
    pub fn transcript(&self) -> &'a Transcript {
        self.transcript
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::TagState;

    const CODEBOOK: &str = "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"price\"\nlevel = \"p\"\nname = \"Цены\"\nterms = [\"цена\"]\nquestions = [\"цены\"]\n";
    const TEXT: &str = "Интервьюер: Цены — как оцените?\nРеспондент: Цены подняли [смеется] на пятнадцать процентов. Пять. Нет, пожалуй, шесть.\n";

    fn norms(tokens: &[Token], a: &Analyzer) -> Vec<String> {
        tokens.iter().map(|t| a.info(t).norm.clone()).collect()
    }

    #[test]
    fn the_stages_after_tagging_read_the_taggers_tokens() {
        let tagger = crate::testutil::tagger(CODEBOOK, &["хотелось бы"], &[], "", "");
        let t = crate::testutil::transcript(TEXT);
        let mut st = TagState::default();
        let codings = tagger.tag(&mut st, &t);
        assert!(!codings.is_empty());
        let mut words = st.words(&t);
        let answer = t
            .sentences
            .iter()
            .position(|s| t.slice(s.span).starts_with("Цены подняли"))
            .expect("the answer's first sentence");
        let tokens = words.sentence(answer);
        assert!(matches!(tokens, Cow::Borrowed(_)), "recorded by the tagger");
        assert_eq!(
            norms(&tokens, words.analyzer),
            [
                "цены",
                "подняли",
                "смеется",
                "на",
                "пятнадцать",
                "процентов"
            ]
        );
        // From «подняли», without the mark the quote does not show.
        let s = &t.sentences[answer];
        let from = s.span.start + "Цены ".len();
        let shown = words.within(answer, Span::new(from, s.span.end), &s.marks);
        assert_eq!(
            norms(&shown, words.analyzer),
            ["подняли", "на", "пятнадцать", "процентов"]
        );
        assert_eq!(shown[0].span, Span::new(0, "подняли".len()));
    }

    #[test]
    fn a_cache_cleared_while_tagging_falls_back_to_tokenizing_again() {
        let tagger = crate::testutil::tagger(CODEBOOK, &["хотелось бы"], &[], "", "");
        let t = crate::testutil::transcript(TEXT);
        let mut big = TagState::default();
        let expected = {
            let codings = tagger.tag(&mut big, &t);
            crate::ratings::extract(&mut big.words(&t), &codings)
        };
        assert_eq!(expected.len(), 1);
        assert_eq!(expected[0].value, 6.0);
        // A cache of three forms is cleared before nearly every sentence: the tokens of
        // earlier sentences are stale, and the ratings must not change.
        let mut small = TagState::default();
        small.matching.analyzer = Analyzer::with_cache_limit(3);
        let codings = tagger.tag(&mut small, &t);
        assert!(small.matching.analyzer.generation() > 1);
        let mut words = small.words(&t);
        assert!(
            matches!(words.sentence(0), Cow::Owned(_)),
            "stale: tokenized again"
        );
        let got = crate::ratings::extract(&mut words, &codings);
        let values: Vec<(usize, f32)> = got.iter().map(|r| (r.param, r.value)).collect();
        assert_eq!(values, [(expected[0].param, 6.0)]);
    }
}
