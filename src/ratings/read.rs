//! Reading one sentence for ratings: every number that could be a 1–10 rating, with how it
//! is meant.
//!
//! A respondent says many numbers while rating: the rating given now («Восемь.», «Я бы дала
//! девять» — a polite conditional is a rating), and others that are not: a counterfactual
//! («без них было бы девять», «при Ковалёве я бы восемь поставил», «если бы …, было бы
//! девять»), a past wave («в прошлом году была бы шестёрка», «раньше ставили восемь»), a
//! condition on the future («если подтянут, будет девять»), another person's rating
//! («механики вам девять скажут», «коллега бы сказал десять»), arithmetic («минус три», «на
//! два балла выше») and counts («причин две», «за три строчки»). Each candidate carries its
//! [`Reading`]; only [`Reading::Given`] ones are ratings.
//!
//! The sentence is cut into clauses at punctuation and at «а», «но», «однако», «зато»,
//! «хотя». A marker counts in its own clause; a time marker («в прошлом году», «раньше»)
//! and a condition («если бы …», «без …», «при …») also carry into the clauses that follow,
//! until a contrast, «нет» or «сейчас»/«теперь» resets them.

use crate::model::Span;
use crate::text::{Analyzer, Token, dictionary};

/// How a number in a respondent's sentence is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reading {
    /// The rating given now (also «я бы дала девять», a polite conditional).
    Given,
    /// What it would be if things were otherwise («было бы девять», «без них», «при …»).
    Counterfactual,
    /// A past or another wave («в прошлом году», «раньше», «ставили»).
    Past,
    /// A condition on the future («если подтянут, будет девять»).
    Future,
    /// Another person's rating («механики вам девять скажут»).
    OtherPerson,
    /// Arithmetic on ratings («минус три», «на два балла выше»).
    Arithmetic,
    /// A count or quantity, not a rating («причин две», «за три строчки»).
    Count,
}

impl Reading {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Given => "given",
            Reading::Counterfactual => "counterfactual",
            Reading::Past => "past",
            Reading::Future => "future",
            Reading::OtherPerson => "other_person",
            Reading::Arithmetic => "arithmetic",
            Reading::Count => "count",
        }
    }
}

/// One number of a sentence that could be a rating.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The value, 1–10 (ranges averaged, «с половиной» added).
    pub value: f32,
    /// The number's words, bytes into the sentence.
    pub span: Span,
    /// Its clause, bytes into the sentence (for the parameter named next to it).
    pub clause: Span,
    /// How it is meant.
    pub reading: Reading,
    /// A self-correction or conclusion comes before it in the sentence («нет, пожалуй»,
    /// «ладно», «давайте», «пишите», «так что», «…»): it replaces an earlier value.
    pub correction: bool,
    /// Said in the conditional of politeness («я бы дала девять»).
    pub polite: bool,
    /// The reading is uncertain («будет восемь» alone).
    pub unsure: bool,
    /// A speaker named right before it in its clause («Тимур Рашидович восемь»): index into
    /// the `speakers` given to [`candidates`].
    pub person: Option<usize>,
}

/// Everything read from one sentence.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SentenceReading {
    /// The candidates in text order.
    pub candidates: Vec<Candidate>,
    /// The sentence marks a rating itself («баллов», «из десяти», «ставлю», «оценка»).
    pub explicit: bool,
}

impl SentenceReading {
    /// The rating the sentence gives: the first [`Reading::Given`] value, replaced by a later
    /// different one only when a correction comes before it.
    pub fn given(&self) -> Option<&Candidate> {
        let mut head: Option<&Candidate> = None;
        for c in self
            .candidates
            .iter()
            .filter(|c| c.reading == Reading::Given)
        {
            match head {
                None => head = Some(c),
                Some(h) if h.value != c.value && c.correction => head = Some(c),
                _ => {}
            }
        }
        head
    }
}

pub(crate) const UNITS: &[&str] = &[
    "день",
    "неделя",
    "месяц",
    "год",
    "час",
    "минута",
    "сутки",
    "процент",
    "тысяча",
    "тыс",
    "миллион",
    "млн",
    "рубль",
    "руб",
    "штука",
    "шт",
    "раз",
    "человек",
    "насос",
    "позиция",
    "партия",
    "линия",
    "цех",
    "вечер",
    "утро",
    "ночь",
    "лет",
    "квартал",
    "смена",
    "подшипник",
    "уплотнение",
    "поставщик",
    "заявка",
    "документ",
    "упд",
    "копейка",
    "евро",
    "доллар",
    "градус",
    "метр",
    "километр",
    "тонна",
    "килограмм",
    "литр",
    "этаж",
    "вариант",
    "пункт",
];

/// Words that mark a rating by themselves (lemmas or forms).
pub(crate) const CUES: &[&str] = &[
    "оценить",
    "оценка",
    "оценивать",
    "балл",
    "шкала",
    "поставить",
    "ставить",
    "десятибалльный",
];

/// Nouns right before a number that do not make it a count («оценка восемь»).
const NOT_COUNTED: &[&str] = &[
    "балл",
    "оценка",
    "цифра",
    "итог",
    "ответ",
    "максимум",
    "минимум",
    "среднее",
    "цифирь",
];

/// Nouns right after a number that keep it a rating («пять звёзд», «восемь баллов»).
const RATING_NOUNS: &[&str] = &["балл", "звезда", "очко", "бал"];

/// Words after «если» that make it a figure of speech, not a condition («если честно»).
const IF_SPEECH: &[&str] = &[
    "честно",
    "откровенно",
    "коротко",
    "кратко",
    "вкратце",
    "серьезно",
    "по-честному",
    "по-хорошему",
    "в",
    "по",
    "со",
    "с",
    "говорить",
    "сказать",
    "сравнивать",
    "сравнить",
    "брать",
    "взять",
    "оценивать",
    "оценить",
    "смотреть",
    "посмотреть",
    "считать",
    "мое",
    "моё",
    "нужна",
    "нужно",
    "надо",
    "хотите",
    "интересно",
    "уж",
    "так",
    "совсем",
    "округлить",
    "округлять",
    "вы",
    "я",
    "то",
];

/// Clause-opening contrasts: they end the scope of an earlier condition or time.
const CONTRASTS: &[&str] = &["а", "но", "однако", "зато", "хотя"];

/// «бы» after these is a filler or another construction («как бы», «хотя бы»).
const NOT_CONDITIONAL_BY: &[&str] = &[
    "как",
    "вроде",
    "хотя",
    "будто",
    "словно",
    "что",
    "кто",
    "где",
    "чтоб",
];

const NOW: &[&str] = &[
    "сейчас",
    "теперь",
    "щас",
    "нынче",
    "сегодня",
    "стало",
    "стал",
    "стала",
    "нынешний",
];

/// Past forms that mark a past rating («ставили восемь»).
const PAST_VERBS: &[&str] = &[
    "ставил",
    "ставила",
    "ставили",
    "оценивал",
    "оценивала",
    "оценивали",
    "давал",
    "давала",
    "давали",
    "говорил",
    "говорила",
    "говорили",
];

/// The past copula: «была десяточка», «семь было»; with «бы» a counterfactual.
const WAS: &[&str] = &["было", "был", "была", "были"];

const FUTURE: &[&str] = &["будет", "будут", "станет", "станут"];

/// Future rating verbs: a rating given now unless a condition comes with them.
const FUTURE_RATING: &[&str] = &["поставлю", "поставим", "дам", "дадим", "оценю", "оценим"];

/// Before a number: it is said later («поставлю восемь»), or «будет» is an imperative.
const LET_IT_BE: &[&str] = &["пусть", "пускай"];

/// Who else might rate: nouns (lemmas) and nominative pronouns (forms).
const PERSONS: &[&str] = &[
    "коллега",
    "шеф",
    "начальник",
    "начальство",
    "руководитель",
    "руководство",
    "директор",
    "генеральный",
    "механик",
    "механика",
    "снабженец",
    "снабжение",
    "закупщик",
    "финансист",
    "бухгалтерия",
    "главбух",
    "бухгалтер",
    "технолог",
    "производственник",
    "сосед",
    "другой",
    "кто-то",
    "кто-нибудь",
    "многие",
    "все",
    "остальной",
    "он",
    "она",
    "они",
];

const SAY_VERBS: &[&str] = &[
    "сказать",
    "говорить",
    "поставить",
    "ставить",
    "дать",
    "давать",
    "оценить",
    "оценивать",
    "назвать",
    "выставить",
];

const CORRECTIONS: &[&str] = &[
    "нет",
    "ладно",
    "давайте",
    "давай",
    "пусть",
    "пускай",
    "пожалуй",
    "точнее",
    "вернее",
    "хотя",
    "пишите",
    "пиши",
    "запишите",
    "запиши",
    "итого",
    "итог",
    "короче",
    "окончательно",
    "все-таки",
    "всё-таки",
    "поэтому",
    "итоге",
    "общем",
    "значит",
    "остановимся",
];

/// Number words that make a following 1–9 part of a larger number.
const TENS: &[&str] = &[
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "тысяча",
];

const COMPARATIVES: &[&str] = &[
    "выше",
    "ниже",
    "больше",
    "меньше",
    "лучше",
    "хуже",
    "повыше",
    "пониже",
];

/// The value of a number word or colloquial form, by lemma.
pub(crate) fn word_value(lemma: &str) -> Option<f32> {
    Some(match lemma {
        "один" | "единица" | "единичка" | "кол" => 1.0,
        "два" | "двойка" | "двоечка" => 2.0,
        "три" | "тройка" | "троечка" | "трояк" => 3.0,
        "четыре" | "четверка" | "четверочка" => 4.0,
        "пять" | "пятерка" | "пятерочка" => 5.0,
        "шесть" | "шестерка" | "шестерочка" => 6.0,
        "семь" | "семерка" | "семерочка" => 7.0,
        "восемь" | "восьмерка" | "восьмерочка" => 8.0,
        "девять" | "девятка" | "девяточка" => 9.0,
        "десять" | "десятка" | "десяточка" => 10.0,
        _ => return None,
    })
}

/// A number token's value: digits 1–10 with an optional decimal part, or a number word.
fn token_value(norm: &str, lemma: &str) -> Option<f32> {
    if norm.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        let v: f32 = norm.replace(',', ".").parse().ok()?;
        return (1.0..=10.0).contains(&v).then_some(v);
    }
    word_value(lemma)
        .or_else(|| word_value(norm))
        .or_else(|| diminutive_value(norm))
}

/// Diminutives in any case that the dictionary does not know («на девяточку»).
fn diminutive_value(norm: &str) -> Option<f32> {
    const STEMS: &[(&str, f32)] = &[
        ("единичк", 1.0),
        ("двоечк", 2.0),
        ("троечк", 3.0),
        ("четверочк", 4.0),
        ("пятерочк", 5.0),
        ("шестерочк", 6.0),
        ("семерочк", 7.0),
        ("восьмерочк", 8.0),
        ("девяточк", 9.0),
        ("десяточк", 10.0),
    ];
    let stem = norm
        .strip_suffix("ой")
        .or_else(|| norm.strip_suffix(['а', 'у', 'и', 'е']))?;
    let stem = stem.strip_suffix('о').unwrap_or(stem);
    STEMS.iter().find(|(s, _)| *s == stem).map(|(_, v)| *v)
}

fn is_ordinal(lemma: &str) -> bool {
    matches!(
        lemma,
        "первый"
            | "второй"
            | "третий"
            | "четвертый"
            | "пятый"
            | "шестой"
            | "седьмой"
            | "восьмой"
            | "девятый"
            | "десятый"
    )
}

/// The most probable dictionary tag of a word as written (`NOUN,inan,femn plur,gent`).
fn tag_of(word: &str) -> Option<String> {
    let dict = dictionary();
    dict.analyze(word)
        .into_iter()
        .filter(|a| a.source == rumorph::Source::Dictionary)
        .max_by(|a, b| a.prob.total_cmp(&b.prob))
        .and_then(|a| a.tag.and_then(|t| dict.tag(t)).map(str::to_string))
}

fn is_genitive_noun(word: &str) -> bool {
    tag_of(word).is_some_and(|t| t.starts_with("NOUN") && t.contains("gent"))
}

/// True when the word is, as written, mostly a common noun (not a name): speaker labels
/// like «Механик» are roles, not names.
pub(crate) fn is_common_noun(word: &str) -> bool {
    tag_of(word).is_some_and(|t| {
        t.starts_with("NOUN") && !t.contains("Name") && !t.contains("Surn") && !t.contains("Patr")
    })
}

struct Tok {
    span: Span,
    norm: String,
    lemma: String,
    /// Every lemma, for values («семью» is «семья» first).
    value: Option<f32>,
    clause: usize,
    /// Punctuation (or a clause break) between the previous token and this one.
    gap: bool,
    /// «…» or "..." right before it.
    ellipsis: bool,
}

/// The candidates of one sentence. `speakers` holds, per speaker of the transcript, the
/// index keys of the words of its label that can name it (see [`speaker_keys`]); `terms`
/// the spans (bytes into the sentence) of codebook terms, so that a parameter's name before
/// a number («Сроки восемь») is not read as a count.
pub fn candidates(
    sentence: &str,
    tokens: &[Token],
    analyzer: &mut Analyzer,
    speakers: &[Vec<String>],
    terms: &[Span],
) -> SentenceReading {
    let mut toks: Vec<Tok> = Vec::with_capacity(tokens.len());
    let mut clause = 0usize;
    let mut prev_end = 0usize;
    for t in tokens {
        let i = analyzer.info(t);
        let gap_text = &sentence[prev_end..t.span.start];
        let gap = gap_text.chars().any(|c| {
            matches!(
                c,
                ',' | ';' | ':' | '—' | '–' | '(' | ')' | '…' | '.' | '?' | '!' | '[' | ']'
            )
        }) || gap_text.contains(" - ");
        let ellipsis = gap_text.contains('…') || gap_text.contains("..");
        let norm = i.norm.clone();
        let lemma = i.lemmas.first().unwrap_or(&i.norm).clone();
        let value =
            token_value(&i.norm, "").or_else(|| i.lemmas.iter().find_map(|l| word_value(l)));
        if !toks.is_empty() && (gap || CONTRASTS.contains(&norm.as_str())) {
            clause += 1;
        }
        toks.push(Tok {
            span: t.span,
            norm,
            lemma,
            value,
            clause,
            gap,
            ellipsis,
        });
        prev_end = t.span.end;
    }
    let clauses = clause + 1;
    let explicit = toks
        .iter()
        .any(|t| CUES.contains(&t.lemma.as_str()) || CUES.contains(&t.norm.as_str()))
        || sentence.contains("/10")
        || toks
            .windows(2)
            .any(|w| w[0].norm == "из" && matches!(w[1].norm.as_str(), "10" | "десяти"));

    // Markers per clause.
    #[derive(Clone, Default)]
    struct Marks {
        by: bool,
        cond: bool,
        without: bool,
        pri: bool,
        want: bool,
        past: bool,
        was: bool,
        now: bool,
        future: bool,
        future_rating: bool,
        later: bool,
        his: bool,
        let_be: bool,
        person: bool,
        say: bool,
        me: bool,
        reset: bool,
        numbers: bool,
    }
    let mut marks = vec![Marks::default(); clauses];
    for (k, t) in toks.iter().enumerate() {
        let m = &mut marks[t.clause];
        let n = t.norm.as_str();
        let l = t.lemma.as_str();
        let prev = k.checked_sub(1).map(|j| toks[j].norm.as_str());
        let next = toks.get(k + 1);
        match n {
            "бы" | "б" if !prev.is_some_and(|p| NOT_CONDITIONAL_BY.contains(&p)) => m.by = true,
            "если" | "кабы" | "коли" | "ежели" => {
                let speech = next.is_none_or(|x| x.gap || IF_SPEECH.contains(&x.norm.as_str()));
                m.cond |= !speech;
            }
            "без" if next.is_some_and(|x| !x.gap && x.norm != "вопросов") => {
                m.without = true
            }
            "при" if next.is_some_and(|x| !x.gap && x.norm != "этом" && x.norm != "всем") =>
            {
                m.pri = true;
            }
            "хотелось" | "хотел" | "хотела" | "хотели" | "могло" | "мог" | "могла" =>
            {
                m.want = true;
            }
            "раньше" | "ранее" | "прежде" | "назад" | "позапрошлый" => {
                m.past = true
            }
            "тогда" => m.past = true,
            "я" | "мы" | "меня" | "нас" => m.me = true,
            // "у него четыре": someone else's.
            "него" | "нее" | "неё" | "них" if prev == Some("у") => m.his = true,
            "нет" if t.gap || k == 0 => m.reset = true,
            _ => {}
        }
        // "по сравнению с прошлым годом", "чем в прошлом году", "как и в прошлом году": a
        // comparison with the past, not a past rating.
        let compared = toks[k.saturating_sub(3)..k].iter().any(|x| {
            matches!(
                x.norm.as_str(),
                "сравнению"
                    | "сравнивать"
                    | "чем"
                    | "как"
                    | "относительно"
                    | "против"
                    | "с"
            )
        });
        if (l.starts_with("прошл") || l.starts_with("позапрошл")) && !compared
            || PAST_VERBS.contains(&n)
        {
            m.past = true;
        }
        if matches!(
            n,
            "надеюсь" | "потом" | "следующем" | "следующий" | "через" | "когда-нибудь"
        ) {
            m.later = true;
        }
        if WAS.contains(&n) {
            m.was = true;
        }
        if NOW.contains(&n) || (n == "этом" && next.is_some_and(|x| x.norm == "году")) {
            m.now = true;
        }
        if FUTURE.contains(&n) {
            if prev.is_some_and(|p| LET_IT_BE.contains(&p)) {
                m.let_be = true;
            } else {
                m.future = true;
            }
        }
        if FUTURE_RATING.contains(&n) {
            m.future_rating = true;
        }
        if matches!(n, "он" | "она" | "они")
            || (PERSONS.contains(&l) && !matches!(l, "он" | "она" | "они"))
        {
            m.person = true;
        }
        if SAY_VERBS.contains(&l) {
            m.say = true;
        }
        if CONTRASTS.contains(&n) && (k == 0 || t.gap || toks[k - 1].clause != t.clause) {
            m.reset = true;
        }
        if t.value.is_some() {
            m.numbers = true;
        }
    }
    // «тогда» after a condition is its consequence, not the past.
    let any_cond = marks.iter().any(|m| m.cond);
    if any_cond {
        for (c, m) in marks.iter_mut().enumerate() {
            let has_then = toks.iter().any(|t| t.clause == c && t.norm == "тогда");
            let other_past = toks.iter().any(|t| {
                t.clause == c
                    && (t.lemma.starts_with("прошл")
                        || matches!(t.norm.as_str(), "раньше" | "назад"))
            });
            if has_then && !other_past {
                m.past = false;
                m.future = true;
            }
        }
    }
    // What carries into a clause from the ones before it (until a reset).
    let mut carried = vec![Marks::default(); clauses];
    let mut carry = Marks::default();
    for c in 0..clauses {
        if marks[c].reset || marks[c].now {
            carry = Marks::default();
        }
        carried[c] = carry.clone();
        let m = &marks[c];
        carry.cond |= m.cond;
        carry.without |= m.without;
        carry.pri |= m.pri;
        carry.past |= m.past && !m.now;
        carry.want |= m.want;
        // "Механики, думаю, все десять поставят": the person of an earlier clause.
        carry.person |= m.person && !m.me;
        // «Я бы... ну, восемь»: «бы» of a clause without a number carries on.
        carry.by |= m.by && !m.numbers;
    }

    let any_future_clause = marks.iter().filter(|m| m.future).count();
    let mut out = Vec::new();
    let mut last_number: Option<usize> = None;
    let mut k = 0;
    while k < toks.len() {
        let t = &toks[k];
        // "семь-восемь", "7-8": a hyphenated range in one token.
        let mut value = None;
        if t.norm.contains('-') {
            let parts: Vec<&str> = t.norm.split('-').collect();
            let vals: Vec<f32> = parts
                .iter()
                .filter_map(|p| {
                    let id = analyzer.form(p);
                    let inf = analyzer.form_info(id);
                    token_value(&inf.norm, inf.lemmas.first().unwrap_or(&inf.norm))
                })
                .collect();
            if vals.len() == 2 && parts.len() == 2 {
                value = Some((vals[0] + vals[1]) / 2.0);
            }
        } else if let Some(v) = t.value {
            value = Some(v);
        }
        let Some(mut v) = value else {
            k += 1;
            continue;
        };
        let prev = k.checked_sub(1).map(|j| &toks[j]);
        let adjacent_prev = prev.filter(|_| !t.gap);
        // "8 из 10": the 10 is the scale; "5%" is a percentage.
        let scale = prev.is_some_and(|p| p.norm == "из")
            || prev.is_some_and(|p| sentence[p.span.end..t.span.start].trim() == "/");
        let percent = sentence[t.span.end..].trim_start().starts_with('%');
        // "не десять", "десять не ставлю", "ближе к десяти" are not ratings.
        let negated = adjacent_prev.is_some_and(|p| matches!(p.norm.as_str(), "не" | "к" | "ко"))
            || (toks.get(k + 1).is_some_and(|n| n.norm == "не" && !n.gap));
        // The word "один" ("бригада одна") only as "один балл" or "один из десяти".
        let lone_one = v == 1.0
            && !t.norm.starts_with('1')
            && !toks
                .get(k + 1)
                .is_some_and(|n| n.lemma == "балл" || n.norm == "из");
        let next_is_points = toks
            .get(k + 1)
            .is_some_and(|n| !n.gap && RATING_NOUNS.contains(&n.lemma.as_str()));
        // "в пять", "до шести", "через два": times and places.
        let time = adjacent_prev.is_some_and(|p| {
            matches!(
                p.norm.as_str(),
                "в" | "во"
                    | "до"
                    | "после"
                    | "через"
                    | "от"
                    | "около"
                    | "со"
                    | "с"
                    | "по"
            )
        }) && !next_is_points;
        // "сорок пять", "двадцать два": part of a larger number.
        let compound = adjacent_prev.is_some_and(|p| TENS.contains(&p.lemma.as_str()));
        if scale || percent || negated || lone_one || time || compound || is_ordinal(&t.lemma) {
            k += 1;
            continue;
        }
        let mut end = t.span.end;
        if toks.get(k + 1).is_some_and(|n| n.norm == "с" && !n.gap)
            && toks.get(k + 2).is_some_and(|n| n.lemma == "половина")
        {
            v += 0.5;
            end = toks[k + 2].span.end;
        }
        let c = t.clause;
        let m = &marks[c];
        let cm = &carried[c];
        // The clause right after: «…десяточку дала, если бы они сами пришли».
        let after_cond = marks.get(c + 1).is_some_and(|n| n.cond && !n.reset);
        // "из шести два": a part of a count.
        let of_count = (k >= 2
            && toks[k - 2].norm == "из"
            && toks[k - 1].value.is_some()
            && !matches!(toks[k - 1].norm.as_str(), "10" | "десяти"))
            || (k >= 3
                && toks[k - 3].norm == "из"
                && toks[k - 2].value.is_some()
                && !toks[k - 1].gap);
        let counted =
            of_count || quantity_after(&toks, k) || count_before(&toks, k, sentence, terms);
        let arithmetic = adjacent_prev.is_some_and(|p| matches!(p.norm.as_str(), "минус" | "плюс"))
            || (k >= 2 && toks[k - 2].norm == "минус" && toks[k - 1].norm == "еще")
            || (adjacent_prev.is_some_and(|p| p.norm == "на")
                && toks[k + 1..]
                    .iter()
                    .take(3)
                    .any(|n| COMPARATIVES.contains(&n.norm.as_str())));
        let by = m.by || cm.by;
        let cond = m.cond || cm.cond || after_cond;
        let counterfactual = by
            && (cond || m.was || m.without || cm.without || m.pri || cm.pri || m.want || cm.want);
        // "Десять — это «Нордпамп» был": someone else's, in the past.
        let was_other = toks
            .iter()
            .find(|x| x.clause == c + 1)
            .is_some_and(|x| x.norm == "это")
            && marks.get(c + 1).is_some_and(|n| n.was)
            && !toks
                .iter()
                .any(|x| x.clause == c && x.span.start != t.span.start && x.span.end > end);
        let past = ((m.past || cm.past || (m.was && !by)) && !m.now) || was_other;
        // "Семь с половиной, если они датчики покажут": a value under a condition that
        // follows; the future when the condition speaks of it, else a counterfactual.
        let cond_after = !by && after_cond;
        let cond_future = cond_after
            && toks.iter().any(|x| {
                x.clause == c + 1
                    && (FUTURE.contains(&x.norm.as_str())
                        || matches!(x.norm.as_str(), "все-таки" | "когда" | "потом" | "этом"))
            });
        // "Если сделают кабинет, то десять."
        let then_clause = cm.cond
            && toks
                .iter()
                .find(|x| x.clause == c)
                .is_some_and(|x| matches!(x.norm.as_str(), "то" | "тогда"));
        // "Дадут шестьдесят дней — поставлю девять": a rating promised on a condition in the
        // future tense said before it.
        let promised = m.future_rating
            && !by
            && toks.iter().any(|x| {
                x.clause < c
                    && !FUTURE_RATING.contains(&x.norm.as_str())
                    && tag_of(&x.norm).is_some_and(|t| t.starts_with("VERB") && t.contains("futr"))
            });
        let future = !by
            && ((m.future && (cond || any_future_clause > 1 || marks.iter().any(|x| x.later)))
                || (m.future_rating && cond)
                || cond_future
                || then_clause
                || promised);
        let counterfactual = counterfactual || (cond_after && !cond_future);
        let unsure_future = m.future && !future && !by;
        // Another person's rating: a person (not «я»/«мы») with a verb of saying or rating
        // in the clause, or right before the number.
        let person_before = adjacent_prev.is_some_and(|p| {
            PERSONS.contains(&p.lemma.as_str()) && !matches!(p.lemma.as_str(), "он" | "она" | "они")
        });
        let other = ((m.person || cm.person) && !m.me && (m.say || person_before)) || m.his;
        // A speaker named in the clause before the number.
        let person = speakers.iter().position(|keys| {
            !keys.is_empty()
                && toks[..k].iter().any(|x| {
                    x.clause == c
                        && keys.contains(&x.lemma)
                        && sentence[x.span.start..].starts_with(|ch: char| ch.is_uppercase())
                })
        });
        let reading = if counted {
            Reading::Count
        } else if arithmetic {
            Reading::Arithmetic
        } else if past {
            Reading::Past
        } else if counterfactual {
            Reading::Counterfactual
        } else if future {
            Reading::Future
        } else if other && person.is_none() {
            Reading::OtherPerson
        } else {
            Reading::Given
        };
        // A correction or conclusion between the previous number and this one.
        let from = last_number.map_or(0, |j| j + 1);
        let correction = toks[from..k]
            .iter()
            .any(|x| CORRECTIONS.contains(&x.norm.as_str()))
            || toks[from..=k].iter().any(|x| x.ellipsis) && last_number.is_some()
            || toks[from..k]
                .windows(2)
                .any(|w| w[0].norm == "так" && w[1].norm == "что")
            || (from < k
                && toks[from].norm == "в"
                && toks[from + 1..k].iter().any(|x| x.norm == "итоге"));
        let clause_span = {
            let first = toks.iter().position(|x| x.clause == c).unwrap_or(k);
            let last = toks.iter().rposition(|x| x.clause == c).unwrap_or(k);
            Span::new(toks[first].span.start, toks[last].span.end)
        };
        out.push(Candidate {
            value: v,
            span: Span::new(t.span.start, end),
            clause: clause_span,
            reading,
            correction,
            polite: by && reading == Reading::Given,
            unsure: unsure_future && reading == Reading::Given,
            person,
        });
        last_number = Some(k);
        k += 1;
    }
    // "между семью и восемью", "7 или 8": two values joined by и/или, their middle.
    if out.len() >= 2 {
        let (a, b) = (&out[out.len() - 2], &out[out.len() - 1]);
        let ka = toks.iter().position(|x| x.span.start == a.span.start);
        let kb = toks.iter().position(|x| x.span.start == b.span.start);
        if let (Some(ka), Some(kb)) = (ka, kb)
            && kb == ka + 2
            && matches!(toks[ka + 1].norm.as_str(), "и" | "или")
            && toks.iter().any(|x| x.norm == "между" || x.norm == "или")
            && a.reading == b.reading
        {
            let mid = Candidate {
                value: (a.value + b.value) / 2.0,
                span: Span::new(a.span.start, b.span.end),
                ..a.clone()
            };
            out.truncate(out.len() - 2);
            out.push(mid);
        }
    }
    SentenceReading {
        candidates: out,
        explicit,
    }
}

/// «три строчки», «восемь насосов», «пять рабочих дней»: a noun (in the genitive, or a unit)
/// right after the number.
fn quantity_after(toks: &[Tok], k: usize) -> bool {
    let unit = |t: &Tok| UNITS.contains(&t.lemma.as_str()) || UNITS.contains(&t.norm.as_str());
    let Some(n1) = toks.get(k + 1) else {
        return false;
    };
    if n1.gap {
        return false;
    }
    if unit(n1) {
        return true;
    }
    // "пять с половиной недель", "три-четыре дня".
    if let Some(n2) = toks.get(k + 2)
        && matches!(n1.norm.as_str(), "с" | "половиной")
        && !n2.gap
        && (unit(n2) || toks.get(k + 3).is_some_and(|n3| !n3.gap && unit(n3)))
    {
        return true;
    }
    if RATING_NOUNS.contains(&n1.lemma.as_str()) {
        return false;
    }
    if is_genitive_noun(&n1.norm) {
        return true;
    }
    // An adjective, then the noun: "три рабочих дня".
    if let Some(n2) = toks.get(k + 2)
        && !n2.gap
        && tag_of(&n1.norm).is_some_and(|t| t.starts_with("ADJF") && t.contains("gent"))
        && !RATING_NOUNS.contains(&n2.lemma.as_str())
        && is_genitive_noun(&n2.norm)
    {
        return true;
    }
    false
}

/// «Причин две», «из двенадцати штук четыре»: a noun in the genitive right before the
/// number, which is not a parameter's name nor «оценка».
fn count_before(toks: &[Tok], k: usize, sentence: &str, terms: &[Span]) -> bool {
    let t = &toks[k];
    if t.gap || k == 0 {
        return false;
    }
    let p = &toks[k - 1];
    if NOT_COUNTED.contains(&p.lemma.as_str()) || terms.iter().any(|s| s.contains(p.span)) {
        return false;
    }
    // "За людей десять", "с их слов восемь": a preposition's noun, not a count.
    let prep = |t: &Tok| {
        matches!(
            t.norm.as_str(),
            "за" | "по"
                | "для"
                | "у"
                | "о"
                | "об"
                | "про"
                | "в"
                | "на"
                | "от"
                | "с"
                | "со"
                | "из"
        )
    };
    if (k >= 2 && !p.gap && prep(&toks[k - 2]))
        || (k >= 3 && !p.gap && !toks[k - 2].gap && prep(&toks[k - 3]))
    {
        return false;
    }
    // A capitalized name («Тимур Рашидович восемь») is not counted.
    if sentence[p.span.start..].starts_with(|c: char| c.is_uppercase()) && k >= 2 {
        return false;
    }
    is_genitive_noun(&p.norm)
}

/// The index keys of the words of a speaker label that can name that speaker in the text:
/// names, patronymics, words the dictionary does not know; not roles («Респондент»,
/// «Механик», «Спикер 2»).
pub fn speaker_keys(label: &str, analyzer: &mut Analyzer) -> Vec<String> {
    // Never clears the analyzer's cache: the tagger's tokens stay valid (see
    // [`crate::tag::words`]).
    let mut tokens = Vec::new();
    analyzer.tokens_keeping(label, &mut tokens);
    let mut out = Vec::new();
    for t in &tokens {
        let i = analyzer.info(t);
        if i.norm.chars().count() < 3 || i.norm.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if matches!(
            i.norm.as_str(),
            "респондент"
                | "интервьюер"
                | "спикер"
                | "модератор"
                | "участник"
                | "собеседник"
                | "ведущий"
                | "клиент"
                | "speaker"
        ) || is_common_noun(&i.norm)
        {
            continue;
        }
        out.push(i.lemmas.first().unwrap_or(&i.norm).clone());
    }
    out
}
