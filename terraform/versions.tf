terraform {
  # 1.10: the s3 backend's own lock file (use_lockfile), no DynamoDB lock table.
  required_version = ">= 1.10"

  required_providers {
    # aws_lambda_function.logging_config needs 5.27 or later.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State lives in S3. Partial configuration: the deploy workflow passes the
  # bucket, key, region and use_lockfile with -backend-config, CI's checks run
  # `terraform init -backend=false`; no name or secret is kept here.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
