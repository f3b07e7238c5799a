//! What the aws backend reads from the environment, once, at start-up.

use std::fmt;

/// The environment variables the aws backend requires, in the order a
/// missing-variables message lists them.
pub const REQUIRED_VARS: [&str; 9] = [
    "AWS_REGION",
    "USERS_TABLE_NAME",
    "GOALS_TABLE_NAME",
    "AGGREGATES_TABLE_NAME",
    "ATTACHMENTS_BUCKET_NAME",
    "NOTIFICATIONS_QUEUE_URL",
    "USER_POOL_ID",
    "USER_POOL_CLIENT_ID",
    "APP_CURSOR_SECRET",
];

/// The shortest accepted `APP_CURSOR_SECRET`, in bytes.
pub const MIN_CURSOR_SECRET: usize = 32;

/// Names and endpoints of the AWS resources the adapters use.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// The region of every resource (`AWS_REGION`).
    pub region: String,
    /// An emulator (or VPC endpoint) every client talks to instead of AWS
    /// (`AWS_ENDPOINT_URL`); S3 then uses path-style addressing.
    pub endpoint_url: Option<String>,
    /// DynamoDB table of profiles, idempotency records and the outbox.
    pub users_table: String,
    /// DynamoDB table of goals, progress entries and attachment records.
    pub goals_table: String,
    /// DynamoDB table of the aggregates statistics are computed from.
    pub aggregates_table: String,
    /// S3 bucket of attachment bytes.
    pub bucket: String,
    /// SQS queue (FIFO) the domain events are published to.
    pub queue_url: String,
    /// Cognito user pool.
    pub user_pool_id: String,
    /// Cognito app client (no secret).
    pub client_id: String,
    /// The secret public cursors are signed with, shared by every instance.
    pub cursor_secret: Vec<u8>,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("users_table", &self.users_table)
            .field("goals_table", &self.goals_table)
            .field("aggregates_table", &self.aggregates_table)
            .field("bucket", &self.bucket)
            .field("queue_url", &self.queue_url)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("cursor_secret", &"<redacted>")
            .finish()
    }
}

impl AwsSettings {
    /// Reads every variable through `env`; fails with one message naming
    /// every missing or malformed one.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<AwsSettings, String> {
        let value = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let region = value("AWS_REGION").or_else(|| value("AWS_DEFAULT_REGION"));
        let missing: Vec<&str> = REQUIRED_VARS
            .iter()
            .copied()
            .filter(|name| match *name {
                "AWS_REGION" => region.is_none(),
                name => value(name).is_none(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the aws backend needs these environment variables, which are not set: {}",
                missing.join(", ")
            ));
        }
        let get = |name: &str| value(name).unwrap_or_default();
        let cursor_secret = get("APP_CURSOR_SECRET").into_bytes();
        if cursor_secret.len() < MIN_CURSOR_SECRET {
            return Err(format!(
                "APP_CURSOR_SECRET must be at least {MIN_CURSOR_SECRET} bytes (it signs the listing cursors)"
            ));
        }
        Ok(AwsSettings {
            region: region.unwrap_or_default(),
            endpoint_url: value("AWS_ENDPOINT_URL"),
            users_table: get("USERS_TABLE_NAME"),
            goals_table: get("GOALS_TABLE_NAME"),
            aggregates_table: get("AGGREGATES_TABLE_NAME"),
            bucket: get("ATTACHMENTS_BUCKET_NAME"),
            queue_url: get("NOTIFICATIONS_QUEUE_URL"),
            user_pool_id: get("USER_POOL_ID"),
            client_id: get("USER_POOL_CLIENT_ID"),
            cursor_secret,
        })
    }

    /// The issuer of the pool's tokens.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.user_pool_id
        )
    }

    /// Where the pool's signing keys are published: under the emulator when
    /// one is configured, else under the issuer.
    pub fn jwks_url(&self) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!(
                "{}/{}/.well-known/jwks.json",
                endpoint.trim_end_matches('/'),
                self.user_pool_id
            ),
            None => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let err = AwsSettings::from_env(env(&[("USERS_TABLE_NAME", "u")])).unwrap_err();
        for name in REQUIRED_VARS.iter().filter(|name| **name != "USERS_TABLE_NAME") {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
        assert!(!err.contains("USERS_TABLE_NAME"));
    }

    /// Every required variable, with a 32-byte secret.
    const COMPLETE: [(&str, &str); 9] = [
        ("AWS_REGION", "eu-west-1"),
        ("USERS_TABLE_NAME", "u"),
        ("GOALS_TABLE_NAME", "g"),
        ("AGGREGATES_TABLE_NAME", "a"),
        ("ATTACHMENTS_BUCKET_NAME", "b"),
        ("NOTIFICATIONS_QUEUE_URL", "q"),
        ("USER_POOL_ID", "eu-west-1_abc"),
        ("USER_POOL_CLIENT_ID", "c"),
        ("APP_CURSOR_SECRET", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn the_jwks_url_follows_the_endpoint() {
        let mut vars = COMPLETE.to_vec();
        let settings = AwsSettings::from_env(env(&vars)).unwrap();
        assert_eq!(
            settings.jwks_url(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json"
        );
        assert!(
            !format!("{settings:?}").contains("0123456789abcdef"),
            "the secret is never printed"
        );
        vars.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"));
        let settings = AwsSettings::from_env(env(&vars)).unwrap();
        assert_eq!(
            settings.jwks_url(),
            "http://127.0.0.1:5000/eu-west-1_abc/.well-known/jwks.json"
        );
        assert_eq!(
            settings.issuer(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
        );
    }

    #[test]
    fn a_short_cursor_secret_is_refused() {
        let mut vars = COMPLETE.to_vec();
        // The later value wins.
        vars.push(("APP_CURSOR_SECRET", "short"));
        assert!(
            AwsSettings::from_env(env(&vars))
                .unwrap_err()
                .contains("APP_CURSOR_SECRET")
        );
    }
}
