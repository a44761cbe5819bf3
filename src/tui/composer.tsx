// The composer: one line with a cursor; edited by the app's key handler (see use-composer).
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo, useSyncExternalStore} from 'react';
import {graphemes} from '../core/line-editor.js';
import {sanitizeInline} from '../core/sanitize.js';
import {displayWidth} from '../core/text-layout.js';
import {COLORS} from './theme.js';
import type {LineStore} from './use-composer.js';

/** Props of {@link Composer}. */
export interface ComposerProps {
	store: LineStore;
	/** Whether a conversation is open (changes the placeholder). */
	hasConversation: boolean;
	/** Outer width in columns (border included; the box is 3 rows high). */
	width: number;
	isFocused: boolean;
}

/** Bottom-right input box. Re-renders only when its line or focus changes. */
export const Composer = memo(function Composer({store, hasConversation, width, isFocused}: ComposerProps) {
	const line = useSyncExternalStore(store.subscribe, store.get);
	const inner = Math.max(2, width - 4);
	if (line.value === '') {
		const placeholder = isFocused ? (hasConversation ? 'message, or /help' : '/open <user>, or /help') : '';
		return (
			<Frame width={width} isFocused={isFocused}>
				{isFocused ? <Text inverse> </Text> : null}
				<Text dimColor>{placeholder}</Text>
			</Frame>
		);
	}
	const {before, at, after} = visibleSlice(graphemes(line.value).map(sanitizeInline), line.cursor, inner);
	return (
		<Frame width={width} isFocused={isFocused}>
			<Text wrap="truncate">
				{before}
				<Text inverse={isFocused}>{at}</Text>
				{after}
			</Text>
		</Frame>
	);
});

function Frame({width, isFocused, children}: {width: number; isFocused: boolean; children: React.ReactNode}) {
	return (
		<Box width={width} height={3} borderStyle="round" borderColor={isFocused ? COLORS.focus : COLORS.border}>
			{/* The prompt mark shows the focus without colour too. */}
			<Text color={isFocused ? COLORS.focus : COLORS.border}>{isFocused ? '› ' : '  '}</Text>
			{children}
		</Box>
	);
}

/** The part of the line that fits `width` columns with the cursor visible (scrolls horizontally). */
export function visibleSlice(chars: readonly string[], cursor: number, width: number): {before: string; at: string; after: string} {
	let start = 0;
	let used = displayWidth(chars.slice(0, cursor).join('')) + 1;
	while (used > width && start < cursor) {
		used -= displayWidth(chars[start]!);
		start++;
	}
	let end = cursor + 1;
	let total = displayWidth(chars.slice(start, Math.min(end, chars.length)).join('')) + (cursor >= chars.length ? 1 : 0);
	while (end < chars.length && total + displayWidth(chars[end]!) <= width) {
		total += displayWidth(chars[end]!);
		end++;
	}
	return {
		before: chars.slice(start, cursor).join(''),
		at: chars[cursor] ?? ' ',
		after: chars.slice(cursor + 1, end).join(''),
	};
}
