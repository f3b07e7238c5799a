//! The Lambda role grants exactly what the aws adapters call, on exactly the
//! resources they use.
//!
//! The operations come from the adapters' source (`api-handler/src/store/aws`,
//! less `provision.rs`, which only runs against an emulator): every method
//! called on a `client` that is an operation of one of the four SDK crates
//! (read from each crate's `src/operation/` in the registry), and the item
//! actions inside `TransactWriteItem`s, which IAM authorises one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use api_handler::store::aws::schema::TABLES;
use hcl::expr::Expression;
use hcl::{Block, Body};
use syn::visit::Visit;

use super::terraform;
use crate::util::project_root;

/// The SDK crates the adapters use, with their IAM service prefix.
const SERVICES: [(&str, &str); 4] = [
    ("aws-sdk-dynamodb", "dynamodb"),
    ("aws-sdk-cognitoidentityprovider", "cognito-idp"),
    ("aws-sdk-s3", "s3"),
    ("aws-sdk-sqs", "sqs"),
];

/// Adapter files that never run in the Lambda: creating resources in an
/// emulator, and the operator's dead-letter tool (feature `operations`).
const NOT_DEPLOYED: [&str; 2] = ["provision.rs", "dead_letters.rs"];

/// Cognito operations authorised by the app client id (or the user's own
/// token), not by IAM: the role needs no permission for them.
const CLIENT_AUTHORISED: [&str; 10] = [
    "sign_up",
    "confirm_sign_up",
    "initiate_auth",
    "respond_to_auth_challenge",
    "resend_confirmation_code",
    "forgot_password",
    "confirm_forgot_password",
    "revoke_token",
    "change_password",
    "global_sign_out",
];

/// Actions that AWS requires on `*` (they have no resource-level permissions).
const UNSCOPED: [&str; 2] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/// The policy documents attached to the Lambda role, by data source name.
const ROLE_POLICIES: [&str; 3] = ["lambda_logs", "lambda_tracing", "lambda_stores"];

/// `get_item` → `GetItem`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The IAM actions one SDK operation needs (none for client-authorised ones).
fn actions_for(prefix: &str, operation: &str) -> Vec<String> {
    let names: Vec<&str> = match (prefix, operation) {
        ("cognito-idp", op) if CLIENT_AUTHORISED.contains(&op) => vec![],
        // Authorised per item: the items are counted from the builders.
        ("dynamodb", "transact_write_items") => vec![],
        ("dynamodb", "transact_get_items") => vec!["GetItem"],
        ("s3", "delete_objects") => vec!["DeleteObject"],
        // Listing is authorised on the bucket, as `ListBucket`.
        ("s3", "list_objects_v2") => vec!["ListBucket"],
        ("sqs", "send_message_batch") => vec!["SendMessage"],
        ("sqs", "delete_message_batch") => vec!["DeleteMessage"],
        _ => return vec![format!("{prefix}:{}", pascal(operation))],
    };
    names.into_iter().map(|name| format!("{prefix}:{name}")).collect()
}

/// The source directory of each SDK crate in [`SERVICES`], from `cargo metadata`.
///
/// Filtered to the host platform: offline, an unfiltered `cargo metadata`
/// needs every package of the lock file for every platform, which a build
/// never downloads (on a fresh cargo home it stops at the first one, such as
/// `android_system_properties`).
fn sdk_sources() -> BTreeMap<&'static str, PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = host_triple();
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(project_root())
        .output()
        .unwrap_or_else(|err| panic!("cannot run cargo metadata: {err}"));
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("cargo metadata: {err}"));
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    SERVICES
        .iter()
        .map(|(krate, _)| {
            let manifest = packages
                .iter()
                .find(|package| package["name"] == *krate)
                .and_then(|package| package["manifest_path"].as_str())
                .unwrap_or_else(|| panic!("cargo metadata lists no {krate}"));
            let dir = Path::new(manifest).parent().unwrap_or_else(|| Path::new(manifest));
            (*krate, dir.join("src"))
        })
        .collect()
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap_or_else(|err| panic!("cannot run rustc -vV: {err}"));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("rustc -vV names no host"))
}

/// The operation names (`get_item`, ...) an SDK crate's client has.
fn operations(src: &Path) -> BTreeSet<String> {
    let dir = src.join("operation");
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.is_empty(), "{} lists no operation", dir.display());
    names
}

/// Method calls found in one adapter file.
#[derive(Default)]
struct Calls {
    /// Methods called directly on something named `client`.
    on_client: BTreeSet<String>,
    /// Methods called on `TransactWriteItem::builder()`: put, update, ...
    transact_items: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        match &*call.receiver {
            syn::Expr::Field(field) if matches!(&field.member, syn::Member::Named(name) if name == "client") => {
                self.on_client.insert(method);
            }
            syn::Expr::Path(path) if path.path.is_ident("client") => {
                self.on_client.insert(method);
            }
            syn::Expr::Call(inner) => {
                if let syn::Expr::Path(path) = &*inner.func {
                    let segments: Vec<String> = path.path.segments.iter().map(|s| s.ident.to_string()).collect();
                    if segments.ends_with(&["TransactWriteItem".to_owned(), "builder".to_owned()]) {
                        self.transact_items.insert(method);
                    }
                }
            }
            _ => {}
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// What one deployed adapter file calls.
struct FileCalls {
    /// The file's name.
    file: String,
    /// The SDK operations it calls on a client: (crate, IAM prefix, operation).
    operations: Vec<(&'static str, &'static str, String)>,
    /// The kinds of `TransactWriteItem` it builds: put, update, ...
    transact_items: BTreeSet<String>,
}

/// What each deployed adapter file calls, by file.
fn adapter_calls() -> Vec<FileCalls> {
    let sources = sdk_sources();
    let services: Vec<(&str, &str, BTreeSet<String>)> = SERVICES
        .iter()
        .map(|(krate, prefix)| (*krate, *prefix, operations(&sources[krate])))
        .collect();
    let dir = project_root().join("api-handler/src/store/aws");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| !NOT_DEPLOYED.iter().any(|name| path.ends_with(name)))
        .collect();
    files.sort();

    let mut found = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let syntax = syn::parse_file(&text).unwrap_or_else(|err| panic!("{} does not parse: {err}", path.display()));
        let mut calls = Calls::default();
        calls.visit_file(&syntax);
        let mut operations = Vec::new();
        for method in &calls.on_client {
            let mut owners: Vec<&(&str, &str, BTreeSet<String>)> =
                services.iter().filter(|(_, _, ops)| ops.contains(method)).collect();
            if owners.len() > 1 {
                // Ambiguous by name: the crate the file imports decides.
                owners.retain(|(krate, _, _)| text.contains(&krate.replace('-', "_")));
            }
            match owners.as_slice() {
                [] => {}
                [(krate, prefix, _)] => operations.push((*krate, *prefix, method.clone())),
                _ => panic!("{file}: `{method}` is an operation of several SDK crates; import the one it calls"),
            }
        }
        found.push(FileCalls {
            file,
            operations,
            transact_items: calls.transact_items,
        });
    }
    found
}

/// The IAM actions the deployed adapters need, each with where it comes from.
fn adapter_actions() -> BTreeMap<String, String> {
    let mut actions = BTreeMap::new();
    for FileCalls {
        file,
        operations,
        transact_items,
    } in adapter_calls()
    {
        for (krate, prefix, method) in &operations {
            for action in actions_for(prefix, method) {
                actions.insert(action, format!("{file}: {krate} {method}"));
            }
        }
        for item in &transact_items {
            let action = match item.as_str() {
                "put" => "PutItem",
                "update" => "UpdateItem",
                "delete" => "DeleteItem",
                "condition_check" => "ConditionCheckItem",
                other => panic!("{file}: unknown transaction item kind `{other}`"),
            };
            actions.insert(
                format!("dynamodb:{action}"),
                format!("{file}: TransactWriteItem {item}"),
            );
        }
    }
    actions
}

/// The DynamoDB API operations the deployed adapters call (`GetItem`,
/// `TransactWriteItems`, ...): the values of DynamoDB's `Operation` metric
/// dimension their requests are counted under.
pub(super) fn dynamodb_operations() -> BTreeSet<String> {
    adapter_calls()
        .into_iter()
        .flat_map(|calls| calls.operations)
        .filter(|(_, prefix, _)| *prefix == "dynamodb")
        .map(|(_, _, method)| pascal(&method))
        .collect()
}

/// What the SQS event source mapping needs of the function's role, when
/// events.gen.tf has one (there are consumers).
fn event_source_actions() -> Vec<&'static str> {
    let events = terraform("events.gen.tf");
    let mapped = events.blocks().any(|block| {
        block.identifier() == "resource"
            && block.labels().first().map(|label| label.as_str()) == Some("aws_lambda_event_source_mapping")
    });
    if mapped {
        vec!["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    } else {
        Vec::new()
    }
}

/// The `aws_iam_policy_document` data source `name` in iam.tf.
fn policy_document<'a>(iam: &'a Body, name: &str) -> &'a Block {
    iam.blocks()
        .find(|block| {
            block.identifier() == "data"
                && block
                    .labels()
                    .iter()
                    .map(|label| label.as_str())
                    .eq(["aws_iam_policy_document", name])
        })
        .unwrap_or_else(|| panic!("iam.tf lacks data.aws_iam_policy_document.{name}"))
}

/// A statement's `actions` (strings) and `resources` (as written).
fn statements(document: &Block) -> Vec<(Vec<String>, Vec<String>)> {
    document
        .body()
        .blocks()
        .filter(|block| block.identifier() == "statement")
        .map(|statement| {
            let list = |key: &str| -> Vec<String> {
                statement
                    .body()
                    .attributes()
                    .filter(|attribute| attribute.key() == key)
                    .flat_map(|attribute| match attribute.expr() {
                        Expression::Array(items) => items.clone(),
                        other => panic!("statement {key} must be a list, not {other}"),
                    })
                    .map(|item| match item {
                        Expression::String(text) => text,
                        other => hcl::format::to_string(&other).unwrap_or_else(|err| panic!("{err}")),
                    })
                    .collect()
            };
            let effect = statement
                .body()
                .attributes()
                .find(|attribute| attribute.key() == "effect")
                .map(|attribute| attribute.expr().to_string());
            assert!(
                effect.is_none_or(|effect| effect.contains("Allow")),
                "the role's policies only allow"
            );
            (list("actions"), list("resources"))
        })
        .collect()
}

#[test]
fn the_lambda_role_grants_exactly_what_the_adapters_call() {
    let needed = adapter_actions();
    // The derivation must see the adapters at all: a few it cannot miss.
    for action in [
        "dynamodb:Query",
        "cognito-idp:AdminDeleteUser",
        "s3:PutObject",
        "sqs:SendMessage",
    ] {
        assert!(
            needed.contains_key(action),
            "derived no {action} from the adapters: {needed:?}"
        );
    }
    let mut needed = needed;
    for action in event_source_actions() {
        needed.entry(action.to_owned()).or_insert_with(|| {
            "events.gen.tf: the queue's event source mapping polls with the function's role".to_owned()
        });
    }
    let iam = terraform("iam.tf");
    let granted: BTreeSet<String> = statements(policy_document(&iam, "lambda_stores"))
        .into_iter()
        .flat_map(|(actions, _)| actions)
        .collect();
    let missing: Vec<String> = needed
        .iter()
        .filter(|(action, _)| !granted.contains(*action))
        .map(|(action, from)| format!("{action} (called in {from})"))
        .collect();
    let extra: Vec<&String> = granted.iter().filter(|action| !needed.contains_key(*action)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "lambda_stores in terraform/iam.tf must grant what the adapters call.\nmissing: {missing:#?}\nnot called: {extra:#?}"
    );
}

#[test]
fn the_lambda_role_has_no_wildcard_beyond_what_aws_requires() {
    let iam = terraform("iam.tf");
    for name in ROLE_POLICIES {
        for (actions, resources) in statements(policy_document(&iam, name)) {
            for action in &actions {
                assert!(!action.contains('*'), "{name}: wildcard action {action}");
            }
            if resources.iter().any(|resource| resource == "*") {
                assert!(
                    actions.iter().all(|action| UNSCOPED.contains(&action.as_str())),
                    "{name}: resource \"*\" for {actions:?}; only {UNSCOPED:?} need it"
                );
            }
        }
    }
    // Nothing else reaches the role: no managed policies, no other inline ones.
    let mut attached: Vec<(String, String)> = super::references::configuration()
        .iter()
        .flat_map(|(_, body)| body.blocks())
        .filter(|block| block.identifier() == "resource")
        .filter_map(|block| match block.labels() {
            [kind, name] if kind.as_str().starts_with("aws_iam_role_policy") => {
                Some((kind.as_str().to_owned(), name.as_str().to_owned()))
            }
            _ => None,
        })
        .collect();
    attached.sort();
    let mut expected: Vec<(String, String)> = ROLE_POLICIES
        .iter()
        .map(|name| ("aws_iam_role_policy".to_owned(), (*name).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(attached, expected, "the role's policies");
}

#[test]
fn the_table_statement_names_every_table_and_index_and_nothing_else() {
    let iam = terraform("iam.tf");
    let table_statements: Vec<Vec<String>> = statements(policy_document(&iam, "lambda_stores"))
        .into_iter()
        .filter(|(actions, _)| actions.iter().any(|action| action.starts_with("dynamodb:")))
        .map(|(_, resources)| resources)
        .collect();
    let [resources] = table_statements.as_slice() else {
        panic!("expected one DynamoDB statement, found {table_statements:?}");
    };
    let mut expected: Vec<String> = TABLES
        .iter()
        .flat_map(|table| {
            let arn = format!("aws_dynamodb_table.{}.arn", table.suffix);
            let indexes: Vec<String> = table
                .indexes
                .iter()
                .map(|index| format!("\"${{{arn}}}/index/{}\"", index.name))
                .collect();
            std::iter::once(arn).chain(indexes)
        })
        .collect();
    expected.sort();
    let mut actual = resources.clone();
    actual.sort();
    assert_eq!(actual, expected);
}

#[test]
fn operation_names_map_to_iam_actions() {
    assert_eq!(actions_for("dynamodb", "batch_write_item"), ["dynamodb:BatchWriteItem"]);
    assert_eq!(actions_for("s3", "delete_objects"), ["s3:DeleteObject"]);
    assert_eq!(actions_for("s3", "list_objects_v2"), ["s3:ListBucket"]);
    assert!(actions_for("cognito-idp", "change_password").is_empty());
    assert!(actions_for("cognito-idp", "initiate_auth").is_empty());
    assert_eq!(
        actions_for("cognito-idp", "admin_delete_user"),
        ["cognito-idp:AdminDeleteUser"]
    );
}
