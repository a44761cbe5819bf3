// Binds the pure chat core to a ChatPort: events in, reducer, planned effects out.
// May import react, core/ and tui/ (no Ink rendering here).
import {useCallback, useEffect, useRef, useState} from 'react';
import type {ChatAction} from '../core/actions.js';
import {planEffects, type Effect} from '../core/effects.js';
import {chatReducer} from '../core/reducer.js';
import type {ChatState} from '../core/state.js';
import type {ChatPort} from '../core/types.js';

/** Options of {@link useChat}. */
export interface UseChatOptions {
	/** The state to start from (identity, notification prefs, viewport). */
	initial: ChatState;
	/** Perform a notification effect (bell / desktop escape). */
	onNotify: (effect: Extract<Effect, {kind: 'notify'}>) => void;
	/** The state asked to quit (`/quit`, quit key). */
	onQuit: () => void;
	/** Clock for `clock-ticked`, in ms. */
	now?: () => number;
	/** Interval of `clock-ticked` events in ms; 0 disables the timer (tests emit ticks themselves). */
	tickMs?: number;
}

/** What {@link useChat} returns. */
export interface ChatHandle {
	state: ChatState;
	/** Feed an action to the reducer and perform the effects it plans. Stable identity. */
	dispatch: (action: ChatAction) => void;
	/** The latest state, readable from callbacks without re-rendering them. */
	stateRef: {readonly current: ChatState};
}

/**
 * The chat state of the TUI. Subscribes to `port` events, folds them with `chatReducer`,
 * and performs planned effects through the port (load pages, mark read, info, status).
 * Port failures become an error notice in the status bar.
 */
export function useChat(port: ChatPort, options: UseChatOptions): ChatHandle {
	const [state, setState] = useState(options.initial);
	const stateRef = useRef(state);
	const optionsRef = useRef(options);
	optionsRef.current = options;

	const dispatch = useCallback(
		(action: ChatAction) => {
			const prev = stateRef.current;
			const next = chatReducer(prev, action);
			if (next === prev) return;
			stateRef.current = next;
			setState(next);
			for (const effect of planEffects(prev, action, next)) perform(effect);
		},
		// eslint-disable-next-line react-hooks/exhaustive-deps -- perform reads refs only
		[port],
	);

	function perform(effect: Effect): void {
		const fail = (what: string) => (error: unknown) =>
			dispatch({type: 'notice', level: 'error', text: `${what} failed: ${(error as Error)?.message ?? String(error)}`});
		switch (effect.kind) {
			case 'load-latest':
				port.loadLatest(effect.conversationId, effect.limit).catch(fail('loading history'));
				return;
			case 'load-older':
				port.loadOlder(effect.conversationId, effect.beforeSeq, effect.limit).catch((error: unknown) => {
					fail('loading older messages')(error);
					// An empty page ends the pending load, so scrolling up again retries.
					dispatch({type: 'history-loaded', conversationId: effect.conversationId, messages: [], mode: 'older', hasMore: true});
				});
				return;
			case 'mark-read':
				port.markRead(effect.messages);
				return;
			case 'notify':
				optionsRef.current.onNotify(effect);
				return;
			case 'load-info':
				port
					.messageInfo(effect.messageId, port.me.userId)
					.then((receipts) => dispatch({type: 'info-loaded', messageId: effect.messageId, receipts}))
					.catch(fail('message info'));
				return;
			case 'search-users':
				port
					.searchUsers(effect.query, effect.limit)
					.then((users) => dispatch({type: 'users-found', query: effect.query, users}))
					.catch(fail('searching people'));
				return;
			case 'load-status':
				port
					.recentStatus(10)
					.then((reports) => dispatch({type: 'status-loaded', reports}))
					.catch(fail('/status'));
				return;
			case 'load-members':
				port.loadMembers(effect.conversationId).catch(fail('loading members'));
				return;
			case 'load-conversations':
				port.loadConversations().catch(fail('loading conversations'));
				return;
			case 'load-more-conversations':
				port.loadMoreConversations().catch(fail('loading more conversations'));
				return;
			case 'load-around':
				port.loadAround(effect.conversationId, effect.seq, effect.limit).catch(fail('loading the message'));
				return;
			case 'delete-message':
				port
					.deleteMessage(effect.conversationId, effect.messageId, effect.senderId)
					.then(() => dispatch({type: 'notice', level: 'info', text: 'message deleted'}))
					.catch(fail('deleting the message'));
				return;
			case 'react':
				port.react(effect.conversationId, effect.messageId, effect.senderId, effect.emoji, effect.isOn).catch(fail('the reaction'));
				return;
			case 'search-messages':
				port
					.searchMessages(effect.query)
					.then((answer) => dispatch({type: 'search-loaded', text: effect.text, hits: answer.hits, ...(answer.error ? {error: answer.error} : {})}))
					.catch((error: unknown) => dispatch({type: 'search-loaded', text: effect.text, hits: [], error: `search failed: ${(error as Error)?.message ?? String(error)}`}));
				return;
			case 'load-away':
				port
					.loadAwaySummary()
					.then((summary) => dispatch({type: 'away-loaded', entries: summary.entries, total: summary.total}))
					.catch(fail('the "while you were away" summary'));
				return;
			case 'quit':
				optionsRef.current.onQuit();
				return;
		}
	}

	useEffect(() => {
		const unsubscribe = port.subscribe(dispatch);
		port.loadConversations().catch((error: unknown) =>
			dispatch({type: 'notice', level: 'error', text: `loading conversations failed: ${(error as Error).message}`}),
		);
		return unsubscribe;
	}, [port, dispatch]);

	const tickMs = options.tickMs ?? 1_000;
	useEffect(() => {
		if (tickMs <= 0) return;
		const now = optionsRef.current.now ?? Date.now;
		dispatch({type: 'clock-ticked', now: now()});
		const timer = setInterval(() => dispatch({type: 'clock-ticked', now: now()}), tickMs);
		return () => clearInterval(timer);
	}, [tickMs, dispatch]);

	return {state, dispatch, stateRef};
}
