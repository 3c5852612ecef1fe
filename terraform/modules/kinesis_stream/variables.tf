variable "name" {
  description = "Stream name (1-128 characters of [a-zA-Z0-9_.-])."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.name))
    error_message = "The stream name must be 1-128 characters of [a-zA-Z0-9_.-]."
  }
}

variable "capacity_mode" {
  description = "ON_DEMAND (scales by itself, pay per GB) or PROVISIONED (shard count derived from the expected rate)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.capacity_mode)
    error_message = "capacity_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "expected_records_per_second" {
  description = "Expected peak write rate in records per second; sizes the stream in PROVISIONED mode."
  type        = number
  default     = 300

  validation {
    condition     = var.expected_records_per_second > 0
    error_message = "expected_records_per_second must be positive."
  }
}

variable "average_record_bytes" {
  description = "Average record size after enrichment, partition key included, in bytes."
  type        = number
  default     = 1024

  validation {
    condition     = var.average_record_bytes > 0 && var.average_record_bytes <= 1048576
    error_message = "average_record_bytes must be between 1 and 1048576 (1 MiB, the default Kinesis record cap)."
  }
}

variable "shard_headroom" {
  description = "Capacity factor over the expected peak (1.5 keeps shards at about 66% of their limits)."
  type        = number
  default     = 1.5

  validation {
    condition     = var.shard_headroom >= 1 && var.shard_headroom <= 4
    error_message = "shard_headroom must be between 1 and 4."
  }
}

variable "shard_count_override" {
  description = "Explicit shard count in PROVISIONED mode; null derives it from the expected rate."
  type        = number
  default     = null

  validation {
    condition     = var.shard_count_override == null || try(var.shard_count_override >= 1 && floor(var.shard_count_override) == var.shard_count_override, false)
    error_message = "shard_count_override must be null or a positive whole number."
  }
}

variable "retention_hours" {
  description = "How long records stay readable (24-8760 hours). Also how long Firehose and Redshift may lag before data is lost."
  type        = number
  default     = 24

  validation {
    condition     = var.retention_hours >= 24 && var.retention_hours <= 8760
    error_message = "retention_hours must be between 24 and 8760."
  }
}

variable "kms_key_id" {
  description = "KMS key for server-side encryption: the AWS managed alias/aws/kinesis or a customer managed key ARN."
  type        = string
  default     = "alias/aws/kinesis"

  validation {
    condition     = can(regex("^(alias/|arn:aws[a-z-]*:kms:)", var.kms_key_id))
    error_message = "kms_key_id must be a KMS alias (alias/...) or a key ARN."
  }
}

variable "shard_level_metrics" {
  description = "Enhanced shard-level CloudWatch metrics (finds hot shards; billed per shard and metric)."
  type        = list(string)
  default     = ["IncomingBytes", "IncomingRecords", "WriteProvisionedThroughputExceeded", "IteratorAgeMilliseconds"]

  validation {
    condition = alltrue([for m in var.shard_level_metrics : contains([
      "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
      "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
      "IteratorAgeMilliseconds", "ALL",
    ], m)])
    error_message = "Unknown shard-level metric name."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
