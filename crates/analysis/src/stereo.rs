//! Stereo image of channels 0 and 1: correlation (whole file and worst 400 ms
//! window), side-to-mid ratio. Hand-written: these are a few running sums.

use crate::lanes::LaneSums;

/// Sums of products over a stretch of frames, in f64.
#[derive(Clone, Copy, Default)]
struct Products {
    ll: f64,
    rr: f64,
    lr: f64,
    frames: u64,
}

impl Products {
    fn merge(self, o: Self) -> Self {
        Self {
            ll: self.ll + o.ll,
            rr: self.rr + o.rr,
            lr: self.lr + o.lr,
            frames: self.frames + o.frames,
        }
    }

    /// Pearson correlation without mean removal (what a phase meter shows; DC is
    /// reported separately). `None` when both are silent, 0 when only one is.
    fn correlation(&self) -> Option<f64> {
        if self.ll == 0.0 && self.rr == 0.0 {
            None
        } else if self.ll == 0.0 || self.rr == 0.0 {
            Some(0.0)
        } else {
            Some((self.lr / (self.ll * self.rr).sqrt()).clamp(-1.0, 1.0))
        }
    }

    /// Mean square over both channels.
    fn mean_square(&self) -> f64 {
        (self.ll + self.rr) / (2 * self.frames.max(1)) as f64
    }
}

/// Hops per correlation window: 4 × 100 ms = 400 ms.
const WINDOW_HOPS: usize = 4;

/// Streaming stereo meter.
pub struct StereoMeter {
    /// Every complete hop, merged.
    total: Products,
    /// The hop being filled: L², R² and L·R.
    hop: LaneSums<3>,
    hop_frames: u64,
    /// Frames before the hop being filled.
    frames: u64,
    /// The last [`WINDOW_HOPS`] complete hops, oldest first.
    recent: Vec<Products>,
    hops_done: u64,
    /// Windows whose mean square is below this are skipped.
    gate_ms: f64,
    /// (correlation, index of the window's first hop).
    worst: Option<(f64, u64)>,
    /// Correlation of the window ending at each hop (`None` when gated).
    series: Vec<Option<f64>>,
}

/// What the stereo meter found.
pub struct StereoReport {
    pub correlation: Option<f64>,
    pub worst_correlation: Option<f64>,
    /// Index of the first 100 ms hop of the worst window.
    pub worst_window_first_hop: Option<u64>,
    pub side_to_mid_db: Option<f64>,
    /// Correlation of the 400 ms window ending at every hop; `None` when gated.
    pub series: Vec<Option<f64>>,
}

impl StereoMeter {
    pub fn new(correlation_gate_dbfs: f64) -> Self {
        Self {
            total: Products::default(),
            hop: LaneSums::default(),
            hop_frames: 0,
            frames: 0,
            recent: Vec::with_capacity(WINDOW_HOPS),
            hops_done: 0,
            gate_ms: 10f64.powf(correlation_gate_dbfs / 10.0),
            worst: None,
            series: Vec::new(),
        }
    }

    /// Feeds L and R (finite, equal lengths), never straddling a hop boundary.
    pub fn add(&mut self, left: &[f32], right: &[f32]) {
        // Lanes keyed to the frame's place in the stream: the sums do not
        // depend on how the caller splits the audio.
        let n = left.len().min(right.len());
        self.hop.add(self.frames + self.hop_frames, n, |i| {
            let (l, r) = (f64::from(left[i]), f64::from(right[i]));
            [l * l, r * r, l * r]
        });
        self.hop_frames += n as u64;
    }

    /// The hop being filled, as products, and a fresh one in its place.
    fn take_hop(&mut self) -> Products {
        let hop = Products {
            ll: self.hop.get(0),
            rr: self.hop.get(1),
            lr: self.hop.get(2),
            frames: self.hop_frames,
        };
        self.frames += self.hop_frames;
        self.hop = LaneSums::default();
        self.hop_frames = 0;
        hop
    }

    /// Closes a 100 ms hop and judges the 400 ms window that ends with it.
    pub fn hop(&mut self) {
        if self.recent.len() == WINDOW_HOPS {
            self.recent.remove(0);
        }
        let hop = self.take_hop();
        self.total = self.total.merge(hop);
        self.recent.push(hop);
        self.hops_done += 1;
        let window = self
            .recent
            .iter()
            .fold(Products::default(), |acc, &p| acc.merge(p));
        let gated = window.mean_square() < self.gate_ms;
        self.series
            .push(if gated { None } else { window.correlation() });
        if gated || self.recent.len() < WINDOW_HOPS {
            return;
        }
        if let Some(c) = window.correlation() {
            let first_hop = self.hops_done - WINDOW_HOPS as u64;
            if self.worst.is_none_or(|(w, _)| c < w) {
                self.worst = Some((c, first_hop));
            }
        }
    }

    pub fn finish(mut self) -> StereoReport {
        let partial = self.take_hop();
        let total = self.total.merge(partial);
        // Σ(L±R)²/4 from the products; the ¼ cancels in the ratio.
        let side = total.ll + total.rr - 2.0 * total.lr;
        let mid = total.ll + total.rr + 2.0 * total.lr;
        let ratio = 10.0 * (side.max(0.0) / mid.max(0.0)).log10();
        StereoReport {
            correlation: total.correlation(),
            worst_correlation: self.worst.map(|(c, _)| c),
            worst_window_first_hop: self.worst.map(|(_, h)| h),
            side_to_mid_db: ratio.is_finite().then_some(ratio),
            series: self.series,
        }
    }
}
