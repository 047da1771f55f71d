//! Running jobs: a fair queue in front of a fixed number of workers. Each job
//! waits for a permit (tokio's semaphore is first-in first-out, so the queue
//! order is the submission order), then masters on a blocking thread so the
//! async server stays responsive, then records its files and report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mixmaster::master::{MasterReport, MasterRequest, master};
use mixmaster_io::{Tags, WriteOptions};
use tokio::sync::Semaphore;

use crate::db::{Db, FileRow, JobRow, JobState};
use crate::events::Events;

/// Name of the uploaded mix inside a job folder.
pub const MIX_FILE: &str = "input-mix";
/// Name of the uploaded reference inside a job folder.
pub const REFERENCE_FILE: &str = "input-reference";
/// The level-matched original, for A/B listening.
pub const AB_NAME: &str = "original-level-matched.wav";
/// The HTML report.
pub const REPORT_NAME: &str = "report.html";

/// Shared state of the job runner.
pub struct Runner {
    /// The job database.
    pub db: Arc<Db>,
    /// The data folder (holds `jobs/<id>/`).
    pub data_dir: PathBuf,
    /// Live events.
    pub events: Events,
    workers: Arc<Semaphore>,
}

impl Runner {
    /// A runner with `workers` concurrent jobs (at least one).
    pub fn new(db: Arc<Db>, data_dir: PathBuf, workers: usize) -> Arc<Runner> {
        Arc::new(Runner {
            db,
            data_dir,
            events: Events::default(),
            workers: Arc::new(Semaphore::new(workers.max(1))),
        })
    }

    /// The folder of job `id` (ids are UUIDs we made, never client text).
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.data_dir.join("jobs").join(id)
    }

    /// Queues job `id` (already recorded as queued) for a worker.
    pub fn enqueue(self: &Arc<Self>, id: String) {
        let runner = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(_permit) = Arc::clone(&runner.workers).acquire_owned().await else {
                return;
            };
            match runner.db.claim(&id) {
                Ok(true) => {}
                Ok(false) => return, // deleted while queued
                Err(e) => {
                    eprintln!("mixmaster serve: job {id}: {e}");
                    return;
                }
            }
            runner.events.state(&id, Some(JobState::Running));
            let worker = Arc::clone(&runner);
            let job_id = id.clone();
            let outcome = tokio::task::spawn_blocking(move || worker.run(&job_id))
                .await
                .unwrap_or_else(|e| Err(format!("the mastering thread failed: {e}")));
            let state = if outcome.is_ok() {
                JobState::Done
            } else {
                JobState::Failed
            };
            if let Err(e) = runner.db.finish(&id, outcome) {
                eprintln!("mixmaster serve: job {id}: {e}");
            }
            runner.events.state(&id, Some(state));
        });
    }

    /// Masters one job or album (blocking): returns the report JSON and the files made.
    fn run(&self, id: &str) -> Result<(String, Vec<FileRow>), String> {
        let job = self
            .db
            .job(id)
            .map_err(|e| e.to_string())?
            .ok_or("the job was deleted")?;
        let dir = self.job_dir(id);
        let out = dir.join("out");
        // A re-run starts clean: old deliveries must not be mistaken for new.
        if out.exists() {
            std::fs::remove_dir_all(&out).map_err(|e| format!("cannot clear outputs: {e}"))?;
        }
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create outputs: {e}"))?;
        if job.kind == "album" {
            return crate::album::run(self, &job, &dir, &out);
        }

        let (request, names) = self.request(&job, &dir, &out)?;
        let mut progress = self.events.reporter(id);
        let mut report =
            master(&request, &mut progress).map_err(|e| public_error(&e, &dir, &job))?;
        display_names(&mut report, &job, &names);
        let html = mixmaster_report::master_html(&report);
        write_report(&out, &html).map_err(|e| public_error(&e, &dir, &job))?;

        let mut files = Vec::new();
        for (name, role) in names
            .iter()
            .map(|n| (n.as_str(), "master"))
            .chain([(AB_NAME, "ab"), (REPORT_NAME, "report")])
        {
            let path = out.join(name);
            let size = std::fs::metadata(&path)
                .map_err(|e| format!("{name} was not written: {e}"))?
                .len();
            files.push(FileRow {
                name: name.to_string(),
                role: role.to_string(),
                rel_path: relative(&self.data_dir, &path),
                size,
            });
        }
        let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
        Ok((json, files))
    }

    /// The engine request for a job, and each delivery's file name.
    fn request(
        &self,
        job: &JobRow,
        dir: &Path,
        out: &Path,
    ) -> Result<(MasterRequest, Vec<String>), String> {
        let reference = job
            .reference_name
            .as_ref()
            .map(|_| dir.join(REFERENCE_FILE));
        let (targets, match_reference) = job.settings.resolve(reference.is_some())?;
        let names: Vec<String> = targets
            .iter()
            .map(|t| format!("master-{}.wav", safe_name(&t.name)))
            .collect();
        let request = MasterRequest {
            input: dir.join(MIX_FILE),
            deliveries: targets
                .into_iter()
                .zip(names.iter().map(|n| out.join(n)))
                .collect(),
            plan: None,
            reference,
            match_reference_loudness: match_reference,
            options: job.settings.plan_options(),
            force: true,
            ab: Some(out.join(AB_NAME)),
            tags: Tags::default(),
            preview: None,
        };
        Ok((request, names))
    }
}

/// An engine error as shown to the client: the uploaded names instead of the
/// server's paths.
fn public_error(e: &dyn std::fmt::Display, dir: &Path, job: &JobRow) -> String {
    let mut text = e.to_string();
    let uploads = [
        (MIX_FILE, Some(job.mix_name.as_str())),
        (REFERENCE_FILE, job.reference_name.as_deref()),
    ];
    for (file, name) in uploads {
        if let Some(name) = name {
            text = text.replace(&dir.join(file).display().to_string(), name);
        }
    }
    text.replace(&format!("{}/", dir.display()), "")
        .replace(&dir.display().to_string(), "job")
}

/// The report speaks of the uploaded names, not of server paths.
fn display_names(report: &mut MasterReport, job: &JobRow, names: &[String]) {
    report.input = job.mix_name.clone();
    for (d, name) in report.deliveries.iter_mut().zip(names) {
        d.delivered.path = PathBuf::from(name);
    }
    if let Some((path, _)) = &mut report.ab {
        *path = AB_NAME.to_string();
    }
}

/// Writes a job's HTML report into its output folder (atomically, replacing
/// the last run's) and returns where.
pub(crate) fn write_report(out: &Path, html: &str) -> mixmaster_io::Result<PathBuf> {
    let path = out.join(REPORT_NAME);
    mixmaster_io::write_file_atomic(
        &path,
        html.as_bytes(),
        &WriteOptions {
            force: true,
            inputs: Vec::new(),
        },
    )?;
    Ok(path)
}

/// `path` relative to `base`, with `/` separators, for the database.
pub(crate) fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lower-case letters, digits, `-`, `_` and `.`; anything else becomes `_`.
pub fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_cannot_climb_out_of_a_folder() {
        assert_eq!(safe_name("custom-9.0lufs"), "custom-9.0lufs");
        assert_eq!(safe_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_name("a b/ü"), "a_b__");
    }
}
