variable "name" {
  description = "Prefix of alarm names and the dashboard name."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,200}$", var.name))
    error_message = "name must be letters, digits, '-' and '_'."
  }
}

variable "stream_names" {
  description = "Kinesis streams to watch."
  type        = list(string)

  validation {
    condition     = length(var.stream_names) > 0
    error_message = "At least one stream is required."
  }
}

variable "firehose_names" {
  description = "Firehose delivery streams to watch."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for f in var.firehose_names : can(regex("^[a-zA-Z0-9_.-]{1,64}$", f))])
    error_message = "firehose_names must be delivery stream names."
  }
}

variable "conversion_error_prefixes" {
  description = "Delivery streams that convert records to Parquet, each with the S3 prefix its failed conversions land in (firehose_to_s3's format_conversion_error_prefix). Only these get a FailedConversion alarm."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for f, p in var.conversion_error_prefixes : can(regex("^[a-zA-Z0-9_.-]{1,64}$", f)) && endswith(p, "/")])
    error_message = "conversion_error_prefixes keys must be delivery stream names, each with a prefix ending in /."
  }
}

variable "firehose_buffering_interval_seconds" {
  description = "Largest buffer interval of the watched delivery streams (the freshness threshold derives from it)."
  type        = number
  default     = 300

  validation {
    condition     = var.firehose_buffering_interval_seconds >= 60 && var.firehose_buffering_interval_seconds <= 900
    error_message = "firehose_buffering_interval_seconds must be 60-900."
  }
}

variable "alb_arn_suffix" {
  description = "LoadBalancer dimension (aws_lb.arn_suffix)."
  type        = string

  validation {
    condition     = startswith(var.alb_arn_suffix, "app/")
    error_message = "alb_arn_suffix must look like app/<name>/<id>."
  }
}

variable "target_group_arn_suffix" {
  description = "TargetGroup dimension (aws_lb_target_group.arn_suffix)."
  type        = string

  validation {
    condition     = startswith(var.target_group_arn_suffix, "targetgroup/")
    error_message = "target_group_arn_suffix must look like targetgroup/<name>/<id>."
  }
}

variable "ecs_cluster_name" {
  description = "ECS cluster of the gateway."
  type        = string

  validation {
    condition     = length(var.ecs_cluster_name) > 0
    error_message = "ecs_cluster_name is required."
  }
}

variable "ecs_service_name" {
  description = "ECS service of the gateway."
  type        = string

  validation {
    condition     = length(var.ecs_service_name) > 0
    error_message = "ecs_service_name is required."
  }
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified on alarm and on recovery."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:sns:", a))])
    error_message = "alarm_actions must be SNS topic ARNs."
  }
}

variable "failed_records_threshold" {
  description = "PutRecords.FailedRecords per minute tolerated (the gateway retries them)."
  type        = number
  default     = 0

  validation {
    condition     = var.failed_records_threshold >= 0
    error_message = "failed_records_threshold must not be negative."
  }
}

variable "iterator_age_threshold_ms" {
  description = "Consumer lag that alarms, in milliseconds (keep well under the stream retention)."
  type        = number
  default     = 900000

  validation {
    condition     = var.iterator_age_threshold_ms >= 60000
    error_message = "iterator_age_threshold_ms must be at least 60000."
  }
}

variable "alb_5xx_per_minute_threshold" {
  description = "5xx responses per minute tolerated before alarming."
  type        = number
  default     = 10

  validation {
    condition     = var.alb_5xx_per_minute_threshold >= 0
    error_message = "alb_5xx_per_minute_threshold must not be negative."
  }
}

variable "latency_p99_threshold_seconds" {
  description = "p99 target response time that alarms, in seconds."
  type        = number
  default     = 0.5

  validation {
    condition     = var.latency_p99_threshold_seconds > 0
    error_message = "latency_p99_threshold_seconds must be positive."
  }
}

variable "cpu_threshold_percent" {
  description = "Service average CPU that alarms (above the autoscaling target)."
  type        = number
  default     = 85

  validation {
    condition     = var.cpu_threshold_percent > 0 && var.cpu_threshold_percent <= 100
    error_message = "cpu_threshold_percent must be 1-100."
  }
}

variable "memory_threshold_percent" {
  description = "Service maximum memory that alarms."
  type        = number
  default     = 80

  validation {
    condition     = var.memory_threshold_percent > 0 && var.memory_threshold_percent <= 100
    error_message = "memory_threshold_percent must be 1-100."
  }
}

variable "tags" {
  description = "Tags for every alarm."
  type        = map(string)
  default     = {}
}
