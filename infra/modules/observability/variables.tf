variable "name" {
  description = "Name prefix of the alarms and the dashboard (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "function_names" {
  description = "Names of the two functions (the functions module's outputs)."
  type = object({
    api            = string
    stream_handler = string
  })
}

variable "on_failure_queue_name" {
  description = "Name of the stream handler's on-failure SQS queue."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.on_failure_queue_name))
    error_message = "on_failure_queue_name must be an SQS queue name."
  }
}

variable "api_id" {
  description = "Id of the HTTP API, to chart its requests, errors and latency on the dashboard; null leaves them out."
  type        = string
  default     = null
}

variable "access_log_group_name" {
  description = "The HTTP API's access log group (the http_api module's access_log_group_name), for the requests-by-route table; null leaves it out."
  type        = string
  default     = null
}

variable "monitor_function_name" {
  description = "Name of the consistency monitor function, to chart its CacheEntriesChecked and CacheEntriesInconsistent; null leaves the panel out."
  type        = string
  default     = null
}

variable "thresholds" {
  description = <<-EOT
    When the alarms fire: stream iterator age (ms, the stream handler falling behind), function errors and
    throttles per period, on-failure queue depth (any message is a batch that was given up on), and the
    cache hit ratio (percent, only judged once a period has at least cache_min_requests lookups).
  EOT
  type = object({
    period_seconds           = optional(number, 60)
    evaluation_periods       = optional(number, 5)
    datapoints_to_alarm      = optional(number, 3)
    iterator_age_ms          = optional(number, 60000)
    function_errors          = optional(number, 1)
    function_throttles       = optional(number, 1)
    on_failure_queue_depth   = optional(number, 1)
    cache_hit_ratio_percent  = optional(number, 80)
    cache_min_requests       = optional(number, 100)
    cache_evaluation_periods = optional(number, 15)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([10, 30, 60, 300, 900, 3600], var.thresholds.period_seconds)
    error_message = "thresholds.period_seconds must be 10, 30, 60, 300, 900 or 3600."
  }
  validation {
    condition     = var.thresholds.datapoints_to_alarm >= 1 && var.thresholds.datapoints_to_alarm <= var.thresholds.evaluation_periods
    error_message = "thresholds.datapoints_to_alarm must be from 1 to evaluation_periods."
  }
  validation {
    condition     = var.thresholds.cache_hit_ratio_percent > 0 && var.thresholds.cache_hit_ratio_percent <= 100
    error_message = "thresholds.cache_hit_ratio_percent must be in (0, 100]."
  }
  validation {
    condition = alltrue([for v in [
      var.thresholds.iterator_age_ms, var.thresholds.function_errors, var.thresholds.function_throttles,
      var.thresholds.on_failure_queue_depth, var.thresholds.cache_min_requests, var.thresholds.cache_evaluation_periods,
    ] : v >= 1])
    error_message = "thresholds must be at least 1."
  }
}

variable "cache_metrics" {
  description = <<-EOT
    Where the API function's Embedded Metric Format hit/miss counters are: namespace, metric names and
    dimensions. null dimensions means { FunctionName = <api function name> }.
  EOT
  type = object({
    namespace  = optional(string, "streamcache")
    hits       = optional(string, "CacheHits")
    misses     = optional(string, "CacheMisses")
    dimensions = optional(map(string))
  })
  default  = {}
  nullable = false

  validation {
    condition     = length(var.cache_metrics.namespace) > 0 && !startswith(var.cache_metrics.namespace, "AWS/")
    error_message = "cache_metrics.namespace must be a custom namespace (not AWS/...)."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires and when it recovers (for example an SNS topic)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.alarm_actions : startswith(a, "arn:")])
    error_message = "alarm_actions must be ARNs."
  }
}

variable "create_dashboard" {
  description = "Create the CloudWatch dashboard."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags added to the alarms."
  type        = map(string)
  default     = {}
  nullable    = false
}
