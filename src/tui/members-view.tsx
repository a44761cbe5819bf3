// The members overlay: each member of a room (or direct chat) with id, role, presence or last seen, mute.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import type {MemberRow} from '../core/member-rows.js';
import {displayWidth, truncate} from '../core/text-layout.js';
import {COLORS, PRESENCE_MARKS} from './theme.js';

/** Props of {@link MembersView}. */
export interface MembersViewProps {
	/** Sanitized header: the room's title (`# Team`) or the chat's name. */
	title: string;
	/** The members (memberRows), sanitized; undefined while loading. */
	members?: readonly MemberRow[];
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

const NAME_COLUMNS = 24;
const ID_COLUMNS = 18;
const ROLE_COLUMNS = 7;

/** One row per member; Esc closes. Rows that do not fit are cut (a count says how many). */
export const MembersView = memo(function MembersView({title, members, width, height}: MembersViewProps) {
	const inner = Math.max(1, width - 4);
	// Border (2), title, heading and the "more" line.
	const fits = Math.max(1, height - 5);
	const shown = members?.slice(0, fits) ?? [];
	const hidden = (members?.length ?? 0) - shown.length;
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold wrap="truncate">
				{truncate(`Members of ${title}${members ? ` — ${members.length}` : ''} — Esc closes`, inner)}
			</Text>
			{members === undefined ? (
				<Text dimColor>loading…</Text>
			) : (
				<>
					<Text underline wrap="truncate">
						{pad('  name', NAME_COLUMNS + 2)}
						{pad('id', ID_COLUMNS)}
						{pad('role', ROLE_COLUMNS)}presence
					</Text>
					{shown.map((m) => {
						const mark = PRESENCE_MARKS[m.presence];
						const presence = [m.presence, m.detail, m.isMuted ? 'muted' : ''].filter((part) => part !== '').join(' · ');
						return (
							<Text key={m.userId} wrap="truncate">
								<Text color={mark.color}>{mark.mark}</Text> <Text bold={m.isMe}>{pad(truncate(m.isMe ? `${m.name} (me)` : m.name, NAME_COLUMNS - 1), NAME_COLUMNS)}</Text>
								{pad(truncate(m.userId, ID_COLUMNS - 1), ID_COLUMNS)}
								<Text color={m.role === 'admin' ? COLORS.focus : undefined}>{pad(m.role, ROLE_COLUMNS)}</Text>
								<Text dimColor>{presence}</Text>
							</Text>
						);
					})}
					{hidden > 0 ? <Text dimColor>… and {hidden} more</Text> : null}
				</>
			)}
		</Box>
	);
});

/** `text` padded with spaces to `width` columns (wide characters count two). */
function pad(text: string, width: number): string {
	return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
