// The conversation list pane: rooms (#) and direct chats (presence), name, unread, last message with tick, or who types.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatUnread, statusGlyph} from '../core/format.js';
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

/** Left pane: two lines per conversation, bold while unread (dim when muted). */
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

/** The mark before a name: `#` for a room, the presence dot for a person (and the broadcast). */
function markOf(row: ConversationRow): {mark: string; color: string | undefined} {
	return row.kind === 'group' ? {mark: '#', color: COLORS.focus} : PRESENCE_MARKS[row.presence];
}

const Entry = memo(function Entry({row, width, isFocused}: {row: ConversationRow; width: number; isFocused: boolean}) {
	const mark = markOf(row);
	const mention = row.mentions > 0 ? '@ ' : '';
	const right = `${row.isMuted ? 'muted ' : ''}${mention}${row.unread > 0 ? `(${formatUnread(row.unread)}) ` : ''}${row.time}`;
	const nameWidth = Math.max(1, width - 2 - displayWidth(right) - 1);
	const name = truncate(row.name, nameWidth);
	const gap = ' '.repeat(Math.max(1, width - 2 - displayWidth(name) - displayWidth(right)));
	const tick = !row.isTyping && row.preview && row.previewStatus ? `${statusGlyph(row.previewStatus)} ` : '';
	const second = row.isTyping ? `✎ ${row.typing}` : row.preview || row.lastSeen || row.statusMessage;
	const isHighlighted = row.isSelected && isFocused;
	const isLoud = row.unread > 0 && !row.isMuted;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate" inverse={isHighlighted}>
				<Text color={mark.color}>{mark.mark}</Text>
				{row.isOpen ? '▸' : ' '}
				<Text bold={isLoud} dimColor={row.isMuted} underline={row.isSelected && !isFocused}>
					{name}
				</Text>
				{gap}
				<Text bold={isLoud} dimColor={row.isMuted} color={isLoud ? COLORS.focus : undefined}>
					{row.isMuted ? 'muted ' : ''}
				</Text>
				{/* A mention stands out even in a muted room. */}
				{mention ? (
					<Text bold color={COLORS.mention}>
						{mention}
					</Text>
				) : null}
				<Text bold={isLoud} dimColor={row.isMuted} color={isLoud ? COLORS.focus : undefined}>
					{right.slice((row.isMuted ? 'muted ' : '').length + mention.length)}
				</Text>
			</Text>
			<Text wrap="truncate" dimColor={!row.isTyping} color={row.isTyping ? COLORS.typing : undefined} italic={row.isTyping}>
				{'  '}
				{tick ? <Text color={row.previewStatus === 'read' ? COLORS.read : undefined} bold={row.previewStatus === 'read'}>{tick}</Text> : null}
				{truncate(second, Math.max(1, width - 2 - displayWidth(tick)))}
			</Text>
		</Box>
	);
});
