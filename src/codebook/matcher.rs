//! The compiled matcher: which entries of which parameters match in a sentence.
//!
//! Every distinct word pattern of the codebook gets an id; each token form is resolved once
//! per thread into the word patterns it matches (cached by the analyzer's form id), so the
//! hot loop over tokens is a cache lookup. Entries are indexed by their first word pattern
//! (both sides for NEAR), and only entries whose first word occurs are evaluated.

use rustc_hash::FxHashMap;

use super::{Codebook, Pattern, WordPat};
use crate::model::Span;
use crate::text::{
    Analyzer, FormId, FormInfo, Normalized, Token, TokenKind, kind_of, lemma_forms,
    paradigms_may_miss,
};

/// Which list of a parameter an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    /// `terms`: codes the sentence.
    Term,
    /// `exclude`: cancels term matches inside it.
    Exclude,
    /// `questions`: the interviewer asks about the parameter.
    Question,
}

/// Identifies an entry: parameter index, list, index in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryRef {
    /// Index into [`Codebook::parameters`].
    pub param: usize,
    /// Which list.
    pub kind: EntryKind,
    /// Index in that list.
    pub index: usize,
}

/// One match of an entry in a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// The entry.
    pub entry: EntryRef,
    /// Byte span of the matched words, in the text the sentence came from.
    pub span: Span,
}

enum Compiled {
    Phrase(Vec<u32>),
    Near { a: Vec<u32>, b: Vec<u32>, n: usize },
    Regex(regex::bytes::Regex),
}

/// A codebook compiled for matching. Share it between threads; each thread uses its own
/// [`MatchState`].
pub struct Matcher {
    codebook: Codebook,
    words: Vec<WordPat>,
    lemma_idx: FxHashMap<String, Vec<u32>>,
    stem_any: FxHashMap<String, Vec<u32>>,
    stem_unknown: FxHashMap<String, Vec<u32>>,
    exact: FxHashMap<String, Vec<u32>>,
    prefixes: Vec<(String, u32)>,
    entries: Vec<(EntryRef, Compiled)>,
    by_first: Vec<Vec<u32>>,
    regex_entries: Vec<u32>,
    /// All regex entries, word boundaries removed, as one set: a cheap first look.
    regex_set: Option<regex::bytes::RegexSet>,
    /// The same patterns as one alternation: does any match at all.
    regex_any: Option<regex::bytes::Regex>,
    /// Which regex entries a sentence's words let through (see [`RegexGates`]); `None` with
    /// over 64 regex entries, when all are tried on every sentence.
    gates: Option<RegexGates>,
    phrase_gap: usize,
    /// The normalized forms a lemma or exact pattern may match: the pattern lemmas'
    /// paradigms ([`lemma_forms`]) and the exact forms. See [`Matcher::may_match`].
    surface: FxHashMap<String, ()>,
    /// Every prefix (on character boundaries) of the keys of `stem_any` and `stem_unknown`,
    /// with whether it is such a key itself. See [`Matcher::some_prefix_is_a_stem`].
    stem_prefixes: FxHashMap<String, bool>,
}

/// A form not looked at yet.
const UNRESOLVED: u8 = 0;
/// A form that matches no word pattern and opens no regex gate.
const NOTHING: u8 = 1;
/// A form with word patterns or gates (in `form_words`).
const SOMETHING: u8 = 2;

/// What one form matches (see [`MatchState`]'s `form_words`; whether it is set at all is
/// in `form_kind`).
#[derive(Clone, Copy, Default)]
struct FormWords {
    start: u32,
    len: u32,
    gates: u64,
}

/// Per-thread matching state: the analyzer and the cache of form → word patterns.
pub struct MatchState {
    /// The thread's analyzer (its form cache is shared with whatever else the thread does).
    pub analyzer: Analyzer,
    /// For each form id that matches something: range into `arena` of the word pattern
    /// ids it matches, and the regex entries its words let through ([`RegexGates`]).
    form_words: Vec<FormWords>,
    /// For each form id: [`UNRESOLVED`], [`NOTHING`] or [`SOMETHING`] (then see
    /// `form_words`).
    form_kind: Vec<u8>,
    arena: Vec<u32>,
    tokens: Vec<Token>,
    per_token: Vec<(u32, u32)>,
    flat: Vec<u32>,
    starts: Vec<(u32, u32)>,
    norm: Normalized,
    /// The analyzer's generation the tables above were filled in (form ids are per
    /// generation).
    generation: u32,
}

impl Default for MatchState {
    fn default() -> Self {
        Self::new()
    }
}

impl MatchState {
    /// A fresh state with its own analyzer.
    pub fn new() -> Self {
        MatchState {
            analyzer: Analyzer::new(),
            form_words: Vec::new(),
            form_kind: Vec::new(),
            arena: Vec::new(),
            tokens: Vec::new(),
            per_token: Vec::new(),
            flat: Vec::new(),
            starts: Vec::new(),
            norm: Normalized::default(),
            generation: 0,
        }
    }

    /// The tokens of the last sentence matched (spans relative to that sentence).
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }
}

impl Matcher {
    /// Compiles a codebook.
    pub fn new(codebook: Codebook) -> Matcher {
        let mut m = Matcher {
            words: Vec::new(),
            lemma_idx: FxHashMap::default(),
            stem_any: FxHashMap::default(),
            stem_unknown: FxHashMap::default(),
            exact: FxHashMap::default(),
            prefixes: Vec::new(),
            entries: Vec::new(),
            by_first: Vec::new(),
            regex_entries: Vec::new(),
            regex_set: None,
            regex_any: None,
            gates: None,
            phrase_gap: codebook.settings.phrase_gap,
            surface: FxHashMap::default(),
            stem_prefixes: FxHashMap::default(),
            codebook: Codebook {
                parameters: Vec::new(),
                ..codebook.clone()
            },
        };
        let mut ids: FxHashMap<WordPat, u32> = FxHashMap::default();
        let mut intern = |w: &WordPat, m: &mut Matcher| -> u32 {
            if let Some(&id) = ids.get(w) {
                return id;
            }
            let id = m.words.len() as u32;
            m.words.push(w.clone());
            m.by_first.push(Vec::new());
            match w {
                WordPat::Lemma { lemmas, stem } => {
                    for l in lemmas {
                        m.lemma_idx.entry(l.clone()).or_default().push(id);
                    }
                    m.stem_unknown.entry(stem.clone()).or_default().push(id);
                }
                WordPat::Stem(s) => m.stem_any.entry(s.clone()).or_default().push(id),
                WordPat::Exact(s) => m.exact.entry(s.clone()).or_default().push(id),
                WordPat::Prefix(s) => m.prefixes.push((s.clone(), id)),
            }
            ids.insert(w.clone(), id);
            id
        };
        for (pi, p) in codebook.parameters.iter().enumerate() {
            let lists = [
                (EntryKind::Term, &p.terms),
                (EntryKind::Exclude, &p.exclude),
                (EntryKind::Question, &p.questions),
            ];
            for (kind, list) in lists {
                for (index, e) in list.iter().enumerate() {
                    let eid = m.entries.len() as u32;
                    let r = EntryRef {
                        param: pi,
                        kind,
                        index,
                    };
                    let compiled = match &e.pattern {
                        Pattern::Phrase(ws) => {
                            let ws: Vec<u32> = ws.iter().map(|w| intern(w, &mut m)).collect();
                            m.by_first[ws[0] as usize].push(eid);
                            Compiled::Phrase(ws)
                        }
                        Pattern::Near { a, b, n } => {
                            let a: Vec<u32> = a.iter().map(|w| intern(w, &mut m)).collect();
                            let b: Vec<u32> = b.iter().map(|w| intern(w, &mut m)).collect();
                            m.by_first[a[0] as usize].push(eid);
                            if b[0] != a[0] {
                                m.by_first[b[0] as usize].push(eid);
                            }
                            Compiled::Near { a, b, n: *n }
                        }
                        Pattern::Regex(r) => {
                            m.regex_entries.push(eid);
                            Compiled::Regex(r.clone())
                        }
                    };
                    m.entries.push((r, compiled));
                }
            }
        }
        m.codebook.parameters = codebook.parameters;
        // The lemmas' paradigms (the dearest part of start-up, a dictionary walk per lemma)
        // on both cores, while this thread compiles the regex entries below.
        let lemmas: Vec<&String> = m.lemma_idx.keys().collect();
        let (paradigms, regexes) = rayon::join(
            || {
                use rayon::prelude::*;
                lemmas
                    .par_iter()
                    .map(|l| lemma_forms(l))
                    .collect::<Vec<Vec<String>>>()
            },
            || Self::regex_prefilters(&m.entries, &m.regex_entries),
        );
        let mut surface: FxHashMap<String, ()> = FxHashMap::default();
        for forms in paradigms {
            surface.extend(forms.into_iter().map(|f| (f, ())));
        }
        (m.regex_set, m.regex_any, m.gates) = regexes;
        m.surface = surface;
        m.surface.extend(m.exact.keys().map(|f| (f.clone(), ())));
        for stem in m.stem_any.keys().chain(m.stem_unknown.keys()) {
            for (i, _) in stem.char_indices().skip(1) {
                m.stem_prefixes
                    .entry(stem[..i].to_string())
                    .or_insert(false);
            }
            m.stem_prefixes.insert(stem.clone(), true);
        }
        m
    }

    /// The regex entries' prefilters: a set of them without their word boundaries (each
    /// matches wherever its entry does, and more) that runs on the fast DFA, where Unicode
    /// `\b` would not, and tells per sentence which few entries are worth running in full;
    /// one alternation of the same (most sentences match none: one search that can stop at
    /// the first match, then the set only where it does); and the entries' gate words.
    #[allow(clippy::type_complexity)]
    fn regex_prefilters(
        entries: &[(EntryRef, Compiled)],
        regex_entries: &[u32],
    ) -> (
        Option<regex::bytes::RegexSet>,
        Option<regex::bytes::Regex>,
        Option<RegexGates>,
    ) {
        let pats: Vec<String> = regex_entries
            .iter()
            .filter_map(|&e| match &entries[e as usize].1 {
                Compiled::Regex(r) => Some(r.as_str().replace("\\b", "")),
                _ => None,
            })
            .collect();
        let (mut set, mut any) = (None, None);
        if !pats.is_empty() {
            set = regex::bytes::RegexSet::new(&pats).ok();
            let alternation = pats
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            any = regex::bytes::Regex::new(&alternation).ok();
        }
        let gates = (regex_entries.len() <= 64).then(|| {
            let res: Vec<&regex::bytes::Regex> = regex_entries
                .iter()
                .filter_map(|&e| match &entries[e as usize].1 {
                    Compiled::Regex(r) => Some(r),
                    _ => None,
                })
                .collect();
            RegexGates::new(&res)
        });
        (set, any, gates)
    }

    /// The codebook it was compiled from.
    pub fn codebook(&self) -> &Codebook {
        &self.codebook
    }

    /// Whether a form may match some word pattern: when not, [`Matcher::resolve`] would find
    /// nothing, and the form is not looked up in the dictionary at all (most forms of real
    /// text). A form matches a word pattern only by
    /// - a lemma of a lemma pattern (Cyrillic forms only: no other form has lemmas): then it
    ///   is in `surface`, the forms of that lemma's paradigm ([`lemma_forms`]), or is one of
    ///   them with -ся/-сь;
    /// - an exact pattern: in `surface`;
    /// - a stem (stem patterns, and lemma patterns for unknown words): its stem, computed
    ///   here as the analysis does ([`Analyzer::stem`]), is one of them;
    /// - a prefix pattern: tested as such.
    ///
    /// Cyrillic forms outside what the paradigms are known to cover are always looked up:
    /// short ones, which may be abbreviations whose lemma is the full word («в» → «век»);
    /// comparatives with по- («подавнее» is read as a form of «давно», whose paradigm is that
    /// one word), taken as по- forms ending in -е or -ей; forms with letters other than а–я.
    /// The tests `forms_ruled_out_without_the_dictionary_match_no_pattern` (every form of the
    /// demo corpus and rusdracor) and `paradigms_of_real_forms_ruled_out_match_no_pattern`
    /// (761,835 dictionary forms) check it.
    fn may_match(&self, analyzer: &Analyzer, id: FormId) -> bool {
        let norm = analyzer.norm(id);
        let reflexive = (norm.ends_with("ся") || norm.ends_with("сь"))
            .then(|| &norm[..norm.len() - "ся".len()]);
        if self.surface.contains_key(norm)
            || reflexive.is_some_and(|p| self.surface.contains_key(p))
        {
            return true;
        }
        if paradigms_may_miss(norm) {
            return true;
        }
        if self
            .prefixes
            .iter()
            .any(|(p, _)| norm.starts_with(p.as_str()))
        {
            return true;
        }
        // Snowball's Russian stem of a form is a prefix of it (the algorithm only removes
        // endings), as is the stem of a number or a mixed form (the form itself): when no
        // prefix of the form is a stem of the codebook, its stem is not either, and stemming
        // (the dearest step here) is skipped. English stems are not prefixes («happy» →
        // «happi»).
        let kind = kind_of(norm);
        if kind != TokenKind::Latin && !self.some_prefix_is_a_stem(norm, min_stem_len(norm, kind)) {
            return false;
        }
        let stem = analyzer.stem(id);
        self.stem_any.contains_key(stem.as_ref()) || self.stem_unknown.contains_key(stem.as_ref())
    }

    /// Whether some prefix of `norm` (on a character boundary) at least `min` bytes long is a
    /// stem pattern or the stem of a lemma pattern: the prefixes are walked from the shortest
    /// and the walk stops at the first that begins no such stem (usually the second or third
    /// letter).
    fn some_prefix_is_a_stem(&self, norm: &str, min: usize) -> bool {
        for (i, c) in norm.char_indices() {
            let len = i + c.len_utf8();
            match self.stem_prefixes.get(&norm[..len]) {
                None => return false,
                Some(true) if len >= min => return true,
                Some(_) => {}
            }
        }
        false
    }

    /// The word patterns a token form matches, and the regex entries it lets through
    /// (resolved once per form per state).
    ///
    /// Most forms match nothing: a byte per form says so (a table that stays in the cache,
    /// where the table of word ranges would cost a miss for every rare form).
    fn form_words<'s>(&self, state: &'s mut MatchState, token: &Token) -> (&'s [u32], u64) {
        let id = token.form;
        let idx = id.index();
        if idx >= state.form_kind.len() {
            state.form_kind.resize(idx + 1, UNRESOLVED);
        }
        match state.form_kind[idx] {
            NOTHING => return (&[], 0),
            UNRESOLVED => {
                let start = state.arena.len() as u32;
                if self.may_match(&state.analyzer, id) {
                    self.resolve(state.analyzer.form_info(id), &mut state.arena);
                }
                let len = state.arena.len() as u32 - start;
                let norm = state.analyzer.norm(id);
                let gates = self.gates.as_ref().map_or(0, |g| g.opened_by(norm));
                if len == 0 && gates == 0 {
                    state.form_kind[idx] = NOTHING;
                    return (&[], 0);
                }
                if idx >= state.form_words.len() {
                    state.form_words.resize(idx + 1, FormWords::default());
                }
                state.form_words[idx] = FormWords { start, len, gates };
                state.form_kind[idx] = SOMETHING;
            }
            _ => {}
        }
        let f = state.form_words[idx];
        (
            &state.arena[f.start as usize..(f.start + f.len) as usize],
            f.gates,
        )
    }

    fn resolve(&self, info: &FormInfo, out: &mut Vec<u32>) {
        let start = out.len();
        for l in &info.lemmas {
            if let Some(ids) = self.lemma_idx.get(l) {
                out.extend(ids);
            }
        }
        if !info.known()
            && let Some(ids) = self.stem_unknown.get(&info.stem)
        {
            out.extend(ids);
        }
        if let Some(ids) = self.stem_any.get(&info.stem) {
            out.extend(ids);
        }
        if let Some(ids) = self.exact.get(&info.norm) {
            out.extend(ids);
        }
        for (p, id) in &self.prefixes {
            if info.norm.starts_with(p.as_str()) {
                out.push(*id);
            }
        }
        out[start..].sort_unstable();
        let mut w = start;
        for r in start..out.len() {
            if r == start || out[r] != out[w - 1] {
                out[w] = out[r];
                w += 1;
            }
        }
        out.truncate(w);
    }

    /// The word pattern ids a single word matches (for `codebook explain`).
    pub fn word_matches(&self, state: &mut MatchState, word: &str) -> Vec<EntryRef> {
        let hits = self.find(state, word, Span::new(0, word.len()));
        let mut refs: Vec<EntryRef> = hits.into_iter().map(|h| h.entry).collect();
        refs.dedup();
        refs
    }

    /// All entry matches in one sentence `text[span]`, exclusions applied: a term or question hit inside
    /// an exclude hit of the same parameter is dropped (exclude hits are returned too).
    /// Hits are sorted by span, then entry.
    pub fn find(&self, state: &mut MatchState, text: &str, span: Span) -> Vec<Hit> {
        let sentence = &text[span.range()];
        let mut tokens = std::mem::take(&mut state.tokens);
        let mut per_token = std::mem::take(&mut state.per_token);
        let mut flat = std::mem::take(&mut state.flat);
        let mut starts = std::mem::take(&mut state.starts);
        tokens.clear();
        per_token.clear();
        flat.clear();
        starts.clear();
        state.analyzer.tokens_into(sentence, &mut tokens);
        if state.generation != state.analyzer.generation() {
            // The analyzer cleared its cache before this sentence: form ids are reused.
            state.generation = state.analyzer.generation();
            state.form_words.clear();
            state.form_kind.clear();
            state.arena.clear();
        }
        // Word patterns per token, and where each entry's first word occurs.
        let mut opened = 0u64;
        for (ti, t) in tokens.iter().enumerate() {
            let start = flat.len() as u32;
            let (words, gates) = self.form_words(state, t);
            flat.extend_from_slice(words);
            opened |= gates;
            per_token.push((start, flat.len() as u32));
            for &w in &flat[start as usize..] {
                for &e in &self.by_first[w as usize] {
                    starts.push((e, ti as u32));
                }
            }
        }
        let has = |i: usize, w: u32| {
            let (a, b) = per_token[i];
            flat[a as usize..b as usize].contains(&w)
        };
        let mut hits = Vec::new();
        let mut push = |entry: EntryRef, i: usize, j: usize| {
            hits.push(Hit {
                entry,
                span: Span::new(
                    span.start + tokens[i].span.start,
                    span.start + tokens[j].span.end,
                ),
            })
        };
        // In the order found (hits are sorted at the end). A phrase starts at most once per
        // token (a token's word list has no repeats, a phrase has one first word); a NEAR
        // entry is looked at once per sentence, wherever its two first words occur.
        let mut near_done: Vec<u32> = Vec::new();
        let mut by_word: Vec<(u32, u32)> = Vec::new();
        for &(e, ti) in &starts {
            let (r, compiled) = &self.entries[e as usize];
            match compiled {
                Compiled::Phrase(ws) => {
                    if let Some(j) = self.extend(tokens.len(), ws, ti as usize, &has) {
                        push(*r, ti as usize, j);
                    }
                }
                Compiled::Near { a, b, n } => {
                    if near_done.contains(&e) {
                        continue;
                    }
                    near_done.push(e);
                    if by_word.is_empty() {
                        // (word pattern, token) of the sentence, sorted: where a NEAR side's
                        // first word occurs, without asking every token.
                        for (ti, &(a, b)) in per_token.iter().enumerate() {
                            by_word.extend(
                                flat[a as usize..b as usize].iter().map(|&w| (w, ti as u32)),
                            );
                        }
                        by_word.sort_unstable();
                    }
                    for (i, j) in self.near(tokens.len(), a, b, *n, &by_word, &has) {
                        push(*r, i, j);
                    }
                }
                Compiled::Regex(_) => {}
            }
        }
        match &self.gates {
            None if !self.regex_entries.is_empty() => {
                self.regex_hits(state, text, span, None, &mut hits)
            }
            Some(g) if opened | g.always != 0 => {
                self.regex_hits(state, text, span, Some(opened | g.always), &mut hits)
            }
            _ => {}
        }
        state.tokens = tokens;
        state.per_token = per_token;
        state.flat = flat;
        state.starts = starts;
        apply_exclusions(&mut hits);
        hits.sort_by_key(|h| (h.span, h.entry));
        hits.dedup();
        hits
    }

    /// The last token of a phrase of word patterns that starts at token `i` (whose first
    /// word matched), with at most `phrase_gap` tokens between neighbours.
    fn extend(
        &self,
        n: usize,
        ws: &[u32],
        i: usize,
        has: &dyn Fn(usize, u32) -> bool,
    ) -> Option<usize> {
        let mut j = i;
        for &w in &ws[1..] {
            let last = (j + 1 + self.phrase_gap).min(n.checked_sub(1)?);
            j = (j + 1..=last).find(|&k| has(k, w))?;
        }
        Some(j)
    }

    /// Occurrences (first token, last token) of `a NEAR/n b`; `by_word` is the sentence's
    /// (word pattern, token) pairs, sorted.
    fn near(
        &self,
        len: usize,
        a: &[u32],
        b: &[u32],
        n: usize,
        by_word: &[(u32, u32)],
        has: &dyn Fn(usize, u32) -> bool,
    ) -> Vec<(usize, usize)> {
        let occ = |ws: &[u32]| -> Vec<(usize, usize)> {
            let from = by_word.partition_point(|&(w, _)| w < ws[0]);
            by_word[from..]
                .iter()
                .take_while(|&&(w, _)| w == ws[0])
                .filter_map(|&(_, i)| {
                    let i = i as usize;
                    self.extend(len, ws, i, has).map(|j| (i, j))
                })
                .collect()
        };
        let (oa, ob) = (occ(a), occ(b));
        let mut out = Vec::new();
        for &(a0, a1) in &oa {
            for &(b0, b1) in &ob {
                let gap = if a1 < b0 {
                    b0 - a1 - 1
                } else if b1 < a0 {
                    a0 - b1 - 1
                } else {
                    continue;
                };
                if gap <= n {
                    out.push((a0.min(b0), a1.max(b1)));
                }
            }
        }
        out
    }

    /// The `/regex/` entries' hits in one sentence, on its normalized text: those in `only`
    /// (bits by position in `regex_entries`), or all that the set's cheap first look lets
    /// through.
    fn regex_hits(
        &self,
        state: &mut MatchState,
        text: &str,
        span: Span,
        only: Option<u64>,
        hits: &mut Vec<Hit>,
    ) {
        state.norm.set(&text[span.range()]);
        let base = span.start;
        let norm = state.norm.bytes.as_slice();
        // The set (word boundaries removed: the fast DFA) tells which entries can match at
        // all; the entries themselves run only then, since with Unicode `\b` on Cyrillic
        // they fall back to the backtracker, which clears a table per search.
        if self
            .regex_any
            .as_ref()
            .is_some_and(|any| !any.is_match(norm))
        {
            return;
        }
        let possible = self.regex_set.as_ref().map(|set| set.matches(norm));
        let entries = self
            .regex_entries
            .iter()
            .enumerate()
            .filter(|(k, _)| only.is_none_or(|m| m & (1 << k) != 0))
            .filter(|(k, _)| possible.as_ref().is_none_or(|p| p.matched(*k)))
            .map(|(_, e)| *e);
        let floor = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        for e in entries {
            let (r, Compiled::Regex(re)) = &self.entries[e as usize] else {
                continue;
            };
            for m in re.find_iter(norm) {
                if m.start() == m.end() {
                    continue;
                }
                // Offsets map back past characters normalization dropped (stress marks).
                let start = floor(base + state.norm.to_orig(m.start())).max(span.start);
                let end = ceil(base + state.norm.to_orig(m.end())).min(span.end);
                if start < end {
                    hits.push(Hit {
                        entry: *r,
                        span: Span::new(start, end),
                    });
                }
            }
        }
    }
}

/// Words that let the `/regex/` entries through: an entry can only match a sentence in one
/// of whose words (normalized) one of its gate words occurs, so the rest of the sentences
/// are neither normalized again nor searched.
///
/// An entry's gate words come from its suffix literals (every match ends with one of them,
/// regex-syntax's extraction): the longest run of Cyrillic letters of each. Such a run lies
/// inside one word of the normalized sentence (letters never split a token), so the gate is
/// sound. An entry whose suffixes are unbounded, or some without two Cyrillic letters in a
/// row, has no gate and is tried on every sentence.
#[derive(Debug)]
struct RegexGates {
    /// Gate words and the entries (bits by position among the regex entries) each opens.
    words: Vec<(String, u64)>,
    /// The gate words as one automaton: a form is scanned once, not once per gate word.
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Entries without a gate.
    always: u64,
}

impl RegexGates {
    fn new(regexes: &[&regex::bytes::Regex]) -> RegexGates {
        let mut gates = RegexGates {
            words: Vec::new(),
            automaton: None,
            always: 0,
        };
        for (k, re) in regexes.iter().enumerate() {
            match gate_words(re.as_str()) {
                Some(words) => {
                    for w in words {
                        match gates.words.iter_mut().find(|(x, _)| *x == w) {
                            Some((_, mask)) => *mask |= 1 << k,
                            None => gates.words.push((w, 1 << k)),
                        }
                    }
                }
                None => gates.always |= 1 << k,
            }
        }
        if !gates.words.is_empty() {
            gates.automaton =
                aho_corasick::AhoCorasick::new(gates.words.iter().map(|(w, _)| w)).ok();
        }
        gates
    }

    /// The entries a normalized word opens.
    fn opened_by(&self, norm: &str) -> u64 {
        match &self.automaton {
            Some(ac) => ac
                .find_overlapping_iter(norm)
                .fold(0, |m, hit| m | self.words[hit.pattern().as_usize()].1),
            None => self
                .words
                .iter()
                .filter(|(w, _)| norm.contains(w.as_str()))
                .fold(0, |m, (_, bits)| m | bits),
        }
    }
}

/// The gate words of one pattern (see [`RegexGates`]), `None` when it cannot have any.
fn gate_words(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Suffix);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    for lit in literals {
        let text = String::from_utf8_lossy(lit.as_bytes());
        let longest = text
            .split(|c: char| !matches!(c, 'а'..='я'))
            .max_by_key(|run| run.chars().count())?;
        if longest.chars().count() < 2 {
            return None;
        }
        if !words.iter().any(|w| w == longest) {
            words.push(longest.to_string());
        }
    }
    Some(words)
}

/// The least length in bytes of the stem of a form (not a Latin one): Snowball's Russian
/// algorithm removes endings only after the first vowel (its region RV), so a Cyrillic stem
/// keeps everything up to that vowel (the whole form when it has none); a number's or a
/// mixed form's stem is the form itself. Counting ё as a vowel errs on the short side.
fn min_stem_len(norm: &str, kind: TokenKind) -> usize {
    if kind != TokenKind::Cyrillic {
        return norm.len();
    }
    norm.char_indices()
        .find(|&(_, c)| matches!(c, 'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я'))
        .map_or(norm.len(), |(i, c)| i + c.len_utf8())
}

/// Drops term and question hits that lie inside an exclude hit of the same parameter.
fn apply_exclusions(hits: &mut Vec<Hit>) {
    let excluded: Vec<(usize, Span)> = hits
        .iter()
        .filter(|h| h.entry.kind == EntryKind::Exclude)
        .map(|h| (h.entry.param, h.span))
        .collect();
    if excluded.is_empty() {
        return;
    }
    hits.retain(|h| {
        h.entry.kind == EntryKind::Exclude
            || !excluded
                .iter()
                .any(|(p, s)| *p == h.entry.param && s.contains(h.span))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "name = \"t\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n";

    fn matcher(params: &str) -> Matcher {
        let src = format!("{HEAD}{params}");
        let cb = Codebook::parse(&src, "t", &mut Analyzer::new()).unwrap();
        Matcher::new(cb)
    }

    fn param(id: &str, terms: &[&str], exclude: &[&str]) -> String {
        let q = |v: &[&str]| {
            v.iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "[[parameters]]\nid = \"{id}\"\nlevel = \"org\"\nname = \"{id}\"\nterms = [{}]\nexclude = [{}]\n",
            q(terms),
            q(exclude)
        )
    }

    /// (param id, entry, matched text) for every term hit.
    fn run(m: &Matcher, text: &str) -> Vec<(String, String, String)> {
        let mut st = MatchState::new();
        m.find(&mut st, text, Span::new(0, text.len()))
            .into_iter()
            .filter(|h| h.entry.kind == EntryKind::Term)
            .map(|h| {
                let p = &m.codebook().parameters[h.entry.param];
                (
                    p.id.clone(),
                    p.terms[h.entry.index].raw.clone(),
                    text[h.span.range()].to_string(),
                )
            })
            .collect()
    }

    fn t(p: &str, e: &str, s: &str) -> (String, String, String) {
        (p.into(), e.into(), s.into())
    }

    #[test]
    fn table_of_entry_kinds() {
        struct Case {
            name: &'static str,
            terms: &'static [&'static str],
            exclude: &'static [&'static str],
            text: &'static str,
            want: &'static [(&'static str, &'static str)],
        }
        let cases = [
            Case {
                name: "lemma: every inflection",
                terms: &["поставка"],
                exclude: &[],
                text: "Поставки шли с задержкой, по поставкам вопросы.",
                want: &[("поставка", "Поставки"), ("поставка", "поставкам")],
            },
            Case {
                // «дорогой» is a form of «дорога» too (under 10 %): the term names the adjective.
                name: "lemma: a term in a dictionary form names that word",
                terms: &["дорогой"],
                exclude: &[],
                text: "По дороге обсудили: оборудование дорогое.",
                want: &[("дорогой", "дорогое")],
            },
            Case {
                // Whether «стали» meant «сталь» or «стать» is unknown: both count.
                name: "lemma: a term written as an inflected form keeps its rarer readings",
                terms: &["стали"],
                exclude: &[],
                text: "Сталь хорошая, но сроки стали длиннее.",
                want: &[("стали", "Сталь"), ("стали", "стали")],
            },
            Case {
                name: "lemma: suppletive plural",
                terms: &["человек"],
                exclude: &[],
                text: "Там люди хорошие.",
                want: &[("человек", "люди")],
            },
            Case {
                // The dictionary reads a comparative as a form of the adverb too, which the
                // adverb's own paradigm lacks (issue 16: the form gate must let it through).
                name: "lemma: an adverb's comparative",
                terms: &["быстро", "рано", "легко"],
                exclude: &[],
                text: "Хотелось бы быстрее. Раньше было легче.",
                want: &[
                    ("быстро", "быстрее"),
                    ("рано", "Раньше"),
                    ("легко", "легче"),
                ],
            },
            Case {
                name: "lemma: not the stem's false friend",
                terms: &["цена"],
                exclude: &[],
                text: "Ценный опыт, но цены кусаются.",
                want: &[("цена", "цены")],
            },
            Case {
                name: "lemma: ё and stress",
                terms: &["ещё"],
                exclude: &[],
                text: "И ещё раз: еще́ раз.",
                want: &[("ещё", "ещё"), ("ещё", "еще́")],
            },
            Case {
                name: "unknown word: stem",
                terms: &["Диадок"],
                exclude: &[],
                text: "Через Диадоком? Через Диадок.",
                want: &[("Диадок", "Диадоком"), ("Диадок", "Диадок")],
            },
            Case {
                name: "stem: same Snowball stem",
                terms: &["~технологии"],
                exclude: &[],
                text: "Технологий, технологиям, но не технологичные решения.",
                want: &[
                    ("~технологии", "Технологий"),
                    ("~технологии", "технологиям"),
                ],
            },
            Case {
                name: "stem: merges what lemmas keep apart",
                terms: &["~цена"],
                exclude: &[],
                text: "Цены и ценный опыт.",
                want: &[("~цена", "Цены"), ("~цена", "ценный")],
            },
            Case {
                name: "prefix",
                terms: &["предоплат*"],
                exclude: &[],
                text: "Предоплатный счёт и предоплата.",
                want: &[("предоплат*", "Предоплатный"), ("предоплат*", "предоплата")],
            },
            Case {
                name: "exact",
                terms: &["=УПД"],
                exclude: &[],
                text: "УПД пришли, упд.",
                want: &[("=УПД", "УПД"), ("=УПД", "упд")],
            },
            Case {
                name: "phrase with a gap",
                terms: &["качество оборудования"],
                exclude: &[],
                text: "Качество этого оборудования высокое, качество нашего старого оборудования нет.",
                want: &[("качество оборудования", "Качество этого оборудования")],
            },
            Case {
                name: "near, either order",
                terms: &["цена NEAR/3 высокий"],
                exclude: &[],
                text: "Высокие, скажем, у них цены. А цена у ГидроМаша тоже высокая.",
                want: &[
                    ("цена NEAR/3 высокий", "Высокие, скажем, у них цены"),
                    ("цена NEAR/3 высокий", "цена у ГидроМаша тоже высокая"),
                ],
            },
            Case {
                name: "regex over normalized text",
                terms: &["/\\bэдо\\b/"],
                exclude: &[],
                text: "Перешли на ЭДО́ наконец.",
                want: &[("/\\bэдо\\b/", "ЭДО́")],
            },
            Case {
                name: "exclusion",
                terms: &["технология"],
                exclude: &["информационный технология"],
                text: "Информационные технологии у нас свои, а технологии насосов у них хорошие.",
                want: &[("технология", "технологии")],
            },
        ];
        for c in cases {
            let m = matcher(&param("p", c.terms, c.exclude));
            let want: Vec<_> = c.want.iter().map(|(e, s)| t("p", e, s)).collect();
            assert_eq!(run(&m, c.text), want, "case: {}", c.name);
        }
    }

    /// Gate words come from what every match ends with; patterns that cannot have one are
    /// tried on every sentence.
    #[test]
    fn regex_gate_words() {
        let words = |p: &str| {
            gate_words(p).map(|mut w| {
                w.sort();
                w
            })
        };
        let owned = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(words(r"\bвот бы\b"), owned(&["вот"]));
        assert_eq!(words(r"\bв сроки?\b"), owned(&["срок", "сроки"]));
        assert_eq!(
            words(r"^\W*(?:(?:и|ну|а)\W+){0,3}чтобы?\b"),
            owned(&["чтоб", "чтобы"])
        );
        assert_eq!(
            words(r"\b(?:мне|нам) (?:нужен|нужна|нужны)\b"),
            owned(&["нужен", "нужна", "нужны"])
        );
        // Unbounded ends, no Cyrillic, one letter only, an empty match: no gate.
        assert_eq!(words(r"\bоплат\w*"), None);
        assert_eq!(words(r"\d+ дней"), owned(&["дней"]));
        assert_eq!(words(r"b2b"), None);
        assert_eq!(words(r"\bс\b"), None);
        assert_eq!(words(r"(?:вот)?"), None);
    }

    /// A regex entry still finds what it should through its gate: in capitals, with ё, a
    /// stress mark or a soft hyphen in the gate word; and an ungated entry beside it.
    #[test]
    fn regex_entries_behind_gates_match_as_before() {
        let m = matcher(&param(
            "wish",
            &[
                "/\\bвот бы\\b/",
                "/^\\W*(?:(?:и|ну|а)\\W+){0,2}чтобы?\\b/",
                "/\\bотсроч\\w*/",
            ],
            &[],
        ));
        let gates = m.gates.as_ref().expect("few regex entries");
        assert_eq!(gates.always, 0b100, "the third has no bounded end");
        let cases = [
            ("Вот бы нам портал.", vec!["Вот бы"]),
            ("ВОТ БЫ нам портал.", vec!["ВОТ БЫ"]),
            ("Во\u{301}т бы нам портал.", vec!["Во\u{301}т бы"]),
            (
                "Ну, что\u{301}бы отгружали вовремя.",
                vec!["Ну, что\u{301}бы"],
            ),
            ("И ЧТОБ без задержек.", vec!["И ЧТОБ"]),
            ("Ну чтоб\u{ad}ы отгружали.", vec!["Ну чтоб\u{ad}ы"]),
            ("Отсро\u{301}чка нужна.", vec!["Отсро\u{301}чка"]),
            ("Вотбы так.", vec![]),
            ("Сделали, чтобы было.", vec![]),
        ];
        for (text, want) in cases {
            let got: Vec<String> = run(&m, text).into_iter().map(|h| h.2).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    /// See: issue #16. A form the matcher rules out without the dictionary
    /// ([`Matcher::may_match`]) matches no word pattern when looked up: checked on every
    /// distinct form of the demo corpus and, where it is beside the checkout, of rusdracor
    /// (78,700 forms), with the shipped codebook and markers. Also the property the stem
    /// test rests on: a Russian form's Snowball stem is a prefix of it.
    #[test]
    fn forms_ruled_out_without_the_dictionary_match_no_pattern() {
        let mut a = Analyzer::new();
        let tagger = crate::tag::Tagger::new(Codebook::embedded(&mut a), &mut a);
        let m = tagger.matcher();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = Vec::new();
        for dir in [
            root.join("corpora/demo"),
            root.join("../shared/data/rusdracor"),
        ] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    texts.push(t);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        let (mut looked_up, mut ruled_out) = (0, 0);
        let mut words = Vec::new();
        for text in &texts {
            let toks = a.tokens(text);
            for t in &toks {
                let norm = a.norm(t.form);
                if !seen.insert(norm.to_string()) {
                    continue;
                }
                let info = a.form_info(t.form);
                assert_eq!(a.stem(t.form), info.stem);
                if info.kind != TokenKind::Latin {
                    assert!(norm.starts_with(&info.stem), "{norm}: stem {}", info.stem);
                    assert!(info.stem.len() >= min_stem_len(norm, info.kind), "{norm}");
                }
                words.clear();
                m.resolve(info, &mut words);
                if m.may_match(&a, t.form) {
                    looked_up += 1;
                } else {
                    ruled_out += 1;
                    assert!(
                        words.is_empty(),
                        "{norm} {info:?} matches {:?}; forms {:?}",
                        words
                            .iter()
                            .map(|&w| &m.words[w as usize])
                            .collect::<Vec<_>>(),
                        words
                            .iter()
                            .map(|&w| match &m.words[w as usize] {
                                WordPat::Lemma { lemmas, .. } =>
                                    lemmas.iter().map(|l| lemma_forms(l)).collect::<Vec<_>>(),
                                _ => vec![],
                            })
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
        eprintln!("{ruled_out} ruled out, {looked_up} looked up");
        assert!(
            ruled_out > 3 * looked_up,
            "{ruled_out} ruled out, {looked_up} looked up"
        );
    }

    /// The same check on a larger part of the dictionary: every form of the paradigms of the
    /// forms of rusdracor (761,835 words; 40 s in a debug build, so run on demand with
    /// `cargo test --lib -- --ignored paradigms`).
    #[test]
    #[ignore]
    fn paradigms_of_real_forms_ruled_out_match_no_pattern() {
        let mut a = Analyzer::new();
        let tagger = crate::tag::Tagger::new(Codebook::embedded(&mut a), &mut a);
        let m = tagger.matcher();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/rusdracor");
        let dict = crate::text::dictionary();
        let mut seen = std::collections::HashSet::new();
        let mut queue: Vec<String> = Vec::new();
        for e in std::fs::read_dir(dir).expect("rusdracor").flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            for t in a.tokens(&text) {
                let norm = a.norm(t.form).to_string();
                if seen.insert(norm.clone()) {
                    queue.push(norm);
                }
            }
        }
        for w in queue.clone() {
            for an in dict.analyze(&w) {
                for f in dict.forms(&an) {
                    let f = crate::text::normalize(&f.word);
                    if seen.insert(f.clone()) {
                        queue.push(f);
                    }
                }
            }
        }
        let (mut ruled_out, mut words, mut wrong) = (0, Vec::new(), Vec::new());
        for w in &queue {
            let id = a.form(w);
            if m.may_match(&a, id) {
                continue;
            }
            ruled_out += 1;
            words.clear();
            m.resolve(a.form_info(id), &mut words);
            if !words.is_empty() {
                wrong.push(format!("{w} {:?}", a.form_info(id).lemmas));
            }
        }
        eprintln!("{} forms, {ruled_out} ruled out", queue.len());
        assert!(wrong.is_empty(), "{} wrong: {wrong:?}", wrong.len());
    }

    #[test]
    fn two_parameters_and_offsets_into_a_larger_text() {
        let m = matcher(&format!(
            "{}{}",
            param("price", &["цена", "дорого"], &[]),
            param("delivery", &["срок поставки", "вовремя"], &[])
        ));
        let text = "Интервьюер: ну?\nРеспондент: Дорого, но сроки поставки соблюдают, всё вовремя.";
        let start = text.find("Дорого").unwrap();
        let mut st = MatchState::new();
        let hits = m.find(&mut st, text, Span::new(start, text.len()));
        let got: Vec<(usize, &str)> = hits
            .iter()
            .map(|h| (h.entry.param, &text[h.span.range()]))
            .collect();
        assert_eq!(
            got,
            vec![(0, "Дорого"), (1, "сроки поставки"), (1, "вовремя")]
        );
    }
}
