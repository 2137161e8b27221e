//! The client's ideas and wishes: whole proposals, near-duplicates merged, grouped by
//! parameter.
//!
//! A wish is a proposal the supplier could act on. Two steps:
//!
//! 1. **Per transcript** ([`collect`]): the respondent sentences the tagger flagged as wishes
//!    become passages. A wish that says nothing alone (a fragment: fewer than two content
//!    words, «Хотя бы раз в квартал.») or that continues the sentence before («Хотя бы на…»,
//!    «Чтоб не отвёрткой слушать.», «А то…») takes the sentence before it in the turn as its
//!    context (or the last sentence of the respondent's previous turn across a short
//!    interviewer back-channel, joined with «…»); consecutive pieces of one proposal make one
//!    passage. A passage is verbatim: the sentences' text with non-speech marks left out,
//!    names masked as in quotes ([`super::mask`]). Dropped: satisfied wishes («Вот бы так и
//!    дальше.», «пусть всё остаётся как есть»), messages that propose nothing («Передайте
//!    привет»), a grade's reason or a report of the past without any request («семь, за то,
//!    что хотя бы разговор есть», «они хотя бы начали разговаривать»), and fragments with no
//!    context to complete them. The word lists are data: `dictionaries/wishes.ru.tsv`.
//! 2. **Across the wave** ([`consolidate`]): passages whose content lemmas overlap (at least
//!    two shared, and Jaccard ≥ 0.4 or, with three shared, the smaller set 75 % covered) are
//!    one wish, shown in the wording closest to the others, with the number of respondents
//!    who asked and their divisions; grouped by parameter in codebook order (those without a
//!    parameter last, «Общее»), the most asked first.

use std::collections::BTreeSet;

use serde::Serialize;

use super::candidates::shown;
use super::mask;
use super::words::{Kind, is};
use crate::codebook::Codebook;
use crate::model::{CharIndex, Role};
use crate::tag::words::Words;
use crate::tag::{Coding, Source};
use crate::text::{Analyzer, Token};

/// One wish passage of one transcript, before consolidation.
#[derive(Clone, Debug, PartialEq)]
pub struct Wish {
    /// The parameter (codebook index): the wish sentence's keyword coding, else its context
    /// coding, else its context sentence's.
    pub param: Option<usize>,
    /// The transcript.
    pub doc: String,
    /// The respondent's division (empty when unknown).
    pub division: String,
    /// The respondent (metadata `respondent`, else the document).
    pub respondent: String,
    /// Who said it, by the quotes' attribution template.
    pub attribution: String,
    /// The passage, verbatim with marks left out, names masked.
    pub text: String,
    /// Start of the passage, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// Content lemmas, for merging near-duplicates.
    pub lemmas: BTreeSet<String>,
}

/// Where a merged wish was said.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WishSource {
    /// The transcript.
    pub doc: String,
    /// Start, code points.
    pub start: usize,
    /// End, code points.
    pub end: usize,
}

/// A wish as the report shows it: one proposal, maybe asked by several respondents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportWish {
    /// The parameter id, if any.
    pub param: Option<String>,
    /// The wording shown (the one closest to the others), masked.
    pub text: String,
    /// Who said the wording shown.
    pub attribution: String,
    /// How many respondents asked.
    pub count: usize,
    /// The divisions that asked, in order of appearance.
    pub divisions: Vec<String>,
    /// Every passage merged into it, the shown one first.
    pub sources: Vec<WishSource>,
}

/// The wishes of one parameter (or of none: «Общее»).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WishGroup {
    /// The parameter id; `None` for the wishes without one.
    pub param: Option<String>,
    /// The parameter's name, or «Общее».
    pub name: String,
    /// Its wishes, the most asked first.
    pub wishes: Vec<ReportWish>,
}

/// The consolidated wishes of a wave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wishes {
    /// Groups in codebook order, «Общее» last; at most `max` wishes in all.
    pub groups: Vec<WishGroup>,
    /// Wishes after merging, before the cut to `max`.
    pub total: usize,
}

/// The group name of wishes without a parameter.
pub const GENERAL: &str = "Общее";

/// What one sentence says, for the decisions above.
struct Said {
    /// Normalized forms, in order.
    norms: Vec<String>,
    /// Content lemmas.
    content: BTreeSet<String>,
    satisfied: bool,
    message: bool,
    directive: bool,
    concession: bool,
    past: bool,
    continuation: bool,
}

impl Said {
    fn of(tokens: &[Token], analyzer: &Analyzer) -> Said {
        let mut norms = Vec::with_capacity(tokens.len());
        let mut said = Said {
            norms: Vec::new(),
            content: BTreeSet::new(),
            satisfied: false,
            message: false,
            directive: false,
            concession: false,
            past: false,
            continuation: false,
        };
        for tk in tokens {
            let info = analyzer.info(tk);
            let norm = info.norm.as_str();
            let lemma = info.lemmas.first().map_or(norm, String::as_str);
            // "хотя бы", "хоть бы" ask for nothing by their "бы".
            let after_hedge = norms
                .last()
                .is_some_and(|p: &String| p == "хотя" || p == "хоть");
            if (is(Kind::Directive, lemma) || is(Kind::Directive, norm))
                && !((norm == "бы" || norm == "б") && after_hedge)
            {
                said.directive = true;
            }
            said.message |= is(Kind::Message, lemma);
            said.past |= past_verb(norm, lemma);
            if lemma.chars().count() > 2
                && !norm.chars().any(|c| c.is_ascii_digit())
                && !is(Kind::Filler, norm)
                && !is(Kind::Opener, norm)
                && !is(Kind::FirstPerson, norm)
                && !is(Kind::Empty, lemma)
                && !is(Kind::Empty, norm)
                && !is(Kind::Time, lemma)
                && !is(Kind::Number, lemma)
            {
                said.content.insert(lemma.to_string());
            }
            norms.push(norm.to_string());
        }
        let joined = format!(" {} ", norms.join(" "));
        let has = |kind: Kind| super::words::all(kind).any(|p| joined.contains(&format!(" {p} ")));
        said.satisfied = has(Kind::Satisfied);
        said.concession = has(Kind::Concession);
        // The opening after fillers.
        let first = norms
            .iter()
            .position(|n| !is(Kind::Filler, n))
            .unwrap_or(norms.len());
        let opening = format!(" {} ", norms[first..].join(" "));
        said.continuation =
            super::words::all(Kind::Continuation).any(|p| opening.starts_with(&format!(" {p} ")));
        said.norms = norms;
        said
    }

    /// Says too little alone: fewer than two content words.
    fn fragment(&self) -> bool {
        self.content.len() < 2
    }

    /// Needs the sentence before it to make sense.
    fn needs_context(&self) -> bool {
        self.fragment() || self.continuation
    }

    /// Asks for nothing: a satisfied wish, a greeting, a grade's reason or a report of the
    /// past without a request.
    fn no_proposal(&self) -> bool {
        self.satisfied
            || (!self.directive && (self.message || self.concession || self.past))
            || (self.message && self.content.len() < 3)
    }
}

/// A past-tense verb form: "начали", "было", "открыли" (lemma an infinitive, form in -л).
fn past_verb(norm: &str, lemma: &str) -> bool {
    let verb = ["ть", "ться", "чь", "чься", "ти", "тись"]
        .iter()
        .any(|e| lemma.ends_with(e));
    verb && ["л", "ла", "ло", "ли", "лся", "лась", "лось", "лись"]
        .iter()
        .any(|e| norm.ends_with(e))
}

/// The most words an interviewer's back-channel between two pieces of one answer has
/// ("Угу.", "Так, а ещё?").
const BACK_CHANNEL_WORDS: usize = 4;

/// The wish passages of one transcript (see the module docs). `attribution` is the
/// transcript's attribution by the quotes' template.
pub fn collect(words: &mut Words<'_>, codings: &[Coding], attribution: &str) -> Vec<Wish> {
    let t = words.transcript();
    let n = t.sentences.len();
    let mut wish = vec![false; n];
    let mut keyword: Vec<Option<usize>> = vec![None; n];
    let mut context: Vec<Option<usize>> = vec![None; n];
    let respondent_turn = |turn: usize| t.turn_speaker(&t.turns[turn]).role == Role::Respondent;
    for c in codings {
        if !respondent_turn(c.turn) {
            continue;
        }
        wish[c.sentence] |= c.wish;
        if let Some(p) = c.param {
            match c.source {
                Source::Keyword => {
                    keyword[c.sentence].get_or_insert(p);
                }
                _ => {
                    context[c.sentence].get_or_insert(p);
                }
            }
        }
    }
    if !wish.iter().any(|w| *w) {
        return Vec::new();
    }
    let param_of = |s: usize| keyword[s].or(context[s]);
    let spoken = |s: usize| !t.sentences[s].non_speech;
    // The spoken sentence before `s` in its turn.
    let before = |s: usize| {
        let turn = t.sentences[s].turn;
        (0..s)
            .rev()
            .take_while(|&k| t.sentences[k].turn == turn)
            .find(|&k| spoken(k))
    };
    // The last spoken sentence of the same respondent's previous turn, across a short
    // back-channel of the interviewer.
    let across = |s: usize| -> Option<usize> {
        let turn = t.sentences[s].turn;
        let mut k = (0..s).rev().find(|&k| t.sentences[k].turn != turn)?;
        let mut back_channel = 0usize;
        loop {
            let tk = t.sentences[k].turn;
            if respondent_turn(tk) {
                let same = t.turns[tk].speaker == t.turns[turn].speaker;
                return (same && spoken(k)).then_some(k);
            }
            back_channel += t.slice(t.sentences[k].span).split_whitespace().count();
            if back_channel > BACK_CHANNEL_WORDS || k == 0 {
                return None;
            }
            k -= 1;
        }
    };
    let mut said: Vec<Option<Said>> = (0..n).map(|_| None).collect();
    let mut say = |s: usize, said: &mut Vec<Option<Said>>| {
        if said[s].is_none() {
            let sentence = &t.sentences[s];
            let tokens = words.within(s, sentence.span, &sentence.marks);
            said[s] = Some(Said::of(&tokens, words.analyzer));
        }
    };
    // Passages: their sentences, in text order.
    let mut passages: Vec<Vec<usize>> = Vec::new();
    for s in (0..n).filter(|&s| wish[s] && spoken(s)) {
        say(s, &mut said);
        let me = said[s].as_ref().expect("analyzed");
        if me.no_proposal() {
            continue;
        }
        if !me.needs_context() {
            passages.push(vec![s]);
            continue;
        }
        let fragment = me.fragment();
        let prev = before(s);
        if let Some(p) = prev {
            if passages.last().is_some_and(|l| l.last() == Some(&p)) {
                passages.last_mut().expect("a passage").push(s);
                continue;
            }
            say(p, &mut said);
            let ctx = said[p].as_ref().expect("analyzed");
            if ctx.satisfied || (!ctx.directive && ctx.message) {
                continue;
            }
            let mut passage = vec![p, s];
            // A context that itself continues the sentence before it takes that one too.
            if ctx.needs_context()
                && let Some(pp) = before(p)
            {
                passage.insert(0, pp);
            }
            // A context that is already in the passage before extends that passage.
            match passages.last_mut() {
                Some(l) if l.last().is_some_and(|&e| e >= passage[0]) => {
                    let end = *l.last().expect("non-empty");
                    l.extend(passage.into_iter().filter(|&x| x > end));
                }
                _ => passages.push(passage),
            }
        } else if let Some(p) = across(s) {
            passages.push(vec![p, s]);
        } else if !fragment {
            passages.push(vec![s]);
        }
    }
    let private = mask::private_words(t);
    let division = t.meta.get("division").cloned().unwrap_or_default();
    let respondent = t
        .meta
        .get("respondent")
        .cloned()
        .unwrap_or_else(|| t.doc.clone());
    let ix = CharIndex::new(&t.text);
    let mut out = Vec::new();
    for passage in passages {
        let mut text = String::new();
        let mut lemmas = BTreeSet::new();
        let mut last: Option<usize> = None;
        for &s in &passage {
            say(s, &mut said);
            lemmas.extend(said[s].as_ref().expect("analyzed").content.iter().cloned());
            if let Some(l) = last {
                // Adjacent when only non-speech sentences stand between.
                let adjacent = (l + 1..s).all(|k| !spoken(k));
                text.push_str(if adjacent { " " } else { " … " });
            }
            text.push_str(&shown(t, s, t.sentences[s].span.start));
            last = Some(s);
        }
        let mut text = super::tidy(&text);
        super::candidates::open(&mut text, false);
        if lemmas.len() < 2 {
            continue;
        }
        let wished = passage.iter().copied().filter(|&s| wish[s]);
        let param = wished
            .clone()
            .find_map(|s| keyword[s])
            .or_else(|| wished.clone().find_map(|s| context[s]))
            .or_else(|| passage.iter().find_map(|&s| param_of(s)));
        let first = passage[0];
        let end = *passage.last().expect("non-empty");
        out.push(Wish {
            param,
            doc: t.doc.clone(),
            division: division.clone(),
            respondent: respondent.clone(),
            attribution: attribution.to_string(),
            text: mask::mask(&text, &private),
            start: ix.char_offset(t.sentences[first].span.start),
            end: ix.char_offset(t.sentences[end].span.end),
            lemmas,
        });
    }
    out
}

/// How alike two wishes are: `Some(jaccard)` when they are one proposal (see the module
/// docs), else `None`.
fn alike(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Option<f32> {
    let shared = a.intersection(b).count();
    if shared < 2 {
        return None;
    }
    let jaccard = shared as f32 / (a.len() + b.len() - shared) as f32;
    let covered = shared as f32 / a.len().min(b.len()) as f32;
    (jaccard >= 0.4 || (shared >= 3 && covered >= 0.75)).then_some(jaccard)
}

/// Merges near-duplicate wishes and groups them by parameter (see the module docs): at most
/// `max` wishes in all, the groups in codebook order. Deterministic for a given input order.
pub fn consolidate(wishes: Vec<Wish>, cb: &Codebook, max: usize) -> Wishes {
    // Clusters of indexes into `wishes`, in order of their first member.
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    for (i, w) in wishes.iter().enumerate() {
        let best = clusters
            .iter()
            .enumerate()
            .filter_map(|(c, members)| {
                members
                    .iter()
                    .filter_map(|&m| alike(&wishes[m].lemmas, &w.lemmas))
                    .fold(None, |acc: Option<f32>, s| {
                        Some(acc.map_or(s, |a| a.max(s)))
                    })
                    .map(|s| (c, s))
            })
            .fold(None, |acc: Option<(usize, f32)>, (c, s)| match acc {
                Some((_, b)) if b >= s => acc,
                _ => Some((c, s)),
            });
        match best {
            Some((c, _)) => clusters[c].push(i),
            None => clusters.push(vec![i]),
        }
    }
    let mut merged: Vec<(usize, usize, ReportWish)> = Vec::new();
    for members in &clusters {
        // The wording closest to the others: most shared lemmas with them, then the first.
        let shown = *members
            .iter()
            .max_by_key(|&&m| {
                let shared: usize = members
                    .iter()
                    .filter(|&&o| o != m)
                    .map(|&o| wishes[m].lemmas.intersection(&wishes[o].lemmas).count())
                    .sum();
                (shared, std::cmp::Reverse(m))
            })
            .expect("a cluster has members");
        // The parameter most members name (the earliest in the codebook on a tie).
        let mut votes: Vec<(usize, usize)> = Vec::new();
        for &m in members {
            if let Some(p) = wishes[m].param {
                match votes.iter_mut().find(|(q, _)| *q == p) {
                    Some(v) => v.1 += 1,
                    None => votes.push((p, 1)),
                }
            }
        }
        votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let param = votes.first().map(|(p, _)| *p);
        let mut respondents = BTreeSet::new();
        let mut divisions: Vec<String> = Vec::new();
        for &m in members {
            respondents.insert(wishes[m].respondent.as_str());
            let d = &wishes[m].division;
            if !d.is_empty() && !divisions.contains(d) {
                divisions.push(d.clone());
            }
        }
        let w = &wishes[shown];
        let sources = std::iter::once(shown)
            .chain(members.iter().copied().filter(|&m| m != shown))
            .map(|m| WishSource {
                doc: wishes[m].doc.clone(),
                start: wishes[m].start,
                end: wishes[m].end,
            })
            .collect();
        merged.push((
            param.unwrap_or(usize::MAX),
            members[0],
            ReportWish {
                param: param.map(|p| cb.parameters[p].id.clone()),
                text: w.text.clone(),
                attribution: w.attribution.clone(),
                count: respondents.len(),
                divisions,
                sources,
            },
        ));
    }
    let total = merged.len();
    merged.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.2.count.cmp(&a.2.count))
            .then(a.1.cmp(&b.1))
    });
    merged.truncate(max);
    let mut groups: Vec<WishGroup> = Vec::new();
    for (p, _, w) in merged {
        if groups.last().is_none_or(|g| g.param != w.param) {
            groups.push(WishGroup {
                param: w.param.clone(),
                name: cb
                    .parameters
                    .get(p)
                    .map_or_else(|| GENERAL.to_string(), |x| x.name.clone()),
                wishes: Vec::new(),
            });
        }
        groups.last_mut().expect("a group").wishes.push(w);
    }
    Wishes { groups, total }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tag::{TagState, Tagger};

    /// The shipped codebook and markers.
    fn tagger() -> Tagger {
        let mut a = Analyzer::new();
        let cb = Codebook::load(None, &mut a).expect("the embedded codebook");
        Tagger::new(cb, &mut a)
    }

    /// The wish passages of a transcript (and how many sentences the tagger flagged).
    fn wishes_of(tg: &Tagger, text: &str) -> (Vec<Wish>, usize) {
        let t = crate::testutil::transcript(text);
        let mut st = TagState::default();
        let codings = tg.tag(&mut st, &t);
        let flagged: BTreeSet<usize> = codings
            .iter()
            .filter(|c| c.wish)
            .map(|c| c.sentence)
            .collect();
        (collect(&mut st.words(&t), &codings, "Р"), flagged.len())
    }

    fn texts(ws: &[Wish]) -> Vec<&str> {
        ws.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn a_fragment_takes_the_sentence_it_completes() {
        let tg = tagger();
        // «Хотя бы раз в квартал.» says nothing alone: it completes the wish before it.
        let (ws, flagged) = wishes_of(
            &tg,
            "Интервьюер: Ваши пожелания?\nРеспондент: Первое, шестьдесят дней отсрочки. Ну и в общем, чтобы менеджер сам звонил. Хотя бы раз в квартал.\n",
        );
        assert_eq!(flagged, 2, "the tagger flags both sentences");
        assert_eq!(
            texts(&ws),
            ["Ну и в общем, чтобы менеджер сам звонил. Хотя бы раз в квартал."]
        );
        // «Чтоб не отвёрткой слушать.» continues a sentence that is no wish by itself, and
        // the next «Хотя бы на…» continues it in turn: one proposal, verbatim.
        let (ws, _) = wishes_of(
            &tg,
            "Интервьюер: Ваши идеи, пожелания поставщику?\nРеспондент: Ну вот датчики первое. Чтоб не отвёрткой слушать. Хотя бы на циркуляцию, на самые важные насосы, где резерва нету или он один. Это прям первое.\n",
        );
        assert_eq!(
            texts(&ws),
            [
                "Ну вот датчики первое. Чтоб не отвёрткой слушать. Хотя бы на циркуляцию, на самые важные насосы, где резерва нету или он один."
            ]
        );
        // The same fragment with nothing of the respondent's before it is dropped.
        let (ws, flagged) = wishes_of(
            &tg,
            "Интервьюер: Как часто менеджер должен звонить?\nРеспондент: Хотя бы раз в квартал.\n",
        );
        assert_eq!((flagged, ws.len()), (1, 0), "{ws:?}");
    }

    #[test]
    fn a_piece_across_a_back_channel_is_joined_with_an_ellipsis() {
        let tg = tagger();
        let (ws, _) = wishes_of(
            &tg,
            "Интервьюер: Что улучшить?\nРеспондент: Нужен личный кабинет со статусом заказа.\nИнтервьюер: Угу.\nРеспондент: Хотя бы раз в день обновлять.\n",
        );
        assert_eq!(
            texts(&ws),
            ["Нужен личный кабинет со статусом заказа. … Хотя бы раз в день обновлять."]
        );
    }

    #[test]
    fn satisfied_wishes_messages_and_grade_reasons_are_dropped() {
        let tg = tagger();
        for text in [
            "Вот бы так и дальше.",
            "Хотелось бы, чтобы всё оставалось как есть.",
            "Передайте Марине Юрьевне привет.",
            "Ну, семь с половиной, за то, что КП хотя бы было.",
            "И вот в этом году они хотя бы начали разговаривать.",
        ] {
            let (ws, flagged) = wishes_of(
                &tg,
                &format!("Интервьюер: Что скажете напоследок?\nРеспондент: {text}\n"),
            );
            // Flagged by the markers, and still no proposal.
            assert_eq!(flagged, 1, "{text}: not flagged, the test proves nothing");
            assert!(ws.is_empty(), "{text}: {ws:?}");
        }
        // A real proposal next to them stays.
        let (ws, _) = wishes_of(
            &tg,
            "Интервьюер: Что скажете напоследок?\nРеспондент: Хотелось бы, чтобы сертификаты лежали в личном кабинете. Вот бы так и дальше.\n",
        );
        assert_eq!(
            texts(&ws),
            ["Хотелось бы, чтобы сертификаты лежали в личном кабинете."]
        );
    }

    #[test]
    fn names_are_masked_as_in_quotes() {
        let tg = tagger();
        let text = "Интервьюер: Что улучшить?\nРеспондент: Хотелось бы, чтобы Олег сам звонил раз в месяц.\n";
        let t = crate::testutil::transcript(text);
        let (ws, _) = wishes_of(&tg, text);
        let raw = "Хотелось бы, чтобы Олег сам звонил раз в месяц.";
        assert_eq!(texts(&ws), [mask::mask(raw, &mask::private_words(&t))]);
        assert!(!ws[0].text.contains("Олег"), "{}", ws[0].text);
    }

    fn wish(doc: &str, division: &str, param: Option<usize>, text: &str) -> Wish {
        let mut a = Analyzer::new();
        Wish {
            param,
            doc: doc.into(),
            division: division.into(),
            respondent: doc.into(),
            attribution: division.into(),
            text: text.into(),
            start: 0,
            end: text.chars().count(),
            lemmas: Said::of(&a.tokens(text), &a).content,
        }
    }

    #[test]
    fn near_duplicates_from_two_divisions_merge_and_groups_follow_the_codebook() {
        let mut a = Analyzer::new();
        let cb = Codebook::load(None, &mut a).unwrap();
        let p = |id: &str| cb.parameter(id).unwrap();
        let ws = vec![
            wish(
                "a.txt",
                "Закупки",
                Some(p("proactivity")),
                "Чтобы менеджер сам звонил, а не ждал.",
            ),
            wish(
                "b.txt",
                "Финансы",
                None,
                "Ну и чтобы менеджер звонил нам сам, хоть раз в месяц.",
            ),
            wish(
                "b.txt",
                "Финансы",
                Some(p("order_processing")),
                "Хорошо бы личный кабинет со статусом заказа.",
            ),
            wish(
                "c.txt",
                "Качество",
                None,
                "Передайте, что денежные вопросы надо решать.",
            ),
        ];
        let out = consolidate(ws, &cb, 10);
        assert_eq!(out.total, 3);
        let names: Vec<(&str, usize)> = out
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.wishes.len()))
            .collect();
        // Codebook order, «Общее» last.
        let order_processing = cb.parameters[p("order_processing")].name.as_str();
        let proactivity = cb.parameters[p("proactivity")].name.as_str();
        let mut expected = vec![(order_processing, 1), (proactivity, 1)];
        if p("proactivity") < p("order_processing") {
            expected.swap(0, 1);
        }
        expected.push((GENERAL, 1));
        assert_eq!(names, expected);
        let merged = out
            .groups
            .iter()
            .find(|g| g.param.as_deref() == Some("proactivity"))
            .unwrap();
        let w = &merged.wishes[0];
        assert_eq!(w.count, 2);
        assert_eq!(w.divisions, ["Закупки", "Финансы"]);
        assert_eq!(w.sources.len(), 2);
        // The cut keeps the groups' order.
        let cut = consolidate(
            vec![
                wish(
                    "a.txt",
                    "Закупки",
                    Some(p("proactivity")),
                    "Чтобы менеджер сам звонил, а не ждал.",
                ),
                wish(
                    "c.txt",
                    "Качество",
                    None,
                    "Передайте, что денежные вопросы надо решать.",
                ),
            ],
            &cb,
            1,
        );
        assert_eq!((cut.total, cut.groups.len()), (2, 1));
        assert_eq!(cut.groups[0].param.as_deref(), Some("proactivity"));
    }
}
