//! THE analyzer: normalization, tokenization, lemmas and stems.
//!
//! Codebook compilation, tagging, the index, snippets and `codebook explain` all use this one
//! [`Analyzer`], so that a word is matched the same way everywhere.
//!
//! The steps, in order (the lossless step first, then the lossy ones):
//! 1. **Tokenize** into letter runs: letters and digits, with hyphens inside a word kept
//!    (`кто-то`, `из-за`, `бизнес-процесс`), mixed tokens kept whole (`1С`, `B2B`), decimals
//!    kept whole (`8,5`), stress marks (U+0301, U+0300) and soft hyphens inside a word kept in
//!    its span. Each token has its byte span into the text it came from.
//! 2. **Normalize** for matching ([`NORMALIZERS`]): lowercase, `ё` → `е`, drop stress marks and
//!    soft hyphens, unify the hyphens (U+2010, U+2011 → `-`).
//! 3. **Lemmas** from the OpenCorpora dictionary (crate `rumorph`): every distinct lemma of the
//!    form's dictionary analyses with a probability of at least 10 % ([`MIN_READING`]), most
//!    probable first, normalized as above. Empty for words the dictionary does not know
//!    (jargon, brands, typos). A codebook term is read by [`Analyzer::term_lemmas`].
//! 4. **Stem** by Snowball (crate `rust-stemmers`): Russian for Cyrillic words, English for
//!    Latin ones; numbers and mixed tokens are their own stem. Used for unknown words.
//!
//! Steps 2–4 depend only on the word form, so each [`Analyzer`] caches form → [`FormInfo`]
//! (one analyzer per thread; the dictionary itself is loaded once per process and shared).

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use rumorph::{Dictionary, Source};
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;

use crate::model::Span;

mod table;

/// The normalization steps for matching, in order, as documentation and for `explain`.
pub const NORMALIZERS: &[&str] = &[
    "lowercase",
    "ё → е",
    "drop stress marks (U+0301, U+0300)",
    "drop soft hyphens (U+00AD)",
    "hyphens U+2010/U+2011 → -",
];

/// Dictionary readings less probable than this are not kept as lemmas of a word of the
/// text (the most probable one always is). At 1 %, as until 2026-12, «дошли» was read as a
/// form of «дослать» too and «стали» of «сталь»; on treebank text (UD Russian-GSD test,
/// 8,273 tokens the dictionary knows) 10 % raised lemma precision from 0.898 to 0.928 for
/// a recall of 0.984 instead of 0.986 (docs/PERFORMANCE.md, "Lemma precision").
pub const MIN_READING: f64 = 0.1;

/// The readings a codebook term written as an inflected form keeps ([`Analyzer::term_lemmas`]):
/// which lexeme the author meant is unknown, so every reading of 1 % or more counts, and
/// `codebook check` warns when they are unrelated («стали»: «стать» and «сталь»).
pub const MIN_TERM_READING: f64 = 0.01;

/// The default bound of an analyzer's form cache: when it holds this many forms at the start
/// of a text, it is cleared (see [`Analyzer::with_cache_limit`]). About 20 MB per analyzer
/// when full; the analyses themselves live in the process's shared table.
pub const CACHE_LIMIT: usize = 1 << 18;

/// The bound of the process's shared table of analyses (each shard is cleared when it holds
/// its part of this many).
pub const SHARED_LIMIT: usize = 1 << 19;

const SHARDS: usize = 64;

/// The analyses of the forms every analyzer of the process asked for, by normalized form:
/// each form is analyzed once per process, not once per thread. Analysis depends on the form
/// alone, so which thread computed it does not matter.
struct SharedForms {
    shards: Vec<Mutex<FxHashMap<Box<str>, Arc<FormInfo>>>>,
}

fn shared_forms() -> &'static SharedForms {
    static SHARED: OnceLock<SharedForms> = OnceLock::new();
    SHARED.get_or_init(|| SharedForms {
        shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
    })
}

impl SharedForms {
    fn get_or_analyze(&self, norm: &str, analyze: impl FnOnce() -> FormInfo) -> Arc<FormInfo> {
        let shard =
            &self.shards[(rustc_hash::FxBuildHasher.hash_one(norm) >> 32) as usize % SHARDS];
        let lock = || shard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(info) = lock().get(norm) {
            return Arc::clone(info);
        }
        // Analyzed outside the lock; two threads may both analyze a form (same result).
        let info = Arc::new(analyze());
        let mut map = lock();
        if map.len() >= SHARED_LIMIT / SHARDS {
            map.clear();
        }
        map.insert(norm.into(), Arc::clone(&info));
        info
    }
}

/// The OpenCorpora dictionary, loaded on first use and shared by all threads.
///
/// # Panics
/// When the bundled dictionary is corrupt, which would be a build error.
pub fn dictionary() -> &'static Dictionary {
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| Dictionary::bundled().expect("the bundled OpenCorpora dictionary loads"))
}

/// The normalized surface forms of every dictionary lexeme whose lemma (normalized) is
/// `lemma`, and of every other lexeme that has `lemma` among its forms, sorted, `lemma`
/// itself included. The other lexemes are there for the comparatives: the dictionary reads
/// «легче» as a form of the adverb «легко» too, while the adverb's own paradigm is that one
/// word; «легко» is also a short form of «лёгкий», whose paradigm has «легче» (and for an
/// adverb that is no such form, «рано», the forms of its adjective «ранний»). With their
/// -ся/-сь forms (the dictionary reads some reflexive forms as forms of the plain verb,
/// «дается» → «давать», which the paradigm does not list) they cover the forms whose
/// [`FormInfo::lemmas`] contain `lemma`, but for the few [`paradigms_may_miss`].
pub fn lemma_forms(lemma: &str) -> Vec<String> {
    let dict = dictionary();
    let mut out = vec![lemma.to_string()];
    let mut adverb = false;
    for a in dict.analyze(lemma) {
        if a.source != Source::Dictionary {
            continue;
        }
        adverb |= dict.ud_tag(a.ud).is_some_and(|t| t.pos() == "ADV");
        out.extend(dict.forms(&a).iter().map(|f| normalize(&f.word)));
    }
    // An adverb that is no form of its adjective («рано», not a form of «ранний», yet
    // «раньше» is read as the adverb's comparative): the adjective's forms.
    if adverb && let Some(stem) = lemma.strip_suffix('о').or_else(|| lemma.strip_suffix('е')) {
        for end in ["ий", "ый", "ой", "ний"] {
            let adjective = format!("{stem}{end}");
            for a in dict.analyze(&adjective) {
                if a.source == Source::Dictionary && normalize(&a.lemma) == adjective {
                    out.extend(dict.forms(&a).iter().map(|f| normalize(&f.word)));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Cyrillic forms whose lemmas the paradigms ([`lemma_forms`]) may not cover: short ones,
/// which may be abbreviations whose lemma is the full word («в» → «век»); comparatives with
/// по- («подавнее» is read as a form of «давно», whose paradigm is that one word), taken as
/// по- forms ending in -е or -ей; forms with letters other than а–я. Whoever rules a form
/// out by the paradigms of some lemmas looks these up all the same.
pub fn paradigms_may_miss(norm: &str) -> bool {
    kind_of(norm) == TokenKind::Cyrillic
        && (norm.len() <= 6
            || !russian_letters(norm)
            || (norm.starts_with("по") && (norm.ends_with('е') || norm.ends_with("ей"))))
}

/// True when the search index holds a normalized form as itself ([`Analyzer::index_term`]):
/// when it begins with a letter of the basic Cyrillic block (U+0400–U+047F). Such a form's
/// key, and the key of every form the index holds under it, begins with such a letter too
/// (the Russian stem is a prefix of the form; lemmas come from the dictionary, which has
/// only Russian words); other forms (Latin, digits) are held under their key.
pub fn indexed_as_form(norm: &str) -> bool {
    matches!(norm.as_bytes().first(), Some(0xD0 | 0xD1))
}

/// True when a normalized form is made of the Russian letters а–я and hyphens only.
pub fn russian_letters(norm: &str) -> bool {
    let b = norm.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'-', _) => i += 1,
            (0xD0, Some(0xB0..=0xBF)) | (0xD1, Some(0x80..=0x8F)) => i += 2,
            _ => return false,
        }
    }
    true
}

/// What kind of characters a token is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Cyrillic letters (and hyphens).
    Cyrillic,
    /// Latin letters.
    Latin,
    /// Digits only (with a decimal separator).
    Number,
    /// Anything else: mixed scripts, letters with digits (`1С`, `B2B`).
    Mixed,
}

/// Everything the analyzer knows about one word form.
#[derive(Clone, Debug, PartialEq)]
pub struct FormInfo {
    /// The normalized form (lowercase, ё → е, no stress marks).
    pub norm: String,
    /// Dictionary lemmas, most probable first; empty for unknown words.
    pub lemmas: Vec<String>,
    /// The Snowball stem (or the form itself for numbers and mixed tokens).
    pub stem: String,
    /// What the token is made of.
    pub kind: TokenKind,
}

impl FormInfo {
    /// True when the dictionary knows the form.
    pub fn known(&self) -> bool {
        !self.lemmas.is_empty()
    }

    /// The key the search index stores and looks the word up by: its first lemma, else its
    /// stem.
    pub fn key(&self) -> &str {
        self.lemmas.first().unwrap_or(&self.stem)
    }
}

/// Identifies a [`FormInfo`] inside one [`Analyzer`], valid until the analyzer's cache is
/// reset (which happens only at the start of [`Analyzer::tokens_into`], when the generation
/// changes: see [`Analyzer::generation`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FormId(u32);

impl FormId {
    /// A dense index (0, 1, 2, …) for tables kept beside the analyzer's cache.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One token: where it is and which form it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte span into the analyzed text.
    pub span: Span,
    /// The form, to look up with [`Analyzer::info`].
    pub form: FormId,
}

/// One cached form: where its normalized text is in the analyzer's arena, and its analysis
/// once asked for.
struct Slot {
    start: u32,
    end: u32,
    info: OnceLock<Arc<FormInfo>>,
}

/// The analyzer, with its cache of forms. Create one per thread.
///
/// # The cache and its bound
/// Each distinct normalized form gets a [`FormId`]; its [`FormInfo`] (dictionary lemmas,
/// stem) is computed the first time it is asked for ([`Analyzer::info`]), once per process
/// (a shared table), so a caller that only needs the normalized form ([`Analyzer::norm`])
/// does not pay for the dictionary. The cache is
/// cleared only **between texts**: at the start of [`Analyzer::tokens_into`] (and
/// [`Analyzer::tokens`]), when it holds `limit` forms or more. The ids of the text being
/// analyzed therefore stay valid however many new forms it brings; ids kept from an earlier
/// text are invalid once [`Analyzer::generation`] has changed, and tables kept beside the
/// cache by form id (the matcher's, the polarity cache) compare generations to know when to
/// start over. [`Analyzer::form`] never clears the cache.
///
/// Memory: at most `limit` forms carried over from earlier texts, plus the distinct forms of
/// the text in hand (no more than its words, which the caller holds as tokens anyway).
pub struct Analyzer {
    dict: &'static Dictionary,
    russian: Stemmer,
    english: Stemmer,
    table: table::FormTable,
    /// A sentence's normalized forms, one after the other, between the two passes of
    /// [`Analyzer::tokens_keeping`]; and each word's span, end in `pending_bytes`, and its
    /// hash, then (once looked up) its form id: kept until the next call for
    /// [`Analyzer::index_terms`].
    pending_bytes: Vec<u8>,
    pending: Vec<(Span, u32, u32)>,
    forms: Vec<Slot>,
    /// The normalized forms, one after the other.
    norms: String,
    buf: Vec<u8>,
    limit: usize,
    generation: u32,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// A new analyzer with an empty cache bounded by [`CACHE_LIMIT`] (the dictionary is
    /// loaded on first use, ~5 ms).
    pub fn new() -> Self {
        Self::with_cache_limit(CACHE_LIMIT)
    }

    /// A new analyzer whose cache is cleared between texts once it holds `limit` forms.
    ///
    /// # Examples
    /// ```
    /// let mut a = citata::text::Analyzer::with_cache_limit(2);
    /// let first = a.tokens("раз два три");
    /// assert_eq!(a.info(&first[2]).norm, "три"); // the text's own ids stay valid
    /// assert_eq!(a.generation(), 0);
    /// let next = a.tokens("четыре");
    /// assert_eq!(a.generation(), 1); // cleared before the second text
    /// assert_eq!(a.info(&next[0]).norm, "четыре");
    /// ```
    pub fn with_cache_limit(limit: usize) -> Self {
        Analyzer {
            dict: dictionary(),
            russian: Stemmer::create(Algorithm::Russian),
            english: Stemmer::create(Algorithm::English),
            table: table::FormTable::default(),
            pending_bytes: Vec::new(),
            pending: Vec::new(),
            forms: Vec::new(),
            norms: String::new(),
            buf: Vec::new(),
            limit,
            generation: 0,
        }
    }

    /// How many times the cache was cleared. Form ids from another generation are invalid;
    /// a table kept by form id beside the analyzer is cleared when this changes.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The tokens of `text`, in order.
    pub fn tokens(&mut self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.tokens_into(text, &mut out);
        out
    }

    /// Appends the tokens of `text` to `out` (reuse `out` in hot loops). Spans are relative
    /// to `text`.
    ///
    /// This is where the cache is cleared when full, before the text's first word: ids from
    /// earlier calls (and tokens already in `out`) are invalid when [`Analyzer::generation`]
    /// changed; the ids this call hands out stay valid until the next call.
    pub fn tokens_into(&mut self, text: &str, out: &mut Vec<Token>) {
        if self.forms.len() >= self.limit {
            self.forms.clear();
            self.norms.clear();
            self.table.clear();
            self.generation = self.generation.wrapping_add(1);
        }
        self.tokens_keeping(text, out);
    }

    /// Appends the tokens of `text` to `out` without ever clearing the cache: ids handed
    /// out earlier stay valid (the cache may grow past its limit until the next
    /// [`Analyzer::tokens_into`]). For the stages that read a transcript's tokens after
    /// tagging it ([`crate::tag::words::Words`]).
    pub fn tokens_keeping(&mut self, text: &str, out: &mut Vec<Token>) {
        // Two passes: normalize and hash every word, asking for its slot in the form table
        // as soon as the hash is known; then look them up. The cache misses of rare forms
        // then overlap instead of coming one after another.
        let mut bytes = std::mem::take(&mut self.pending_bytes);
        let mut pending = std::mem::take(&mut self.pending);
        bytes.clear();
        pending.clear();
        for span in WordSpans::new(text) {
            let start = bytes.len();
            normalize_bytes_with(&text[span.range()], &mut bytes, |_, _| {});
            let h = table::hash(&bytes[start..]);
            self.table.prefetch(h);
            pending.push((span, bytes.len() as u32, h));
        }
        out.reserve(pending.len());
        let mut start = 0usize;
        for (span, end, h) in &mut pending {
            let form = self.id_of(&bytes[start..*end as usize], *h);
            start = *end as usize;
            // From here on the third field is the id (see `index_terms`).
            *h = form.0;
            out.push(Token { span: *span, form });
        }
        self.pending_bytes = bytes;
        self.pending = pending;
    }

    /// The analysis of one word form as written (it is normalized first). Never clears the
    /// cache (ids handed out earlier stay valid).
    pub fn form(&mut self, word: &str) -> FormId {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        normalize_bytes_with(word, &mut buf, |_, _| {});
        let id = self.id_of(&buf, table::hash(&buf));
        self.buf = buf;
        id
    }

    /// What the analyzer knows about a token's form.
    ///
    /// # Panics
    /// When the token came from another analyzer or an earlier generation (it may also
    /// return another form's analysis then).
    pub fn info(&self, token: &Token) -> &FormInfo {
        self.form_info(token.form)
    }

    /// The normalized form of a form id, without analyzing it.
    ///
    /// # Panics
    /// When the id came from another analyzer or an earlier generation (it may also
    /// return another form then).
    pub fn norm(&self, id: FormId) -> &str {
        let slot = &self.forms[id.0 as usize];
        &self.norms[slot.start as usize..slot.end as usize]
    }

    /// The term the search index holds for a form: the normalized form itself for a word
    /// in Russian letters ([`indexed_as_form`]), which needs no dictionary at indexing (a
    /// query word is expanded into the forms that share its key), else its
    /// [`FormInfo::key`].
    ///
    /// # Panics
    /// When the id came from another analyzer or an earlier generation.
    pub fn index_term(&self, id: FormId) -> &str {
        let norm = self.norm(id);
        if indexed_as_form(norm) {
            norm
        } else {
            self.form_info(id).key()
        }
    }

    /// [`Analyzer::index_term`] of each of `tokens`, in order. When they are the tokens the
    /// last tokenizing call handed out (as [`crate::codebook::matcher::Matcher::find`]
    /// leaves them), the terms of words in Russian letters are read from that call's
    /// normalized forms, still at hand in order, instead of from the form table by id (a
    /// cache miss per rare form); a token that is not (another span or form id) is looked
    /// up by id. Either way the term is what `index_term` gives for the token's id now.
    pub fn index_terms<'a>(&'a self, tokens: &'a [Token]) -> impl Iterator<Item = &'a str> + 'a {
        let mut start = 0usize;
        // Validated once for the sentence (normalization writes whole characters).
        let norms = simdutf8::basic::from_utf8(&self.pending_bytes).unwrap_or_default();
        tokens
            .iter()
            .enumerate()
            .map(move |(i, t)| match self.pending.get(i) {
                Some(&(span, end, id)) if span == t.span && id == t.form.0 => {
                    let from = start;
                    start = end as usize;
                    match norms.get(from..end as usize) {
                        Some(norm) if indexed_as_form(norm) => norm,
                        _ => self.index_term(t.form),
                    }
                }
                _ => {
                    start = self.pending.get(i).map_or(start, |p| p.1 as usize);
                    self.index_term(t.form)
                }
            })
    }

    /// What the analyzer knows about a form id.
    ///
    /// # Panics
    /// When the id came from another analyzer or an earlier generation (it may also return
    /// another form's analysis then).
    pub fn form_info(&self, id: FormId) -> &FormInfo {
        let slot = &self.forms[id.0 as usize];
        slot.info.get_or_init(|| {
            let norm = &self.norms[slot.start as usize..slot.end as usize];
            shared_forms().get_or_analyze(norm, || self.analyze_norm(norm))
        })
    }

    /// Number of distinct forms in the cache.
    pub fn cached_forms(&self) -> usize {
        self.forms.len()
    }

    /// The id of a normalized form whose hash is `hash`, a new one when the cache does not
    /// have it yet.
    fn id_of(&mut self, norm: &[u8], hash: u32) -> FormId {
        match self.table.get(norm, hash) {
            Some(id) => id,
            None => self.insert(norm, hash),
        }
    }

    fn insert(&mut self, norm: &[u8], hash: u32) -> FormId {
        let start = self.norms.len() as u32;
        // Normalization maps valid UTF-8 to valid UTF-8.
        self.norms.push_str(&String::from_utf8_lossy(norm));
        let id = FormId(self.forms.len() as u32);
        self.forms.push(Slot {
            start,
            end: self.norms.len() as u32,
            info: OnceLock::new(),
        });
        self.table.insert(norm, hash, id);
        id
    }

    /// The lemmas a codebook term names, given its normalized form (a Cyrillic word the
    /// dictionary knows). A term written in a dictionary form (one of its readings' lemmas
    /// is the term itself: «дорогой», «стать») names itself and the readings a word of the
    /// text keeps ([`MIN_READING`]), so «дорогой» names the adjective and not «дорога». A
    /// term written as another form («стали») keeps every reading of [`MIN_TERM_READING`]
    /// or more: which lexeme its author meant is unknown.
    pub fn term_lemmas(&self, norm: &str) -> Vec<String> {
        let readings = dictionary_readings(self.dict, norm);
        let all = likely_lemmas(&readings, MIN_TERM_READING);
        if !all.iter().any(|l| l == norm) {
            return all;
        }
        let mut lemmas = likely_lemmas(&readings, MIN_READING);
        if !lemmas.iter().any(|l| l == norm) {
            lemmas.push(norm.to_string());
        }
        lemmas
    }

    /// The stem of a form ([`FormInfo::stem`]) without the dictionary lookup.
    ///
    /// # Panics
    /// When the id came from another analyzer or an earlier generation.
    pub fn stem(&self, id: FormId) -> std::borrow::Cow<'_, str> {
        match self.forms[id.0 as usize].info.get() {
            Some(info) => std::borrow::Cow::Borrowed(info.stem.as_str()),
            None => {
                let norm = self.norm(id);
                self.stem_norm(norm, kind_of(norm))
            }
        }
    }

    fn stem_norm<'n>(&self, norm: &'n str, kind: TokenKind) -> std::borrow::Cow<'n, str> {
        match kind {
            TokenKind::Cyrillic => self.russian.stem(norm),
            TokenKind::Latin => self.english.stem(norm),
            TokenKind::Number | TokenKind::Mixed => std::borrow::Cow::Borrowed(norm),
        }
    }

    fn analyze_norm(&self, norm: &str) -> FormInfo {
        let kind = kind_of(norm);
        // A form the dictionary does not have gets no dictionary reading (`analyze` then
        // only tries its rules and guesses, which are not kept): `is_known` says so with one
        // lookup, where `analyze` would spend most of its time on the guesses.
        let lemmas = if kind == TokenKind::Cyrillic && self.dict.is_known(norm) {
            likely_lemmas(&dictionary_readings(self.dict, norm), MIN_READING)
        } else {
            Vec::new()
        };
        let stem = self.stem_norm(norm, kind).into_owned();
        FormInfo {
            norm: norm.to_string(),
            lemmas,
            stem,
            kind,
        }
    }
}

/// The distinct normalized lemmas of the dictionary readings of a form (guesses and rules
/// left out) with their probabilities, most probable first.
fn dictionary_readings(dict: &Dictionary, norm: &str) -> Vec<(String, f64)> {
    let mut lemmas: Vec<(String, f64)> = Vec::new();
    for a in dict.analyze(norm) {
        if a.source != Source::Dictionary {
            continue;
        }
        let lemma = normalize(&a.lemma);
        match lemmas.iter_mut().find(|(l, _)| *l == lemma) {
            Some((_, p)) => *p += a.prob,
            None => lemmas.push((lemma, a.prob)),
        }
    }
    lemmas.sort_by(|a, b| b.1.total_cmp(&a.1));
    lemmas
}

/// The lemmas of `readings` ([`dictionary_readings`]) of probability `min` or more, and the
/// most probable one always. Rare readings are noise for matching ("в" as the abbreviation
/// of «век», "к" of «как», «дошли» of «дослать»).
fn likely_lemmas(readings: &[(String, f64)], min: f64) -> Vec<String> {
    readings
        .iter()
        .enumerate()
        .filter(|(i, (_, p))| *i == 0 || *p >= min)
        .map(|(_, (l, _))| l.clone())
        .collect()
}

/// What a normalized form is made of ([`FormInfo::kind`]). Only [`TokenKind::Cyrillic`]
/// forms are looked up in the dictionary.
pub fn kind_of(norm: &str) -> TokenKind {
    let (mut cyr, mut lat, mut dig) = (false, false, false);
    for c in norm.chars() {
        match c {
            'а'..='я' | 'ё' | 'і' | 'ї' | 'є' | 'ґ' | 'ў' => cyr = true,
            'a'..='z' => lat = true,
            '0'..='9' | ',' | '.' => dig = true,
            '-' => {}
            c if c.is_numeric() => dig = true,
            c if c.is_alphabetic() && ('\u{400}'..='\u{52f}').contains(&c) => cyr = true,
            c if c.is_alphabetic() => lat = true,
            _ => {}
        }
    }
    match (cyr, lat, dig) {
        (true, false, false) => TokenKind::Cyrillic,
        (false, true, false) => TokenKind::Latin,
        (false, false, true) => TokenKind::Number,
        _ => TokenKind::Mixed,
    }
}

/// The normalized form of a word (see [`NORMALIZERS`]).
pub fn normalize(word: &str) -> String {
    let mut s = String::with_capacity(word.len());
    normalize_into(word, &mut s);
    s
}

/// Appends the normalized form of `word` to `out`.
pub fn normalize_into(word: &str, out: &mut String) {
    // The byte-level path the analyzer's cache keys take (the same mapping, faster).
    let mut bytes = std::mem::take(out).into_bytes();
    normalize_bytes_with(word, &mut bytes, |_, _| {});
    *out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// The normalized form of a whole text, with checkpoints to map offsets between the two:
/// `(original offset, normalized offset)` pairs, one at the start and one after every
/// character whose normalized form has another length (a dropped stress mark, say).
/// Between checkpoints offsets move together. Fast on ASCII and Cyrillic.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    /// The normalized text as UTF-8 bytes (for `regex::bytes`, with no second validation).
    pub bytes: Vec<u8>,
    shifts: Vec<(u32, u32)>,
}

impl Normalized {
    /// Normalizes `text` into this buffer (reusing its allocations).
    pub fn set(&mut self, text: &str) {
        self.bytes.clear();
        self.shifts.clear();
        self.shifts.push((0, 0));
        let shifts = &mut self.shifts;
        normalize_bytes_with(text, &mut self.bytes, |orig, norm| {
            shifts.push((orig as u32, norm as u32));
        });
    }

    /// The normalized offset of an original offset.
    pub fn to_norm(&self, orig: usize) -> usize {
        let k = self.shifts.partition_point(|&(o, _)| o as usize <= orig) - 1;
        let (o, n) = self.shifts[k];
        n as usize + (orig - o as usize)
    }

    /// The original offset of a normalized offset (after any characters dropped there).
    pub fn to_orig(&self, norm: usize) -> usize {
        let k = self.shifts.partition_point(|&(_, n)| n as usize <= norm) - 1;
        let (o, n) = self.shifts[k];
        o as usize + (norm - n as usize)
    }
}

/// Appends the normalized form of `text` to `out` as UTF-8 bytes, calling `shift(original
/// offset after, normalized length)` after every character whose normalized form has another
/// length. Byte-level fast paths for ASCII, Cyrillic and common punctuation.
fn normalize_bytes_with(text: &str, v: &mut Vec<u8>, mut shift: impl FnMut(usize, usize)) {
    let b = text.as_bytes();
    let mut i = 0;
    let mut buf = String::new();
    v.reserve(b.len());
    while i < b.len() {
        // A run of bytes that stay as they are (lowercase ASCII and Cyrillic), copied at once.
        let run = i;
        while i < b.len() {
            let x = b[i];
            if x < 0x80 {
                if x.is_ascii_uppercase() {
                    break;
                }
                i += 1;
            } else if matches!(
                (x, b.get(i + 1)),
                (0xD0, Some(0xB0..=0xBF)) | (0xD1, Some(0x80..=0x8F))
            ) {
                i += 2;
            } else {
                break;
            }
        }
        v.extend_from_slice(&b[run..i]);
        if i == b.len() {
            break;
        }
        let x = b[i];
        if x < 0x80 {
            v.push(x.to_ascii_lowercase());
            i += 1;
            continue;
        }
        let y = b.get(i + 1).copied().unwrap_or(0);
        let pair = match (x, y) {
            (0xD0, 0x90..=0x9F) => Some([0xD0, y + 0x20]),
            (0xD0, 0xA0..=0xAF) => Some([0xD1, y - 0x20]),
            (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F) => Some([x, y]),
            (0xD0, 0x81) | (0xD1, 0x91) => Some([0xD0, 0xB5]),
            // Latin-1 punctuation («, », °, no-break space) but the soft hyphen.
            (0xC2, 0xA0..=0xBF) if y != 0xAD => Some([x, y]),
            _ => None,
        };
        if let Some(p) = pair {
            v.extend_from_slice(&p);
            i += 2;
            continue;
        }
        // General punctuation (dashes, quotes, '…') but the hyphens U+2010 and U+2011.
        if x == 0xE2 && y == 0x80 && !matches!(b.get(i + 2), Some(0x90 | 0x91) | None) {
            v.extend_from_slice(&b[i..i + 3]);
            i += 3;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        buf.clear();
        normalize_char(c, &mut buf);
        v.extend_from_slice(buf.as_bytes());
        i += c.len_utf8();
        if buf.len() != c.len_utf8() {
            shift(i, v.len());
        }
    }
}

#[inline]
fn normalize_char(c: char, out: &mut String) {
    match c {
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        'a'..='z' | '0'..='9' | '-' => out.push(c),
        'А'..='Я' => out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c)),
        'а'..='я' => out.push(c),
        'ё' | 'Ё' => out.push('е'),
        '\u{301}' | '\u{300}' | '\u{ad}' => {}
        '\u{2010}' | '\u{2011}' => out.push('-'),
        c if c.is_ascii() => out.push(c),
        c => {
            for l in c.to_lowercase() {
                out.push(if l == 'ё' { 'е' } else { l });
            }
        }
    }
}

/// Is `c` part of a word: a letter, a digit, or a stress mark / soft hyphen inside one.
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        matches!(c, '\u{301}' | '\u{300}' | '\u{ad}') || is_letter(c)
    }
}

/// A letter or digit, with fast paths for ASCII, Cyrillic and punctuation.
#[inline]
pub fn is_letter(c: char) -> bool {
    match c {
        'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' => true,
        c if c.is_ascii() => c.is_ascii_alphanumeric(),
        '\u{80}'..='\u{bf}' | '\u{2000}'..='\u{206f}' => false,
        c => c.is_alphanumeric(),
    }
}

#[inline]
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// The character starting at byte `i` of `text` (a character boundary) and its length in
/// bytes, two-byte sequences (Cyrillic) decoded directly.
#[inline]
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let bytes = text.as_bytes();
    let b = *bytes.get(i)?;
    if (0xC2..0xE0).contains(&b) {
        // `text` is valid UTF-8: a two-byte lead is followed by one continuation byte.
        let c = (u32::from(b & 0x1F) << 6) | u32::from(bytes[i + 1] & 0x3F);
        return char::from_u32(c).map(|c| (c, 2));
    }
    let c = text[i..].chars().next()?;
    Some((c, c.len_utf8()))
}

/// The byte spans of the words of a text (step 1 of the analyzer), without analyzing them.
pub struct WordSpans<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> WordSpans<'a> {
    /// Word spans of `text`.
    pub fn new(text: &'a str) -> Self {
        WordSpans { text, pos: 0 }
    }
}

impl Iterator for WordSpans<'_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        let text = self.text;
        let bytes = text.as_bytes();
        // Skip to the start of a word (a combining mark cannot start one).
        let mut i = self.pos;
        loop {
            if i >= bytes.len() {
                self.pos = i;
                return None;
            }
            let b = bytes[i];
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    break;
                }
                i += 1;
            } else if b == 0xD0 || b == 0xD1 {
                // U+0400–U+047F: a Cyrillic letter starts the word.
                break;
            } else {
                let (c, len) = char_at(text, i)?;
                if is_letter(c) {
                    break;
                }
                i += len;
            }
        }
        let start = i;
        let mut end = i;
        let mut prev_digit = false;
        while i < bytes.len() {
            let b = bytes[i];
            // A two-byte character with lead byte D0 or D1 is U+0400–U+047F, a Cyrillic
            // letter (most characters of Russian text): a word character, no decoding.
            if b == 0xD0 || b == 0xD1 {
                prev_digit = false;
                i += 2;
                end = i;
                continue;
            }
            let (c, len) = if b < 0x80 {
                (b as char, 1)
            } else {
                char_at(text, i)?
            };
            if is_word_char(c) {
                prev_digit = c.is_ascii_digit();
                i += len;
                end = i;
                continue;
            }
            // A hyphen between word characters, or a decimal separator between digits.
            let joins = is_hyphen(c) || ((c == ',' || c == '.') && prev_digit);
            if joins {
                let after = i + len;
                let next = text[after.min(text.len())..].chars().next();
                let ok = match next {
                    Some(n) if is_hyphen(c) => is_letter(n),
                    Some(n) => n.is_ascii_digit(),
                    None => false,
                };
                if ok {
                    i = after;
                    continue;
                }
            }
            break;
        }
        self.pos = end.max(start + 1);
        Some(Span::new(start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_token(text: &str, tok: &Token, a: &Analyzer, word: &str, norm: &str, from: usize) {
        assert_eq!(&text[tok.span.range()], word);
        assert_eq!(a.info(tok).norm, norm);
        assert_eq!(tok.span.start, from);
        assert_eq!(tok.span.end, from + word.len());
    }

    #[test]
    fn rare_readings_are_dropped_from_the_texts_words_not_from_inflected_terms() {
        let mut a = Analyzer::new();
        let lemmas = |a: &mut Analyzer, w: &str| {
            let t = a.tokens(w);
            a.info(&t[0]).lemmas.clone()
        };
        // Readings under 10 %: «дошли» as «дослать», «стали» as «сталь».
        assert_eq!(lemmas(&mut a, "дошли"), ["дойти"]);
        assert_eq!(lemmas(&mut a, "стали"), ["стать"]);
        // Two readings both frequent stay.
        assert_eq!(lemmas(&mut a, "стоит"), ["стоять", "стоить"]);
        // A term in a dictionary form names that word; in another form, every reading of 1 %.
        assert_eq!(a.term_lemmas("дорогой"), ["дорогой"]);
        // «лета» itself is a reading under 10 %: a term written so still names it.
        assert_eq!(a.term_lemmas("лета"), ["лето", "лета"]);
        assert_eq!(a.term_lemmas("стали"), ["стать", "сталь"]);
    }

    #[test]
    fn every_character_with_lead_byte_d0_or_d1_is_a_letter() {
        // WordSpans takes these as word characters without decoding them.
        for c in '\u{400}'..='\u{47f}' {
            let mut b = [0u8; 4];
            assert!(matches!(c.encode_utf8(&mut b).as_bytes()[0], 0xD0 | 0xD1));
            assert!(is_letter(c) && is_word_char(c), "{c:?}");
        }
        assert!(!matches!(
            '\u{480}'.encode_utf8(&mut [0u8; 4]).as_bytes()[0],
            0xD0 | 0xD1
        ));
        let text = "Ѣ ѣ Ѳѳ — Ѿ.";
        let words: Vec<&str> = WordSpans::new(text).map(|s| &text[s.range()]).collect();
        assert_eq!(words, ["Ѣ", "ѣ", "Ѳѳ", "Ѿ"]);
    }

    #[test]
    fn tokens_keep_hyphens_mixed_and_decimals_with_exact_spans() {
        let text = "Кто-то из-за бизнес-процессов в 1С и B2B: оценка 8,5, ну.";
        let mut a = Analyzer::new();
        let toks = a.tokens(text);
        let words: Vec<&str> = toks.iter().map(|t| &text[t.span.range()]).collect();
        assert_eq!(
            words,
            vec![
                "Кто-то",
                "из-за",
                "бизнес-процессов",
                "в",
                "1С",
                "и",
                "B2B",
                "оценка",
                "8,5",
                "ну"
            ]
        );
        assert_token(text, &toks[0], &a, "Кто-то", "кто-то", 0);
        assert_token(
            text,
            &toks[2],
            &a,
            "бизнес-процессов",
            "бизнес-процессов",
            22,
        );
        assert_eq!(a.info(&toks[4]).kind, TokenKind::Mixed);
        assert_eq!(a.info(&toks[8]).kind, TokenKind::Number);
    }

    /// `normalize` takes the byte-level path; it maps every character as `normalize_char`
    /// does, one by one.
    #[test]
    fn normalize_is_normalize_char_by_char() {
        let text = "ЁЛКИ Всё зво\u{301}нит пере\u{ad}говоры кто\u{2011}то «Ура» — 12 ABC déjà \
                    Ωμέγα İstanbul ß … \u{a0}x\u{2010}y ǅ 😀 Ёжик-ТЕСТ";
        let mut expected = String::new();
        for c in text.chars() {
            normalize_char(c, &mut expected);
        }
        assert_eq!(normalize(text), expected);
        let mut out = String::from("префикс ");
        normalize_into("ЁЖ", &mut out);
        assert_eq!(out, "префикс еж");
    }

    #[test]
    fn normalization_folds_case_yo_stress_and_soft_hyphens() {
        let text = "ЁЛКИ, всё зво\u{301}нит, пере\u{ad}говоры, кто\u{2011}то";
        let mut a = Analyzer::new();
        let toks = a.tokens(text);
        let norms: Vec<&str> = toks.iter().map(|t| a.info(t).norm.as_str()).collect();
        assert_eq!(norms, vec!["елки", "все", "звонит", "переговоры", "кто-то"]);
        // The span covers the word as written, stress mark included.
        assert_eq!(&text[toks[2].span.range()], "зво\u{301}нит");
    }

    #[test]
    fn lemmas_from_the_dictionary() {
        let mut a = Analyzer::new();
        let lemma = |a: &mut Analyzer, w: &str| {
            let id = a.form(w);
            a.form_info(id).lemmas.first().cloned()
        };
        assert_eq!(lemma(&mut a, "людей").as_deref(), Some("человек"));
        assert_eq!(lemma(&mut a, "дня").as_deref(), Some("день"));
        assert_eq!(lemma(&mut a, "поставки").as_deref(), Some("поставка"));
        assert_eq!(lemma(&mut a, "Рекламации").as_deref(), Some("рекламация"));
        assert_eq!(lemma(&mut a, "ещё").as_deref(), Some("еще"));
        // Snowball merges these two; the dictionary does not.
        let cena = a.form("цены");
        let cennyj = a.form("ценный");
        assert_eq!(a.form_info(cena).stem, a.form_info(cennyj).stem);
        assert_ne!(a.form_info(cena).lemmas[0], a.form_info(cennyj).lemmas[0]);
    }

    #[test]
    fn unknown_words_fall_back_to_stems() {
        let mut a = Analyzer::new();
        let id = a.form("Диадоком");
        let info = a.form_info(id).clone();
        assert!(!info.known(), "{info:?}");
        assert_eq!(info.stem, "диадок");
        let id = a.form("pumps");
        assert_eq!(a.form_info(id).stem, "pump");
        assert_eq!(a.form_info(id).kind, TokenKind::Latin);
    }

    #[test]
    fn normalized_text_maps_offsets_both_ways() {
        let text = "ЭДО́ и Ёлка — «café» İ\u{2011}x\u{ad}y!";
        let mut n = Normalized::default();
        n.set(text);
        let mut plain = String::new();
        normalize_into(text, &mut plain);
        let norm = std::str::from_utf8(&n.bytes).unwrap();
        assert_eq!(norm, plain);
        for (i, _) in text.char_indices().filter(|(_, c)| *c != '\u{301}') {
            let j = n.to_norm(i);
            assert!(norm.is_char_boundary(j), "{i} -> {j}");
        }
        // "и" sits after the dropped stress mark: offsets shift by its two bytes.
        let i = text.find('и').unwrap();
        assert_eq!(&norm[n.to_norm(i)..n.to_norm(i) + 2], "и");
        assert_eq!(n.to_orig(n.to_norm(i)), i);
        // The end of "эдо" maps to after the stress mark.
        assert_eq!(n.to_orig(6), text.find(' ').unwrap());
    }

    // See: issue #16. The cache was cleared inside a text once full, so the text's first
    // tokens pointed at forms that were gone (or at other words).
    #[test]
    fn a_full_cache_is_cleared_before_a_text_never_inside_one() {
        let mut a = Analyzer::with_cache_limit(3);
        let text = "Раз два три четыре пять шесть";
        let toks = a.tokens(text);
        let norms: Vec<&str> = toks.iter().map(|t| a.info(t).norm.as_str()).collect();
        assert_eq!(norms, vec!["раз", "два", "три", "четыре", "пять", "шесть"]);
        assert_eq!((a.generation(), a.cached_forms()), (0, 6));
        // `form` never clears: ids handed out before stay valid.
        let seven = a.form("семь");
        assert_eq!(a.info(&toks[0]).norm, "раз");
        assert_eq!(a.form_info(seven).norm, "семь");
        // The next text starts with an empty cache of a new generation.
        let toks = a.tokens("восемь раз");
        assert_eq!((a.generation(), a.cached_forms()), (1, 2));
        assert_eq!(a.info(&toks[1]).lemmas, vec!["раз"]);
        // Under the limit nothing is cleared.
        let _ = a.tokens("девять");
        assert_eq!((a.generation(), a.cached_forms()), (1, 3));
    }

    /// See: issue #16. Skipping `analyze` for forms the dictionary does not have changes no
    /// reading: every distinct form of the demo corpus, rusdracor (where it is beside the
    /// checkout) and a few hand-picked ones gets the lemmas of the full lookup.
    #[test]
    fn unknown_forms_skip_the_lookup_with_the_same_lemmas() {
        let mut a = Analyzer::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = String::from(
            "кто-то из-за по-моему сказал-то бизнес-процессов слово-дело Диадоком ещё ёлки \
             ЭДО людей ГидроМаш ростехнадзором 1С xyz-абв подавнее дается",
        );
        for dir in [
            root.join("corpora/demo"),
            root.join("../shared/data/rusdracor"),
        ] {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        let (mut unknown, mut known) = (0, 0);
        let toks = a.tokens(&text);
        let mut seen = std::collections::HashSet::new();
        for t in &toks {
            if !seen.insert(t.form) {
                continue;
            }
            let info = a.info(t);
            if info.kind != TokenKind::Cyrillic {
                continue;
            }
            assert_eq!(
                info.lemmas,
                likely_lemmas(&dictionary_readings(a.dict, &info.norm), MIN_READING),
                "{}",
                info.norm
            );
            if info.known() {
                known += 1;
            } else {
                unknown += 1;
            }
        }
        assert!(known > 0 && unknown > 0, "{known} known, {unknown} unknown");
    }

    #[test]
    fn cache_returns_the_same_form_for_the_same_normalized_word() {
        let mut a = Analyzer::new();
        let x = a.form("Ещё");
        let y = a.form("еще");
        assert_eq!(x, y);
        assert_eq!(a.cached_forms(), 1);
    }

    #[test]
    fn index_terms_of_the_last_tokens_are_their_index_terms_and_of_others_too() {
        let mut a = Analyzer::new();
        let text = "Ну, Ёлки-палки, SAP опя́ть 2,5 дня висел… CRM-ка и iPhone'ы";
        let tokens = a.tokens(text);
        let terms: Vec<String> = a.index_terms(&tokens).map(str::to_string).collect();
        assert_eq!(
            terms,
            [
                "ну",
                "елки-палки",
                "sap",
                "опять",
                "2,5",
                "дня",
                "висел",
                "crm-ка",
                "и",
                "iphon",
                "ы"
            ]
        );
        let by_id: Vec<String> = tokens
            .iter()
            .map(|t| a.index_term(t.form).to_string())
            .collect();
        assert_eq!(terms, by_id);
        // Tokens of an earlier text (another call since) are looked up by id: same terms.
        let later = a.tokens("Всё опять висело");
        let again: Vec<String> = a.index_terms(&tokens).map(str::to_string).collect();
        assert_eq!(again, by_id);
        assert_eq!(
            a.index_terms(&later).collect::<Vec<_>>(),
            ["все", "опять", "висело"]
        );
        // A token that is not where the last call put it (another span) is looked up too.
        let mut moved = later.clone();
        moved.swap(0, 2);
        assert_eq!(
            a.index_terms(&moved).collect::<Vec<_>>(),
            ["висело", "опять", "все"]
        );
    }
}
