# DynamoDB: the aws backend's three tables (docs/data-model.md). Keys and
# indexes match `api_handler::store::aws::schema`, which `cargo xtask
# provision` creates in an emulator; a test in `cargo xtask test` compares them.

resource "aws_dynamodb_table" "users" {
  name         = "${var.project}-users"
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

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "goals" {
  name         = "${var.project}-goals"
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

  # `GET /goals?status=`: `{status}#{goalId}` within the user's partition.
  global_secondary_index {
    name            = "byStatus"
    hash_key        = "userId"
    range_key       = "statusKey"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "aggregates" {
  name         = "${var.project}-aggregates"
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

  server_side_encryption {
    enabled = true
  }
}
