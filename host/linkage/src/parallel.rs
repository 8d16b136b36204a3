//! Splitting pair comparisons over the machine's cores, results in input order.

/// Fewest items worth a thread of their own: below this, spawning costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 4096;

/// Most threads used, whatever the machine has: linking is one job among others on a gateway.
const MAX_THREADS: usize = 8;

/// Apply `f` to consecutive chunks of `items` on up to [`MAX_THREADS`] threads and concatenate
/// the results in order, so the output is the same as one `f(items)` call would give.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores
        .min(MAX_THREADS)
        .min(items.len() / MIN_ITEMS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| scope.spawn(|| f(c))).collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            // A panic in `f` is a bug in this crate; carry it to the caller's thread.
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_come_back_in_order() {
        let items: Vec<u32> = (0..20_000).collect();
        let out = super::map_chunks(&items, |c| c.iter().map(|x| x * 2).collect());
        assert_eq!(out.len(), items.len());
        assert!(out.iter().zip(&items).all(|(o, i)| *o == i * 2));
    }
}
