//! The job database (SQLite): jobs, their settings and their files, so a
//! restart loses nothing. One connection behind a mutex: every statement is a
//! short primary-key lookup or a small scan, far below the time a job takes.
//!
//! Files are recorded by name and a path relative to the data folder; the API
//! only ever looks a file up by (job id, name) here, so no path from a request
//! reaches the file system.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Error;
use crate::settings::JobSettings;

/// The schema this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA_V1: &str = "
CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    mix_name TEXT NOT NULL,
    reference_name TEXT,
    settings TEXT NOT NULL,
    error TEXT,
    report TEXT
);
CREATE TABLE files (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (job_id, name)
);
";

/// Version 2: album jobs. `kind` tells a master job from an album job, and
/// `album` holds an album job's release details as JSON (the tracks
/// themselves are files with role `track`). Old rows become master jobs.
const SCHEMA_V2: &str = "
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'master';
ALTER TABLE jobs ADD COLUMN album TEXT;
";

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a free worker.
    Queued,
    /// Being mastered now.
    Running,
    /// Finished; its files can be downloaded.
    Done,
    /// The engine refused or failed; `error` says why.
    Failed,
    /// The server stopped while it ran; it can be re-run.
    Interrupted,
}

impl JobState {
    /// The name stored in the database and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            // Anything unknown cannot be running in this process.
            _ => JobState::Interrupted,
        }
    }

    /// No further change without a re-run.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Interrupted
        )
    }
}

/// One job as stored.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Insertion order, which is also queue order.
    pub seq: i64,
    /// The public id (a random UUID).
    pub id: String,
    /// Its state.
    pub state: JobState,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, when it last started.
    pub started_at: Option<i64>,
    /// Unix seconds, when it last finished.
    pub finished_at: Option<i64>,
    /// The uploaded mix's file name, for display only.
    pub mix_name: String,
    /// The uploaded reference's file name, for display only.
    pub reference_name: Option<String>,
    /// What was asked for.
    pub settings: JobSettings,
    /// Why it failed.
    pub error: Option<String>,
    /// The mastering report as JSON, once done.
    pub report: Option<String>,
    /// `master` or `album`.
    pub kind: String,
    /// An album job's release details (JSON of [`crate::album::AlbumSettings`]).
    pub album: Option<String>,
}

/// One file of a job.
#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    /// The name the API knows it by.
    pub name: String,
    /// `mix`, `reference`, `master`, `ab` or `report`; for albums `track`
    /// (an upload), `track-master`, `album`, `cue` and `report`.
    pub role: String,
    /// Path relative to the data folder (never shown to clients).
    #[serde(skip)]
    pub rel_path: String,
    /// Bytes.
    pub size: u64,
}

/// The database handle.
pub struct Db {
    conn: Mutex<Connection>,
}

/// Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

const JOB_COLUMNS: &str = "seq, id, state, created_at, started_at, finished_at, mix_name, \
                           reference_name, settings, error, report, kind, album";

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let settings: String = r.get(8)?;
    Ok(JobRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        state: JobState::parse(&r.get::<_, String>(2)?),
        created_at: r.get(3)?,
        started_at: r.get(4)?,
        finished_at: r.get(5)?,
        mix_name: r.get(6)?,
        reference_name: r.get(7)?,
        settings: serde_json::from_str(&settings).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
        })?,
        error: r.get(9)?,
        report: r.get(10)?,
        kind: r.get(11)?,
        album: r.get(12)?,
    })
}

impl Db {
    /// Opens (or creates) the database at `path` and brings its schema up to
    /// [`SCHEMA_VERSION`]. Jobs that were running when the last server
    /// stopped are marked interrupted: no process is working on them now.
    pub fn open(path: &Path) -> Result<Db, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < 1 {
            conn.execute_batch(SCHEMA_V1)?;
        }
        if version < 2 {
            // One transaction: a crash mid-migration leaves version 1 intact.
            conn.execute_batch(&format!(
                "BEGIN; {SCHEMA_V2} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
        }
        conn.execute(
            "UPDATE jobs SET state = 'interrupted', error = 'the server stopped while this job ran', \
             finished_at = ?1 WHERE state = 'running'",
            params![now()],
        )?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (statements are atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a new queued job.
    pub fn insert_job(
        &self,
        id: &str,
        mix_name: &str,
        reference_name: Option<&str>,
        settings: &JobSettings,
    ) -> Result<(), Error> {
        let settings = serde_json::to_string(settings).unwrap_or_else(|_| "{}".into());
        self.conn().execute(
            "INSERT INTO jobs (id, state, created_at, mix_name, reference_name, settings) \
             VALUES (?1, 'queued', ?2, ?3, ?4, ?5)",
            params![id, now(), mix_name, reference_name, settings],
        )?;
        Ok(())
    }

    /// Records a new queued album job with its uploaded tracks, in one
    /// transaction (a half-recorded album could never run).
    pub fn insert_album_job(
        &self,
        id: &str,
        title: &str,
        settings: &JobSettings,
        album: &str,
        tracks: &[FileRow],
    ) -> Result<(), Error> {
        let settings = serde_json::to_string(settings).unwrap_or_else(|_| "{}".into());
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO jobs (id, state, created_at, mix_name, settings, kind, album) \
             VALUES (?1, 'queued', ?2, ?3, ?4, 'album', ?5)",
            params![id, now(), title, settings, album],
        )?;
        for f in tracks {
            tx.execute(
                "INSERT INTO files (job_id, name, role, rel_path, size) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, f.name, f.role, f.rel_path, f.size as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One job.
    pub fn job(&self, id: &str) -> Result<Option<JobRow>, Error> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                job_from_row,
            )
            .optional()?)
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobRow>, Error> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY seq DESC"))?;
        let rows = stmt.query_map([], job_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ids of queued jobs in queue order.
    pub fn queued_ids(&self) -> Result<Vec<String>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id FROM jobs WHERE state = 'queued' ORDER BY seq")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// 1-based place of a queued job in the queue.
    pub fn queue_position(&self, seq: i64) -> Result<usize, Error> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND seq <= ?1",
            params![seq],
            |r| r.get(0),
        )?;
        Ok(n.max(1) as usize)
    }

    /// Moves a job from queued to running; false if it is no longer queued
    /// (deleted while it waited).
    pub fn claim(&self, id: &str) -> Result<bool, Error> {
        let n = self.conn().execute(
            "UPDATE jobs SET state = 'running', started_at = ?2, error = NULL \
             WHERE id = ?1 AND state = 'queued'",
            params![id, now()],
        )?;
        Ok(n == 1)
    }

    /// Puts a finished job back in the queue (a re-run); false if it was not final.
    pub fn requeue(&self, id: &str) -> Result<bool, Error> {
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE jobs SET state = 'queued', started_at = NULL, finished_at = NULL, error = NULL, \
             report = NULL, seq = (SELECT MAX(seq) + 1 FROM jobs) \
             WHERE id = ?1 AND state IN ('done', 'failed', 'interrupted')",
            params![id],
        )?;
        if n == 1 {
            conn.execute(
                "DELETE FROM files WHERE job_id = ?1 AND role NOT IN ('mix', 'reference', 'track')",
                params![id],
            )?;
        }
        Ok(n == 1)
    }

    /// Records the end of a run: done with its report and files, or failed.
    pub fn finish(
        &self,
        id: &str,
        outcome: Result<(String, Vec<FileRow>), String>,
    ) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        match outcome {
            Ok((report, files)) => {
                tx.execute(
                    "UPDATE jobs SET state = 'done', finished_at = ?2, report = ?3 WHERE id = ?1",
                    params![id, now(), report],
                )?;
                for f in files {
                    tx.execute(
                        "INSERT OR REPLACE INTO files (job_id, name, role, rel_path, size) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, f.name, f.role, f.rel_path, f.size as i64],
                    )?;
                }
            }
            Err(message) => {
                tx.execute(
                    "UPDATE jobs SET state = 'failed', finished_at = ?2, error = ?3 WHERE id = ?1",
                    params![id, now(), message],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records an uploaded input file.
    pub fn add_file(&self, id: &str, f: &FileRow) -> Result<(), Error> {
        self.conn().execute(
            "INSERT OR REPLACE INTO files (job_id, name, role, rel_path, size) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, f.name, f.role, f.rel_path, f.size as i64],
        )?;
        Ok(())
    }

    /// A job's files.
    pub fn files(&self, id: &str) -> Result<Vec<FileRow>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT name, role, rel_path, size FROM files WHERE job_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok(FileRow {
                name: r.get(0)?,
                role: r.get(1)?,
                rel_path: r.get(2)?,
                size: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One file of a job, by name.
    pub fn file(&self, id: &str, name: &str) -> Result<Option<FileRow>, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name, role, rel_path, size FROM files WHERE job_id = ?1 AND name = ?2",
                params![id, name],
                |r| {
                    Ok(FileRow {
                        name: r.get(0)?,
                        role: r.get(1)?,
                        rel_path: r.get(2)?,
                        size: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                },
            )
            .optional()?)
    }

    /// Deletes a job that is not running; false if it is running or unknown.
    pub fn delete(&self, id: &str) -> Result<bool, Error> {
        let n = self.conn().execute(
            "DELETE FROM jobs WHERE id = ?1 AND state != 'running'",
            params![id],
        )?;
        Ok(n == 1)
    }
}
