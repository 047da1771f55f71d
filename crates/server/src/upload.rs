//! Receiving a job: the multipart form is streamed field by field, files
//! straight to disk under names we choose, with the size limit counted as the
//! bytes arrive (the request is cut off at the limit, not read to the end
//! first). Files are then checked by content: the decoder must recognise
//! them as audio, whatever they are called.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, Multipart};
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;
use crate::jobs::{MIX_FILE, REFERENCE_FILE};
use crate::settings::JobSettings;

/// Longest text field accepted, bytes (targets and numbers are short).
const MAX_TEXT_FIELD: usize = 4096;

/// After refusing an over-long upload we read (and discard) up to this much
/// more, so the client sees the 413 instead of a reset connection; past it we
/// simply close.
const DRAIN_LIMIT: u64 = 64 << 20;

/// Longest file name kept for display.
const MAX_NAME_CHARS: usize = 200;

/// A received, checked job request.
#[derive(Debug)]
pub struct Upload {
    /// The mix's file name as uploaded (display only).
    pub mix_name: String,
    /// Size of the mix, bytes.
    pub mix_size: u64,
    /// The reference's name and size, when one was sent.
    pub reference: Option<(String, u64)>,
    /// Targets and options.
    pub settings: JobSettings,
}

/// Streams the form into `dir` (which must exist), enforcing `limit` bytes
/// over all files together. On any error the caller removes `dir`.
pub async fn receive(
    multipart: &mut Multipart,
    dir: &Path,
    limit: u64,
) -> Result<Upload, ApiError> {
    let mut total = 0u64;
    let mut mix = None;
    let mut reference = None;
    let mut settings = JobSettings::default();
    while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "mix" | "reference" => {
                let slot = if name == "mix" {
                    &mut mix
                } else {
                    &mut reference
                };
                if slot.is_some() {
                    return Err(ApiError::bad_request(format!("field '{name}' given twice")));
                }
                let display = display_name(field.file_name(), &name);
                let file = if name == "mix" {
                    MIX_FILE
                } else {
                    REFERENCE_FILE
                };
                let size = match save(field, &dir.join(file), &mut total, limit).await {
                    Ok(size) => size,
                    Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => {
                        drain(multipart).await;
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                *slot = Some((display, size));
            }
            _ => {
                let value = text(field).await?;
                settings.set(&name, &value).map_err(ApiError::bad_request)?;
            }
        }
    }
    let (mix_name, mix_size) =
        mix.ok_or_else(|| ApiError::bad_request("missing field 'mix' (the audio file)"))?;
    if mix_size == 0 {
        return Err(ApiError::bad_request("the mix is empty"));
    }
    settings
        .resolve(reference.is_some())
        .map_err(ApiError::bad_request)?;
    check_audio(dir.join(MIX_FILE), "mix").await?;
    if reference.is_some() {
        check_audio(dir.join(REFERENCE_FILE), "reference").await?;
    }
    Ok(Upload {
        mix_name,
        mix_size,
        reference,
        settings,
    })
}

pub(crate) fn bad_form(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(e.status(), format!("bad form: {}", e.body_text()))
}

/// The uploaded name, trimmed to its last component, for display only.
pub(crate) fn display_name(name: Option<&str>, fallback: &str) -> String {
    let name = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(fallback);
    name.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect()
}

/// Writes one file field to `path`, counting into `total`; 413 past `limit`.
pub(crate) async fn save(
    mut field: Field<'_>,
    path: &Path,
    total: &mut u64,
    limit: u64,
) -> Result<u64, ApiError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
        size += chunk.len() as u64;
        *total += chunk.len() as u64;
        if *total > limit {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("upload larger than the limit of {limit} bytes"),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
    Ok(size)
}

/// A short text field.
pub(crate) async fn text(mut field: Field<'_>) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD {
            return Err(ApiError::bad_request(format!("field '{name}' is too long")));
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(format!("field '{name}' is not UTF-8")))
}

/// Reads and discards what is left of the request, up to [`DRAIN_LIMIT`].
pub(crate) async fn drain(multipart: &mut Multipart) {
    let mut drained = 0u64;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len() as u64;
            if drained > DRAIN_LIMIT {
                return;
            }
        }
    }
}

/// 415 unless the decoder recognises the file as audio of at most two channels.
pub(crate) async fn check_audio(path: PathBuf, what: &str) -> Result<(), ApiError> {
    let verdict = tokio::task::spawn_blocking(move || {
        mixmaster_io::AudioReader::open(&path).map(|r| r.info().channels)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the audio check failed: {e}")))?;
    match verdict {
        Ok(channels) if channels <= 2 => Ok(()),
        Ok(channels) => Err(ApiError::bad_request(format!(
            "{what}: {channels} channels; mastering takes a stereo (or mono) mix"
        ))),
        Err(e) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{what}: not a readable audio file ({})",
                strip_path(&e.to_string())
            ),
        )),
    }
}

/// The io error's text without our folder in front of it.
fn strip_path(message: &str) -> &str {
    message.split_once(": ").map_or(message, |(_, rest)| rest)
}
