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
//! - **MP3** ([`Mp3Writer`]): CBR via LAME, ID3v2.4 tag + gapless Info frame, same
//!   atomic temp-file discipline.
//! - **Tags** ([`Tags`], [`read_tags`]): written at encode time with
//!   [`AudioWriter::create_with_tags`] (WAV INFO + ID3, AIFF ID3, FLAC Vorbis comment
//!   + PICTURE) and read back; artwork checked by content ([`Artwork::from_file`]).
//!
//! All errors are [`Error`], whose `Display` is one line naming the file.

mod aiff;
mod atomic;
mod buffer;
mod decode;
mod error;
mod flac;
mod format;
mod mp3;
mod opus;
mod pcm;
mod resample;
mod sniff;
mod tags;
mod truncation;
mod wav_block;
mod write;

pub use atomic::write_file_atomic;
pub use buffer::AudioBuffer;
pub use decode::{AudioInfo, AudioReader, read_audio};
pub use error::{Error, FilePath, Result, io_message};
pub use format::{EncodeSpec, FileFormat, SampleFormat};
pub use mp3::{Mp3Options, Mp3Writer};
pub use opus::{OPUS_RATE, OpusOptions, OpusReader, OpusWriter};
pub use resample::{Resampler, resample};
pub use tags::{Artwork, Tags, image_mime, read_tags, validate_isrc};
pub use truncation::Truncation;
pub use write::{AudioWriter, WriteOptions, check_output, write_audio};
