//! `process` never allocates: every part-B processor is prepared (where it may
//! allocate), then run on blocks of varied sizes and contents with a counting
//! global allocator watching this thread.

use mixmaster_dsp::dynamics::{
    Compressor, CompressorParams, DeEsser, Detection, Gate, Limiter, LimiterParams, Multiband,
};
use mixmaster_dsp::saturation::{SaturationMode, Saturator, SaturatorParams};
use mixmaster_dsp::{ProcessSpec, Processor};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `process` over loud, quiet and silent blocks of
/// several sizes (including 1 and the maximum).
fn allocations_in_process(p: &mut dyn Processor, channels: usize) -> usize {
    let max_block = 1024;
    p.prepare(&ProcessSpec::new(44_100.0, channels, max_block));
    let mut bufs: Vec<Vec<f32>> = vec![vec![0.0; max_block]; channels];
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for (round, &len) in [1usize, 64, 1024, 333, 1024, 7].iter().enumerate() {
        for (c, buf) in bufs.iter_mut().enumerate() {
            for (n, s) in buf.iter_mut().enumerate() {
                let amp = [4.0, 0.001, 0.0][round % 3];
                *s = amp * ((n * (c + 3)) as f32 * 0.37).sin();
            }
        }
        let mut block: Vec<&mut [f32]> = bufs.iter_mut().map(|b| &mut b[..len]).collect();
        WATCHING.with(|w| w.set(true));
        p.process(&mut block);
        WATCHING.with(|w| w.set(false));
    }
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn process_never_allocates() {
    let processors: Vec<(&str, Box<dyn Processor>, usize)> = vec![
        (
            "limiter",
            Box::new(Limiter::new(LimiterParams::default())),
            2,
        ),
        ("limiter 6ch", Box::new(Limiter::default()), 6),
        ("compressor", Box::new(Compressor::default()), 2),
        (
            "compressor rms lookahead hpf",
            Box::new(Compressor::new(CompressorParams {
                detection: Detection::Rms,
                lookahead_ms: 3.0,
                sidechain_hpf_hz: 100.0,
                ..CompressorParams::default()
            })),
            2,
        ),
        ("gate", Box::new(Gate::default()), 2),
        ("de-esser", Box::new(DeEsser::default()), 2),
        ("multiband", Box::new(Multiband::default()), 2),
        (
            "saturator tube",
            Box::new(Saturator::new(SaturatorParams {
                mode: SaturationMode::Tube,
                ..SaturatorParams::default()
            })),
            2,
        ),
        ("saturator mono", Box::new(Saturator::default()), 1),
    ];
    for (name, mut p, channels) in processors {
        let n = allocations_in_process(p.as_mut(), channels);
        assert_eq!(n, 0, "{name} allocated {n} times in process");
    }
}

#[test]
fn sidechain_processing_never_allocates() {
    let mut c = Compressor::default();
    c.prepare(&ProcessSpec::new(48_000.0, 2, 256));
    let mut a = vec![0.5f32; 256];
    let mut b = vec![-0.5f32; 256];
    let key = vec![0.9f32; 256];
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    WATCHING.with(|w| w.set(true));
    c.process_with_sidechain(&mut [&mut a[..], &mut b[..]], &[&key[..]]);
    WATCHING.with(|w| w.set(false));
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst) - before, 0);
}
