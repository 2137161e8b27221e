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
        notes: Vec::new(),
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

/// A transcript as the plain text every source is exported as: each turn as
/// `Speaker: text` followed by a blank line (the form structured formats already have), so
/// a `.md` heading, a front matter or a `**Р:**` label never reaches another tool, and a
/// reader sees one rendering whatever the original format.
pub struct Plain {
    /// The text.
    pub text: String,
    /// Per turn, the byte where its text starts in [`Plain::text`].
    starts: Vec<usize>,
}

impl Plain {
    /// The plain text of a transcript.
    pub fn new(t: &Transcript) -> Plain {
        let mut text = String::with_capacity(t.text.len());
        let mut starts = Vec::with_capacity(t.turns.len());
        for turn in &t.turns {
            text.push_str(&t.turn_speaker(turn).label);
            text.push_str(": ");
            starts.push(text.len());
            text.push_str(t.slice(turn.span));
            text.push_str("\n\n");
        }
        Plain { text, starts }
    }

    /// The byte in [`Plain::text`] of a byte of the canonical text inside a turn (or at its
    /// end); a byte between turns goes to the start of the next turn.
    pub fn byte(&self, t: &Transcript, canonical: usize) -> usize {
        let k = t.turns.partition_point(|turn| turn.span.end < canonical);
        match t.turns.get(k) {
            Some(turn) => self.starts[k] + canonical.saturating_sub(turn.span.start),
            None => self.text.len(),
        }
    }
}

/// The name of a source in the project: the document id with `.txt` for its extension
/// (the text is plain whatever the original format), or the whole id with `.txt` added when
/// another document already has that name.
fn source_name(doc: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let stem = match doc.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.contains('/') => stem,
        _ => doc,
    };
    let mut name = format!("{stem}.txt");
    if taken.contains(&name) {
        name = format!("{doc}.txt");
    }
    let mut n = 1;
    let base = name.clone();
    while taken.contains(&name) {
        n += 1;
        name = format!("{} ({n}).txt", base.trim_end_matches(".txt"));
    }
    taken.insert(name.clone());
    name
}

/// Builds the project. `name` is the study's name: it seeds the GUIDs of sources, their
/// selections and cases with the texts, so two studies (or two versions of a text) never
/// share them. `cb` is the tagger's codebook (markers after the study's parameters);
/// `quotes` are the chosen quotes with their rank in their parameter.
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

    // Source keys: the study, the document id and a hash of the text; a repeated key gets a
    // suffix so GUIDs stay unique.
    let plains: Vec<Plain> = files.iter().map(|f| Plain::new(&f.transcript)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut source_keys = Vec::new();
    for (f, plain) in files.iter().zip(&plains) {
        let k = key(&[name, &f.transcript.doc, &guid(&plain.text)]);
        let n = seen.entry(k.clone()).or_insert(0);
        *n += 1;
        source_keys.push(if *n == 1 { k } else { format!("{k}#{n}") });
    }

    let mut names = std::collections::BTreeSet::new();
    let mut sources = Vec::new();
    for ((f, skey), plain) in files.iter().zip(&source_keys).zip(&plains) {
        let t = &f.transcript;
        let at = Positions {
            t,
            plain,
            ix: CharIndex::new(&plain.text),
        };
        let mut selections = sentence_selections(cb, &f.codings, skey, &at, &user.guid);
        for (rank, q) in quotes.iter().filter(|(_, q)| q.doc == t.doc) {
            selections.push(quote_selection(cb, *rank, q, skey, &at, &user.guid));
        }
        selections.sort_by(|a, b| (a.start, a.end, &a.guid).cmp(&(b.start, b.end, &b.guid)));
        sources.push(TextSource {
            notes: Vec::new(),
            guid: guid(&key(&["source", skey])),
            name: source_name(&t.doc, &mut names),
            text: plain.text.clone(),
            description: format!("citata: document `{}`", t.doc),
            user: Some(user.guid.clone()),
            selections,
        });
    }

    let (variables, cases) = cases(name, cb, files, &sources);
    let mut coders: Vec<&str> = files
        .iter()
        .flat_map(|f| f.codings.iter())
        .filter(|c| !c.rejected())
        .filter_map(|c| c.decision.as_ref().map(|d| d.coder.as_str()))
        .collect();
    coders.sort_unstable();
    coders.dedup();
    let mut users = vec![user];
    users.extend(coders.into_iter().map(|c| User {
        guid: coder_guid(c),
        name: c.to_string(),
    }));
    Project {
        notes: Vec::new(),
        name: name.to_string(),
        origin: format!("citata {}", env!("CARGO_PKG_VERSION")),
        users,
        codes,
        variables,
        cases,
        sources,
    }
}

/// Code point positions in a source's plain text of canonical byte offsets.
struct Positions<'a> {
    t: &'a Transcript,
    plain: &'a Plain,
    ix: CharIndex<'a>,
}

impl Positions<'_> {
    fn chars(&self, span: crate::model::Span) -> (usize, usize) {
        (
            self.ix.char_offset(self.plain.byte(self.t, span.start)),
            self.ix.char_offset(self.plain.byte(self.t, span.end)),
        )
    }
}

/// One selection per coded respondent sentence.
fn sentence_selections(
    cb: &Codebook,
    codings: &[Coding],
    skey: &str,
    at: &Positions<'_>,
    user: &str,
) -> Vec<Selection> {
    let t = at.t;
    let mut out: Vec<Selection> = Vec::new();
    let mut humans: Vec<Selection> = Vec::new();
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
        // (code key, creating user): a coder's decision makes the coding theirs.
        let mut code_keys: Vec<(String, String)> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let push = |keys: &mut Vec<(String, String)>, k: String, u: String| {
            if !keys.iter().any(|(x, _)| *x == k) {
                keys.push((k, u));
            }
        };
        for c in group.iter().filter(|c| !c.rejected()) {
            let by = c
                .decision
                .as_ref()
                .map_or_else(|| user.to_string(), |d| coder_guid(&d.coder));
            if let Some(p) = c.param {
                let p = &cb.parameters[p];
                match c.source {
                    Source::Keyword => {
                        push(&mut code_keys, format!("param:{}", p.id), by);
                        let terms: Vec<String> = c
                            .terms
                            .iter()
                            .map(|h| format!("«{}»", t.slice(h.span)))
                            .collect();
                        notes.push(format!("{}: keyword {}", p.id, terms.join(", ")));
                    }
                    Source::Context => {
                        push(&mut code_keys, format!("context:{}", p.id), by);
                        notes.push(format!("{}: context", p.id));
                    }
                    Source::Human => {
                        let code_key = format!("param:{}", p.id);
                        let (start, end) = at.chars(c.span);
                        let span = format!("{start}-{end}");
                        humans.push(Selection {
                            notes: Vec::new(),
                            guid: guid(&key(&["human", skey, &span])),
                            name: format!("{} · {} · {}", t.doc, si + 1, p.name),
                            start,
                            end,
                            description: format!("{}: added by {}", p.id, by_name(c)),
                            user: Some(by.clone()),
                            codings: vec![CodingRef {
                                guid: guid(&key(&["coding", "human", skey, &span, &code_key])),
                                code: code_guid(&code_key),
                                user: Some(by),
                            }],
                        });
                    }
                    Source::None => {}
                }
            }
        }
        if group.iter().any(|c| c.wish) {
            push(&mut code_keys, "wish".into(), user.to_string());
            notes.push("wish".into());
        }
        if group.iter().any(|c| c.comparison) {
            push(&mut code_keys, "comparison".into(), user.to_string());
            notes.push("comparison".into());
        }
        if code_keys.is_empty() {
            continue;
        }
        if code_keys.iter().any(|(_, u)| u != user) {
            let coders: Vec<&str> = group
                .iter()
                .filter(|c| c.source != Source::Human)
                .filter_map(|c| c.decision.as_ref())
                .map(|d| d.coder.as_str())
                .collect();
            notes.push(format!("accepted by {}", coders.join(", ")));
        }
        notes.push(format!(
            "polarity: {} ({:.2})",
            first.polarity.as_str(),
            first.polarity_score
        ));
        let (start, end) = at.chars(first.span);
        out.push(Selection {
            notes: Vec::new(),
            guid: guid(&key(&["sentence", skey, &sentence])),
            name: format!("{} · {}", t.doc, si + 1),
            start,
            end,
            description: notes.join("; "),
            user: Some(
                code_keys
                    .iter()
                    .map(|(_, u)| u)
                    .find(|u| *u != user)
                    .map_or_else(|| user.to_string(), Clone::clone),
            ),
            codings: code_keys
                .iter()
                .map(|(k, u)| CodingRef {
                    guid: guid(&key(&["coding", skey, &sentence, k])),
                    code: code_guid(k),
                    user: Some(u.clone()),
                })
                .collect(),
        });
    }
    out.extend(humans);
    out
}

/// Adds a study's memos to a project built by [`project`] from the same `files` (its
/// sources in their order): each memo is a `Note` (its author a [`User`], its date the
/// `creationDateTime`, its text the `PlainTextContent`), referred to by a `NoteRef` on
/// the `TextSource` (a memo on a transcript), on the `PlainTextSelection` of its span (a
/// selection of its own when none has that span) or on the parameter's `Code`. A memo that
/// cannot be placed (its document is not exported, its parameter is not in the codebook, the
/// text of its span changed) is still a note: on the document when there is one, else
/// referred to by nothing; the returned warnings say which.
pub fn add_memos(
    p: &mut Project,
    name: &str,
    cb: &Codebook,
    files: &[FileCodings],
    memos: &crate::memos::Memos,
) -> Vec<String> {
    use crate::memos::Anchor;
    fn find_code<'a>(codes: &'a mut [Code], guid: &str) -> Option<&'a mut Code> {
        for c in codes {
            if c.guid == guid {
                return Some(c);
            }
            if let Some(found) = find_code(&mut c.children, guid) {
                return Some(found);
            }
        }
        None
    }
    let mut warnings = Vec::new();
    for m in memos.all() {
        let note_guid = guid(&key(&["note", name, &m.line_hash()]));
        let user = coder_guid(&m.author);
        if !p.users.iter().any(|u| u.guid == user) {
            p.users.push(User {
                guid: user.clone(),
                name: m.author.clone(),
            });
        }
        let mut description = format!("citata: memo {}", m.id());
        let title;
        match &m.anchor {
            Anchor::Parameter(id) => {
                let shown = cb
                    .parameter(id)
                    .map_or(id.as_str(), |i| cb.parameters[i].name.as_str());
                title = shown.to_string();
                match find_code(&mut p.codes, &code_guid(&format!("param:{id}"))) {
                    Some(c) => c.notes.push(note_guid.clone()),
                    None => warnings.push(format!(
                        "{}: memo {} on parameter `{id}`: no such parameter in the codebook; exported as a note on nothing",
                        crate::memos::MEMOS_FILE,
                        m.id()
                    )),
                }
            }
            Anchor::Document(doc) | Anchor::Span(crate::memos::SpanAnchor { doc, .. }) => {
                title = doc.clone();
                let Some(i) = files.iter().position(|f| f.transcript.doc == *doc) else {
                    warnings.push(format!(
                        "{}: memo {} on `{doc}`: no such transcript in the export; exported as a note on nothing",
                        crate::memos::MEMOS_FILE,
                        m.id()
                    ));
                    p.notes
                        .push(note(&note_guid, &title, description, &user, m));
                    continue;
                };
                let t = &files[i].transcript;
                let source = &mut p.sources[i];
                match crate::memos::place(m, &t.text) {
                    Ok(None) => source.notes.push(note_guid.clone()),
                    Ok(Some(span)) => {
                        let plain = Plain::new(t);
                        let at = Positions {
                            t,
                            plain: &plain,
                            ix: CharIndex::new(&plain.text),
                        };
                        let (start, end) = at.chars(span);
                        description.push_str(&format!(" on «{}»", t.slice(span)));
                        match source
                            .selections
                            .iter_mut()
                            .find(|s| (s.start, s.end) == (start, end))
                        {
                            Some(sel) => sel.notes.push(note_guid.clone()),
                            None => {
                                let sel = Selection {
                                    guid: guid(&key(&[
                                        "memo-selection",
                                        &source.guid,
                                        &format!("{start}-{end}"),
                                    ])),
                                    name: format!("Заметка · {doc}"),
                                    start,
                                    end,
                                    description: String::new(),
                                    user: Some(user.clone()),
                                    codings: Vec::new(),
                                    notes: vec![note_guid.clone()],
                                };
                                let at = source.selections.partition_point(|s| {
                                    (s.start, s.end, &s.guid) < (sel.start, sel.end, &sel.guid)
                                });
                                source.selections.insert(at, sel);
                            }
                        }
                    }
                    Err(w) => {
                        warnings.push(format!("{doc}: {w}; exported as a note on the document"));
                        source.notes.push(note_guid.clone());
                    }
                }
            }
        }
        p.notes
            .push(note(&note_guid, &title, description, &user, m));
    }
    warnings
}

fn note(
    guid: &str,
    on: &str,
    description: String,
    user: &str,
    m: &crate::memos::Memo,
) -> super::Note {
    super::Note {
        guid: guid.to_string(),
        name: format!("Заметка: {on}"),
        description,
        user: Some(user.to_string()),
        date: Some(m.date.clone()),
        text: m.text.clone(),
    }
}

/// The GUID of a coder (a [`User`] named as the coder).
pub fn coder_guid(name: &str) -> String {
    guid(&key(&["user", name]))
}

fn by_name(c: &Coding) -> &str {
    c.decision.as_ref().map_or("citata", |d| d.coder.as_str())
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

fn quote_selection(
    cb: &Codebook,
    rank: usize,
    q: &Quote,
    skey: &str,
    at: &Positions<'_>,
    user: &str,
) -> Selection {
    let p = &cb.parameters[q.param];
    let rank_s = rank.to_string();
    let code_key = format!("quotes:{}", p.id);
    let (start, end) = at.chars(q.span);
    Selection {
        notes: Vec::new(),
        guid: guid(&key(&["quote", skey, &p.id, &rank_s])),
        name: format!("Цитата {rank}: {}", p.name),
        start,
        end,
        user: Some(user.to_string()),
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

/// The respondents a transcript's metadata names (`respondent: Р-12, Р-13` is two), else
/// the document itself.
fn respondents_of(f: &FileCodings) -> Vec<String> {
    let listed: Vec<String> = f
        .transcript
        .meta
        .get("respondent")
        .map(|v| {
            v.split([',', ';'])
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        vec![f.transcript.doc.clone()]
    } else {
        listed
    }
}

/// The ratings of one of a transcript's respondents: when the transcript has as many
/// respondent speakers as named respondents, the k-th speaker's (in order of appearance)
/// are the k-th respondent's; else every rating of the transcript counts for each.
fn ratings_of(f: &FileCodings, k: usize, of: usize) -> Vec<&Rating> {
    let t = &f.transcript;
    let speakers: Vec<usize> = (0..t.speakers.len())
        .filter(|&i| t.speakers[i].role == Role::Respondent)
        .collect();
    if of > 1 && speakers.len() == of {
        f.ratings
            .iter()
            .filter(|r| r.speaker == Some(speakers[k]))
            .collect()
    } else {
        f.ratings.iter().collect()
    }
}

/// Cases per respondent and wave (a transcript with two respondents is in two cases), and
/// the variables they use.
fn cases(
    study: &str,
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
    // (respondent, wave) → (file index, k-th respondent of n), in first-seen order.
    type Member = (usize, usize, usize);
    let mut order: Vec<(String, String)> = Vec::new();
    let mut members: BTreeMap<(String, String), Vec<Member>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let who = respondents_of(f);
        let wave = meta(f, "wave").unwrap_or_default();
        for (k, w) in who.iter().enumerate() {
            let key = (w.clone(), wave.clone());
            if !members.contains_key(&key) {
                order.push(key.clone());
            }
            members.entry(key).or_default().push((i, k, who.len()));
        }
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
            if let Some(v) = idx.iter().find_map(|&(i, _, _)| meta(&files[i], mk)) {
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
        for &(i, k, of) in idx {
            for r in ratings_of(&files[i], k, of) {
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
            guid: guid(&key(&["case", study, who, wave])),
            name,
            values,
            sources: idx
                .iter()
                .map(|&(i, _, _)| sources[i].guid.clone())
                .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestConfig, ingest_bytes};
    use crate::model::Format;
    use crate::tag::{TagState, Tagger};

    const CODEBOOK: &str = r#"name = "t"
version = "1"
[[levels]]
id = "proc"
name = "Процессы"
[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки поставки"
terms = ["задержка", "вовремя"]
"#;

    fn tagger() -> Tagger {
        crate::testutil::tagger(CODEBOOK, &["хотелось бы"], &["конкурент"], "", "")
    }

    fn file(tg: &Tagger, doc: &str, format: Format, text: &str) -> FileCodings {
        let t = ingest_bytes(doc, format, text.as_bytes(), &IngestConfig::default()).unwrap();
        let codings = tg.tag(&mut TagState::default(), &t);
        FileCodings {
            transcript: t,
            codings,
            ratings: Vec::new(),
        }
    }

    fn build(study: &str, files: &[FileCodings]) -> Project {
        project(study, tagger().matcher().codebook(), files, &[])
    }

    const MD: &str = "---\nrespondent: Р-12, Р-13\nwave: 2026\n---\n\n# Интервью\n\n**И:** Как со сроками?\n\n## Блок 2. Сроки\n\n**Р:** Задержка на задержке. Ужас.\n\n**И:** А сейчас?\n\n**Р:** Сейчас привозят вовремя.\n";
    const TXT: &str = "И: Как со сроками?\nР: Задержка на задержке. Ужас.\nИ: А сейчас?\nР: Сейчас привозят вовремя.\n";

    #[test]
    fn every_source_is_the_same_plain_text_whatever_its_format() {
        let tg = tagger();
        let files = [
            file(&tg, "w25-mekhanik.md", Format::Md, MD),
            file(&tg, "w25-zakupki.txt", Format::Txt, TXT),
        ];
        let p = build("Волна", &files);
        let want = "И: Как со сроками?\n\nР: Задержка на задержке. Ужас.\n\nИ: А сейчас?\n\nР: Сейчас привозят вовремя.\n\n";
        assert_eq!(p.sources[0].text, want);
        assert_eq!(p.sources[1].text, want);
        // The selections point at the same sentences in both.
        for s in &p.sources {
            let texts: Vec<&str> = s
                .selections
                .iter()
                .map(|sel| crate::refi::char_slice(&s.text, sel.start, sel.end).unwrap())
                .collect();
            assert_eq!(texts, ["Задержка на задержке.", "Сейчас привозят вовремя."]);
        }
        // Names end in .txt.
        assert_eq!(p.sources[0].name, "w25-mekhanik.txt");
        assert_eq!(p.sources[1].name, "w25-zakupki.txt");
    }

    #[test]
    fn source_names_end_in_txt_and_stay_distinct() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(
            source_name("w25-kachestvo.docx", &mut taken),
            "w25-kachestvo.txt"
        );
        assert_eq!(source_name("a/b.txt", &mut taken), "a/b.txt");
        assert_eq!(
            source_name("w25-kachestvo.json", &mut taken),
            "w25-kachestvo.json.txt"
        );
        assert_eq!(source_name("README", &mut taken), "README.txt");
        assert_eq!(source_name("README.txt", &mut taken), "README.txt.txt");
        assert_eq!(
            source_name("README.txt.txt", &mut taken),
            "README.txt.txt.txt"
        );
    }

    #[test]
    fn creating_user_is_on_sources_selections_and_codings() {
        let tg = tagger();
        let p = build("Волна", &[file(&tg, "a.txt", Format::Txt, TXT)]);
        let xml = p.to_xml();
        let user = format!(" creatingUser=\"{}\"", p.users[0].guid);
        for element in ["<TextSource ", "<PlainTextSelection ", "<Coding "] {
            let lines: Vec<&str> = xml.lines().filter(|l| l.contains(element)).collect();
            assert!(!lines.is_empty(), "no {element}");
            assert!(
                lines.iter().all(|l| l.contains(&user)),
                "{element}: {lines:?}"
            );
        }
    }

    #[test]
    fn guids_depend_on_the_study_and_the_text() {
        let tg = tagger();
        let one = build(
            "Исследование A",
            &[file(&tg, "interview.txt", Format::Txt, TXT)],
        );
        let again = build(
            "Исследование A",
            &[file(&tg, "interview.txt", Format::Txt, TXT)],
        );
        let other_study = build(
            "Исследование B",
            &[file(&tg, "interview.txt", Format::Txt, TXT)],
        );
        let other_text = build(
            "Исследование A",
            &[file(
                &tg,
                "interview.txt",
                Format::Txt,
                &TXT.replace("Ужас", "Беда"),
            )],
        );
        // A case is a respondent of the study: the same whatever the text.
        assert_ne!(one.cases[0].guid, other_study.cases[0].guid);
        assert_eq!(one.cases[0].guid, other_text.cases[0].guid);
        let ids = |p: &Project| {
            let s = &p.sources[0];
            let mut v = vec![s.guid.clone()];
            v.extend(s.selections.iter().map(|x| x.guid.clone()));
            v.extend(
                s.selections
                    .iter()
                    .flat_map(|x| x.codings.iter().map(|c| c.guid.clone())),
            );
            v
        };
        assert_eq!(ids(&one), ids(&again));
        for other in [&other_study, &other_text] {
            let theirs = ids(other);
            assert_eq!(theirs.len(), ids(&one).len());
            for g in ids(&one) {
                assert!(!theirs.contains(&g), "{g} shared");
            }
        }
        // Codes stay the same: one codebook, one code tree.
        assert_eq!(one.codes, other_study.codes);
    }

    #[test]
    fn a_two_respondent_interview_is_two_cases() {
        let tg = tagger();
        let p = build("Волна", &[file(&tg, "pair.md", Format::Md, MD)]);
        let names: Vec<&str> = p.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Р-12", "Р-13"]);
        assert!(
            p.cases
                .iter()
                .all(|c| c.sources == [p.sources[0].guid.clone()])
        );
        assert_ne!(p.cases[0].guid, p.cases[1].guid);
    }
}
