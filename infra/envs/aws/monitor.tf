# The consistency monitor (docs/monitor.md): samples the cache on a schedule, checks it against
# the table, and alarms on any inconsistency.

module "monitor" {
  source = "../../modules/monitor"
  count  = var.monitor.enabled ? 1 : 0

  name = var.name
  code = module.artifacts.packages["monitor"]
  table = {
    name        = module.table.name
    arn         = module.table.arn
    kms_key_arn = module.table.kms_key_arn
  }
  cache = {
    redis_url               = module.cache.redis_url
    auth_secret_arn         = module.cache.auth_secret_arn
    auth_secret_kms_key_arn = module.cache.auth_secret_kms_key_arn
    iam                     = module.cache.iam
  }
  vpc = {
    subnet_ids         = module.network.subnet_ids
    security_group_ids = [module.network.lambda_security_group_id]
  }
  # Null fields take the module's defaults.
  check = {
    schedule      = var.monitor.schedule
    sample_size   = var.monitor.sample_size
    grace_seconds = var.monitor.grace_seconds
    timeout       = var.monitor.timeout
  }
  # The zip comes from the same directory (build/dist or build/dist/arm64) as the other functions'.
  architecture = var.architecture
  alarm        = { actions = coalesce(var.observability.alarm_actions, []) }
  iam          = { permissions_boundary = var.functions.permissions_boundary }
  logs         = { retention_in_days = var.log_retention_in_days, kms_key_arn = var.functions.log_kms_key_arn }
}

output "monitor" {
  description = "The consistency monitor: function name and the ARN of its CacheEntriesInconsistent alarm (null when monitor.enabled is false)."
  value = var.monitor.enabled ? {
    function_name = module.monitor[0].function_name
    alarm_arn     = module.monitor[0].alarm_arn
  } : null
}
