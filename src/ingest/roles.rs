//! Speaker roles: interviewer or respondent.
//!
//! In order: the label says it (`Интервьюер`, `Модератор`, `И`, `Q` / `Респондент`, `Р`,
//! `A`); else metadata names the interviewer (`interviewer: Анна Соколова`, several separated
//! by `,` or `;`), and everyone else is a respondent; else, when another speaker is already
//! known to be the interviewer, the rest are respondents; else a heuristic: the speaker whose
//! turns most often are questions (end in `?`), and are shorter, is the interviewer. A single
//! speaker is a respondent. Group interviews have several respondents.

use super::labels::{UNKNOWN_SPEAKER, label_role};
use crate::model::{Role, RoleSource, Transcript};

fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

/// Decides every speaker's role in `t` (idempotent; call again after metadata changes).
pub fn assign(t: &mut Transcript) {
    let interviewers: Vec<String> = ["interviewer", "interviewers", "интервьюер", "модератор"]
        .iter()
        .filter_map(|k| t.meta.get(*k))
        .flat_map(|v| v.split([',', ';']).map(key).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect();
    let named = |label: &str| {
        let k = key(label);
        interviewers
            .iter()
            .any(|iv| *iv == k || iv.split(' ').next() == k.split(' ').next())
    };
    // Metadata decides only when it names one of the speakers of this transcript.
    let by_metadata = t.speakers.iter().any(|s| named(&s.label));
    let mut undecided = Vec::new();
    for (i, s) in t.speakers.iter_mut().enumerate() {
        if let Some(role) = label_role(&s.label) {
            s.role = role;
            s.role_source = RoleSource::Label;
        } else if by_metadata {
            s.role = if named(&s.label) {
                Role::Interviewer
            } else {
                Role::Respondent
            };
            s.role_source = RoleSource::Metadata;
        } else {
            undecided.push(i);
        }
    }
    if undecided.is_empty() {
        return;
    }
    let has_interviewer = t
        .speakers
        .iter()
        .enumerate()
        .any(|(i, s)| s.role == Role::Interviewer && !undecided.contains(&i));
    if t.speakers.len() == 1 {
        let s = &mut t.speakers[0];
        s.role = Role::Respondent;
        s.role_source = if s.label == UNKNOWN_SPEAKER {
            RoleSource::Default
        } else {
            RoleSource::Heuristic
        };
        return;
    }
    let interviewer = if has_interviewer {
        None
    } else {
        undecided
            .iter()
            .copied()
            .max_by(|&a, &b| question_score(t, a).total_cmp(&question_score(t, b)))
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

/// Share of the speaker's turns that are questions, less a little for long turns.
fn question_score(t: &Transcript, speaker: usize) -> f64 {
    let mut turns = 0usize;
    let mut questions = 0usize;
    let mut bytes = 0usize;
    for turn in t.turns.iter().filter(|turn| turn.speaker == speaker) {
        let text = t.slice(turn.span).trim_end();
        turns += 1;
        bytes += text.len();
        if text.ends_with('?') || text.ends_with("?»") || text.ends_with("?\"") {
            questions += 1;
        }
    }
    if turns == 0 {
        return f64::MIN;
    }
    let avg_chars = bytes as f64 / turns as f64 / 2.0;
    questions as f64 / turns as f64 - avg_chars / 10_000.0
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
    fn unlabeled_text_is_a_respondent_by_default() {
        let got = roles("Ну мы работаем с ними лет десять.");
        assert_eq!(got[0].1, Role::Respondent);
        assert_eq!(got[0].2, RoleSource::Default);
    }
}
