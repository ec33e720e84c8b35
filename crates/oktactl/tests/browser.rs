//! The real-browser test, in a test binary of its own: `thirtyfour` adds `impl Add<Key> for
//! String`, which breaks `String + &String` inference in every module it is linked with, so it
//! stays out of the main suite (`tests/all.rs`). It shares the suite's harness files.

mod suite {
    #![allow(dead_code)]
    pub mod harness;
    pub mod interactive_support;

    mod browser;
}
