// Shapes shared by the ingester's parts: options, the handle, counters and queued items.
// Pure types; imports store/ and log types only.
import type {Logger} from '../log.js';
import type {SessionTimeouts} from '../store/db.js';
import type {MessageActionRow, MessageRow, PresenceRow, ReceiptRow, RejectionRow, RoomRow, TypingRow} from '../store/ingest-queries.js';

/** Options for startIngester. */
export interface IngestOptions {
	/** `mqtt://[user:password@]host:port`, or a comma-separated list of brokers of one cluster (failed over between, subscribing again on each). */
	mqttUrl: string;
	/** `postgres://…` */
	databaseUrl: string;
	/** Topic base, e.g. `chat/messages` (protocol DEFAULT_TOPIC_BASE). */
	topicBase: string;
	/** MQTT 5 shared subscription group (default `hermes-ingest`); used only when the broker offers it. */
	sharedGroup?: string;
	/** Largest batch, in items (default 500). */
	batchSize?: number;
	/**
	 * The largest batch to cut now, asked per batch, clamped to 1…`batchSize` (default:
	 * `batchSize`). The hub passes a smaller size while chat users read history (hub.ts).
	 */
	batchSizeNow?: () => number;
	/** How long the first item of a batch waits for company, in ms (default 10). */
	lingerMs?: number;
	/** Batches written at once (default 2; 1: the next batch waits for the previous COMMIT). */
	batchesInFlight?: number;
	/** How long a receipt whose message is not stored yet is retried, in ms (default 30 000). */
	statusRetryMs?: number;
	/** MQTT client id (default `hermes-ingest-<random>`). */
	clientId?: string;
	/** Run migrations before subscribing (default true). */
	migrate?: boolean;
	/**
	 * Most items held while Postgres is unreachable (default 100 000). Past it, new messages
	 * are shed: not stored, not confirmed, so their senders re-send them later.
	 */
	maxPending?: number;
	/**
	 * Server-side statement, lock and idle-in-transaction timeouts plus TCP keepalive for the
	 * ingester's PostgreSQL sessions (store/db.ts `DEFAULT_SESSION_TIMEOUTS` for
	 * `hermes-chat ingest`). Default: none, which is what PGlite (the embedded hub) needs.
	 */
	sessionTimeouts?: SessionTimeouts;
	/** How long `stop()` waits for the broker to hand over what it had routed here, in ms (default 25000: under load the barrier queues behind this ingester's own backlog of deliveries and ✓s; the CLI's drain deadline, 30 s, bounds the whole stop). */
	drainBarrierMs?: number;
	/**
	 * Refresh the statistics views (migration 007, store/stats.ts) every this many ms on a
	 * connection of their own; 0 or absent: never (the embedded hub leaves it off: a refresh
	 * would hold PGlite's one session; `hermes-chat stats --refresh` refreshes on demand).
	 * `hermes-chat ingest` sets 10 minutes (store/stats.ts STATS_REFRESH_INTERVAL_MS).
	 */
	statsRefreshMs?: number;
	/** Told after each committed batch: its size in items and how long the write took, in ms. */
	onBatchCommitted?(items: number, durationMs: number): void;
	logger: Logger;
}

/** What {@link Ingester.health} reports (served as JSON on `/healthz`). */
export interface IngestHealth {
	/** Broker connected, database answered, not shedding, not stopping. */
	isHealthy: boolean;
	/** Only before the ingester has started (connect, migrations). */
	isStarting?: true;
	isBrokerConnected: boolean;
	isDatabaseReachable: boolean;
	/** The database's error when it did not answer (one line). */
	databaseError?: string;
	/** `stop()` or `abort()` has begun: no new publishes are taken. */
	isDraining: boolean;
	/** Items received and not committed yet (queued, being written, or waiting to retry). */
	pending: number;
	/** The backlog limit; at it, new items are shed. */
	maxPending: number;
}

/** Counters since start (monotonic, except `pending`). */
export interface IngestStats {
	/** Publishes received from the broker. */
	received: number;
	/** Publishes dropped by decodePayload (logged). */
	invalid: number;
	/** Valid publishes the ingester does not store or relay (the server's own receipts, version 1 typing). */
	ignored: number;
	/** v2 room actions queued (duplicates included). */
	roomActions: number;
	/** v2 edits, deletes and reactions queued (duplicates included). */
	messageActions: number;
	/** Messages, room actions and message actions refused by the rules (sender told with `rejected`). */
	refusedByRules: number;
	/** `message` publishes queued for writing (duplicates included). */
	messages: number;
	/** Rows added to chat_messages. */
	inserted: number;
	/** Messages that were already stored (re-sends, QoS 1 redelivery). */
	duplicates: number;
	/** delivered/read receipts stored (or already stored). */
	receiptsStored: number;
	/** Times a receipt was put back because its message was not stored yet. */
	receiptsRetried: number;
	/** Receipts given up on (message never arrived, or not from a current member other than its sender). */
	receiptsDropped: number;
	/** Presence updates written to chat_users. */
	presences: number;
	/** Items shed because `maxPending` items were already waiting (senders re-send them). */
	shed: number;
	/** Items dropped because Postgres rejected their data (logged; a message's sender gets `rejected`). */
	poisoned: number;
	/** `rejected` receipts published (invalid or unstorable messages, see docs/protocol.md). */
	rejectionsPublished: number;
	/** Stored messages whose id another sender had stored too (squatting attempts; logged). */
	idClashes: number;
	/** Committed batch transactions. */
	batches: number;
	/** Failed batch attempts (each retried with backoff). */
	writeFailures: number;
	/** `received_by_server` receipts published. */
	confirmationsPublished: number;
	/** Publishes to members' inboxes after COMMIT (messages, system lines, forwarded receipts, typing). */
	fanOutPublishes: number;
	/** Items queued or being written, not committed yet. */
	pending: number;
}

/** A running ingester. */
export interface Ingester {
	/**
	 * Drain: unsubscribe (the broker gives new publishes to the other members of the shared
	 * subscription), take what the broker had already routed here (drain barrier), commit all
	 * of it, publish its ✓ receipts and wait for their PUBACKs (≤ 5 s), then disconnect and close
	 * the pool. Idempotent. Pair it with a deadline that calls {@link Ingester.abort}.
	 */
	stop(): Promise<void>;
	/**
	 * Stop now without writing what is queued (e.g. a second Ctrl-C while Postgres is down):
	 * those messages were never confirmed, so their senders re-send them. Logs how many.
	 */
	abort(): Promise<void>;
	/** A snapshot of the counters. */
	stats(): IngestStats;
	/**
	 * Probe the broker connection (state) and the database (`SELECT 1`, at most `timeoutMs`,
	 * default 2000). Never throws.
	 */
	health(timeoutMs?: number): Promise<IngestHealth>;
	/** Whether the broker granted an MQTT 5 shared subscription (false on aedes / 3.1.1). */
	readonly isShared: boolean;
}

/** One unit of work in a batch. */
export type IngestItem =
	| {kind: 'message'; row: MessageRow}
	/**
	 * `firstSeenAt`: when the ingester first received it, in ms (a receipt that arrives before its
	 * message is retried until `statusRetryMs` after this); `isFinal`: no more retries.
	 */
	| {kind: 'receipt'; row: ReceiptRow; firstSeenAt: number; isFinal?: boolean}
	| {kind: 'presence'; row: PresenceRow}
	/** v2 typing: relayed to the other current members after the batch (never stored). */
	| {kind: 'typing'; row: TypingRow}
	/** v2 room action: applied in the batch transaction, confirmed or rejected after it. */
	| {kind: 'room'; row: RoomRow}
	/** v2 edit, delete or reaction: applied in the batch transaction after the messages, delivered and confirmed (or rejected) after it. */
	| {kind: 'action'; row: MessageActionRow}
	/** A message the server will never store: its sender gets a `rejected` receipt after the batch commits. */
	| {kind: 'rejection'; row: RejectionRow};

/** A fresh, zeroed {@link IngestStats}. */
export function emptyStats(): IngestStats {
	return {
		received: 0, invalid: 0, ignored: 0, messages: 0, inserted: 0, duplicates: 0,
		receiptsStored: 0, receiptsRetried: 0, receiptsDropped: 0, presences: 0, shed: 0, poisoned: 0,
		rejectionsPublished: 0, idClashes: 0, roomActions: 0, messageActions: 0, refusedByRules: 0,
		batches: 0, writeFailures: 0, confirmationsPublished: 0, fanOutPublishes: 0, pending: 0,
	};
}
