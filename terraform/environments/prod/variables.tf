# Account-specific inputs of prod only (set in terraform.tfvars). They are
# validated by modules/stack; the per-environment sizing is in main.tf.

variable "region" {
  description = "AWS region of this environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "tags" {
  description = "Extra tags on every resource (cost centre, owner)."
  type        = map(string)
  default     = {}
}

variable "lake_bucket_name" {
  description = "Globally unique data-lake bucket name (include the account id or an org prefix)."
  type        = string
}

variable "passthrough_streams" {
  description = "Extra routes forwarded unchanged (mode passthrough), each with its own on-demand stream."
  type        = list(string)
  default     = []
}

variable "stream_aggregation" {
  description = "Per route, \"kpl\" to aggregate many events per Kinesis record or \"none\" (see the stack module and docs/architecture.md)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the gateway."
  type        = string
}

variable "public_subnet_ids" {
  description = "Load balancer subnets (two or more AZs)."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Task subnets (two or more AZs, with NAT or VPC endpoints)."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the gateway host name."
  type        = string
}

variable "allowed_ingress_cidrs" {
  description = "Client networks allowed to reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "image" {
  description = "streamgate image by digest, e.g. <account>.dkr.ecr.<region>.amazonaws.com/streamgate@sha256:..."
  type        = string
}

variable "redshift_subnet_ids" {
  description = "Three or more private subnets for the Redshift workgroup."
  type        = list(string)
  default     = []
}

variable "redshift_security_group_ids" {
  description = "Security groups of the Redshift workgroup."
  type        = list(string)
  default     = []
}

variable "alarm_topic_arns" {
  description = "SNS topics notified by the alarms."
  type        = list(string)
  default     = []
}
