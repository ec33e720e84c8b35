mod bad_input;
mod connect;
mod demo;
mod harness;
mod passkey;
mod secrets;
mod token_lifecycle;
