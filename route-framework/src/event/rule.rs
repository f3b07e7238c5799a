//! The names of the EventBridge rules that schedule jobs: written into
//! Terraform by [`terraform::events`](crate::terraform::events), read back
//! by the Lambda adapter to find the job a scheduled event runs.

/// What separates the stack's name from the job's in a rule name.
const SEPARATOR: char = '.';

/// The rule name of `job` in `stack`: `{stack}.{job}`.
///
/// ```
/// use route_framework::event::{rule_job, rule_name};
///
/// let rule = rule_name("lifestyle-prod", "daily_reminder");
/// assert_eq!(rule, "lifestyle-prod.daily_reminder");
/// let arn = format!("arn:aws:events:eu-west-1:123456789012:rule/{rule}");
/// assert_eq!(rule_job(&arn), "daily_reminder");
/// ```
pub fn rule_name(stack: &str, job: &str) -> String {
    format!("{stack}{SEPARATOR}{job}")
}

/// The job a rule names, from its name or ARN: what [`rule_name`] put after
/// the stack's name.
pub fn rule_job(rule: &str) -> &str {
    let name = rule.rsplit('/').next().unwrap_or(rule);
    name.rsplit(SEPARATOR).next().unwrap_or(name)
}
