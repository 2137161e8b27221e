//! The report in each of its forms, built once per state of the study folder (its files,
//! `pins.toml` among them) and served from memory: under load, every request for the same
//! form waits for one build instead of starting its own. Builds run one at a time on a
//! blocking thread; at most [`MAX_PENDING`] are queued, and a request that would wait longer
//! than [`WAIT`] is answered 503 with `Retry-After`.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::{Semaphore, watch};

/// How long a request waits for a build before it is told to come back.
pub const WAIT: Duration = Duration::from_secs(30);

/// Builds queued or running at most; beyond, requests are told to come back.
pub const MAX_PENDING: usize = 8;

/// The `Retry-After` of a 503, in seconds.
pub const RETRY_AFTER: u64 = 5;

/// How long a fingerprint of the study folder is trusted (changes through the server, the
/// pins, are seen at once: they bump the generation).
const FRESH: Duration = Duration::from_secs(1);

/// What a build gave: the bytes, or the error to show.
pub type Built = Result<Bytes, String>;

/// Why a request got no report.
#[derive(Debug, PartialEq, Eq)]
pub enum Busy {
    /// Too many builds queued.
    Queue,
    /// The build took longer than [`WAIT`].
    Slow,
}

struct Entry {
    key: u64,
    done: watch::Receiver<Option<Built>>,
}

/// Reports by form (`html`, `md`, ... and `page`, the report page with its bar).
pub struct ReportCache {
    entries: Mutex<HashMap<String, Entry>>,
    builds: Arc<Semaphore>,
    pending: Arc<AtomicUsize>,
    generation: AtomicU64,
    fingerprint: Mutex<Option<(Instant, u64)>>,
    /// Builds started (for tests and figures).
    pub started: AtomicUsize,
}

impl Default for ReportCache {
    fn default() -> Self {
        ReportCache {
            entries: Mutex::new(HashMap::new()),
            builds: Arc::new(Semaphore::new(1)),
            pending: Arc::new(AtomicUsize::new(0)),
            generation: AtomicU64::new(0),
            fingerprint: Mutex::new(None),
            started: AtomicUsize::new(0),
        }
    }
}

impl ReportCache {
    /// Forgets every report: the server changed the study (a pin).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        *self.fingerprint.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The state of the study folder the reports are built from.
    fn key(&self, study: &Path) -> u64 {
        let mut fp = self.fingerprint.lock().unwrap_or_else(|e| e.into_inner());
        let folder = match *fp {
            Some((at, f)) if at.elapsed() < FRESH => f,
            _ => {
                let f = fingerprint(study);
                *fp = Some((Instant::now(), f));
                f
            }
        };
        folder
            ^ self
                .generation
                .load(Ordering::Relaxed)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// The report in `form`, built by `build` (on a blocking thread, one build at a time)
    /// unless the study is as it was at the last build.
    ///
    /// # Errors
    /// [`Busy`] when the queue is full or the build takes longer than [`WAIT`].
    pub async fn get(
        &self,
        study: &Path,
        form: &str,
        build: impl FnOnce() -> Built + Send + 'static,
    ) -> Result<Built, Busy> {
        let key = self.key(study);
        let mut done = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            match entries.get(form) {
                Some(e) if e.key == key => e.done.clone(),
                _ => {
                    if self.pending.load(Ordering::Acquire) >= MAX_PENDING {
                        return Err(Busy::Queue);
                    }
                    let (tx, rx) = watch::channel(None);
                    entries.insert(
                        form.to_string(),
                        Entry {
                            key,
                            done: rx.clone(),
                        },
                    );
                    self.started.fetch_add(1, Ordering::Relaxed);
                    self.pending.fetch_add(1, Ordering::AcqRel);
                    let (builds, pending) = (self.builds.clone(), self.pending.clone());
                    // Detached: the build finishes (and is kept) even when every request
                    // that waited for it has gone.
                    tokio::spawn(async move {
                        let built = match builds.acquire_owned().await {
                            Ok(_permit) => tokio::task::spawn_blocking(build)
                                .await
                                .unwrap_or_else(|e| Err(format!("the report build failed: {e}"))),
                            Err(e) => Err(e.to_string()),
                        };
                        pending.fetch_sub(1, Ordering::AcqRel);
                        let _ = tx.send(Some(built));
                    });
                    rx
                }
            }
        };
        match tokio::time::timeout(WAIT, done.wait_for(Option::is_some)).await {
            Ok(Ok(v)) => Ok(v.clone().unwrap_or_else(|| Err("no report".into()))),
            Ok(Err(_)) => Ok(Err("the report build stopped".into())),
            Err(_) => Err(Busy::Slow),
        }
    }
}

/// A hash of the names, sizes and modification times of the files under `dir` (hidden ones
/// excepted, as the study's readers skip them), in sorted order.
fn fingerprint(dir: &Path) -> u64 {
    let mut h = DefaultHasher::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = read.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(meta) = e.metadata() else {
                continue;
            };
            e.path().hash(&mut h);
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                meta.len().hash(&mut h);
                meta.modified().ok().hash(&mut h);
            }
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_build_per_state_of_the_study() {
        let dir = tempfile::tempdir().expect("a folder");
        std::fs::write(dir.path().join("a.txt"), "один").expect("write");
        let cache = Arc::new(ReportCache::default());
        let mut waiting = Vec::new();
        for _ in 0..50 {
            let (cache, path) = (cache.clone(), dir.path().to_path_buf());
            waiting.push(tokio::spawn(async move {
                cache
                    .get(&path, "md", || {
                        std::thread::sleep(Duration::from_millis(200));
                        Ok(Bytes::from_static(b"report"))
                    })
                    .await
            }));
        }
        for w in waiting {
            assert_eq!(
                w.await.expect("joined"),
                Ok(Ok(Bytes::from_static(b"report")))
            );
        }
        assert_eq!(cache.started.load(Ordering::Relaxed), 1);
        // Another form is another build; a change through the server, another.
        let built = cache
            .get(dir.path(), "html", || Ok(Bytes::from_static(b"<html>")))
            .await;
        assert_eq!(built, Ok(Ok(Bytes::from_static(b"<html>"))));
        cache.invalidate();
        let built = cache
            .get(dir.path(), "md", || Ok(Bytes::from_static(b"report 2")))
            .await;
        assert_eq!(built, Ok(Ok(Bytes::from_static(b"report 2"))));
        assert_eq!(cache.started.load(Ordering::Relaxed), 3);
        // A file changed by hand: seen once the fingerprint is stale.
        std::fs::write(dir.path().join("a.txt"), "два!").expect("write");
        std::thread::sleep(FRESH);
        let built = cache
            .get(dir.path(), "md", || Ok(Bytes::from_static(b"report 3")))
            .await;
        assert_eq!(built, Ok(Ok(Bytes::from_static(b"report 3"))));
        let built = cache
            .get(dir.path(), "md", || Ok(Bytes::from_static(b"not built")))
            .await;
        assert_eq!(built, Ok(Ok(Bytes::from_static(b"report 3"))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_is_busy() {
        let dir = tempfile::tempdir().expect("a folder");
        let cache = Arc::new(ReportCache::default());
        // Each build waits for a go from this test (a two-party barrier).
        let gate = Arc::new(std::sync::Barrier::new(2));
        let mut waiting = Vec::new();
        for i in 0..MAX_PENDING {
            let (cache, path, gate) = (cache.clone(), dir.path().to_path_buf(), gate.clone());
            waiting.push(tokio::spawn(async move {
                cache
                    .get(&path, &format!("form{i}"), move || {
                        gate.wait();
                        Ok(Bytes::new())
                    })
                    .await
            }));
        }
        while cache.started.load(Ordering::Relaxed) < MAX_PENDING {
            tokio::task::yield_now().await;
        }
        let busy = cache.get(dir.path(), "one more", || Ok(Bytes::new())).await;
        assert_eq!(busy, Err(Busy::Queue));
        // The builds run one at a time: let each through.
        std::thread::spawn(move || {
            for _ in 0..MAX_PENDING {
                gate.wait();
            }
        });
        for w in waiting {
            assert_eq!(w.await.expect("joined"), Ok(Ok(Bytes::new())));
        }
    }
}

/// A value computed on first use, and again on first use after [`Fresh::reset`] (the study
/// changed under it). Readers keep the value they got while a new one is computed.
pub struct Fresh<T>(Mutex<Arc<std::sync::OnceLock<Arc<T>>>>);

impl<T> Default for Fresh<T> {
    fn default() -> Self {
        Fresh(Mutex::new(Arc::default()))
    }
}

impl<T> Fresh<T> {
    /// The value, computed by `f` when there is none (concurrent callers wait for one).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> Arc<T> {
        let cell = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        cell.get_or_init(|| Arc::new(f())).clone()
    }

    /// Forgets the value: the next [`Fresh::get_or_init`] computes it again.
    pub fn reset(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Arc::default();
    }
}

#[cfg(test)]
mod fresh_tests {
    use super::Fresh;

    #[test]
    fn a_reset_value_is_computed_again_once() {
        let f: Fresh<usize> = Fresh::default();
        let mut calls = 0;
        assert_eq!(
            *f.get_or_init(|| {
                calls += 1;
                7
            }),
            7
        );
        assert_eq!(
            *f.get_or_init(|| {
                calls += 1;
                8
            }),
            7
        );
        f.reset();
        assert_eq!(
            *f.get_or_init(|| {
                calls += 1;
                9
            }),
            9
        );
        assert_eq!(calls, 2);
    }
}
