//! Writing events: the recorder that turns [`Event`]s into rows inside
//! batched transactions, the single writer thread ([`Writer`],
//! [`WriterHandle`]) and the thread-less [`SqliteSink`].
//!
//! After an error the recorder is *failed*: it commits what came before the
//! failing event, drops the event, and writes nothing more. Every later send,
//! flush or close returns the error. A failed run thus looks like one killed
//! at that instant, and resuming it replays what is missing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError, is_final, parse_episode_status, sqlite_error};
use crate::record::{
    AttemptRecord, EpisodeEnd, EpisodeStart, EpisodeStatus, Event, MoveRecord, RunEnd, RunStart,
    RunStatus, Sink,
};

/// When a batch of events is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriterOptions {
    /// Commit after this many events at the latest.
    pub max_batch: usize,
    /// Commit when the oldest uncommitted event is this old, at the latest.
    pub max_delay: Duration,
    /// How many events may wait for the writer before senders block (until
    /// half of them are written).
    pub queue_capacity: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            max_batch: 4096,
            max_delay: Duration::from_millis(200),
            queue_capacity: 16_384,
        }
    }
}

/// Records events straight into a [`Store`] on the caller's thread, batching
/// them in transactions: a batch is committed every
/// [`WriterOptions::max_batch`] events, when a call finds the batch older than
/// [`WriterOptions::max_delay`], on [`Sink::flush`] and on drop. For
/// concurrent episodes use [`Writer`] instead.
#[derive(Debug)]
pub struct SqliteSink {
    recorder: Recorder,
    options: WriterOptions,
}

impl SqliteSink {
    /// A sink writing into `store` with the default batching.
    pub fn new(store: Store) -> SqliteSink {
        SqliteSink::with_options(store, WriterOptions::default())
    }

    /// A sink writing into `store` with the given batching.
    pub fn with_options(store: Store, options: WriterOptions) -> SqliteSink {
        SqliteSink {
            recorder: Recorder::new(store),
            options,
        }
    }

    /// Commits what is pending and gives the store back for reading.
    pub fn into_store(mut self) -> Result<Store, StoreError> {
        self.recorder
            .commit_or_fail()
            .map_err(|source| self.recorder.failed(source))?;
        self.recorder.take_store()
    }

    fn record_event(&mut self, event: &Event) -> Result<(), StoreError> {
        self.recorder
            .record(event)
            .map_err(|source| self.recorder.failed(source))?;
        if self.recorder.pending >= self.options.max_batch
            || self.recorder.batch_age() >= self.options.max_delay
        {
            self.recorder
                .commit_or_fail()
                .map_err(|source| self.recorder.failed(source))?;
        }
        Ok(())
    }
}

impl Sink for SqliteSink {
    fn record(&mut self, event: Event) -> anyhow::Result<()> {
        Ok(self.record_event(&event)?)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.recorder
            .commit_or_fail()
            .map_err(|source| self.recorder.failed(source))?;
        Ok(())
    }
}

impl Drop for SqliteSink {
    fn drop(&mut self) {
        // Dropping cannot report an error; callers that care call `flush`.
        let _ = self.recorder.commit_or_fail();
    }
}

/// The single database writer: a dedicated thread that owns the connection
/// and applies the events of every [`WriterHandle`] in the order received.
#[derive(Debug)]
pub struct Writer {
    _private: (),
}

impl Writer {
    /// Starts the writer thread on `store` with the default batching.
    ///
    /// The thread ends when [`WriterHandle::close`] is called or every handle
    /// is dropped; joining it gives the store back (or the error that stopped
    /// the writer).
    pub fn spawn(
        store: Store,
    ) -> Result<(WriterHandle, JoinHandle<Result<Store, StoreError>>), StoreError> {
        Writer::spawn_with(store, WriterOptions::default())
    }

    /// Starts the writer thread with the given batching.
    pub fn spawn_with(
        store: Store,
        options: WriterOptions,
    ) -> Result<(WriterHandle, JoinHandle<Result<Store, StoreError>>), StoreError> {
        // An unbounded channel with a counting gate in front of it, rather
        // than a bounded channel: a full bounded channel hands over one event
        // per wake-up, and the context switches cost more than the inserts.
        let (tx, rx) = mpsc::channel();
        let capacity = options.queue_capacity.max(2);
        let shared = Arc::new(Shared {
            path: store.path.clone(),
            failure: Mutex::new(None),
            queued: AtomicUsize::new(0),
            capacity,
            low_water: capacity / 2,
            stopped: AtomicBool::new(false),
            gate: Mutex::new(()),
            drained: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        let join = std::thread::Builder::new()
            .name("arena-record-writer".into())
            .spawn(move || run_writer(Recorder::new(store), rx, options, &thread_shared))
            .map_err(StoreError::WriterStart)?;
        Ok((WriterHandle { tx, shared }, join))
    }
}

/// A cheap, cloneable sender of events to the [`Writer`] thread.
///
/// [`send`](WriterHandle::send) blocks only when the writer is
/// [`WriterOptions::queue_capacity`] events behind. [`flush`](WriterHandle::flush)
/// and [`close`](WriterHandle::close) block until the writer has committed;
/// call them from a blocking context (`spawn_blocking`) inside async code.
#[derive(Clone, Debug)]
pub struct WriterHandle {
    tx: Sender<Message>,
    shared: Arc<Shared>,
}

impl WriterHandle {
    /// Sends one event. Fails when the writer has failed (with its error) or
    /// is closed.
    pub fn send(&self, event: Event) -> Result<(), StoreError> {
        self.check()?;
        if self.shared.queued.fetch_add(1, Ordering::AcqRel) >= self.shared.capacity {
            self.shared.wait_for_room();
        }
        self.tx.send(Message::Event(event)).map_err(|_| {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
            self.gone()
        })
    }

    /// Waits until every event sent so far (by any handle) is committed.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.request(Message::Flush)
    }

    /// Commits every event sent so far and stops the writer; later sends on
    /// any handle fail with [`StoreError::WriterClosed`]. Call it once every
    /// sender is done: an event sent while `close` runs may be dropped.
    pub fn close(&self) -> Result<(), StoreError> {
        self.request(Message::Close)
    }

    /// The database file being written.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    fn request(&self, make: fn(SyncSender<Reply>) -> Message) -> Result<(), StoreError> {
        self.check()?;
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        self.tx.send(make(reply_tx)).map_err(|_| self.gone())?;
        match reply_rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(StoreError::WriterFailed {
                path: self.shared.path.clone(),
                source,
            }),
            Err(_) => Err(self.gone()),
        }
    }

    fn check(&self) -> Result<(), StoreError> {
        match self.shared.failure() {
            Some(source) => Err(StoreError::WriterFailed {
                path: self.shared.path.clone(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// The error for a writer that no longer receives.
    fn gone(&self) -> StoreError {
        match self.shared.failure() {
            Some(source) => StoreError::WriterFailed {
                path: self.shared.path.clone(),
                source,
            },
            None => StoreError::WriterClosed {
                path: self.shared.path.clone(),
            },
        }
    }
}

impl Sink for WriterHandle {
    fn record(&mut self, event: Event) -> anyhow::Result<()> {
        Ok(self.send(event)?)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        Ok(WriterHandle::flush(self)?)
    }
}

type Reply = Result<(), Arc<StoreError>>;

// Nearly every message is an event, so boxing it would add an allocation per
// event and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Message {
    Event(Event),
    Flush(SyncSender<Reply>),
    Close(SyncSender<Reply>),
}

/// What the handles and the thread share.
#[derive(Debug)]
struct Shared {
    path: PathBuf,
    failure: Mutex<Option<Arc<StoreError>>>,
    /// Events sent and not yet taken by the writer.
    queued: AtomicUsize,
    /// Senders wait while more than this many events are queued...
    capacity: usize,
    /// ...until the writer has brought the queue down to this many.
    low_water: usize,
    /// The writer thread has ended: nobody waits for room any more.
    stopped: AtomicBool,
    gate: Mutex<()>,
    drained: Condvar,
}

impl Shared {
    /// Blocks a sender while the queue is over capacity.
    fn wait_for_room(&self) {
        let mut gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
        while self.queued.load(Ordering::Acquire) > self.capacity
            && !self.stopped.load(Ordering::Acquire)
        {
            gate = self.drained.wait(gate).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The writer took one event off the queue; wakes the senders when the
    /// queue is down to the low-water mark.
    fn took_one(&self) {
        if self.queued.fetch_sub(1, Ordering::AcqRel) == self.low_water + 1 {
            self.wake_senders();
        }
    }

    /// The writer thread ends: wakes every waiting sender for good.
    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.wake_senders();
    }

    fn wake_senders(&self) {
        // Taking the lock orders the wake-up after a sender's check.
        let _gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
        self.drained.notify_all();
    }

    fn failure(&self) -> Option<Arc<StoreError>> {
        self.failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set_failure(&self, e: Arc<StoreError>) {
        let mut failure = self
            .failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failure.get_or_insert(e);
    }
}

/// The writer thread: applies events as they come, committing when the
/// channel is momentarily empty, after `max_batch` events or after
/// `max_delay`, and on every flush or close.
fn run_writer(
    mut recorder: Recorder,
    rx: Receiver<Message>,
    options: WriterOptions,
    shared: &Shared,
) -> Result<Store, StoreError> {
    // Declared before `rx` is moved in, so it drops after it: a sender woken
    // by `stop` finds the channel closed. It also runs if the thread panics.
    let _stop = StopOnDrop(shared);
    let rx = rx;
    let commit = |recorder: &mut Recorder| {
        if let Err(e) = recorder.commit_or_fail() {
            shared.set_failure(e);
        }
    };
    'messages: loop {
        // Block for the next message while nothing is pending; otherwise take
        // what is already queued and commit when the queue runs dry.
        let message = if recorder.pending == 0 {
            match rx.recv() {
                Ok(m) => m,
                Err(_) => break 'messages,
            }
        } else {
            match rx.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => {
                    commit(&mut recorder);
                    continue;
                }
                Err(TryRecvError::Disconnected) => break 'messages,
            }
        };
        match message {
            Message::Event(event) => {
                shared.took_one();
                if let Err(e) = recorder.record(&event) {
                    shared.set_failure(e);
                }
                if recorder.pending >= options.max_batch
                    || recorder.batch_age() >= options.max_delay
                {
                    commit(&mut recorder);
                }
            }
            Message::Flush(reply) => {
                commit(&mut recorder);
                let _ = reply.send(recorder.status());
            }
            Message::Close(reply) => {
                commit(&mut recorder);
                let _ = reply.send(recorder.status());
                break 'messages;
            }
        }
    }
    commit(&mut recorder);
    drop(rx);
    match recorder.failure.clone() {
        Some(source) => Err(recorder.failed(source)),
        None => recorder.take_store(),
    }
}

/// Wakes every waiting sender when the writer thread ends, however it ends.
struct StopOnDrop<'a>(&'a Shared);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Applies events to the database inside an open transaction.
#[derive(Debug)]
struct Recorder {
    /// `None` only after `take_store`.
    store: Option<Store>,
    path: PathBuf,
    /// Events applied since the last commit.
    pending: usize,
    /// When the first pending event was applied.
    batch_started: Instant,
    failure: Option<Arc<StoreError>>,
}

impl Recorder {
    fn new(store: Store) -> Recorder {
        Recorder {
            path: store.path.clone(),
            store: Some(store),
            pending: 0,
            batch_started: Instant::now(),
            failure: None,
        }
    }

    /// Gives the store back; the recorder then records nothing.
    fn take_store(&mut self) -> Result<Store, StoreError> {
        self.store.take().ok_or_else(|| StoreError::WriterClosed {
            path: self.path.clone(),
        })
    }

    /// The error returned to callers once the recorder has failed.
    fn failed(&self, source: Arc<StoreError>) -> StoreError {
        StoreError::WriterFailed {
            path: self.path.clone(),
            source,
        }
    }

    fn status(&self) -> Reply {
        match &self.failure {
            Some(e) => Err(Arc::clone(e)),
            None => Ok(()),
        }
    }

    fn batch_age(&self) -> Duration {
        if self.pending == 0 {
            Duration::ZERO
        } else {
            self.batch_started.elapsed()
        }
    }

    /// Applies one event; on error commits what came before, drops the
    /// event and fails the recorder.
    fn record(&mut self, event: &Event) -> Result<(), Arc<StoreError>> {
        self.status()?;
        let Some(store) = &self.store else {
            return Err(self.fail(StoreError::WriterClosed {
                path: self.path.clone(),
            }));
        };
        let conn = &store.conn;
        let path = store.path.as_path();
        if self.pending == 0 {
            // IMMEDIATE: the write lock is taken (or waited for, up to the
            // busy timeout) before anything is read. A deferred transaction
            // that reads first cannot wait for it: when another process
            // commits in between, its write fails at once with
            // SQLITE_BUSY_SNAPSHOT.
            if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                return Err(self.fail(sqlite_error(path, "cannot begin a transaction", e)));
            }
            self.batch_started = Instant::now();
        }
        // A failing event leaves nothing behind, while the events before it
        // in the batch stay and are committed. Moves and attempts are one
        // INSERT each, which SQLite undoes by itself when it fails; the other
        // events write several rows and get a savepoint.
        let several_rows = !matches!(event, Event::Move(_) | Event::Attempt(_));
        let savepoint = |sql: &str| -> Result<(), StoreError> {
            conn.prepare_cached(sql)
                .and_then(|mut s| s.execute([]))
                .map(drop)
                .map_err(|e| sqlite_error(path, "cannot use a savepoint", e))
        };
        let applied = if several_rows {
            savepoint("SAVEPOINT event")
                .and_then(|()| apply(conn, path, event))
                .and_then(|()| savepoint("RELEASE event"))
        } else {
            apply(conn, path, event)
        };
        self.pending += 1;
        if let Err(e) = applied {
            if several_rows && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK TO event; RELEASE event");
            }
            let failure = self.fail(e);
            let _ = self.commit();
            return Err(failure);
        }
        Ok(())
    }

    /// Commits the open batch; on error fails the recorder.
    fn commit_or_fail(&mut self) -> Result<(), Arc<StoreError>> {
        if let Err(e) = self.commit() {
            let failure = self.fail(e);
            return Err(failure);
        }
        self.status()
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if self.pending == 0 {
            return Ok(());
        }
        self.pending = 0;
        let Some(store) = &self.store else {
            return Ok(());
        };
        if let Err(e) = store.conn.execute_batch("COMMIT") {
            if !store.conn.is_autocommit() {
                let _ = store.conn.execute_batch("ROLLBACK");
            }
            return Err(sqlite_error(
                &store.path,
                "cannot commit a batch of events",
                e,
            ));
        }
        Ok(())
    }

    fn fail(&mut self, e: StoreError) -> Arc<StoreError> {
        let e = Arc::new(e);
        self.failure.get_or_insert_with(|| Arc::clone(&e)).clone()
    }
}

/// Writes one event's rows.
fn apply(conn: &Connection, path: &Path, event: &Event) -> Result<(), StoreError> {
    match event {
        Event::RunStarted(run) => run_started(conn, path, run),
        Event::EpisodeStarted(episode) => episode_started(conn, path, episode),
        Event::Move(m) => insert_move(conn, path, m),
        Event::Attempt(a) => insert_attempt(conn, path, a),
        Event::EpisodeFinished(end) => episode_finished(conn, path, end),
        Event::RunFinished(end) => run_finished(conn, path, end),
    }
}

fn invalid(path: &Path, message: String) -> StoreError {
    StoreError::InvalidEvent {
        path: path.into(),
        message,
    }
}

/// An SQLite integer from an unsigned count (tokens), which never exceeds
/// `i64::MAX` in practice; a larger value is refused rather than wrapped.
fn int(path: &Path, what: &str, v: Option<u64>) -> Result<Option<i64>, StoreError> {
    v.map(|v| {
        i64::try_from(v).map_err(|_| invalid(path, format!("{what} {v} is beyond SQLite's range")))
    })
    .transpose()
}

fn run_started(conn: &Connection, path: &Path, run: &RunStart) -> Result<(), StoreError> {
    let err = |e| {
        sqlite_error(
            path,
            &format!("cannot record the start of run {}", run.run_id),
            e,
        )
    };
    let existing: Option<String> = conn
        .prepare_cached("SELECT seed FROM runs WHERE run_id = ?1")
        .and_then(|mut s| s.query_row([&run.run_id], |r| r.get(0)).optional())
        .map_err(err)?;
    let seed = run.seed.to_string();
    match (existing, run.resumed) {
        (None, false) => {
            conn.prepare_cached(
                "INSERT INTO runs (run_id, started_at, status, config_yaml, seed)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    run.run_id,
                    run.started_at,
                    RunStatus::Running.as_str(),
                    run.config_yaml,
                    seed
                ])
            })
            .map_err(err)?;
        }
        (Some(_), false) => {
            return Err(invalid(
                path,
                format!(
                    "run {} already exists; resume it or choose another run id",
                    run.run_id
                ),
            ));
        }
        (None, true) => {
            return Err(invalid(
                path,
                format!("cannot resume run {}: there is no such run", run.run_id),
            ));
        }
        (Some(stored), true) => {
            if stored != seed {
                return Err(invalid(
                    path,
                    format!(
                        "cannot resume run {} with seed {seed}: it was started with seed {stored}",
                        run.run_id
                    ),
                ));
            }
            conn.prepare_cached(
                "UPDATE runs SET status = ?2, finished_at = NULL,
                     resume_count = resume_count + 1, last_resumed_at = ?3
                 WHERE run_id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    run.run_id,
                    RunStatus::Running.as_str(),
                    run.started_at
                ])
            })
            .map_err(err)?;
        }
    }
    Ok(())
}

fn episode_started(conn: &Connection, path: &Path, ep: &EpisodeStart) -> Result<(), StoreError> {
    let id = &ep.episode_id;
    let err = |e| sqlite_error(path, &format!("cannot record the start of episode {id}"), e);
    let run_exists = conn
        .prepare_cached("SELECT 1 FROM runs WHERE run_id = ?1")
        .and_then(|mut s| s.exists([&ep.run_id]))
        .map_err(err)?;
    if !run_exists {
        return Err(invalid(
            path,
            format!(
                "episode {id} belongs to run {}, which has not started",
                ep.run_id
            ),
        ));
    }
    let existing: Option<String> = conn
        .prepare_cached("SELECT status FROM episodes WHERE episode_id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(err)?;
    let params_json = ep.game_params.to_string();
    let seed = ep.seed.to_string();
    let status = EpisodeStatus::Running.as_str();
    match existing {
        Some(s) if parse_episode_status(&s).is_some_and(is_final) => {
            return Err(invalid(
                path,
                format!("episode {id} already finished ({s}); a finished episode is not replayed"),
            ));
        }
        Some(_) => {
            // A resumed run plays an unfinished episode again from scratch:
            // what the earlier attempt recorded goes first.
            for sql in [
                "DELETE FROM attempts WHERE episode_id = ?1",
                "DELETE FROM moves WHERE episode_id = ?1",
                "DELETE FROM episode_players WHERE episode_id = ?1",
            ] {
                conn.prepare_cached(sql)
                    .and_then(|mut s| s.execute([id]))
                    .map_err(err)?;
            }
            conn.prepare_cached(
                "UPDATE episodes SET run_id = ?2, game = ?3, game_params = ?4, env_index = ?5,
                     episode_index = ?6, seed = ?7, status = ?8, reason = NULL,
                     started_at = ?9, finished_at = NULL
                 WHERE episode_id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    ep.run_id,
                    ep.game,
                    params_json,
                    ep.env_index,
                    ep.episode_index,
                    seed,
                    status,
                    ep.started_at
                ])
            })
            .map_err(err)?;
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO episodes (episode_id, run_id, game, game_params, env_index,
                     episode_index, seed, status, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    ep.run_id,
                    ep.game,
                    params_json,
                    ep.env_index,
                    ep.episode_index,
                    seed,
                    status,
                    ep.started_at
                ])
            })
            .map_err(err)?;
        }
    }
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO episode_players (episode_id, seat, agent, model) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(err)?;
    for p in &ep.players {
        insert
            .execute(params![id, p.seat, p.agent, p.model])
            .map_err(err)?;
    }
    Ok(())
}

fn insert_move(conn: &Connection, path: &Path, m: &MoveRecord) -> Result<(), StoreError> {
    let err = |e| {
        sqlite_error(
            path,
            &format!("cannot record ply {} of episode {}", m.ply, m.episode_id),
            e,
        )
    };
    let prompt_tokens = int(path, "prompt_tokens", m.prompt_tokens)?;
    let completion_tokens = int(path, "completion_tokens", m.completion_tokens)?;
    let reasoning_tokens = int(path, "reasoning_tokens", m.reasoning_tokens)?;
    conn.prepare_cached(
        "INSERT INTO moves (episode_id, ply, seat, actor, action, observation, prompt,
             raw_response, reasoning, thinking, parse_status, attempts, latency_ms,
             prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, metadata,
             state_after, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20)",
    )
    .and_then(|mut s| {
        s.execute(params![
            m.episode_id,
            m.ply,
            m.seat,
            m.actor,
            m.action,
            m.observation,
            m.prompt,
            m.raw_response,
            m.reasoning,
            m.thinking,
            m.parse_status,
            m.attempts,
            m.latency_ms,
            prompt_tokens,
            completion_tokens,
            reasoning_tokens,
            m.cost_usd,
            (!m.metadata.is_null()).then(|| m.metadata.to_string()),
            m.state_after,
            m.created_at
        ])
    })
    .map_err(err)?;
    Ok(())
}

fn insert_attempt(conn: &Connection, path: &Path, a: &AttemptRecord) -> Result<(), StoreError> {
    let err = |e| {
        sqlite_error(
            path,
            &format!(
                "cannot record attempt {} at ply {} of episode {}",
                a.attempt, a.ply, a.episode_id
            ),
            e,
        )
    };
    let prompt_tokens = int(path, "prompt_tokens", a.prompt_tokens)?;
    let completion_tokens = int(path, "completion_tokens", a.completion_tokens)?;
    let reasoning_tokens = int(path, "reasoning_tokens", a.reasoning_tokens)?;
    conn.prepare_cached(
        "INSERT INTO attempts (episode_id, ply, seat, agent, attempt, status, prompt,
             raw_response, move_text, reasoning, thinking, error, latency_ms,
             prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, metadata, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)",
    )
    .and_then(|mut s| {
        s.execute(params![
            a.episode_id,
            a.ply,
            a.seat,
            a.agent,
            a.attempt,
            a.status,
            a.prompt,
            a.raw_response,
            a.move_text,
            a.reasoning,
            a.thinking,
            a.error,
            a.latency_ms,
            prompt_tokens,
            completion_tokens,
            reasoning_tokens,
            a.cost_usd,
            a.metadata.to_string(),
            a.created_at
        ])
    })
    .map_err(err)?;
    Ok(())
}

fn episode_finished(conn: &Connection, path: &Path, end: &EpisodeEnd) -> Result<(), StoreError> {
    let id = &end.episode_id;
    let err = |e| sqlite_error(path, &format!("cannot record the end of episode {id}"), e);
    if end.status == EpisodeStatus::Running {
        return Err(invalid(
            path,
            format!("episode {id} cannot finish with status running"),
        ));
    }
    let existing: Option<String> = conn
        .prepare_cached("SELECT status FROM episodes WHERE episode_id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(err)?;
    match existing {
        None => {
            return Err(invalid(
                path,
                format!("episode {id} finished but never started"),
            ));
        }
        Some(s) if parse_episode_status(&s).is_some_and(is_final) => {
            return Err(invalid(
                path,
                format!("episode {id} already finished ({s})"),
            ));
        }
        Some(_) => {}
    }
    conn.prepare_cached(
        "UPDATE episodes SET status = ?2, reason = ?3, finished_at = ?4 WHERE episode_id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            end.status.as_str(),
            end.reason,
            end.finished_at
        ])
    })
    .map_err(err)?;
    let mut update = conn
        .prepare_cached(
            r#"UPDATE episode_players SET "return" = ?3, outcome = ?4
               WHERE episode_id = ?1 AND seat = ?2"#,
        )
        .map_err(err)?;
    for r in &end.results {
        let changed = update
            .execute(params![id, r.seat, r.score, r.outcome])
            .map_err(err)?;
        if changed == 0 {
            return Err(invalid(
                path,
                format!("episode {id} has no seat {} to give a result to", r.seat),
            ));
        }
    }
    Ok(())
}

fn run_finished(conn: &Connection, path: &Path, end: &RunEnd) -> Result<(), StoreError> {
    let err = |e| {
        sqlite_error(
            path,
            &format!("cannot record the end of run {}", end.run_id),
            e,
        )
    };
    let changed = conn
        .prepare_cached("UPDATE runs SET status = ?2, finished_at = ?3 WHERE run_id = ?1")
        .and_then(|mut s| s.execute(params![end.run_id, end.status.as_str(), end.finished_at]))
        .map_err(err)?;
    if changed == 0 {
        return Err(invalid(
            path,
            format!("run {} finished but never started", end.run_id),
        ));
    }
    Ok(())
}

/// The episode driver records straight into the writer.
impl crate::record::Recorder for WriterHandle {
    fn send(&self, event: Event) -> anyhow::Result<()> {
        Ok(WriterHandle::send(self, event)?)
    }
}
