# DynamoDB: the aws backend's three tables (docs/data-model.md). Keys and
# indexes match `api_handler::store::aws::schema`, which `cargo xtask
# provision` creates in an emulator; a test in `cargo xtask test` compares them.

resource "aws_dynamodb_table" "users" {
  # checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb); a customer managed key would add key-policy upkeep and per-request KMS cost without a compliance need for it.
  name         = "${local.name}-users"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "userId"
  range_key    = "sk"

  attribute {
    name = "userId"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "outboxShard"
    type = "S"
  }

  attribute {
    name = "eventId"
    type = "S"
  }

  # Sparse: only outbox items carry `outboxShard`; the relay reads it.
  global_secondary_index {
    name            = "outbox"
    hash_key        = "outboxShard"
    range_key       = "eventId"
    projection_type = "ALL"
  }

  # Idempotency records expire after 24 hours.
  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS managed key aws/dynamodb.
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "goals" {
  # checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb); a customer managed key would add key-policy upkeep and per-request KMS cost without a compliance need for it.
  name         = "${local.name}-goals"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "userId"
  range_key    = "sk"

  attribute {
    name = "userId"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "statusKey"
    type = "S"
  }

  attribute {
    name = "dailyShard"
    type = "S"
  }

  attribute {
    name = "goneShard"
    type = "S"
  }

  attribute {
    name = "goneAt"
    type = "S"
  }

  # `GET /goals?status=`: `{status}#{goalId}` within the user's partition.
  global_secondary_index {
    name            = "byStatus"
    hash_key        = "userId"
    range_key       = "statusKey"
    projection_type = "ALL"
  }

  # Sparse: only active daily goals carry `dailyShard` (a hash of the user);
  # the daily reminder job reads the eight shards.
  global_secondary_index {
    name            = "activeDaily"
    hash_key        = "dailyShard"
    range_key       = "userId"
    projection_type = "ALL"
  }

  # Sparse: only the markers deleted goals leave carry `goneShard` (a hash
  # of the goal); the sweep_orphans job reads the four shards, oldest first.
  global_secondary_index {
    name            = "deletedGoals"
    hash_key        = "goneShard"
    range_key       = "goneAt"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS managed key aws/dynamodb.
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "aggregates" {
  # checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb); a customer managed key would add key-policy upkeep and per-request KMS cost without a compliance need for it.
  name         = "${local.name}-aggregates"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "userId"
  range_key    = "sk"

  attribute {
    name = "userId"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS managed key aws/dynamodb.
  server_side_encryption {
    enabled = true
  }
}
