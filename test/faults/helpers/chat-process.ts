// A chat user in its own process, for the fault suite: the project's own client
// (src/client createChatClient over src/live) driven by JSON lines on stdin, reporting on stdout.
// Run as `node --import tsx test/faults/helpers/chat-process.ts '<ChatProcessConfig JSON>'`.
import {createInterface} from 'node:readline';
import {createChatClient} from '../../../src/client/chat-client.js';
import {createLogger} from '../../../src/log.js';
import {conversationIdFor, isValidUserId} from '../../../src/protocol/index.js';
import {outboxIds} from './outbox-dir.js';

/** The first argument: who this process is and where it connects. */
export interface ChatProcessConfig {
	mqttUrl: string;
	databaseUrl: string;
	topicBase: string;
	userId: string;
	/** Outbox folder kept across runs, one file per running client (see ChatClientOptions.outboxDir). */
	outboxDir?: string;
	/** First resend delay without a ✓, in ms (a huge value = a sender that never resends on timeout). */
	resendAfterMs?: number;
	maxResendAfterMs?: number;
}

/**
 * Commands, one JSON object per stdin line:
 * - `send`: send `count` messages to `to`, contents `${prefix}-${i}` (i from `from`, default 0).
 * - `send-and-crash`: the same, and SIGKILL itself in the very tick the last of them is reported
 *   queued (`message-sent`, i.e. shown to the user with ◷): nothing asynchronous gets to run.
 * - `close`: ChatPort.close() (clean quit: outbox file flushed and unlocked), then exit 0.
 */
export type ChatProcessCommand =
	/** `to`: a user id (their direct conversation with me), `all`, or a conversation id. */
	| {cmd: 'send' | 'send-and-crash'; to: string; prefix: string; count: number; from?: number}
	| {cmd: 'close'};

/**
 * Reports, one JSON object per stdout line: `ready` (once the messages an earlier run left in the
 * outbox file — `restored` of them — are queued again); `sent` (message-sent: id, content, status);
 * `acked` (my ✓ received_by_server); `connection` (broker/database state, with the client's one-line detail); `arrived` (a message from someone else, every time the
 * client reports it, so a duplicate shows twice); `notice` (level, text); `outbox-problem` (the
 * client's standing outbox write warning, `problem` absent once writes succeed again); `closed`.
 */
export type ChatProcessReport =
	| {ev: 'ready'; restored: number}
	| {ev: 'sent'; id: string; content: string; status: string}
	| {ev: 'acked'; id: string}
	| {ev: 'arrived'; id: string; from: string; content: string}
	| {ev: 'notice'; level: string; text: string}
	| {ev: 'outbox-problem'; problem?: string}
	| {ev: 'connection'; service: string; state: string; detail?: string}
	| {ev: 'closed'};

const report = (line: ChatProcessReport) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
	const config = JSON.parse(process.argv[2] ?? '{}') as ChatProcessConfig;
	// What the client will adopt at start (files of clients that are gone): `ready` waits for that many `message-sent`.
	const restored = config.outboxDir ? (await outboxIds(config.outboxDir, true)).size : 0;
	const client = await createChatClient({
		identity: {userId: config.userId, name: `User ${config.userId}`},
		mqttUrl: config.mqttUrl,
		databaseUrl: config.databaseUrl,
		topicBase: config.topicBase,
		logger: createLogger({name: `chat-${config.userId}`, level: process.env.LOG_LEVEL ?? 'warn'}),
		resendAfterMs: config.resendAfterMs,
		maxResendAfterMs: config.maxResendAfterMs,
		reconnectPeriodMs: 200,
		databaseProbeMs: 500,
		...(config.outboxDir ? {outboxDir: config.outboxDir} : {}),
	});
	const me = config.userId;
	const conversationOf = (to: string): string => (isValidUserId(to) ? conversationIdFor(me, to) : to);
	let sentCount = 0;
	let crashAt = Infinity;
	client.subscribe((event) => {
		switch (event.type) {
			case 'message-sent':
				// stdout is a pipe, written synchronously on Linux: the parent gets this line even if we die next.
				report({ev: 'sent', id: event.message.messageId, content: event.message.content, status: event.message.status});
				if (++sentCount >= crashAt) process.kill(process.pid, 'SIGKILL');
				return;
			case 'receipts-received':
				for (const r of event.receipts) if (r.status === 'received_by_server' && r.userId === me) report({ev: 'acked', id: r.messageId});
				return;
			case 'messages-received':
				for (const m of event.messages) if (m.senderId !== me) report({ev: 'arrived', id: m.messageId, from: m.senderId, content: m.content});
				return;
			case 'notice':
				return report({ev: 'notice', level: event.level, text: event.text});
			case 'outbox-problem-changed':
				return report({ev: 'outbox-problem', ...(event.problem === undefined ? {} : {problem: event.problem})});
			case 'connection-changed':
				return report({ev: 'connection', service: event.service, state: event.state, ...(event.detail === undefined ? {} : {detail: event.detail})});
			default:
				return;
		}
	});
	await new Promise<void>((resolve) => {
		const check = () => (sentCount >= restored ? resolve() : setTimeout(check, 20));
		check();
	});
	report({ev: 'ready', restored});
	for await (const line of createInterface({input: process.stdin})) {
		if (!line.trim()) continue;
		const command = JSON.parse(line) as ChatProcessCommand;
		if (command.cmd === 'close') {
			await client.close();
			report({ev: 'closed'});
			process.exit(0);
		}
		const from = command.from ?? 0;
		if (command.cmd === 'send-and-crash') crashAt = sentCount + command.count;
		const sends: Array<Promise<void>> = [];
		for (let i = from; i < from + command.count; i++) sends.push(client.sendMessage(conversationOf(command.to), `${command.prefix}-${i}`));
		await Promise.all(sends);
	}
}

main().catch((error: Error) => {
	process.stderr.write(`chat-process: ${error.stack ?? error.message}\n`);
	process.exit(2);
});
