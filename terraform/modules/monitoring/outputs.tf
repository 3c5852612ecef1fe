output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Every alarm the module creates."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.kinesis_write_throttled : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.kinesis_failed_records : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.kinesis_iterator_age : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.firehose_freshness : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.firehose_delivery_failed : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.firehose_partitions_exceeded : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.firehose_conversion_failed : a.alarm_name],
    [
      aws_cloudwatch_metric_alarm.alb_target_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.alb_elb_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.alb_latency_p99.alarm_name,
      aws_cloudwatch_metric_alarm.alb_unhealthy_hosts.alarm_name,
      aws_cloudwatch_metric_alarm.ecs_cpu.alarm_name,
      aws_cloudwatch_metric_alarm.ecs_memory.alarm_name,
    ],
  )
}
