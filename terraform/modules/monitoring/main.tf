# CloudWatch alarms and one dashboard for the whole path:
# ALB -> ECS tasks -> Kinesis -> Firehose -> S3.

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name
  # Firehose with dynamic partitioning may hold data up to 1.5x its buffer
  # interval; alarm a little above that.
  freshness_threshold = ceil(var.firehose_buffering_interval_seconds * 1.5 + 300)

  alb_dims = { LoadBalancer = var.alb_arn_suffix }
  tg_dims  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  ecs_dims = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
}

# ---- Kinesis ----------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "kinesis_write_throttled" {
  for_each = toset(var.stream_names)

  alarm_name          = "${var.name}-kinesis-${each.value}-write-throttled"
  alarm_description   = "Writes to ${each.value} are throttled: add shards / check for a hot partition key. The gateway retries, but its queue fills and clients get 503."
  namespace           = "AWS/Kinesis"
  metric_name         = "WriteProvisionedThroughputExceeded"
  dimensions          = { StreamName = each.value }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "kinesis_failed_records" {
  for_each = toset(var.stream_names)

  alarm_name          = "${var.name}-kinesis-${each.value}-failed-records"
  alarm_description   = "PutRecords entries on ${each.value} failed with InternalFailure (throttled entries are counted by the throttling alarm)."
  namespace           = "AWS/Kinesis"
  metric_name         = "PutRecords.FailedRecords"
  dimensions          = { StreamName = each.value }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.failed_records_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "kinesis_iterator_age" {
  for_each = toset(var.stream_names)

  alarm_name          = "${var.name}-kinesis-${each.value}-iterator-age"
  alarm_description   = "A consumer of ${each.value} (Firehose or Redshift) lags; data is lost once the lag reaches the stream retention."
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.iterator_age_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# ---- Firehose -----------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "firehose_freshness" {
  for_each = toset(var.firehose_names)

  alarm_name          = "${var.name}-firehose-${each.value}-freshness"
  alarm_description   = "The oldest record in ${each.value} is older than 1.5x the buffer interval + 5 min: S3 delivery is failing or falling behind."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.DataFreshness"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = local.freshness_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "firehose_delivery_failed" {
  for_each = toset(var.firehose_names)

  alarm_name          = "${var.name}-firehose-${each.value}-delivery-failed"
  alarm_description   = "S3 deliveries of ${each.value} fail (DeliveryToS3.Success average below 1): check the role, bucket policy and KMS key."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.Success"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "firehose_partitions_exceeded" {
  for_each = toset(var.firehose_names)

  alarm_name          = "${var.name}-firehose-${each.value}-partitions-exceeded"
  alarm_description   = "${each.value} has more active partitions than its quota; records go to the error prefix (activePartitionExceeded)."
  namespace           = "AWS/Firehose"
  metric_name         = "PartitionCountExceeded"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "firehose_conversion_failed" {
  for_each = toset(var.firehose_names)

  alarm_name          = "${var.name}-firehose-${each.value}-conversion-failed"
  alarm_description   = "Records of ${each.value} failed Parquet conversion (schema mismatch); they are in errors/format-conversion-failed/."
  namespace           = "AWS/Firehose"
  metric_name         = "FailedConversion.Records"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# ---- ALB ------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_target_5xx" {
  alarm_name          = "${var.name}-alb-target-5xx"
  alarm_description   = "streamgate answers 5xx (503 = queue full or Kinesis unavailable)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  dimensions          = local.tg_dims
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.alb_5xx_per_minute_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "alb_elb_5xx" {
  alarm_name          = "${var.name}-alb-elb-5xx"
  alarm_description   = "The load balancer itself answers 5xx (no healthy targets, 502/504 from dropped connections)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = local.alb_dims
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.alb_5xx_per_minute_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "alb_latency_p99" {
  alarm_name          = "${var.name}-alb-latency-p99"
  alarm_description   = "p99 target response time above ${var.latency_p99_threshold_seconds} s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.tg_dims
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.latency_p99_threshold_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "alb_unhealthy_hosts" {
  alarm_name          = "${var.name}-alb-unhealthy-hosts"
  alarm_description   = "Targets fail /readyz for longer than a deployment or drain takes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.tg_dims
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# ---- ECS --------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "ecs_cpu" {
  alarm_name          = "${var.name}-ecs-cpu"
  alarm_description   = "Service CPU stays high although autoscaling targets a lower value: max_count reached?"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.ecs_dims
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 8
  threshold           = var.cpu_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "ecs_memory" {
  alarm_name          = "${var.name}-ecs-memory"
  alarm_description   = "Service memory high: the gateway's bounded queues should keep it flat; a rise means a leak or oversized limits."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = local.ecs_dims
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 8
  threshold           = var.memory_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# ---- dashboard -----------------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type = "metric", x = 0, y = 0, width = 12, height = 6
          properties = {
            title = "ALB requests and 5xx", region = local.region, stat = "Sum", period = 60
            metrics = [
              ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
              [".", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix],
              [".", "HTTPCode_Target_4XX_Count", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix],
              [".", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
            ]
          }
        },
        {
          type = "metric", x = 12, y = 0, width = 12, height = 6
          properties = {
            title = "Target response time", region = local.region, period = 60
            metrics = [
              ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "p50" }],
              ["...", { stat = "p99" }],
            ]
          }
        },
        {
          type = "metric", x = 0, y = 6, width = 12, height = 6
          properties = {
            title = "ECS CPU / memory / tasks", region = local.region, stat = "Average", period = 60
            metrics = [
              ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_name],
              [".", "MemoryUtilization", ".", ".", ".", "."],
              ["ECS/ContainerInsights", "RunningTaskCount", ".", ".", ".", ".", { yAxis = "right" }],
            ]
          }
        },
      ],
      [for i, s in var.stream_names : {
        type = "metric", x = 12, y = 6 + 6 * i, width = 12, height = 6
        properties = {
          title = "Kinesis ${s}", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/Kinesis", "IncomingRecords", "StreamName", s],
            [".", "PutRecords.FailedRecords", ".", "."],
            [".", "WriteProvisionedThroughputExceeded", ".", "."],
            [".", "GetRecords.IteratorAgeMilliseconds", ".", ".", { stat = "Maximum", yAxis = "right" }],
          ]
        }
      }],
      [for i, f in var.firehose_names : {
        type = "metric", x = 0, y = 12 + 6 * i, width = 12, height = 6
        properties = {
          title = "Firehose ${f}", region = local.region, period = 300
          metrics = [
            ["AWS/Firehose", "DeliveryToS3.Records", "DeliveryStreamName", f, { stat = "Sum" }],
            [".", "DeliveryToS3.DataFreshness", ".", ".", { stat = "Maximum", yAxis = "right" }],
            [".", "PartitionCount", ".", ".", { stat = "Maximum" }],
          ]
        }
      }],
    )
  })
}
