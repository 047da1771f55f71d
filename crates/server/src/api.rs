//! The JSON API under `/api`: jobs, their live events, report and files.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::io::ReaderStream;

use crate::AppState;
use crate::db::{FileRow, JobRow, JobState};
use crate::error::ApiError;
use crate::events::{JobEvent, ProgressView};
use crate::jobs::safe_name;
use crate::settings::JobSettings;
use crate::upload;

/// A job as the API shows it.
#[derive(Debug, Serialize)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// `queued`, `running`, `done`, `failed` or `interrupted`.
    pub state: JobState,
    /// 1-based place in the queue while queued.
    pub position: Option<usize>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub started_at: Option<i64>,
    /// Unix seconds.
    pub finished_at: Option<i64>,
    /// `master` (one mix) or `album` (several tracks, see `album`).
    pub kind: String,
    /// The uploaded mix's name; for an album job, the album's title.
    pub mix_name: String,
    /// An album job's release details and tracks in running order.
    pub album: Option<crate::album::AlbumSettings>,
    /// The uploaded reference's name.
    pub reference_name: Option<String>,
    /// Targets and options.
    pub settings: JobSettings,
    /// Why it failed or was interrupted.
    pub error: Option<String>,
    /// Where a running job is.
    pub progress: Option<ProgressView>,
    /// Files, each with its download URL.
    pub files: Vec<FileView>,
    /// The HTML report's URL, once done.
    pub report_url: Option<String>,
    /// What the A/B player needs, once done.
    pub ab: Option<AbView>,
}

/// The level-matched A/B pair of a done job.
#[derive(Debug, Serialize)]
pub struct AbView {
    /// The original at the master's loudness.
    pub original_url: String,
    /// The first delivery.
    pub master_url: String,
    /// Gain applied to the original, dB.
    pub gain_db: f64,
    /// Where the master's time 0 lies in the original, s (the trimmed lead-in),
    /// so both play the same moment.
    pub original_offset_s: f64,
}

/// The A/B pair from a done job's files and report.
fn ab_view(job: &JobRow, files: &[FileView]) -> Option<AbView> {
    let report: serde_json::Value = serde_json::from_str(job.report.as_deref()?).ok()?;
    let original = files.iter().find(|f| f.role == "ab")?;
    let master = files.iter().find(|f| f.role == "master")?;
    let trim = &report["deliveries"][0]["plan"]["trim"];
    let offset = if trim["enabled"].as_bool() == Some(true) {
        trim["settings"]["start_s"].as_f64().unwrap_or(0.0).max(0.0)
    } else {
        0.0
    };
    Some(AbView {
        original_url: original.url.clone(),
        master_url: master.url.clone(),
        gain_db: report["ab"][1].as_f64().unwrap_or(0.0),
        original_offset_s: offset,
    })
}

/// One downloadable file.
#[derive(Debug, Serialize)]
pub struct FileView {
    /// Its name (the last part of `url`).
    pub name: String,
    /// `mix`, `reference`, `master`, `ab` or `report`; for albums `track`
    /// (an upload), `track-master`, `album`, `cue` and `report`.
    pub role: String,
    /// Bytes.
    pub size: u64,
    /// Where to get it.
    pub url: String,
}

fn view(state: &AppState, job: JobRow) -> Result<JobView, ApiError> {
    let position = match job.state {
        JobState::Queued => Some(state.runner.db.queue_position(job.seq)?),
        _ => None,
    };
    let files = state
        .runner
        .db
        .files(&job.id)?
        .into_iter()
        .map(|f| FileView {
            url: format!("/api/jobs/{}/files/{}", job.id, f.name),
            name: f.name,
            role: f.role,
            size: f.size,
        })
        .collect::<Vec<_>>();
    Ok(JobView {
        ab: ab_view(&job, &files),
        progress: state.runner.events.progress_of(&job.id),
        report_url: (job.state == JobState::Done).then(|| format!("/api/jobs/{}/report", job.id)),
        position,
        files,
        id: job.id,
        state: job.state,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
        album: job
            .album
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok()),
        kind: job.kind,
        mix_name: job.mix_name,
        reference_name: job.reference_name,
        settings: job.settings,
        error: job.error,
    })
}

fn find(state: &AppState, id: &str) -> Result<JobRow, ApiError> {
    state
        .runner
        .db
        .job(id)?
        .ok_or_else(|| ApiError::not_found(format!("no job '{id}'")))
}

/// `GET /api/jobs`: every job, newest first.
pub async fn list(State(state): State<Arc<AppState>>) -> Result<Json<Vec<JobView>>, ApiError> {
    let jobs = state.runner.db.jobs()?;
    Ok(Json(
        jobs.into_iter()
            .map(|j| view(&state, j))
            .collect::<Result<_, _>>()?,
    ))
}

/// `GET /api/jobs/{id}`.
pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = find(&state, &id)?;
    Ok(Json(view(&state, job)?))
}

/// The start of every upload: a readable 400 if the body is not multipart, a
/// fresh job id and its folder.
async fn new_upload(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Multipart, String, PathBuf), ApiError> {
    let multipart = multipart.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected a multipart/form-data upload: {}", e.body_text()),
        )
    })?;
    let id = uuid::Uuid::new_v4().to_string();
    let dir = state.runner.job_dir(&id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal(format!("cannot create the job folder: {e}")))?;
    Ok((multipart, id, dir))
}

/// Queues a recorded job and answers 202 with its id, state and place in the
/// queue.
fn queued(state: &AppState, id: String) -> Result<Response, ApiError> {
    let db = &state.runner.db;
    state.runner.events.state(&id, Some(JobState::Queued));
    state.runner.enqueue(id.clone());
    let position = db.job(&id)?.map(|j| db.queue_position(j.seq)).transpose()?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/jobs/{id}"))],
        Json(serde_json::json!({ "id": id, "state": "queued", "position": position })),
    )
        .into_response())
}

/// `POST /api/jobs`: multipart `mix`, optional `reference`, `targets[]`,
/// `lufs`, `ceiling`, `fade_in`, `fade_out`, `max_limiting` → 202 `{id}`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (mut multipart, id, dir) = new_upload(&state, multipart).await?;
    let received = upload::receive(&mut multipart, &dir, state.max_upload).await;
    let upload = match received {
        Ok(u) => u,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(e);
        }
    };
    let db = &state.runner.db;
    let recorded = db
        .insert_job(
            &id,
            &upload.mix_name,
            upload.reference.as_ref().map(|(n, _)| n.as_str()),
            &upload.settings,
        )
        .and_then(|()| {
            db.add_file(
                &id,
                &FileRow {
                    name: "mix".into(),
                    role: "mix".into(),
                    rel_path: format!("jobs/{id}/{}", crate::jobs::MIX_FILE),
                    size: upload.mix_size,
                },
            )
        })
        .and_then(|()| match &upload.reference {
            Some((_, size)) => db.add_file(
                &id,
                &FileRow {
                    name: "reference".into(),
                    role: "reference".into(),
                    rel_path: format!("jobs/{id}/{}", crate::jobs::REFERENCE_FILE),
                    size: *size,
                },
            ),
            None => Ok(()),
        });
    if let Err(e) = recorded {
        let _ = db.delete(&id);
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Err(e.into());
    }
    queued(&state, id)
}

/// `POST /api/albums`: multipart `track` files in running order, optional
/// `track_title` fields in the same order, `album_title`, `album_artist`,
/// `gap` (s), `loudness` (`album` or `per-track`), `targets[]`, `lufs`,
/// `ceiling`, `max_limiting` → 202 `{id}`. The job is then an ordinary job
/// (`/api/jobs/{id}`, its events, report, files and re-run).
pub async fn create_album(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (mut multipart, id, dir) = new_upload(&state, multipart).await?;
    let upload = match crate::album::receive(&mut multipart, &dir, state.max_upload).await {
        Ok(u) => u,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(e);
        }
    };
    let tracks: Vec<FileRow> = upload
        .sizes
        .iter()
        .enumerate()
        .map(|(k, size)| FileRow {
            name: format!("track-{:02}", k + 1),
            role: "track".into(),
            rel_path: format!("jobs/{id}/{}", crate::album::track_file(k + 1)),
            size: *size,
        })
        .collect();
    let album =
        serde_json::to_string(&upload.album).map_err(|e| ApiError::internal(e.to_string()))?;
    let db = &state.runner.db;
    if let Err(e) = db.insert_album_job(&id, &upload.album.title, &upload.settings, &album, &tracks)
    {
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Err(e.into());
    }
    queued(&state, id)
}

/// `POST /api/jobs/{id}/rerun`: queue a finished, failed or interrupted job again.
pub async fn rerun(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    if !state.runner.db.requeue(&id)? {
        return Err(ApiError::conflict(format!(
            "job is {}; only a done, failed or interrupted job can be re-run",
            job.state.as_str()
        )));
    }
    state.runner.events.state(&id, Some(JobState::Queued));
    state.runner.enqueue(id.clone());
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "id": id, "state": "queued" })),
    )
        .into_response())
}

/// `DELETE /api/jobs/{id}`: forget a job that is not running, and its files.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let job = find(&state, &id)?;
    if !state.runner.db.delete(&id)? {
        return Err(ApiError::conflict(format!(
            "job is {}; wait until it finishes",
            job.state.as_str()
        )));
    }
    let dir = state.runner.job_dir(&id);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(ApiError::internal(format!(
            "job forgotten, but its files remain: {e}"
        )));
    }
    state.runner.events.state(&id, None);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/jobs/{id}/report`: the HTML report of a done job.
pub async fn report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let file = state
        .runner
        .db
        .files(&id)?
        .into_iter()
        .find(|f| f.role == "report")
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "job is {}; its report exists once it is done",
                job.state.as_str()
            ))
        })?;
    send_file(&state, &file, None).await
}

/// `GET /api/jobs/{id}/files/{name}`: a file of a job, found by name in the database.
pub async fn file(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let file = state
        .runner
        .db
        .file(&id, &name)?
        .ok_or_else(|| ApiError::not_found(format!("job '{id}' has no file '{name}'")))?;
    let stem = job
        .mix_name
        .rsplit_once('.')
        .map_or(job.mix_name.as_str(), |(s, _)| s);
    let download = match file.role.as_str() {
        "mix" | "reference" => safe_name(&job.mix_name),
        // The engine's own names, so a CUE sheet's FILE line matches its album file.
        "track-master" | "album" | "cue" => file
            .rel_path
            .rsplit('/')
            .next()
            .unwrap_or(&file.name)
            .to_string(),
        _ => format!("{}.{}", safe_name(stem), file.name),
    };
    send_file(&state, &file, Some(&download)).await
}

/// Streams a recorded file from disk (memory stays flat however big it is).
async fn send_file(
    state: &AppState,
    file: &FileRow,
    download: Option<&str>,
) -> Result<Response, ApiError> {
    let path = state.runner.data_dir.join(&file.rel_path);
    let handle = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::internal(format!("file '{}' is gone: {e}", file.name)))?;
    let len = handle
        .metadata()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .len();
    let content_type = match file.role.as_str() {
        "report" => "text/html; charset=utf-8",
        "master" | "ab" => "audio/wav",
        "cue" => "text/plain; charset=utf-8",
        "track-master" | "album" => match file.name.rsplit_once('.').map(|(_, e)| e) {
            Some("flac") => "audio/flac",
            Some("aiff") => "audio/aiff",
            _ => "audio/wav",
        },
        _ => "application/octet-stream",
    };
    let mut response = Response::new(Body::from_stream(ReaderStream::new(handle)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(header::CONTENT_LENGTH, len.into());
    if file.role == "report" {
        // The report is self-contained: no scripts, nothing fetched.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
    }
    if let Some(name) = download
        && let Ok(v) = format!("attachment; filename=\"{name}\"").parse()
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /api/jobs/{id}/events`: server-sent events. First a `job` event with
/// the whole job, then `state` and `progress` events; the stream ends after
/// the job reaches a final state (or is deleted).
pub async fn events(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading the snapshot so nothing falls between them.
    let mut rx = state.runner.events.subscribe();
    let first = view(&state, find(&state, &id)?)?;
    let stream = async_stream(move |tx| async move {
        let done = first.state.is_final();
        if tx.send(json_event("job", &first)).await.is_err() || done {
            return;
        }
        loop {
            let event = match rx.recv().await {
                Ok(e) => e,
                Err(RecvError::Closed) => return,
                // Fell behind: resend the whole job instead of the missed events.
                Err(RecvError::Lagged(_)) => JobEvent::State {
                    id: id.clone(),
                    state: None,
                },
            };
            let is_ours = event.id() == id;
            match event {
                JobEvent::Progress { .. } if is_ours => {
                    if tx.send(json_event("progress", &event)).await.is_err() {
                        return;
                    }
                }
                JobEvent::State { .. } => {
                    // Any state change may move this job up the queue: resend it.
                    let job = match state.runner.db.job(&id) {
                        Ok(Some(job)) => job,
                        _ => {
                            let _ = tx
                                .send(json_event("deleted", &serde_json::json!({"id": id})))
                                .await;
                            return;
                        }
                    };
                    if !is_ours && job.state != JobState::Queued {
                        continue;
                    }
                    let Ok(v) = view(&state, job) else { return };
                    let done = v.state.is_final();
                    if tx.send(json_event("job", &v)).await.is_err() || done {
                        return;
                    }
                }
                JobEvent::Progress { .. } => {}
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn json_event(name: &str, value: &impl Serialize) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event(name)
        .data(serde_json::to_string(value).unwrap_or_else(|_| "{}".into())))
}

/// A stream fed by an async producer through a small channel (the producer
/// stops when the client goes away and the channel closes).
fn async_stream<T, F, Fut>(producer: F) -> impl Stream<Item = T>
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::mpsc::Sender<T>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(producer(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// A preset destination, for the page's choices.
#[derive(Debug, Serialize)]
pub struct TargetView {
    /// Name to send in `targets[]`.
    pub name: String,
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Where the numbers come from.
    pub source: String,
}

/// `GET /api/targets`: the destination presets.
pub async fn targets() -> Json<Vec<TargetView>> {
    Json(
        mixmaster::master::targets::Target::all_presets()
            .into_iter()
            .map(|t| TargetView {
                name: t.name,
                integrated_lufs: t.integrated_lufs,
                ceiling_dbtp: t.ceiling_dbtp,
                source: t.source,
            })
            .collect(),
    )
}

/// Any other path under `/api`: 404 as JSON.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}
