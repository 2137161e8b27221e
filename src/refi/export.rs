//! citata's codings as a REFI-QDA [`Project`].
//!
//! **Code tree.**
//! - each level of the codebook: a category code (`isCodable="false"`) named as the level;
//!   - each of its parameters: a code named as the parameter; it holds the **keyword**
//!     codings (the sentence names the parameter);
//!     - under it, «PARAMETER: по контексту»: the **context** codings (the sentence
//!       answers the interviewer's question about the parameter without naming it);
//! - «Идеи и пожелания»: sentences where the respondent voices an idea or wish;
//! - «Сравнение с конкурентами»: sentences that compare with competitors;
//! - «Цитаты для отчёта» (category): «Цитаты: PARAMETER» per parameter with quotes.
//!
//! Each code's description starts with `citata:` and the parameter or level id.
//!
//! **Selections.** One `PlainTextSelection` per coded respondent sentence (the sentence's
//! span), with one `Coding` per code that applies; its description lists the matched terms
//! and the polarity. Each ranked quote is a selection of its own (the quote's span), coded
//! with its «Цитаты: …» code; the description carries the score and its features.
//!
//! **Cases.** One per respondent (metadata `respondent`, else the document) and wave, with
//! the variables «Подразделение», «Роль», «Волна» and «Оценка: PARAMETER» (the mean of the
//! ratings read from the case's transcripts), where known.

use std::collections::BTreeMap;

use super::{Case, Code, CodingRef, Project, Selection, TextSource, User, Value, Variable};
use super::{VariableType, guid};
use crate::codebook::Codebook;
use crate::model::{CharIndex, Role, Transcript};
use crate::quotes::Quote;
use crate::ratings::Rating;
use crate::tag::{Coding, Source};

/// The name of the wishes code.
pub const WISH_CODE: &str = "Идеи и пожелания";
/// The name of the comparisons code.
pub const COMPARISON_CODE: &str = "Сравнение с конкурентами";
/// The name of the quotes category.
pub const QUOTES_CODE: &str = "Цитаты для отчёта";
/// The suffix of a parameter's context code.
pub const CONTEXT_SUFFIX: &str = ": по контексту";

/// One transcript with what citata found in it.
pub struct FileCodings {
    /// The transcript.
    pub transcript: Transcript,
    /// Its codings ([`crate::tag::Tagger::tag`]).
    pub codings: Vec<Coding>,
    /// Its ratings ([`crate::ratings::extract`]).
    pub ratings: Vec<Rating>,
}

fn key(parts: &[&str]) -> String {
    let mut k = String::from("citata");
    for p in parts {
        k.push(':');
        k.push_str(p);
    }
    k
}

/// The GUID of a code by its citata key (`level:ID`, `param:ID`, `context:ID`, `wish`,
/// `comparison`, `quotes`, `quotes:ID`).
pub fn code_guid(code_key: &str) -> String {
    guid(&key(&["code", code_key]))
}

fn code(code_key: &str, name: &str, codable: bool, description: String) -> Code {
    Code {
        guid: code_guid(code_key),
        name: name.to_string(),
        codable,
        color: None,
        description,
        children: Vec::new(),
    }
}

/// The code tree for a codebook: levels, parameters with their context codes, wishes,
/// comparisons, and quote codes for `quoted` parameters. Levels whose id starts with `_`
/// (the tagger's markers) are left out.
pub fn code_tree(cb: &Codebook, quoted: &[usize]) -> Vec<Code> {
    let mut out = Vec::new();
    for (li, level) in cb.levels.iter().enumerate() {
        if level.id.starts_with('_') {
            continue;
        }
        let mut l = code(
            &format!("level:{}", level.id),
            &level.name,
            false,
            format!("citata: level `{}`", level.id),
        );
        for p in cb.parameters.iter().filter(|p| p.level == li) {
            let mut description = format!(
                "citata: parameter `{}`; keyword codings (the sentence names it)",
                p.id
            );
            if !p.description.is_empty() {
                description.push_str(". ");
                description.push_str(&p.description);
            }
            let mut pc = code(&format!("param:{}", p.id), &p.name, true, description);
            pc.children.push(code(
                &format!("context:{}", p.id),
                &format!("{}{CONTEXT_SUFFIX}", p.name),
                true,
                format!(
                    "citata: parameter `{}`; context codings (the sentence answers a question about it without naming it)",
                    p.id
                ),
            ));
            l.children.push(pc);
        }
        out.push(l);
    }
    out.push(code(
        "wish",
        WISH_CODE,
        true,
        "citata: wish; the respondent voices an idea or a wish".into(),
    ));
    out.push(code(
        "comparison",
        COMPARISON_CODE,
        true,
        "citata: comparison; the respondent compares with competitors".into(),
    ));
    if !quoted.is_empty() {
        let mut q = code(
            "quotes",
            QUOTES_CODE,
            false,
            "citata: quotes; the ranked quotes per parameter (score and features in each selection's description)".into(),
        );
        for &pi in quoted {
            let p = &cb.parameters[pi];
            q.children.push(code(
                &format!("quotes:{}", p.id),
                &format!("Цитаты: {}", p.name),
                true,
                format!("citata: quotes of parameter `{}`", p.id),
            ));
        }
        out.push(q);
    }
    out
}

/// Builds the project. `cb` is the tagger's codebook (markers after the study's
/// parameters); `quotes` are the chosen quotes with their rank in their parameter.
pub fn project(
    name: &str,
    cb: &Codebook,
    files: &[FileCodings],
    quotes: &[(usize, &Quote)],
) -> Project {
    let user = User {
        guid: guid(&key(&["user"])),
        name: "citata".into(),
    };
    let mut quoted: Vec<usize> = quotes.iter().map(|(_, q)| q.param).collect();
    quoted.sort_unstable();
    quoted.dedup();
    let codes = code_tree(cb, &quoted);

    // Source GUIDs by document id; a repeated id gets a suffix so GUIDs stay unique.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut source_keys = Vec::new();
    for f in files {
        let n = seen.entry(&f.transcript.doc).or_insert(0);
        *n += 1;
        source_keys.push(if *n == 1 {
            f.transcript.doc.clone()
        } else {
            format!("{}#{n}", f.transcript.doc)
        });
    }

    let mut sources = Vec::new();
    for (f, skey) in files.iter().zip(&source_keys) {
        let t = &f.transcript;
        let ix = CharIndex::new(&t.text);
        let mut selections = sentence_selections(cb, t, &f.codings, skey, &ix, &user.guid);
        for (rank, q) in quotes.iter().filter(|(_, q)| q.doc == t.doc) {
            selections.push(quote_selection(cb, *rank, q, skey, &user.guid));
        }
        selections.sort_by(|a, b| (a.start, a.end, &a.guid).cmp(&(b.start, b.end, &b.guid)));
        sources.push(TextSource {
            guid: guid(&key(&["source", skey])),
            name: t.doc.clone(),
            text: t.text.clone(),
            description: String::new(),
            selections,
        });
    }

    let (variables, cases) = cases(cb, files, &sources);
    Project {
        name: name.to_string(),
        origin: format!("citata {}", env!("CARGO_PKG_VERSION")),
        users: vec![user],
        codes,
        variables,
        cases,
        sources,
    }
}

/// One selection per coded respondent sentence.
fn sentence_selections(
    cb: &Codebook,
    t: &Transcript,
    codings: &[Coding],
    skey: &str,
    ix: &CharIndex<'_>,
    user: &str,
) -> Vec<Selection> {
    let mut out: Vec<Selection> = Vec::new();
    let mut i = 0;
    while i < codings.len() {
        let si = codings[i].sentence;
        let mut j = i;
        while j < codings.len() && codings[j].sentence == si {
            j += 1;
        }
        let group = &codings[i..j];
        i = j;
        let first = &group[0];
        if t.turn_speaker(&t.turns[first.turn]).role != Role::Respondent {
            continue;
        }
        let sentence = si.to_string();
        let mut code_keys: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let push = |keys: &mut Vec<String>, k: String| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        for c in group {
            if let Some(p) = c.param {
                let p = &cb.parameters[p];
                match c.source {
                    Source::Keyword => {
                        push(&mut code_keys, format!("param:{}", p.id));
                        let terms: Vec<String> = c
                            .terms
                            .iter()
                            .map(|h| format!("«{}»", t.slice(h.span)))
                            .collect();
                        notes.push(format!("{}: keyword {}", p.id, terms.join(", ")));
                    }
                    Source::Context => {
                        push(&mut code_keys, format!("context:{}", p.id));
                        notes.push(format!("{}: context", p.id));
                    }
                    Source::None => {}
                }
            }
        }
        if group.iter().any(|c| c.wish) {
            push(&mut code_keys, "wish".into());
            notes.push("wish".into());
        }
        if group.iter().any(|c| c.comparison) {
            push(&mut code_keys, "comparison".into());
            notes.push("comparison".into());
        }
        if code_keys.is_empty() {
            continue;
        }
        notes.push(format!(
            "polarity: {} ({:.2})",
            first.polarity.as_str(),
            first.polarity_score
        ));
        out.push(Selection {
            guid: guid(&key(&["sentence", skey, &sentence])),
            name: format!("{} · {}", t.doc, si + 1),
            start: ix.char_offset(first.span.start),
            end: ix.char_offset(first.span.end),
            description: notes.join("; "),
            codings: code_keys
                .iter()
                .map(|k| CodingRef {
                    guid: guid(&key(&["coding", skey, &sentence, k])),
                    code: code_guid(k),
                    user: Some(user.to_string()),
                })
                .collect(),
        });
    }
    out
}

/// The description of a quote: its score as the sum of its features.
pub fn score_breakdown(q: &Quote) -> String {
    let mut s = format!("score {:.2} =", q.score);
    let mut first = true;
    for (name, v) in &q.features {
        if *v == 0.0 {
            continue;
        }
        let sign = if *v < 0.0 {
            "−"
        } else if first {
            ""
        } else {
            "+"
        };
        if sign.is_empty() {
            s.push_str(&format!(" {name} {:.2}", v.abs()));
        } else {
            s.push_str(&format!(" {sign} {name} {:.2}", v.abs()));
        }
        first = false;
    }
    if first {
        s.push_str(" 0");
    }
    s
}

fn quote_selection(cb: &Codebook, rank: usize, q: &Quote, skey: &str, user: &str) -> Selection {
    let p = &cb.parameters[q.param];
    let rank_s = rank.to_string();
    let code_key = format!("quotes:{}", p.id);
    Selection {
        guid: guid(&key(&["quote", skey, &p.id, &rank_s])),
        name: format!("Цитата {rank}: {}", p.name),
        start: q.chars.0,
        end: q.chars.1,
        description: format!(
            "{}; polarity: {}; attribution: {}; shown as: «{}»",
            score_breakdown(q),
            q.polarity.as_str(),
            q.attribution,
            q.text
        ),
        codings: vec![CodingRef {
            guid: guid(&key(&["coding", "quote", skey, &p.id, &rank_s])),
            code: code_guid(&code_key),
            user: Some(user.to_string()),
        }],
    }
}

/// Cases per respondent and wave, and the variables they use.
fn cases(
    cb: &Codebook,
    files: &[FileCodings],
    sources: &[TextSource],
) -> (Vec<Variable>, Vec<Case>) {
    let meta = |f: &FileCodings, k: &str| {
        f.transcript
            .meta
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // (respondent, wave) → file indexes, in first-seen order.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut members: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let who = meta(f, "respondent").unwrap_or_else(|| f.transcript.doc.clone());
        let wave = meta(f, "wave").unwrap_or_default();
        let k = (who, wave);
        if !members.contains_key(&k) {
            order.push(k.clone());
        }
        members.entry(k).or_default().push(i);
    }
    let mut waves_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (who, _) in &order {
        *waves_of.entry(who).or_insert(0) += 1;
    }
    let text_vars = [
        ("division", "Подразделение"),
        ("role", "Роль"),
        ("wave", "Волна"),
    ];
    let mut used: BTreeMap<String, Variable> = BTreeMap::new();
    let mut var = |vkey: String, name: String, kind: VariableType, description: String| {
        used.entry(vkey.clone())
            .or_insert_with(|| Variable {
                guid: guid(&key(&["variable", &vkey])),
                name,
                kind,
                description,
            })
            .guid
            .clone()
    };
    let mut cases = Vec::new();
    for (who, wave) in &order {
        let idx = &members[&(who.clone(), wave.clone())];
        let mut values = Vec::new();
        for (mk, name) in text_vars {
            if let Some(v) = idx.iter().find_map(|&i| meta(&files[i], mk)) {
                let g = var(
                    mk.to_string(),
                    name.to_string(),
                    VariableType::Text,
                    format!("citata: metadata `{mk}`"),
                );
                values.push(Value {
                    variable: g,
                    kind: VariableType::Text,
                    text: v,
                });
            }
        }
        let mut by_param: BTreeMap<usize, Vec<f32>> = BTreeMap::new();
        for &i in idx {
            for r in &files[i].ratings {
                by_param.entry(r.param).or_default().push(r.value);
            }
        }
        for (pi, vals) in by_param {
            let p = &cb.parameters[pi];
            let mean = vals.iter().sum::<f32>() / vals.len() as f32;
            let g = var(
                format!("rating:{}", p.id),
                format!("Оценка: {}", p.name),
                VariableType::Float,
                format!("citata: rating (1–10) of parameter `{}`", p.id),
            );
            values.push(Value {
                variable: g,
                kind: VariableType::Float,
                text: format!("{}", (mean * 100.0).round() / 100.0),
            });
        }
        let name = if waves_of[who.as_str()] > 1 && !wave.is_empty() {
            format!("{who} ({wave})")
        } else {
            who.clone()
        };
        cases.push(Case {
            guid: guid(&key(&["case", who, wave])),
            name,
            values,
            sources: idx.iter().map(|&i| sources[i].guid.clone()).collect(),
        });
    }
    // Variables in a fixed order: the text ones, then ratings in codebook order.
    let mut variables = Vec::new();
    for (mk, _) in text_vars {
        if let Some(v) = used.remove(mk) {
            variables.push(v);
        }
    }
    for p in &cb.parameters {
        if let Some(v) = used.remove(&format!("rating:{}", p.id)) {
            variables.push(v);
        }
    }
    (variables, cases)
}
