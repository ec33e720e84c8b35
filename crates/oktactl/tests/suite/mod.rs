mod bad_input;
mod connect;
mod demo;
mod faults;
mod harness;
mod secrets;
mod token_lifecycle;
