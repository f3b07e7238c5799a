//! `DomainError`: how a domain rule refuses a request, in the domain's own
//! terms. `crate::errors` maps it to the error contract, once.

use std::fmt;

/// One broken rule: where (a JSON pointer into the request, or a parameter
/// name) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The offending field: `/at`, `from`, or empty for the whole request.
    pub field: &'static str,
    /// What the rule requires.
    pub message: &'static str,
}

/// A request a domain rule refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// Values that break rules no JSON Schema can state.
    Invalid(Vec<Violation>),
}

impl DomainError {
    /// One broken rule on `field`.
    pub fn invalid(field: &'static str, message: &'static str) -> DomainError {
        DomainError::Invalid(vec![Violation { field, message }])
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Invalid(violations) => {
                let mut first = true;
                for violation in violations {
                    let separator = if first { "" } else { "; " };
                    first = false;
                    write!(f, "{separator}{}: {}", violation.field, violation.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DomainError {}
