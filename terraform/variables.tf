# No terraform.tfvars: the deploy workflow passes every variable it sets on the
# command line or as TF_VAR_*; the rest keep these defaults.

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "project" {
  description = "First part of every resource name (short: the attachments bucket name prefix is limited to 37 characters)."
  type        = string
  default     = "lifestyle-api"

  validation {
    condition     = length(var.project) >= 2 && length(var.project) <= 15 && can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.project))
    error_message = "project must be 2 to 15 lowercase letters and digits, starting with a letter, with single dashes between words."
  }
}

variable "environment" {
  description = "Deployment environment (prod, staging, ...): second part of every resource name."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment must be 2 to 8 lowercase letters or digits, starting with a letter."
  }
}

variable "deploy_lambda" {
  description = "Create the Lambda, its integration, routes and schedule. False on the first apply, before an image exists in ECR."
  type        = bool
  default     = false
}

variable "image_tag" {
  description = "Tag of the api-handler image in ECR (the commit SHA). Required when deploy_lambda is true."
  type        = string
  default     = ""

  validation {
    condition     = var.image_tag == "" || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid container image tag."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the Lambda; the image must be built for it (LAMBDA_ARCH in Dockerfile.api-handler)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the Lambda in MB (CPU grows with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240 && floor(var.lambda_memory_mb) == var.lambda_memory_mb
    error_message = "lambda_memory_mb must be a whole number from 128 to 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Lambda timeout. Above the dispatcher's 25 s request deadline, so a slow request is answered 503 with Retry-After rather than cut off."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_timeout_seconds >= 26 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be from 26 (above the 25 s request deadline) to 900."
  }
}

variable "allowed_origins" {
  description = "Web origins allowed to call the API and to use presigned attachment URLs (CORS). Empty: no browser access."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https?://[^/*]+$", origin))])
    error_message = "allowed_origins are origins such as https://app.example.com, without a path or wildcard."
  }
}

variable "log_retention_days" {
  description = "How long Lambda and API access logs are kept, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 365, ..., 3653)."
  }
}

variable "api_throttle_rate" {
  description = "Steady-state requests per second the API stage accepts before answering 429."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttle_rate > 0
    error_message = "api_throttle_rate must be positive."
  }
}

variable "api_throttle_burst" {
  description = "Requests the API stage accepts in a burst above the steady rate."
  type        = number
  default     = 200

  validation {
    condition     = var.api_throttle_burst > 0 && floor(var.api_throttle_burst) == var.api_throttle_burst
    error_message = "api_throttle_burst must be a positive whole number."
  }
}

locals {
  # Prefix of every resource name: lifestyle-api-prod-users, ...
  name = "${var.project}-${var.environment}"
}

variable "ses_identity_arn" {
  description = "ARN of a verified SES identity (arn:aws:ses:REGION:ACCOUNT:identity/EMAIL-OR-DOMAIN) Cognito sends its mails through (password reset codes); empty: Cognito's default sender, limited to about 50 mails a day."
  type        = string
  default     = ""

  validation {
    condition     = var.ses_identity_arn == "" || can(regex("^arn:aws[a-z-]*:ses:[a-z0-9-]+:[0-9]{12}:identity/.+$", var.ses_identity_arn))
    error_message = "ses_identity_arn must be empty or an SES identity ARN (arn:aws:ses:REGION:ACCOUNT:identity/NAME)."
  }
}

variable "email_from" {
  description = "The From of Cognito's mails when ses_identity_arn is set, such as \"Lifestyle <no-reply@example.com>\"; empty: the identity's address."
  type        = string
  default     = ""
}

variable "alarm_email" {
  description = "An e-mail address subscribed to the alarms' SNS topic (alarms.tf); it must confirm the subscription from the mail SNS sends. Empty: no subscription (subscribe other endpoints to the alarm_topic_arn output)."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$", var.alarm_email))
    error_message = "alarm_email must be empty or an e-mail address such as ops@example.com."
  }
}
