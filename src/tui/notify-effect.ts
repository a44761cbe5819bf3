// Turns a planned notify effect into the bytes to write: BEL and/or OSC 9 / OSC 777.
// May import core/ and tui/notify.ts.
import type {Effect} from '../core/effects.js';
import {notificationSequence} from './notify.js';

/** Which desktop notification escape the terminal understands. */
export type DesktopKind = 'osc9' | 'osc777';

/**
 * The escape sequences for one notification: `bell` → BEL, `desktop` → OSC 9 or 777
 * (title and body cleaned by notify.ts), `both` → both.
 */
export function notificationBytes(effect: Extract<Effect, {kind: 'notify'}>, desktop: DesktopKind = 'osc9'): string {
	let out = '';
	if (effect.mode === 'bell' || effect.mode === 'both') out += notificationSequence('bell', effect.title, effect.body);
	if (effect.mode === 'desktop' || effect.mode === 'both') out += notificationSequence(desktop, effect.title, effect.body);
	return out;
}
