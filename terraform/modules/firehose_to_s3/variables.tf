variable "name" {
  description = "Delivery stream name."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of [a-zA-Z0-9_.-]."
  }
}

variable "source_stream_arn" {
  description = "ARN of the Kinesis data stream to read (Firehose starts at LATEST when created)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\\d{12}:stream/.+$", var.source_stream_arn))
    error_message = "source_stream_arn must be a Kinesis stream ARN."
  }
}

variable "source_stream_kms_key_arn" {
  description = "Customer managed KMS key of the source stream, or null for the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.source_stream_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.source_stream_kms_key_arn))
    error_message = "source_stream_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "bucket_arn" {
  description = "Destination bucket ARN."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN."
  }
}

variable "bucket_kms_key_arn" {
  description = "KMS key ARN that encrypts the destination objects."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.bucket_kms_key_arn))
    error_message = "bucket_kms_key_arn must be a KMS key ARN."
  }
}

variable "output_format" {
  description = "PARQUET (converted through the Glue table; fields outside it are dropped) or JSON_GZIP (records unchanged, one per line)."
  type        = string

  validation {
    condition     = contains(["PARQUET", "JSON_GZIP"], var.output_format)
    error_message = "output_format must be PARQUET or JSON_GZIP."
  }
}

variable "partitioning" {
  description = "event: <prefix>event_type=<event_type>/dt=<date of created_datetime>/ (enriched events); received_date: <prefix>dt=<date of received_at>/ (bad rows of a dead-letter stream)."
  type        = string
  default     = "event"

  validation {
    condition     = contains(["event", "received_date"], var.partitioning)
    error_message = "partitioning must be event or received_date."
  }
}

variable "prefix" {
  description = "Key prefix; the module appends event_type=.../dt=.../ to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.prefix)) && !can(regex("!\\{", var.prefix))
    error_message = "prefix must be a plain path ending with '/'; the partition expressions are added by the module."
  }
}

variable "error_prefix" {
  description = "Key prefix for failed records; the module appends the error type and date."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.error_prefix))
    error_message = "error_prefix must end with '/'."
  }
}

variable "glue_database_name" {
  description = "Glue database of the conversion schema (PARQUET only)."
  type        = string
  default     = null

  validation {
    condition     = var.glue_database_name == null || can(regex("^[a-z0-9_]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name must be null or a Glue database name."
  }
}

variable "glue_table_name" {
  description = "Glue table whose columns define the Parquet schema (PARQUET only)."
  type        = string
  default     = null

  validation {
    condition     = var.glue_table_name == null || can(regex("^[a-z0-9_]{1,255}$", var.glue_table_name))
    error_message = "glue_table_name must be null or a Glue table name."
  }
}

variable "buffering_size_mib" {
  description = "Buffer size per partition before a file is written, in MiB (64-128 with dynamic partitioning)."
  type        = number
  default     = 128

  validation {
    condition     = var.buffering_size_mib >= 64 && var.buffering_size_mib <= 128
    error_message = "buffering_size_mib must be 64-128 (dynamic partitioning and format conversion need at least 64)."
  }
}

variable "buffering_interval_seconds" {
  description = "Longest a record waits in the buffer, in seconds (60-900). With dynamic partitioning delivery may take up to 1.5x this."
  type        = number
  default     = 300

  validation {
    condition     = var.buffering_interval_seconds >= 60 && var.buffering_interval_seconds <= 900
    error_message = "buffering_interval_seconds must be 60-900."
  }
}

variable "retry_duration_seconds" {
  description = "How long Firehose retries a failed S3 delivery before writing to the error prefix (0-7200)."
  type        = number
  default     = 300

  validation {
    condition     = var.retry_duration_seconds >= 0 && var.retry_duration_seconds <= 7200
    error_message = "retry_duration_seconds must be 0-7200."
  }
}

variable "log_retention_days" {
  description = "Retention of the delivery error log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
