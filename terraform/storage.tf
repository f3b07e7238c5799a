# S3: attachment bytes, reached only through presigned URLs.

resource "aws_s3_bucket" "attachments" {
  # checkov:skip=CKV_AWS_18:Objects are only reached through short-lived presigned URLs the API logs when it hands them out; CloudTrail data events are the audit path if one is needed, not a second log bucket.
  # checkov:skip=CKV_AWS_144:One-region app: versioning keeps overwritten and deleted objects for 30 days; replicating user uploads to a second region is not a requirement.
  # checkov:skip=CKV2_AWS_62:Nothing consumes upload events: the API records an attachment when it is created, not when its bytes arrive.
  bucket_prefix = "${local.name}-attachments-"
}

resource "aws_s3_bucket_public_access_block" "attachments" {
  bucket                  = aws_s3_bucket.attachments.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  # SSE-KMS with the AWS managed key (aws/s3), which lets any principal of the
  # account that may use the object use the key; the bucket key cuts KMS calls.
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Browsers upload and download with the presigned URLs the API hands out.
# S3 refuses a CORS rule without origins: none at all when none are allowed.
resource "aws_s3_bucket_cors_configuration" "attachments" {
  count = length(var.allowed_origins) > 0 ? 1 : 0

  bucket = aws_s3_bucket.attachments.id

  cors_rule {
    allowed_methods = ["PUT", "GET"]
    allowed_origins = var.allowed_origins
    allowed_headers = ["Content-Type", "Content-Length"]
    max_age_seconds = 3000
  }
}

# TLS only.
data "aws_iam_policy_document" "attachments_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.attachments.arn, "${aws_s3_bucket.attachments.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "attachments" {
  bucket = aws_s3_bucket.attachments.id
  policy = data.aws_iam_policy_document.attachments_tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.attachments]
}

# A deleted attachment leaves a noncurrent version behind (versioning keeps
# mistakes recoverable); those go after 30 days, as do abandoned uploads.
resource "aws_s3_bucket_lifecycle_configuration" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  rule {
    id     = "expire-deleted-attachments"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    # The delete markers left once their noncurrent versions are gone.
    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}
