//! Sentence polarity from a Russian sentiment lexicon, with intensifiers, diminishers,
//! negation scope and contrast.
//!
//! Each sentiment word adds its score (−3…3, by lemma; by form for unknown words). An
//! intensifier or diminisher multiplies the next sentiment word within two words. A negation
//! (не, нет, ни, без, никак…) flips and damps (×0.7) the sentiment words in the next three
//! words of its clause ("не очень доволен" is negative; "не плохо" mildly positive); a
//! trailing "нет", "нету" or "не было" flips the sentiment word up to three words before it
//! in its clause instead ("претензий нет", "задержек не было"). After a
//! contrast word (но, однако, зато…) the rest of the sentence weighs 1.5 and what came before
//! 0.5. Clauses end at , ; : — ( ) and sentence punctuation.
//!
//! Two kinds of evidence the lexicon does not see are added: a 1–10 rating said in a short
//! sentence (up to eight words; 9–10 praise +1.5, 6 −1, 5 and below −1.5, 7–8 nothing:
//! «Ну, девять.», «Четыре, не больше.»), and the praise of a comparison no one matches
//! («Ни один другой поставщик бы так не сделал», «никто бы так не…», +2).
//!
//! The label: `mixed` when both sides are at least 1 and the weaker is at least half the
//! stronger; otherwise by the sign of the total (|total| ≥ 0.5), else `neutral`. The score is
//! tanh(total / 3), in −1…1.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::text::{Analyzer, Token};

/// The shipped sentiment lexicon (`lemma<TAB>score`).
pub const SENTIMENT: &str = include_str!("../../dictionaries/sentiment.ru.tsv");
/// The shipped modifiers (`form<TAB>kind<TAB>factor`).
pub const MODIFIERS: &str = include_str!("../../dictionaries/modifiers.ru.tsv");

/// Words in a negation's scope.
const NEGATION_SCOPE: usize = 3;
/// How far back a trailing negation ("проблем нет") reaches.
const POST_NEGATION_REACH: usize = 3;

/// Words an intensifier or diminisher reaches.
const MODIFIER_REACH: usize = 2;

/// A sentence's polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Praise.
    Positive,
    /// Criticism.
    Negative,
    /// Neither.
    Neutral,
    /// Both, in comparable strength.
    Mixed,
}

impl Polarity {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
            Polarity::Mixed => "mixed",
        }
    }
}

/// What a modifier word does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Modifier {
    /// Multiplies the next sentiment word (intensifier > 1, diminisher < 1).
    Scale(f32),
    /// Flips the sentiment words in its scope.
    Negation,
    /// What follows weighs more.
    Contrast,
}

/// The sentiment lexicon and modifiers.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    words: FxHashMap<String, f32>,
    /// Phrases by their first word: (the other words, score).
    phrases: FxHashMap<String, Vec<(Vec<String>, f32)>>,
    modifiers: FxHashMap<String, Modifier>,
    modifier_phrases: FxHashMap<String, Vec<(Vec<String>, Modifier)>>,
}

/// Per-form facts, cached per thread.
#[derive(Clone, Copy, Debug, Default)]
struct FormFacts {
    score: f32,
    modifier: Option<Modifier>,
    phrase_start: bool,
}

/// The per-thread cache of form → facts (indexed by the analyzer's form ids).
#[derive(Default)]
pub struct PolarityCache {
    facts: Vec<Option<FormFacts>>,
}

impl Lexicon {
    /// The shipped lexicon.
    ///
    /// # Panics
    /// When the shipped files are malformed, which their tests rule out.
    pub fn embedded() -> Lexicon {
        Lexicon::parse(SENTIMENT, MODIFIERS).expect("the shipped lexicons are valid")
    }

    /// Parses a sentiment file and a modifiers file.
    ///
    /// # Errors
    /// A message naming the file and line of the first malformed line.
    pub fn parse(sentiment: &str, modifiers: &str) -> Result<Lexicon, String> {
        let mut lex = Lexicon::default();
        for (n, line) in lines(sentiment) {
            let (entry, score) = line.split_once('\t').ok_or_else(|| {
                format!("sentiment lexicon, line {n}: expected `lemma<TAB>score`")
            })?;
            let score: f32 = score.trim().parse().map_err(|_| {
                format!("sentiment lexicon, line {n}: score `{score}` is not a number")
            })?;
            let words: Vec<String> = entry
                .split_whitespace()
                .map(crate::text::normalize)
                .collect();
            match words.as_slice() {
                [] => return Err(format!("sentiment lexicon, line {n}: empty entry")),
                [w] => {
                    lex.words.insert(w.clone(), score);
                }
                [first, rest @ ..] => lex
                    .phrases
                    .entry(first.clone())
                    .or_default()
                    .push((rest.to_vec(), score)),
            }
        }
        for (n, line) in lines(modifiers) {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [form, kind, factor] = cols[..] else {
                return Err(format!(
                    "modifiers, line {n}: expected `form<TAB>kind<TAB>factor`"
                ));
            };
            let m = match kind {
                "intensifier" | "diminisher" => Modifier::Scale(factor.parse().map_err(|_| {
                    format!("modifiers, line {n}: factor `{factor}` is not a number")
                })?),
                "negation" => Modifier::Negation,
                "contrast" => Modifier::Contrast,
                other => {
                    return Err(format!(
                        "modifiers, line {n}: unknown kind `{other}` (intensifier, diminisher, negation, contrast)"
                    ));
                }
            };
            let words: Vec<String> = form
                .split_whitespace()
                .map(crate::text::normalize)
                .collect();
            match words.as_slice() {
                [] => return Err(format!("modifiers, line {n}: empty form")),
                [w] => {
                    lex.modifiers.insert(w.clone(), m);
                }
                [first, rest @ ..] => lex
                    .modifier_phrases
                    .entry(first.clone())
                    .or_default()
                    .push((rest.to_vec(), m)),
            }
        }
        Ok(lex)
    }

    /// Number of sentiment entries (words and phrases).
    pub fn len(&self) -> usize {
        self.words.len() + self.phrases.values().map(Vec::len).sum::<usize>()
    }

    /// True when the lexicon has no sentiment entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn facts(&self, analyzer: &Analyzer, token: &Token, cache: &mut PolarityCache) -> FormFacts {
        // Form ids are stable within a generation of the analyzer's cache; the tagger gives
        // each generation a fresh `PolarityCache`.
        let idx = token.form.index();
        if idx >= cache.facts.len() {
            cache.facts.resize(idx + 1, None);
        }
        if let Some(f) = cache.facts[idx] {
            return f;
        }
        let info = analyzer.info(token);
        let key = info.lemmas.first().unwrap_or(&info.norm);
        let score = info
            .lemmas
            .iter()
            .chain(std::iter::once(&info.norm))
            .find_map(|l| self.words.get(l))
            .copied()
            .unwrap_or(0.0);
        let f = FormFacts {
            score,
            modifier: self.modifiers.get(&info.norm).copied(),
            phrase_start: self.phrases.contains_key(key)
                || self.modifier_phrases.contains_key(&info.norm),
        };
        cache.facts[idx] = Some(f);
        f
    }

    /// The polarity of a sentence from its tokens (spans relative to `text`).
    pub fn score(
        &self,
        analyzer: &Analyzer,
        text: &str,
        tokens: &[Token],
        cache: &mut PolarityCache,
    ) -> (Polarity, f32) {
        let (mut pos, mut neg) = (0.0f32, 0.0f32);
        let mut negation_left = 0usize;
        let mut scale: Option<(f32, usize)> = None;
        let mut weight = 1.0f32;
        // The last sentiment word not under a negation: (token index, its contribution).
        let mut last: Option<(usize, f32)> = None;
        // The weighted score of a one-word verdict before a contrast («Дорого, но …»).
        let mut concession: Option<f32> = None;
        let mut i = 0;
        while i < tokens.len() {
            if i > 0 && clause_break(&text[tokens[i - 1].span.end..tokens[i].span.start]) {
                negation_left = 0;
                scale = None;
                last = None;
            }
            let f = self.facts(analyzer, &tokens[i], cache);
            let (mut score, mut modifier, mut width) = (f.score, f.modifier, 1);
            if f.phrase_start
                && let Some((w, s, m)) = self.phrase_at(analyzer, tokens, i)
            {
                width = w;
                score = s;
                modifier = m;
            }
            if let Some(m) = modifier {
                match m {
                    // "Претензий нет", "задержек не было": a negation after a sentiment
                    // word of its clause flips that word instead of what follows.
                    Modifier::Negation
                        if last.is_some_and(|(at, _)| i - at <= POST_NEGATION_REACH)
                            && is_post_negation(analyzer, tokens, i) =>
                    {
                        let (_, s) = last.take().unwrap_or_default();
                        if s > 0.0 {
                            pos -= s;
                        } else {
                            neg -= s;
                        }
                        let flipped = s * -0.7;
                        if flipped > 0.0 {
                            pos += flipped;
                        } else {
                            neg += flipped;
                        }
                    }
                    Modifier::Negation => negation_left = NEGATION_SCOPE + 1,
                    Modifier::Scale(x) => scale = Some((x, MODIFIER_REACH + 1)),
                    Modifier::Contrast => {
                        // «Дорого, но …»: a one-word verdict conceded first.
                        if i == 1 && pos + neg != 0.0 && concession.is_none() {
                            concession = Some((pos + neg) * 0.5);
                        }
                        pos *= 0.5;
                        neg *= 0.5;
                        weight = 1.5;
                        negation_left = 0;
                    }
                }
            } else if score != 0.0 {
                let mut s = score * weight;
                if let Some((x, _)) = scale.take() {
                    s *= x;
                }
                if negation_left > 0 {
                    s *= -0.7;
                }
                if s > 0.0 {
                    pos += s;
                } else {
                    neg += s;
                }
                last = (negation_left == 0).then_some((i, s));
            }
            for _ in 0..width {
                negation_left = negation_left.saturating_sub(1);
                if let Some((x, left)) = scale {
                    scale = (left > 1).then_some((x, left - 1));
                }
            }
            i += width;
        }
        // Evidence the lexicon does not see: a rating said in a short sentence («Ну,
        // девять.» praises, «Четыре, не больше.» criticizes) and the praise of a comparison
        // no one else matches («Ни один другой поставщик бы так не сделал»).
        let extra = rating_evidence(analyzer, text, tokens) + unmatched_praise(analyzer, tokens);
        if extra > 0.0 {
            pos += extra;
        } else {
            neg += extra;
        }
        let total = pos + neg;
        let (strong, weak) = if pos >= -neg {
            (pos, -neg)
        } else {
            (-neg, pos)
        };
        // «Дорого, но всё вовремя…»: the verdict stands beside what follows; both count.
        let conceded = concession.is_some_and(|c| {
            let after = total - c;
            after != 0.0 && after.signum() != c.signum()
        });
        let label = if conceded || (weak >= 1.0 && weak >= strong * 0.5) {
            Polarity::Mixed
        } else if total >= 0.5 {
            Polarity::Positive
        } else if total <= -0.5 {
            Polarity::Negative
        } else {
            Polarity::Neutral
        };
        (label, (total / 3.0).tanh())
    }

    /// A sentiment or modifier phrase starting at token `i`: (width, score, modifier).
    fn phrase_at(
        &self,
        analyzer: &Analyzer,
        tokens: &[Token],
        i: usize,
    ) -> Option<(usize, f32, Option<Modifier>)> {
        let info = analyzer.info(&tokens[i]);
        let lemma_of = |t: &Token| {
            let inf = analyzer.info(t);
            inf.lemmas.first().unwrap_or(&inf.norm).clone()
        };
        let key = info.lemmas.first().unwrap_or(&info.norm);
        let mut best: Option<(usize, f32, Option<Modifier>)> = None;
        for (rest, score) in self.phrases.get(key).into_iter().flatten() {
            let ok = rest.iter().enumerate().all(|(k, w)| {
                tokens
                    .get(i + 1 + k)
                    .is_some_and(|t| lemma_of(t) == *w || analyzer.info(t).norm == *w)
            });
            if ok && best.is_none_or(|b| b.0 < rest.len() + 1) {
                best = Some((rest.len() + 1, *score, None));
            }
        }
        for (rest, m) in self.modifier_phrases.get(&info.norm).into_iter().flatten() {
            let ok = rest.iter().enumerate().all(|(k, w)| {
                tokens
                    .get(i + 1 + k)
                    .is_some_and(|t| analyzer.info(t).norm == *w)
            });
            if ok && best.is_none_or(|b| b.0 < rest.len() + 1) {
                best = Some((rest.len() + 1, 0.0, Some(*m)));
            }
        }
        best
    }
}

/// A negation that negates what came before it: "нет", "нету", or "не" before a form of
/// быть ("не было", "не бывает").
fn is_post_negation(analyzer: &Analyzer, tokens: &[Token], i: usize) -> bool {
    match analyzer.info(&tokens[i]).norm.as_str() {
        "нет" | "нету" => true,
        "не" => tokens.get(i + 1).is_some_and(|t| {
            matches!(
                analyzer.info(t).norm.as_str(),
                "было" | "были" | "был" | "была" | "будет" | "бывает" | "бывало" | "будут"
            )
        }),
        _ => false,
    }
}

fn lines(src: &str) -> impl Iterator<Item = (usize, &str)> {
    src.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

fn clause_break(gap: &str) -> bool {
    gap.contains([',', ';', ':', '—', '–', '(', ')', '.', '!', '?', '…'])
}

/// Sentences up to this many words are read for a rating said in them.
const RATING_SENTENCE: usize = 8;

/// A 1–10 rating said in a short sentence and ending its clause («ну, девять», «Четыре, не
/// больше»): 9–10 count as praise (+1.5), 6 as mild criticism (−1), 5 and below as
/// criticism (−1.5); 7–8 as nothing.
fn rating_evidence(analyzer: &Analyzer, text: &str, tokens: &[Token]) -> f32 {
    if tokens.len() > RATING_SENTENCE {
        return 0.0;
    }
    for (i, t) in tokens.iter().enumerate() {
        let info = analyzer.info(t);
        let value = if info.norm.bytes().all(|b| b.is_ascii_digit()) {
            info.norm.parse::<u8>().ok().map(f32::from)
        } else {
            info.lemmas
                .iter()
                .find_map(|l| crate::ratings::read::word_value(l))
        };
        let Some(v) = value.filter(|v| (1.0..=10.0).contains(v)) else {
            continue;
        };
        // "три часа", "пять дней": a quantity unless its clause ends here.
        let ends_clause = tokens
            .get(i + 1)
            .is_none_or(|n| clause_break(&text[t.span.end..n.span.start]));
        let after_not = i > 0 && analyzer.info(&tokens[i - 1]).norm == "не";
        // "лет на пять", "дней пять": a quantity named before it.
        let unit_before = tokens[i.saturating_sub(2)..i].iter().any(|p| {
            let p = analyzer.info(p);
            let units = crate::ratings::read::UNITS;
            units.contains(&p.norm.as_str())
                || p.lemmas
                    .first()
                    .is_some_and(|l| units.contains(&l.as_str()))
        });
        if unit_before {
            continue;
        }
        if !ends_clause || after_not || (v == 1.0 && !info.norm.starts_with('1')) {
            continue;
        }
        return match v {
            v if v >= 9.0 => 1.5,
            v if v <= 5.0 => -1.5,
            v if v < 7.0 => -1.0,
            _ => 0.0,
        };
    }
    0.0
}

/// «Ни один другой поставщик бы так не сделал», «никто бы так не сделал»: praise by a
/// comparison no one matches (+2).
fn unmatched_praise(analyzer: &Analyzer, tokens: &[Token]) -> f32 {
    let norm = |i: usize| analyzer.info(&tokens[i]).norm.as_str();
    let n = tokens.len();
    let Some(start) = (0..n).find(|&i| {
        (norm(i) == "ни" && i + 1 < n && matches!(norm(i + 1), "один" | "одна" | "одно"))
            || norm(i) == "никто"
    }) else {
        return 0.0;
    };
    let rest: Vec<&str> = (start + 1..n.min(start + 10)).map(norm).collect();
    let by = rest.iter().position(|w| *w == "бы");
    let not = rest.iter().position(|w| *w == "не");
    match (by, not) {
        (Some(b), Some(k)) if b < k && rest.contains(&"так") => 2.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::parse(
            "# test\nхороший\t2\nдовольный\t2\nплохо\t-2\nзадержка\t-2\nотлично\t3\nидти навстречу\t2\nтак себе\t-1\n",
            "очень\tintensifier\t1.5\nнемного\tdiminisher\t0.5\nне\tnegation\t-\nнет\tnegation\t-\nбез\tnegation\t-\nно\tcontrast\t-\nа вот\tcontrast\t-\n",
        )
        .unwrap()
    }

    fn polarity(text: &str) -> (Polarity, f32) {
        let lex = lex();
        let mut a = Analyzer::new();
        let tokens = a.tokens(text);
        lex.score(&a, text, &tokens, &mut PolarityCache::default())
    }

    #[test]
    fn table_of_sentences() {
        let cases = [
            ("Всё хорошо.", Polarity::Positive),
            ("Отлично работают!", Polarity::Positive),
            ("Поставки с задержкой.", Polarity::Negative),
            ("Не очень доволен, честно.", Polarity::Negative),
            ("Ну, не плохо.", Polarity::Positive),
            ("Не плохо, а задержка есть.", Polarity::Mixed),
            (
                "Хорошие ребята, но задержки постоянные.",
                Polarity::Negative,
            ),
            ("Задержки бывают, но идут навстречу.", Polarity::Positive),
            ("Насосы хорошие, задержки плохо.", Polarity::Mixed),
            ("Документы так себе.", Polarity::Negative),
            ("Привезли насос в среду.", Polarity::Neutral),
            ("Без задержек.", Polarity::Positive),
            ("Задержек нет.", Polarity::Positive),
            ("Задержек не было, всё хорошо.", Polarity::Positive),
            ("Нет, задержка была.", Polarity::Negative),
            ("Плохо, но идут навстречу.", Polarity::Mixed),
        ];
        for (text, want) in cases {
            assert_eq!(polarity(text).0, want, "{text}: {:?}", polarity(text));
        }
    }

    #[test]
    fn ratings_and_unmatched_comparisons_are_evidence() {
        let cases = [
            ("Ну, девять.", Polarity::Positive),
            ("Я ему за это… ну, девять.", Polarity::Positive),
            ("Четыре, не больше.", Polarity::Negative),
            ("Ну, восемь.", Polarity::Neutral),
            ("Ждали три недели.", Polarity::Neutral),
            ("По этапам, лет на пять.", Polarity::Neutral),
            (
                "Ни один другой поставщик бы так не сделал, «ГидроМаш» бы сказал: ждите поставку.",
                Polarity::Positive,
            ),
            ("Никто бы так не сделал.", Polarity::Positive),
            ("Ни одного ответа не получили.", Polarity::Neutral),
        ];
        for (text, want) in cases {
            assert_eq!(polarity(text).0, want, "{text}: {:?}", polarity(text));
        }
    }

    #[test]
    fn the_issue_sentences_with_the_shipped_lexicon() {
        let lex = Lexicon::embedded();
        let mut a = Analyzer::new();
        let cases = [
            (
                "Дорого, но всё вовремя, документы идеальные, я ни одного УПД им не возвращала за пять лет.",
                Polarity::Mixed,
            ),
            (
                "Ни один другой поставщик бы так не сделал, «ГидроМаш» бы сказал: ждите поставку.",
                Polarity::Positive,
            ),
            ("Ну, девять, да.", Polarity::Positive),
            ("Я ему за это… ну, девять.", Polarity::Positive),
            (
                "Это реально хороший проект, без всяких.",
                Polarity::Positive,
            ),
            // A leak, then the seal on site three hours later: not plain criticism.
            (
                "Ой, не то слово вот в ноябре было в пятницу вечером на первой линии потекло торцевое я звоню механику он говорит щас у снабженцев спрошу и через три часа уплотнение уже у нас в цеху",
                Polarity::Mixed,
            ),
            (
                "Он отвечает. В тот же день, чётко, по пунктам.",
                Polarity::Positive,
            ),
            (
                "В этом году никакого прогноза не было, про плюс двенадцать процентов я узнала из письма с новым прайсом.",
                Polarity::Negative,
            ),
        ];
        for (text, want) in cases {
            let tokens = a.tokens(text);
            let got = lex.score(&a, text, &tokens, &mut PolarityCache::default());
            assert_eq!(got.0, want, "{text}: {got:?}");
        }
    }

    #[test]
    fn intensifiers_and_diminishers_scale() {
        let strong = polarity("Очень хорошо.").1;
        let plain = polarity("Хорошо.").1;
        let weak = polarity("Немного хорошо.").1;
        assert!(
            strong > plain && plain > weak && weak > 0.0,
            "{strong} {plain} {weak}"
        );
    }

    #[test]
    fn malformed_lines_are_named() {
        let err = Lexicon::parse("хороший\t2\nплохой\n", "").unwrap_err();
        assert_eq!(err, "sentiment lexicon, line 2: expected `lemma<TAB>score`");
        let err = Lexicon::parse("", "очень\tsuper\t2\n").unwrap_err();
        assert!(
            err.starts_with("modifiers, line 1: unknown kind `super`"),
            "{err}"
        );
    }
}
