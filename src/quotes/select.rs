//! Choosing a parameter's quotes from its candidates: the polarity filter, maximal marginal
//! relevance (word overlap, same division, same respondent) and the bounded pools.

use std::collections::BTreeSet;

use super::{PolarityFilter, Quote, QuoteConfig, mask};
use crate::model::Span;
use crate::tag::polarity::Polarity;

/// Candidates worth keeping per parameter while a corpus streams by: selection picks from
/// these, so memory does not grow with the corpus.
pub const KEEP_PER_PARAMETER: usize = 300;

/// Trims a parameter's growing candidate list to the best [`KEEP_PER_PARAMETER`] once it
/// holds twice as many (deterministic order: score, then document and position).
pub fn keep_best(list: &mut Vec<Quote>) {
    if list.len() > 2 * KEEP_PER_PARAMETER {
        list.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.doc.cmp(&b.doc))
                .then(a.span.cmp(&b.span))
        });
        list.truncate(KEEP_PER_PARAMETER);
    }
}

/// Whether a quote passes the polarity filter (mixed quotes pass both ways: criticism
/// framed by praise is what zones of development are made of).
pub fn passes(q: &Quote, filter: PolarityFilter) -> bool {
    match filter {
        PolarityFilter::Any => true,
        PolarityFilter::Positive => matches!(q.polarity, Polarity::Positive | Polarity::Mixed),
        PolarityFilter::Negative => matches!(q.polarity, Polarity::Negative | Polarity::Mixed),
    }
}

/// Chooses the top quotes of one parameter from its candidates (maximal marginal relevance,
/// see the module docs). Deterministic: ties go to the earlier document and position.
pub fn select(candidates: Vec<Quote>, config: &QuoteConfig, filter: PolarityFilter) -> Vec<Quote> {
    select_avoiding(candidates, config, filter, &[])
}

/// [`select`], skipping candidates that overlap quotes already chosen for other parameters
/// (`taken`: document and span), so one passage does not stand in several sections.
pub fn select_avoiding(
    mut candidates: Vec<Quote>,
    config: &QuoteConfig,
    filter: PolarityFilter,
    taken: &[(String, Span)],
) -> Vec<Quote> {
    candidates.retain(|q| {
        !taken
            .iter()
            .any(|(doc, s)| *doc == q.doc && s.start < q.span.end && q.span.start < s.end)
    });
    candidates.retain(|q| passes(q, filter));
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.doc.cmp(&b.doc))
            .then_with(|| a.span.cmp(&b.span))
    });
    let mut chosen: Vec<Quote> = Vec::new();
    while chosen.len() < config.top {
        let mut best: Option<(f32, usize)> = None;
        for (i, q) in candidates.iter().enumerate() {
            if chosen
                .iter()
                .any(|c| c.doc == q.doc && c.span.start < q.span.end && q.span.start < c.span.end)
            {
                continue;
            }
            let overlap = chosen
                .iter()
                .map(|c| jaccard(&c.words, &q.words))
                .fold(0.0, f32::max);
            let same_division =
                !q.division.is_empty() && chosen.iter().any(|c| c.division == q.division);
            let same_respondent = chosen.iter().any(|c| c.respondent == q.respondent);
            let adjusted = q.score
                - config.overlap_penalty * overlap
                - if same_division {
                    config.same_division_penalty
                } else {
                    0.0
                }
                - if same_respondent {
                    config.same_respondent_penalty
                } else {
                    0.0
                };
            if best.is_none_or(|(b, _)| adjusted > b) {
                best = Some((adjusted, i));
            }
        }
        let Some((_, i)) = best else {
            break;
        };
        let mut q = candidates.swap_remove(i);
        if config.mask {
            q.text = mask::mask(&q.text, &q.private);
        }
        chosen.push(q);
        // swap_remove breaks the order; restore it for determinism of later ties.
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.doc.cmp(&b.doc))
                .then_with(|| a.span.cmp(&b.span))
        });
    }
    chosen
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f32 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f32 / union as f32
    }
}
