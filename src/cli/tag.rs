//! `citata tag`: codings of every sentence, streamed in input order.

use std::io::Write;

use serde::Serialize;

use super::{TagArgs, TagFormat};
use crate::ingest::{IngestConfig, Source};
use crate::model::{CharIndex, Transcript};
use crate::tag::{Coding, Tagger};

/// The columns of `--format csv`.
const CSV_HEADER: [&str; 16] = [
    "doc",
    "turn",
    "sentence",
    "start",
    "end",
    "speaker",
    "role",
    "param",
    "level",
    "source",
    "polarity",
    "polarity_score",
    "wish",
    "comparison",
    "terms",
    "text",
];

/// Runs `citata tag`; returns true when every file was read.
///
/// # Errors
/// When the codebook is invalid, a path does not exist, or output cannot be written.
pub fn run(args: &TagArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let Some((tagger, sources)) =
        super::tagger_and_sources(args.codebook.as_deref(), &args.paths, err)?
    else {
        return Ok(false);
    };
    let config = IngestConfig {
        max_file_bytes: args.max_file_mb.saturating_mul(1 << 20),
        interviewers: args.interviewer.clone(),
        ..IngestConfig::default()
    };
    let threads = super::threads(args.workers.jobs);
    let bar = super::progress(sources.len(), args.quiet);
    if args.format == TagFormat::Csv {
        let mut w = super::csv_writer(&mut *out);
        w.write_record(CSV_HEADER)?;
        w.flush()?;
    }
    let mut stats = Stats::default();
    let mut ok = true;
    let pipeline = crate::study::Pipeline {
        ingest: config,
        ..crate::study::Pipeline::new(&tagger, crate::study::Needs::default())
    };
    // Formatted on the worker; the writer only copies bytes.
    let format = |s: &Source, a: crate::study::Analysis| -> crate::Result<(Stats, Vec<u8>)> {
        let (t, codings) = (&a.transcript, &a.codings);
        let mut buf = Vec::new();
        write_codings(&tagger, t, codings, args.format, &mut buf).map_err(|e| {
            crate::Error::BadInput {
                path: s.path.clone(),
                reason: format!("formatting the codings: {e}"),
            }
        })?;
        let mut file_stats = Stats::default();
        file_stats.add(t, codings);
        Ok((file_stats, buf))
    };
    let mut write = |r: crate::Result<crate::Result<(Stats, Vec<u8>)>>| -> anyhow::Result<()> {
        bar.inc(1);
        match r.and_then(|r| r) {
            Ok((file_stats, buf)) => {
                stats.merge(&file_stats);
                out.write_all(&buf)?;
            }
            Err(e) => {
                ok = false;
                stats.failed += 1;
                bar.suspend(|| writeln!(err, "error: {e}"))?;
            }
        }
        Ok(())
    };
    pipeline.run(&sources, threads, format, &mut write)?;
    bar.finish_and_clear();
    if !args.quiet {
        write_per_param(&tagger, &stats, err)?;
        writeln!(
            err,
            "{} transcript(s), {} sentences: {} keyword and {} context codings, {} wishes, {} comparisons; {} failed",
            stats.files,
            stats.sentences,
            stats.keyword,
            stats.context,
            stats.wishes,
            stats.comparisons,
            stats.failed
        )?;
    }
    Ok(ok)
}

/// Respondent codings per parameter, by level, for a quick look at what the corpus talks
/// about (stderr, before the summary line).
fn write_per_param(tagger: &Tagger, stats: &Stats, err: &mut dyn Write) -> std::io::Result<()> {
    let cb = tagger.matcher().codebook();
    writeln!(
        err,
        "{:<56} {:>8} {:>8} {:>8} {:>8}",
        "respondent sentences per parameter", "keyword", "context", "positive", "negative"
    )?;
    for (li, level) in cb
        .levels
        .iter()
        .enumerate()
        .take_while(|(_, l)| !l.id.starts_with('_'))
    {
        writeln!(err, "{}", level.name)?;
        for (pi, p) in cb
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.level == li)
        {
            let v = stats.per_param.get(&pi).copied().unwrap_or_default();
            let name: String = format!("  {} ({})", p.name, p.id)
                .chars()
                .take(56)
                .collect();
            writeln!(
                err,
                "{name:<56} {:>8} {:>8} {:>8} {:>8}",
                v[0], v[1], v[2], v[3]
            )?;
        }
    }
    Ok(())
}

#[derive(Default)]
struct Stats {
    files: usize,
    sentences: usize,
    keyword: usize,
    context: usize,
    wishes: usize,
    comparisons: usize,
    failed: usize,
    /// Per parameter, respondent sentences: [keyword, context, positive, negative].
    per_param: std::collections::BTreeMap<usize, [usize; 4]>,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.files += o.files;
        self.sentences += o.sentences;
        self.keyword += o.keyword;
        self.context += o.context;
        self.wishes += o.wishes;
        self.comparisons += o.comparisons;
        self.failed += o.failed;
        for (p, v) in &o.per_param {
            let mine = self.per_param.entry(*p).or_default();
            for k in 0..4 {
                mine[k] += v[k];
            }
        }
    }

    fn add(&mut self, t: &Transcript, codings: &[Coding]) {
        self.files += 1;
        self.sentences += t.sentences.len();
        let mut last = usize::MAX;
        for c in codings {
            match c.source {
                crate::tag::Source::Keyword => self.keyword += 1,
                crate::tag::Source::Context => self.context += 1,
                crate::tag::Source::None => {}
            }
            if let Some(p) = c.param
                && t.turn_speaker(&t.turns[c.turn]).role == crate::model::Role::Respondent
            {
                let v = self.per_param.entry(p).or_default();
                v[usize::from(c.source == crate::tag::Source::Context)] += 1;
                match c.polarity {
                    crate::tag::polarity::Polarity::Positive => v[2] += 1,
                    crate::tag::polarity::Polarity::Negative => v[3] += 1,
                    _ => {}
                }
            }
            if c.sentence != last {
                self.wishes += usize::from(c.wish);
                self.comparisons += usize::from(c.comparison);
                last = c.sentence;
            }
        }
    }
}

/// One line of `citata tag --format ndjson`. Offsets are code points into the canonical text
/// (`citata ingest --format ndjson` prints it).
#[derive(Serialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct WireCoding<'a> {
    r#type: &'static str,
    doc: &'a str,
    turn: usize,
    sentence: usize,
    speaker: &'a str,
    role: &'static str,
    start: usize,
    end: usize,
    text: &'a str,
    param: Option<&'a str>,
    level: Option<&'a str>,
    source: &'static str,
    terms: Vec<WireTerm<'a>>,
    polarity: &'static str,
    polarity_score: f32,
    wish: bool,
    comparison: bool,
}

impl WireCoding<'_> {
    /// The JSON line, written by hand: the same fields, order and values as serde_json
    /// would give (a test pins them), at a fraction of the cost on large corpora.
    fn write_json(&self, o: &mut Vec<u8>) {
        fn s(o: &mut Vec<u8>, key: &str, v: &str) {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(key.as_bytes());
            o.extend_from_slice(b"\":");
            json_str(o, v);
        }
        fn n(o: &mut Vec<u8>, key: &str, v: impl std::fmt::Display) {
            let _ = write!(o, ",\"{key}\":{v}");
        }
        fn u(o: &mut Vec<u8>, key: &str, v: usize) {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(key.as_bytes());
            o.extend_from_slice(b"\":");
            let mut digits = [0u8; 20];
            let mut i = digits.len();
            let mut v = v;
            loop {
                i -= 1;
                digits[i] = b'0' + (v % 10) as u8;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            o.extend_from_slice(&digits[i..]);
        }
        o.extend_from_slice(b"{\"type\":");
        json_str(o, self.r#type);
        s(o, "doc", self.doc);
        u(o, "turn", self.turn);
        u(o, "sentence", self.sentence);
        s(o, "speaker", self.speaker);
        s(o, "role", self.role);
        u(o, "start", self.start);
        u(o, "end", self.end);
        s(o, "text", self.text);
        match self.param {
            Some(p) => s(o, "param", p),
            None => o.extend_from_slice(b",\"param\":null"),
        }
        match self.level {
            Some(l) => s(o, "level", l),
            None => o.extend_from_slice(b",\"level\":null"),
        }
        s(o, "source", self.source);
        o.extend_from_slice(b",\"terms\":[");
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"entry\":");
            json_str(o, t.entry);
            u(o, "start", t.start);
            u(o, "end", t.end);
            s(o, "text", t.text);
            o.push(b'}');
        }
        o.push(b']');
        s(o, "polarity", self.polarity);
        // `{:?}` prints f32 as serde_json does: shortest form, with ".0" for whole numbers.
        n(
            o,
            "polarity_score",
            format_args!("{:?}", self.polarity_score),
        );
        n(o, "wish", self.wish);
        n(o, "comparison", self.comparison);
        o.extend_from_slice(b"}\n");
    }
}

/// A JSON string literal: runs of plain bytes copied, `"`, `\\` and control characters escaped.
fn json_str(o: &mut Vec<u8>, v: &str) {
    o.push(b'"');
    let b = v.as_bytes();
    // Most text needs no escaping: one scan, one copy.
    if !b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\') {
        o.extend_from_slice(b);
        o.push(b'"');
        return;
    }
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                o.extend_from_slice(&b[from..i]);
                let _ = write!(o, "\\u{c:04x}");
                from = i + 1;
                continue;
            }
            _ => continue,
        };
        o.extend_from_slice(&b[from..i]);
        o.extend_from_slice(esc);
        from = i + 1;
    }
    o.extend_from_slice(&b[from..]);
    o.push(b'"');
}

#[derive(Serialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct WireTerm<'a> {
    entry: &'a str,
    start: usize,
    end: usize,
    text: &'a str,
}

fn write_codings(
    tagger: &Tagger,
    t: &Transcript,
    codings: &[Coding],
    format: TagFormat,
    out: &mut Vec<u8>,
) -> anyhow::Result<()> {
    if codings.is_empty() {
        return Ok(());
    }
    let cb = tagger.matcher().codebook();
    let ix = CharIndex::new(&t.text);
    let mut csv = (format == TagFormat::Csv).then(|| super::csv_writer(Vec::new()));
    for c in codings {
        let speaker = t.turn_speaker(&t.turns[c.turn]);
        let param = c.param.map(|p| &cb.parameters[p]);
        let wire = WireCoding {
            r#type: "coding",
            doc: &t.doc,
            turn: c.turn,
            sentence: c.sentence,
            speaker: &speaker.label,
            role: speaker.role.as_str(),
            start: ix.char_offset(c.span.start),
            end: ix.char_offset(c.span.end),
            text: t.slice(c.span),
            param: param.map(|p| p.id.as_str()),
            level: param.map(|p| cb.levels[p.level].id.as_str()),
            source: c.source.as_str(),
            terms: c
                .terms
                .iter()
                .map(|h| WireTerm {
                    entry: param.map_or("", |p| p.terms[h.entry].raw.as_str()),
                    start: ix.char_offset(h.span.start),
                    end: ix.char_offset(h.span.end),
                    text: t.slice(h.span),
                })
                .collect(),
            polarity: c.polarity.as_str(),
            polarity_score: (c.polarity_score * 1000.0).round() / 1000.0,
            wish: c.wish,
            comparison: c.comparison,
        };
        match format {
            TagFormat::Ndjson => wire.write_json(out),
            TagFormat::Table => {
                let mut flags = String::new();
                if wire.wish {
                    flags.push_str(" [пожелание]");
                }
                if wire.comparison {
                    flags.push_str(" [сравнение]");
                }
                let text: String = wire.text.chars().take(110).collect();
                let more = if wire.text.chars().count() > 110 {
                    "…"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{}:{}\t{}\t{}\t{}{}\t{}{}",
                    wire.doc,
                    wire.turn,
                    wire.param.unwrap_or("-"),
                    wire.source,
                    wire.polarity,
                    flags,
                    text.replace('\n', " "),
                    more
                )?;
            }
            TagFormat::Csv => {
                let terms: Vec<&str> = wire.terms.iter().map(|h| h.text).collect();
                let fields = [
                    wire.doc.to_string(),
                    wire.turn.to_string(),
                    wire.sentence.to_string(),
                    wire.start.to_string(),
                    wire.end.to_string(),
                    wire.speaker.to_string(),
                    wire.role.to_string(),
                    wire.param.unwrap_or("").to_string(),
                    wire.level.unwrap_or("").to_string(),
                    wire.source.to_string(),
                    wire.polarity.to_string(),
                    wire.polarity_score.to_string(),
                    wire.wish.to_string(),
                    wire.comparison.to_string(),
                    terms.join("; "),
                    wire.text.to_string(),
                ];
                if let Some(w) = csv.as_mut() {
                    w.write_record(&fields)?;
                }
            }
        }
    }
    if let Some(w) = csv {
        out.extend(w.into_inner().map_err(|e| e.into_error())?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_json_is_what_serde_json_writes() {
        let wire = WireCoding {
            r#type: "coding",
            doc: "dir/ф\"айл.txt",
            turn: 3,
            sentence: 17,
            speaker: "Ирина Львовна",
            role: "respondent",
            start: 120,
            end: 180,
            text: "Цены «кусаются»,\tочень!\n\\ \u{1} ё",
            param: Some("pricing"),
            level: None,
            source: "keyword",
            terms: vec![
                WireTerm {
                    entry: "цена",
                    start: 120,
                    end: 124,
                    text: "Цены",
                },
                WireTerm {
                    entry: "=\"x\"",
                    start: 1,
                    end: 2,
                    text: "x",
                },
            ],
            polarity: "negative",
            polarity_score: -0.527,
            wish: false,
            comparison: true,
        };
        let mut hand = Vec::new();
        wire.write_json(&mut hand);
        let mut serde = serde_json::to_vec(&wire).unwrap();
        serde.push(b'\n');
        assert_eq!(
            String::from_utf8(hand).unwrap(),
            String::from_utf8(serde).unwrap()
        );
        for score in [0.0f32, 1.0, -1.0, 0.333, 0.1] {
            let w = WireCoding {
                polarity_score: score,
                terms: Vec::new(),
                ..wire_clone(&wire)
            };
            let mut hand = Vec::new();
            w.write_json(&mut hand);
            let mut serde = serde_json::to_vec(&w).unwrap();
            serde.push(b'\n');
            assert_eq!(hand, serde, "score {score}");
        }
    }

    fn wire_clone<'a>(w: &WireCoding<'a>) -> WireCoding<'a> {
        WireCoding {
            r#type: w.r#type,
            doc: w.doc,
            turn: w.turn,
            sentence: w.sentence,
            speaker: w.speaker,
            role: w.role,
            start: w.start,
            end: w.end,
            text: w.text,
            param: w.param,
            level: w.level,
            source: w.source,
            terms: Vec::new(),
            polarity: w.polarity,
            polarity_score: w.polarity_score,
            wish: w.wish,
            comparison: w.comparison,
        }
    }
}
