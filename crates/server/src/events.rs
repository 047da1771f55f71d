//! Live job events: state changes and progress, broadcast to every open
//! `/events` stream. Progress is throttled so a long render sends a few
//! events a second, not one per block.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mixmaster::Progress;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::db::JobState;

/// Events kept for slow listeners before they skip ahead (they re-read the
/// job's snapshot when they do).
const CHANNEL_CAPACITY: usize = 1024;

/// Least time between two progress events of one stage.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The latest progress of a running job.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProgressView {
    /// What the engine is doing (`analysing`, `rendering`, …).
    pub stage: String,
    /// Fraction of this stage done, 0..1, when its length is known.
    pub fraction: Option<f64>,
}

/// Something that happened to a job.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum JobEvent {
    /// The job changed state (or was deleted: `state` is `None`).
    State {
        /// Job id.
        id: String,
        /// New state; `None` when deleted.
        state: Option<JobState>,
    },
    /// A running job progressed.
    Progress {
        /// Job id.
        id: String,
        /// Where it is.
        #[serde(flatten)]
        progress: ProgressView,
    },
}

impl JobEvent {
    /// The job concerned.
    pub fn id(&self) -> &str {
        match self {
            JobEvent::State { id, .. } | JobEvent::Progress { id, .. } => id,
        }
    }
}

/// The broadcast channel and the latest progress per running job.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<JobEvent>,
    progress: Arc<Mutex<HashMap<String, ProgressView>>>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
            progress: Arc::default(),
        }
    }
}

impl Events {
    /// A new listener.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.tx.subscribe()
    }

    /// Announces a state change (clearing progress when the job stops running).
    pub fn state(&self, id: &str, state: Option<JobState>) {
        if state != Some(JobState::Running) {
            self.lock().remove(id);
        }
        // No listener is not an error.
        let _ = self.tx.send(JobEvent::State {
            id: id.to_string(),
            state,
        });
    }

    /// The latest progress of a job, if it is running.
    pub fn progress_of(&self, id: &str) -> Option<ProgressView> {
        self.lock().get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ProgressView>> {
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn progress(&self, id: &str, view: ProgressView) {
        self.lock().insert(id.to_string(), view.clone());
        let _ = self.tx.send(JobEvent::Progress {
            id: id.to_string(),
            progress: view,
        });
    }

    /// A [`Progress`] sink for the engine that reports as job `id`.
    pub fn reporter(&self, id: &str) -> JobProgress {
        JobProgress {
            events: self.clone(),
            id: id.to_string(),
            stage: String::new(),
            total: None,
            done: 0,
            last: None,
        }
    }
}

/// Turns the engine's progress calls into throttled job events.
pub struct JobProgress {
    events: Events,
    id: String,
    stage: String,
    total: Option<u64>,
    done: u64,
    last: Option<Instant>,
}

impl JobProgress {
    fn send(&mut self, force: bool) {
        if !force && self.last.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
            return;
        }
        self.last = Some(Instant::now());
        let fraction = self
            .total
            .filter(|t| *t > 0)
            .map(|t| (self.done as f64 / t as f64).min(1.0));
        self.events.progress(
            &self.id,
            ProgressView {
                stage: self.stage.clone(),
                fraction,
            },
        );
    }
}

impl Progress for JobProgress {
    fn start(&mut self, label: &str, total: Option<u64>) {
        self.stage = label.to_string();
        self.total = total;
        self.done = 0;
        self.send(true);
    }

    fn advance(&mut self, frames: u64) {
        self.done += frames;
        self.send(false);
    }

    fn finish(&mut self) {
        self.done = self.total.unwrap_or(self.done);
        self.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_throttled_and_reaches_one() {
        let events = Events::default();
        let mut rx = events.subscribe();
        let mut p = events.reporter("j");
        p.start("rendering", Some(1000));
        for _ in 0..100 {
            p.advance(10);
        }
        p.finish();
        let mut fractions = Vec::new();
        while let Ok(JobEvent::Progress { progress, .. }) = rx.try_recv() {
            fractions.push(progress.fraction.unwrap_or(-1.0));
        }
        // start + finish always; 100 quick advances fit in one 100 ms window.
        assert!(fractions.len() <= 4, "{fractions:?}");
        assert_eq!(fractions.first(), Some(&0.0));
        assert_eq!(fractions.last(), Some(&1.0));
        assert_eq!(events.progress_of("j").and_then(|p| p.fraction), Some(1.0));
        events.state("j", Some(JobState::Done));
        assert_eq!(events.progress_of("j"), None);
    }
}
