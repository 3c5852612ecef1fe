variable "database_name" {
  description = "Glue database name (lowercase letters, digits, underscores)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.database_name))
    error_message = "database_name must be lowercase letters, digits and underscores."
  }
}

variable "table_name" {
  description = "Name of the Parquet table (also the Firehose conversion schema)."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.table_name))
    error_message = "table_name must be lowercase letters, digits and underscores."
  }
}

variable "raw_table_name" {
  description = "Name of the raw JSON-lines table."
  type        = string
  default     = "events_raw"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.raw_table_name))
    error_message = "raw_table_name must be lowercase letters, digits and underscores."
  }
}

variable "bucket_name" {
  description = "Data-lake bucket name."
  type        = string

  validation {
    condition     = length(var.bucket_name) >= 3
    error_message = "bucket_name is required."
  }
}

variable "bucket_arn" {
  description = "Data-lake bucket ARN (for the crawler's read policy)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN."
  }
}

variable "bucket_kms_key_arn" {
  description = "KMS key ARN of the bucket (the crawler decrypts objects with it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.bucket_kms_key_arn))
    error_message = "bucket_kms_key_arn must be a KMS key ARN."
  }
}

variable "parquet_prefix" {
  description = "Key prefix of the Parquet events (must match the Firehose prefix)."
  type        = string
  default     = "parquet/events/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.parquet_prefix))
    error_message = "parquet_prefix must end with '/'."
  }
}

variable "raw_prefix" {
  description = "Key prefix of the raw JSON events (must match the Firehose prefix)."
  type        = string
  default     = "raw/events/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.raw_prefix))
    error_message = "raw_prefix must end with '/'."
  }
}

variable "catalog_dir" {
  description = "Directory of the event catalog (config/catalog: one JSON Schema per event type). The Parquet table's columns, the event_type values of partition projection and one view per event type come from it."
  type        = string

  validation {
    condition     = length(fileset(var.catalog_dir, "*.json")) > 0
    error_message = "catalog_dir must be a directory with at least one <event name>.json."
  }
}

variable "bad_table_name" {
  description = "Name of the bad-row table (events the gateway refused, from the dead-letter stream)."
  type        = string
  default     = "bad_events"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.bad_table_name))
    error_message = "bad_table_name must be lowercase letters, digits and underscores."
  }
}

variable "bad_prefix" {
  description = "Key prefix of the bad rows (must match the dead-letter stream's Firehose prefix)."
  type        = string
  default     = "bad/events/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.bad_prefix))
    error_message = "bad_prefix must end with '/'."
  }
}

variable "projection_start_date" {
  description = "First dt partition (yyyy-MM-dd) Athena projects."
  type        = string
  default     = "2024-01-01"

  validation {
    condition     = can(regex("^\\d{4}-\\d{2}-\\d{2}$", var.projection_start_date))
    error_message = "projection_start_date must be yyyy-MM-dd."
  }
}

variable "create_crawler" {
  description = "Create a crawler that registers partitions for Redshift Spectrum and other engines that ignore projection."
  type        = bool
  default     = false
}

variable "crawler_schedule" {
  description = "Crawler schedule (Glue cron expression)."
  type        = string
  default     = "cron(15 * * * ? *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.crawler_schedule))
    error_message = "crawler_schedule must be cron(...)."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
