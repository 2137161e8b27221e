//! `citata quotes`: the top quotes per parameter, as a draft report section, NDJSON or a table.

use std::io::Write;

use anyhow::Context;

use super::{PolarityArg, QuotesArgs, QuotesFormat};
use crate::codebook::Codebook;
use crate::quotes::wire;
use crate::quotes::{PolarityFilter, Quote, QuoteConfig};
use crate::tag::Tagger;
use crate::text::Analyzer;

pub use crate::report::FEATURE_NAMES_RU;

/// Runs `citata quotes`; returns true when every file was read.
///
/// # Errors
/// When the codebook or the weights file is invalid, a parameter id is unknown, a path does
/// not exist, or output cannot be written.
pub fn run(args: &QuotesArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let mut analyzer = Analyzer::new();
    let codebook = Codebook::load(args.codebook.as_deref(), &mut analyzer)?;
    let mut config = match &args.weights {
        Some(path) => {
            let src = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<QuoteConfig>(&src)
                .with_context(|| format!("{}: invalid quote settings", path.display()))?
        }
        None => QuoteConfig::default(),
    };
    if let Some(k) = args.top {
        config.top = k;
    }
    config.mask &= !args.no_mask;
    let wanted = wire::parameters(&codebook, &args.params).map_err(anyhow::Error::msg)?;
    let tagger = Tagger::new(codebook, &mut analyzer);
    let Some(sources) = super::transcripts(&args.paths, err)? else {
        return Ok(false);
    };
    let threads = super::threads(args.workers.jobs);
    let mut pool = wire::Pool::new(wanted);
    let mut ok = true;
    let (mut files, mut failed) = (0usize, 0usize);
    let decisions = crate::decisions::Decisions::load_folders(&args.paths)?;
    let pipeline = crate::study::Pipeline {
        quotes: config.clone(),
        decisions: decisions.to_apply(),
        ..crate::study::Pipeline::new(
            &tagger,
            crate::study::Needs {
                quotes: true,
                ..Default::default()
            },
        )
    };
    // `--wave`, `--division`: the transcripts whose metadata holds them; the others are read
    // too (attributions number every transcript of the pass, as in the report).
    let wanted_meta: Vec<(&str, String)> = [("wave", &args.wave), ("division", &args.division)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, meta_value(v))))
        .collect();
    let mut seen: Vec<std::collections::BTreeSet<String>> = vec![Default::default(); 2];
    let mut matched = 0usize;
    let bar = super::progress(sources.len(), args.quiet);
    let mut collect = |r: crate::Result<(Vec<String>, Vec<Quote>)>| -> anyhow::Result<()> {
        bar.inc(1);
        match r {
            Ok((values, qs)) => {
                files += 1;
                let keep = wanted_meta
                    .iter()
                    .zip(&values)
                    .all(|((_, want), have)| meta_value(have) == *want);
                for (set, v) in seen.iter_mut().zip(values) {
                    if !v.trim().is_empty() {
                        set.insert(v.trim().to_string());
                    }
                }
                if keep {
                    matched += 1;
                    pool.add(qs);
                }
            }
            Err(e) => {
                ok = false;
                failed += 1;
                bar.suspend(|| writeln!(err, "error: {e}"))?;
            }
        }
        Ok(())
    };
    let keys: Vec<&str> = wanted_meta.iter().map(|(k, _)| *k).collect();
    let values = |a: &crate::study::Analysis| -> Vec<String> {
        keys.iter()
            .map(|k| a.transcript.meta.get(*k).cloned().unwrap_or_default())
            .collect()
    };
    pipeline.run(
        &sources,
        threads,
        |_, a| (values(&a), a.candidates),
        &mut collect,
    )?;
    bar.finish_and_clear();
    if !wanted_meta.is_empty() && matched == 0 && files > 0 {
        let asked: Vec<String> = wanted_meta
            .iter()
            .zip(&seen)
            .map(|((k, v), set)| {
                let have: Vec<&str> = set.iter().map(String::as_str).collect();
                format!(
                    "--{k} {v} (the transcripts' {k}s: {})",
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                )
            })
            .collect();
        anyhow::bail!("no transcript matches {}", asked.join(" and "));
    }
    let filter = match args.polarity {
        PolarityArg::Positive => PolarityFilter::Positive,
        PolarityArg::Negative => PolarityFilter::Negative,
        PolarityArg::Any => PolarityFilter::Any,
    };
    let cb = tagger.matcher().codebook();
    let chosen = pool.choose(&config, filter);
    match args.format {
        QuotesFormat::Ndjson => wire::write_ndjson(cb, &chosen, out)?,
        QuotesFormat::Table => {
            for (rank, q) in wire::ranked(&chosen) {
                writeln!(
                    out,
                    "{}\t{rank}\t{:.2}\t{}\t{}:{}\t{}",
                    cb.parameters[q.param].id, q.score, q.attribution, q.doc, q.turn, q.text
                )?;
            }
        }
        QuotesFormat::Md => write_md(cb, &chosen, out)?,
    }
    if !args.quiet {
        let files = if wanted_meta.is_empty() {
            files.to_string()
        } else {
            format!("{matched} of {files}")
        };
        writeln!(
            err,
            "{} quote(s) for {} parameter(s) from {files} transcript(s); {failed} failed",
            chosen.len(),
            {
                let mut ps: Vec<usize> = chosen.iter().map(|q| q.param).collect();
                ps.dedup();
                ps.len()
            }
        )?;
    }
    Ok(ok)
}

/// A metadata value as filters compare it: trimmed, lower case.
use crate::quotes::wire::meta_value;

fn write_md(cb: &Codebook, quotes: &[Quote], out: &mut dyn Write) -> std::io::Result<()> {
    // The marker by which citata never reads this back as a transcript (`> quotes.md`).
    out.write_all(crate::study::report::MARKDOWN_MARKER.as_bytes())?;
    writeln!(out, "# Цитаты по параметрам\n")?;
    writeln!(
        out,
        "_Кодбук: {}. У каждой цитаты — её оценка и из чего она сложилась._",
        cb.name
    )?;
    for (li, level) in cb.levels.iter().enumerate() {
        let in_level: Vec<&Quote> = quotes
            .iter()
            .filter(|q| cb.parameters[q.param].level == li)
            .collect();
        if in_level.is_empty() {
            continue;
        }
        writeln!(out, "\n## {}", level.name)?;
        let mut last = usize::MAX;
        let mut rank = 0;
        for q in in_level {
            if q.param != last {
                writeln!(out, "\n### {}\n", cb.parameters[q.param].name)?;
                last = q.param;
                rank = 0;
            }
            rank += 1;
            writeln!(out, "{rank}. «{}» — {}", q.text, q.attribution)?;
            let parts: Vec<String> = q
                .features
                .iter()
                .filter(|(_, v)| *v != 0.0)
                .map(|(n, v)| {
                    let ru = FEATURE_NAMES_RU
                        .iter()
                        .find(|(en, _)| en == n)
                        .map_or(*n, |(_, ru)| ru);
                    if *v < 0.0 {
                        format!("− {ru} {:.2}", -v)
                    } else {
                        format!("+ {ru} {v:.2}")
                    }
                })
                .collect();
            let parts = parts.join(" ");
            let parts = parts.strip_prefix("+ ").unwrap_or(&parts);
            writeln!(
                out,
                "   <sub>{:.2} = {parts}; {}, {}</sub>",
                q.score,
                polarity_ru(q.polarity),
                q.doc
            )?;
        }
    }
    Ok(())
}

fn polarity_ru(p: crate::tag::polarity::Polarity) -> &'static str {
    use crate::tag::polarity::Polarity::*;
    match p {
        Positive => "позитив",
        Negative => "негатив",
        Neutral => "нейтрально",
        Mixed => "смешанно",
    }
}
