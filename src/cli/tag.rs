//! `citata tag`: codings of every sentence, streamed in input order.

use std::io::Write;

use super::{TagArgs, TagFormat};
use crate::ingest::{IngestConfig, Source};
use crate::model::Transcript;
use crate::tag::{Coding, Tagger};

/// The columns of `--format csv`.
const CSV_HEADER: [&str; 18] = [
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
    "decision",
    "coder",
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
    let mut decisions = crate::decisions::Decisions::load_folders(&args.paths)?;
    decisions.keep_rejected = args.show_rejected;
    let pipeline = crate::study::Pipeline {
        ingest: config,
        decisions: decisions.to_apply(),
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
        file_stats.notes = t
            .warnings
            .iter()
            .filter(|w| w.starts_with(crate::decisions::DECISIONS_FILE))
            .map(|w| format!("warning: {}: {w}", t.doc))
            .collect();
        Ok((file_stats, buf))
    };
    let mut write = |r: crate::Result<crate::Result<(Stats, Vec<u8>)>>| -> anyhow::Result<()> {
        bar.inc(1);
        match r.and_then(|r| r) {
            Ok((file_stats, buf)) => {
                for n in &file_stats.notes {
                    bar.suspend(|| writeln!(err, "{n}"))?;
                }
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
    /// A file's warnings about decisions that no longer fit (printed, not merged).
    notes: Vec<String>,
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
                crate::tag::Source::None | crate::tag::Source::Human => {}
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
    if format == TagFormat::Ndjson {
        crate::tag::wire::write_ndjson(tagger, t, codings, out);
        return Ok(());
    }
    let mut csv = (format == TagFormat::Csv).then(|| super::csv_writer(Vec::new()));
    for wire in crate::tag::wire::wire_codings(tagger, t, codings) {
        match format {
            TagFormat::Ndjson => unreachable!("written above"),
            TagFormat::Table => {
                let mut flags = String::new();
                if wire.wish {
                    flags.push_str(" [пожелание]");
                }
                if wire.comparison {
                    flags.push_str(" [сравнение]");
                }
                if let (Some(d), Some(c)) = (wire.decision, wire.coder) {
                    let what = match d {
                        "accept" => "принято",
                        "reject" => "отклонено",
                        _ => "добавлено",
                    };
                    flags.push_str(&format!(" [{what}: {c}]"));
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
                    wire.decision.unwrap_or("").to_string(),
                    wire.coder.unwrap_or("").to_string(),
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
