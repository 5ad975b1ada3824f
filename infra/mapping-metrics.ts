/**
 * The event source mapping's own metrics (AWS::Lambda::EventSourceMapping MetricsConfig): `EventCount` (events
 * polled, filtered out, invoked, failed, dropped, sent to the on-failure destination), `ErrorCount` and
 * `KafkaMetrics`, the last two for MSK and self-managed Kafka sources only, which these mappings are. Published in
 * AWS/Lambda per EventSourceMappingUUID; the filtered-out count is the one figure the function cannot see itself.
 */
export const MAPPING_METRICS_CONFIG = { metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] };

/** The EventCount metrics the dashboard charts, per mapping. */
export const MAPPING_EVENT_METRICS = [
  'PolledEventCount',
  'FilteredOutEventCount',
  'FailedInvokeEventCount',
  'OnFailureDestinationDeliveredEventCount',
] as const;
