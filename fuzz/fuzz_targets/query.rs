//! Any text as a search query, parsed and run on a small index (two transcripts of the demo
//! study's kind, built once): refused with a message or answered, never a panic or a stack
//! overflow.
#![no_main]

use std::sync::OnceLock;

use citata::index::{CitataIndex, SearchQuery};
use libfuzzer_sys::fuzz_target;

fn index() -> &'static CitataIndex {
    static INDEX: OnceLock<(std::path::PathBuf, CitataIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("citata-fuzz-query-{}", std::process::id()));
            let study = dir.join("study");
            std::fs::create_dir_all(&study).unwrap();
            std::fs::write(
                study.join("a.txt"),
                "---\ndivision: Финансы\nwave: 2026\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата вовремя, отсрочка шестьдесят дней. Сроки поставки срывают, цены высокие.\n",
            )
            .unwrap();
            std::fs::write(
                study.join("b.txt"),
                "---\ndivision: Закупки\nwave: 2025\n---\nИнтервьюер: Сроки поставки?\nРеспондент: Задержки бывают, оплату не обсуждаю. Хотелось бы скидку.\n",
            )
            .unwrap();
            let index = dir.join("index");
            let add = citata::study::index::AddOptions {
                jobs: Some(1),
                ..citata::study::index::AddOptions::new(vec![study], index.clone())
            };
            citata::study::index::add(&add, &mut Vec::<String>::new()).unwrap();
            let idx = CitataIndex::open_or_create(&index).unwrap();
            (dir, idx)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = index().search(&SearchQuery {
        text: text.to_string(),
        limit: 10,
        facets: true,
        ..SearchQuery::default()
    });
});
