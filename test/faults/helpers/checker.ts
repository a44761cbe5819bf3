// The fault suite's counting checker: what the clients published and got confirmed, against
// what PostgreSQL holds, as Jepsen counts (lost, duplicated, unexpected, recovered).
import {appendFileSync} from 'node:fs';
import pg from 'pg';
import {expect} from 'vitest';

/** One message the clients sent: its id, author and content (contents are unique per scenario). */
export interface SentMessage {
	id: string;
	senderId: string;
	content: string;
}

/** A stored `chat_messages` row as the checker reads it. */
export interface StoredMessage {
	id: string;
	senderId: string;
	content: string;
}

/**
 * The key of a message: its sender and its id. Since migration 003 the ingester scopes message
 * ids to their sender, so two users may legitimately store the same id (one row each).
 */
export function messageKey(senderId: string, id: string): string {
	return `${senderId}\u0000${id}`;
}

/** Inputs of {@link countOutcome}. */
export interface Observation {
	/** Every message a client sent (reported `message-sent`) and must therefore be stored. */
	published: SentMessage[];
	/** {@link messageKey}s of the messages the senders got ✓ (received_by_server) for, by the end. */
	acked: Iterable<string>;
	/** {@link messageKey}s of the messages confirmed before the fault was injected (the rest were at risk). */
	ackedBeforeFault: Iterable<string>;
	/** Every row of the scenario's database. */
	stored: StoredMessage[];
	/** Message id → times a receiving client reported it (a client must report each once). */
	arrivals?: Map<string, number>;
}

/** The figures one scenario prints. */
export interface Outcome {
	published: number;
	acked: number;
	stored: number;
	/** Published but not stored under its (sender, id) with its content. */
	lost: number;
	/** Content stored more than once, plus receiver reports beyond the first. */
	duplicated: number;
	/**
	 * Rows nobody published: no published message has the row's (sender, id), or that message has
	 * another content. A row of another user under the same id is not unexpected when that user
	 * published it (pass its messages in `published`): it is that user's own message.
	 */
	unexpected: number;
	/** Stored although not confirmed when the fault hit (in flight, saved by the recovery). */
	recovered: number;
}

/** Compare what was published with what is stored; pure. */
export function countOutcome(observation: Observation): Outcome {
	const byKey = new Map(observation.stored.map((row) => [messageKey(row.senderId, row.id), row]));
	const published = new Map(observation.published.map((m) => [messageKey(m.senderId, m.id), m]));
	const before = new Set(observation.ackedBeforeFault);
	let lost = 0;
	let recovered = 0;
	for (const [key, message] of published) {
		const row = byKey.get(key);
		const isIntact = row !== undefined && row.content === message.content;
		if (!isIntact) lost++;
		else if (!before.has(key)) recovered++;
	}
	const contentCounts = new Map<string, number>();
	for (const row of observation.stored) contentCounts.set(`${row.senderId}\u0000${row.content}`, (contentCounts.get(`${row.senderId}\u0000${row.content}`) ?? 0) + 1);
	let duplicated = 0;
	for (const count of contentCounts.values()) duplicated += count - 1;
	for (const count of observation.arrivals?.values() ?? []) duplicated += count - 1;
	let unexpected = 0;
	for (const row of observation.stored) {
		const message = published.get(messageKey(row.senderId, row.id));
		if (!message || message.content !== row.content) unexpected++;
	}
	return {published: published.size, acked: new Set(observation.acked).size, stored: observation.stored.length, lost, duplicated, unexpected, recovered};
}

/** Every row of `chat_messages` at `databaseUrl`. */
export async function readStored(databaseUrl: string): Promise<StoredMessage[]> {
	const client = new pg.Client({connectionString: databaseUrl});
	client.on('error', () => undefined);
	await client.connect();
	try {
		const {rows} = await client.query<StoredMessage>('SELECT message_id AS id, sender_id AS "senderId", content FROM chat_messages');
		return rows;
	} finally {
		await client.end().catch(() => undefined);
	}
}

/**
 * Print the scenario's figures as one line (and append them as JSON to `$FAULTS_REPORT` when
 * set, for the table in the closing note).
 * @param ms how long the scenario took, in ms (reported only, never asserted).
 * @returns the printed line.
 */
export function printOutcome(scenario: string, outcome: Outcome, ms: number): string {
	const line = `${scenario}: published ${outcome.published}, acked ${outcome.acked}, stored ${outcome.stored} — ` +
		`lost ${outcome.lost}, duplicated ${outcome.duplicated}, unexpected ${outcome.unexpected}, recovered ${outcome.recovered} (${(ms / 1000).toFixed(1)} s)`;
	console.log(`[faults] ${line}`);
	if (process.env.FAULTS_REPORT) appendFileSync(process.env.FAULTS_REPORT, `${JSON.stringify({scenario, ...outcome, ms})}\n`);
	return line;
}

/** {@link printOutcome}, then fail on any loss, duplicate or unexpected row. */
export function report(scenario: string, outcome: Outcome, ms: number): void {
	const line = printOutcome(scenario, outcome, ms);
	expect({lost: outcome.lost, duplicated: outcome.duplicated, unexpected: outcome.unexpected}, line).toEqual({lost: 0, duplicated: 0, unexpected: 0});
}
