//! # mixmaster-server: the local mastering web app (`mixmaster serve`)
//!
//! Upload a mix (and optionally a reference), choose targets, watch the job
//! live, listen to a level-matched A/B of original and master, read the HTML
//! report and download the deliveries — without the music leaving the machine.
//!
//! - Jobs and their files are recorded in SQLite under the data folder
//!   ([`db`]), so a restart loses nothing; jobs that were running are marked
//!   interrupted and can be re-run.
//! - Uploads are streamed to disk with the size limit counted as bytes
//!   arrive, and accepted only if the decoder recognises them ([`upload`]).
//! - A fixed number of workers master on blocking threads behind a FIFO queue
//!   ([`jobs`]); progress and state changes go out as server-sent events
//!   ([`events`]).
//! - Album jobs (`POST /api/albums`) upload several tracks in running order
//!   and master them as one release: per-track files, the album file and its
//!   CUE sheet per target ([`album`]).
//! - Loopback by default, optional access token, cross-origin writes and
//!   foreign `Host` headers refused ([`guard`]).

pub mod album;
pub mod api;
pub mod db;
pub mod error;
pub mod events;
pub mod guard;
pub mod jobs;
mod page;
pub mod settings;
pub mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use error::{ApiError, Error};

use db::Db;
use jobs::Runner;

/// Default upload limit: 1 GiB over all files of one job.
pub const DEFAULT_MAX_UPLOAD: u64 = 1 << 30;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder for the database and the jobs' files.
    pub data_dir: PathBuf,
    /// Required access token, if any (letters, digits, `-._~`).
    pub token: Option<String>,
    /// Most bytes one upload may carry, all files together.
    pub max_upload: u64,
    /// Jobs mastered at the same time; more wait in the queue.
    pub jobs: usize,
    /// Refuse requests whose `Host` is not loopback (DNS-rebinding guard);
    /// set when bound to a loopback address.
    pub loopback_only: bool,
}

impl Config {
    /// Defaults for `data_dir`: 1 GiB uploads, one job at a time, loopback.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            token: None,
            max_upload: DEFAULT_MAX_UPLOAD,
            jobs: 1,
            loopback_only: true,
        }
    }
}

/// The platform's data folder for mixmaster, or `./mixmaster-data`.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir().map_or_else(|| PathBuf::from("mixmaster-data"), |d| d.join("mixmaster"))
}

/// True if `token` is usable in a cookie and a URL without escaping.
pub fn valid_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

/// What every request handler sees.
pub struct AppState {
    runner: Arc<Runner>,
    token: Option<String>,
    max_upload: u64,
    loopback_only: bool,
}

/// An opened server: database, queue and workers, ready to be routed.
#[derive(Clone)]
pub struct App {
    state: Arc<AppState>,
}

impl App {
    /// Opens the data folder and its database (creating both if needed),
    /// marks jobs left running as interrupted, and queues again the jobs that
    /// were still waiting. Must run inside a Tokio runtime.
    pub fn open(config: Config) -> Result<App, Error> {
        let jobs_dir = config.data_dir.join("jobs");
        std::fs::create_dir_all(&jobs_dir).map_err(|e| Error::io(&jobs_dir, e))?;
        let db = Arc::new(Db::open(&config.data_dir.join("mixmaster.sqlite3"))?);
        let runner = Runner::new(Arc::clone(&db), config.data_dir.clone(), config.jobs);
        for id in db.queued_ids()? {
            runner.enqueue(id);
        }
        Ok(App {
            state: Arc::new(AppState {
                runner,
                token: config.token,
                max_upload: config.max_upload,
                loopback_only: config.loopback_only,
            }),
        })
    }

    /// Every route, behind the guard.
    pub fn router(&self) -> Router {
        let state = Arc::clone(&self.state);
        Router::new()
            .route("/", get(page::index))
            .route("/app.js", get(page::script))
            .route("/style.css", get(page::style))
            .route("/favicon.ico", get(page::favicon))
            .route("/api/targets", get(api::targets))
            .route("/api/jobs", get(api::list).post(api::create))
            .route("/api/albums", axum::routing::post(api::create_album))
            .route("/api/jobs/{id}", get(api::get).delete(api::delete))
            .route("/api/jobs/{id}/events", get(api::events))
            .route("/api/jobs/{id}/report", get(api::report))
            .route("/api/jobs/{id}/files/{name}", get(api::file))
            .route("/api/jobs/{id}/rerun", axum::routing::post(api::rerun))
            .fallback(api::not_found)
            // The upload handler counts bytes itself and stops at the limit.
            .layer(DefaultBodyLimit::disable())
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&state),
                guard::guard,
            ))
            .with_state(state)
    }
}

/// Runs the server on `addr` until Ctrl-C (blocking; builds its own runtime).
/// `announce` is called with the bound address once requests are accepted.
/// A job still running at Ctrl-C is left as it is and found interrupted on
/// the next start.
pub fn run(
    config: Config,
    addr: SocketAddr,
    announce: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io(std::path::Path::new("tokio runtime"), e))?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::io(std::path::Path::new(&addr.to_string()), e))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::io(std::path::Path::new(&addr.to_string()), e))?;
        let app = App::open(config)?;
        announce(bound);
        serve(app, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::io(std::path::Path::new(&bound.to_string()), e))
    });
    // Do not wait for a mastering thread to finish its job.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.router()
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
