// The ingestion service: MQTT chat traffic → validate → batch → one transaction → ✓ receipts.
// May import live/ (via subscription), store/, protocol/ and log; never pg, mqtt, ink or react.
import {openDb} from '../store/db.js';
import {runMigrations} from '../store/migrate.js';
import {keepStatsFresh} from '../store/stats.js';
import {Batcher} from './batcher.js';
import {Confirmer} from './confirmer.js';
import {subscribeToChat, type ChatSubscription} from './subscription.js';
import {probeHealth} from './health.js';
import {emptyStats, type IngestItem, type IngestOptions, type Ingester} from './types.js';
import {createBatchWriter} from './writer.js';

export {DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts} from '../store/db.js';
export {STATS_REFRESH_INTERVAL_MS} from '../store/stats.js';
export type {IngestHealth, IngestOptions, Ingester, IngestStats} from './types.js';

/**
 * Batches written at once: the next one is written while one commits (issue 12). Their
 * transactions lock the conversations they store into before taking seqs
 * (store/ingest-queries.ts), so per conversation seq order stays commit order.
 */
const BATCHES_IN_FLIGHT = 2;

/** Delay before a receipt whose message is not stored yet is tried again, in ms. */
const RECEIPT_RETRY_DELAY_MS = 500;

/**
 * Start an ingester. Semantics (docs/protocol.md copies these, "Version 2" for the v2 rules):
 * - Subscribes at QoS 1 to `{base}/+/+` (ingestSubscriptionV2), as `$share/{sharedGroup}/{base}/+/+`
 *   when the broker offers shared subscriptions (MQTT 5, e.g. Mosquitto), so several ingesters
 *   split the load; the three-level inboxes it writes are not part of it. `{base}/server/{from}`
 *   is protocol 2 (decodeV2), every other two-level topic protocol 1 (decodePayload).
 *   Invalid publishes are logged (one `warn` line: topic + reason) and dropped; v1 `typing` and
 *   publishes from `server` are ignored.
 * - Items are batched (group commit): with no batch being written, one starts at once with what
 *   this socket read brought; beside a running one, a batch starts when it reaches `batchSize`
 *   items or `lingerMs` after its first item; up to `batchesInFlight` (default 2) batches are
 *   written at once, the next accumulating meanwhile; each locks its conversations before storing.
 *   One transaction per batch (writeIngestBatch): room actions (rights checked, system line
 *   stored), then messages (membership checked: non-members of a room are refused), with
 *   ON CONFLICT (message_id, sender_id) DO NOTHING so a re-sent message is stored once, with the
 *   sender's timestamp in sent_at (message_status derives `sent` and `received_by_server` from
 *   it and created_at, migration 008), senders in chat_users, conversations (created on a direct
 *   conversation's first message; last_seq/last_message_at advanced by migration 010's trigger)
 *   and the sender's read marker.
 * - Only after COMMIT, in this order: the fan-out — each stored message or system line (v2, with
 *   seq; duplicates again, see docs/protocol.md) to every current member's inbox (sender
 *   included; `{base}/all/server/inbox` for `all`) —, then `received_by_server` for every message
 *   and room action of the batch including duplicates (v1 on `{base}/{sender}/server`, v2 on the
 *   sender's inbox) and `rejected` for refused ones, then stored receipts to the message sender's
 *   inbox and v2 typing (QoS 0) to the other members.
 * - `delivered`/`read` receipts are stored only for stored messages and only from a current
 *   member other than the sender (anyone for a broadcast); a receipt that arrives before its
 *   message is retried every 0.5 s for `statusRetryMs`, then logged and dropped. `read` advances
 *   the reader's conversation_members.last_read_seq (GREATEST).
 * - `presence` upserts chat_users (display name, presence, status message, last seen).
 * - Postgres down or a transaction failing: the batch is kept and retried with backoff
 *   (250 ms doubling to 5 s), one log line per attempt; nothing is confirmed before COMMIT,
 *   nothing is stored twice. An item Postgres rejects as data (SQLSTATE 22/23) is isolated,
 *   logged and dropped so it cannot block the rest.
 * - While Postgres is down at most `maxPending` items wait in memory; later ones are shed
 *   (logged every 1000) and, never confirmed, re-sent by their senders. Mosquitto likewise
 *   queues at most `max_queued_messages` (default 1000) per subscriber.
 * - PUBACKs are not held until COMMIT (mqtt.js then reads one packet per commit: 49 vs 1,502
 *   msg/s, bench/ack-after-commit.ts): a sender re-publishes until it gets its ✓, which covers
 *   an ingester that dies with an uncommitted batch; `stop()` drains, so a graceful stop loses
 *   nothing even when the senders are gone. Never an error PUBACK (≥ 0x80).
 * - With `sessionTimeouts` (real PostgreSQL), a frozen or partitioned ingester's transaction is
 *   ended by the server within seconds, so the others do not wait on its rows for long.
 * @throws Error (one line) when migrations fail or the broker is unreachable at start.
 */
export async function startIngester(options: IngestOptions): Promise<Ingester> {
	const logger = options.logger;
	if (options.migrate ?? true) await runMigrations({databaseUrl: options.databaseUrl, logger});
	const stats = emptyStats();
	const maxPending = options.maxPending ?? 100_000;
	const db = openDb({
		databaseUrl: options.databaseUrl,
		// Batch writes (BATCHES_IN_FLIGHT, plus one for isolating a bad item), and one so /healthz
		// is not queued behind them.
		max: (options.batchesInFlight ?? BATCHES_IN_FLIGHT) + 2,
		sessionTimeouts: options.sessionTimeouts,
		// The pid tells an operator (and the frozen-ingester test) whose session holds a lock.
		applicationName: `hermes-chat ingest ${process.pid}`,
		onError: (error) => logger.warn({err: error.message}, 'idle database connection failed'),
	});
	let subscription: ChatSubscription | undefined;
	let isStopping = false;
	let isClosed = false;
	const retryTimers = new Map<NodeJS.Timeout, IngestItem>();
	const confirmer = new Confirmer((topic, payload, qos, done) => subscription!.publish(topic, payload, qos, done), options.topicBase, logger, stats);
	const batcher: Batcher<IngestItem> = new Batcher<IngestItem>({
		maxSize: options.batchSize ?? 500,
		sizeNow: options.batchSizeNow,
		lingerMs: options.lingerMs ?? 10,
		maxInFlight: options.batchesInFlight ?? BATCHES_IN_FLIGHT,
		startsWhenIdle: true,
		write: timed(options.onBatchCommitted, createBatchWriter({
			db,
			confirmer,
			logger,
			stats,
			statusRetryMs: options.statusRetryMs ?? 30_000,
			receiptRetryDelayMs: RECEIPT_RETRY_DELAY_MS,
			requeue(item, delayMs) {
				if (isStopping) return batcher.push(item.kind === 'receipt' ? {...item, isFinal: true} : item);
				const timer = setTimeout(() => {
					retryTimers.delete(timer);
					batcher.push(item);
				}, delayMs);
				retryTimers.set(timer, item);
			},
		})),
		onRetry: (error, attempt, delayMs) =>
			logger.warn({err: (error as Error).message, attempt, retryInMs: delayMs, pending: batcher.pending}, 'batch write failed; retrying'),
	});
	try {
		subscription = await subscribeToChat({
			mqttUrl: options.mqttUrl,
			topicBase: options.topicBase,
			sharedGroup: options.sharedGroup ?? 'hermes-ingest',
			clientId: options.clientId,
			logger,
			stats,
			onItem: (item) => {
				// After the final flush the pool is closed; a straggler is left to its sender's re-send.
				if (isClosed) return;
				if (batcher.pending < maxPending) return batcher.push(item);
				if (stats.shed++ % 1_000 === 0) logger.warn({pending: batcher.pending, shed: stats.shed}, 'backlog full; shedding new items until Postgres catches up');
			},
		});
	} catch (error) {
		await db.close();
		throw error;
	}
	const live = subscription;
	const stopStats = options.statsRefreshMs ? keepStatsFresh(options.databaseUrl, logger, options.statsRefreshMs) : undefined;
	let stopping: Promise<void> | undefined;
	let closing: Promise<void> | undefined;
	const close = () =>
		(closing ??= (async () => {
			isClosed = true;
			await confirmer.settled(15_000);
			await live.close();
			await stopStats?.();
			await db.close();
		})());
	const pending = () => batcher.pending + retryTimers.size;
	return {
		isShared: live.isShared,
		stats: () => ({...stats, pending: pending()}),
		health: (timeoutMs = 2_000) =>
			probeHealth({db, isBrokerConnected: live.isConnected(), isDraining: isStopping, pending: pending(), maxPending, timeoutMs}),
		stop() {
			stopping ??= (async () => {
				isStopping = true;
				const receivedBefore = stats.received;
				const isDrained = await live.drain(options.drainBarrierMs ?? 25_000);
				// receivedWhileDraining: what the broker still handed over after the UNSUBSCRIBE.
				logger.info({isDrained, receivedWhileDraining: stats.received - receivedBefore, pending: pending()}, 'unsubscribed; committing what was received');
				// Receipts waiting for their message get one last try, then are dropped.
				for (const [timer, item] of retryTimers) {
					clearTimeout(timer);
					batcher.push(item.kind === 'receipt' ? {...item, isFinal: true} : item);
				}
				retryTimers.clear();
				await batcher.flush();
				await close();
				logger.info({stats}, 'ingester stopped');
			})();
			return stopping;
		},
		async abort() {
			isStopping = true;
			for (const timer of retryTimers.keys()) clearTimeout(timer);
			const abandoned = batcher.abandon() + retryTimers.size;
			retryTimers.clear();
			logger.warn({abandoned}, 'ingester aborted; unconfirmed messages will be re-sent by their senders');
			await batcher.flush();
			await close();
		},
	};
}

/** Wrap a batch write so each committed batch is reported with its duration (ms). */
function timed<T>(
	onCommitted: IngestOptions['onBatchCommitted'],
	write: (items: T[]) => Promise<void>,
): (items: T[]) => Promise<void> {
	if (!onCommitted) return write;
	return async (items) => {
		const startedAt = performance.now();
		await write(items);
		onCommitted(items.length, performance.now() - startedAt);
	};
}
