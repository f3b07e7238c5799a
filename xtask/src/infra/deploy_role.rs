//! The deploy role's policy (`terraform/bootstrap/deploy-role-policy.json`,
//! which docs/deploy.md has the account's administrator attach once) grants
//! what a deploy needs and nothing else.
//!
//! What a deploy needs is derived from `terraform/*.tf`: the resource types
//! it declares, each with the actions the AWS provider calls to create, read,
//! update, delete and tag one (the table [`PROVIDER_ACTIONS`], kept by hand:
//! a type the table lacks fails the test, so a new kind of resource cannot
//! be deployed without its permissions), plus what neither a resource type
//! nor the provider shows: the state bucket, the calls AWS services make on
//! the caller's behalf, and the workflow's own image push ([`EXTRAS`]).
//! Every resource a statement names must be one of the stack's, by the names
//! terraform/ gives them ([`NAMED`]), or one AWS allows no narrower.

use std::collections::{BTreeMap, BTreeSet};

use hcl::Body;
use serde_json::Value;

use super::references::configuration;
use crate::util::project_root;

/// The policy, relative to the project root.
const POLICY: &str = "terraform/bootstrap/deploy-role-policy.json";

/// What the AWS provider (hashicorp/aws 5.x, `~> 5.60` in versions.tf) calls
/// for each resource type terraform/ declares: its create, read (every plan
/// refreshes), update, delete and tagging operations (`default_tags` in
/// versions.tf tags every resource that has tags), as IAM actions, for the
/// arguments this configuration sets. This is the provider's CRUD set, kept
/// by hand, not derived mechanically: the function, the stage and the user
/// pool were checked against the provider's source (internal/service/*/,
/// as cited below); the other types follow the provider's usual pattern
/// (Create/Describe-or-Get/Update/Delete plus the service's tag calls) and
/// the Service Authorization Reference's action names. A first deploy that
/// meets AccessDenied names the missing action: add it here and to the policy.
const PROVIDER_ACTIONS: &[(&str, &[&str])] = &[
    (
        "aws_apigatewayv2_api",
        // API Gateway authorises by HTTP method on a path: CreateApi is POST
        // /apis, GetApi GET /apis/{id}, UpdateApi PATCH, DeleteApi DELETE,
        // TagResource POST /tags/{arn}, UntagResource DELETE /tags/{arn}.
        &[
            "apigateway:POST",
            "apigateway:GET",
            "apigateway:PATCH",
            "apigateway:DELETE",
        ],
    ),
    (
        "aws_apigatewayv2_authorizer",
        &[
            "apigateway:POST",
            "apigateway:GET",
            "apigateway:PATCH",
            "apigateway:DELETE",
        ],
    ),
    (
        "aws_apigatewayv2_integration",
        &[
            "apigateway:POST",
            "apigateway:GET",
            "apigateway:PATCH",
            "apigateway:DELETE",
        ],
    ),
    (
        "aws_apigatewayv2_route",
        &[
            "apigateway:POST",
            "apigateway:GET",
            "apigateway:PATCH",
            "apigateway:DELETE",
        ],
    ),
    (
        "aws_apigatewayv2_stage",
        // CreateStage, GetStage (and GetApi for its protocol), UpdateStage,
        // DeleteRouteSettings and DeleteStage (internal/service/apigatewayv2/stage.go).
        &[
            "apigateway:POST",
            "apigateway:GET",
            "apigateway:PATCH",
            "apigateway:DELETE",
        ],
    ),
    (
        "aws_cloudwatch_dashboard",
        // internal/service/cloudwatch/dashboard.go: PutDashboard creates and
        // updates, GetDashboard reads; the resource takes no tags.
        &[
            "cloudwatch:PutDashboard",
            "cloudwatch:GetDashboard",
            "cloudwatch:DeleteDashboards",
        ],
    ),
    (
        "aws_cloudwatch_event_rule",
        &[
            "events:PutRule",
            "events:DescribeRule",
            "events:DeleteRule",
            "events:ListTagsForResource",
            "events:TagResource",
            "events:UntagResource",
        ],
    ),
    (
        "aws_cloudwatch_event_target",
        &["events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"],
    ),
    (
        "aws_cloudwatch_log_group",
        &[
            "logs:CreateLogGroup",
            "logs:DescribeLogGroups",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
            "logs:DeleteLogGroup",
            "logs:ListTagsForResource",
            "logs:TagResource",
            "logs:UntagResource",
        ],
    ),
    (
        "aws_cloudwatch_metric_alarm",
        // PutMetricAlarm creates and updates (tags included), DescribeAlarms
        // (of metric alarms, by name: authorised on the alarm) reads.
        &[
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:TagResource",
            "cloudwatch:UntagResource",
        ],
    ),
    (
        "aws_cognito_user_pool",
        // internal/service/cognitoidp/user_pool.go: the read is
        // DescribeUserPool and GetUserPoolMfaConfig; SetUserPoolMfaConfig
        // only runs for an mfa_configuration other than OFF, which this
        // pool never sets.
        &[
            "cognito-idp:CreateUserPool",
            "cognito-idp:DescribeUserPool",
            "cognito-idp:GetUserPoolMfaConfig",
            "cognito-idp:UpdateUserPool",
            "cognito-idp:DeleteUserPool",
            "cognito-idp:ListTagsForResource",
            "cognito-idp:TagResource",
            "cognito-idp:UntagResource",
        ],
    ),
    (
        "aws_cognito_user_pool_client",
        &[
            "cognito-idp:CreateUserPoolClient",
            "cognito-idp:DescribeUserPoolClient",
            "cognito-idp:UpdateUserPoolClient",
            "cognito-idp:DeleteUserPoolClient",
        ],
    ),
    (
        "aws_dynamodb_table",
        // TTL and point-in-time recovery are separate calls after CreateTable.
        &[
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:UpdateTable",
            "dynamodb:DeleteTable",
            "dynamodb:DescribeTimeToLive",
            "dynamodb:UpdateTimeToLive",
            "dynamodb:DescribeContinuousBackups",
            "dynamodb:UpdateContinuousBackups",
            "dynamodb:ListTagsOfResource",
            "dynamodb:TagResource",
            "dynamodb:UntagResource",
        ],
    ),
    (
        "aws_ecr_lifecycle_policy",
        &[
            "ecr:PutLifecyclePolicy",
            "ecr:GetLifecyclePolicy",
            "ecr:DeleteLifecyclePolicy",
        ],
    ),
    (
        "aws_ecr_repository",
        &[
            "ecr:CreateRepository",
            "ecr:DescribeRepositories",
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:DeleteRepository",
            "ecr:ListTagsForResource",
            "ecr:TagResource",
            "ecr:UntagResource",
        ],
    ),
    (
        "aws_ecr_repository_policy",
        &[
            "ecr:SetRepositoryPolicy",
            "ecr:GetRepositoryPolicy",
            "ecr:DeleteRepositoryPolicy",
        ],
    ),
    (
        "aws_iam_role",
        // Delete lists and removes what is attached first.
        &[
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:DeleteRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:TagRole",
            "iam:UntagRole",
        ],
    ),
    (
        "aws_iam_role_policy",
        &["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    ),
    (
        "aws_lambda_event_source_mapping",
        &[
            "lambda:CreateEventSourceMapping",
            "lambda:GetEventSourceMapping",
            "lambda:UpdateEventSourceMapping",
            "lambda:DeleteEventSourceMapping",
            "lambda:ListTags",
            "lambda:TagResource",
            "lambda:UntagResource",
        ],
    ),
    (
        "aws_lambda_function",
        // internal/service/lambda/function.go: the read is GetFunction (its
        // tags included) and ListVersionsByFunction (the latest version);
        // the code signing config is read for .zip functions only.
        &[
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:ListVersionsByFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:DeleteFunction",
            "lambda:TagResource",
            "lambda:UntagResource",
        ],
    ),
    (
        "aws_lambda_permission",
        &["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
    ),
    (
        "aws_s3_bucket",
        // Besides create and delete, the provider's read fills every
        // (deprecated) inline attribute of the bucket, one Get call each;
        // the bucket's region comes from HeadBucket, which is s3:ListBucket.
        &[
            "s3:CreateBucket",
            "s3:ListBucket",
            "s3:DeleteBucket",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketLogging",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketPolicy",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketTagging",
            "s3:GetBucketVersioning",
            "s3:GetBucketWebsite",
            "s3:GetEncryptionConfiguration",
            "s3:GetLifecycleConfiguration",
            "s3:GetReplicationConfiguration",
            "s3:PutBucketTagging",
        ],
    ),
    (
        "aws_s3_bucket_cors_configuration",
        // DeleteBucketCors is authorised as s3:PutBucketCORS.
        &["s3:PutBucketCORS", "s3:GetBucketCORS"],
    ),
    (
        "aws_s3_bucket_lifecycle_configuration",
        // DeleteBucketLifecycle is authorised as s3:PutLifecycleConfiguration.
        &["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    ),
    (
        "aws_s3_bucket_policy",
        &["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    ),
    (
        "aws_s3_bucket_public_access_block",
        // DeletePublicAccessBlock is authorised as s3:PutBucketPublicAccessBlock.
        &["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    ),
    (
        "aws_s3_bucket_server_side_encryption_configuration",
        // DeleteBucketEncryption is authorised as s3:PutEncryptionConfiguration.
        &["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    ),
    (
        "aws_s3_bucket_versioning",
        &["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    ),
    (
        "aws_sns_topic",
        // internal/service/sns/topic.go: CreateTopic with its tags, then
        // SetTopicAttributes for each attribute set; the read is
        // GetTopicAttributes and ListTagsForResource.
        &[
            "sns:CreateTopic",
            "sns:SetTopicAttributes",
            "sns:GetTopicAttributes",
            "sns:DeleteTopic",
            "sns:ListTagsForResource",
            "sns:TagResource",
            "sns:UntagResource",
        ],
    ),
    (
        "aws_sns_topic_subscription",
        // internal/service/sns/topic_subscription.go (an e-mail subscription
        // is not waited for: the address confirms it). Authorised on the
        // topic, whose ARN starts the subscription's.
        &[
            "sns:Subscribe",
            "sns:GetSubscriptionAttributes",
            "sns:SetSubscriptionAttributes",
            "sns:Unsubscribe",
        ],
    ),
    (
        "aws_sqs_queue",
        &[
            "sqs:CreateQueue",
            "sqs:GetQueueAttributes",
            "sqs:SetQueueAttributes",
            "sqs:DeleteQueue",
            "sqs:ListQueueTags",
            "sqs:TagQueue",
            "sqs:UntagQueue",
        ],
    ),
    (
        "aws_sqs_queue_redrive_allow_policy",
        &["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],
    ),
];

/// Data sources and non-AWS resources: they need no permission
/// (`aws_caller_identity` is sts:GetCallerIdentity, which IAM never denies;
/// `aws_partition` and `aws_iam_policy_document` are computed by the
/// provider; `random_password` by the random provider).
const NO_AWS_CALL: [&str; 4] = [
    "aws_caller_identity",
    "aws_partition",
    "aws_iam_policy_document",
    "random_password",
];

/// The IAM service prefix of each resource type family: a type's provider
/// actions are all of its own service.
const SERVICES: [(&str, &str); 13] = [
    ("aws_apigatewayv2_", "apigateway"),
    ("aws_cloudwatch_dashboard", "cloudwatch"),
    ("aws_cloudwatch_event_", "events"),
    ("aws_cloudwatch_log_", "logs"),
    ("aws_cloudwatch_metric_alarm", "cloudwatch"),
    ("aws_cognito_", "cognito-idp"),
    ("aws_dynamodb_", "dynamodb"),
    ("aws_ecr_", "ecr"),
    ("aws_iam_", "iam"),
    ("aws_lambda_", "lambda"),
    ("aws_s3_", "s3"),
    ("aws_sns_", "sns"),
    ("aws_sqs_", "sqs"),
];

/// What a deploy needs beyond each resource type's own calls, and why.
const EXTRAS: &[(&str, &str)] = &[
    // The s3 backend (developer.hashicorp.com/terraform/language/backend/s3):
    // ListBucket on the bucket (init lists the workspaces), Get and Put on the
    // state object, Get, Put and Delete on its lock file (use_lockfile).
    ("s3:ListBucket", "the state bucket: terraform init lists workspaces"),
    ("s3:GetObject", "the state object and its lock file"),
    ("s3:PutObject", "the state object and its lock file"),
    ("s3:DeleteObject", "the state lock file, released after each run"),
    // CreateFunction passes the function's role to Lambda.
    ("iam:PassRole", "aws_lambda_function: the function's role"),
    // "Amazon ECR permissions" (docs.aws.amazon.com/lambda/latest/dg/images-create.html):
    // the caller creating or updating a function from an image in its own
    // account needs these two, with which Lambda checks (and, if needed,
    // adds) the repository's pull permission for itself.
    (
        "ecr:GetRepositoryPolicy",
        "aws_lambda_function: Lambda reads the repository policy as the caller",
    ),
    (
        "ecr:SetRepositoryPolicy",
        "aws_lambda_function: Lambda may add its pull permission as the caller",
    ),
    // A KMS-encrypted repository: ECR calls DescribeKey and CreateGrant on
    // the key (and RetireGrant when the repository goes) as the caller
    // (docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html).
    ("kms:DescribeKey", "aws_ecr_repository: encryption_type = KMS"),
    ("kms:CreateGrant", "aws_ecr_repository: encryption_type = KMS"),
    ("kms:RetireGrant", "aws_ecr_repository: encryption_type = KMS"),
    // The stage's access_log_settings: API Gateway sets up the log delivery
    // with the caller's permissions ("Permissions to activate logging",
    // docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html).
    // CreateLogGroup, also on that list, is the log group's own.
    ("logs:CreateLogDelivery", "aws_apigatewayv2_stage: access logs"),
    ("logs:GetLogDelivery", "aws_apigatewayv2_stage: access logs"),
    ("logs:UpdateLogDelivery", "aws_apigatewayv2_stage: access logs"),
    ("logs:DeleteLogDelivery", "aws_apigatewayv2_stage: access logs"),
    ("logs:ListLogDeliveries", "aws_apigatewayv2_stage: access logs"),
    ("logs:PutResourcePolicy", "aws_apigatewayv2_stage: access logs"),
    ("logs:DescribeResourcePolicies", "aws_apigatewayv2_stage: access logs"),
    ("logs:DescribeLogGroups", "aws_apigatewayv2_stage: access logs"),
    // deploy.yml: amazon-ecr-login, the existing-image check and the push
    // (the push set of docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html).
    ("ecr:GetAuthorizationToken", "deploy.yml: docker login to ECR"),
    (
        "ecr:DescribeImages",
        "deploy.yml: is this commit's image pushed already",
    ),
    ("ecr:BatchCheckLayerAvailability", "deploy.yml: image push"),
    ("ecr:InitiateLayerUpload", "deploy.yml: image push"),
    ("ecr:UploadLayerPart", "deploy.yml: image push"),
    ("ecr:CompleteLayerUpload", "deploy.yml: image push"),
    ("ecr:PutImage", "deploy.yml: image push"),
    ("ecr:BatchGetImage", "deploy.yml: image push (reads the manifest back)"),
];

/// Actions AWS authorises only on `"*"` (no resource type in the Service
/// Authorization Reference, or none the call can name in advance), which
/// the policy may grant on `"*"` and only those.
const UNSCOPED: [&str; 10] = [
    "ecr:GetAuthorizationToken",
    // The pool's id is AWS's choice; CreateUserPool names no resource.
    "cognito-idp:CreateUserPool",
    // Authorised on "*", narrowed by the lambda:FunctionArn condition.
    "lambda:CreateEventSourceMapping",
    // Log deliveries are account-wide ("Resource": "*" in API Gateway's list).
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
];

/// Resource patterns that name more than this stack's resources, because
/// AWS gives the resources ids of its choosing or has no narrower ARN.
const ACCOUNT_WIDE: [&str; 7] = [
    // User pool ids are generated; the client is a sub-resource of its pool.
    "arn:aws:cognito-idp:REGION:ACCOUNT:userpool/*",
    // API ids are generated; API Gateway ARNs have no account.
    "arn:aws:apigateway:REGION::/apis",
    "arn:aws:apigateway:REGION::/apis/*",
    "arn:aws:apigateway:REGION::/tags/*",
    // Event source mapping ids are generated.
    "arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:*",
    // DescribeLogGroups lists by prefix, authorised on every group.
    "arn:aws:logs:REGION:ACCOUNT:log-group:*",
    // The AWS managed key aws/ecr, used only through ECR (kms:ViaService).
    "arn:aws:kms:REGION:ACCOUNT:key/*",
];

/// The placeholders docs/deploy.md says to replace before attaching the policy.
const PLACEHOLDERS: [&str; 6] = [
    "ACCOUNT",
    "REGION",
    "PROJECT",
    "ENVIRONMENT",
    "STATE_BUCKET",
    "STATE_KEY",
];

/// Resources terraform/ names: (type, the attribute holding its name, its
/// ARN with `{}` for the name, an action that must reach that ARN). A name
/// may hold `${each.key}`, a `for_each` key: any text.
const NAMED: [(&str, &str, &str, &str); 11] = [
    (
        "aws_dynamodb_table",
        "name",
        "arn:aws:dynamodb:REGION:ACCOUNT:table/{}",
        "dynamodb:CreateTable",
    ),
    (
        "aws_lambda_function",
        "function_name",
        "arn:aws:lambda:REGION:ACCOUNT:function:{}",
        "lambda:CreateFunction",
    ),
    (
        "aws_sqs_queue",
        "name",
        "arn:aws:sqs:REGION:ACCOUNT:{}",
        "sqs:CreateQueue",
    ),
    (
        "aws_ecr_repository",
        "name",
        "arn:aws:ecr:REGION:ACCOUNT:repository/{}",
        "ecr:CreateRepository",
    ),
    // A bucket_prefix: S3 appends a unique suffix.
    (
        "aws_s3_bucket",
        "bucket_prefix",
        "arn:aws:s3:::{}20260101000000000000000001",
        "s3:CreateBucket",
    ),
    (
        "aws_cloudwatch_log_group",
        "name",
        "arn:aws:logs:REGION:ACCOUNT:log-group:{}",
        "logs:CreateLogGroup",
    ),
    (
        "aws_cloudwatch_event_rule",
        "name",
        "arn:aws:events:REGION:ACCOUNT:rule/{}",
        "events:PutRule",
    ),
    ("aws_iam_role", "name", "arn:aws:iam::ACCOUNT:role/{}", "iam:CreateRole"),
    (
        "aws_sns_topic",
        "name",
        "arn:aws:sns:REGION:ACCOUNT:{}",
        "sns:CreateTopic",
    ),
    (
        "aws_cloudwatch_metric_alarm",
        "alarm_name",
        "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:{}",
        "cloudwatch:PutMetricAlarm",
    ),
    // Dashboards are global: their ARNs name no region.
    (
        "aws_cloudwatch_dashboard",
        "dashboard_name",
        "arn:aws:cloudwatch::ACCOUNT:dashboard/{}",
        "cloudwatch:PutDashboard",
    ),
];

/// One statement of the policy.
#[derive(Debug)]
struct Statement {
    sid: String,
    actions: Vec<String>,
    resources: Vec<String>,
    /// Every string value of its condition block.
    condition_values: Vec<String>,
}

/// A JSON string or list of strings, as a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| panic!("not a string: {item}"))
            })
            .collect(),
        other => panic!("not a string or list of strings: {other}"),
    }
}

/// Every string inside `value`.
fn all_strings(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) => into.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| all_strings(item, into)),
        Value::Object(map) => map.values().for_each(|item| all_strings(item, into)),
        _ => {}
    }
}

/// The policy's statements; only `Allow` statements with `Action` and
/// `Resource` (no `NotAction`, `NotResource`, `Principal`) are accepted.
fn policy() -> Vec<Statement> {
    let path = project_root().join(POLICY);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let document: Value = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{POLICY} is not JSON: {err}"));
    assert_eq!(document["Version"], "2012-10-17", "{POLICY}: policy language version");
    let statements = document["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("{POLICY}: Statement is not a list"));
    statements
        .iter()
        .map(|statement| {
            let sid = statement["Sid"].as_str().unwrap_or_default().to_owned();
            let keys: BTreeSet<&str> = statement
                .as_object()
                .map(|object| object.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let allowed: BTreeSet<&str> = ["Sid", "Effect", "Action", "Resource", "Condition"].into();
            assert!(
                keys.is_subset(&allowed),
                "{POLICY} {sid}: only {allowed:?}, not {keys:?}"
            );
            assert_eq!(statement["Effect"], "Allow", "{POLICY} {sid}: the policy only allows");
            let mut condition_values = Vec::new();
            all_strings(&statement["Condition"], &mut condition_values);
            Statement {
                actions: strings(&statement["Action"]),
                resources: strings(&statement["Resource"]),
                condition_values,
                sid,
            }
        })
        .collect()
}

/// The resource and data source types terraform/ declares.
fn declared_types() -> BTreeSet<String> {
    configuration()
        .iter()
        .flat_map(|(_, body)| body.blocks())
        .filter(|block| matches!(block.identifier(), "resource" | "data"))
        .filter_map(|block| block.labels().first().map(|label| label.as_str().to_owned()))
        .collect()
}

/// Every action a deploy needs, each with why.
fn needed() -> BTreeMap<String, String> {
    let mut needed = BTreeMap::new();
    for kind in declared_types() {
        if NO_AWS_CALL.contains(&kind.as_str()) {
            continue;
        }
        let actions = PROVIDER_ACTIONS
            .iter()
            .find(|(listed, _)| *listed == kind)
            .map(|(_, actions)| *actions)
            .unwrap_or_else(|| {
                panic!(
                    "terraform/ declares {kind}: add the provider's actions for it to PROVIDER_ACTIONS (and the policy)"
                )
            });
        for action in actions {
            needed
                .entry((*action).to_owned())
                .or_insert_with(|| format!("{kind} (provider CRUD)"));
        }
    }
    for (action, why) in EXTRAS {
        needed.entry((*action).to_owned()).or_insert_with(|| (*why).to_owned());
    }
    needed
}

/// Whether `pattern` (IAM's `*` and `?` wildcards) matches `text`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.chars().next() {
        None => text.is_empty(),
        Some('*') => {
            let rest = &pattern[1..];
            text.char_indices()
                .map(|(at, _)| at)
                .chain([text.len()])
                .any(|at| glob(rest, &text[at..]))
        }
        Some(first) => {
            let mut chars = text.chars();
            match chars.next() {
                Some(c) if c == first || first == '?' => glob(&pattern[first.len_utf8()..], chars.as_str()),
                _ => false,
            }
        }
    }
}

#[test]
fn the_table_covers_exactly_the_types_terraform_declares() {
    let declared = declared_types();
    let listed: BTreeSet<String> = PROVIDER_ACTIONS.iter().map(|(kind, _)| (*kind).to_owned()).collect();
    let unlisted: Vec<&String> = declared
        .iter()
        .filter(|kind| !listed.contains(*kind) && !NO_AWS_CALL.contains(&kind.as_str()))
        .collect();
    let undeclared: Vec<&String> = listed.difference(&declared).collect();
    assert!(
        unlisted.is_empty() && undeclared.is_empty(),
        "PROVIDER_ACTIONS must list the types terraform/ declares.\nmissing: {unlisted:?}\nnot declared: {undeclared:?}"
    );
    for (kind, actions) in PROVIDER_ACTIONS {
        let service = SERVICES
            .iter()
            .find(|(family, _)| kind.starts_with(family))
            .map(|(_, service)| *service)
            .unwrap_or_else(|| panic!("{kind}: no service in SERVICES"));
        for action in *actions {
            assert!(
                action.starts_with(&format!("{service}:")),
                "{kind}: {action} is not a {service} action"
            );
        }
    }
}

#[test]
fn the_deploy_role_grants_exactly_what_a_deploy_needs() {
    let needed = needed();
    // The first run's needs that no resource type shows.
    for action in [
        "s3:ListBucket",
        "ecr:GetAuthorizationToken",
        "ecr:GetRepositoryPolicy",
        "ecr:SetRepositoryPolicy",
        "logs:CreateLogDelivery",
        "logs:PutResourcePolicy",
        "iam:PassRole",
        "lambda:TagResource",
    ] {
        assert!(needed.contains_key(action), "{action} is not derived as needed");
    }
    let granted: BTreeSet<String> = policy().into_iter().flat_map(|statement| statement.actions).collect();
    let missing: Vec<String> = needed
        .iter()
        .filter(|(action, _)| !granted.contains(*action))
        .map(|(action, why)| format!("{action} ({why})"))
        .collect();
    let extra: Vec<&String> = granted.iter().filter(|action| !needed.contains_key(*action)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{POLICY} must grant what a deploy needs.\nmissing: {missing:#?}\nneeded by nothing: {extra:#?}"
    );
}

#[test]
fn the_deploy_role_has_no_wildcard_action_and_scopes_every_resource() {
    for statement in policy() {
        let sid = &statement.sid;
        for action in &statement.actions {
            assert!(!action.contains('*'), "{sid}: wildcard action {action}");
        }
        for resource in &statement.resources {
            if resource == "*" {
                let unscoped: Vec<&String> = statement
                    .actions
                    .iter()
                    .filter(|action| !UNSCOPED.contains(&action.as_str()))
                    .collect();
                assert!(
                    unscoped.is_empty(),
                    "{sid}: {unscoped:?} on \"*\"; only {UNSCOPED:?} need it"
                );
            } else {
                let stack = resource.contains("PROJECT-ENVIRONMENT") || resource.contains("STATE_BUCKET");
                assert!(
                    stack || ACCOUNT_WIDE.contains(&resource.as_str()),
                    "{sid}: {resource} names neither the stack's resources nor an account-wide pattern AWS requires"
                );
            }
        }
    }
}

#[test]
fn the_deploy_role_reaches_every_resource_terraform_names() {
    let statements = policy();
    let files = configuration();
    let blocks = files
        .iter()
        .flat_map(|(_, body): &(String, Body)| body.blocks())
        .filter(|block| block.identifier() == "resource");
    let mut checked = 0;
    for block in blocks {
        let [kind, label] = block.labels() else { continue };
        let Some((_, attribute, arn, action)) = NAMED.iter().find(|(named, ..)| *named == kind.as_str()) else {
            continue;
        };
        let name = super::attribute(block, attribute)
            .map(|expr| expr.to_string())
            .unwrap_or_else(|| panic!("{}.{} has no {attribute}", kind.as_str(), label.as_str()));
        let name = name
            .trim_matches('"')
            .replace("${local.name}", "PROJECT-ENVIRONMENT")
            .replace("${each.key}", "key");
        assert!(
            !name.contains("${"),
            "{}: {name} uses more than local.name",
            kind.as_str()
        );
        let arn = arn.replace("{}", &name);
        assert!(
            statements.iter().any(|statement| {
                statement.actions.iter().any(|granted| granted == action)
                    && statement.resources.iter().any(|resource| glob(resource, &arn))
            }),
            "{POLICY} grants {action} on no resource matching {arn} ({}.{})",
            kind.as_str(),
            label.as_str()
        );
        checked += 1;
    }
    assert!(checked >= NAMED.len(), "checked only {checked} named resources");
    // The function's role, the only one the deploy role may pass, to Lambda only.
    let role = "arn:aws:iam::ACCOUNT:role/PROJECT-ENVIRONMENT-api-lambda";
    let passes: Vec<&Statement> = statements
        .iter()
        .filter(|statement| statement.actions.iter().any(|action| action == "iam:PassRole"))
        .collect();
    assert!(
        passes.iter().all(|statement| statement.resources == [role]
            && statement
                .condition_values
                .iter()
                .any(|value| value == "lambda.amazonaws.com")),
        "iam:PassRole on {role} only, to lambda.amazonaws.com only: {passes:?}"
    );
}

#[test]
fn every_placeholder_is_one_docs_deploy_md_explains() {
    let docs = std::fs::read_to_string(project_root().join("docs/deploy.md"))
        .unwrap_or_else(|err| panic!("cannot read docs/deploy.md: {err}"));
    assert!(docs.contains(POLICY), "docs/deploy.md does not point to {POLICY}");
    let mut found = BTreeSet::new();
    for statement in policy() {
        for text in statement.resources.iter().chain(&statement.condition_values) {
            let words = text.split(|c: char| !(c.is_ascii_uppercase() || c == '_'));
            found.extend(words.filter(|word| word.len() >= 3).map(str::to_owned));
        }
    }
    for word in &found {
        assert!(
            PLACEHOLDERS.contains(&word.as_str()),
            "{POLICY}: {word} is not a known placeholder"
        );
        assert!(docs.contains(word.as_str()), "docs/deploy.md does not explain {word}");
    }
}

#[test]
fn the_glob_matches_as_iam_does() {
    assert!(glob("arn:aws:sqs:R:A:p-e-*", "arn:aws:sqs:R:A:p-e-notifications.fifo"));
    assert!(!glob("arn:aws:sqs:R:A:p-e-*", "arn:aws:sqs:R:A:other"));
    assert!(glob("a?c", "abc"));
    assert!(glob("*", ""));
    assert!(!glob("abc", "abcd"));
}

#[test]
fn the_policy_fits_in_a_role_s_inline_policies() {
    // IAM's quota: a role's inline policies total at most 10,240 characters,
    // white space not counted. Placeholders are replaced by longer values:
    // an account id is 12 characters, a region up to 14, the project 15 and
    // the environment 8 (variables.tf); the state bucket up to 63; the key
    // is the deployer's choice, budgeted at 100.
    let path = project_root().join(POLICY);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let rendered = text
        .replace("STATE_BUCKET", &"b".repeat(63))
        .replace("STATE_KEY", &"k".repeat(100))
        .replace("ACCOUNT", &"1".repeat(12))
        .replace("REGION", &"r".repeat(14))
        .replace("PROJECT", &"p".repeat(15))
        .replace("ENVIRONMENT", &"e".repeat(8));
    let size = rendered.chars().filter(|c| !c.is_whitespace()).count();
    assert!(
        size <= 10_240,
        "{POLICY} renders to {size} characters; a role's inline policies may total 10,240"
    );
}
