// Prometheus metrics of one ingester (prom-client): counters mirrored from IngestStats at scrape
// time, the batch write latency histogram, the queue depth. Imports prom-client and ingest types only.
import {Counter, Gauge, Histogram, Registry} from 'prom-client';
import type {IngestStats} from './types.js';

/** Why an item was not stored: label values of `hermes_ingest_refused_total{reason}`. */
const REFUSED_REASONS = {
	invalid: (s: IngestStats) => s.invalid,
	shed: (s: IngestStats) => s.shed,
	poisoned: (s: IngestStats) => s.poisoned,
	receipt_dropped: (s: IngestStats) => s.receiptsDropped,
	// v2: a message or room action the sender may not do (not a member, not an admin, no such room).
	not_allowed: (s: IngestStats) => s.refusedByRules,
} as const;

/** The metrics of one ingester; bind it to the running ingester's stats once it exists. */
export interface IngestMetrics {
	readonly registry: Registry;
	/** Record one committed batch: size in items, write duration in ms (IngestOptions.onBatchCommitted). */
	observeBatch(items: number, durationMs: number): void;
	/** Where counters are read from at each scrape (the ingester's `stats()`). */
	bind(readStats: () => IngestStats): void;
}

/**
 * Create the registry. Counters (`_total`): received, stored (rows inserted), duplicates,
 * refused{reason: invalid|shed|poisoned|receipt_dropped}, receipts_stored, confirmations
 * (✓ published), batches, write_failures; histograms: batch_duration_seconds (one committed
 * transaction, retries excluded) and batch_size (items); gauge: queue_depth (items received,
 * not committed). All named `hermes_ingest_*`.
 */
export function createIngestMetrics(): IngestMetrics {
	const registry = new Registry();
	let readStats: (() => IngestStats) | undefined;
	const mirror = (name: string, help: string, read: (s: IngestStats) => number) => {
		let last = 0;
		new Counter({
			name: `hermes_ingest_${name}_total`,
			help,
			registers: [registry],
			collect() {
				const value = readStats ? read(readStats()) : 0;
				if (value > last) this.inc(value - last);
				last = value;
			},
		});
	};
	mirror('received', 'Publishes received from the broker', (s) => s.received);
	mirror('stored', 'Messages stored (rows added to chat_messages)', (s) => s.inserted);
	mirror('duplicates', 'Messages received again that were already stored (re-sends, QoS 1 redelivery)', (s) => s.duplicates);
	mirror('receipts_stored', 'delivered/read receipts stored', (s) => s.receiptsStored);
	mirror('confirmations', 'received_by_server receipts (✓) published after COMMIT', (s) => s.confirmationsPublished);
	mirror('fan_out', 'Publishes to members\' inboxes after COMMIT (messages, system lines, forwarded receipts, typing)', (s) => s.fanOutPublishes);
	mirror('batches', 'Committed batch transactions', (s) => s.batches);
	mirror('write_failures', 'Failed batch attempts (retried with backoff)', (s) => s.writeFailures);
	const last = new Map<string, number>();
	new Counter({
		name: 'hermes_ingest_refused_total',
		help: 'Items not stored, by reason',
		labelNames: ['reason'],
		registers: [registry],
		collect() {
			for (const [reason, read] of Object.entries(REFUSED_REASONS)) {
				const value = readStats ? read(readStats()) : 0;
				const delta = value - (last.get(reason) ?? 0);
				this.inc({reason}, Math.max(0, delta));
				last.set(reason, value);
			}
		},
	});
	new Gauge({
		name: 'hermes_ingest_queue_depth',
		help: 'Items received and not committed yet (queued, being written, waiting to retry)',
		registers: [registry],
		collect() {
			this.set(readStats ? readStats().pending : 0);
		},
	});
	const duration = new Histogram({
		name: 'hermes_ingest_batch_duration_seconds',
		help: 'Time to write and commit one batch transaction',
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		registers: [registry],
	});
	const size = new Histogram({
		name: 'hermes_ingest_batch_size',
		help: 'Items per committed batch',
		buckets: [1, 5, 10, 50, 100, 250, 500, 1000],
		registers: [registry],
	});
	return {
		registry,
		observeBatch(items, durationMs) {
			duration.observe(durationMs / 1_000);
			size.observe(items);
		},
		bind(read) {
			readStats = read;
		},
	};
}
