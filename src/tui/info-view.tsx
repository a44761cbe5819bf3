// Message info: when one of my messages was stored, delivered and read, per recipient.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatTimestamp, statusWords} from '../core/format.js';
import {sanitizeInline} from '../core/sanitize.js';
import {truncate} from '../core/text-layout.js';
import type {ChatMessage, Receipt} from '../core/types.js';
import {COLORS} from './theme.js';

/** Props of {@link InfoView}. */
export interface InfoViewProps {
	message?: ChatMessage;
	/** Stored transitions from `port.messageInfo`; undefined while loading. */
	receipts?: readonly Receipt[];
	/** IANA time zone the times are shown in. */
	timeZone: string;
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

/** One row per recipient: delivered and read times; plus when the server stored it. */
export const InfoView = memo(function InfoView({message, receipts, timeZone, width, height}: InfoViewProps) {
	const inner = Math.max(1, width - 4);
	const stored = receipts?.find((r) => r.status === 'received_by_server');
	const recipients = new Map<string, {delivered?: number; read?: number}>();
	for (const r of receipts ?? []) {
		if (r.status !== 'delivered' && r.status !== 'read') continue;
		const entry = recipients.get(r.userId) ?? {};
		entry[r.status] = Math.min(entry[r.status] ?? Number.POSITIVE_INFINITY, r.at);
		recipients.set(r.userId, entry);
	}
	const time = (at?: number): string => (at === undefined ? '—' : formatTimestamp(at, timeZone));
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold>Message info — Esc closes</Text>
			{message ? (
				<Text wrap="truncate">
					{truncate(`“${sanitizeInline(message.content)}” to ${sanitizeInline(message.receiverId)} — ${statusWords(message.status)}`, inner)}
				</Text>
			) : null}
			{message?.rejectedReason ? (
				<Text color={COLORS.error} wrap="truncate">
					{truncate(`✗ why: ${sanitizeInline(message.rejectedReason)}`, inner)}
				</Text>
			) : null}
			{receipts === undefined ? (
				<Text dimColor>loading…</Text>
			) : (
				<>
					<Text>stored:    {time(stored?.at)}</Text>
					<Text underline>{'recipient'.padEnd(20)}{'delivered'.padEnd(21)}read</Text>
					{recipients.size === 0 ? <Text dimColor>not delivered yet</Text> : null}
					{[...recipients].map(([userId, r]) => (
						<Text key={userId} wrap="truncate">
							{truncate(sanitizeInline(userId), 19).padEnd(20)}
							{time(r.delivered).padEnd(21)}
							<Text color={r.read === undefined ? undefined : COLORS.read}>{time(r.read)}</Text>
						</Text>
					))}
				</>
			)}
		</Box>
	);
});
