// Message info: when one of my messages was stored, delivered and read, per recipient.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatTimestamp, statusWords} from '../core/format.js';
import {sanitizeInline} from '../core/sanitize.js';
import {displayWidth, truncate} from '../core/text-layout.js';
import type {RecipientRow} from '../core/member-rows.js';
import type {ChatMessage, Receipt} from '../core/types.js';
import {COLORS} from './theme.js';

/** Columns of the member column (name and id). */
const RECIPIENT_COLUMNS = 28;

/** Props of {@link InfoView}. */
export interface InfoViewProps {
	message?: ChatMessage;
	/** Stored transitions from `port.messageInfo`; undefined while loading. */
	receipts?: readonly Receipt[];
	/** Per member delivered/read times (recipientRows: the members plus anyone a receipt names), sanitized. */
	recipients: readonly RecipientRow[];
	/** What the message went to: the peer's name, `#room`, `everyone`; sanitized. */
	to: string;
	/** IANA time zone the times are shown in. */
	timeZone: string;
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

/** One row per member (recipient): delivered and read times; plus when the server stored it. */
export const InfoView = memo(function InfoView({message, receipts, recipients, to, timeZone, width, height}: InfoViewProps) {
	const inner = Math.max(1, width - 4);
	const stored = receipts?.find((r) => r.status === 'received_by_server');
	const time = (at?: number): string => (at === undefined ? '—' : formatTimestamp(at, timeZone));
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold>Message info — Esc closes</Text>
			{message ? (
				<Text wrap="truncate">
					{truncate(`“${sanitizeInline(message.content)}” to ${to} — ${statusWords(message.status)}`, inner)}
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
					<Text underline>{'member'.padEnd(RECIPIENT_COLUMNS)}{'delivered'.padEnd(21)}read</Text>
					{recipients.length === 0 ? <Text dimColor>not delivered yet</Text> : null}
					{recipients.map((r) => (
						<Text key={r.userId} wrap="truncate">
							{padTo(truncate(r.name && r.name !== r.userId ? `${r.name} (${r.userId})` : r.userId, RECIPIENT_COLUMNS - 1), RECIPIENT_COLUMNS)}
							{time(r.delivered).padEnd(21)}
							<Text color={r.read === undefined ? undefined : COLORS.read}>{time(r.read)}</Text>
						</Text>
					))}
				</>
			)}
		</Box>
	);
});

/** `text` padded with spaces to `width` columns (wide characters count two). */
function padTo(text: string, width: number): string {
	return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
