//! The expression language of the users API's `filter` and `search` parameters, e.g.
//! `profile.login eq "alice@example.com" and status eq "ACTIVE"` (Okta's SCIM-like filter
//! syntax, RFC 7644 §3.4.2.2).
//!
//! Supported: `eq`, `ne`, `sw`, `co`, `gt`, `ge`, `lt`, `le`, `pr`, `and`, `or` and
//! parentheses (no `not`). String comparisons ignore ASCII case, as Okta's do for logins.

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Compare {
        attribute: String,
        op: Op,
        value: String,
    },
    Present {
        attribute: String,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Sw,
    Co,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Why an expression did not parse (answered as E0000031).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError;

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 32;
/// Longer expressions are refused: evaluation recurses once per `and`/`or`.
const MAX_TOKENS: usize = 1000;

impl Expr {
    /// Parses an expression.
    pub(crate) fn parse(text: &str) -> Result<Self, ParseError> {
        let tokens = tokenize(text)?;
        if tokens.len() > MAX_TOKENS {
            return Err(ParseError);
        }
        let mut parser = Parser {
            tokens,
            position: 0,
        };
        let expr = parser.or(0)?;
        if parser.position != parser.tokens.len() {
            return Err(ParseError);
        }
        Ok(expr)
    }

    /// Evaluates the expression; `attribute` looks up a value by its name (e.g. `profile.login`),
    /// `None` when the subject does not have it.
    pub(crate) fn matches<'a>(&self, attribute: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Expr::Or(left, right) => left.matches(attribute) || right.matches(attribute),
            Expr::And(left, right) => left.matches(attribute) && right.matches(attribute),
            Expr::Present { attribute: name } => attribute(name).is_some_and(|v| !v.is_empty()),
            Expr::Compare {
                attribute: name,
                op,
                value,
            } => {
                let Some(actual) = attribute(name) else {
                    return *op == Op::Ne;
                };
                let actual = actual.to_ascii_lowercase();
                let value = value.to_ascii_lowercase();
                match op {
                    Op::Eq => actual == value,
                    Op::Ne => actual != value,
                    Op::Sw => actual.starts_with(&value),
                    Op::Co => actual.contains(&value),
                    Op::Gt => actual > value,
                    Op::Ge => actual >= value,
                    Op::Lt => actual < value,
                    Op::Le => actual <= value,
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next().ok_or(ParseError)? {
                        '"' => break,
                        '\\' => value.push(chars.next().ok_or(ParseError)?),
                        other => value.push(other),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

impl Parser {
    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.position), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.and(depth)?;
        while self.peek_keyword("or") {
            self.position += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.primary(depth)?;
        while self.peek_keyword("and") {
            self.position += 1;
            left = Expr::And(Box::new(left), Box::new(self.primary(depth)?));
        }
        Ok(left)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError);
        }
        match self.next().ok_or(ParseError)? {
            Token::Open => {
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(ParseError),
                }
            }
            Token::Word(attribute) => {
                let Some(Token::Word(op)) = self.next() else {
                    return Err(ParseError);
                };
                let op = match op.to_ascii_lowercase().as_str() {
                    "pr" => return Ok(Expr::Present { attribute }),
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "sw" => Op::Sw,
                    "co" => Op::Co,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    _ => return Err(ParseError),
                };
                let value = match self.next().ok_or(ParseError)? {
                    Token::Quoted(value) => value,
                    // Unquoted literals: true, false, null and numbers.
                    Token::Word(value) if !is_keyword(&value) => value,
                    _ => return Err(ParseError),
                };
                Ok(Expr::Compare {
                    attribute,
                    op,
                    value,
                })
            }
            Token::Close | Token::Quoted(_) => Err(ParseError),
        }
    }
}

fn is_keyword(word: &str) -> bool {
    ["and", "or"].iter().any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> Option<&'static str> {
        match name {
            "id" => Some("00u1"),
            "status" => Some("ACTIVE"),
            "profile.login" => Some("Alice@example.com"),
            _ => None,
        }
    }

    fn eval(text: &str) -> bool {
        Expr::parse(text).unwrap().matches(&user)
    }

    #[test]
    fn eq_ignores_case() {
        assert!(eval(r#"profile.login eq "alice@example.com""#));
        assert!(!eval(r#"profile.login eq "bob@example.com""#));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert!(eval(r#"id eq "x" or id eq "00u1" and status eq "ACTIVE""#));
        assert!(!eval(
            r#"(id eq "x" or id eq "00u1") and status eq "STAGED""#
        ));
    }

    #[test]
    fn sw_pr_and_escapes() {
        assert!(eval(r#"profile.login sw "ali""#));
        assert!(eval("profile.login pr"));
        assert!(!eval("profile.mobilePhone pr"));
        assert!(!eval(r#"profile.login eq "a\"b""#));
    }

    #[test]
    fn garbage_is_refused() {
        for text in [
            "",
            "id",
            "id eq",
            "id eq and",
            "(id eq \"x\"",
            "id zz \"x\"",
            "\"x\" eq id",
            "id eq \"x",
            ")",
        ] {
            assert_eq!(Expr::parse(text), Err(ParseError), "{text}");
        }
        let deep = format!("{}id pr{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(Expr::parse(&deep), Err(ParseError));
    }
}
