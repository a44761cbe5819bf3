// Test helper: a chat client's recorded events (ChatPort over a target), waits on them, and retries.
import {createChatClient, type ChatClientOptions} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatMessage, ChatPort} from '../../src/core/types.js';
import {silentLogger} from '../../src/log.js';
import type {Target} from './targets.js';

/** The event of type `T`. */
export type EventOf<T extends ChatEvent['type']> = Extract<ChatEvent, {type: T}>;

/** Records a port's events; `waitFor` resolves with the first recorded or future match. */
export class Recorder {
	readonly events: ChatEvent[] = [];
	private waiters: Array<{match: (e: ChatEvent) => boolean; resolve: (e: ChatEvent) => void}> = [];

	constructor(port: ChatPort) {
		port.subscribe((event) => {
			this.events.push(event);
			this.waiters = this.waiters.filter((w) => !(w.match(event) && (w.resolve(event), true)));
		});
	}

	waitFor<T extends ChatEvent['type']>(type: T, match: (e: EventOf<T>) => boolean = () => true, timeoutMs = 15_000): Promise<EventOf<T>> {
		const test = (e: ChatEvent): boolean => e.type === type && match(e as EventOf<T>);
		const seen = this.events.find(test);
		if (seen) return Promise.resolve(seen as EventOf<T>);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				const recent = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 160));
				reject(new Error(`no ${type} event matched within ${timeoutMs} ms; last events:\n${recent.join('\n')}`));
			}, timeoutMs);
			this.waiters.push({match: test, resolve: (e) => (clearTimeout(timer), resolve(e as EventOf<T>))});
		});
	}

	/** Every message received (live) with this id, across all `messages-received` events. */
	received(messageId: string): ChatMessage[] {
		return this.events.flatMap((e) => (e.type === 'messages-received' ? e.messages.filter((m) => m.messageId === messageId) : []));
	}
}

/** Retry `check` until it stops throwing (for state the ingester commits asynchronously). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await check();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

/** Start a client of `userId` on `target` (resend after 300 ms) and wait until broker and database are up. */
export async function startClient(target: Target, userId: string, extra: Partial<ChatClientOptions> = {}) {
	const port = await createChatClient({
		identity: {userId, name: userId.charAt(0).toUpperCase() + userId.slice(1)},
		mqttUrl: target.mqttUrl,
		databaseUrl: target.databaseUrl,
		topicBase: target.topicBase,
		logger: silentLogger(),
		resendAfterMs: 300,
		...extra,
	});
	const recorder = new Recorder(port);
	await recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');
	await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'up');
	return {port, recorder};
}

