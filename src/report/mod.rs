//! The report: a documented model built from ratings, quotes and wishes, and its renderers
//! ([`render`]: Markdown and a self-contained HTML page; [`docx`]: a Word document;
//! [`xlsx`]: a workbook of scores, quotes and the coding matrix).
//!
//! The structure follows the research method: integral scores per level with the change
//! against the previous wave; per level the parameter overview under the display rules
//! ([`Thresholds`]), the key strengths and zones of development with quotes; per parameter
//! the score and quotes; the client's ideas and wishes; a recommendations skeleton
//! (Поддерживать / Развивать); coverage.

#[cfg(feature = "office")]
pub mod docx;
pub mod matrix;
pub mod passages;
pub mod pins;
pub mod render;
#[cfg(feature = "office")]
pub mod xlsx;

use serde::{Deserialize, Serialize};

use crate::codebook::Codebook;
use crate::quotes::{PolarityFilter, Quote, QuoteConfig, select_avoiding};
use crate::ratings::{Stats, change as change_of, round1};
use crate::ru;

/// Display rules of the report (defaults from the method; a study file overrides them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// A parameter scoring at least this is a strength (9).
    pub strength: f32,
    /// A parameter scoring below this is a zone of development (8).
    pub zone: f32,
    /// Other parameters are shown in the overview when |Δ| is larger than this (1).
    pub show_if_changed: f32,
    /// A change is shown when |Δ| is at least this (1).
    pub show_change: f32,
    /// A score resting on fewer ratings than this is marked as thin, and no change is
    /// claimed for it (3).
    pub min_n: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            strength: 9.0,
            zone: 8.0,
            show_if_changed: 1.0,
            show_change: 1.0,
            min_n: 3,
        }
    }
}

impl Thresholds {
    /// Whether a parameter's value is shown in the level overview: at or above `strength`,
    /// below `zone`, or, in between, when its change is larger than `show_if_changed` in
    /// absolute value (8,5 that rose by 1,2 is shown; 8,5 that rose by 1,0 is not).
    pub fn shown(&self, score: f32, change: Option<f32>) -> bool {
        score >= self.strength
            || score < self.zone
            || change.is_some_and(|c| c.abs() > self.show_if_changed)
    }

    /// Whether a change is shown.
    pub fn change_shown(&self, change: f32) -> bool {
        change.abs() >= self.show_change
    }

    /// `strength`, `zone` or `neutral`.
    pub fn class(&self, score: f32) -> &'static str {
        if score >= self.strength {
            "strength"
        } else if score < self.zone {
            "zone"
        } else {
            "neutral"
        }
    }
}

/// A quote as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportQuote {
    /// The shown text.
    pub text: String,
    /// Who said it.
    pub attribution: String,
    /// The speaker's division (empty when unknown).
    pub division: String,
    /// `positive`, `negative`, `neutral`, `mixed`.
    pub polarity: &'static str,
    /// The document and the code point span, to find it.
    pub doc: String,
    /// Start, code points.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// Its score.
    pub score: f32,
}

impl From<&Quote> for ReportQuote {
    fn from(q: &Quote) -> Self {
        ReportQuote {
            text: q.text.clone(),
            attribution: q.attribution.clone(),
            division: q.division.clone(),
            polarity: q.polarity.as_str(),
            doc: q.doc.clone(),
            start: q.chars.0,
            end: q.chars.1,
            score: q.score,
        }
    }
}

/// The pinned quotes of a parameter, as the report shows them: the candidate's attribution
/// and polarity with the author's trimming; a pin whose passage is no longer a candidate is
/// shown with its own text when it has one.
fn pinned_quotes(pins: &pins::Pins, param: &str, candidates: &[Quote]) -> Vec<ReportQuote> {
    pins.of(param)
        .filter_map(|pin| {
            let found = candidates
                .iter()
                .find(|q| q.doc == pin.doc && q.chars.0 == pin.start);
            let mut quote = match found {
                Some(q) => ReportQuote::from(q),
                None => ReportQuote {
                    text: pin.text.clone()?,
                    attribution: candidates
                        .iter()
                        .find(|q| q.doc == pin.doc)
                        .map(|q| q.attribution.clone())
                        .unwrap_or_default(),
                    division: candidates
                        .iter()
                        .find(|q| q.doc == pin.doc)
                        .map(|q| q.division.clone())
                        .unwrap_or_default(),
                    polarity: "neutral",
                    doc: pin.doc.clone(),
                    start: pin.start,
                    end: pin.end,
                    score: 0.0,
                },
            };
            if let Some(t) = &pin.text {
                quote.text = t.clone();
            }
            Some(quote)
        })
        .collect()
}

/// One parameter in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportParameter {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Mean rating this wave.
    pub score: Option<f32>,
    /// Ratings this wave.
    pub n: usize,
    /// Lowest and highest rating.
    pub range: Option<(f32, f32)>,
    /// Mean rating in the previous wave.
    pub previous: Option<f32>,
    /// `score - previous`.
    pub change: Option<f32>,
    /// Shown in the level overview (display rules).
    pub shown: bool,
    /// The change is shown (|Δ| at least the threshold).
    pub change_shown: bool,
    /// `strength`, `zone`, `neutral`, or `unrated`.
    pub class: &'static str,
    /// Codings of respondent sentences this wave.
    pub codings: usize,
    /// Of them, praise (positive polarity).
    pub praise: usize,
    /// Of them, criticism (negative polarity).
    pub criticism: usize,
    /// The score rests on fewer than `thresholds.min_n` ratings (this wave or the previous
    /// one): marked, and no change is claimed.
    pub thin: bool,
    /// The top quotes (positive for strengths, negative for zones, any otherwise).
    pub quotes: Vec<ReportQuote>,
}

/// One level in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportLevel {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The integral score: the mean of its rated parameters' means.
    pub score: Option<f32>,
    /// The same in the previous wave.
    pub previous: Option<f32>,
    /// `score - previous`.
    pub change: Option<f32>,
    /// Its parameters, in codebook order.
    pub parameters: Vec<ReportParameter>,
    /// Ids of the key strengths (at most three), best first.
    pub strengths: Vec<String>,
    /// Ids of the key zones of development (at most three), weakest first.
    pub zones: Vec<String>,
    /// Draft recommendations: keep doing.
    pub keep: Vec<String>,
    /// Draft recommendations: develop.
    pub develop: Vec<String>,
}

pub use crate::quotes::wishes::{ReportWish, WishGroup};

/// A rating read with low confidence ([`crate::ratings::LOW_CONFIDENCE`]), listed in the
/// coverage appendix for a person to check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncertainRating {
    /// The parameter id.
    pub param: String,
    /// The value taken.
    pub value: f32,
    /// How sure the reading is, 0–1.
    pub confidence: f32,
    /// The transcript.
    pub doc: String,
    /// The sentence it was read from, masked.
    pub text: String,
    /// Why other values were not taken, if any were.
    pub reason: Option<String>,
}

/// The whole report. Serialized as the documented JSON model (`citata report --out x.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportModel {
    /// Title.
    pub title: String,
    /// The client company.
    pub client: String,
    /// The supplier company.
    pub supplier: String,
    /// This wave.
    pub wave: String,
    /// The previous wave, if any.
    pub previous_wave: Option<String>,
    /// Interviews this wave.
    pub interviews: usize,
    /// Divisions interviewed this wave.
    pub divisions: Vec<String>,
    /// Ratings this wave (0: the report falls back to mentions, praise and criticism,
    /// quotes and wishes, and says so).
    pub ratings: usize,
    /// A short verdict written from the data.
    pub verdict: String,
    /// Levels.
    pub levels: Vec<ReportLevel>,
    /// Ideas and wishes by parameter, near-duplicates merged (at most [`MAX_WISHES`]).
    pub wishes: Vec<WishGroup>,
    /// How many wishes there were in all, after merging.
    pub wishes_total: usize,
    /// Parameters asked about (coded) but never rated, and rated but without quotes.
    pub coverage_flags: Vec<String>,
    /// This wave's ratings read with low confidence, for checking.
    pub uncertain_ratings: Vec<UncertainRating>,
    /// The researchers' memos (the study's memos.tsv): on parameters first, in codebook
    /// order, then on transcripts. Left out of the JSON when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub memos: Vec<ReportMemo>,
    /// The display rules used.
    pub thresholds: Thresholds,
}

/// A researcher's memo as the report lists it (the Word report's appendix «Заметки
/// исследователя»).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportMemo {
    /// What it is on, in Russian: «Интервью w25-zakupki.txt», «Параметр «Сроки поставки»».
    pub on: String,
    /// The span's text, names masked, for a memo on a span still found in its transcript.
    pub quote: Option<String>,
    /// Who wrote it.
    pub author: String,
    /// When: `YYYY-MM-DD`.
    pub date: String,
    /// The memo, names, phones and e-mails masked as in quotes (a report goes to the
    /// client).
    pub text: String,
}

/// Everything the report is built from, gathered per transcript.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Ratings: (wave, parameter, value).
    pub ratings: Vec<(String, usize, f32)>,
    /// Quote candidates of this wave's transcripts, per parameter (kept bounded with
    /// [`crate::quotes::keep_best`]).
    pub candidates: Vec<Vec<Quote>>,
    /// Respondent codings per parameter, this wave.
    pub codings: Vec<usize>,
    /// Of them, praise (positive polarity), per parameter.
    pub praise: Vec<usize>,
    /// Of them, criticism (negative polarity), per parameter.
    pub criticism: Vec<usize>,
    /// Wish passages this wave ([`crate::quotes::wishes::collect`]).
    pub wishes: Vec<crate::quotes::wishes::Wish>,
    /// Interviews this wave.
    pub interviews: usize,
    /// Divisions this wave.
    pub divisions: Vec<String>,
    /// Quotes the author pinned: shown first, with their trimming.
    pub pins: pins::Pins,
    /// This wave's ratings read with low confidence.
    pub uncertain: Vec<UncertainRating>,
    /// The researchers' memos, as the report lists them.
    pub memos: Vec<ReportMemo>,
}

/// The study's names and rules.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Study {
    /// Title (default: «Удовлетворённость компании {client} сотрудничеством с {supplier}»).
    pub title: Option<String>,
    /// The client company.
    pub client: String,
    /// The supplier company.
    pub supplier: String,
    /// The wave reported (default: the latest wave in the metadata).
    pub wave: Option<String>,
    /// The wave compared with (default: the one before it in the metadata).
    pub previous_wave: Option<String>,
    /// The previous wave elsewhere: a folder of transcripts or a saved report JSON, relative
    /// to the study folder (`--previous` overrides it).
    pub previous: Option<String>,
    /// A codebook file, relative to the study folder (default: the embedded one).
    pub codebook: Option<String>,
    /// The attribution template of quotes.
    pub attribution: Option<String>,
    /// Display rules.
    pub thresholds: Thresholds,
}

/// Quote feature names as a report author reads them.
pub const FEATURE_NAMES_RU: &[(&str, &str)] = &[
    ("relevance", "релевантность"),
    ("emotion", "эмоциональность"),
    ("concreteness", "конкретность"),
    ("first_person", "от первого лица"),
    ("comparison", "сравнение с конкурентами"),
    ("self_contained", "незаконченность"),
    ("length", "длина"),
    ("filler", "слова-паразиты"),
];

/// Wishes listed in the report at most (a large corpus has thousands).
pub const MAX_WISHES: usize = 60;

/// Key strengths and zones shown per level.
const KEY: usize = 3;

fn mean_of(values: &[f32]) -> Option<f32> {
    Stats::of(values).map(|s| s.mean)
}

impl ReportLevel {
    /// Rated parameters the display rules leave out of the overview (between `zone` and
    /// `strength`, without a change larger than `show_if_changed`).
    pub fn omitted(&self) -> impl Iterator<Item = &ReportParameter> {
        self.parameters
            .iter()
            .filter(|p| p.score.is_some() && !p.shown)
    }
}

impl ReportModel {
    /// Whether any parameter rests on fewer than `thresholds.min_n` ratings.
    pub fn has_thin(&self) -> bool {
        self.levels
            .iter()
            .flat_map(|l| &l.parameters)
            .any(|p| p.thin && p.score.is_some())
    }
}

/// Builds the report model. `previous_scores`, from a saved report, replace the ratings of
/// the previous wave.
#[allow(clippy::too_many_arguments)]
pub fn build(
    study: &Study,
    cb: &Codebook,
    params: usize,
    wave: &str,
    previous: Option<&str>,
    previous_scores: Option<&std::collections::BTreeMap<String, f32>>,
    inputs: Inputs,
    quote_config: &QuoteConfig,
) -> ReportModel {
    let t = &study.thresholds;
    let stats = |w: &str, p: usize| {
        let v: Vec<f32> = inputs
            .ratings
            .iter()
            .filter(|(rw, rp, _)| rw == w && *rp == p)
            .map(|(_, _, v)| *v)
            .collect();
        Stats::of(&v)
    };
    let ratings = inputs.ratings.iter().filter(|(w, _, _)| w == wave).count();
    let wishes = crate::quotes::wishes::consolidate(inputs.wishes, cb, MAX_WISHES);
    let mut pool = inputs.candidates;
    pool.resize(params, Vec::new());
    let at = |v: &[usize], pi: usize| v.get(pi).copied().unwrap_or(0);
    let mut taken: Vec<(String, crate::model::Span)> = Vec::new();
    let mut levels = Vec::new();
    for (li, level) in cb
        .levels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.id.starts_with('_'))
    {
        let mut parameters = Vec::new();
        for (pi, p) in cb
            .parameters
            .iter()
            .enumerate()
            .filter(|(pi, p)| p.level == li && *pi < params)
        {
            let now = stats(wave, pi);
            let score = now.map(|s| round1(s.mean));
            let (prev, prev_n) = match previous_scores {
                // A saved report gives rounded scores and no counts.
                Some(scores) => (scores.get(&p.id).copied().map(round1), None),
                None => {
                    let s = previous.and_then(|w| stats(w, pi));
                    (s.map(|s| round1(s.mean)), s.map(|s| s.n))
                }
            };
            let n = now.map_or(0, |s| s.n);
            let thin = n < t.min_n || prev.is_some() && prev_n.is_some_and(|m| m < t.min_n);
            let change = score.zip(prev).map(|(a, b)| change_of(a, b));
            // No change is claimed on thin evidence (no number, no colour); the value is still
            // shown in the overview when it moved, marked with its n.
            let claimed = change.filter(|_| !thin);
            let class = score.map_or("unrated", |s| t.class(s));
            let (praise, criticism) = (at(&inputs.praise, pi), at(&inputs.criticism, pi));
            let filter = match class {
                "strength" => PolarityFilter::Positive,
                "zone" => PolarityFilter::Negative,
                // Without a score, the side the respondents took more often.
                "unrated" if criticism > praise => PolarityFilter::Negative,
                "unrated" if praise > criticism => PolarityFilter::Positive,
                _ => PolarityFilter::Any,
            };
            let candidates = std::mem::take(&mut pool[pi]);
            let pinned = pinned_quotes(&inputs.pins, &p.id, &candidates);
            let picked = select_avoiding(candidates, quote_config, filter, &taken);
            taken.extend(picked.iter().map(|q| (q.doc.clone(), q.span)));
            let mut shown: Vec<ReportQuote> = pinned;
            for q in &picked {
                if shown.len() >= quote_config.top.max(1) {
                    break;
                }
                if !shown.iter().any(|s| s.doc == q.doc && s.start == q.chars.0) {
                    shown.push(ReportQuote::from(q));
                }
            }
            parameters.push(ReportParameter {
                id: p.id.clone(),
                name: p.name.clone(),
                score,
                n,
                range: now.map(|s| (s.min, s.max)),
                previous: prev,
                change,
                shown: score.is_some_and(|s| t.shown(s, change)),
                change_shown: claimed.is_some_and(|c| t.change_shown(c)),
                class,
                codings: at(&inputs.codings, pi),
                praise,
                criticism,
                thin: score.is_some() && thin,
                quotes: shown,
            });
        }
        // The integral score: the mean of the parameters' scores as shown, rounded again
        // (a reader can check it against the table).
        let means: Vec<f32> = parameters.iter().filter_map(|p| p.score).collect();
        let prev_means: Vec<f32> = parameters.iter().filter_map(|p| p.previous).collect();
        let score = mean_of(&means).map(round1);
        let prev = mean_of(&prev_means).map(round1);
        let mut strengths: Vec<&ReportParameter> = parameters
            .iter()
            .filter(|p| p.class == "strength")
            .collect();
        strengths.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
        let mut zones: Vec<&ReportParameter> =
            parameters.iter().filter(|p| p.class == "zone").collect();
        zones.sort_by(|a, b| a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)));
        let (keep, develop) = if ratings == 0 {
            recommendations_from_mentions(&parameters)
        } else {
            recommendations(&parameters, &strengths, &zones, t)
        };
        let mut develop = develop;
        let wished: usize = wishes
            .groups
            .iter()
            .filter(|g| {
                g.param
                    .as_ref()
                    .is_some_and(|id| parameters.iter().any(|p| p.id == *id))
            })
            .map(|g| g.wishes.len())
            .sum();
        if wished > 0 {
            develop.push(format!(
                "Ответить на {} клиента по этому уровню.",
                ru::count(wished, ru::WISHES)
            ));
        }
        levels.push(ReportLevel {
            id: level.id.clone(),
            name: level.name.clone(),
            score,
            previous: prev,
            change: score.zip(prev).map(|(a, b)| change_of(a, b)),
            // The key ones: three of each at most; the overview table has them all.
            strengths: strengths.iter().take(KEY).map(|p| p.id.clone()).collect(),
            zones: zones.iter().take(KEY).map(|p| p.id.clone()).collect(),
            keep,
            develop,
            parameters,
        });
    }
    let verdict = if ratings == 0 {
        verdict_from_mentions(&levels)
    } else {
        verdict(&levels, previous, t)
    };
    let mut coverage_flags = Vec::new();
    for l in &levels {
        for p in &l.parameters {
            // Without any rating every parameter is unrated: the report says so once.
            if ratings > 0 && p.codings > 0 && p.score.is_none() {
                coverage_flags.push(format!(
                    "«{}»: обсуждался ({}), но не оценён",
                    p.name,
                    ru::count(p.codings, ru::MENTIONS)
                ));
            }
            if p.score.is_some() && p.quotes.is_empty() {
                coverage_flags.push(format!("«{}»: есть оценка, нет цитат", p.name));
            }
        }
    }
    let title = study.title.clone().unwrap_or_else(|| {
        format!(
            "Удовлетворённость компании {} сотрудничеством с {}",
            if study.client.is_empty() {
                "клиента"
            } else {
                &study.client
            },
            if study.supplier.is_empty() {
                "поставщиком"
            } else {
                &study.supplier
            }
        )
    });
    ReportModel {
        title,
        client: study.client.clone(),
        supplier: study.supplier.clone(),
        wave: wave.to_string(),
        previous_wave: previous.map(str::to_string),
        interviews: inputs.interviews,
        divisions: inputs.divisions,
        ratings,
        verdict,
        levels,
        wishes: wishes.groups,
        wishes_total: wishes.total,
        coverage_flags,
        uncertain_ratings: inputs.uncertain,
        memos: inputs.memos,
        thresholds: t.clone(),
    }
}

/// Draft recommendations from the scores: keep the strengths, develop the zones and stop
/// the falls (a parameter is named as «параметр «…»», which needs no declension of its name).
fn recommendations(
    parameters: &[ReportParameter],
    strengths: &[&ReportParameter],
    zones: &[&ReportParameter],
    t: &Thresholds,
) -> (Vec<String>, Vec<String>) {
    let score = |p: &ReportParameter| score_n(p);
    let keep = strengths
        .iter()
        .map(|p| {
            format!(
                "Сохранить сильную сторону — параметр «{}» ({}).",
                p.name,
                score(p)
            )
        })
        .collect();
    let fell =
        |p: &ReportParameter| p.change_shown && p.change.is_some_and(|c| c <= -t.show_change);
    let mut develop: Vec<String> = zones
        .iter()
        .map(|p| {
            let drop = if fell(p) {
                format!(", снижение на {}", ru::score(p.change.map(|c| -c)))
            } else {
                String::new()
            };
            format!("Развивать параметр «{}» ({}{drop}).", p.name, score(p))
        })
        .collect();
    for p in parameters {
        if p.class != "zone" && fell(p) {
            develop.push(format!(
                "Остановить снижение параметра «{}» ({}, было {}).",
                p.name,
                score(p),
                ru::score(p.previous)
            ));
        }
    }
    (keep, develop)
}

/// A score as the text of the report says it: «7,0», or «7,0; n = 1» when it rests on few
/// ratings.
pub fn score_n(p: &ReportParameter) -> String {
    if p.thin {
        format!("{}; n = {}", ru::score(p.score), p.n)
    } else {
        ru::score(p.score)
    }
}

/// Draft recommendations without ratings: keep what respondents praise more than they
/// criticise, look into what they criticise more (at least twice).
fn recommendations_from_mentions(parameters: &[ReportParameter]) -> (Vec<String>, Vec<String>) {
    let mut keep = Vec::new();
    let mut develop = Vec::new();
    for p in parameters {
        if p.praise >= 2 && p.praise > p.criticism {
            keep.push(format!(
                "Сохранить то, что хвалят, — параметр «{}» (похвала: {}, критика: {}).",
                p.name, p.praise, p.criticism
            ));
        } else if p.criticism >= 2 && p.criticism > p.praise {
            develop.push(format!(
                "Разобрать критику по параметру «{}» (критика: {}, похвала: {}).",
                p.name, p.criticism, p.praise
            ));
        }
    }
    (keep, develop)
}

/// Levels named in a list: «личностный уровень», «организационный и личностный уровни» is
/// beyond a template, so the names are listed as they are: «организационный уровень и
/// личностный уровень».
fn level_names(levels: &[&ReportLevel]) -> String {
    ru::and_list(
        &levels
            .iter()
            .map(|l| l.name.to_lowercase())
            .collect::<Vec<_>>(),
    )
}

/// The overall verdict: the strongest and weakest level (or that they are rated the same),
/// the zones, what changed.
fn verdict(levels: &[ReportLevel], previous: Option<&str>, t: &Thresholds) -> String {
    let rated: Vec<&ReportLevel> = levels.iter().filter(|l| l.score.is_some()).collect();
    if rated.is_empty() {
        return "Оценок в интервью не найдено: проверьте, что интервьюер просил оценить параметры по шкале от 1 до 10.".into();
    }
    // Level scores are rounded to one decimal: equal as shown is equal.
    let key = |l: &&ReportLevel| (l.score.unwrap_or(0.0) * 10.0).round() as i64;
    let top = rated.iter().map(key).max().expect("non-empty");
    let bottom = rated.iter().map(key).min().expect("non-empty");
    let best: Vec<&ReportLevel> = rated.iter().copied().filter(|l| key(l) == top).collect();
    let worst: Vec<&ReportLevel> = rated.iter().copied().filter(|l| key(l) == bottom).collect();
    let shown = |v: &[&ReportLevel]| ru::score(v[0].score);
    let mut out = if rated.len() == 1 {
        format!(
            "Оценки есть только по одному уровню: {} ({}).",
            level_names(&rated),
            shown(&rated)
        )
    } else if top == bottom {
        format!(
            "Уровни оценены одинаково: {} — {}.",
            level_names(&rated),
            shown(&rated)
        )
    } else {
        let side = |v: &[&ReportLevel]| {
            if v.len() == 1 {
                format!("{} ({})", level_names(v), shown(v))
            } else {
                format!("одинаково {} ({})", level_names(v), shown(v))
            }
        };
        format!(
            "Сильнее всего {} {}, слабее — {}.",
            if best.len() == 1 {
                "оценён"
            } else {
                "оценены"
            },
            side(&best),
            side(&worst)
        )
    };
    let mut zones: Vec<&ReportParameter> = levels
        .iter()
        .flat_map(|l| l.parameters.iter().filter(|p| p.class == "zone"))
        .collect();
    zones.sort_by(|a, b| a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)));
    if !zones.is_empty() {
        let weakest: Vec<String> = zones
            .iter()
            .take(3)
            .map(|p| format!("«{}» ({})", p.name, score_n(p)))
            .collect();
        out.push_str(&format!(
            " Главные зоны развития: {}{}.",
            weakest.join(", "),
            if zones.len() > 3 {
                format!(" (всего ниже порога: {})", zones.len())
            } else {
                String::new()
            }
        ));
    }
    if previous.is_some() {
        let mut ups: Vec<&ReportParameter> = Vec::new();
        let mut downs: Vec<&ReportParameter> = Vec::new();
        for p in levels.iter().flat_map(|l| &l.parameters) {
            match p.change {
                Some(c) if p.change_shown && c >= t.show_change => ups.push(p),
                Some(c) if p.change_shown && c <= -t.show_change => downs.push(p),
                _ => {}
            }
        }
        let names = |v: &[&ReportParameter]| {
            v.iter()
                .map(|p| format!("«{}» ({})", p.name, ru::signed(p.change.unwrap_or(0.0))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !ups.is_empty() {
            out.push_str(&format!(" Выросли: {}.", names(&ups)));
        }
        if !downs.is_empty() {
            out.push_str(&format!(" Снизились: {}.", names(&downs)));
        }
    }
    out
}

/// The verdict of a study without ratings: said plainly, then what was discussed most and
/// what drew the most criticism.
fn verdict_from_mentions(levels: &[ReportLevel]) -> String {
    let mut out = String::from(
        "Оценок по шкале в интервью этой волны нет: отчёт построен на упоминаниях, похвале и критике, цитатах и пожеланиях.",
    );
    let mut all: Vec<&ReportParameter> = levels
        .iter()
        .flat_map(|l| &l.parameters)
        .filter(|p| p.codings > 0)
        .collect();
    if all.is_empty() {
        return out;
    }
    all.sort_by_key(|p| std::cmp::Reverse(p.codings));
    let most: Vec<String> = all
        .iter()
        .take(3)
        .map(|p| format!("«{}» ({})", p.name, ru::count(p.codings, ru::MENTIONS)))
        .collect();
    out.push_str(&format!(" Чаще всего обсуждали: {}.", most.join(", ")));
    let mut criticised: Vec<&&ReportParameter> = all
        .iter()
        .filter(|p| p.criticism > p.praise && p.criticism >= 2)
        .collect();
    criticised.sort_by_key(|p| std::cmp::Reverse(p.criticism - p.praise));
    if !criticised.is_empty() {
        let names: Vec<String> = criticised
            .iter()
            .take(3)
            .map(|p| {
                format!(
                    "«{}» (критика: {}, похвала: {})",
                    p.name, p.criticism, p.praise
                )
            })
            .collect();
        out.push_str(&format!(
            " Больше критики, чем похвалы: {}.",
            names.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(name: &str, score: Option<f32>) -> ReportLevel {
        ReportLevel {
            id: name.into(),
            name: name.into(),
            score,
            previous: None,
            change: None,
            parameters: Vec::new(),
            strengths: Vec::new(),
            zones: Vec::new(),
            keep: Vec::new(),
            develop: Vec::new(),
        }
    }

    #[test]
    fn the_verdict_says_when_levels_are_rated_the_same() {
        let t = Thresholds::default();
        let one = [
            level("Организационный уровень", None),
            level("Процессный уровень", Some(7.5)),
        ];
        assert_eq!(
            verdict(&one, None, &t),
            "Оценки есть только по одному уровню: процессный уровень (7,5)."
        );
        let two = [
            level("Организационный уровень", Some(8.0)),
            level("Личностный уровень", Some(8.0)),
        ];
        assert_eq!(
            verdict(&two, None, &t),
            "Уровни оценены одинаково: организационный уровень и личностный уровень — 8,0."
        );
        let three = [
            level("Организационный уровень", Some(8.0)),
            level("Процессный уровень", Some(7.2)),
            level("Личностный уровень", Some(8.0)),
        ];
        assert_eq!(
            verdict(&three, None, &t),
            "Сильнее всего оценены одинаково организационный уровень и личностный уровень (8,0), слабее — процессный уровень (7,2)."
        );
        let apart = [
            level("Организационный уровень", Some(6.9)),
            level("Личностный уровень", Some(7.5)),
        ];
        assert_eq!(
            verdict(&apart, None, &t),
            "Сильнее всего оценён личностный уровень (7,5), слабее — организационный уровень (6,9)."
        );
    }

    #[test]
    fn display_rules_at_the_edges() {
        let t = Thresholds::default();
        assert!(t.shown(9.0, None), "9.0 is a strength, shown");
        assert!(!t.shown(8.99, Some(0.5)), "8.99 with Δ 0.5 is hidden");
        assert!(t.shown(8.5, Some(1.2)), "8.5 with Δ 1.2 is shown");
        assert!(
            !t.shown(8.5, Some(1.0)),
            "|Δ| must be larger than 1 to show a middle value"
        );
        assert!(t.shown(7.99, None), "7.99 is a zone, shown");
        assert_eq!(t.class(7.99), "zone");
        assert_eq!(t.class(8.0), "neutral");
        assert_eq!(t.class(9.0), "strength");
        assert!(t.change_shown(1.0) && t.change_shown(-1.0) && !t.change_shown(0.99));
    }
}
