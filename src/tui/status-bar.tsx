// The status bar: me, broker state, database state and the last notice, on one line.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {sanitizeInline} from '../core/sanitize.js';
import {truncate} from '../core/text-layout.js';
import type {Identity, ServiceState} from '../core/types.js';
import {COLORS, themeColor} from './theme.js';

/** Props of {@link StatusBar}. */
export interface StatusBarProps {
	me: Identity;
	broker: ServiceState;
	database: ServiceState;
	notice?: {level: 'info' | 'error'; text: string};
	/** A standing warning (the outbox cannot be written): shown before any notice until it is gone. */
	warning?: string;
	/** Terminal width in columns (the bar is one row). */
	width: number;
}

const STATE_COLORS: Record<ServiceState, string | undefined> = {
	up: themeColor('green'),
	connecting: themeColor('yellow'),
	down: themeColor('red'),
};

/** One line at the bottom. Names and notices are untrusted and sanitized here. */
export const StatusBar = memo(function StatusBar({me, broker, database, notice: lastNotice, warning, width}: StatusBarProps) {
	const who = truncate(`${sanitizeInline(me.name)} (${sanitizeInline(me.userId)})`, 30);
	const fixed = `${who} │ broker ${broker} │ db ${database} │ `;
	const notice = warning ? {level: 'error' as const, text: `⚠ ${warning}`} : lastNotice;
	const rest = notice ? truncate(sanitizeInline(notice.text), Math.max(1, width - fixed.length - 1)) : '? help';
	return (
		<Box width={width} height={1}>
			<Text wrap="truncate">
				<Text bold>{who}</Text>
				{' │ broker '}
				<Text color={STATE_COLORS[broker]}>{broker}</Text>
				{' │ db '}
				<Text color={STATE_COLORS[database]}>{database}</Text>
				{' │ '}
				<Text color={notice?.level === 'error' ? COLORS.error : undefined} dimColor={!notice}>
					{rest}
				</Text>
			</Text>
		</Box>
	);
});
