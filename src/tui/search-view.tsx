// The search overlay (Ctrl+F, /search): the query line, then hits newest first with the matched
// words highlighted; ↑/↓ choose, Enter opens the hit in its conversation. May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {sanitizeInline} from '../core/sanitize.js';
import {searchHitRows} from '../core/search-rows.js';
import {truncate} from '../core/text-layout.js';
import type {SearchHit} from '../core/types.js';
import {COLORS} from './theme.js';

/** Props of {@link SearchView}. */
export interface SearchViewProps {
	/** The line being typed (untrusted: shown sanitized). */
	query: string;
	/** The line `hits` answer (undefined before the first search). */
	searched?: string;
	hits?: readonly SearchHit[];
	/** One line (untrusted: shown sanitized). */
	error?: string;
	isLoading?: boolean;
	index: number;
	now: number;
	timeZone: string;
	/** Outer size (border included). */
	width: number;
	height: number;
}

/** A search box with its results, two rows per hit. */
export const SearchView = memo(function SearchView({query, searched, hits, error, isLoading, index, now, timeZone, width, height}: SearchViewProps) {
	const inner = Math.max(1, width - 4);
	const rows = searchHitRows(hits ?? [], inner, now, timeZone);
	const visible = Math.max(1, Math.floor((height - 6) / 2));
	const start = Math.max(0, Math.min(index - visible + 1, rows.length - visible));
	const status = isLoading
		? 'searching…'
		: error
			? undefined
			: hits === undefined
				? 'words, "a phrase", -word, or · --in c --from u --before/--after YYYY-MM-DD'
				: hits.length === 0
					? 'no message matches'
					: `${hits.length} message${hits.length === 1 ? '' : 's'}, newest first${searched === query ? ' — Enter opens' : ' — Enter searches again'}`;
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold wrap="truncate">
				Search messages — Enter searches, ↑/↓ choose, Enter opens, Esc closes
			</Text>
			<Text wrap="truncate">
				<Text color={COLORS.focus}>{'/ '}</Text>
				{sanitizeInline(query)}
				<Text inverse> </Text>
			</Text>
			{error ? (
				<Text color={COLORS.error} wrap="truncate">
					{truncate(sanitizeInline(error), inner)}
				</Text>
			) : (
				<Text dimColor wrap="truncate">
					{status}
				</Text>
			)}
			{rows.slice(start, start + visible).map((row, i) => {
				const isChosen = start + i === index;
				return (
					<Box key={row.key} flexDirection="column" flexShrink={0}>
						<Text wrap="truncate" inverse={isChosen} bold>
							{row.head}
						</Text>
						<Text wrap="truncate">
							{'  '}
							{row.snippet.map((segment, n) =>
								segment.isMatch ? (
									<Text key={n} color={COLORS.mention} bold underline>
										{segment.text}
									</Text>
								) : (
									<Text key={n}>{segment.text}</Text>
								),
							)}
						</Text>
					</Box>
				);
			})}
		</Box>
	);
});
