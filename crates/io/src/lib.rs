//! mixmaster-io: getting audio in and out of files.
//!
//! - **Decode** ([`AudioReader`], [`read_audio`]): any format symphonia supports —
//!   WAV (8/16/24/32-bit int, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), AIFF/AIFC,
//!   FLAC, MP3, Ogg Vorbis, ALAC/AAC in MP4 — streamed block by block into planar
//!   `f32`, integer PCM bit-exact, memory flat however long the file.
//! - **Resample** ([`Resampler`], [`resample`]): 256-tap windowed-sinc (rubato),
//!   time-aligned, exact output length; measured quality on [`Resampler`].
//! - **Encode** ([`AudioWriter`], [`write_audio`]): WAV 16/24/float32, AIFF 16/24,
//!   FLAC 16/24, streaming, written to a temp file and renamed into place; existing
//!   files need `force`, inputs are never overwritten ([`check_output`]).
//!
//! All errors are [`Error`], whose `Display` is one line naming the file.

mod aiff;
mod buffer;
mod decode;
mod error;
mod flac;
mod format;
mod resample;
mod sniff;
mod tags;
mod write;

pub use buffer::AudioBuffer;
pub use decode::{AudioInfo, AudioReader, read_audio};
pub use error::{Error, FilePath, Result};
pub use format::{EncodeSpec, FileFormat, SampleFormat};
pub use resample::{Resampler, resample};
pub use tags::{Artwork, Tags, image_mime, read_tags, validate_isrc};
pub use write::{AudioWriter, WriteOptions, check_output, write_audio};
