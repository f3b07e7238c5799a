//! Start-up settings, read once from the environment and the command line.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use route_framework::metrics::Metrics;
use route_framework::server::Limits;

use crate::app::Options;
use crate::store::aws::AwsSettings;

/// Default address of the local server.
pub const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Default port of the local server.
pub const DEFAULT_PORT: u16 = 3000;
/// Default data directory of the embedded backend.
pub const DEFAULT_DATA_DIR: &str = ".data";
/// Default data directory of the embedded backend inside Lambda.
pub const LAMBDA_DATA_DIR: &str = "/tmp/lifestyle-data";

/// Environment variables the Lambda runtime needs besides `AWS_LAMBDA_RUNTIME_API`.
const LAMBDA_VARS: [&str; 3] = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Usage text for `--help`.
pub const USAGE: &str = "\
api-handler: the app's API, as an AWS Lambda or a local HTTP server

USAGE: api-handler [--backend embedded|aws] [--host HOST] [--port PORT] [--data-dir DIR]

Runs the Lambda runtime when AWS_LAMBDA_RUNTIME_API is set, otherwise a local
server on 127.0.0.1:3000.

OPTIONS:
  --backend NAME   embedded (SQLite and files; the local default) or aws (DynamoDB,
                   Cognito, S3, SQS; the Lambda default) (env APP_BACKEND)
  --host HOST      address to bind (env HOST; default 127.0.0.1)
  --port PORT      port to bind (env PORT; default 3000; 0 picks a free port)
  --data-dir DIR   embedded backend data directory (env APP_DATA_DIR; default ./.data)
  -h, --help       print this help

ENVIRONMENT:
  RUST_LOG                  log filter (default info)
  APP_PUBLIC_URL            base URL of presigned attachment URLs (default http://HOST:PORT)
  APP_HEADER_TIMEOUT_SECS   time to send request headers, and idle keep-alive time (default 10)
  APP_BODY_TIMEOUT_SECS     time to send a request body, else 408 (default 60)
  APP_MAX_CONNECTIONS       connections held at once; a new one closes the longest idle (default 200)
  APP_NOTIFICATION_RETENTION_DAYS   days a notification is kept (default 90)
  METRICS_NAMESPACE         CloudWatch namespace of the metrics in the log lines (default: none
                            locally, the function's name in Lambda)

  With the aws backend, all of these are required:
  AWS_REGION                the region of every resource
  USERS_TABLE_NAME, GOALS_TABLE_NAME, AGGREGATES_TABLE_NAME   the DynamoDB tables
  ATTACHMENTS_BUCKET_NAME   the S3 bucket
  NOTIFICATIONS_QUEUE_URL   the SQS FIFO queue
  USER_POOL_ID, USER_POOL_CLIENT_ID                           the Cognito pool and app client
  APP_CURSOR_SECRET         at least 32 bytes, the same on every instance (signs cursors)
  and optionally AWS_ENDPOINT_URL (an emulator such as moto) and the usual
  AWS credential variables.
";

/// Which adapters the service runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    /// SQLite and files in the data directory.
    Embedded,
    /// DynamoDB, Cognito, S3 and SQS, named by these settings.
    Aws(Box<AwsSettings>),
}

/// Where the binary runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Under the Lambda runtime API.
    Lambda,
    /// As a local HTTP server on this address.
    Local(SocketAddr),
    /// Print usage and exit.
    Help,
}

/// Everything the binary reads at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Lambda or local server.
    pub mode: Mode,
    /// The embedded backend's data directory.
    pub data_dir: PathBuf,
    /// Base URL clients reach the server at (for presigned blob URLs);
    /// `None` means `http://<bound address>`.
    pub public_url: Option<String>,
    /// The local server's timeouts and connection cap.
    pub limits: Limits,
    /// The backend.
    pub backend: BackendChoice,
    /// Metrics and retention.
    pub options: Options,
}

/// A start-up setting is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Reads the process environment and arguments.
    pub fn from_process() -> Result<Settings, SettingsError> {
        Settings::parse(|name| std::env::var(name).ok(), std::env::args().skip(1))
    }

    /// Reads settings from `env` and the command-line `args` (without the program name).
    /// Flags win over environment variables.
    pub fn parse(
        env: impl Fn(&str) -> Option<String>,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Settings, SettingsError> {
        let mut host = env("HOST").filter(|h| !h.is_empty());
        let mut port = env("PORT").filter(|p| !p.is_empty());
        let mut data_dir = env("APP_DATA_DIR").filter(|d| !d.is_empty());
        let mut backend = env("APP_BACKEND").filter(|b| !b.is_empty());
        let public_url = env("APP_PUBLIC_URL").filter(|u| !u.is_empty());
        let limits = limits(&env)?;
        let in_lambda = env("AWS_LAMBDA_RUNTIME_API").is_some_and(|v| !v.is_empty());
        let options = options(&env, in_lambda)?;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| SettingsError(format!("`{name}` needs a value\n\n{USAGE}")))
            };
            match flag.as_str() {
                "--host" => host = Some(value("--host")?),
                "--port" => port = Some(value("--port")?),
                "--data-dir" => data_dir = Some(value("--data-dir")?),
                "--backend" => backend = Some(value("--backend")?),
                "-h" | "--help" => {
                    return Ok(Settings {
                        mode: Mode::Help,
                        data_dir: PathBuf::new(),
                        public_url: None,
                        limits,
                        backend: BackendChoice::Embedded,
                        options,
                    });
                }
                _ => {
                    return Err(SettingsError(format!("unknown argument `{arg}`\n\n{USAGE}")));
                }
            }
        }

        let explicit_data_dir = data_dir.is_some();
        let data_dir = PathBuf::from(data_dir.unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(SettingsError(format!(
                "invalid APP_PUBLIC_URL `{url}`: expected http://… or https://…"
            )));
        }
        if in_lambda {
            let missing: Vec<&str> = LAMBDA_VARS
                .into_iter()
                .filter(|name| env(name).is_none_or(|v| v.is_empty()))
                .collect();
            if !missing.is_empty() {
                return Err(SettingsError(format!(
                    "AWS_LAMBDA_RUNTIME_API is set but {} missing: the Lambda runtime sets them",
                    quote_list(&missing)
                )));
            }
        }
        let backend = match backend.as_deref() {
            Some("embedded") => BackendChoice::Embedded,
            Some("aws") => BackendChoice::Aws(Box::new(AwsSettings::from_env(&env).map_err(SettingsError)?)),
            None if in_lambda => BackendChoice::Aws(Box::new(AwsSettings::from_env(&env).map_err(SettingsError)?)),
            None => BackendChoice::Embedded,
            Some(other) => {
                return Err(SettingsError(format!(
                    "unknown backend `{other}`: expected `embedded` or `aws`"
                )));
            }
        };
        if in_lambda {
            // Lambda's only writable directory is /tmp: an embedded backend
            // (APP_BACKEND=embedded) lives there unless told otherwise.
            let data_dir = if explicit_data_dir {
                data_dir
            } else {
                PathBuf::from(LAMBDA_DATA_DIR)
            };
            return Ok(Settings {
                mode: Mode::Lambda,
                data_dir,
                public_url,
                limits,
                backend,
                options,
            });
        }

        let host: IpAddr = match host {
            Some(host) => host.parse().map_err(|_| {
                SettingsError(format!(
                    "invalid host `{host}`: expected an IP address such as 127.0.0.1"
                ))
            })?,
            None => DEFAULT_HOST,
        };
        let port: u16 = match port {
            Some(port) => port
                .parse()
                .map_err(|_| SettingsError(format!("invalid port `{port}`: expected 0-65535")))?,
            None => DEFAULT_PORT,
        };
        Ok(Settings {
            mode: Mode::Local(SocketAddr::new(host, port)),
            data_dir,
            public_url,
            limits,
            backend,
            options,
        })
    }
}

/// The metrics namespace (`METRICS_NAMESPACE`; in Lambda, the function's
/// name by default) and how long notifications are kept
/// (`APP_NOTIFICATION_RETENTION_DAYS`).
fn options(env: &impl Fn(&str) -> Option<String>, in_lambda: bool) -> Result<Options, SettingsError> {
    let namespace = env("METRICS_NAMESPACE")
        .filter(|ns| !ns.is_empty())
        .or_else(|| in_lambda.then(|| env("AWS_LAMBDA_FUNCTION_NAME")).flatten());
    let metrics = match namespace {
        Some(namespace) => {
            Some(Metrics::new(&namespace).map_err(|err| SettingsError(format!("METRICS_NAMESPACE: {err}")))?)
        }
        None => None,
    };
    let mut options = Options {
        metrics,
        ..Options::default()
    };
    if let Some(text) = env("APP_NOTIFICATION_RETENTION_DAYS").filter(|v| !v.is_empty()) {
        let days = text
            .parse::<u32>()
            .ok()
            .filter(|days| (1..=3650).contains(days))
            .ok_or_else(|| {
                SettingsError(format!(
                    "invalid APP_NOTIFICATION_RETENTION_DAYS `{text}`: expected a whole number of days from 1 to 3650"
                ))
            })?;
        options.notification_retention = chrono::Duration::days(i64::from(days));
    }
    Ok(options)
}

/// The server limits: the defaults, or `APP_HEADER_TIMEOUT_SECS`,
/// `APP_BODY_TIMEOUT_SECS` and `APP_MAX_CONNECTIONS` (positive whole numbers).
fn limits(env: &impl Fn(&str) -> Option<String>) -> Result<Limits, SettingsError> {
    let number = |name: &str| -> Result<Option<u64>, SettingsError> {
        match env(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| SettingsError(format!("invalid {name} `{text}`: expected a positive whole number"))),
        }
    };
    let defaults = Limits::default();
    Ok(Limits {
        header_read_timeout: number("APP_HEADER_TIMEOUT_SECS")?
            .map_or(defaults.header_read_timeout, Duration::from_secs),
        body_read_timeout: number("APP_BODY_TIMEOUT_SECS")?.map_or(defaults.body_read_timeout, Duration::from_secs),
        max_connections: match number("APP_MAX_CONNECTIONS")? {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => defaults.max_connections,
        },
    })
}

/// `A`, or `A and B are`, for messages.
fn quote_list(names: &[&str]) -> String {
    match names {
        [one] => format!("{one} is"),
        _ => format!("{} are", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(env: &[(&str, &str)], args: &[&str]) -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::parse(|name| env.get(name).cloned(), args.iter().map(|a| (*a).to_owned()))
    }

    fn local(addr: &str) -> Mode {
        Mode::Local(addr.parse().unwrap_or_else(|_| panic!("bad test address {addr}")))
    }

    #[test]
    fn defaults_to_a_local_server_on_loopback_port_3000() {
        let expected = Settings {
            mode: local("127.0.0.1:3000"),
            data_dir: PathBuf::from(".data"),
            public_url: None,
            limits: Limits::default(),
            backend: BackendChoice::Embedded,
            options: Options::default(),
        };
        assert_eq!(parse(&[], &[]), Ok(expected));
    }

    #[test]
    fn metrics_are_named_by_the_environment_and_on_in_lambda_by_default() {
        let namespace =
            |env: &[(&str, &str)]| parse(env, &[]).map(|s| s.options.metrics.map(|m| m.namespace().to_owned()));
        assert_eq!(namespace(&[]), Ok(None));
        assert_eq!(
            namespace(&[("METRICS_NAMESPACE", "lifestyle-prod")]),
            Ok(Some("lifestyle-prod".to_owned()))
        );
        let lambda = [
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_LAMBDA_FUNCTION_NAME", "api"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1"),
            ("APP_BACKEND", "embedded"),
        ];
        assert_eq!(namespace(&lambda), Ok(Some("api".to_owned())));
        let err = parse(&[("METRICS_NAMESPACE", "AWS/Lambda")], &[]).unwrap_err();
        assert!(err.0.contains("METRICS_NAMESPACE"), "{err}");
    }

    #[test]
    fn notifications_are_kept_90_days_unless_told_otherwise() {
        let retention = |env: &[(&str, &str)]| parse(env, &[]).map(|s| s.options.notification_retention.num_days());
        assert_eq!(retention(&[]), Ok(90));
        assert_eq!(retention(&[("APP_NOTIFICATION_RETENTION_DAYS", "7")]), Ok(7));
        for bad in ["0", "-1", "seven", "4000"] {
            let err = parse(&[("APP_NOTIFICATION_RETENTION_DAYS", bad)], &[]).unwrap_err();
            assert!(err.0.contains("APP_NOTIFICATION_RETENTION_DAYS"), "{err}");
        }
    }

    #[test]
    fn flags_override_environment_variables() {
        let env = [("HOST", "0.0.0.0"), ("PORT", "8080")];
        assert_eq!(parse(&env, &[]).map(|s| s.mode), Ok(local("0.0.0.0:8080")));
        assert_eq!(
            parse(&env, &["--port", "9000"]).map(|s| s.mode),
            Ok(local("0.0.0.0:9000"))
        );
        assert_eq!(
            parse(&env, &["--host=127.0.0.2", "--port=1"]).map(|s| s.mode),
            Ok(local("127.0.0.2:1"))
        );
    }

    #[test]
    fn bad_values_and_unknown_flags_are_errors() {
        assert!(parse(&[("PORT", "70000")], &[]).is_err_and(|e| e.0.contains("invalid port `70000`")));
        assert!(parse(&[], &["--host", "localhost:1"]).is_err_and(|e| e.0.contains("invalid host")));
        assert!(parse(&[], &["--verbose"]).is_err_and(|e| e.0.contains("unknown argument `--verbose`")));
        assert!(parse(&[], &["--port"]).is_err_and(|e| e.0.contains("`--port` needs a value")));
    }

    #[test]
    fn the_lambda_runtime_api_selects_lambda_mode_and_needs_its_variables() {
        let mut env = vec![("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")];
        let err = parse(&env, &[]).unwrap_err();
        assert!(
            err.0.contains(
                "AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION are missing"
            ),
            "{err}"
        );
        env.extend([
            ("AWS_LAMBDA_FUNCTION_NAME", "api"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1"),
        ]);
        let aws_default = parse(&env, &[]).unwrap_err();
        assert!(
            aws_default.0.contains("USERS_TABLE_NAME") && aws_default.0.contains("USER_POOL_ID"),
            "in Lambda the aws backend is the default: {aws_default}"
        );
        env.push(("APP_BACKEND", "embedded"));
        let settings = parse(&env, &[]).unwrap();
        assert_eq!(
            (settings.mode, settings.data_dir),
            (Mode::Lambda, PathBuf::from(LAMBDA_DATA_DIR))
        );
    }

    #[test]
    fn the_backend_is_chosen_by_flag_or_environment() {
        let secret = "x".repeat(32);
        let aws = [
            ("AWS_REGION", "eu-west-1"),
            ("USERS_TABLE_NAME", "u"),
            ("GOALS_TABLE_NAME", "g"),
            ("AGGREGATES_TABLE_NAME", "a"),
            ("ATTACHMENTS_BUCKET_NAME", "b"),
            ("NOTIFICATIONS_QUEUE_URL", "https://sqs/q.fifo"),
            ("USER_POOL_ID", "eu-west-1_p"),
            ("USER_POOL_CLIENT_ID", "c"),
            ("APP_CURSOR_SECRET", secret.as_str()),
        ];
        assert!(matches!(parse(&aws, &[]).unwrap().backend, BackendChoice::Embedded));
        assert!(matches!(
            parse(&aws, &["--backend", "aws"]).unwrap().backend,
            BackendChoice::Aws(settings) if settings.users_table == "u"
        ));
        let mut chosen = aws.to_vec();
        chosen.push(("APP_BACKEND", "aws"));
        assert!(matches!(parse(&chosen, &[]).unwrap().backend, BackendChoice::Aws(_)));
        let missing = parse(&[], &["--backend=aws"]).unwrap_err();
        assert!(missing.0.contains("AWS_REGION, USERS_TABLE_NAME"), "{missing}");
        assert!(parse(&[], &["--backend", "sqlite"]).is_err_and(|e| e.0.contains("unknown backend `sqlite`")));
    }

    #[test]
    fn the_server_limits_are_configurable() {
        let env = [
            ("APP_HEADER_TIMEOUT_SECS", "3"),
            ("APP_BODY_TIMEOUT_SECS", "7"),
            ("APP_MAX_CONNECTIONS", "50"),
        ];
        let limits = parse(&env, &[]).unwrap().limits;
        assert_eq!(
            (
                limits.header_read_timeout,
                limits.body_read_timeout,
                limits.max_connections
            ),
            (Duration::from_secs(3), Duration::from_secs(7), 50)
        );
        for bad in ["0", "-1", "ten"] {
            assert!(parse(&[("APP_MAX_CONNECTIONS", bad)], &[]).is_err_and(|e| e.0.contains("APP_MAX_CONNECTIONS")));
        }
    }

    #[test]
    fn the_data_directory_and_public_url_are_configurable() {
        let env = [
            ("APP_DATA_DIR", "/var/lib/app"),
            ("APP_PUBLIC_URL", "https://api.example.com"),
        ];
        let settings = parse(&env, &["--data-dir", "/srv/data"]).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/data"));
        assert_eq!(settings.public_url.as_deref(), Some("https://api.example.com"));
        assert!(parse(&[("APP_PUBLIC_URL", "api.example.com")], &[]).is_err());
    }
}
