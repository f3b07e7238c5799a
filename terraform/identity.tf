# Identity: the user pool that issues the JWTs the API Gateway authorizer verifies.

resource "aws_cognito_user_pool" "users" {
  name                     = "${local.name}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = "ACTIVE"

  password_policy {
    minimum_length    = 8
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = false
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Cognito's own sender stops at about 50 mails a day, which password
  # resets reach quickly: with a verified SES identity set, mail goes
  # through SES instead (docs/deploy.md).
  dynamic "email_configuration" {
    for_each = var.ses_identity_arn == "" ? [] : [var.ses_identity_arn]
    content {
      email_sending_account = "DEVELOPER"
      source_arn            = email_configuration.value
      from_email_address    = var.email_from == "" ? null : var.email_from
    }
  }
}

resource "aws_cognito_user_pool_client" "app" {
  name            = "${local.name}-app"
  user_pool_id    = aws_cognito_user_pool.users.id
  generate_secret = false
  # Passwords are checked by the API alone (AdminInitiateAuth, by its
  # role): a client holding this public client id cannot try them past the
  # API's throttle. Refresh tokens go through the client's own flow.
  explicit_auth_flows           = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  # POST /auth/logout revokes a refresh token (RevokeToken).
  enable_token_revocation = true
  access_token_validity   = 1
  id_token_validity       = 1
  refresh_token_validity  = 30

  token_validity_units {
    access_token  = "hours"
    id_token      = "hours"
    refresh_token = "days"
  }
}
