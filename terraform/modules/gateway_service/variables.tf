variable "name" {
  description = "Name of the cluster, service, task family and load balancer (max 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,32}$", var.name))
    error_message = "name must be 3-32 characters of [a-z0-9-]."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and the tasks."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer (public ones unless internal = true), two or more AZs."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "The load balancer needs subnets in at least two AZs."
  }
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (no public IP; reach AWS APIs through NAT or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Tasks need subnets in at least two AZs."
  }
}

variable "internal" {
  description = "Internal load balancer (clients inside the VPC or peered networks only)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "ssl_policy must be an ELB security policy name."
  }
}

variable "allowed_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the load balancer."
  type        = list(string)

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0 && alltrue([for c in var.allowed_ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_ingress_cidrs must be a non-empty list of IPv4 CIDRs."
  }
}

variable "egress_cidr" {
  description = "Where tasks may open HTTPS connections (AWS APIs through NAT or VPC endpoints)."
  type        = string
  default     = "0.0.0.0/0"

  validation {
    condition     = can(cidrhost(var.egress_cidr, 0))
    error_message = "egress_cidr must be an IPv4 CIDR."
  }
}

variable "image" {
  description = "Container image, pinned by digest or immutable tag (e.g. <registry>/streamgate@sha256:...)."
  type        = string

  validation {
    condition     = length(var.image) > 0 && !endswith(var.image, ":latest")
    error_message = "image must be set and must not use the mutable :latest tag."
  }
}

variable "cpu" {
  description = "Task CPU units (256, 512, 1024, 2048, 4096)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "memory" {
  description = "Task memory in MiB (must be valid for the CPU size)."
  type        = number
  default     = 2048

  validation {
    condition     = var.memory >= 512 && var.memory <= 30720 && var.memory % 512 == 0
    error_message = "memory must be 512-30720 MiB in steps of 512."
  }
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (Graviton, cheaper per vCPU; the image must be built for it)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "min_count" {
  description = "Minimum (and initial) number of tasks."
  type        = number
  default     = 2

  validation {
    condition     = var.min_count >= 1
    error_message = "min_count must be at least 1."
  }
}

variable "max_count" {
  description = "Maximum number of tasks autoscaling may run."
  type        = number
  default     = 10

  validation {
    condition     = var.max_count >= 1 && var.max_count <= 1000
    error_message = "max_count must be 1-1000."
  }
}

variable "target_requests_per_target" {
  description = "ALB requests per task per minute that autoscaling keeps (set from load tests)."
  type        = number
  default     = 60000

  validation {
    condition     = var.target_requests_per_target > 0
    error_message = "target_requests_per_target must be positive."
  }
}

variable "target_cpu_percent" {
  description = "Average task CPU utilisation that autoscaling keeps."
  type        = number
  default     = 60

  validation {
    condition     = var.target_cpu_percent >= 20 && var.target_cpu_percent <= 90
    error_message = "target_cpu_percent must be 20-90."
  }
}

variable "streams" {
  description = "Gateway routes: /streams/<name>/... forwards to stream_arn; mode event (validate + enrich, with an optional event catalog and dead-letter stream) or passthrough; partition_key client, event_uuid or random; aggregation none or kpl (KPL-aggregated records: only for streams whose every consumer de-aggregates, as Firehose and KCL do; never one Redshift streaming ingestion reads)."
  type = list(object({
    name          = string
    stream_arn    = string
    mode          = string
    partition_key = string
    aggregation   = optional(string, "none")
    # event mode only: the event catalog's directory inside the image, what
    # to do with types it does not declare, and the Kinesis stream (name and
    # ARN, for the task role) that keeps the refused events as bad rows.
    catalog                = optional(string)
    unknown_event_types    = optional(string)
    dead_letter_stream     = optional(string)
    dead_letter_stream_arn = optional(string)
  }))

  validation {
    condition = length(var.streams) > 0 && alltrue([for s in var.streams :
      can(regex("^[a-zA-Z0-9_.-]{1,128}$", s.name)) &&
      can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\\d{12}:stream/.+$", s.stream_arn)) &&
      contains(["event", "passthrough"], s.mode) &&
      contains(["client", "event_uuid", "random"], s.partition_key) &&
      contains(["none", "kpl"], s.aggregation) &&
      contains(["reject", "accept"], coalesce(s.unknown_event_types, "reject")) &&
      (s.dead_letter_stream == null) == (s.dead_letter_stream_arn == null) &&
      (s.mode == "event" || (s.catalog == null && s.dead_letter_stream == null && s.unknown_event_types == null))
    ])
    error_message = "Each stream needs a valid name, a Kinesis stream ARN, mode event|passthrough, partition_key client|event_uuid|random and aggregation none|kpl; catalog, unknown_event_types (reject|accept) and dead_letter_stream (with its ARN) only on event streams."
  }
}

variable "stream_kms_key_arns" {
  description = "Customer managed KMS keys of the streams (empty when they use alias/aws/kinesis)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.stream_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:", k))])
    error_message = "stream_kms_key_arns must be KMS key ARNs."
  }
}

variable "gateway_threads" {
  description = "HTTP worker threads per task (about one per vCPU)."
  type        = number
  default     = 2

  validation {
    condition     = var.gateway_threads >= 1 && var.gateway_threads <= 64
    error_message = "gateway_threads must be 1-64."
  }
}

variable "log_level" {
  description = "Gateway log level."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "linger_ms" {
  description = "How long the gateway waits to fill a PutRecords batch."
  type        = number
  default     = 5

  validation {
    condition     = var.linger_ms >= 0 && var.linger_ms <= 1000
    error_message = "linger_ms must be 0-1000."
  }
}

variable "deadline_ms" {
  description = "Upper bound for delivering a request's records to Kinesis, retries included; keep it under the drain time."
  type        = number
  default     = 20000

  validation {
    condition     = var.deadline_ms >= 1000 && var.deadline_ms <= 25000
    error_message = "deadline_ms must be 1000-25000 (stopTimeout is 30 s)."
  }
}

variable "shutdown_delay_ms" {
  description = "After SIGTERM, how long the gateway keeps accepting (with /readyz 503) before closing the listener."
  type        = number
  default     = 5000

  validation {
    condition     = var.shutdown_delay_ms >= 0 && var.shutdown_delay_ms <= 8000
    error_message = "shutdown_delay_ms must be 0-8000 (delay + drain must stay under the 30 s stopTimeout)."
  }
}

variable "drain_timeout_ms" {
  description = "After the listener closes, the longest wait for queued records to reach Kinesis."
  type        = number
  default     = 20000

  validation {
    condition     = var.drain_timeout_ms >= 1000 && var.drain_timeout_ms <= 22000
    error_message = "drain_timeout_ms must be 1000-22000 (delay + drain must stay under the 30 s stopTimeout)."
  }
}

variable "limits" {
  description = "Optional gateway \"limits\" config section (body, event and queue sizes); empty uses the gateway's defaults."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.limits : v > 0])
    error_message = "Every limit must be positive."
  }
}

variable "task_definition_template" {
  description = "Path of the task-definition template (deploy/ecs/task-definition.json.tftpl of the repository)."
  type        = string

  validation {
    condition     = endswith(var.task_definition_template, ".json.tftpl")
    error_message = "task_definition_template must be a .json.tftpl file."
  }
}

variable "log_retention_days" {
  description = "Retention of the task log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value."
  }
}

variable "deregistration_delay_seconds" {
  description = "Target-group deregistration delay; short, because /readyz already drained the task."
  type        = number
  default     = 15

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 25
    error_message = "deregistration_delay_seconds must be 0-25 (below the 30 s stopTimeout)."
  }
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Bucket for ALB access logs (SSE-S3, ALB log-delivery policy), or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alb_access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.alb_access_logs_bucket))
    error_message = "alb_access_logs_bucket must be null or a bucket name."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
