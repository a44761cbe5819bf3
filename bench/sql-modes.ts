// The database-only baselines of the ingest section: the same rows as the publishers send, by
//   COPY        `psql` COPY FROM STDIN, one transaction;
//   one INSERT  one autocommit INSERT per message (the Hermes source system's way).
import {randomUUID} from 'node:crypto';
import {loadavg} from 'node:os';
import {cpuOf, exactlyOnce, quietClient, freshDatabase, perMessage, type ModeContext, type ModeResult} from './ingest-modes.js';
import {spawnTracked, wallMs} from './procs.js';
import {benchMessage, shareOf} from './traffic.js';

const COLUMNS = 'message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id';

function* allMessages(ctx: ModeContext, runId: string) {
	for (let p = 0; p < ctx.publishers; p++) {
		for (let i = 0; i < shareOf(ctx.messages, ctx.publishers, p); i++) yield benchMessage(runId, p, i);
	}
}

/** The same rows through `psql -c 'COPY chat_messages … FROM STDIN'` (text format), one transaction. */
export async function measureCopy(ctx: ModeContext, psql: string): Promise<ModeResult> {
	const runId = randomUUID().slice(0, 6);
	const database = await freshDatabase(ctx);
	const watcher = quietClient(database.url);
	try {
		// Built first: the measured part is PostgreSQL taking the rows. Bench text has no tabs/backslashes.
		const lines: string[] = [];
		for (const m of allMessages(ctx, runId)) lines.push([m.message_id, m.sender_id, m.sender_name, m.receiver_id, m.content, 'text', m.conversation_id].join('\t'));
		const data = `${lines.join('\n')}\n`;
		await watcher.connect();
		const before = cpuOf(ctx.services);
		const started = wallMs();
		const child = spawnTracked(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database.url, '-c', `COPY chat_messages (${COLUMNS}) FROM STDIN`], {stdio: ['pipe', 'ignore', 'inherit']});
		child.child.stdin!.end(data);
		const code = await child.exited;
		const elapsedMs = wallMs() - started;
		if (code !== 0) throw new Error(`psql COPY exited ${code}`);
		// psql exits before its backend does: let the postmaster reap it (its CPU moves to cstime).
		await new Promise((resolve) => setTimeout(resolve, 300));
		const after = cpuOf(ctx.services);
		const {lost, duplicated} = await exactlyOnce(watcher, ctx, runId);
		const n = ctx.messages;
		return {
			mode: 'COPY', messages: n, elapsedMs: Math.round(elapsedMs), perSecond: Math.round((n / elapsedMs) * 1000), lost, duplicated,
			cpuUsPerMessage: {postgres: perMessage(after.postgres - before.postgres, n)},
			loadavg1: loadavg()[0]!,
		};
	} finally {
		await watcher.end().catch(() => undefined);
		await database.drop();
	}
}

/**
 * The same rows, one autocommit `INSERT INTO chat_messages` per message from one connection —
 * the first `sample` of them: at one fsync per row, 100,000 would take minutes per round, and the
 * rate per row does not depend on how many follow.
 */
export async function measureOneInsert(full: ModeContext, sample: number): Promise<ModeResult> {
	const ctx = {...full, messages: Math.min(sample, full.messages)};
	const runId = randomUUID().slice(0, 6);
	const database = await freshDatabase(ctx);
	const client = quietClient(database.url);
	try {
		await client.connect();
		const before = cpuOf(ctx.services);
		const cpuBefore = process.cpuUsage();
		const started = wallMs();
		for (const m of allMessages(ctx, runId)) {
			await client.query(`INSERT INTO chat_messages (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'text', $6)`,
				[m.message_id, m.sender_id, m.sender_name, m.receiver_id, m.content, m.conversation_id]);
		}
		const elapsedMs = wallMs() - started;
		const cpu = process.cpuUsage(cpuBefore);
		const after = cpuOf(ctx.services);
		const {lost, duplicated} = await exactlyOnce(client, ctx, runId);
		const n = ctx.messages;
		return {
			mode: 'one INSERT per message', messages: n, elapsedMs: Math.round(elapsedMs), perSecond: Math.round((n / elapsedMs) * 1000), lost, duplicated,
			cpuUsPerMessage: {client: perMessage(cpu.user + cpu.system, n), postgres: perMessage(after.postgres - before.postgres, n)},
			loadavg1: loadavg()[0]!,
		};
	} finally {
		await client.end().catch(() => undefined);
		await database.drop();
	}
}
