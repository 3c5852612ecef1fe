variable "name" {
  description = "Namespace and workgroup name (3-64 lowercase letters, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.name))
    error_message = "name must be 3-64 characters of [a-z0-9-]."
  }
}

variable "db_name" {
  description = "Database created in the namespace."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be a lowercase identifier."
  }
}

variable "admin_username" {
  description = "Admin user; the password is generated and kept in Secrets Manager (manage_admin_password)."
  type        = string
  default     = "sgadmin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,126}$", var.admin_username)) && var.admin_username != "admin"
    error_message = "admin_username must be a lowercase identifier other than 'admin'."
  }
}

variable "base_capacity_rpu" {
  description = "Base capacity in RPUs (8-512, multiple of 8)."
  type        = number
  default     = 8

  validation {
    condition     = var.base_capacity_rpu >= 8 && var.base_capacity_rpu <= 512 && var.base_capacity_rpu % 8 == 0
    error_message = "base_capacity_rpu must be a multiple of 8 between 8 and 512."
  }
}

variable "max_capacity_rpu" {
  description = "Upper bound the workgroup may scale to, in RPUs."
  type        = number
  default     = 64

  validation {
    condition     = var.max_capacity_rpu >= 8 && var.max_capacity_rpu <= 5632 && var.max_capacity_rpu % 8 == 0
    error_message = "max_capacity_rpu must be a multiple of 8, at least 8."
  }
}

variable "monthly_rpu_hours_limit" {
  description = "RPU-hours per month after which a usage-limit breach is logged; null sets no limit."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_rpu_hours_limit == null || try(var.monthly_rpu_hours_limit >= 1, false)
    error_message = "monthly_rpu_hours_limit must be null or at least 1."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the workgroup (at least three, in different AZs)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 3
    error_message = "Redshift Serverless needs at least three subnets."
  }
}

variable "security_group_ids" {
  description = "Security groups of the workgroup."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "At least one security group is required."
  }
}

variable "stream_name" {
  description = "Kinesis stream name as the external schema sees it (case-sensitive)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.stream_name))
    error_message = "stream_name must be a Kinesis stream name."
  }
}

variable "stream_arn" {
  description = "ARN of the same stream (the IAM role may read only it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\\d{12}:stream/.+$", var.stream_arn))
    error_message = "stream_arn must be a Kinesis stream ARN."
  }
}

variable "stream_kms_key_arn" {
  description = "Customer managed KMS key of the stream, or null for the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.stream_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.stream_kms_key_arn))
    error_message = "stream_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "kinesis_schema" {
  description = "Name of the external schema FROM KINESIS."
  type        = string
  default     = "kds"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.kinesis_schema))
    error_message = "kinesis_schema must be a lowercase identifier."
  }
}

variable "local_schema" {
  description = "Schema of the materialized view, the deduplicated table and the merge procedure."
  type        = string
  default     = "public"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.local_schema))
    error_message = "local_schema must be a lowercase identifier."
  }
}

variable "table_name" {
  description = "Base name of the deduplicated table (the MV is <table_name>_stream_mv)."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.table_name))
    error_message = "table_name must be a lowercase identifier."
  }
}

variable "apply_sql" {
  description = "Run the SQL through the Redshift Data API during apply (else apply rendered_sql with a migration tool)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
