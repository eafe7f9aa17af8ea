//! Password hashing on a small, fixed set of threads.
//!
//! Each argon2 hash holds 19 MiB while it runs. On tokio's blocking pool a burst of sign-ins
//! would run hundreds at once, each on its own thread, and the C allocator keeps every
//! thread's freed buffers: 200 parallel sign-ins took a fresh server to 3.3 GB. Here at most
//! one hash per core runs at a time, always on the same few threads; a burst waits its turn
//! in a queue instead of multiplying memory.
//!
//! Each thread keeps its argon2 working memory ([`with_blocks`]) and reuses it for every hash
//! of a burst, so a burst does not allocate 19 MiB per hash. When its queue is empty, the
//! thread lets the memory go ([`release_blocks`]): an idle server holds none of it. The
//! hashing memory is at most 19 MiB per thread, and only while there is hashing to do.

use crate::{DomainError, DomainResult};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    static BLOCKS: RefCell<Vec<argon2::Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `work` over this thread's argon2 working memory, at least `count` blocks (1 KiB
/// each), allocated the first time and kept for the thread's next hashes.
pub(crate) fn with_blocks<R>(count: usize, work: impl FnOnce(&mut [argon2::Block]) -> R) -> R {
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < count {
            blocks.resize(count, argon2::Block::default());
        }
        work(blocks)
    })
}

/// Lets this thread's argon2 working memory go; the next [`with_blocks`] allocates it again.
fn release_blocks() {
    BLOCKS.with_borrow_mut(|blocks| *blocks = Vec::new());
}

/// Lets the working memory go when no job is waiting for a thread: a burst keeps it from
/// one hash to the next, an idle server holds none.
fn let_go_if_idle(waiting: &AtomicUsize) {
    if waiting.load(Ordering::SeqCst) == 0 {
        release_blocks();
    }
}

/// A handle to the hashing threads; clones share them. The threads end when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Hashing {
    jobs: Arc<Mutex<mpsc::Sender<Job>>>,
    /// Jobs sent and not yet taken by a thread.
    waiting: Arc<AtomicUsize>,
    threads: usize,
}

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashing")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Hashing {
    /// One thread per core (at most 4).
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(cores.clamp(1, 4))
    }

    pub fn with_threads(threads: usize) -> Self {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..threads {
            let receive = Arc::clone(&receive);
            let waiting = Arc::clone(&waiting);
            let spawned = std::thread::Builder::new()
                .name(format!("tessera-hash-{n}"))
                .spawn(move || {
                    loop {
                        let_go_if_idle(&waiting);
                        // The lock is held only while taking a job, never while running it.
                        let job = match receive.lock() {
                            Ok(queue) => queue.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => {
                                waiting.fetch_sub(1, Ordering::SeqCst);
                                job()
                            }
                            Err(_) => break, // every handle is gone
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self {
            jobs: Arc::new(Mutex::new(send)),
            waiting,
            threads,
        }
    }

    /// Runs `work` on a hashing thread and waits for its answer.
    pub async fn run<T, F>(&self, work: F) -> DomainResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> DomainResult<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        {
            let jobs = self
                .jobs
                .lock()
                .map_err(|_| DomainError::Internal("the hashing queue is broken".into()))?;
            self.waiting.fetch_add(1, Ordering::SeqCst);
            if jobs.send(job).is_err() {
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                return Err(DomainError::Internal(
                    "no password hashing thread is running".into(),
                ));
            }
        }
        answered
            .await
            .map_err(|_| DomainError::Internal("a password hash failed".into()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_hashing_threads_at_most_one_per_thread_at_a_time() {
        let hashing = Hashing::with_threads(2);
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut all = Vec::new();
        for _ in 0..16 {
            let (hashing, running, most) = (hashing.clone(), running.clone(), most.clone());
            all.push(tokio::spawn(async move {
                hashing
                    .run(move || {
                        use std::sync::atomic::Ordering::SeqCst;
                        let now = running.fetch_add(1, SeqCst) + 1;
                        most.fetch_max(now, SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        running.fetch_sub(1, SeqCst);
                        let name = std::thread::current().name().map(str::to_owned);
                        Ok(name)
                    })
                    .await
            }));
        }
        for one in all {
            let name = one.await.unwrap().unwrap().unwrap();
            assert!(name.starts_with("tessera-hash-"), "{name}");
        }
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 2);
    }

    #[test]
    fn the_working_memory_is_let_go_only_when_no_job_is_waiting() {
        assert_eq!(with_blocks(8, |b| b.len()), 8);
        let_go_if_idle(&AtomicUsize::new(1));
        assert_eq!(
            with_blocks(0, |b| b.len()),
            8,
            "a job is waiting: kept for it"
        );
        let_go_if_idle(&AtomicUsize::new(0));
        assert_eq!(with_blocks(0, |b| b.len()), 0, "idle: let go");
    }

    #[tokio::test]
    async fn a_job_queued_behind_another_reuses_its_working_memory() {
        use std::future::Future;
        let hashing = Hashing::with_threads(1);
        let (started, first_started) = tokio::sync::oneshot::channel::<()>();
        let (go, wait) = mpsc::channel::<()>();
        let first = tokio::spawn({
            let hashing = hashing.clone();
            async move {
                hashing
                    .run(move || {
                        let allocated = with_blocks(8, |b| b.len());
                        let _ = started.send(());
                        let _ = wait.recv();
                        Ok(allocated)
                    })
                    .await
            }
        });
        first_started.await.unwrap();
        // Polled once, `run` has queued its job behind the running one.
        let mut second = std::pin::pin!(hashing.run(|| Ok(with_blocks(0, |b| b.len()))));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(second.as_mut().poll(&mut cx).is_pending());
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 8);
        assert_eq!(second.await.unwrap(), 8);
    }
}
