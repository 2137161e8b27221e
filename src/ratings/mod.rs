//! Ratings: 1–10 scores extracted from respondent answers, imported from `ratings.csv`, and
//! aggregated per parameter, level and wave.
//!
//! **Where.** A respondent sentence is read for a rating when the interviewer's last turn asked
//! for one ("оцените", "по шкале", "сколько баллов", "ваша оценка"…) or when the sentence says
//! so itself ("на восемь баллов", "семь из десяти", "ставлю восемь", or a bare "Восемь.").
//!
//! **What.** Digits 1–10 with decimals ("8", "8,5"), "8 из 10", "8/10"; number words in any
//! case ("восемь", "восьми"); colloquial forms ("восьмёрка", "твёрдая девятка",
//! "десяточка"); "с половиной" adds 0.5; ranges ("7-8", "семь-восемь", "между семью и
//! восемью") give their middle. A number followed by a unit (дней, недель, процентов, лет,
//! тысяч, рублей, штук…) is a quantity, not a rating; years and ordinals are not numbers
//! here. In one answer the last rating wins ("Пять. Нет… ну давайте шесть.").
//!
//! **Which parameter.** The parameter the sentence is coded for by context (the question's
//! topic), else its single keyword parameter.

use std::collections::BTreeMap;

use crate::model::{Role, Span, Transcript};
use crate::tag::{Coding, Source};
use crate::text::Analyzer;

/// Where a rating comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingSource {
    /// Read from the transcript.
    Transcript,
    /// Imported from `ratings.csv`.
    Csv,
}

impl RatingSource {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingSource::Transcript => "transcript",
            RatingSource::Csv => "csv",
        }
    }
}

/// One rating of one parameter by one transcript's respondent.
#[derive(Clone, Debug, PartialEq)]
pub struct Rating {
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The value, 1–10.
    pub value: f32,
    /// Transcript or csv.
    pub source: RatingSource,
    /// The sentence it was read from (bytes into the canonical text); empty for csv.
    pub evidence: Span,
    /// How sure the reading is, 0–1.
    pub confidence: f32,
}

const UNITS: &[&str] = &[
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

const CUES: &[&str] = &[
    "оценить",
    "оценка",
    "оценивать",
    "балл",
    "шкала",
    "поставить",
    "ставить",
    "десятибалльный",
];

/// The value of a number word or colloquial form, by lemma.
fn word_value(lemma: &str) -> Option<f32> {
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
    word_value(lemma).or_else(|| word_value(norm))
}

/// Ratings in one sentence: the last value said, with ranges averaged and "с половиной"
/// added; `None` when the sentence gives no rating. `explicit` is true when the sentence
/// itself marks a rating ("баллов", "из десяти", "ставлю").
pub fn read_sentence(sentence: &str, analyzer: &mut Analyzer) -> Option<(f32, bool)> {
    let tokens = analyzer.tokens(sentence);
    // (normal form, first lemma, value as a number): "семью" is «семья» first, but a number
    // too, so every reading is tried for the value.
    let info: Vec<(String, String)> = tokens
        .iter()
        .map(|t| {
            let i = analyzer.info(t);
            (i.norm.clone(), i.lemmas.first().unwrap_or(&i.norm).clone())
        })
        .collect();
    let numbers: Vec<Option<f32>> = tokens
        .iter()
        .map(|t| {
            let i = analyzer.info(t);
            token_value(&i.norm, "").or_else(|| i.lemmas.iter().find_map(|l| word_value(l)))
        })
        .collect();
    let explicit = info
        .iter()
        .any(|(n, l)| CUES.contains(&l.as_str()) || CUES.contains(&n.as_str()))
        || sentence.contains("/10")
        || info
            .windows(2)
            .any(|w| w[0].0 == "из" && matches!(w[1].0.as_str(), "10" | "десяти"));
    let mut values: Vec<(usize, f32)> = Vec::new();
    let mut k = 0;
    while k < info.len() {
        let (norm, lemma) = (&info[k].0, &info[k].1);
        // "семь-восемь", "7-8": a hyphenated range in one token.
        if norm.contains('-') {
            let parts: Vec<&str> = norm.split('-').collect();
            let vals: Vec<f32> = parts
                .iter()
                .filter_map(|p| {
                    let id = analyzer.form(p);
                    let inf = analyzer.form_info(id);
                    token_value(&inf.norm, inf.lemmas.first().unwrap_or(&inf.norm))
                })
                .collect();
            if vals.len() == 2 && parts.len() == 2 && !followed_by_unit(&info, k) {
                values.push((k, (vals[0] + vals[1]) / 2.0));
            }
            k += 1;
            continue;
        }
        if let Some(mut v) = numbers[k] {
            // "8 из 10": the 10 is the scale; "5%" is a percentage.
            let scale = k >= 1
                && (info[k - 1].0 == "из"
                    || sentence[tokens[k - 1].span.end..tokens[k].span.start].trim() == "/");
            let percent = sentence[tokens[k].span.end..].trim_start().starts_with('%');
            // "не десять", "десять не ставлю", "ближе к десяти" are not ratings; the word
            // "один" ("бригада одна") only as "один балл" or "один из десяти".
            let negated = (k >= 1 && matches!(info[k - 1].0.as_str(), "не" | "к" | "ко"))
                || (info.get(k + 1).is_some_and(|(n, _)| n == "не")
                    && sentence[tokens[k].span.end..tokens[k + 1].span.start]
                        .trim()
                        .is_empty());
            let lone_one = v == 1.0
                && !norm.starts_with('1')
                && !info
                    .get(k + 1)
                    .is_some_and(|(n, l)| l == "балл" || n == "из");
            if !scale
                && !percent
                && !negated
                && !lone_one
                && !followed_by_unit(&info, k)
                && !is_ordinal(lemma)
            {
                if info.get(k + 1).is_some_and(|(n, _)| n == "с")
                    && info.get(k + 2).is_some_and(|(_, l)| l == "половина")
                {
                    v += 0.5;
                }
                values.push((k, v));
            }
        }
        k += 1;
    }
    // "между семью и восемью", "7 или 8": two values joined by и/или/-, their middle.
    if values.len() >= 2 {
        let (a, b) = (values[values.len() - 2], values[values.len() - 1]);
        let between = &info[a.0 + 1..b.0];
        if between.len() == 1
            && matches!(between[0].0.as_str(), "и" | "или")
            && info.iter().any(|(n, _)| n == "между" || n == "или")
        {
            values.truncate(values.len() - 2);
            values.push((b.0, (a.1 + b.1) / 2.0));
        }
    }
    // "В прошлом году было шесть": a past wave's rating, unless the sentence also says
    // "сейчас" / "теперь" ("Раньше девять, сейчас семь" — the last value is the current one).
    let past = info
        .iter()
        .any(|(n, l)| l.starts_with("прошл") || n == "раньше" || n == "назад" || l == "тогда");
    let now = info
        .iter()
        .any(|(n, _)| matches!(n.as_str(), "сейчас" | "теперь" | "щас" | "нынче"));
    if past && !now {
        return None;
    }
    values.last().map(|&(_, v)| (v, explicit))
}

fn followed_by_unit(info: &[(String, String)], k: usize) -> bool {
    info.get(k + 1)
        .is_some_and(|(n, l)| UNITS.contains(&l.as_str()) || UNITS.contains(&n.as_str()))
        || info.get(k + 2).is_some_and(|(n, l)| {
            // "пять с половиной недель", "три-четыре дня".
            (UNITS.contains(&l.as_str()) || UNITS.contains(&n.as_str()))
                && matches!(info[k + 1].0.as_str(), "с" | "половиной" | "-")
        })
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

/// True when an interviewer sentence asks for a rating.
fn asks_rating(sentence: &str, analyzer: &mut Analyzer) -> bool {
    let tokens = analyzer.tokens(sentence);
    tokens.iter().any(|t| {
        let i = analyzer.info(t);
        let l = i.lemmas.first().unwrap_or(&i.norm);
        CUES.contains(&l.as_str()) || matches!(l.as_str(), "сколько" | "цифра")
    })
}

/// Ratings read from one tagged transcript: at most one per parameter (the last said).
pub fn extract(t: &Transcript, codings: &[Coding], analyzer: &mut Analyzer) -> Vec<Rating> {
    let mut by_param: BTreeMap<usize, Rating> = BTreeMap::new();
    let mut asked = false;
    let mut current_turn = usize::MAX;
    let mut c = 0;
    for (si, s) in t.sentences.iter().enumerate() {
        let role = t.turn_speaker(&t.turns[s.turn]).role;
        if s.turn != current_turn {
            if role == Role::Interviewer {
                asked = false;
            }
            current_turn = s.turn;
        }
        while c < codings.len() && codings[c].sentence < si {
            c += 1;
        }
        let here: Vec<&Coding> = codings[c..]
            .iter()
            .take_while(|x| x.sentence == si)
            .collect();
        let text = t.slice(s.span);
        if role == Role::Interviewer {
            asked |= asks_rating(text, analyzer);
            continue;
        }
        if s.non_speech {
            continue;
        }
        let Some((value, explicit)) = read_sentence(text, analyzer) else {
            continue;
        };
        let bare = text.split_whitespace().count() <= 6;
        if !(asked || explicit || bare) {
            continue;
        }
        let context: Vec<usize> = here
            .iter()
            .filter(|x| x.source == Source::Context)
            .filter_map(|x| x.param)
            .collect();
        let keyword: Vec<usize> = here
            .iter()
            .filter(|x| x.source == Source::Keyword)
            .filter_map(|x| x.param)
            .collect();
        // "Проактивность шесть.": a short rating sentence that names a parameter rates it;
        // otherwise the question's topic is rated.
        let params = if bare && keyword.len() == 1 {
            keyword
        } else if !context.is_empty() {
            context
        } else if keyword.len() == 1 {
            keyword
        } else {
            continue;
        };
        let confidence = match (explicit, asked, bare) {
            (true, _, _) => 0.95,
            (_, true, true) => 0.9,
            (_, true, false) => 0.7,
            _ => 0.6,
        } / if params.len() > 1 { 2.0 } else { 1.0 };
        for p in params {
            by_param.insert(
                p,
                Rating {
                    param: p,
                    value,
                    source: RatingSource::Transcript,
                    evidence: s.span,
                    confidence,
                },
            );
        }
    }
    by_param.into_values().collect()
}

/// The name of the ratings file looked for in a corpus folder.
pub const RATINGS_CSV: &str = "ratings.csv";

/// One row of a `ratings.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRating {
    /// The transcript's file name (or document id).
    pub file: String,
    /// Index into the codebook's parameters.
    pub param: usize,
    /// The value, 1–10.
    pub value: f32,
    /// The wave, when the csv has the column.
    pub wave: Option<String>,
}

/// Reads a `ratings.csv` (as [`crate::ingest::meta::read_table`] reads corpus csv files): a
/// header with `file`, `param`, `value` and optionally `wave`.
///
/// # Errors
/// [`crate::Error::BadInput`] naming the line: a missing column, an unknown parameter id,
/// a value that is not a number from 1 to 10.
pub fn read_csv(
    path: &std::path::Path,
    cb: &crate::codebook::Codebook,
) -> crate::Result<Vec<CsvRating>> {
    let bad = |reason: String| crate::Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let table = crate::ingest::meta::read_table(path)?;
    let col = |name: &str| table.column(name);
    let (Some(fc), Some(pc), Some(vc)) = (col("file"), col("param"), col("value")) else {
        return Err(bad(
            "the header must have the columns file, param, value (and optionally wave)".into(),
        ));
    };
    let wc = col("wave");
    let mut out = Vec::new();
    for (line, rec) in &table.rows {
        let pid = rec.get(pc).unwrap_or("").trim();
        let param = cb.parameter(pid).ok_or_else(|| {
            bad(format!(
                "line {line}: unknown parameter `{pid}`; use a codebook parameter id"
            ))
        })?;
        let value = rec
            .get(vc)
            .unwrap_or("")
            .trim()
            .replace(',', ".")
            .parse::<f32>()
            .ok()
            .filter(|v| (1.0..=10.0).contains(v))
            .ok_or_else(|| {
                bad(format!(
                    "line {line}: the value must be a number from 1 to 10"
                ))
            })?;
        out.push(CsvRating {
            file: rec.get(fc).unwrap_or("").trim().to_string(),
            param,
            value,
            wave: wc
                .and_then(|w| rec.get(w))
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        });
    }
    Ok(out)
}

/// Mean, count, min and max of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Mean.
    pub mean: f32,
    /// How many.
    pub n: usize,
    /// Lowest.
    pub min: f32,
    /// Highest.
    pub max: f32,
}

impl Stats {
    /// The statistics of `values`, or `None` when there are none.
    pub fn of(values: &[f32]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let sum: f32 = values.iter().sum();
        Some(Stats {
            mean: sum / values.len() as f32,
            n: values.len(),
            min: values.iter().copied().fold(f32::MAX, f32::min),
            max: values.iter().copied().fold(f32::MIN, f32::max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_phrases() {
        let mut a = Analyzer::new();
        // (sentence, expected value or None)
        let cases: &[(&str, Option<f32>)] = &[
            ("Восемь.", Some(8.0)),
            ("8", Some(8.0)),
            ("Ну, восемь с половиной.", Some(8.5)),
            ("8,5", Some(8.5)),
            ("Поставлю 8 из 10.", Some(8.0)),
            ("Где-то 8/10.", Some(8.0)),
            ("На 8 баллов.", Some(8.0)),
            ("Ну, твёрдая восьмёрка.", Some(8.0)),
            ("На твёрдую девятку.", Some(9.0)),
            ("Десяточка!", Some(10.0)),
            ("Семь-восемь.", Some(7.5)),
            ("7-8, наверное.", Some(7.5)),
            ("Между семью и восемью.", Some(7.5)),
            ("Пять. Нет, пожалуй, семь.", Some(7.0)),
            ("Шесть из десяти.", Some(6.0)),
            ("Пятёрка с плюсом, ну, пять.", Some(5.0)),
            ("Ждали три недели.", None),
            ("Это было в 2024 году.", None),
            ("Подняли на пятнадцать процентов.", None),
            ("Две недели стояла линия.", None),
            ("Сорок семь миллионов в год.", None),
            ("Третий раз за квартал.", None),
            ("Почему не десять: Саныч один.", None),
            ("Ответ один: «в процессе».", None),
            ("Один балл, не больше.", Some(1.0)),
            ("Десять не ставлю только потому, что бригада одна.", None),
            ("Восемь баллов.", Some(8.0)),
            ("На девятку.", Some(9.0)),
            ("Девять из десяти.", Some(9.0)),
            ("Семёрочка.", Some(7.0)),
            ("Восемь? Да, восемь.", Some(8.0)),
            ("Ну, где-то семь-восемь.", Some(7.5)),
            ("Поставил бы шесть.", Some(6.0)),
            ("Четыре, не больше.", Some(4.0)),
            ("Тройка, если честно.", Some(3.0)),
            ("Ставлю девять.", Some(9.0)),
            ("Оценка — восемь.", Some(8.0)),
            ("Десять из десяти!", Some(10.0)),
            ("Шесть или семь.", Some(6.5)),
            ("Твёрдая восьмёрка, без вопросов.", Some(8.0)),
            ("Три раза возвращали УПД.", None),
            ("Десять лет назад.", None),
            ("Восемь насосов стоят.", None),
            ("В пять вечера всё.", None),
            ("Полтора месяца ждали.", None),
            ("Девяносто дней отсрочки.", None),
            ("Пятнадцать-двадцать лет.", None),
            ("Двадцать второй год.", None),
            ("В прошлом году было шесть, стало хуже.", None),
            ("Раньше девять, сейчас семь.", Some(7.0)),
            ("Год назад я бы сказала восемь.", None),
            ("Но по-честному там ближе к десяти.", None),
            ("В четвёртом цехе.", None),
            ("Пять дней в неделю.", None),
            ("Около 5%.", None),
        ];
        for (text, want) in cases {
            let got = read_sentence(text, &mut a).map(|(v, _)| v);
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn ratings_follow_the_question_and_the_last_one_wins() {
        use crate::codebook::Codebook;

        use crate::tag::polarity::Lexicon;
        use crate::tag::{TagState, Tagger, markers_codebook};
        let mut a = Analyzer::new();
        let cb = Codebook::parse(
            "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"price\"\nlevel = \"p\"\nname = \"Цены\"\nterms = [\"цена\"]\nquestions = [\"цены\"]\n[[parameters]]\nid = \"delivery\"\nlevel = \"p\"\nname = \"Сроки\"\nterms = [\"срок\"]\nquestions = [\"сроки\"]\n",
            "t",
            &mut a,
        )
        .unwrap();
        let markers = markers_codebook(
            "wish = [\"хотелось бы\"]\ncomparison = [\"конкурент\"]\n",
            &mut a,
        )
        .unwrap();
        let tagger = Tagger::with(cb, markers, Lexicon::default());
        let text = "Интервьюер: Цены — как оцените?\nРеспондент: Подняли на пятнадцать процентов. Пять. Нет, пожалуй, шесть.\nИнтервьюер: А сроки? Сколько баллов?\nРеспондент: Ждали три недели, но в целом восемь с половиной.\n";
        let t = crate::testutil::transcript(text);
        let mut st = TagState::default();
        let codings = tagger.tag(&mut st, &t);
        let got: Vec<(usize, f32, &str)> = extract(&t, &codings, &mut st.matching.analyzer)
            .iter()
            .map(|r| (r.param, r.value, t.slice(r.evidence)))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 6.0, "Нет, пожалуй, шесть."),
                (1, 8.5, "Ждали три недели, но в целом восемь с половиной."),
            ]
        );
    }

    #[test]
    fn ratings_csv_in_excel_form_semicolons_and_1251() {
        let mut a = Analyzer::new();
        let cb = crate::codebook::Codebook::parse(
            "name = \"t\"\n[[levels]]\nid = \"p\"\nname = \"P\"\n[[parameters]]\nid = \"цены\"\nlevel = \"p\"\nname = \"Цены\"\nterms = [\"цена\"]\n",
            "t",
            &mut a,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RATINGS_CSV);
        let (bytes, _, _) =
            encoding_rs::WINDOWS_1251.encode("file;param;value;wave\r\nа.txt;цены;7,5;2026\r\n");
        std::fs::write(&path, &bytes).unwrap();
        let rows = read_csv(&path, &cb).unwrap();
        assert_eq!(
            rows,
            vec![CsvRating {
                file: "а.txt".into(),
                param: 0,
                value: 7.5,
                wave: Some("2026".into())
            }]
        );
    }

    #[test]
    fn stats_of_values() {
        let s = Stats::of(&[8.0, 6.0, 7.0]).unwrap();
        assert_eq!((s.mean, s.n, s.min, s.max), (7.0, 3, 6.0, 8.0));
        assert!(Stats::of(&[]).is_none());
    }
}
