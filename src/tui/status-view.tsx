// `/status`: my recent messages and their states, in words.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatTime, statusWords} from '../core/format.js';
import {sanitizeInline} from '../core/sanitize.js';
import {truncate} from '../core/text-layout.js';
import type {MessageStatusReport} from '../core/types.js';
import {COLORS} from './theme.js';

/** Props of {@link StatusView}. */
export interface StatusViewProps {
	reports?: readonly MessageStatusReport[];
	/** The clock in ms (times today show without their date). */
	now: number;
	/** IANA time zone the times are shown in. */
	timeZone: string;
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

/** Newest first: time, recipient, text, state in words. */
export const StatusView = memo(function StatusView({reports, now, timeZone, width, height}: StatusViewProps) {
	const inner = Math.max(1, width - 4);
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold>My recent messages — Esc closes</Text>
			{reports === undefined ? <Text dimColor>loading…</Text> : null}
			{reports?.length === 0 ? <Text dimColor>no messages sent yet</Text> : null}
			{reports?.map(({message}) => (
				<Text key={message.messageId} wrap="truncate">
					{truncate(
						`${formatTime(message.createdAt, now, timeZone)} to ${sanitizeInline(message.receiverId)}: ${statusWords(message.status)} — ${sanitizeInline(message.content)}`,
						inner,
					)}
				</Text>
			))}
		</Box>
	);
});
