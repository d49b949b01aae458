################################################################################
# IAM authentication (auth = "iam"): an ElastiCache user the functions' role may connect as, in a
# user group with the required "default" user (disabled)
################################################################################

locals {
  iam_user_id = "${var.name}-app"
}

resource "aws_elasticache_user" "iam" {
  count = local.iam ? 1 : 0

  # ElastiCache requires user_id == user_name for IAM users; the token names it (REDIS_USER).
  user_id   = local.iam_user_id
  user_name = local.iam_user_id
  engine    = local.engine
  # Every key and command the cache's scripts use; no ACL, CONFIG or other admin commands.
  access_string = "on ~* +@all -@dangerous"

  authentication_mode {
    type = "iam"
  }

  tags = var.tags
}

# A user group must hold a user named "default": this one is off, so only the IAM user can connect.
resource "aws_elasticache_user" "default" {
  count = local.iam ? 1 : 0

  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = local.engine
  access_string = "off -@all"

  authentication_mode {
    type = "no-password-required"
  }

  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  count = local.iam ? 1 : 0

  user_group_id = "${var.name}-cache"
  engine        = local.engine
  user_ids      = [aws_elasticache_user.default[0].user_id, aws_elasticache_user.iam[0].user_id]

  tags = var.tags
}
