// Who may publish and subscribe where on the hub's broker: the rules of production Mosquitto
// (docker/mosquitto/acl, docs/protocol.md) for one base topic, plus subscription checks.
// Pure: no I/O. May import protocol/ only.
import {isValidUserId} from '../protocol/index.js';

/** The share group of the ingesters (`$share/hermes-ingest/…`, MQTT 5.0 §4.8.2): the owner's only. */
export const INGEST_SHARE_GROUP = 'hermes-ingest';

/** What {@link topicRules} allows one MQTT user name. */
export interface TopicRules {
	/** Whether this user may publish to `topic` (a topic name, no wildcards). */
	mayPublish(topic: string): boolean;
	/** Whether this user may subscribe to `filter` (wildcards allowed). */
	maySubscribe(filter: string): boolean;
}

/**
 * The rules for user name `user` under base topic `base` (e.g. `chat/messages`):
 * - `owner` (the hub's ingester, an `ingest` process, an operator): publish and subscribe
 *   anywhere but `$…` topics (`$SYS/…`), also as the shared subscription `$share/hermes-ingest/…`
 *   (Mosquitto: `user ingester` / `topic readwrite chat/messages/#`; not limited to `base` here,
 *   since whoever holds the secret may connect as the owner anyway).
 * - a chat user `me`: publish only to `{base}/{to}/me` — two levels, the last its own id
 *   (`pattern write chat/messages/+/%u`: v1 messages, typing, receipts and presence, v2's
 *   `{base}/server/me`), so never as someone else, never a receipt from `server`, never an
 *   inbox (`{base}/{member}/server/inbox`, three levels); subscribe only to filters inside
 *   `{base}/me/#`, `{base}/all/#` or `{base}/presence/+` (`pattern read …`). Never `#`,
 *   `$SYS/#`, another inbox or any `$share/…`.
 * Anything else (including invalid user ids) may do nothing.
 */
export function topicRules(user: string, base: string, owner: string): TopicRules {
	const baseLevels = base.split('/');
	if (user === owner) {
		return {
			mayPublish: (topic) => !hasWildcard(topic) && !topic.startsWith('$'),
			maySubscribe(filter) {
				const levels = filter.split('/');
				if (levels[0] === '$share') return levels[1] === INGEST_SHARE_GROUP && levels.length > 2 && isWellFormedFilter(levels.slice(2));
				return isWellFormedFilter(levels) && !filter.startsWith('$');
			},
		};
	}
	if (!isValidUserId(user)) return {mayPublish: () => false, maySubscribe: () => false};
	const readable = [
		[...baseLevels, user, '#'],
		[...baseLevels, 'all', '#'],
		[...baseLevels, 'presence', '+'],
	];
	return {
		mayPublish(topic) {
			const levels = topic.split('/');
			return (
				!hasWildcard(topic) &&
				levels.length === baseLevels.length + 2 &&
				startsWith(levels, baseLevels) &&
				levels.at(-2) !== '' &&
				levels.at(-1) === user
			);
		},
		maySubscribe(filter) {
			const levels = filter.split('/');
			return isWellFormedFilter(levels) && readable.some((pattern) => isFilterWithin(levels, pattern));
		},
	};
}

/**
 * Whether every topic the filter `levels` matches is matched by the filter `pattern` too
 * (MQTT 3.1.1 §4.7: `+` one level, `#` the rest, the parent level included).
 */
export function isFilterWithin(levels: string[], pattern: string[]): boolean {
	for (let i = 0; i < pattern.length; i++) {
		const p = pattern[i]!;
		if (p === '#') return true;
		const level = levels[i];
		if (level === undefined) return false;
		if (p === '+') {
			if (level === '#') return false;
			continue;
		}
		if (level !== p) return false;
	}
	return levels.length === pattern.length;
}

/** A filter's levels are valid: `#` only last, wildcards only as whole levels (§4.7.1). */
function isWellFormedFilter(levels: string[]): boolean {
	return levels.every((level, i) => (level === '#' ? i === levels.length - 1 : level === '+' || !hasWildcard(level)));
}

function hasWildcard(text: string): boolean {
	return text.includes('+') || text.includes('#');
}

function startsWith(levels: string[], prefix: string[]): boolean {
	return prefix.every((level, i) => levels[i] === level);
}
