//! Yandex SpeechKit recognition results, the most common Russian ASR service.
//!
//! - v2 (`longRunningRecognize`): `{"response": {"chunks": [{"alternatives": [{"text",
//!   "words": [{"startTime": "0.88s", "endTime": "1.16s", "word"}]}], "channelTag": "1"}]}}`,
//!   or the `response` object alone;
//! - v3 (`getRecognition`): a stream of `{"result": {"channelTag": "0", "final":
//!   {"alternatives": [{"text", "startTimeMs", "endTimeMs", "words": [...]}]}}}` objects,
//!   saved one per line or as an array, where `finalRefinement.normalizedText` repeats each
//!   utterance with punctuation (preferred when present) and `partial` results are
//!   drafts (left out); also the simpler `{"result": {"alternatives": [...], "channelTag"}}`.
//!
//! Each channel is a speaker (`Канал 1`); a one-channel recording cannot tell speakers apart
//! and is one speaker, with a warning. Where the text has no sentence punctuation, word
//! timings give the pauses (0.7 s or longer) at which it is cut into sentences.

use serde_json::{Map, Value};

use crate::ingest::{Body, Draft, RawTurn};

/// A pause at least this long (seconds) ends a sentence in unpunctuated speech.
const PAUSE: f64 = 0.7;

/// One recognized utterance.
struct Utterance {
    channel: String,
    text: String,
    start: Option<f64>,
    end: Option<f64>,
    /// Words with their start and end times, when the result has them.
    words: Vec<(String, f64, f64)>,
}

/// The draft of a SpeechKit result, or `None` when `value` is not one.
pub(super) fn read(value: &Value) -> Option<Result<Draft, String>> {
    let utterances = if let Some(chunks) = v2_chunks(value) {
        chunks.iter().filter_map(v2_utterance).collect::<Vec<_>>()
    } else {
        v3(value)?
    };
    Some(draft(utterances))
}

/// The `chunks` of a v2 response (the whole operation or its `response`).
fn v2_chunks(value: &Value) -> Option<&Vec<Value>> {
    let obj = value.as_object()?;
    let response = obj
        .get("response")
        .and_then(Value::as_object)
        .unwrap_or(obj);
    let chunks = response.get("chunks")?.as_array()?;
    chunks
        .iter()
        .all(|c| c.get("alternatives").is_some())
        .then_some(chunks)
}

fn v2_utterance(chunk: &Value) -> Option<Utterance> {
    let alt = chunk.get("alternatives")?.as_array()?.first()?;
    let words = words(alt, &["startTime"], &["endTime"]);
    Some(Utterance {
        channel: tag(chunk.get("channelTag")).unwrap_or_else(|| "1".into()),
        text: alt.get("text")?.as_str()?.trim().to_string(),
        start: words.first().map(|w| w.1),
        end: words.last().map(|w| w.2),
        words,
    })
}

/// The v3 utterances of a stream of results, or `None` when `value` is not one.
fn v3(value: &Value) -> Option<Vec<Utterance>> {
    let items: Vec<&Map<String, Value>> = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(obj) => vec![obj],
        _ => return None,
    };
    let results: Vec<&Map<String, Value>> = items
        .iter()
        .filter_map(|o| o.get("result").and_then(Value::as_object))
        .collect();
    if results.is_empty() || results.len() * 2 < items.len() {
        return None;
    }
    let refined = results.iter().any(|r| r.get("finalRefinement").is_some());
    let mut out = Vec::new();
    for r in results {
        let (alts, inner) = if refined {
            let Some(f) = r.get("finalRefinement") else {
                continue;
            };
            (
                f.get("normalizedText")
                    .and_then(|n| n.get("alternatives"))
                    .or_else(|| f.get("alternatives")),
                Some(f),
            )
        } else if let Some(f) = r.get("final") {
            (f.get("alternatives"), Some(f))
        } else if r.get("partial").is_some() || r.get("eouUpdate").is_some() {
            continue;
        } else {
            (r.get("alternatives"), None)
        };
        let Some(alt) = alts.and_then(Value::as_array).and_then(|a| a.first()) else {
            continue;
        };
        let Some(text) = alt.get("text").and_then(Value::as_str) else {
            continue;
        };
        let channel = tag(r.get("channelTag"))
            .or_else(|| tag(inner.and_then(|i| i.get("channelTag"))))
            .unwrap_or_else(|| "0".into());
        let words = words(
            alt,
            &["startTimeMs", "startTime"],
            &["endTimeMs", "endTime"],
        );
        out.push(Utterance {
            channel,
            text: text.trim().to_string(),
            start: time(alt, &["startTimeMs", "startTime"]).or(words.first().map(|w| w.1)),
            end: time(alt, &["endTimeMs", "endTime"]).or(words.last().map(|w| w.2)),
            words,
        });
    }
    Some(out)
}

/// A channel tag (a string or a number).
fn tag(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A time in seconds from the first of `keys` present: `"4.759s"`, `"1230"` milliseconds
/// (keys ending in `Ms`), or a number.
fn time(obj: &Value, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| {
        let v = obj.get(*k)?;
        let n = match v {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.trim().trim_end_matches('s').parse().ok()?,
            _ => return None,
        };
        let secs = if k.ends_with("Ms") { n / 1000.0 } else { n };
        (secs.is_finite() && secs >= 0.0).then_some(secs)
    })
}

fn words(alt: &Value, start: &[&str], end: &[&str]) -> Vec<(String, f64, f64)> {
    let Some(words) = alt.get("words").and_then(Value::as_array) else {
        return Vec::new();
    };
    words
        .iter()
        .filter_map(|w| {
            let text = w.get("word").or_else(|| w.get("text"))?.as_str()?;
            let s = time(w, start)?;
            Some((text.to_string(), s, time(w, end).unwrap_or(s)))
        })
        .collect()
}

/// The utterance's text; unpunctuated speech is cut at pauses (a line break each).
fn text_with_pauses(u: &Utterance, cut: &mut usize) -> String {
    let punctuated = u.text.contains(['.', '!', '?', '…']);
    if punctuated || u.words.len() < 2 {
        return u.text.clone();
    }
    let mut out = String::with_capacity(u.text.len() + 8);
    for (i, (w, s, _)) in u.words.iter().enumerate() {
        if i > 0 {
            let gap = s - u.words[i - 1].2;
            if gap >= PAUSE {
                out.push('\n');
                *cut += 1;
            } else {
                out.push(' ');
            }
        }
        out.push_str(w.trim());
    }
    out
}

fn draft(mut utterances: Vec<Utterance>) -> Result<Draft, String> {
    utterances.retain(|u| !u.text.is_empty());
    if utterances.is_empty() {
        return Err(
            "SpeechKit result without recognized text: every alternative is empty; check that \
             the recognition finished (\"done\": true)"
                .into(),
        );
    }
    // Channels are recognized one after the other: put the utterances in time order.
    utterances.sort_by(|a, b| match (a.start, b.start) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => std::cmp::Ordering::Equal,
    });
    let mut channels: Vec<&str> = utterances.iter().map(|u| u.channel.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    let several = channels.len() > 1;
    let mut warnings = Vec::new();
    if !several {
        warnings.push(
            "SpeechKit result with one audio channel: speakers cannot be told apart, so the \
             text is taken as one speaker's (role respondent, no interviewer); record each \
             speaker on a channel of their own to separate them"
                .to_string(),
        );
    }
    let mut pauses = 0;
    let mut turns: Vec<RawTurn> = Vec::with_capacity(utterances.len());
    let mut last_channel: Option<&str> = None;
    for u in &utterances {
        let text = text_with_pauses(u, &mut pauses);
        match turns.last_mut() {
            // One channel's consecutive utterances are one turn; a pause between them ends
            // a sentence in unpunctuated speech, as one inside an utterance does.
            Some(t) if last_channel == Some(u.channel.as_str()) => {
                let gap = match (t.end, u.start) {
                    (Some(e), Some(s)) => s - e,
                    _ => 0.0,
                };
                let unpunctuated = !t.text.ends_with(['.', '!', '?', '…']);
                if gap >= PAUSE && unpunctuated {
                    t.text.push('\n');
                    pauses += 1;
                } else {
                    t.text.push(' ');
                }
                t.text.push_str(&text);
                t.end = u.end.or(t.end);
            }
            _ => turns.push(RawTurn {
                speaker: several.then(|| format!("Канал {}", u.channel)),
                text,
                start: u.start,
                end: u.end,
                new_turn: false,
            }),
        }
        last_channel = Some(u.channel.as_str());
    }
    if pauses > 0 {
        warnings.push(format!(
            "the recognized text has no punctuation: sentence boundaries are inferred at {pauses} \
             pause(s) of {PAUSE} s or longer"
        ));
    }
    let mut draft = Draft {
        body: Body::Turns(turns),
        warnings,
        ..Draft::default()
    };
    draft.meta.insert("asr".into(), "Yandex SpeechKit".into());
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use crate::ingest::{Body, RawTurn, json};

    fn turns(d: &crate::ingest::Draft) -> &[RawTurn] {
        match &d.body {
            Body::Turns(t) => t,
            Body::Labeled(_) => panic!("turns expected"),
        }
    }

    #[test]
    fn v2_channels_are_speakers_in_time_order_and_pauses_cut_sentences() {
        let j = r#"{"done": true, "id": "e03sup6d5h7r", "response": {
          "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
          "chunks": [
            {"alternatives": [{"text": "как вы оцениваете сроки", "confidence": 1,
              "words": [{"startTime": "0.879999999s", "endTime": "1.159999992s", "word": "как", "confidence": 1},
                        {"startTime": "1.2s", "endTime": "1.3s", "word": "вы", "confidence": 1},
                        {"startTime": "1.3s", "endTime": "1.9s", "word": "оцениваете", "confidence": 1},
                        {"startTime": "1.9s", "endTime": "2.4s", "word": "сроки", "confidence": 1}]}],
             "channelTag": "1"},
            {"alternatives": [{"text": "ну нормально в целом восемь", "confidence": 1,
              "words": [{"startTime": "4.759s", "endTime": "5.0s", "word": "ну"},
                        {"startTime": "5.1s", "endTime": "5.6s", "word": "нормально"},
                        {"startTime": "6.9s", "endTime": "7.1s", "word": "в"},
                        {"startTime": "7.1s", "endTime": "7.5s", "word": "целом"},
                        {"startTime": "7.6s", "endTime": "8.0s", "word": "восемь"}]}],
             "channelTag": "2"},
            {"alternatives": [{"text": "спасибо", "words": [{"startTime": "8.5s", "endTime": "9s", "word": "спасибо"}]}],
             "channelTag": "1"}
          ]}}"#;
        let d = json::read(j).unwrap();
        let t = turns(&d);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].speaker.as_deref(), Some("Канал 1"));
        assert_eq!(t[1].speaker.as_deref(), Some("Канал 2"));
        assert_eq!(t[1].text, "ну нормально\nв целом восемь");
        assert_eq!(t[1].start, Some(4.759));
        assert_eq!(t[1].end, Some(8.0));
        assert!(
            d.warnings[0].contains("sentence boundaries are inferred at 1 pause"),
            "{:?}",
            d.warnings
        );
        // Assembled: the interviewer asks, the respondent answers.
        let tr = crate::ingest::assemble("a.json", crate::model::Format::Json, d);
        assert_eq!(tr.speakers[0].role, crate::model::Role::Interviewer);
        assert_eq!(tr.speakers[1].role, crate::model::Role::Respondent);
        let answer = &tr.text[tr.turns[1].span.range()];
        assert_eq!(answer, "ну нормально\nв целом восемь");
        assert_eq!(
            tr.sentences.iter().filter(|s| s.turn == 1).count(),
            2,
            "{:?}",
            tr.sentences
        );
    }

    #[test]
    fn v3_stream_prefers_refined_text_and_skips_partials() {
        let j = concat!(
            r#"{"result": {"channelTag": "0", "partial": {"alternatives": [{"text": "добрый"}]}}}"#,
            "\n",
            r#"{"result": {"channelTag": "0", "final": {"alternatives": [{"text": "добрый день расскажите о себе", "startTimeMs": "120", "endTimeMs": "2300"}], "channelTag": "0"}}}"#,
            "\n",
            r#"{"result": {"channelTag": "0", "finalRefinement": {"finalIndex": "0", "normalizedText": {"alternatives": [{"text": "Добрый день! Расскажите о себе.", "startTimeMs": "120", "endTimeMs": "2300"}]}}}}"#,
            "\n",
            r#"{"result": {"channelTag": "1", "final": {"alternatives": [{"text": "я главный механик", "startTimeMs": "2800", "endTimeMs": "4000"}]}}}"#,
            "\n",
            r#"{"result": {"channelTag": "1", "finalRefinement": {"normalizedText": {"alternatives": [{"text": "Я главный механик.", "startTimeMs": "2800", "endTimeMs": "4000"}]}}}}"#,
            "\n"
        );
        let d = json::read(j).unwrap();
        let t = turns(&d);
        let got: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.speaker.as_deref().unwrap(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Канал 0", "Добрый день! Расскажите о себе."),
                ("Канал 1", "Я главный механик.")
            ]
        );
        assert_eq!(t[1].start, Some(2.8));
        // The simple shape, one channel: one speaker and a warning.
        let j = r#"{"result": {"alternatives": [{"text": "ну вот так", "startTimeMs": 0, "endTimeMs": 900}], "channelTag": "0"}}"#;
        let d = json::read(j).unwrap();
        assert_eq!(turns(&d)[0].speaker, None);
        assert!(d.warnings[0].contains("one audio channel"));
    }
}
