//! Work spread over the machine's cores: what a gateway does for each connector as it starts
//! or reloads (read, hash and verify the component, map its native code, describe it).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Run `job` on each item, on up to one thread per core at once, and return the results in the
/// order of `items`. The threads are the runtime's blocking threads, each driving its jobs'
/// futures to the end there, so CPU-heavy jobs never hold up the async workers that serve
/// requests. A job that panics leaves an error in its place; the others still run.
pub(crate) async fn each<I, T, F, Fut>(items: Vec<I>, job: F) -> Vec<anyhow::Result<T>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T>,
{
    let n = items.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .min(n);
    let queue: Arc<Mutex<VecDeque<(usize, I)>>> =
        Arc::new(Mutex::new(items.into_iter().enumerate().collect()));
    let results: Arc<Mutex<Vec<Option<T>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let job = Arc::new(job);
    let handle = tokio::runtime::Handle::current();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (queue, results, job, handle) =
                (queue.clone(), results.clone(), job.clone(), handle.clone());
            tokio::task::spawn_blocking(move || {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some((i, item)) = next else { break };
                    // A panic is kept to its own item: the thread goes on with the next.
                    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        handle.block_on(job(item))
                    }));
                    if let Ok(out) = out {
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(out);
                    }
                }
            })
        })
        .collect();
    let mut failure = String::from("it panicked");
    for worker in workers {
        if let Err(e) = worker.await {
            failure = format!("its thread failed: {e}");
        }
    }
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| anyhow::anyhow!("{failure}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::each;

    #[tokio::test]
    async fn results_come_back_in_order_and_a_panic_is_an_error_in_its_place() {
        let out = each((0..20u64).collect(), |n| async move {
            tokio::time::sleep(std::time::Duration::from_millis(20 - n)).await;
            assert!(n != 7, "job 7 fails");
            n * 2
        })
        .await;
        assert_eq!(out.len(), 20);
        for (n, r) in out.iter().enumerate() {
            match r {
                Ok(v) => assert_eq!(*v, n as u64 * 2),
                Err(e) => assert_eq!(n, 7, "{e}"),
            }
        }
        assert!(out[7].is_err());
        assert!(
            each(Vec::<u8>::new(), |n| async move { n })
                .await
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_run_at_once_on_more_than_one_thread() {
        let threads = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        let seen = threads.clone();
        each((0..8).collect(), move |_: u8| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
        .await;
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert_eq!(threads.lock().unwrap().len(), cores.min(8));
    }
}
