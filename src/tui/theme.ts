// Colours and glyphs of the TUI in one place.
// May import core/ only.
import type {Presence} from '../core/types.js';

type PresenceState = Presence['state'];

/**
 * Whether colours are off: `NO_COLOR` set to anything but the empty string (no-color.org).
 * chalk (under Ink) does not read NO_COLOR, so the theme drops its colours itself; bold,
 * italic, dim and inverse stay, which keeps read ✓✓ (bold) apart from delivered ✓✓ (plain).
 */
export function isColorless(env: Record<string, string | undefined> = process.env): boolean {
	return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

/** `name`, or undefined (the terminal's default colour) when {@link isColorless}. */
export function themeColor<T extends string>(name: T, env: Record<string, string | undefined> = process.env): T | undefined {
	return isColorless(env) ? undefined : name;
}

const NAMED_COLORS = {
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
	mention: 'yellow',
	reaction: 'yellow',
} as const;

/** Ink colour names used by the components; all undefined under NO_COLOR. */
export const COLORS = Object.fromEntries(
	Object.entries(NAMED_COLORS).map(([role, name]) => [role, themeColor(name)]),
) as {[Role in keyof typeof NAMED_COLORS]: (typeof NAMED_COLORS)[Role] | undefined};

/** Presence mark and colour: ● online, ◐ away, ⊘ busy, ○ offline. */
export const PRESENCE_MARKS: Record<PresenceState, {mark: string; color: string | undefined}> = {
	online: {mark: '●', color: themeColor('green')},
	away: {mark: '◐', color: themeColor('yellow')},
	busy: {mark: '⊘', color: themeColor('red')},
	offline: {mark: '○', color: themeColor('gray')},
};
