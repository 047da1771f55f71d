//! Runtime CPU dispatch to wider-vector copies of portable sample loops.
//!
//! The release binary targets baseline x86-64 (SSE2) so that it runs on every
//! x86-64 CPU. The hot loops are written once, as portable Rust in an
//! `#[inline(always)]` body; [`dispatch!`] adds a copy of that body compiled
//! with `#[target_feature(enable = "avx2")]` (or `"avx"`), in which the
//! compiler vectorises the same loops 4 (`f64`) or 8 (`f32`) lanes wide, and a
//! dispatching function that takes the copy when the CPU has the feature.
//!
//! Both paths run the same operations in the same order: the compiler only
//! vectorises loops whose lanes are independent (it never reassociates a float
//! sum), and the bodies call no `mul_add` (Rust never fuses a multiply and an
//! add by itself), so no result depends on whether a fused multiply-add
//! exists. The output is bit-identical on every CPU; only the speed depends on
//! it.
//!
//! The detection is `std::arch::is_x86_feature_detected!`, a load and test of
//! a cached word after the first call, so the dispatch costs nothing next to a
//! block of samples.

/// Defines a dispatching function (or `&mut self` method) and its
/// `#[target_feature]` copy from one portable body.
///
/// ```text
/// dispatch! {
///     /// Docs of the dispatching function.
///     pub(crate) fn process(&mut self, input: &[f32], out: &mut [f32]) -> Ret;
///     /// Docs of the copy (why it vectorises, why it gives the same results).
///     feature "avx2" fn process_avx2;
///     portable fn process_portable;
/// }
/// ```
///
/// expands to `process`, which calls `process_avx2` when the CPU supports the
/// feature and `process_portable` otherwise, and to `process_avx2`, compiled
/// with the feature enabled, whose body is a call of `process_portable` (to be
/// written by hand, `#[inline(always)]` so that it is compiled into the copy).
/// The receiver may be `&mut self` or absent (a free function); `-> Ret` is
/// optional; attributes and docs before each `fn` go onto that function. On
/// other architectures only `process` exists and it calls the portable body.
///
/// Exported (as `mixmaster_dsp::dispatch!`) so that the engine's own sample
/// loops (faders, bus sums) get the same treatment under the same rules.
#[macro_export]
macro_rules! dispatch {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident(&mut $self:ident $(, $arg:ident: $ty:ty)* $(,)?) $(-> $ret:ty)?;
        $(#[$fast_meta:meta])*
        feature $feature:tt fn $fast:ident;
        portable fn $portable:ident;
    ) => {
        $(#[$meta])*
        $vis fn $name(&mut $self $(, $arg: $ty)*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if ::std::arch::is_x86_feature_detected!($feature) {
                // SAFETY: the copy's only precondition is the CPU feature it is
                // compiled for, detected just above.
                return unsafe { $self.$fast($($arg),*) };
            }
            $self.$portable($($arg),*)
        }

        $(#[$fast_meta])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $fast(&mut $self $(, $arg: $ty)*) $(-> $ret)? {
            $self.$portable($($arg),*)
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;
        $(#[$fast_meta:meta])*
        feature $feature:tt fn $fast:ident;
        portable fn $portable:ident;
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if ::std::arch::is_x86_feature_detected!($feature) {
                // SAFETY: the copy's only precondition is the CPU feature it is
                // compiled for, detected just above.
                return unsafe { $fast($($arg),*) };
            }
            $portable($($arg),*)
        }

        $(#[$fast_meta])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $fast($($arg: $ty),*) $(-> $ret)? {
            $portable($($arg),*)
        }
    };
}

pub(crate) use crate::dispatch;

#[cfg(test)]
mod tests {
    /// Non-commutative in its arguments, so a forwarding slip shows.
    #[inline(always)]
    fn blend_portable(a: &[f64], b: &[f64], w: f64) -> f64 {
        a.iter().zip(b).map(|(x, y)| x - w * y).sum()
    }

    dispatch! {
        fn blend(a: &[f64], b: &[f64], w: f64) -> f64;
        feature "avx2" fn blend_avx2;
        portable fn blend_portable;
    }

    struct Acc(Vec<f32>);

    impl Acc {
        dispatch! {
            fn add(&mut self, x: &[f32], k: f32);
            feature "avx" fn add_avx;
            portable fn add_portable;
        }

        #[inline(always)]
        fn add_portable(&mut self, x: &[f32], k: f32) {
            for (a, v) in self.0.iter_mut().zip(x) {
                *a = *a * k + v;
            }
        }
    }

    /// The dispatcher and the feature copy forward every argument in order
    /// and return the portable body's result to the bit.
    #[test]
    fn dispatch_forwards_to_the_portable_body() {
        let a: Vec<f64> = (0..37).map(|i| (f64::from(i) * 0.37).sin()).collect();
        let b: Vec<f64> = (0..37).map(|i| (f64::from(i) * 0.11).cos()).collect();
        let want = blend_portable(&a, &b, 0.3);
        assert_eq!(blend(&a, &b, 0.3).to_bits(), want.to_bits());
        assert_ne!(blend(&b, &a, 0.3).to_bits(), want.to_bits());

        let x: Vec<f32> = (0..37u8).map(|i| f32::from(i) * 0.25 - 3.0).collect();
        let mut portable = Acc(vec![1.5; 37]);
        portable.add_portable(&x, 0.75);
        let mut dispatched = Acc(vec![1.5; 37]);
        dispatched.add(&x, 0.75);
        assert_eq!(dispatched.0, portable.0);

        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut copy = Acc(vec![1.5; 37]);
            // SAFETY: AVX2 (hence AVX) support checked just above.
            let got = unsafe {
                copy.add_avx(&x, 0.75);
                blend_avx2(&a, &b, 0.3)
            };
            assert_eq!(got.to_bits(), want.to_bits());
            assert_eq!(copy.0, portable.0);
        }
    }
}
