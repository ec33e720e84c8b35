//! Integration tests of the sandbox over real HTTP on 127.0.0.1, one module per area.

mod suite;
