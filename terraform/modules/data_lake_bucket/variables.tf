variable "bucket_name" {
  description = "Globally unique bucket name (3-63 lowercase characters, digits, dots, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "kms_key_arn" {
  description = "Existing KMS key ARN for SSE-KMS; null creates a key with rotation enabled."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (dev only)."
  type        = bool
  default     = false
}

variable "raw_prefix" {
  description = "Key prefix of the raw JSON zone."
  type        = string
  default     = "raw/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.raw_prefix))
    error_message = "raw_prefix must end with '/'."
  }
}

variable "parquet_prefix" {
  description = "Key prefix of the Parquet zone."
  type        = string
  default     = "parquet/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.parquet_prefix))
    error_message = "parquet_prefix must end with '/'."
  }
}

variable "error_prefix" {
  description = "Key prefix Firehose writes failed records under."
  type        = string
  default     = "errors/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.error_prefix))
    error_message = "error_prefix must end with '/'."
  }
}

variable "raw_glacier_after_days" {
  description = "Days after which raw JSON objects move to Glacier Instant Retrieval."
  type        = number
  default     = 90

  validation {
    condition     = var.raw_glacier_after_days >= 30
    error_message = "raw_glacier_after_days must be at least 30."
  }
}

variable "raw_expire_after_days" {
  description = "Days after which raw JSON objects are deleted; null keeps them forever."
  type        = number
  default     = null

  validation {
    condition     = var.raw_expire_after_days == null || try(var.raw_expire_after_days > 90, false)
    error_message = "raw_expire_after_days must be null or more than 90."
  }
}

variable "parquet_tiering_after_days" {
  description = "Days after which Parquet objects move to S3 Intelligent-Tiering."
  type        = number
  default     = 30

  validation {
    condition     = var.parquet_tiering_after_days >= 0
    error_message = "parquet_tiering_after_days must not be negative."
  }
}

variable "bad_prefix" {
  description = "Key prefix of the bad rows (the events the gateway refused, from the dead-letter stream)."
  type        = string
  default     = "bad/"

  validation {
    condition     = can(regex("^[a-z0-9_/-]+/$", var.bad_prefix))
    error_message = "bad_prefix must end with '/'."
  }
}

variable "bad_expire_after_days" {
  description = "Days bad rows are kept (they carry client payloads: long enough to fix the client or the catalog and replay them)."
  type        = number
  default     = 90

  validation {
    condition     = var.bad_expire_after_days >= 7
    error_message = "bad_expire_after_days must be at least 7."
  }
}

variable "error_expire_after_days" {
  description = "Days Firehose error objects are kept (long enough to investigate and replay)."
  type        = number
  default     = 30

  validation {
    condition     = var.error_expire_after_days >= 7
    error_message = "error_expire_after_days must be at least 7."
  }
}

variable "noncurrent_expire_after_days" {
  description = "Days overwritten or deleted object versions are kept."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_expire_after_days >= 1
    error_message = "noncurrent_expire_after_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
