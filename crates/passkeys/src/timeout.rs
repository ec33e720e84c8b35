//! The challenge timeout (`tokenLifetimeSeconds`): upstream's `-Timeout` defaults to 5 minutes
//! and accepts 1 s – 1 day (reference §8).

use std::time::Duration;

use crate::PasskeyError;

/// Upstream's default challenge lifetime.
pub const DEFAULT_CHALLENGE_TIMEOUT: Duration = Duration::from_secs(300);
const MIN_SECS: u64 = 1;
const MAX_SECS: u64 = 86_400;

/// Parses `30s`, `5m`, `2h`, `1d` or plain seconds (`300`), in 1 s – 1 day.
pub fn parse_challenge_timeout(input: &str) -> Result<Duration, PasskeyError> {
    let bad = |reason: &str| PasskeyError::InvalidTimeout {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let text = input.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let value: u64 = number
        .parse()
        .map_err(|_| bad("expected a number with s, m, h or d, e.g. 5m"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad("the unit must be s, m, h or d")),
    };
    let secs = value
        .checked_mul(factor)
        .ok_or_else(|| bad("must be at most 1 day"))?;
    if secs < MIN_SECS {
        return Err(bad("must be at least 1 second"));
    }
    if secs > MAX_SECS {
        return Err(bad("must be at most 1 day"));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units_and_plain_seconds() {
        for (input, secs) in [
            ("30s", 30),
            ("5m", 300),
            ("2h", 7200),
            ("1d", 86_400),
            ("1", 1),
        ] {
            assert_eq!(
                parse_challenge_timeout(input).unwrap().as_secs(),
                secs,
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_out_of_range_and_garbage() {
        for input in [
            "0",
            "0s",
            "2d",
            "86401",
            "5w",
            "m",
            "",
            "-1",
            "99999999999999999999d",
        ] {
            assert!(parse_challenge_timeout(input).is_err(), "{input}");
        }
    }
}
