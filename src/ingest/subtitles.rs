//! Subtitles from transcription services: WebVTT and SubRip.
//!
//! Every cue becomes a [`RawTurn`] (or several, when one cue holds several voices). The
//! speaker comes from a WebVTT voice tag (`<v Анна>`), else from a `Name: ` label at the
//! start of a cue line, else from the cue before: services label only speaker changes.
//! Other tags are stripped and the common HTML entities decoded.

use super::{Body, Draft, RawTurn};

/// The two subtitle formats; they differ in headers, comment blocks and the example timing.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Vtt,
    Srt,
}

impl Kind {
    fn example_timing(self) -> &'static str {
        match self {
            Kind::Vtt => "00:00:01.000 --> 00:00:04.000",
            Kind::Srt => "00:00:01,000 --> 00:00:04,000",
        }
    }
}

/// One cue: its times and its raw text lines.
struct Cue<'a> {
    start: f64,
    end: f64,
    lines: Vec<&'a str>,
}

/// A non-blank line that is not a timing line, waiting to be attached to a cue.
struct Pending<'a> {
    no: usize,
    line: &'a str,
    opens_block: bool,
}

/// Reads WebVTT cues: a `WEBVTT` header, optional NOTE/STYLE/REGION blocks, cues with an
/// optional id line, a timing line (`00:01.000 --> 00:04.000`, hours optional, cue settings
/// ignored) and text lines.
///
/// # Errors
/// When no cue is found, every cue is empty, or a timing line is malformed (the message
/// names its 1-based line number).
pub fn read_vtt(text: &str) -> Result<Vec<RawTurn>, super::ReadError> {
    read(text, Kind::Vtt).map_err(super::ReadError::Subtitles)
}

/// Reads SubRip cues: optional numbers, `00:00:01,000 --> 00:00:04,000` timing lines (a
/// `.` before the milliseconds is accepted too) and text lines.
///
/// # Errors
/// When no cue is found, every cue is empty, or a timing line is malformed (the message
/// names its 1-based line number).
pub fn read_srt(text: &str) -> Result<Vec<RawTurn>, super::ReadError> {
    read(text, Kind::Srt).map_err(super::ReadError::Subtitles)
}

/// Reads WebVTT (`vtt`) or SubRip cues into a draft, with warnings: credit cues of
/// translators and subtitle makers that were left out, and subtitles with no speaker marks
/// at all.
///
/// # Errors
/// As [`read_vtt`] and [`read_srt`].
pub fn read_draft(text: &str, vtt: bool) -> Result<Draft, super::ReadError> {
    let (turns, credits) = read_counting(text, if vtt { Kind::Vtt } else { Kind::Srt })
        .map_err(super::ReadError::Subtitles)?;
    let mut warnings = Vec::new();
    if credits > 0 {
        warnings.push(format!(
            "{credits} subtitle line(s) credit the translator or the subtitle maker \
             (`Перевод: …`, `Субтитры: …`); they are not speech and were left out"
        ));
    }
    if turns.iter().all(|t| t.speaker.is_none()) {
        warnings.push(
            "no speaker marks in the subtitles (voice tags, `Имя:`, `[Имя]`); the text is \
             taken as one speaker's (role respondent, no interviewer)"
                .into(),
        );
    }
    Ok(Draft {
        body: Body::Turns(turns),
        warnings,
        ..Draft::default()
    })
}

fn read(text: &str, kind: Kind) -> Result<Vec<RawTurn>, String> {
    read_counting(text, kind).map(|(turns, _)| turns)
}

/// The turns and the number of credit lines left out.
fn read_counting(text: &str, kind: Kind) -> Result<(Vec<RawTurn>, usize), String> {
    let cues = cues(text, kind)?;
    if cues.is_empty() {
        return Err(format!(
            "no subtitle cues found; expected `{}` timing lines",
            kind.example_timing()
        ));
    }
    let mut turns = Vec::new();
    let mut current: Option<String> = None;
    let mut credits = 0;
    for cue in &cues {
        let lines: Vec<&str> = cue
            .lines
            .iter()
            .copied()
            .filter(|l| {
                let credit = is_credit(l);
                credits += usize::from(credit);
                !credit
            })
            .collect();
        for piece in cue_segments(&lines, &mut current) {
            turns.push(RawTurn {
                speaker: piece.speaker,
                text: piece.text,
                start: Some(cue.start),
                end: Some(cue.end),
                new_turn: piece.dash,
            });
        }
    }
    if turns.is_empty() {
        return Err(format!(
            "all {} subtitle cues are empty; there is no text to ingest",
            cues.len()
        ));
    }
    Ok((turns, credits))
}

/// A credit line of the translator or the subtitle maker: `Перевод: …`, `Субтитры: …`,
/// `Subtitles by …`, `Редактор субтитров …`.
fn is_credit(line: &str) -> bool {
    let l: String = line
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take(40)
        .flat_map(char::to_lowercase)
        .collect();
    const CREDITS: &[&str] = &[
        "перевод:",
        "перевод и субтитры",
        "переведено",
        "переводчик:",
        "субтитры:",
        "субтитры сделаны",
        "субтитры подготовил",
        "субтитры создал",
        "субтитры от",
        "редактор субтитров",
        "корректор:",
        "редактура:",
        "синхронизация:",
        "тайминг:",
        "subtitles by",
        "subtitles:",
        "translated by",
        "translation:",
        "sync by",
        "synced by",
    ];
    CREDITS.iter().any(|c| l.starts_with(c))
}

/// Splits the text into cues. Lines are taken one by one so that missing numbers, extra
/// blank lines and missing blank lines are all tolerated.
fn cues(text: &str, kind: Kind) -> Result<Vec<Cue<'_>>, String> {
    let mut cues = Vec::new();
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut block_start = true;
    let mut first_block = true;
    let mut skipping = false;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        if line.trim().is_empty() {
            block_start = true;
            skipping = false;
            continue;
        }
        let opens_block = std::mem::take(&mut block_start);
        if opens_block {
            skipping = kind == Kind::Vtt && is_vtt_skip_block(line, first_block);
            first_block = false;
        }
        let timing = line.contains("-->");
        if skipping && !timing {
            continue;
        }
        skipping = false;
        if timing {
            let (start, end) = parse_timing(line).ok_or_else(|| bad_timing(no, line, kind))?;
            drop_cue_id(&mut pending, no);
            attach(&mut pending, &mut cues);
            cues.push(Cue {
                start,
                end,
                lines: Vec::new(),
            });
        } else {
            pending.push(Pending {
                no,
                line,
                opens_block,
            });
        }
    }
    attach(&mut pending, &mut cues);
    Ok(cues)
}

/// The header block (`WEBVTT...`) and NOTE, STYLE and REGION blocks carry no cue text.
fn is_vtt_skip_block(line: &str, first_block: bool) -> bool {
    let first_word = line.split_whitespace().next().unwrap_or("");
    (first_block && line.starts_with("WEBVTT")) || matches!(first_word, "NOTE" | "STYLE" | "REGION")
}

/// The line right before a timing line is the cue's id when it opens its block, or its
/// number (SubRip) when it is all digits.
fn drop_cue_id(pending: &mut Vec<Pending<'_>>, timing_no: usize) {
    if let Some(last) = pending.last() {
        let is_number = last.line.trim().bytes().all(|b| b.is_ascii_digit());
        if is_number || (last.opens_block && last.no + 1 == timing_no) {
            pending.pop();
        }
    }
}

/// Text lines go to the last cue; lines before the first cue are not subtitle text.
fn attach<'a>(pending: &mut Vec<Pending<'a>>, cues: &mut [Cue<'a>]) {
    if let Some(cue) = cues.last_mut() {
        cue.lines.extend(pending.iter().map(|p| p.line));
    }
    pending.clear();
}

fn bad_timing(no: usize, line: &str, kind: Kind) -> String {
    let shown: String = line.trim().chars().take(60).collect();
    format!(
        "line {no}: malformed timing line `{shown}`; expected `{}` (hours may be left out)",
        kind.example_timing()
    )
}

/// `start --> end [cue settings]` in seconds.
fn parse_timing(line: &str) -> Option<(f64, f64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((parse_clock(start)?, parse_clock(end)?))
}

/// Seconds from a clock time `HH:MM:SS.mmm` or `MM:SS.mmm` (`,` accepted before the
/// fraction, the fraction optional). `None` when it is not such a time.
pub(super) fn parse_clock(s: &str) -> Option<f64> {
    let s = s.trim();
    let (whole, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = whole.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || !parts.iter().all(|p| all_digits(p))
        || !(frac.is_empty() || all_digits(frac))
    {
        return None;
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = match nums[..] {
        [h, m, sec] if m < 60 => (h, m, sec),
        [m, sec] => (0, m, sec),
        _ => return None,
    };
    if sec >= 60 {
        return None;
    }
    let whole_secs = h.checked_mul(3600)?.checked_add(m * 60 + sec)?;
    let frac = if frac.is_empty() { "0" } else { frac };
    format!("{whole_secs}.{frac}").parse().ok()
}

/// One speaker's piece of a cue.
#[derive(Debug, PartialEq)]
struct Piece {
    speaker: Option<String>,
    text: String,
    /// Opened by a dialogue dash: a turn of its own.
    dash: bool,
}

/// The speaker-labelled pieces of one cue, in order, with text cleaned. Each line may open
/// a new speaker (voice tag, `Name:` or `[Name]` label) or a new turn (a dialogue dash
/// `- `); a cue opening without one continues `current`, the last speaker seen, which is
/// updated.
fn cue_segments(lines: &[&str], current: &mut Option<String>) -> Vec<Piece> {
    let mut segments: Vec<Piece> = Vec::new();
    for line in lines {
        let (dash, line) = match line.trim_start().strip_prefix(['-', '–', '—']) {
            Some(rest) if rest.starts_with(char::is_whitespace) || rest.starts_with('<') => {
                (true, rest)
            }
            _ => (false, *line),
        };
        for (i, (voice, text)) in split_voices(line).into_iter().enumerate() {
            let (speaker, text) = match voice {
                Some(v) => (Some(v), text),
                None if i == 0 => match split_label(text.trim_start()) {
                    Some((label, rest)) => (Some(label), rest.to_string()),
                    None => (None, text),
                },
                None => (None, text),
            };
            add_piece(&mut segments, speaker, text.trim(), dash && i == 0, current);
        }
    }
    if let Some(last) = segments.last() {
        current.clone_from(&last.speaker);
    }
    segments.retain(|p| !p.text.is_empty());
    segments
}

/// Appends a piece: a new segment when it names a new speaker or opens with a dialogue dash,
/// else onto the last one.
fn add_piece(
    segments: &mut Vec<Piece>,
    speaker: Option<String>,
    text: &str,
    dash: bool,
    current: &Option<String>,
) {
    match segments.last_mut() {
        Some(last) if !dash && (speaker.is_none() || speaker == last.speaker) => {
            if !text.is_empty() && !last.text.is_empty() {
                last.text.push(' ');
            }
            last.text.push_str(text);
        }
        _ => {
            // A dash without a name is another person than the one before in this cue.
            let speaker = match speaker {
                Some(s) => Some(s),
                None if dash && !segments.is_empty() => None,
                None => current.clone(),
            };
            segments.push(Piece {
                speaker,
                text: text.to_string(),
                dash,
            });
        }
    }
}

/// Splits a cue line at voice tags; other tags are dropped and entities decoded. The first
/// piece has no voice unless the line starts with a voice tag.
fn split_voices(line: &str) -> Vec<(Option<String>, String)> {
    let mut pieces: Vec<(Option<String>, String)> = vec![(None, String::new())];
    let mut rest = line;
    while let Some(open) = rest.find(['<', '{']) {
        let close = if rest[open..].starts_with('<') {
            '>'
        } else {
            '}'
        };
        let after = &rest[open + 1..];
        let Some(len) = after
            .find(close)
            .filter(|&len| is_tag(&after[..len], close))
        else {
            push_text(&mut pieces, &rest[..=open]);
            rest = after;
            continue;
        };
        push_text(&mut pieces, &rest[..open]);
        if let Some(name) = voice_name(&after[..len]) {
            pieces.push((Some(name), String::new()));
        }
        rest = &after[len + 1..];
    }
    push_text(&mut pieces, rest);
    if pieces.len() > 1 && pieces[0].1.trim().is_empty() {
        pieces.remove(0);
    }
    pieces
}

fn push_text(pieces: &mut [(Option<String>, String)], raw: &str) {
    if let Some(last) = pieces.last_mut() {
        last.1.push_str(&decode_entities(raw));
    }
}

/// A markup tag starts with a letter or `/`, or is a timestamp (`<00:00:01.000>`); an ASS
/// override (`{\an8}`) starts with a backslash.
fn is_tag(inner: &str, close: char) -> bool {
    let first = inner.chars().next().unwrap_or(' ');
    match close {
        '>' => first.is_ascii_alphabetic() || first == '/' || parse_clock(inner).is_some(),
        _ => first == '\\',
    }
}

/// The name of a voice tag `v Name` / `v.class Name`; `None` for other tags and nameless
/// voices.
fn voice_name(tag: &str) -> Option<String> {
    let rest = tag.strip_prefix('v')?;
    if !rest.starts_with(['.', ' ', '\t']) {
        return None;
    }
    let (_, name) = rest.split_once([' ', '\t'])?;
    let name = decode_entities(name);
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// Decodes `&amp; &lt; &gt; &nbsp; &quot; &apos;` and numeric references; the invisible
/// direction marks `&lrm; &rlm;` are dropped. Anything else stays as written.
pub(super) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&semi| semi <= 8)
            .and_then(|semi| Some((entity(&after[..semi])?, semi)));
        match decoded {
            Some((text, semi)) => {
                out.push_str(&text);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<String> {
    let s = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "nbsp" => "\u{a0}",
        "quot" => "\"",
        "apos" => "'",
        "lrm" | "rlm" => "",
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            return char::from_u32(code).map(String::from);
        }
    };
    Some(s.to_string())
}

/// `Name: text` → the label and the text, when the part before the colon is a short label:
/// at most 40 characters and 4 words, the first word capitalized and the others capitalized
/// or numbers (`Спикер 1`, `Анна Соколова`), so `Ну вот что скажу: ...` is not one.
fn split_label(text: &str) -> Option<(String, &str)> {
    // `[Имя] текст`, `[SPEAKER_00]: текст` (WhisperX); `[музыка]` is a sound, not a name.
    if let Some(inner_rest) = text.strip_prefix('[') {
        let (inner, rest) = inner_rest.split_once(']')?;
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        if crate::segment::is_sound(inner)
            || !(rest.is_empty() || rest.starts_with(char::is_whitespace))
        {
            return None;
        }
        let words: Vec<&str> = inner.split_whitespace().collect();
        let plain = inner
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | '-' | '_'));
        let first_up = inner.chars().next().is_some_and(char::is_uppercase);
        let numbered = inner.chars().any(|c| c.is_ascii_digit());
        let ok = plain
            && inner.chars().count() <= 40
            && (1..=4).contains(&words.len())
            && (first_up || numbered);
        return ok.then(|| (words.join(" "), rest.trim_start()));
    }
    let (head, rest) = text.split_once(':')?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let capitalized = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let number = |w: &str| w.bytes().all(|b| b.is_ascii_digit());
    let plain = head
        .chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | '-' | '_'));
    let ok = plain
        && head.chars().count() <= 40
        && (1..=4).contains(&words.len())
        && capitalized(words[0])
        && words[1..].iter().all(|w| capitalized(w) || number(w));
    ok.then(|| (words.join(" "), rest.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: Option<&str>, text: &str, start: f64, end: f64) -> RawTurn {
        RawTurn {
            new_turn: false,
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
            start: Some(start),
            end: Some(end),
        }
    }

    #[test]
    fn vtt_voice_tags_with_and_without_class_and_closing_tag() {
        let vtt = "WEBVTT - интервью 12\n\n\
            1\n00:00:01.000 --> 00:00:04.500\n<v Интервьюер>Как вам новая система заказов?</v>\n\n\
            2\n00:00:05.000 --> 00:00:09.250 align:start position:10%\n\
            <v.loud Ольга Петрова>Ну, честно говоря,\nпоначалу было тяжко.\n\n\
            00:00:09.250 --> 00:00:11.000\nА потом привыкли.\n";
        let turns = read_vtt(vtt).unwrap();
        assert_eq!(
            turns,
            vec![
                turn(
                    Some("Интервьюер"),
                    "Как вам новая система заказов?",
                    1.0,
                    4.5
                ),
                turn(
                    Some("Ольга Петрова"),
                    "Ну, честно говоря, поначалу было тяжко.",
                    5.0,
                    9.25
                ),
                turn(Some("Ольга Петрова"), "А потом привыкли.", 9.25, 11.0),
            ]
        );
    }

    #[test]
    fn vtt_skips_note_style_blocks_and_cue_ids_and_reads_hourless_times() {
        let vtt = "WEBVTT\nKind: captions\nLanguage: ru\n\n\
            NOTE расшифровано автоматически,\nпроверить имена\n\n\
            STYLE\n::cue { color: yellow }\n\n\
            intro-1\n00:03.000 --> 00:06.500\nИнтервьюер: Сколько человек у вас в отделе?\n\n\
            NOTE вторая реплика\n\n\
            c2\n01:02.250 --> 01:05.000\nРеспондент: Да человек восемь, не больше.\n";
        let turns = read_vtt(vtt).unwrap();
        assert_eq!(
            turns,
            vec![
                turn(
                    Some("Интервьюер"),
                    "Сколько человек у вас в отделе?",
                    3.0,
                    6.5
                ),
                turn(
                    Some("Респондент"),
                    "Да человек восемь, не больше.",
                    62.25,
                    65.0
                ),
            ]
        );
    }

    #[test]
    fn vtt_strips_tags_and_decodes_entities() {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n\
            <v Спикер&nbsp;2><c.yellow>Цены</c> <00:00:02.000><i>выросли</i> &amp; \
            <lang en>delivery</lang> &lt;хуже&gt;&lrm;\n";
        let turns = read_vtt(vtt).unwrap();
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].speaker.as_deref(), Some("Спикер 2"));
        assert_eq!(turns[0].text, "Цены выросли & delivery <хуже>");
    }

    #[test]
    fn stray_angle_brackets_and_ampersands_stay_literal() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nЦена <10 тысяч, а брак > 3% & выше\n";
        let turns = read_srt(srt).unwrap();
        assert_eq!(turns[0].text, "Цена <10 тысяч, а брак > 3% & выше");
    }

    #[test]
    fn vtt_unlabelled_cue_keeps_previous_speaker_and_sentence_is_no_label() {
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nSpeaker 1: Ну давайте начнём.\n\n\
            00:02.000 --> 00:05.000\nНу вот что скажу: сроки сорвали дважды.\n\n\
            00:05.000 --> 00:06.000\nАнна Соколова: Понятно.\n";
        let turns = read_vtt(vtt).unwrap();
        let speakers: Vec<_> = turns.iter().map(|t| t.speaker.as_deref()).collect();
        assert_eq!(
            speakers,
            [Some("Speaker 1"), Some("Speaker 1"), Some("Анна Соколова")]
        );
        assert_eq!(turns[1].text, "Ну вот что скажу: сроки сорвали дважды.");
    }

    #[test]
    fn vtt_cue_with_two_voices_becomes_two_turns() {
        let vtt = "WEBVTT\n\n00:00:10.000 --> 00:00:12.000\n\
            <v Интервьюер>Довольны?</v>\n<v Респондент>Ага, вполне.</v>\n";
        let turns = read_vtt(vtt).unwrap();
        assert_eq!(
            turns,
            vec![
                turn(Some("Интервьюер"), "Довольны?", 10.0, 12.0),
                turn(Some("Респондент"), "Ага, вполне.", 10.0, 12.0),
            ]
        );
    }

    #[test]
    fn vtt_without_labels_gives_no_speaker() {
        let vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nну короче так\n";
        assert_eq!(
            read_vtt(vtt).unwrap(),
            vec![turn(None, "ну короче так", 0.0, 2.0)]
        );
    }

    #[test]
    fn vtt_malformed_timing_line_is_named() {
        let vtt =
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nДа.\n\n00:00:0x.000 --> 00:00:04.000\nНет.\n";
        let err = read_vtt(vtt).unwrap_err().to_string();
        assert!(
            err.starts_with("line 6: malformed timing line `00:00:0x.000"),
            "{err}"
        );
        assert!(
            err.contains("expected `00:00:01.000 --> 00:00:04.000`"),
            "{err}"
        );
    }

    #[test]
    fn vtt_without_cues_is_refused() {
        let err = read_vtt("WEBVTT\n\nNOTE пусто\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "no subtitle cues found; expected `00:00:01.000 --> 00:00:04.000` timing lines"
        );
    }

    #[test]
    fn srt_with_tags_and_missing_final_blank_line() {
        let srt = "1\n00:00:01,000 --> 00:00:03,500\n<i>Интервьюер:</i> Как оцениваете поддержку?\n\n\
            2\n00:00:04,000 --> 00:00:08,000\n<font color=\"#ffff00\">Респондент:</font> Ну, на троечку.\n\
            <b>Отвечают</b> долго.\n\n\n\
            00:00:08.000 --> 00:00:09,000\n{\\an8}Прям очень долго.";
        let turns = read_srt(srt).unwrap();
        assert_eq!(
            turns,
            vec![
                turn(Some("Интервьюер"), "Как оцениваете поддержку?", 1.0, 3.5),
                turn(
                    Some("Респондент"),
                    "Ну, на троечку. Отвечают долго.",
                    4.0,
                    8.0
                ),
                turn(Some("Респондент"), "Прям очень долго.", 8.0, 9.0),
            ]
        );
    }

    #[test]
    fn srt_number_separated_by_extra_blank_line_and_missing_blank_line() {
        let srt = "1\n\n00:00:01,000 --> 00:00:02,000\nРеспондент: Восемь.\n\
            2\n00:00:02,000 --> 00:00:03,000\nНу, может, семь.\n";
        let turns = read_srt(srt).unwrap();
        assert_eq!(
            turns,
            vec![
                turn(Some("Респондент"), "Восемь.", 1.0, 2.0),
                turn(Some("Респондент"), "Ну, может, семь.", 2.0, 3.0),
            ]
        );
    }

    #[test]
    fn srt_errors() {
        let err = read_srt("1\n00:00:01 --> \nТекст\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 2: malformed timing line"), "{err}");
        let err = read_srt("просто текст без таймингов\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected `00:00:01,000 --> 00:00:04,000`"),
            "{err}"
        );
        let err = read_srt("1\n00:00:01,000 --> 00:00:02,000\n\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("all 1 subtitle cues are empty"), "{err}");
    }

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("01:02:03.500"), Some(3723.5));
        assert_eq!(parse_clock("02:03,25"), Some(123.25));
        assert_eq!(parse_clock("00:01:02"), Some(62.0));
        assert_eq!(parse_clock("00:61:00.000"), None);
        assert_eq!(parse_clock("1:2:3:4"), None);
        assert_eq!(parse_clock("ab:cd"), None);
    }

    #[test]
    fn labels() {
        assert_eq!(split_label("Спикер 1: да"), Some(("Спикер 1".into(), "да")));
        assert_eq!(split_label("Интервьюер:"), Some(("Интервьюер".into(), "")));
        assert_eq!(split_label("Ну вот что скажу: да"), None);
        assert_eq!(split_label("Время 10:30 было"), None);
        assert_eq!(split_label("Раз Два Три Четыре Пять: да"), None);
    }

    #[test]
    fn whisperx_and_bracketed_speakers() {
        let srt = "1\n00:00:00,031 --> 00:00:02,500\n[SPEAKER_00]: Как вам сроки поставки?\n\n\
            2\n00:00:02,900 --> 00:00:06,100\n[SPEAKER_01]: Ну, по-разному бывает.\n\n\
            3\n00:00:06,100 --> 00:00:08,000\n[Марина] А если честно?\n\n\
            4\n00:00:08,000 --> 00:00:09,000\n[музыка]\n";
        let turns = read_srt(srt).unwrap();
        let got: Vec<(Option<&str>, &str)> = turns
            .iter()
            .map(|t| (t.speaker.as_deref(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("SPEAKER_00"), "Как вам сроки поставки?"),
                (Some("SPEAKER_01"), "Ну, по-разному бывает."),
                (Some("Марина"), "А если честно?"),
                (Some("Марина"), "[музыка]"),
            ]
        );
    }

    #[test]
    fn dialogue_dashes_split_a_cue_and_credits_are_left_out() {
        let srt = "1\n00:00:01,000 --> 00:00:03,000\nПеревод: Студия «Кубик»\n\n\
            2\n00:00:04,000 --> 00:00:06,000\n- Ты где был?\n- На складе.\n\n\
            3\n00:00:06,500 --> 00:00:08,000\nСубтитры: Елена К.\n";
        let draft = read_draft(srt, false).unwrap();
        let Body::Turns(turns) = &draft.body else {
            panic!("turns expected")
        };
        let got: Vec<(&str, bool)> = turns
            .iter()
            .map(|t| (t.text.as_str(), t.new_turn))
            .collect();
        assert_eq!(got, vec![("Ты где был?", true), ("На складе.", true)]);
        assert!(
            draft.warnings[0].starts_with("2 subtitle line(s) credit"),
            "{:?}",
            draft.warnings
        );
        assert!(
            draft.warnings[1].starts_with("no speaker marks"),
            "{:?}",
            draft.warnings
        );
        // Two turns survive assembly, though neither speaker is named.
        let t = crate::ingest::assemble("x.srt", crate::model::Format::Srt, draft);
        assert_eq!(t.turns.len(), 2);
        assert_eq!(t.speakers.len(), 1);
        assert_eq!(t.speakers[0].role, crate::model::Role::Respondent);
    }
}
