import {describe, expect, it} from 'vitest';
import {createIngestMetrics} from './health-metrics.js';
import {emptyStats} from './types.js';

/** The value of one sample line (`name{labels} value`). */
function sample(text: string, name: string): number | undefined {
	const line = text.split('\n').find((l) => l.startsWith(`${name} `));
	return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('createIngestMetrics', () => {
	it('mirrors the ingester counters at each scrape, refused ones by reason, and the queue depth', async () => {
		const metrics = createIngestMetrics();
		const stats = emptyStats();
		metrics.bind(() => stats);
		Object.assign(stats, {received: 10, inserted: 6, duplicates: 2, invalid: 1, shed: 3, poisoned: 1, receiptsDropped: 2, pending: 4, refusedByRules: 5, fanOutPublishes: 12});
		let text = await metrics.registry.metrics();
		expect(sample(text, 'hermes_ingest_received_total')).toBe(10);
		expect(sample(text, 'hermes_ingest_stored_total')).toBe(6);
		expect(sample(text, 'hermes_ingest_duplicates_total')).toBe(2);
		expect(sample(text, 'hermes_ingest_refused_total{reason="invalid"}')).toBe(1);
		expect(sample(text, 'hermes_ingest_refused_total{reason="shed"}')).toBe(3);
		expect(sample(text, 'hermes_ingest_refused_total{reason="poisoned"}')).toBe(1);
		expect(sample(text, 'hermes_ingest_refused_total{reason="receipt_dropped"}')).toBe(2);
		expect(sample(text, 'hermes_ingest_queue_depth')).toBe(4);
		expect(sample(text, 'hermes_ingest_refused_total{reason="not_allowed"}')).toBe(5);
		expect(sample(text, 'hermes_ingest_fan_out_total')).toBe(12);
		Object.assign(stats, {received: 15, inserted: 9, pending: 0});
		text = await metrics.registry.metrics();
		expect(sample(text, 'hermes_ingest_received_total')).toBe(15);
		expect(sample(text, 'hermes_ingest_stored_total')).toBe(9);
		expect(sample(text, 'hermes_ingest_refused_total{reason="shed"}')).toBe(3);
		expect(sample(text, 'hermes_ingest_queue_depth')).toBe(0);
	});

	it('puts each committed batch in the duration (seconds) and size histograms', async () => {
		const metrics = createIngestMetrics();
		metrics.observeBatch(500, 40);
		metrics.observeBatch(1, 3);
		const text = await metrics.registry.metrics();
		expect(sample(text, 'hermes_ingest_batch_duration_seconds_count')).toBe(2);
		expect(sample(text, 'hermes_ingest_batch_duration_seconds_sum')).toBeCloseTo(0.043, 6);
		expect(sample(text, 'hermes_ingest_batch_duration_seconds_bucket{le="0.005"}')).toBe(1);
		expect(sample(text, 'hermes_ingest_batch_duration_seconds_bucket{le="0.05"}')).toBe(2);
		expect(sample(text, 'hermes_ingest_batch_size_sum')).toBe(501);
		expect(sample(text, 'hermes_ingest_batch_size_bucket{le="1"}')).toBe(1);
	});

	it('reads zeros before it is bound to an ingester', async () => {
		const text = await createIngestMetrics().registry.metrics();
		expect(sample(text, 'hermes_ingest_received_total')).toBe(0);
		expect(sample(text, 'hermes_ingest_queue_depth')).toBe(0);
	});
});
