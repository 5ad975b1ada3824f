/**
 * The event source mapping metrics the dashboard charts, per mapping (AWS/Lambda, by EventSourceMappingUUID): they
 * exist because every mapping turns on its MetricsConfig (shared/declarations/mapping-settings.ts, MAPPING_METRICS).
 */
export const MAPPING_EVENT_METRICS = [
  'PolledEventCount',
  'FilteredOutEventCount',
  'FailedInvokeEventCount',
  'OnFailureDestinationDeliveredEventCount',
] as const;
