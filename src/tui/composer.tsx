// The composer: the draft (one or more lines) with a cursor; edited by the app's key handler (see use-composer).
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo, useSyncExternalStore} from 'react';
import {cursorPosition, graphemes, type EditorLine} from '../core/line-editor.js';
import {sanitizeInline} from '../core/sanitize.js';
import {displayWidth} from '../core/text-layout.js';
import {COLORS} from './theme.js';
import type {LineStore} from './use-composer.js';

/** Props of {@link Composer}. */
export interface ComposerProps {
	store: LineStore;
	/** Whether a conversation is open (changes the placeholder). */
	hasConversation: boolean;
	/** Outer width in columns (border included). */
	width: number;
	/** Text lines shown (the box is this + 2 rows high); a longer draft scrolls to the cursor. */
	lines: number;
	isFocused: boolean;
}

/** Bottom-right input box. Re-renders only when its text or focus changes. */
export const Composer = memo(function Composer({store, hasConversation, width, lines, isFocused}: ComposerProps) {
	const line = useSyncExternalStore(store.subscribe, store.get);
	const inner = Math.max(2, width - 4);
	if (line.value === '') {
		const placeholder = isFocused ? (hasConversation ? 'message, or /help (Alt+Enter: new line)' : '/open <user>, or /help') : '';
		return (
			<Frame width={width} lines={lines} isFocused={isFocused}>
				<Text wrap="truncate">
					{isFocused ? <Text inverse> </Text> : null}
					<Text dimColor>{placeholder}</Text>
				</Text>
			</Frame>
		);
	}
	const view = visibleLines(line, lines);
	return (
		<Frame width={width} lines={lines} isFocused={isFocused}>
			{view.rows.map((row, i) => {
				const chars = graphemes(row.text).map(sanitizeInline);
				if (row.cursor === undefined) {
					return (
						<Text key={view.first + i} wrap="truncate">
							{chars.join('') || ' '}
						</Text>
					);
				}
				const {before, at, after} = visibleSlice(chars, row.cursor, inner);
				return (
					<Text key={view.first + i} wrap="truncate">
						{before}
						<Text inverse={isFocused}>{at}</Text>
						{after}
					</Text>
				);
			})}
		</Frame>
	);
});

function Frame({width, lines, isFocused, children}: {width: number; lines: number; isFocused: boolean; children: React.ReactNode}) {
	return (
		<Box width={width} height={lines + 2} borderStyle="round" borderColor={isFocused ? COLORS.focus : COLORS.border}>
			{/* The prompt mark shows the focus without colour too. */}
			<Text color={isFocused ? COLORS.focus : COLORS.border}>{isFocused ? '› ' : '  '}</Text>
			<Box flexDirection="column" flexGrow={1}>
				{children}
			</Box>
		</Box>
	);
}

/**
 * The text lines of a draft to show in `height` rows: a window that keeps the cursor's line
 * in view; `cursor` is set (in graphemes) on the row holding it.
 */
export function visibleLines(line: EditorLine, height: number): {first: number; rows: Array<{text: string; cursor?: number}>} {
	const all = line.value.split('\n');
	const {row, column} = cursorPosition(line);
	const first = Math.max(0, Math.min(row - height + 1, all.length - height));
	const start = Math.max(0, Math.min(first, row));
	return {
		first: start,
		rows: all.slice(start, start + Math.max(1, height)).map((text, i) => (start + i === row ? {text, cursor: column} : {text})),
	};
}

/** Text lines a draft needs (1 … max). */
export function draftLines(line: EditorLine, max: number): number {
	let count = 1;
	for (let i = line.value.indexOf('\n'); i !== -1 && count < max; i = line.value.indexOf('\n', i + 1)) count++;
	return count;
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
