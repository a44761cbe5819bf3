// Colours and glyphs of the TUI in one place.
// May import core/ only.
import type {Presence} from '../core/types.js';

type PresenceState = Presence['state'];

/** Ink colour names used by the components. */
export const COLORS = {
	focus: 'cyan',
	border: 'gray',
	mine: 'green',
	peer: 'magenta',
	read: 'cyan',
	tick: 'gray',
	pending: 'yellow',
	divider: 'red',
	typing: 'green',
	error: 'red',
	selected: 'blue',
} as const;

/** Presence mark and colour: ● online, ◐ away, ⊘ busy, ○ offline. */
export const PRESENCE_MARKS: Record<PresenceState, {mark: string; color: string}> = {
	online: {mark: '●', color: 'green'},
	away: {mark: '◐', color: 'yellow'},
	busy: {mark: '⊘', color: 'red'},
	offline: {mark: '○', color: 'gray'},
};
