// The thread pane: header, the visible message rows with ticks, the typing line.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {statusGlyph} from '../core/format.js';
import {EDITED_MARK, SYSTEM_GAP, type ThreadRow} from '../core/thread-rows.js';
import {displayWidth, truncate} from '../core/text-layout.js';
import type {LocalStatus} from '../core/types.js';
import {COLORS} from './theme.js';

/** Props of {@link ThreadPane}. */
export interface ThreadPaneProps {
	/** Header line (peer name, presence, last seen), sanitized. '' when nothing is open. */
	title: string;
	/** Visible rows, top to bottom (at most `rowCount`). */
	rows: readonly ThreadRow[];
	/** "alice is typing…", sanitized, or ''. */
	typing: string;
	/** Shown instead of the typing line: a reply/edit in progress, the delete confirmation, the reaction picker. */
	banner?: ThreadBanner;
	/** Outer width and height of the box. */
	width: number;
	height: number;
	/** Message rows inside the box. */
	rowCount: number;
	isFocused: boolean;
}

/** The thread's bottom line when something asks for attention (sanitized text within the width). */
export interface ThreadBanner {
	tone: 'compose' | 'alert' | 'picker';
	text: string;
}

/** Right pane: the open conversation, newest at the bottom. */
export const ThreadPane = memo(function ThreadPane({title, rows, typing, banner, width, height, rowCount, isFocused}: ThreadPaneProps) {
	const inner = Math.max(1, width - 2);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={isFocused ? COLORS.focus : COLORS.border} overflow="hidden">
			<Text bold wrap="truncate">
				{truncate(title || 'no conversation open — Enter on a name, Ctrl+K to search', inner)}
			</Text>
			<Box flexDirection="column" height={rowCount} justifyContent="flex-end" overflow="hidden">
				{rows.map((row) => (
					<Row key={row.key} row={row} width={inner} />
				))}
			</Box>
			{banner ? (
				<Text wrap="truncate" bold={banner.tone !== 'compose'} color={banner.tone === 'alert' ? COLORS.error : banner.tone === 'picker' ? COLORS.reaction : COLORS.focus}>
					{truncate(banner.text, inner)}
				</Text>
			) : (
				<Text color={COLORS.typing} italic wrap="truncate">
					{typing ? truncate(typing, inner) : ' '}
				</Text>
			)}
		</Box>
	);
});

/** `── label ──` centred in `width` columns (the label is cut first when the pane is narrow). */
function ruler(label: string, width: number, fill = '─'): string {
	const text = ` ${truncate(label, Math.max(1, width - 4))} `;
	const side = Math.max(0, Math.floor((width - displayWidth(text)) / 2));
	return fill.repeat(side) + text + fill.repeat(Math.max(0, width - side - displayWidth(text)));
}

const Row = memo(function Row({row, width}: {row: ThreadRow; width: number}) {
	if (row.kind === 'divider') {
		return (
			<Text color={COLORS.divider} wrap="truncate">
				{ruler('new messages', width)}
			</Text>
		);
	}
	if (row.kind === 'day') {
		return (
			<Text dimColor bold wrap="truncate">
				{ruler(row.label, width)}
			</Text>
		);
	}
	if (row.kind === 'gap') {
		return (
			<Text color={COLORS.divider} wrap="truncate">
				{ruler('newer messages not shown — End returns to now', width, '┄')}
			</Text>
		);
	}
	if (row.kind === 'start') {
		const text = row.isLoading ? '… loading older messages' : row.hasMore ? '↑ PgUp for older messages' : '— start of the conversation —';
		return (
			<Text dimColor wrap="truncate">
				{text}
			</Text>
		);
	}
	if (row.kind === 'quote') {
		return (
			<Text wrap="truncate" dimColor inverse={row.isSelected}>
				{' '.repeat(row.indent)}
				{row.text}
			</Text>
		);
	}
	if (row.kind === 'reactions') {
		return (
			<Text wrap="truncate" inverse={row.isSelected}>
				{' '.repeat(row.indent)}
				{row.items.map((item, i) => (
					<Text key={item.emoji} {...(item.isMine ? {color: COLORS.reaction, bold: true} : {dimColor: true})}>
						{i > 0 ? '  ' : ''}
						{item.emoji === '+' ? `+${item.count}` : `${item.emoji} ${item.count}`}
					</Text>
				))}
			</Text>
		);
	}
	if (row.isSystem) {
		return (
			<Text wrap="truncate" dimColor inverse={row.isSelected}>
				{row.isFirst ? `${row.time}${SYSTEM_GAP}` : ' '.repeat(row.indent)}
				{row.text}
			</Text>
		);
	}
	const body = (
		<>
			{row.isDeleted ? (
				<Text italic dimColor>
					{row.text}
				</Text>
			) : row.isMention ? (
				<Text color={COLORS.mention}>{row.text}</Text>
			) : (
				row.text
			)}
			{row.isEdited ? <Text dimColor>{EDITED_MARK}</Text> : null}
		</>
	);
	if (!row.isFirst) {
		return (
			<Text wrap="truncate" inverse={row.isSelected}>
				{' '.repeat(row.indent)}
				{body}
			</Text>
		);
	}
	const used = displayWidth(`${row.time} ${row.sender}: ${row.text}${row.isEdited ? EDITED_MARK : ''}`);
	const pad = row.status ? ' '.repeat(Math.max(1, width - used - 2)) : '';
	return (
		<Text wrap="truncate" inverse={row.isSelected}>
			<Text dimColor>{row.time} </Text>
			<Text bold color={row.isMention ? COLORS.mention : row.isMine ? COLORS.mine : COLORS.peer} underline={row.isMention === true}>
				{row.sender}
			</Text>
			{': '}
			{body}
			{row.status ? (
				<>
					{pad}
					<Tick status={row.status} />
				</>
			) : null}
		</Text>
	);
});

function Tick({status}: {status: LocalStatus}) {
	const color =
		status === 'rejected' ? COLORS.error : status === 'read' ? COLORS.read : status === 'pending' || status === 'sent' ? COLORS.pending : COLORS.tick;
	return (
		<Text color={color} bold={status === 'read'}>
			{statusGlyph(status)}
		</Text>
	);
}
