//! Running sums that vectorise and still do not depend on block boundaries.
//!
//! A long running sum in `f64` is a chain of dependent additions (≈ 4 cycles
//! each); the meters that only sum (levels, stereo products) were latency
//! bound. Here frame `t` of the stream always goes to accumulator lane
//! `t mod LANES`, so each lane sees the same sequence of additions however the
//! audio is cut into blocks, and the lanes are only combined, in a fixed
//! order, when the sum is read.

/// Accumulator lanes: one AVX register of `f64`.
pub(crate) const LANES: usize = 4;

/// `K` running sums, each split over [`LANES`] lanes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneSums<const K: usize> {
    lanes: [[f64; LANES]; K],
}

impl<const K: usize> Default for LaneSums<K> {
    fn default() -> Self {
        Self {
            lanes: [[0.0; LANES]; K],
        }
    }
}

impl<const K: usize> LaneSums<K> {
    /// Adds `terms(i)` for the `len` frames `i` of a run whose first frame is
    /// frame `start` of the stream.
    #[inline(always)]
    pub(crate) fn add(&mut self, start: u64, len: usize, terms: impl Fn(usize) -> [f64; K]) {
        let first_lane = (start % LANES as u64) as usize;
        let head = ((LANES - first_lane) % LANES).min(len);
        let mut add_one = |i: usize, lane: usize| {
            let t = terms(i);
            for (acc, v) in self.lanes.iter_mut().zip(t) {
                acc[lane] += v;
            }
        };
        for i in 0..head {
            add_one(i, first_lane + i);
        }
        // From here on, frame `i` is in lane `(i - head) % LANES`.
        let body = (len - head) / LANES * LANES;
        for base in (head..head + body).step_by(LANES) {
            for lane in 0..LANES {
                add_one(base + lane, lane);
            }
        }
        for i in head + body..len {
            add_one(i, i - head - body);
        }
    }

    /// Sum `k`, lanes combined in a fixed order.
    pub(crate) fn get(&self, k: usize) -> f64 {
        let [a, b, c, d] = self.lanes[k];
        (a + b) + (c + d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same stream cut into runs of different lengths gives bit-identical
    /// sums, equal to the exact sum of small integers.
    #[test]
    fn sums_do_not_depend_on_the_cuts() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64 * 0.01).collect();
        let mut reference = None;
        for cut in [1, 2, 3, 5, 64, 999, 1000] {
            let mut sums = LaneSums::<2>::default();
            let mut at = 0;
            while at < xs.len() {
                let n = cut.min(xs.len() - at);
                sums.add(at as u64, n, |i| [xs[at + i], xs[at + i] * xs[at + i]]);
                at += n;
            }
            let got = (sums.get(0), sums.get(1));
            assert_eq!(*reference.get_or_insert(got), got, "runs of {cut}");
        }
        let exact: i64 = (0..1000).map(|i| (i * 37) % 101).sum();
        let (s, _) = reference.unwrap();
        assert!((s - exact as f64 * 0.01).abs() < 1e-9, "{s}");
    }
}
