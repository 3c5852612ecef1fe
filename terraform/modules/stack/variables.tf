variable "environment" {
  description = "Environment name (dev, prod, ...), part of every resource name and the environment tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 characters of [a-z0-9], starting with a letter."
  }
}

variable "name_prefix" {
  description = "Prefix of resource names (<prefix>-<environment>-...)."
  type        = string
  default     = "streamgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name_prefix))
    error_message = "name_prefix must be 2-15 characters of [a-z0-9-], starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags on every resource (cost centre, owner); project and environment are added."
  type        = map(string)
  default     = {}
}

# ---- stream -----------------------------------------------------------------

variable "stream_capacity_mode" {
  description = "ON_DEMAND or PROVISIONED for the events stream."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_capacity_mode)
    error_message = "stream_capacity_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "expected_events_per_second" {
  description = "Expected peak events per second (sizes a PROVISIONED stream). Design load 1M/h is about 280/s."
  type        = number

  validation {
    condition     = var.expected_events_per_second > 0
    error_message = "expected_events_per_second must be positive."
  }
}

variable "average_event_bytes" {
  description = "Average enriched event size in bytes."
  type        = number
  default     = 1024

  validation {
    condition     = var.average_event_bytes > 0 && var.average_event_bytes <= 1048576
    error_message = "average_event_bytes must be 1-1048576."
  }
}

variable "stream_retention_hours" {
  description = "Kinesis retention: how long a stopped consumer may lag without losing data."
  type        = number

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760
    error_message = "stream_retention_hours must be 24-8760."
  }
}

variable "passthrough_streams" {
  description = "Extra routes forwarded unchanged (mode passthrough), each with its own on-demand stream."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.passthrough_streams : can(regex("^[a-z0-9_-]{1,32}$", s)) && s != "events"])
    error_message = "passthrough_streams must be short lowercase names other than 'events'."
  }
}

variable "stream_aggregation" {
  description = "Per route (\"events\" or a passthrough stream): \"kpl\" to pack many events into one Kinesis record (KPL aggregation: fewer shards, far cheaper Firehose at high volume), \"none\" (default) to send one record per event. Firehose de-aggregates; Redshift streaming ingestion does not, so the events stream stays \"none\" while enable_redshift is true."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.stream_aggregation : contains(["none", "kpl"], v)])
    error_message = "stream_aggregation values must be \"none\" or \"kpl\"."
  }
}

# ---- lake ---------------------------------------------------------------------

variable "lake_bucket_name" {
  description = "Globally unique data-lake bucket name (include the account id or an org prefix)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name))
    error_message = "lake_bucket_name must be a valid S3 bucket name."
  }
}

variable "lake_force_destroy" {
  description = "Let terraform destroy delete a non-empty lake bucket."
  type        = bool
}

variable "raw_glacier_after_days" {
  description = "Days before raw JSON moves to Glacier Instant Retrieval."
  type        = number

  validation {
    condition     = var.raw_glacier_after_days >= 30
    error_message = "raw_glacier_after_days must be at least 30."
  }
}

variable "raw_expire_after_days" {
  description = "Days before raw JSON is deleted; null keeps it."
  type        = number
  default     = null

  validation {
    condition     = var.raw_expire_after_days == null || try(var.raw_expire_after_days > 90, false)
    error_message = "raw_expire_after_days must be null or more than 90."
  }
}

variable "catalog_dir" {
  description = "Event catalog directory (one JSON Schema per event type); null for the repository's config/catalog. The Glue columns, projection's event types and the per-type views come from it."
  type        = string
  default     = null

  validation {
    condition     = var.catalog_dir == null || try(length(fileset(var.catalog_dir, "*.json")) > 0, false)
    error_message = "catalog_dir must be null or a directory with at least one <event name>.json."
  }
}

variable "create_crawler" {
  description = "Create the Glue crawler that registers partitions for Redshift Spectrum."
  type        = bool
}

variable "firehose_buffering_size_mib" {
  description = "Firehose buffer size per partition, MiB (64-128)."
  type        = number

  validation {
    condition     = var.firehose_buffering_size_mib >= 64 && var.firehose_buffering_size_mib <= 128
    error_message = "firehose_buffering_size_mib must be 64-128."
  }
}

variable "firehose_parquet_interval_seconds" {
  description = "Buffer interval of the Parquet delivery stream (freshness of Athena queries)."
  type        = number

  validation {
    condition     = var.firehose_parquet_interval_seconds >= 60 && var.firehose_parquet_interval_seconds <= 900
    error_message = "firehose_parquet_interval_seconds must be 60-900."
  }
}

variable "firehose_raw_interval_seconds" {
  description = "Buffer interval of the raw JSON delivery stream (larger files, fewer objects)."
  type        = number

  validation {
    condition     = var.firehose_raw_interval_seconds >= 60 && var.firehose_raw_interval_seconds <= 900
    error_message = "firehose_raw_interval_seconds must be 60-900."
  }
}

# ---- Redshift --------------------------------------------------------------------

variable "enable_redshift" {
  description = "Create Redshift Serverless with streaming ingestion (fixed cost of about 8 RPU around the clock)."
  type        = bool
}

variable "redshift_base_capacity_rpu" {
  description = "Redshift Serverless base capacity."
  type        = number
  default     = 8

  validation {
    condition     = var.redshift_base_capacity_rpu >= 8 && var.redshift_base_capacity_rpu % 8 == 0
    error_message = "redshift_base_capacity_rpu must be a multiple of 8."
  }
}

variable "redshift_monthly_rpu_hours_limit" {
  description = "RPU-hours per month before a usage-limit breach is logged; null for none."
  type        = number
  default     = null

  validation {
    condition     = var.redshift_monthly_rpu_hours_limit == null || try(var.redshift_monthly_rpu_hours_limit >= 1, false)
    error_message = "redshift_monthly_rpu_hours_limit must be null or at least 1."
  }
}

variable "redshift_subnet_ids" {
  description = "Three or more private subnets for the Redshift workgroup."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.redshift_subnet_ids) == 0 || length(var.redshift_subnet_ids) >= 3
    error_message = "redshift_subnet_ids must be empty or hold at least three subnets."
  }
}

variable "redshift_security_group_ids" {
  description = "Security groups of the Redshift workgroup."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.redshift_security_group_ids : startswith(s, "sg-")])
    error_message = "redshift_security_group_ids must be security group ids."
  }
}

variable "redshift_apply_sql" {
  description = "Run the streaming-ingestion SQL during apply (Redshift Data API)."
  type        = bool
  default     = false
}

# ---- gateway -----------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the gateway."
  type        = string

  validation {
    condition     = startswith(var.vpc_id, "vpc-")
    error_message = "vpc_id must be a VPC id."
  }
}

variable "public_subnet_ids" {
  description = "Load balancer subnets (two or more AZs)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "At least two public subnets are required."
  }
}

variable "private_subnet_ids" {
  description = "Task subnets (two or more AZs, with NAT or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "At least two private subnets are required."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the gateway host name."
  type        = string

  validation {
    condition     = startswith(var.certificate_arn, "arn:")
    error_message = "certificate_arn must be an ARN."
  }
}

variable "allowed_ingress_cidrs" {
  description = "Client networks allowed to reach the load balancer."
  type        = list(string)

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0
    error_message = "allowed_ingress_cidrs must not be empty."
  }
}

variable "image" {
  description = "streamgate image by digest, e.g. <account>.dkr.ecr.<region>.amazonaws.com/streamgate@sha256:..."
  type        = string

  validation {
    condition     = length(var.image) > 0 && !endswith(var.image, ":latest")
    error_message = "image must be set and must not use :latest."
  }
}

variable "task_cpu" {
  description = "Fargate CPU units per task."
  type        = number

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be a Fargate CPU size."
  }
}

variable "task_memory" {
  description = "Fargate memory per task, MiB."
  type        = number

  validation {
    condition     = var.task_memory >= 512 && var.task_memory % 512 == 0
    error_message = "task_memory must be a multiple of 512."
  }
}

variable "gateway_threads" {
  description = "HTTP worker threads per task (about one per vCPU)."
  type        = number

  validation {
    condition     = var.gateway_threads >= 1 && var.gateway_threads <= 64
    error_message = "gateway_threads must be 1-64."
  }
}

variable "min_tasks" {
  description = "Minimum tasks (two or more for AZ redundancy outside dev)."
  type        = number

  validation {
    condition     = var.min_tasks >= 1
    error_message = "min_tasks must be at least 1."
  }
}

variable "max_tasks" {
  description = "Maximum tasks autoscaling may start."
  type        = number

  validation {
    condition     = var.max_tasks >= 1 && var.max_tasks <= 1000
    error_message = "max_tasks must be 1-1000."
  }
}

variable "target_requests_per_task_minute" {
  description = "ALB requests per task per minute autoscaling aims for (set from load tests)."
  type        = number
  default     = 60000

  validation {
    condition     = var.target_requests_per_task_minute > 0
    error_message = "target_requests_per_task_minute must be positive."
  }
}

variable "log_level" {
  description = "Gateway log level."
  type        = string

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "alb_deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
}

variable "alarm_topic_arns" {
  description = "SNS topics notified by the alarms."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_topic_arns : startswith(a, "arn:")])
    error_message = "alarm_topic_arns must be ARNs."
  }
}
