mod demo;
mod dpop;
mod headers;
mod metadata;
mod revoke;
mod token;
mod users;
mod util;
