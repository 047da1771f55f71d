//! Fuzz decode + analyze: arbitrary bytes, presented as a file with each
//! extension the decoder recognises, must give audio or a clean error — never
//! a panic, a hang or a NaN in the measurements.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use mixmaster_analysis::{AnalysisOptions, Analyzer};
use mixmaster_io::AudioReader;

/// Caps work per input so the fuzzer explores formats, not long decodes.
const MAX_FRAMES: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the extension hint, the rest is the file.
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let ext = ["wav", "aiff", "flac", "mp3", "ogg", "m4a"][pick as usize % 6];
    let path = std::env::temp_dir().join(format!("mixmaster-fuzz-{}.{ext}", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("temp file");
    file.write_all(body).expect("write temp file");
    drop(file);

    if let Ok(mut reader) = AudioReader::open(&path) {
        let info = reader.info().clone();
        if let Ok(mut analyzer) = Analyzer::new(info.sample_rate, info.channels, AnalysisOptions::default()) {
            let mut block = vec![Vec::new(); info.channels];
            let mut total = 0;
            while let Ok(n) = reader.read_block(&mut block, 4096) {
                if n == 0 || total > MAX_FRAMES {
                    break;
                }
                total += n;
                let slices: Vec<&[f32]> = block.iter().map(|c| &c[..n]).collect();
                analyzer.push(&slices);
            }
            if let Ok(a) = analyzer.finish() {
                assert!(a.duration_s.is_finite());
            }
        }
    }
    let _ = std::fs::remove_file(&path);
});
