mod api;
mod bad_input;
mod connect;
mod demo;
mod harness;
mod secrets;
mod token_lifecycle;
mod user;
