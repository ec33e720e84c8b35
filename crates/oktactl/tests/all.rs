//! Integration tests of the `oktactl` binary against the in-process sandbox, over real HTTP on
//! 127.0.0.1. One binary, one module per area.

mod suite;
