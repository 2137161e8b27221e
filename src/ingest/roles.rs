//! Speaker roles: interviewer or respondent.
//!
//! In order of trust:
//! 1. the user: `--interviewer NAME[,NAME]` on the command line (everyone else is then a
//!    respondent), and `speakers: Label=interviewer; Label=respondent` in front matter or
//!    respondents.csv (role source `user`);
//! 2. the label: a role word (`Интервьюер`, `Модератор`, `И`, `Q`, `ИНТ` / `Респондент`, `Р`,
//!    `A`, `Эксперт`), also in brackets after a name (`Анна Юрьевна (Эксперт)`);
//! 3. metadata that names the interviewer (`interviewer: Анна Соколова`, several separated
//!    by `,` or `;`) or the respondents (`respondent: ...`): the other speakers get the other
//!    role;
//! 4. when another speaker is already known to be the interviewer, the rest are respondents;
//! 5. a heuristic: the speaker whose turns ask (question marks, «расскажите», «как вы
//!    оцениваете») clearly more than everyone else's, and are shorter, is the interviewer.
//!    When no one clearly does (a parliamentary session, a film, a family chat), nobody is:
//!    every speaker is a respondent and nothing is invented.
//!
//! A single speaker is a respondent; the placeholder for unlabelled text never gets the
//! interviewer role. Group interviews keep several respondents.

use rustc_hash::FxHashMap;

use super::labels::{
    ANSWERS_SPEAKER, QUESTIONS_SPEAKER, UNKNOWN_SPEAKER, asks, label_key, label_parts, label_role,
};
use crate::model::{Role, RoleSource, Transcript};

/// The keys of a speaker's label a name may match: the whole label, its main part and the
/// part in brackets (`Анна Юрьевна (Эксперт)` → `анна юрьевна (эксперт)`, `анна юрьевна`,
/// `эксперт`).
fn label_keys(label: &str) -> Vec<String> {
    let mut keys = vec![label_key(label)];
    if let (main, Some(inner)) = label_parts(label) {
        keys.push(label_key(main));
        keys.push(label_key(inner));
    }
    keys
}

/// Whether one of `names` (keys) names this speaker: the same words, or the same first word
/// when one of the two is a single word (`Анна` names `Анна Соколова`; `Speaker 2` does not
/// name `Speaker 1`).
fn names_speaker(names: &[String], label: &str) -> bool {
    let keys = label_keys(label);
    names.iter().any(|n| {
        keys.iter().any(|k| {
            k == n
                || (!k.is_empty()
                    && !n.is_empty()
                    && (!k.contains(' ') || !n.contains(' '))
                    && k.split(' ').next() == n.split(' ').next())
        })
    })
}

/// Names listed under any of `keys` in the metadata, as keys.
fn listed(t: &Transcript, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .filter_map(|k| t.meta.get(*k))
        .flat_map(|v| v.split([',', ';']).map(label_key).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect()
}

/// `speakers: Анна Соколова=interviewer; Ольга=respondent` (also `:` or `—` between, and the
/// Russian role words) → (label key, role).
fn speaker_roles(t: &Transcript) -> Vec<(String, Role)> {
    let Some(v) = t.meta.get("speakers").or_else(|| t.meta.get("спикеры")) else {
        return Vec::new();
    };
    v.split([';', ','])
        .filter_map(|pair| {
            let (name, role) = pair.rsplit_once(['=', ':', '—'])?;
            let role = match label_key(role).as_str() {
                "interviewer" | "интервьюер" | "модератор" | "moderator" | "и" => {
                    Role::Interviewer
                }
                "respondent" | "респондент" | "р" => Role::Respondent,
                _ => return None,
            };
            Some((label_key(name), role))
        })
        .collect()
}

/// Decides every speaker's role in `t` from its labels, metadata and turns (idempotent; call
/// again after metadata changes).
pub fn assign(t: &mut Transcript) {
    assign_with(t, &[]);
}

/// [`assign`], with the interviewers the user named on the command line (`--interviewer`),
/// which outrank everything else.
pub fn assign_with(t: &mut Transcript, user_interviewers: &[String]) {
    let user: Vec<String> = user_interviewers
        .iter()
        .flat_map(|v| v.split([',', ';']).map(label_key).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect();
    let by_user = t.speakers.iter().any(|s| names_speaker(&user, &s.label));
    let explicit = speaker_roles(t);
    let interviewers = listed(
        t,
        &["interviewer", "interviewers", "интервьюер", "модератор"],
    );
    let respondents = listed(
        t,
        &["respondent", "respondents", "респондент", "респонденты"],
    );
    // Metadata decides only when it names one of the speakers of this transcript.
    let by_interviewers = t
        .speakers
        .iter()
        .any(|s| names_speaker(&interviewers, &s.label));
    let by_respondents = !by_interviewers
        && t.speakers
            .iter()
            .any(|s| names_speaker(&respondents, &s.label));
    let mut undecided = Vec::new();
    for (i, s) in t.speakers.iter_mut().enumerate() {
        let keys = label_keys(&s.label);
        let (role, source) = if by_user {
            if names_speaker(&user, &s.label) {
                (Role::Interviewer, RoleSource::User)
            } else {
                (Role::Respondent, RoleSource::User)
            }
        } else if let Some((_, role)) = explicit.iter().find(|(k, _)| keys.contains(k)) {
            (*role, RoleSource::User)
        } else if s.label == UNKNOWN_SPEAKER {
            (Role::Respondent, RoleSource::Default)
        } else if s.label == QUESTIONS_SPEAKER {
            (Role::Interviewer, RoleSource::Heuristic)
        } else if s.label == ANSWERS_SPEAKER {
            (Role::Respondent, RoleSource::Heuristic)
        } else if let Some(role) = label_role(&s.label) {
            (role, RoleSource::Label)
        } else if by_interviewers {
            if names_speaker(&interviewers, &s.label) {
                (Role::Interviewer, RoleSource::Metadata)
            } else {
                (Role::Respondent, RoleSource::Metadata)
            }
        } else if by_respondents {
            if names_speaker(&respondents, &s.label) {
                (Role::Respondent, RoleSource::Metadata)
            } else {
                (Role::Interviewer, RoleSource::Metadata)
            }
        } else {
            undecided.push(i);
            continue;
        };
        s.role = role;
        s.role_source = source;
    }
    if undecided.is_empty() {
        return;
    }
    let mut is_undecided = vec![false; t.speakers.len()];
    for &i in &undecided {
        is_undecided[i] = true;
    }
    let has_interviewer = t
        .speakers
        .iter()
        .enumerate()
        .any(|(i, s)| s.role == Role::Interviewer && !is_undecided[i]);
    let interviewer = if has_interviewer {
        None
    } else {
        the_one_who_asks(t, &undecided)
    };
    for i in undecided {
        let s = &mut t.speakers[i];
        s.role = if Some(i) == interviewer {
            Role::Interviewer
        } else {
            Role::Respondent
        };
        s.role_source = RoleSource::Heuristic;
    }
}

/// Per speaker: turns, turns that ask, bytes.
#[derive(Clone, Copy, Default)]
struct Stats {
    turns: usize,
    asking: usize,
    bytes: usize,
}

impl Stats {
    fn share(self) -> f64 {
        self.asking as f64 / self.turns.max(1) as f64
    }

    fn avg(self) -> f64 {
        self.bytes as f64 / self.turns.max(1) as f64
    }
}

/// Whether a turn asks: it ends with a question, or it is short and asks (a long turn with a
/// question inside is usually an answer that quotes one).
fn turn_asks(text: &str) -> bool {
    let text = text.trim_end();
    text.ends_with('?')
        || text.ends_with("?»")
        || text.ends_with("?\"")
        || text.ends_with("?)")
        || (text.len() < 400 && asks(text))
}

/// The speaker among `candidates` who clearly asks more than the others, if any: the top
/// asker needs at least a quarter of its turns asking, clearly more than the next speaker,
/// and (with three speakers or more) shorter turns than the rest and a fair share of turns.
fn the_one_who_asks(t: &Transcript, candidates: &[usize]) -> Option<usize> {
    if candidates.len() < 2 && t.speakers.len() < 2 {
        return None;
    }
    let mut stats: FxHashMap<usize, Stats> = FxHashMap::default();
    for &c in candidates {
        stats.insert(c, Stats::default());
    }
    let mut all_turns = 0usize;
    for turn in &t.turns {
        all_turns += 1;
        if let Some(s) = stats.get_mut(&turn.speaker) {
            let text = t.slice(turn.span);
            s.turns += 1;
            s.bytes += text.len();
            s.asking += usize::from(turn_asks(text));
        }
    }
    let score = |s: Stats| s.share() - s.avg() / 20_000.0;
    let mut ranked: Vec<(usize, Stats)> = stats.into_iter().filter(|(_, s)| s.turns > 0).collect();
    ranked.sort_by(|a, b| score(b.1).total_cmp(&score(a.1)).then(a.0.cmp(&b.0)));
    let (top, best) = *ranked.first()?;
    let second = ranked.get(1).map(|r| r.1);
    let clear_lead = match second {
        Some(s) => best.share() >= s.share() + 0.15 && best.share() >= 1.5 * s.share(),
        None => true,
    };
    if best.share() < 0.25 || !clear_lead {
        return None;
    }
    if ranked.len() >= 3 {
        let others: Vec<Stats> = ranked[1..].iter().map(|r| r.1).collect();
        let other_bytes: usize = others.iter().map(|s| s.bytes).sum();
        let other_turns: usize = others.iter().map(|s| s.turns).sum();
        let other_avg = other_bytes as f64 / other_turns.max(1) as f64;
        let strong = best.share() >= 0.4
            && best.share() >= 2.5 * second.map_or(0.0, Stats::share)
            && best.avg() < other_avg
            && best.turns * 5 >= all_turns;
        if !strong {
            return None;
        }
    }
    Some(top)
}

#[cfg(test)]
mod tests {

    use crate::model::{Role, RoleSource};

    fn roles(text: &str) -> Vec<(String, Role, RoleSource)> {
        let t = crate::testutil::transcript(text);
        t.speakers
            .into_iter()
            .map(|s| (s.label, s.role, s.role_source))
            .collect()
    }

    #[test]
    fn labels_decide() {
        let got = roles("Интервьюер: Сроки?\nРеспондент: Нормально.\n");
        assert_eq!(got[0].1, Role::Interviewer);
        assert_eq!(
            got[1],
            ("Респондент".into(), Role::Respondent, RoleSource::Label)
        );
    }

    #[test]
    fn metadata_names_the_interviewer_in_a_group() {
        let got = roles(
            "---\ninterviewer: Анна Соколова\n---\nАнна Соколова: Начнём?\nОльга Николаевна: Да.\nТимур Рашидович: Давайте.\nАнна Соколова: Отлично.\nОльга Николаевна: Ага.\n",
        );
        assert_eq!(
            got[0],
            (
                "Анна Соколова".into(),
                Role::Interviewer,
                RoleSource::Metadata
            )
        );
        assert_eq!(got[1].1, Role::Respondent);
        assert_eq!(
            got[2],
            (
                "Тимур Рашидович".into(),
                Role::Respondent,
                RoleSource::Metadata
            )
        );
    }

    #[test]
    fn metadata_naming_nobody_here_is_ignored() {
        let got = roles(
            "---\ninterviewer: Анна Соколова\n---\nСпикер 1: Как вам сервис?\nСпикер 2: Хорошо, Саныч приезжает даже ночью.\n",
        );
        assert_eq!(
            got[0],
            ("Спикер 1".into(), Role::Interviewer, RoleSource::Heuristic)
        );
    }

    #[test]
    fn the_one_who_asks_is_the_interviewer() {
        let got = roles(
            "Спикер 1: Как вам сервис?\nСпикер 2: Ну, Саныч приезжает быстро, это да, ночью даже.\nСпикер 1: А документы?\nСпикер 2: С документами хуже.\n",
        );
        assert_eq!(
            got[0],
            ("Спикер 1".into(), Role::Interviewer, RoleSource::Heuristic)
        );
        assert_eq!(
            got[1],
            ("Спикер 2".into(), Role::Respondent, RoleSource::Heuristic)
        );
    }

    #[test]
    fn nobody_is_the_interviewer_when_nobody_clearly_asks() {
        // A meeting: everybody talks, one question here and there.
        let got = roles(
            "Иванов: Докладываю по первому пункту, сроки сорваны.\nПетрова: Почему?\nСидоров: Потому что подрядчик не успел, я отвечаю.\nИванов: Второй пункт: бюджет утверждён.\nПетрова: Принято, двигаемся дальше.\nСидоров: А по третьему?\nИванов: По третьему пока тишина.\n",
        );
        assert!(got.iter().all(|g| g.1 == Role::Respondent), "{got:?}");
    }

    #[test]
    fn the_user_and_the_speakers_key_correct_the_roles() {
        let got = roles(
            "---\nspeakers: Ольга Николаевна=interviewer; Анна Соколова=respondent\n---\nАнна Соколова: Начнём?\nОльга Николаевна: Да, расскажите.\nАнна Соколова: Хорошо.\nОльга Николаевна: Ага.\n",
        );
        assert_eq!(
            got[0],
            ("Анна Соколова".into(), Role::Respondent, RoleSource::User)
        );
        assert_eq!(
            got[1],
            (
                "Ольга Николаевна".into(),
                Role::Interviewer,
                RoleSource::User
            )
        );
        let mut t = crate::testutil::transcript(
            "Интервьюер: Как сроки?\nПавел Громов: Я спрошу иначе: почему?\nИнтервьюер: Нормально.\n",
        );
        super::assign_with(&mut t, &["Павел".to_string()]);
        assert_eq!(t.speakers[1].role, Role::Interviewer);
        assert_eq!(t.speakers[1].role_source, RoleSource::User);
        assert_eq!(t.speakers[0].role, Role::Respondent);
    }

    #[test]
    fn unlabeled_text_is_a_respondent_by_default() {
        let got = roles("Ну мы работаем с ними лет десять.");
        assert_eq!(got[0].1, Role::Respondent);
        assert_eq!(got[0].2, RoleSource::Default);
    }
}
