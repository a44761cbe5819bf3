// The composer: one line of ink-text-input; Enter submits, typing indicators are throttled.
// May import react, ink, ink-text-input, core/ and tui/.
import {Box, Text} from 'ink';
import TextInput from 'ink-text-input';
import {memo, useCallback, useRef, useState} from 'react';
import {IDLE_TYPING, typingChanged, typingStopped, type TypingSend} from '../core/typing.js';
import {COLORS} from './theme.js';

/** Props of {@link Composer}. */
export interface ComposerProps {
	/** User id typing indicators go to (the open conversation's peer), if any. */
	to?: string;
	width: number;
	isFocused: boolean;
	/** A line was submitted (not empty). */
	onSubmit: (line: string) => void;
	/** Publish a typing indicator (already throttled). */
	onTyping: (send: TypingSend) => void;
	/**
	 * True while the key being handled is a shortcut (Ctrl/Meta chord): ink-text-input
	 * would insert its letter (it only skips Ctrl+C), so such changes are dropped.
	 */
	isShortcutKey: () => boolean;
	/** Clock for the typing throttle, in ms. */
	now?: () => number;
	/** Holds the draft while the composer is hidden behind an overlay. */
	draft?: {current: string};
}

/** Bottom-right input line. The value lives here so typing re-renders only this box. */
export const Composer = memo(function Composer({to, width, isFocused, onSubmit, onTyping, isShortcutKey, now = Date.now, draft}: ComposerProps) {
	const [value, setValueState] = useState(draft?.current ?? '');
	const setValue = (next: string): void => {
		if (draft) draft.current = next;
		setValueState(next);
	};
	const typing = useRef(IDLE_TYPING);
	const send = (sends: readonly TypingSend[]): void => sends.forEach(onTyping);

	const handleChange = useCallback(
		(next: string) => {
			if (isShortcutKey()) return;
			setValue(next);
			const result = typingChanged(typing.current, to, next, now());
			typing.current = result.state;
			send(result.sends);
		},
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[to, isShortcutKey, onTyping, now],
	);

	const handleSubmit = useCallback(
		(line: string) => {
			if (line.trim() === '') return;
			setValue('');
			const result = typingStopped(typing.current);
			typing.current = result.state;
			send(result.sends);
			onSubmit(line);
		},
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[onSubmit, onTyping],
	);

	return (
		<Box width={width} height={3} borderStyle="round" borderColor={isFocused ? COLORS.focus : COLORS.border}>
			<Text color={isFocused ? COLORS.focus : COLORS.border}>› </Text>
			<TextInput
				value={value}
				onChange={handleChange}
				onSubmit={handleSubmit}
				focus={isFocused}
				showCursor={isFocused}
				placeholder={isFocused ? (to ? 'message, or /help' : '/open <user>, or /help') : ''}
			/>
		</Box>
	);
});
