// CloudWatch alarms on the gateway's EMF metrics (docs/operations.md, "What to alarm on"). One set per provider
// switched on, plus the instance-wide ones; thresholds are params of serverless.yml. Metrics come from the functions'
// logs (Embedded Metric Format), in the namespace GATEWAY_METRICS_EMF_NAMESPACE names.
module.exports = async ({ resolveVariable }) => {
  const param = async (name) => String(await resolveVariable(`param:${name}`));
  const stage = await resolveVariable("sls:stage");
  const service = "job-gateway";
  const namespace = await param("metricsNamespace");
  const topic = await param("alarmTopicArn");
  const actions = topic === "" ? {} : { AlarmActions: [topic], OKActions: [topic] };
  const resources = {};
  if ((await param("alarms")) !== "true") {
    return resources;
  }
  const period = 300;
  const metric = (id, name, dimensions, stat) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: name,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: stat,
    },
  });
  const alarm = (logicalId, name, description, threshold, periods, metrics, extra = {}) => {
    resources[logicalId] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `${service}-${stage}-${name}`,
        AlarmDescription: description,
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: Number(threshold),
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        TreatMissingData: "notBreaching",
        Metrics: metrics,
        ...actions,
        ...extra,
      },
    };
  };
  const capitalized = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  const ratio = await param("missingWebhookRatioPercent");
  const minJobs = await param("missingWebhookMinJobs");
  const badSignatures = await param("badSignaturesPer5m");
  const unreachable = await param("upstreamUnreachablePer5m");
  // A poll-only provider (ComfyUI) sends no webhooks: every job of its completes via poll, and nothing can fail a
  // signature. Only its upstream alarm applies.
  const pollOnly = new Set(["comfyui"]);
  for (const provider of ["generic", "replicate", "fal", "runpod", "cog", "comfyui"]) {
    if ((await param(provider)) !== "true") {
      continue;
    }
    const p = capitalized(provider);
    if (!pollOnly.has(provider)) {
    alarm(`MissingWebhookRatio${p}Alarm`, `missing-webhook-ratio-${provider}`,
      `More than ${ratio} % of ${provider}'s jobs completed via poll (their webhook never came) for 15 min`,
      ratio, 3, [
        metric("polled", "JobsCompleted", { provider, completed_via: "poll" }, "Sum"),
        metric("webhooked", "JobsCompleted", { provider, completed_via: "webhook" }, "Sum"),
        {
          Id: "ratio",
          Label: "missing-webhook ratio (%)",
          ReturnData: true,
          // Below the minimum volume the ratio says nothing: 0, not an alarm.
          Expression: `IF(FILL(polled, 0) + FILL(webhooked, 0) >= ${minJobs}, `
            + "100 * FILL(polled, 0) / (FILL(polled, 0) + FILL(webhooked, 0)), 0)",
        },
      ]);
    alarm(`BadSignatures${p}Alarm`, `bad-signatures-${provider}`,
      `More than ${badSignatures} webhooks to /webhooks/${provider} failed authentication in 5 min (forgery, or a rotated secret)`,
      badSignatures, 1, [{ ...metric("bad", "WebhooksReceived", { provider, result: "bad_signature" }, "Sum"), ReturnData: true }]);
    }
    alarm(`UpstreamUnreachable${p}Alarm`, `upstream-unreachable-${provider}`,
      `More than ${unreachable} calls to ${provider}'s API got no answer in 5 min, twice in a row`,
      unreachable, 2, [{ ...metric("unreachable", "UpstreamCalls", { provider, status_class: "unreachable" }, "SampleCount"), ReturnData: true }]);
  }
  const backlog = await param("sweeperOverdueJobs");
  alarm("SweeperBacklogAlarm", "sweeper-backlog",
    `More than ${backlog} jobs overdue in the pending index for 15 min: the sweeper falls behind`,
    backlog, 3, [{ ...metric("overdue", "SweeperOverdue", {}, "Maximum"), ReturnData: true }]);
  const redis = await param("redisFailuresPer5m");
  alarm("RedisFailuresAlarm", "redis-failures",
    `More than ${redis} Redis commands timed out or met an outage in 5 min`,
    redis, 1, [
      metric("timeouts", "StoreFailures", { kind: "timeout" }, "Sum"),
      metric("outages", "StoreFailures", { kind: "outage" }, "Sum"),
      { Id: "failures", Label: "Redis failures", ReturnData: true, Expression: "FILL(timeouts, 0) + FILL(outages, 0)" },
    ]);
  return resources;
};
