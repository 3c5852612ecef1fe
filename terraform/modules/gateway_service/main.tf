# streamgate on ECS Fargate behind an ALB.
#
# - The task definition is rendered from deploy/ecs/task-definition.json.tftpl
#   (path in var.task_definition_template), the same file reviewed with the
#   Dockerfile; the gateway config is built here from the stream ARNs and
#   handed to the task as JSON (the config-init container writes it to disk).
# - Stopping a task: ECS deregisters it from the target group and waits the
#   deregistration delay (15 s) for open requests, then sends SIGTERM; the
#   gateway answers /readyz 503, keeps listening for shutdown.delay_ms (5 s),
#   then drains its queue within drain_timeout_ms (20 s); SIGKILL comes at
#   stopTimeout (30 s) after SIGTERM. /readyz is also the target group check.
# - Task role: kinesis:PutRecords, PutRecord, DescribeStreamSummary and
#   ListShards (the shard map of streams that aggregate) on the configured
#   stream ARNs and nothing else.

data "aws_partition" "current" {}
data "aws_region" "current" {}

# The ALB's nodes connect from the VPC: the gateway believes their
# X-Forwarded-For (the access log's client address) and no one else's.
data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  region    = data.aws_region.current.name
  log_group = "/ecs/${var.name}"
  container = "streamgate"
  stream_arns = distinct(concat([for s in var.streams : s.stream_arn],
  [for s in var.streams : s.dead_letter_stream_arn if s.dead_letter_stream_arn != null]))
  alb_resource = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
  ecs_resource = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"

  gateway_config = merge({
    listen    = "0.0.0.0:8080"
    threads   = var.gateway_threads
    log_level = var.log_level
    kinesis = {
      region      = local.region
      endpoint    = null
      linger_ms   = var.linger_ms
      deadline_ms = var.deadline_ms
    }
    shutdown = {
      delay_ms         = var.shutdown_delay_ms
      drain_timeout_ms = var.drain_timeout_ms
    }
    streams = [for s in var.streams : merge({
      name          = s.name
      stream_arn    = s.stream_arn
      mode          = s.mode
      partition_key = s.partition_key
      aggregation   = s.aggregation
      }, { for k, v in {
        catalog             = s.catalog
        unknown_event_types = s.unknown_event_types
        dead_letter_stream  = s.dead_letter_stream
    } : k => v if v != null })]
    trusted_proxies = [data.aws_vpc.this.cidr_block]
  }, length(var.limits) > 0 ? { limits = var.limits } : {})

  task_definition = jsondecode(templatefile(var.task_definition_template, {
    family             = var.name
    cpu                = tostring(var.cpu)
    memory             = tostring(var.memory)
    cpu_architecture   = var.cpu_architecture
    execution_role_arn = aws_iam_role.execution.arn
    task_role_arn      = aws_iam_role.task.arn
    image              = var.image
    region             = local.region
    log_group          = aws_cloudwatch_log_group.this.name
    log_level          = var.log_level
    config_json_string = jsonencode(jsonencode(local.gateway_config))
  }))
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ---- IAM ------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# Execution role: pull the image and write logs (used by the ECS agent, not the app).
resource "aws_iam_role" "execution" {
  name_prefix        = "${substr(var.name, 0, 26)}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# Task role: what streamgate itself may do, through the container credentials.
data "aws_iam_policy_document" "task" {
  statement {
    sid = "PutEvents"
    actions = [
      "kinesis:PutRecords",
      "kinesis:PutRecord",
      "kinesis:DescribeStreamSummary",
      "kinesis:ListShards",
    ]
    resources = local.stream_arns
  }

  dynamic "statement" {
    for_each = length(var.stream_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "EncryptWithStreamKey"
      actions   = ["kms:GenerateDataKey"]
      resources = var.stream_kms_key_arns
    }
  }
}

resource "aws_iam_role" "task" {
  name_prefix        = "${substr(var.name, 0, 26)}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "put-records"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- network ------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "streamgate ALB: HTTPS (and HTTP redirect) from clients"
  vpc_id      = var.vpc_id
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  description       = "HTTPS from clients"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  from_port         = 80
  to_port           = 80
  ip_protocol       = "tcp"
  description       = "HTTP, redirected to HTTPS"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.task.id
  from_port                    = 8080
  to_port                      = 8080
  ip_protocol                  = "tcp"
  description                  = "To streamgate tasks"
}

resource "aws_security_group" "task" {
  name_prefix = "${var.name}-task-"
  description = "streamgate tasks: 8080 from the ALB only; HTTPS out to Kinesis, ECR, logs"
  vpc_id      = var.vpc_id
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  referenced_security_group_id = aws_security_group.alb.id
  from_port                    = 8080
  to_port                      = 8080
  ip_protocol                  = "tcp"
  description                  = "From the ALB"
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  cidr_ipv4         = var.egress_cidr
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  description       = "HTTPS to AWS APIs (Kinesis, ECR, CloudWatch Logs) via NAT or VPC endpoints"
}

# ---- load balancer ---------------------------------------------------------------------

resource "aws_lb" "this" {
  name                       = substr(var.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  idle_timeout               = 60
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  tags                       = var.tags

  dynamic "access_logs" {
    for_each = var.alb_access_logs_bucket == null ? [] : [var.alb_access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }
}

resource "aws_lb_target_group" "this" {
  name_prefix          = "sg-"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_delay_seconds

  # /readyz answers 503 while a task drains or cannot reach Kinesis; two
  # failures 5 s apart take it out of rotation within ~10 s.
  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 5
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# ---- ECS ---------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.task_definition.family
  requires_compatibilities = local.task_definition.requiresCompatibilities
  network_mode             = local.task_definition.networkMode
  cpu                      = local.task_definition.cpu
  memory                   = local.task_definition.memory
  execution_role_arn       = local.task_definition.executionRoleArn
  task_role_arn            = local.task_definition.taskRoleArn
  container_definitions    = jsonencode(local.task_definition.containerDefinitions)

  runtime_platform {
    operating_system_family = local.task_definition.runtimePlatform.operatingSystemFamily
    cpu_architecture        = local.task_definition.runtimePlatform.cpuArchitecture
  }

  dynamic "volume" {
    for_each = local.task_definition.volumes
    content {
      name = volume.value.name
    }
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.min_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 30
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = local.container
    container_port   = 8080
  }

  tags = var.tags

  # Autoscaling owns the task count after the first apply.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.https, aws_iam_role_policy.task]
}

# ---- autoscaling -------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = local.ecs_resource
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name}-requests-per-target"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_requests_per_target
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = local.alb_resource
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_cpu_percent
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
