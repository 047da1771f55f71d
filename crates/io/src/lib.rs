//! mixmaster-io: decode any common audio file to planar `f32`, resample with a
//! high-quality sinc, and encode WAV/AIFF/FLAC with atomic, input-safe writes.

mod aiff;
mod buffer;
mod decode;
mod error;
mod flac;
mod format;
mod resample;
mod sniff;
mod write;

pub use buffer::AudioBuffer;
pub use decode::{AudioInfo, AudioReader, read_audio};
pub use error::{Error, FilePath, Result};
pub use format::{EncodeSpec, FileFormat, SampleFormat};
pub use resample::{Resampler, resample};
pub use write::{AudioWriter, WriteOptions, check_output, write_audio};
