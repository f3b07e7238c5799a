# No terraform.tfvars: CI passes every variable on the command line.

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Name prefix for every resource."
  type        = string
  default     = "lifestyle-api"
}

variable "deploy_lambda" {
  description = "Create the Lambda, its integration and the routes. False on the first apply, before an image exists in ECR."
  type        = bool
  default     = false
}

variable "image_tag" {
  description = "Tag of the api-handler image in ECR (the commit SHA). Required when deploy_lambda is true."
  type        = string
  default     = ""

  validation {
    condition     = var.image_tag == "" || can(regex("^[A-Za-z0-9_.-]{1,128}$", var.image_tag))
    error_message = "image_tag must be a valid container image tag."
  }
}

variable "allowed_origins" {
  description = "Web origins allowed to call the API and to use presigned attachment URLs (CORS)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https?://[^/*]+$", origin))])
    error_message = "allowed_origins are origins such as https://app.example.com, without a path or wildcard."
  }
}

variable "log_retention_days" {
  description = "How long Lambda and API access logs are kept."
  type        = number
  default     = 30
}
