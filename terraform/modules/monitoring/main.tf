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

  # Alarm specifications, one aws_cloudwatch_metric_alarm.this each. The key is the alarm name
  # without the "<name>-" prefix, so the names are exactly the ones the earlier
  # one-resource-per-alarm version created (renaming an alarm loses its history). A spec sets
  # namespace, metric_name, dimensions, statistic or extended_statistic, period,
  # evaluation_periods, threshold, comparison_operator and description; alarm_defaults fills
  # in the rest.
  alarm_defaults = {
    statistic           = null
    extended_statistic  = null
    datapoints_to_alarm = null # null: every evaluation period must breach
    treat_missing_data  = "notBreaching"
  }

  # ---- Kinesis (one of each per stream) ----
  kinesis_alarms = merge(
    { for s in toset(var.stream_names) : "kinesis-${s}-write-throttled" => {
      description         = "Writes to ${s} are throttled: add shards / check for a hot partition key. The gateway retries, but its queue fills and clients get 503."
      namespace           = "AWS/Kinesis"
      metric_name         = "WriteProvisionedThroughputExceeded"
      dimensions          = { StreamName = s }
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
    } },
    { for s in toset(var.stream_names) : "kinesis-${s}-failed-records" => {
      description         = "PutRecords entries on ${s} failed with InternalFailure (throttled entries are counted by the throttling alarm)."
      namespace           = "AWS/Kinesis"
      metric_name         = "PutRecords.FailedRecords"
      dimensions          = { StreamName = s }
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.failed_records_threshold
      comparison_operator = "GreaterThanThreshold"
    } },
    { for s in toset(var.stream_names) : "kinesis-${s}-iterator-age" => {
      description         = "A consumer of ${s} (Firehose or Redshift) lags; data is lost once the lag reaches the stream retention."
      namespace           = "AWS/Kinesis"
      metric_name         = "GetRecords.IteratorAgeMilliseconds"
      dimensions          = { StreamName = s }
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 3
      threshold           = var.iterator_age_threshold_ms
      comparison_operator = "GreaterThanThreshold"
    } },
  )

  # ---- Firehose (one of each per delivery stream) ----
  firehose_alarms = merge(
    { for f in toset(var.firehose_names) : "firehose-${f}-freshness" => {
      description         = "The oldest record in ${f} is older than 1.5x the buffer interval + 5 min: S3 delivery is failing or falling behind."
      namespace           = "AWS/Firehose"
      metric_name         = "DeliveryToS3.DataFreshness"
      dimensions          = { DeliveryStreamName = f }
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 3
      threshold           = local.freshness_threshold
      comparison_operator = "GreaterThanThreshold"
    } },
    { for f in toset(var.firehose_names) : "firehose-${f}-delivery-failed" => {
      description         = "S3 deliveries of ${f} fail (DeliveryToS3.Success average below 1): check the role, bucket policy and KMS key."
      namespace           = "AWS/Firehose"
      metric_name         = "DeliveryToS3.Success"
      dimensions          = { DeliveryStreamName = f }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      threshold           = 1
      comparison_operator = "LessThanThreshold"
    } },
    { for f in toset(var.firehose_names) : "firehose-${f}-partitions-exceeded" => {
      description         = "${f} has more active partitions than its quota; records go to the error prefix (activePartitionExceeded)."
      namespace           = "AWS/Firehose"
      metric_name         = "PartitionCountExceeded"
      dimensions          = { DeliveryStreamName = f }
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
    } },
    # Only the delivery streams that convert: the raw JSON one never reports FailedConversion.
    { for f, prefix in var.conversion_error_prefixes : "firehose-${f}-conversion-failed" => {
      description         = "Records of ${f} failed Parquet conversion (schema mismatch); they are in ${prefix}."
      namespace           = "AWS/Firehose"
      metric_name         = "FailedConversion.Records"
      dimensions          = { DeliveryStreamName = f }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
    } },
  )

  # ---- ALB and ECS (one each) ----
  service_alarms = {
    "alb-target-5xx" = {
      description         = "streamgate answers 5xx (503 = queue full or Kinesis unavailable)."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "HTTPCode_Target_5XX_Count"
      dimensions          = local.tg_dims
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.alb_5xx_per_minute_threshold
      comparison_operator = "GreaterThanThreshold"
    }
    "alb-elb-5xx" = {
      description         = "The load balancer itself answers 5xx (no healthy targets, 502/504 from dropped connections)."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "HTTPCode_ELB_5XX_Count"
      dimensions          = local.alb_dims
      statistic           = "Sum"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.alb_5xx_per_minute_threshold
      comparison_operator = "GreaterThanThreshold"
    }
    "alb-latency-p99" = {
      description         = "p99 target response time above ${var.latency_p99_threshold_seconds} s."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "TargetResponseTime"
      dimensions          = local.tg_dims
      extended_statistic  = "p99"
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      threshold           = var.latency_p99_threshold_seconds
      comparison_operator = "GreaterThanThreshold"
    }
    "alb-unhealthy-hosts" = {
      description         = "Targets fail /readyz for longer than a deployment or drain takes."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "UnHealthyHostCount"
      dimensions          = local.tg_dims
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
    }
    "ecs-cpu" = {
      description         = "Service CPU stays high although autoscaling targets a lower value: max_count reached?"
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
    }
    "ecs-memory" = {
      description         = "Service memory high: the gateway's bounded queues should keep it flat; a rise means a leak or oversized limits."
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
    }
  }

  alarms = {
    for key, spec in merge(local.kinesis_alarms, local.firehose_alarms, local.service_alarms) :
    key => merge(local.alarm_defaults, spec)
  }
}

# ---- alarms ---------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic          # null for percentile alarms ...
  extended_statistic  = each.value.extended_statistic # ... which set this instead (ALB p99)
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison_operator
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags

  lifecycle {
    precondition {
      condition     = (each.value.statistic == null) != (each.value.extended_statistic == null)
      error_message = "Alarm ${each.key}: set exactly one of statistic and extended_statistic."
    }
  }
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
