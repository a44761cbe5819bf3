// Outgoing typing indicators: at most one `isTyping:true` per interval, `false` when done.
// Pure: no imports. The composer hook feeds it the composer value and the clock.

/** Minimum time between two `isTyping:true` sends to the same user, in ms. */
export const TYPING_RESEND_MS = 3_000;

/** What the typing throttle remembers. */
export interface TypingSender {
	/** The user I last told I am typing, while active. */
	to?: string;
	/** When `isTyping:true` was last sent, in ms. */
	lastSentAt: number;
	isActive: boolean;
}

/** A typing indicator to publish. */
export interface TypingSend {
	to: string;
	isTyping: boolean;
}

/** The throttle before anything was typed. */
export const IDLE_TYPING: TypingSender = {lastSentAt: 0, isActive: false};

/**
 * The composer's value changed at `now` (ms) in the conversation with `to`.
 * Non-empty text sends `true` when idle, when the peer changed or every
 * {@link TYPING_RESEND_MS}; emptied text sends `false` once. Commands (`/…`) are not typing.
 */
export function typingChanged(
	state: TypingSender,
	to: string | undefined,
	value: string,
	now: number,
): {state: TypingSender; sends: TypingSend[]} {
	const sends: TypingSend[] = [];
	let next = state;
	if (next.isActive && next.to !== undefined && next.to !== to) {
		sends.push({to: next.to, isTyping: false});
		next = IDLE_TYPING;
	}
	const isTyping = to !== undefined && value.trim() !== '' && !value.startsWith('/');
	if (isTyping) {
		if (!next.isActive || now - next.lastSentAt >= TYPING_RESEND_MS) {
			sends.push({to, isTyping: true});
			next = {to, lastSentAt: now, isActive: true};
		}
	} else if (next.isActive && next.to !== undefined) {
		sends.push({to: next.to, isTyping: false});
		next = IDLE_TYPING;
	}
	return {state: next, sends};
}

/** The message was sent (or the composer closed): clear the indicator if it is on. */
export function typingStopped(state: TypingSender): {state: TypingSender; sends: TypingSend[]} {
	if (!state.isActive || state.to === undefined) return {state: IDLE_TYPING, sends: []};
	return {state: IDLE_TYPING, sends: [{to: state.to, isTyping: false}]};
}
