//! For every part-A processor: `process` never allocates (a counting global
//! allocator watches this thread), the latency measured with an impulse equals
//! `latency()`, and after signal followed by 10 s of silence the output holds
//! only exact zeros or normal numbers (no denormals).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mixmaster_dsp::filter::biquad::FilterType;
use mixmaster_dsp::filter::{BandShape, Eq, EqBand, EqParams, LinearPhaseEq};
use mixmaster_dsp::stereo::{
    Balance, BalanceParams, MonoBelow, MonoBelowParams, PanLaw, PanParams, Panner, Polarity,
    PolarityParams, StereoWidth, WidthParams,
};
use mixmaster_dsp::time::{Delay, DelayParams, Reverb, ReverbParams};
use mixmaster_dsp::utility::{
    DcBlocker, DcBlockerParams, Dither, DitherParams, Fade, FadeCurve, FadeDirection, FadeParams,
    Gain, GainParams, NoiseShaping,
};
use mixmaster_dsp::{ProcessSpec, Processor};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

const SR: f64 = 48_000.0;
const MAX_BLOCK: usize = 1024;

fn eq_params(gain: f64) -> EqParams {
    EqParams {
        bands: vec![
            EqBand::new(BandShape::ButterworthHighPass(4), 30.0, 0.707, 0.0),
            EqBand::new(BandShape::Biquad(FilterType::Peak), 2500.0, 1.2, gain),
            EqBand::new(BandShape::Biquad(FilterType::HighShelf), 9000.0, 0.707, 2.0),
        ],
    }
}

/// A processor plus a parameter change to apply mid-stream.
trait Tweak: Processor {
    fn tweak(&mut self);
}

impl Tweak for Eq {
    fn tweak(&mut self) {
        self.set_params(eq_params(5.0));
    }
}
impl Tweak for LinearPhaseEq {
    fn tweak(&mut self) {
        self.set_params(eq_params(5.0));
    }
}
impl Tweak for Panner {
    fn tweak(&mut self) {
        self.set_params(PanParams {
            pan_pct: 40.0,
            law: PanLaw::Minus4_5,
        });
    }
}
impl Tweak for Balance {
    fn tweak(&mut self) {
        self.set_params(BalanceParams {
            balance_pct: -30.0,
            law: PanLaw::Minus3,
        });
    }
}
impl Tweak for Polarity {
    fn tweak(&mut self) {
        self.set_params(PolarityParams {
            invert: vec![false, true],
        });
    }
}
impl Tweak for StereoWidth {
    fn tweak(&mut self) {
        self.set_params(WidthParams { width_pct: 150.0 });
    }
}
impl Tweak for MonoBelow {
    fn tweak(&mut self) {
        self.set_params(MonoBelowParams { freq_hz: 200.0 });
    }
}
impl Tweak for Delay {
    fn tweak(&mut self) {
        self.set_params(DelayParams {
            ping_pong: true,
            feedback_pct: 70.0,
            ..DelayParams::default()
        });
    }
}
impl Tweak for Reverb {
    fn tweak(&mut self) {
        self.set_params(ReverbParams {
            rt60_s: 1.0,
            ..ReverbParams::default()
        });
    }
}
impl Tweak for Gain {
    fn tweak(&mut self) {
        self.set_params(GainParams { gain_db: 6.0 });
    }
}
/// Stages whose settings are fixed at prepare time.
macro_rules! no_tweak {
    ($($t:ty),*) => { $(impl Tweak for $t { fn tweak(&mut self) {} })* };
}
no_tweak!(DcBlocker, Fade, Dither);

fn processors() -> Vec<(&'static str, Box<dyn Tweak>)> {
    vec![
        ("eq", Box::new(Eq::new(eq_params(-4.0)))),
        (
            "linear_phase_eq",
            Box::new(LinearPhaseEq::new(eq_params(-4.0))),
        ),
        ("panner", Box::new(Panner::new(PanParams::default()))),
        ("balance", Box::new(Balance::new(BalanceParams::default()))),
        (
            "polarity",
            Box::new(Polarity::new(PolarityParams {
                invert: vec![true, false],
            })),
        ),
        ("width", Box::new(StereoWidth::new(WidthParams::default()))),
        (
            "mono_below",
            Box::new(MonoBelow::new(MonoBelowParams::default())),
        ),
        ("delay", Box::new(Delay::new(DelayParams::default()))),
        ("reverb", Box::new(Reverb::new(ReverbParams::default()))),
        ("gain", Box::new(Gain::new(GainParams { gain_db: -3.0 }))),
        (
            "dc_blocker",
            Box::new(DcBlocker::new(DcBlockerParams::default())),
        ),
        (
            "fade",
            Box::new(Fade::new(FadeParams {
                direction: FadeDirection::Out,
                curve: FadeCurve::SCurve,
                start_s: 5.0,
                length_s: 2.0,
            })),
        ),
        (
            "dither",
            Box::new(Dither::new(DitherParams {
                bits: 16,
                shaping: NoiseShaping::Lipshitz9,
                seed: 1,
            })),
        ),
    ]
}

fn noise(state: &mut u64) -> f32 {
    // xorshift64: enough for test excitation, no allocation.
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
}

#[test]
fn process_never_allocates_and_silence_stays_clean() {
    // The counter sees allocations on this thread (so the check can fail).
    let before = allocs();
    let probe = std::hint::black_box(vec![1u8; 16]);
    assert!(allocs() > before && probe.len() == 16);
    for (name, mut p) in processors() {
        p.prepare(&ProcessSpec::new(SR, 2, MAX_BLOCK));
        let mut l = vec![0.0f32; MAX_BLOCK];
        let mut r = vec![0.0f32; MAX_BLOCK];
        let mut seed = 0x1234_5678_9abc_def0u64;
        let sizes = [MAX_BLOCK, 1, 77, 256, 1000, 513];
        let mut total = 0;
        let mut block = 0;
        // 1 s of noise (with a parameter change after 0.5 s), then 10 s of silence.
        while total < 11 * 48_000 {
            let n = sizes[block % sizes.len()];
            let loud = total < 48_000;
            for i in 0..n {
                l[i] = if loud { noise(&mut seed) } else { 0.0 };
                r[i] = if loud { noise(&mut seed) } else { 0.0 };
            }
            if block == 60 {
                p.tweak();
            }
            let before = allocs();
            p.process(&mut [&mut l[..n], &mut r[..n]]);
            let made = allocs() - before;
            assert_eq!(
                made, 0,
                "{name}: process allocated {made} times (block {block})"
            );
            if total > 48_000 * 2 {
                assert!(
                    l[..n]
                        .iter()
                        .chain(&r[..n])
                        .all(|v| *v == 0.0 || v.is_normal()),
                    "{name}: denormal output in silence"
                );
            }
            total += n;
            block += 1;
        }
    }
}

#[test]
fn impulse_measured_latency_equals_reported_latency() {
    for (name, mut p) in processors() {
        p.prepare(&ProcessSpec::new(SR, 2, MAX_BLOCK));
        let latency = p.latency();
        let len = latency + 4096;
        let mut l = vec![0.0f32; len];
        let mut r = vec![0.0f32; len];
        l[0] = 0.5;
        r[0] = 0.5;
        for (a, b) in l.chunks_mut(MAX_BLOCK).zip(r.chunks_mut(MAX_BLOCK)) {
            p.process(&mut [a, b]);
        }
        // The largest output sample sits at the reported latency.
        let peak = l
            .iter()
            .chain(&r)
            .enumerate()
            .map(|(i, v)| (i % len, v.abs()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        assert_eq!(
            peak,
            Some(latency),
            "{name}: impulse peak vs latency {latency}"
        );
    }
}
