// "While you were away": one screen of the conversations with unread messages (mentions first),
// their first unread line and who wrote. Enter jumps there, n walks on, Esc closes.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {awayRows} from '../core/search-rows.js';
import type {AwayEntry} from '../core/types.js';
import {COLORS} from './theme.js';

/** Props of {@link AwayView}. */
export interface AwayViewProps {
	entries: readonly AwayEntry[];
	/** Conversations with unread in all (the summary lists one screen of them: `entries`). */
	total: number;
	index: number;
	timeZone: string;
	/** Outer size (border included). */
	width: number;
	height: number;
}

/** The catch-up screen, three rows per conversation, as many as fit. */
export const AwayView = memo(function AwayView({entries, total, index, timeZone, width, height}: AwayViewProps) {
	const inner = Math.max(1, width - 4);
	const rows = awayRows(entries, inner - 2, timeZone);
	const visible = Math.max(1, Math.floor((height - 4) / 3));
	const start = Math.max(0, Math.min(index - visible + 1, rows.length - visible));
	const hidden = rows.length - Math.min(rows.length, start + visible);
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold wrap="truncate">
				While you were away — {awayCount(entries.length, total)} · ↑/↓ n choose · Enter jumps to the first unread · Esc closes
			</Text>
			{rows.slice(start, start + visible).map((row, i) => (
				<Box key={row.key} flexDirection="column" flexShrink={0}>
					<Text wrap="truncate" inverse={start + i === index} bold>
						{row.hasMentions ? <Text color={COLORS.mention}>@ </Text> : '  '}
						{row.head}
					</Text>
					<Text wrap="truncate">
						{'  '}
						{row.first}
					</Text>
					<Text wrap="truncate" dimColor>
						{'  '}
						{row.senders}
					</Text>
				</Box>
			))}
			{hidden > 0 ? <Text dimColor>{`… ${hidden} more below`}</Text> : null}
		</Box>
	);
});

/**
 * "3 conversations", or "50 of 130 conversations" when the summary shows the first screen only
 * (store/away.ts MAX_AWAY_ENTRIES): the count in the heading must not pass for all of them.
 */
export function awayCount(shown: number, total: number): string {
	const noun = `conversation${Math.max(shown, total) === 1 ? '' : 's'}`;
	return total > shown ? `${shown} of ${total} ${noun}` : `${shown} ${noun}`;
}
