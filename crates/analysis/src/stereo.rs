//! Stereo image of channels 0 and 1: correlation (whole file and worst 400 ms
//! window), side-to-mid ratio. Hand-written: these are a few running sums.

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
    total: Products,
    mid_sq: f64,
    side_sq: f64,
    /// The hop being filled.
    hop: Products,
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
            mid_sq: 0.0,
            side_sq: 0.0,
            hop: Products::default(),
            recent: Vec::with_capacity(WINDOW_HOPS),
            hops_done: 0,
            gate_ms: 10f64.powf(correlation_gate_dbfs / 10.0),
            worst: None,
            series: Vec::new(),
        }
    }

    /// Feeds L and R (finite, equal lengths), never straddling a hop boundary.
    pub fn add(&mut self, left: &[f32], right: &[f32]) {
        // Accumulated sample by sample into both running sums (not per block and then
        // merged), so the result does not depend on how the caller splits the audio.
        for (&l, &r) in left.iter().zip(right) {
            let (l, r) = (f64::from(l), f64::from(r));
            for p in [&mut self.hop, &mut self.total] {
                p.ll += l * l;
                p.rr += r * r;
                p.lr += l * r;
            }
            let (m, s) = (0.5 * (l + r), 0.5 * (l - r));
            self.mid_sq += m * m;
            self.side_sq += s * s;
        }
        self.hop.frames += left.len() as u64;
        self.total.frames += left.len() as u64;
    }

    /// Closes a 100 ms hop and judges the 400 ms window that ends with it.
    pub fn hop(&mut self) {
        if self.recent.len() == WINDOW_HOPS {
            self.recent.remove(0);
        }
        self.recent.push(std::mem::take(&mut self.hop));
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

    pub fn finish(self) -> StereoReport {
        let ratio = 10.0 * (self.side_sq / self.mid_sq).log10();
        StereoReport {
            correlation: self.total.correlation(),
            worst_correlation: self.worst.map(|(c, _)| c),
            worst_window_first_hop: self.worst.map(|(_, h)| h),
            side_to_mid_db: ratio.is_finite().then_some(ratio),
            series: self.series,
        }
    }
}
