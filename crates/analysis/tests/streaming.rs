//! Streaming: the result must not depend on how the programme is cut into blocks.
//! Every sum is accumulated sample by sample in the same order whatever the block
//! size, so results are compared for exact equality, not with a tolerance.

mod common;

use common::{FS, noise, sine};
use mixmaster_analysis::{Analysis, AnalysisOptions, Analyzer, analyze};

/// 4.3 s of stereo programme exercising every meter: leading silence, noise and a
/// sine, a phase-inverted stretch, clipped runs, a NaN, and a tail of silence.
fn programme() -> (Vec<f32>, Vec<f32>) {
    let fs = FS as usize;
    let tone = sine(220.0, -12.0, 4.0, FS);
    let hiss = noise(4 * fs, 0.1, 7);
    let mut l: Vec<f32> = tone.iter().zip(&hiss).map(|(a, b)| a + b).collect();
    let mut r: Vec<f32> = tone
        .iter()
        .zip(hiss.iter().rev())
        .map(|(a, b)| a - b)
        .collect();
    r[fs..fs + fs / 2].iter_mut().for_each(|x| *x = -*x);
    l[2 * fs..2 * fs + 5].fill(1.0);
    r[3 * fs] = f32::NAN;
    let lead = vec![0.0; 777];
    let tail = vec![0.0; fs * 3 / 10];
    (
        [lead.clone(), l, tail.clone()].concat(),
        [lead, r, tail].concat(),
    )
}

fn in_blocks(l: &[f32], r: &[f32], block: usize) -> Analysis {
    let mut an = Analyzer::new(FS, 2, AnalysisOptions::default()).unwrap();
    for (bl, br) in l.chunks(block).zip(r.chunks(block)) {
        an.push(&[bl, br]);
    }
    an.finish().unwrap()
}

#[test]
fn block_size_does_not_change_the_result() {
    let (l, r) = programme();
    let whole = analyze(&[&l, &r], FS).unwrap();
    assert_eq!(whole.clipped_runs, 1);
    assert_eq!(whole.non_finite_samples, 1);
    assert_eq!(whole.leading_silence_s, 777.0 / f64::from(FS));
    for block in [1, 100, 4096] {
        assert_eq!(in_blocks(&l, &r, block), whole, "block size {block}");
    }
}
