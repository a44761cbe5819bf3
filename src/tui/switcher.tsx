// The quick switcher (Ctrl+K): type part of a name, ↑/↓ choose, Enter opens.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatUnread} from '../core/format.js';
import type {ConversationRow} from '../core/selectors.js';
import {sanitizeInline} from '../core/sanitize.js';
import {truncate} from '../core/text-layout.js';
import {COLORS, PRESENCE_MARKS} from './theme.js';

/** Props of {@link Switcher}. */
export interface SwitcherProps {
	/** What the user typed (untrusted: shown sanitized). */
	query: string;
	/** Conversations matching `query`, best first. */
	matches: readonly ConversationRow[];
	/** Index of the highlighted match in `matches`. */
	index: number;
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

/** A search box over the conversation list. */
export const Switcher = memo(function Switcher({query, matches, index, width, height}: SwitcherProps) {
	const visible = Math.max(1, height - 4);
	const start = Math.max(0, Math.min(index - visible + 1, matches.length - visible));
	const inner = Math.max(1, width - 4);
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold>Switch to — type part of a name, ↑/↓, Enter opens, Esc cancels</Text>
			<Text>
				<Text color={COLORS.focus}>{'> '}</Text>
				{sanitizeInline(query)}
				<Text inverse> </Text>
			</Text>
			{matches.length === 0 ? <Text dimColor>no match</Text> : null}
			{matches.slice(Math.max(0, start), Math.max(0, start) + visible).map((row, i) => {
				const isChosen = i + Math.max(0, start) === index;
				const mark = row.kind === 'group' ? {mark: '#', color: COLORS.focus} : PRESENCE_MARKS[row.presence];
				const label = row.kind === 'direct' ? `${row.name} (${row.peerId})` : row.name;
				return (
					<Text key={row.conversationId} inverse={isChosen} wrap="truncate">
						<Text color={mark.color}>{mark.mark}</Text>
						{' '}
						{truncate(`${label}${row.unread > 0 ? ` · ${formatUnread(row.unread)} unread` : ''}`, inner)}
					</Text>
				);
			})}
		</Box>
	);
});
