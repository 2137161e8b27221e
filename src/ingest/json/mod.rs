//! JSON transcripts: citata's schema (`meta` + `turns`) and Whisper-style `segments`.
//!
//! Three shapes are read:
//! - citata's own: `{"meta": {"key": "value", ...}, "turns": [{"speaker", "text", "start"?,
//!   "end"?}, ...]}`, meta values being strings, numbers or booleans;
//! - Whisper / WhisperX output: `{"language"?, "segments": [{"start", "end", "text",
//!   "speaker"?}, ...]}` (the language goes into the metadata);
//! - a bare array of turn objects;
//! - Yandex SpeechKit: v2 (`response.chunks[]` with `alternatives[].text`, `channelTag` and
//!   word timings `"4.759s"`) and v3 (`result` objects with `final` / `finalRefinement` /
//!   `alternatives`, `channelTag`, `startTimeMs`; one object, an array of them or one per
//!   line). Channels become speakers; word timings give the pauses at which unpunctuated
//!   speech is cut into sentences.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

mod speechkit;

use super::{Body, Draft, RawTurn};

/// Reads a JSON transcript (see the module documentation for the accepted shapes).
///
/// # Errors
/// When the JSON is invalid (the message gives serde_json's line and column), has neither
/// `turns` nor `segments`, a turn lacks `text` or has a field of the wrong type (the
/// message names the turn and the field), or there are no turns.
pub fn read(text: &str) -> Result<Draft, super::ReadError> {
    read_text(text).map_err(super::ReadError::Json)
}

fn read_text(text: &str) -> Result<Draft, String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => match json_lines(text) {
            Some(v) => v,
            None => return Err(invalid_json(text, &e)),
        },
    };
    if let Some(draft) = speechkit::read(&value) {
        return draft;
    }
    if let Some(draft) = scribe_words(&value) {
        return draft;
    }
    let mut draft = Draft::default();
    let (items, item_name, list_name) = match &value {
        Value::Array(items) => (items, "turn", "the top-level array"),
        Value::Object(obj) => {
            read_meta(obj, &mut draft.meta)?;
            turn_list(obj)?
        }
        other => {
            return Err(format!(
                "expected an object with \"turns\" or \"segments\", or an array of turns; \
                 found {}",
                kind(other)
            ));
        }
    };
    if items.is_empty() {
        return Err(format!("no turns found; {list_name} is empty"));
    }
    let mut turns = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_turn(item, item_name, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    turns.retain(|t| !t.text.is_empty());
    if turns.is_empty() {
        return Err(format!("no text found; every item of {list_name} is empty"));
    }
    // A diarized file's segment without a speaker (WhisperX leaves short ones unassigned)
    // continues the speaker before it rather than becoming a speaker of its own.
    if item_name == "segment" && turns.iter().any(|t| t.speaker.is_some()) {
        let mut last: Option<String> = None;
        for t in &mut turns {
            match &t.speaker {
                Some(s) => last = Some(s.clone()),
                None => t.speaker.clone_from(&last),
            }
        }
    }
    draft.body = Body::Turns(turns);
    Ok(draft)
}

/// ElevenLabs Scribe: `{"language_code", "text", "words": [{"text", "start", "end",
/// "type": "word" | "spacing" | "audio_event", "speaker_id"}]}`; consecutive words of one
/// `speaker_id` are a turn. `None` when `value` is not that shape.
fn scribe_words(value: &Value) -> Option<Result<Draft, String>> {
    let obj = value.as_object()?;
    if obj.contains_key("segments") || obj.contains_key("turns") {
        return None;
    }
    let words = obj.get("words")?.as_array()?;
    if !words
        .iter()
        .any(|w| w.get("type").is_some() || w.get("speaker_id").is_some())
    {
        return None;
    }
    let mut turns: Vec<RawTurn> = Vec::new();
    for w in words {
        let Some(text) = w.get("text").and_then(Value::as_str) else {
            continue;
        };
        let speaker = w
            .get("speaker_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let start = w.get("start").and_then(Value::as_f64);
        let end = w.get("end").and_then(Value::as_f64);
        match turns.last_mut() {
            Some(t)
                if t.speaker == speaker
                    || w.get("type").and_then(Value::as_str) == Some("spacing") =>
            {
                t.text.push_str(text);
                t.end = end.or(t.end);
            }
            _ => turns.push(RawTurn {
                speaker,
                text: text.to_string(),
                start,
                end,
                new_turn: false,
            }),
        }
    }
    for t in &mut turns {
        t.text = t.text.trim().to_string();
    }
    turns.retain(|t| !t.text.is_empty());
    if turns.is_empty() {
        return Some(Err(
            "no text found; every item of the \"words\" array is empty".into(),
        ));
    }
    let mut draft = Draft::default();
    if let Some(Value::String(lang)) = obj.get("language_code") {
        draft.meta.insert("language".into(), lang.clone());
    }
    if turns.iter().all(|t| t.speaker.is_none()) {
        draft.warnings.push(
            "no speaker_id on the words (diarization was off): the text is taken as one \
             speaker's (role respondent, no interviewer)"
                .into(),
        );
    }
    draft.body = Body::Turns(turns);
    Some(Ok(draft))
}

/// One JSON object per line (SpeechKit v3 saves its results so) as an array; `None` when
/// the text is not that either.
fn json_lines(text: &str) -> Option<Value> {
    let mut items = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        items.push(serde_json::from_str::<Value>(line).ok()?);
    }
    (items.len() > 1).then_some(Value::Array(items))
}

/// serde_json's message with its line and column; the column is counted in characters
/// (serde_json counts bytes, which misleads for Cyrillic text).
fn invalid_json(text: &str, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let bare = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m);
    format!(
        "invalid JSON at line {}, column {}: {bare}; check the quotes, commas and brackets there",
        e.line(),
        char_column(text, e.line(), e.column())
    )
}

fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line) = text.lines().nth(line.saturating_sub(1)) else {
        return byte_column;
    };
    let mut end = byte_column.min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    line[..end].chars().count()
}

/// The turn objects of a top-level object, with what to call one and the list in errors.
fn turn_list(
    obj: &Map<String, Value>,
) -> Result<(&Vec<Value>, &'static str, &'static str), String> {
    let (key, item_name, list_name) = if obj.contains_key("turns") {
        ("turns", "turn", "the \"turns\" array")
    } else if obj.contains_key("segments") {
        ("segments", "segment", "the \"segments\" array")
    } else {
        let keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
        return Err(format!(
            "expected an object with \"turns\" or \"segments\"; found the fields [{}]",
            keys.join(", ")
        ));
    };
    match &obj[key] {
        Value::Array(items) => Ok((items, item_name, list_name)),
        other => Err(format!("\"{key}\" must be an array, found {}", kind(other))),
    }
}

/// `meta` values become strings (numbers and booleans as written; nulls skipped); a
/// top-level `language` (Whisper) is added unless `meta` has one.
fn read_meta(obj: &Map<String, Value>, meta: &mut BTreeMap<String, String>) -> Result<(), String> {
    match obj.get("meta") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            for (key, value) in fields {
                if let Some(s) = scalar(value).map_err(|found| {
                    format!(
                        "meta field \"{key}\" must be a string, number or boolean, found {found}"
                    )
                })? {
                    meta.insert(key.clone(), s);
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "\"meta\" must be an object of \"key\": \"value\" pairs, found {}",
                kind(other)
            ));
        }
    }
    if let Some(Value::String(lang)) = obj.get("language") {
        meta.entry("language".into())
            .or_insert_with(|| lang.clone());
    }
    Ok(())
}

/// A scalar as a string: `Ok(None)` for null, `Err(kind)` for arrays and objects.
fn scalar(value: &Value) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(kind(other)),
    }
}

fn read_turn(item: &Value, item_name: &str, n: usize) -> Result<RawTurn, String> {
    let Value::Object(obj) = item else {
        return Err(format!(
            "{item_name} {n} is {}; expected an object with \"speaker\" and \"text\" fields",
            kind(item)
        ));
    };
    let text = match obj.get("text") {
        Some(Value::String(s)) => s.trim().to_string(),
        None | Some(Value::Null) if item_name == "segment" => words_text(obj).unwrap_or_default(),
        None | Some(Value::Null) => {
            return Err(format!("{item_name} {n} has no \"text\" field"));
        }
        Some(other) => {
            return Err(format!(
                "{item_name} {n}: \"text\" must be a string, found {}",
                kind(other)
            ));
        }
    };
    let speaker = match obj.get("speaker").or_else(|| obj.get("speaker_label")) {
        None | Some(Value::Null) => majority_word_speaker(obj),
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(Value::Number(num)) => Some(num.to_string()),
        Some(other) => {
            return Err(format!(
                "{item_name} {n}: \"speaker\" must be a string, found {}",
                kind(other)
            ));
        }
    };
    Ok(RawTurn {
        speaker,
        text,
        start: seconds(obj, "start", item_name, n)?,
        end: seconds(obj, "end", item_name, n)?,
        new_turn: false,
    })
}

/// The text of a segment's `words` (WhisperX), for a segment without `text`.
fn words_text(obj: &Map<String, Value>) -> Option<String> {
    let words = obj.get("words")?.as_array()?;
    let text: Vec<&str> = words
        .iter()
        .filter_map(|w| w.get("word").or_else(|| w.get("text"))?.as_str())
        .map(str::trim)
        .collect();
    Some(text.join(" "))
}

/// The speaker most of a segment's words carry (WhisperX puts speakers on words when a
/// segment straddles a change).
fn majority_word_speaker(obj: &Map<String, Value>) -> Option<String> {
    let words = obj.get("words")?.as_array()?;
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for w in words {
        if let Some(s) = w.get("speaker").and_then(Value::as_str) {
            match counts.iter_mut().find(|(k, _)| *k == s) {
                Some((_, n)) => *n += 1,
                None => counts.push((s, 1)),
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(s, _)| s.to_string())
}

/// A time field: a number of seconds, or a clock time string such as `"00:01:02.5"`.
fn seconds(
    obj: &Map<String, Value>,
    field: &str,
    item_name: &str,
    n: usize,
) -> Result<Option<f64>, String> {
    let parsed = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(num)) => num.as_f64(),
        Some(Value::String(s)) => {
            super::subtitles::parse_clock(s).or_else(|| s.trim().parse().ok())
        }
        Some(_) => None,
    };
    parsed
        .filter(|t: &f64| t.is_finite() && *t >= 0.0)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{item_name} {n}: \"{field}\" must be a number of seconds, found {}",
                obj.get(field).map_or("nothing", kind)
            )
        })
}

/// "a string", "an array"... for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(draft: &Draft) -> &[RawTurn] {
        match &draft.body {
            Body::Turns(t) => t,
            Body::Labeled(_) => panic!("expected turns"),
        }
    }

    #[test]
    fn citata_schema_with_numeric_and_bool_meta() {
        let json = r#"{
          "meta": {"respondent": "Игорь, прораб", "age": 47, "rating": 7.5, "paid": true, "note": null},
          "turns": [
            {"speaker": "Интервьюер", "text": "Что больше всего мешает на объекте?", "start": 0, "end": 3.5},
            {"speaker": "Респондент", "text": "Да снабжение, блин. Бетон вовремя не везут."}
          ]
        }"#;
        let draft = read(json).unwrap();
        let meta: Vec<(&str, &str)> = draft
            .meta
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            meta,
            [
                ("age", "47"),
                ("paid", "true"),
                ("rating", "7.5"),
                ("respondent", "Игорь, прораб")
            ]
        );
        let t = turns(&draft);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].speaker.as_deref(), Some("Интервьюер"));
        assert_eq!((t[0].start, t[0].end), (Some(0.0), Some(3.5)));
        assert_eq!(t[1].text, "Да снабжение, блин. Бетон вовремя не везут.");
        assert_eq!((t[1].start, t[1].end), (None, None));
    }

    #[test]
    fn whisper_segments_without_speakers() {
        let json = r#"{"text": " Ну, в целом нормально. Но долго.", "language": "ru",
          "segments": [
            {"id": 0, "seek": 0, "start": 0.0, "end": 2.4, "text": " Ну, в целом нормально.", "tokens": [1, 2]},
            {"id": 1, "seek": 0, "start": 2.4, "end": 3.1, "text": " Но долго."}
          ]}"#;
        let draft = read(json).unwrap();
        assert_eq!(draft.meta.get("language").map(String::as_str), Some("ru"));
        let t = turns(&draft);
        assert_eq!(
            t[0],
            RawTurn {
                speaker: None,
                text: "Ну, в целом нормально.".into(),
                start: Some(0.0),
                end: Some(2.4),
                new_turn: false,
            }
        );
        assert_eq!(t[1].text, "Но долго.");
    }

    #[test]
    fn whisperx_segments_with_speakers() {
        let json = r#"{"segments": [
            {"start": 1.0, "end": 2.0, "text": " Как вам доставка?", "speaker": "SPEAKER_00"},
            {"start": 2.5, "end": 6.0, "text": " Ой, ну курьеры опаздывают постоянно.", "speaker": "SPEAKER_01",
             "words": [{"word": "Ой", "start": 2.5}]},
            {"start": 6.0, "end": 7.0, "text": " Угу."}
          ]}"#;
        let draft = read(json).unwrap();
        let t = turns(&draft);
        let speakers: Vec<_> = t.iter().map(|t| t.speaker.as_deref()).collect();
        // The unassigned «Угу.» continues the speaker before it: no placeholder speaker.
        assert_eq!(
            speakers,
            [Some("SPEAKER_00"), Some("SPEAKER_01"), Some("SPEAKER_01")]
        );
        assert_eq!(t[1].text, "Ой, ну курьеры опаздывают постоянно.");
        assert_eq!((t[1].start, t[1].end), (Some(2.5), Some(6.0)));
    }

    #[test]
    fn bare_array_of_turns_with_clock_times() {
        let json = r#"[{"speaker": "И", "text": "Сколько лет в профессии?", "start": "00:00:05"},
                       {"speaker": "Р", "text": "Лет двадцать, наверное.", "start": "00:01:02.5"}]"#;
        let draft = read(json).unwrap();
        let t = turns(&draft);
        assert_eq!(t[1].speaker.as_deref(), Some("Р"));
        assert_eq!((t[0].start, t[1].start), (Some(5.0), Some(62.5)));
        assert!(draft.meta.is_empty());
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let json = "{\n  \"turns\": [\n    {\"speaker\": \"Р\" \"text\": \"да\"}\n  ]\n}";
        let err = read(json).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid JSON at line 3, column 21: expected `,` or `}`"),
            "{err}"
        );
    }

    #[test]
    fn schema_errors_name_the_field() {
        let json = r#"{"turns": [{"speaker": "Р", "text": "да"}, {"speaker": "И", "txt": "нет"}]}"#;
        assert_eq!(
            read(json).unwrap_err().to_string(),
            "turn 2 has no \"text\" field"
        );
        let json = r#"{"segments": [{"start": "скоро", "end": 1, "text": "ага"}]}"#;
        assert_eq!(
            read(json).unwrap_err().to_string(),
            "segment 1: \"start\" must be a number of seconds, found a string"
        );
        let err = read(r#"{"utterances": []}"#).unwrap_err().to_string();
        assert!(
            err.starts_with("expected an object with \"turns\" or \"segments\""),
            "{err}"
        );
        assert_eq!(
            read(r#"{"meta": {"city": "Казань"}, "turns": []}"#)
                .unwrap_err()
                .to_string(),
            "no turns found; the \"turns\" array is empty"
        );
        let err = read(r#"{"meta": {"tags": ["a"]}, "turns": [{"text": "да"}]}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "meta field \"tags\" must be a string, number or boolean, found an array"
        );
        let err = read(r#"["да"]"#).unwrap_err().to_string();
        assert!(
            err.starts_with("turn 1 is a string; expected an object"),
            "{err}"
        );
        let err = read("42").unwrap_err().to_string();
        assert!(err.ends_with("found a number"), "{err}");
    }

    #[test]
    fn elevenlabs_scribe_words_group_by_speaker() {
        let json = r#"{"language_code": "rus", "language_probability": 0.98, "text": "Как сроки? Нормально.",
          "words": [
            {"text": "Как", "start": 0.1, "end": 0.3, "type": "word", "speaker_id": "speaker_0"},
            {"text": " ", "start": 0.3, "end": 0.35, "type": "spacing", "speaker_id": "speaker_0"},
            {"text": "сроки?", "start": 0.35, "end": 0.9, "type": "word", "speaker_id": "speaker_0"},
            {"text": " ", "start": 0.9, "end": 1.2, "type": "spacing"},
            {"text": "Нормально.", "start": 1.2, "end": 1.8, "type": "word", "speaker_id": "speaker_1"},
            {"text": " ", "start": 1.8, "end": 1.9, "type": "spacing", "speaker_id": "speaker_1"},
            {"text": "(смеётся)", "start": 1.9, "end": 2.5, "type": "audio_event", "speaker_id": "speaker_1"}
          ]}"#;
        let draft = read(json).unwrap();
        let t = turns(&draft);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].speaker.as_deref(), t[0].text.as_str()),
            (Some("speaker_0"), "Как сроки?")
        );
        assert_eq!(
            (t[1].speaker.as_deref(), t[1].text.as_str()),
            (Some("speaker_1"), "Нормально. (смеётся)")
        );
        assert_eq!((t[1].start, t[1].end), (Some(1.2), Some(2.5)));
        assert_eq!(draft.meta.get("language").map(String::as_str), Some("rus"));
    }
}
