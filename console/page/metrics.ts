import type { HandlerView } from '../protocol';
import { esc } from './dom';

const ms = (value: number | undefined): string =>
  value === undefined ? '—' : value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;

/**
 * The function's own figures, from the EMF documents it printed (one per invocation and topic, the documents
 * CloudWatch reads on AWS): totals since the emulator started, and the latest invocation's record age, duration and
 * batch size.
 */
export function metricsPanel(h: HandlerView): string {
  if (h.metrics === null)
    return '<p class="muted">a deployed stack\'s metrics are in CloudWatch (its dashboard)</p>';
  const { totals, latest, documents } = h.metrics;
  if (documents === 0) return '<p class="muted">no metrics documents yet</p>';
  const t = (name: string): number => totals[name] ?? 0;
  const cells: [string, string, string][] = [
    ['received', String(t('RecordsReceived')), 'RecordsReceived'],
    ['handled', String(t('RecordsHandled')), 'RecordsHandled'],
    ['retried', String(t('RecordsRetried')), 'RecordsRetried'],
    ['dead-lettered', String(t('RecordsDeadLettered')), 'RecordsDeadLettered'],
    [
      'failed: decode / schema / handler / timeout',
      `${t('RecordsFailedDecode')} / ${t('RecordsFailedSchema')} / ${t('RecordsFailedHandler')} / ${t('RecordsFailedTimeout')}`,
      'RecordsFailed',
    ],
    ['record age max / p50', `${ms(latest?.recordAgeMaxMs)} / ${ms(latest?.recordAgeP50Ms)}`, 'RecordAge'],
    ['duration', ms(latest?.durationMs), 'HandlerDuration'],
    ['batch size', String(latest?.batchSize ?? '—'), 'BatchSize'],
  ];
  return cells
    .map(
      ([label, value, metric]) =>
        `<div class="count" data-metric="${esc(metric)}" title="${esc(metric)}"><b>${esc(value)}</b><span>${esc(label)}</span></div>`,
    )
    .join('');
}
