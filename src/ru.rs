//! Russian as a reader sees it: the one place for numbers (one decimal, a decimal comma, the
//! minus sign U+2212 for falls), plural forms of counted nouns and the few phrases that
//! depend on them. Every text for a Russian reader (the report in every format, the web
//! pages) formats its numbers and counts here.

/// The minus sign (U+2212), not a hyphen.
pub const MINUS: char = '\u{2212}';

/// The form of a noun counted `n` times: `forms` = (one, few, many), as in
/// «1 упоминание», «2 упоминания», «5 упоминаний» (11–14 take «many»; 21 «one», 22 «few»).
pub fn plural<'a>(n: u64, forms: (&'a str, &'a str, &'a str)) -> &'a str {
    let (one, few, many) = forms;
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

/// A count with its noun: «21 упоминание», «5 оценок».
pub fn count(n: usize, forms: (&str, &str, &str)) -> String {
    format!("{n} {}", plural(n as u64, forms))
}

/// Mentions: упоминание.
pub const MENTIONS: (&str, &str, &str) = ("упоминание", "упоминания", "упоминаний");
/// Ratings: оценка.
pub const RATINGS: (&str, &str, &str) = ("оценка", "оценки", "оценок");
/// Wishes: пожелание.
pub const WISHES: (&str, &str, &str) = ("пожелание", "пожелания", "пожеланий");
/// Respondents: респондент.
pub const RESPONDENTS: (&str, &str, &str) = ("респондент", "респондента", "респондентов");
/// Quotes: цитата.
pub const QUOTES: (&str, &str, &str) = ("цитата", "цитаты", "цитат");
/// Statements: высказывание.
pub const STATEMENTS: (&str, &str, &str) = ("высказывание", "высказывания", "высказываний");
/// Forms of «интервью» (it does not decline).
pub const INTERVIEWS: (&str, &str, &str) = ("интервью", "интервью", "интервью");
/// Forms of «файл».
pub const FILES: (&str, &str, &str) = ("файл", "файла", "файлов");
/// Forms of «предупреждение».
pub const WARNINGS: (&str, &str, &str) = ("предупреждение", "предупреждения", "предупреждений");

/// `v` with `places` decimals, a decimal comma and the minus sign: «7,3», «−1,2», «0,45».
/// A value that rounds to zero has no sign.
pub fn decimal(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    let s = s.replace('.', ",");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().any(|c| c.is_ascii_digit() && c != '0') => {
            format!("{MINUS}{rest}")
        }
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// A score: one decimal, a comma; a dash when there is none.
pub fn score(v: Option<f32>) -> String {
    v.map_or("—".into(), |v| decimal(f64::from(v), 1))
}

/// A change with its sign: «+1,2», «−1,2», «0,0».
pub fn signed(v: f32) -> String {
    let s = decimal(f64::from(v), 1);
    if s.starts_with(MINUS) || s.chars().all(|c| c == '0' || c == ',') {
        s
    } else {
        format!("+{s}")
    }
}

/// Names in a Russian list: «А», «А и Б», «А, Б и В».
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} и {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_forms_over_the_hard_numbers() {
        let cases = [
            (0, "упоминаний"),
            (1, "упоминание"),
            (2, "упоминания"),
            (4, "упоминания"),
            (5, "упоминаний"),
            (11, "упоминаний"),
            (12, "упоминаний"),
            (14, "упоминаний"),
            (21, "упоминание"),
            (22, "упоминания"),
            (25, "упоминаний"),
            (101, "упоминание"),
            (111, "упоминаний"),
            (112, "упоминаний"),
            (122, "упоминания"),
        ];
        for (n, want) in cases {
            assert_eq!(plural(n, MENTIONS), want, "{n}");
        }
        assert_eq!(count(2, RATINGS), "2 оценки");
        assert_eq!(count(5, RATINGS), "5 оценок");
        assert_eq!(count(21, WISHES), "21 пожелание");
    }

    #[test]
    fn numbers_have_a_comma_and_a_real_minus() {
        assert_eq!(score(Some(7.3)), "7,3");
        assert_eq!(score(None), "—");
        assert_eq!(signed(1.2), "+1,2");
        assert_eq!(signed(-1.2), "\u{2212}1,2");
        assert_eq!(signed(-0.04), "0,0");
        assert_eq!(signed(0.0), "0,0");
        assert_eq!(decimal(0.454, 2), "0,45");
        assert!(!signed(-2.5).contains('-'));
        assert_eq!(and_list(&["А".into(), "Б".into(), "В".into()]), "А, Б и В");
    }
}
