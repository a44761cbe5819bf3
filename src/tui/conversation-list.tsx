// The conversation list pane: presence, name, unread, last message or typing, per row.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatUnread} from '../core/format.js';
import type {ConversationRow} from '../core/selectors.js';
import {displayWidth, truncate} from '../core/text-layout.js';
import {COLORS, PRESENCE_MARKS} from './theme.js';

/** Props of {@link ConversationList}. */
export interface ConversationListProps {
	/** The rows that fit (already windowed), sanitized by the selector. */
	rows: readonly ConversationRow[];
	/** Outer width in columns (with border). */
	width: number;
	/** Outer height in rows (with border). */
	height: number;
	isFocused: boolean;
}

/** Left pane: two lines per conversation, bold while unread. */
export const ConversationList = memo(function ConversationList({rows, width, height, isFocused}: ConversationListProps) {
	const inner = Math.max(1, width - 2);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={isFocused ? COLORS.focus : COLORS.border} overflow="hidden">
			{rows.length === 0 ? <Text dimColor>{truncate('no conversations yet — /open <user>', inner)}</Text> : null}
			{rows.map((row) => (
				<Entry key={row.conversationId} row={row} width={inner} isFocused={isFocused} />
			))}
		</Box>
	);
});

const Entry = memo(function Entry({row, width, isFocused}: {row: ConversationRow; width: number; isFocused: boolean}) {
	const presence = PRESENCE_MARKS[row.presence];
	const right = `${row.unread > 0 ? `(${formatUnread(row.unread)}) ` : ''}${row.time}`;
	const nameWidth = Math.max(1, width - 2 - displayWidth(right) - 1);
	const name = truncate(row.name, nameWidth);
	const gap = ' '.repeat(Math.max(1, width - 2 - displayWidth(name) - displayWidth(right)));
	const second = row.isTyping ? '✎ typing…' : row.preview || row.lastSeen || row.statusMessage;
	const isHighlighted = row.isSelected && isFocused;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate" inverse={isHighlighted}>
				<Text color={presence.color}>{presence.mark}</Text>
				{row.isOpen ? '▸' : ' '}
				<Text bold={row.unread > 0} underline={row.isSelected && !isFocused}>
					{name}
				</Text>
				{gap}
				<Text bold={row.unread > 0} color={row.unread > 0 ? COLORS.focus : undefined}>
					{right}
				</Text>
			</Text>
			<Text wrap="truncate" dimColor={!row.isTyping} color={row.isTyping ? COLORS.typing : undefined} italic={row.isTyping}>
				{'  '}
				{truncate(second, Math.max(1, width - 2))}
			</Text>
		</Box>
	);
});
