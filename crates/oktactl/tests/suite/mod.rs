mod bad_input;
mod connect;
mod demo;
mod harness;
mod interactive;
mod interactive_support;
mod secrets;
mod token_lifecycle;
