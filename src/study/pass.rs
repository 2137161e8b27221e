//! The ordered parallel pass: items are worked on by a few threads, and their results reach
//! the consumer in input order, on the caller's thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Runs `work` on every item with `threads` workers and hands the results to `consume` in
/// input order, on this thread. Workers stay at most `4 × threads` items ahead of the
/// consumer (they wait on a condition variable, not by polling), so memory does not grow
/// with the corpus; consuming overlaps with work.
///
/// # Errors
/// The first error `consume` returns; the workers stop after the item they are on.
pub fn ordered<T: Sync, R: Send, E>(
    items: &[T],
    threads: usize,
    work: impl Fn(usize, &T) -> R + Sync,
    consume: &mut dyn FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    let threads = threads.max(1);
    let window = threads * 4;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results the consumer has taken; workers wait on `moved` for it to grow.
    let consumed = Mutex::new(0usize);
    let moved = Condvar::new();
    let finish = |stop: &AtomicBool| {
        stop.store(true, Ordering::Relaxed);
        let _guard = consumed.lock().unwrap_or_else(|e| e.into_inner());
        moved.notify_all();
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, R)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, work, consumed, moved) = (&next, &stop, &work, &consumed, &moved);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() {
                        break;
                    }
                    {
                        let mut done = consumed.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *done + window && !stop.load(Ordering::Relaxed) {
                            done = moved.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) || tx.send((i, work(i, &items[i]))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut cursor = 0usize;
        for (i, r) in rx {
            pending.insert(i, r);
            let before = cursor;
            while let Some(r) = pending.remove(&cursor) {
                if let Err(e) = consume(r) {
                    finish(&stop);
                    return Err(e);
                }
                cursor += 1;
            }
            if cursor > before {
                *consumed.lock().unwrap_or_else(|e| e.into_inner()) = cursor;
                moved.notify_all();
            }
        }
        Ok(())
    })
}

/// Worker threads: `jobs` when given and positive, else all cores.
pub fn threads(jobs: Option<usize>) -> usize {
    jobs.filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_input_order_whatever_the_work_takes() {
        let items: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        ordered(
            &items,
            4,
            |i, &x| {
                // Early items take longest, so they finish after later ones.
                std::thread::sleep(std::time::Duration::from_micros((200 - x) * 5));
                (i, x * 2)
            },
            &mut |(i, y)| -> Result<(), ()> {
                seen.push((i, y));
                Ok(())
            },
        )
        .expect("no error");
        let want: Vec<(usize, u64)> = (0..200).map(|i| (i as usize, i * 2)).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn workers_stay_within_the_window_and_stop_at_the_first_error() {
        let started = AtomicUsize::new(0);
        let items: Vec<usize> = (0..1000).collect();
        let mut consumed = 0;
        let r = ordered(
            &items,
            2,
            |_, &x| {
                started.fetch_add(1, Ordering::Relaxed);
                x
            },
            &mut |x| {
                consumed += 1;
                if x == 10 {
                    Err(format!("stop at {x}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r, Err("stop at 10".to_string()));
        assert_eq!(consumed, 11);
        // At most the window (4 × 2) past the 11 consumed, plus one item per worker that
        // was taken before it saw the stop.
        let n = started.load(Ordering::Relaxed);
        assert!(n <= 11 + 8 + 2, "{n} items were worked on");
    }
}
