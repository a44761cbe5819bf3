// `npx tsx bench/message-changes.ts`: what issue 10's merging and drawing cost in the pure core
// (no I/O). A thread of N loaded messages (default 20,000) takes bursts of live changes
// (reactions, edits, deletes) via `messages-changed`, and the visible window is laid out with
// quotes, reactions and (edited) marks. Prints per-change and per-frame medians in ms.
import {chatReducer} from '../src/core/reducer.js';
import {initialState} from '../src/core/state.js';
import {openThreadWindow} from '../src/core/selectors.js';
import type {ChatMessage, MessageChange} from '../src/core/types.js';

const N = Number(process.env.BENCH_CHANGES_MESSAGES ?? 20_000);
const BURST = 500;
const ROUNDS = 20;
const conversationId = 'alice:bob';
const at0 = Date.UTC(2026, 10, 22, 10);
const messages: ChatMessage[] = Array.from({length: N}, (_, i) => ({
	messageId: `m${i}`,
	messageType: 'text',
	seq: i + 1,
	senderId: i % 2 ? 'bob' : 'alice',
	senderName: i % 2 ? 'Bob' : 'Alice',
	receiverId: i % 2 ? 'alice' : 'bob',
	conversationId,
	content: `message number ${i} with a few words to wrap`,
	createdAt: at0 + i * 1000,
	status: 'received_by_server',
	...(i % 7 === 0 && i > 0 ? {replyTo: {messageId: `m${i - 1}`, senderId: i % 2 ? 'alice' : 'bob'}} : {}),
}));
let state = chatReducer(initialState({userId: 'alice', name: 'Alice'}, {viewport: {columns: 120, rows: 40}, timeZone: 'UTC'}), {type: 'conversation-opened', conversationId});
state = chatReducer(state, {type: 'history-loaded', conversationId, messages, mode: 'latest', hasMore: false});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const burstTimes: number[] = [];
const frameTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
	const changes: MessageChange[] = Array.from({length: BURST}, (_, k): MessageChange => {
		const i = N - 1 - ((round * BURST + k) % 200); // the newest 200: what is on screen
		const base = {conversationId, messageId: `m${i}`, senderId: i % 2 ? 'bob' : 'alice'};
		if (k % 10 === 0) return {kind: 'edit', ...base, content: `edited ${round}.${k}`, version: round * BURST + k + 1, editedAt: at0 + k};
		return {kind: 'reaction', ...base, emoji: ['👍', '🎉', '❤️'][k % 3]!, userId: `u${k % 13}`, isOn: (round + k) % 4 !== 0, at: at0 + k};
	});
	let started = performance.now();
	state = chatReducer(state, {type: 'messages-changed', changes});
	burstTimes.push(performance.now() - started);
	started = performance.now();
	openThreadWindow(state);
	frameTimes.push(performance.now() - started);
}
const perChange = median(burstTimes) / BURST;
console.log(
	JSON.stringify({
		messagesLoaded: N,
		burst: BURST,
		rounds: ROUNDS,
		medianBurstMs: Number(median(burstTimes).toFixed(2)),
		medianPerChangeUs: Number((perChange * 1000).toFixed(2)),
		medianWindowLayoutMs: Number(median(frameTimes).toFixed(2)),
	}),
);
