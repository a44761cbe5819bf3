// Topic layout of the hermes-chat wire protocol (see docs/protocol.md).
// Pure: no I/O. May import nothing outside protocol/.

/** Default base topic, as in the Hermes source system (env `MQTT_TOPIC`). */
export const DEFAULT_TOPIC_BASE = 'chat/messages';

/** `to` level of a broadcast: every client subscribes to `{base}/all/+`. */
export const BROADCAST_ID = 'all';
/** `to` level of retained presence messages: `{base}/presence/{user_id}`. */
export const PRESENCE_ID = 'presence';
/** `from` level of receipts the ingester publishes after a commit. */
export const SERVER_ID = 'server';

/** `to` level of the sign-up channel (`{base}/signup/request`, protocol/signup.ts). */
export const SIGNUP_LEVEL = 'signup';

/** Ids that name topic roles and so can never be user ids. */
export const RESERVED_IDS: ReadonlySet<string> = new Set([BROADCAST_ID, PRESENCE_ID, SERVER_ID, SIGNUP_LEVEL]);

/**
 * A user id: 1–64 characters of `A-Z a-z 0-9 _ . -`, not a reserved id.
 * The character set keeps ids safe as single MQTT topic levels (no `/`, `+`, `#`)
 * and as Mosquitto ACL `%u` substitutions.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `id` may be used as a user id (see {@link USER_ID_PATTERN}). */
export function isValidUserId(id: string): boolean {
	return USER_ID_PATTERN.test(id) && !RESERVED_IDS.has(id.toLowerCase());
}

/**
 * Every chat publish goes to `{base}/{to}/{from}`.
 * - `to`: the recipient's user id, `all` (broadcast) or `presence`;
 * - `from`: the publisher's user id, or `server` for the ingester's receipts.
 * Putting the publisher in the last level lets a broker ACL
 * (`pattern write chat/messages/+/%u`) refuse a client that publishes as someone else,
 * and `pattern read chat/messages/%u/#` keeps each inbox private.
 */
export function topicFor(base: string, to: string, from: string): string {
	return `${base}/${to}/${from}`;
}

/** Topic of a user's retained presence message (`{base}/presence/{user_id}`). */
export function presenceTopic(base: string, userId: string): string {
	return topicFor(base, PRESENCE_ID, userId);
}

/** The subscriptions a chat client needs: its inbox, broadcasts and everyone's presence. */
export function clientSubscriptions(base: string, userId: string): string[] {
	return [`${base}/${userId}/+`, `${base}/${BROADCAST_ID}/+`, `${base}/${PRESENCE_ID}/+`];
}

/**
 * The ingester's subscription: all chat traffic, as an MQTT 5 shared subscription
 * (`$share/{group}/{base}/#`, MQTT 5.0 §4.8.2) when `group` is given, so several
 * ingesters split the load; a plain `{base}/#` otherwise.
 */
export function ingestSubscription(base: string, group?: string): string {
	return group ? `$share/${group}/${base}/#` : `${base}/#`;
}

/** The two variable levels of a chat topic. */
export interface TopicRoute {
	/** Recipient user id, `all` or `presence`. */
	to: string;
	/** Publisher user id, or `server`. */
	from: string;
}

/**
 * Split a topic published under `base` into its route.
 * @returns the route, or `undefined` when the topic is not `{base}/{to}/{from}`.
 */
export function parseTopic(base: string, topic: string): TopicRoute | undefined {
	if (!topic.startsWith(`${base}/`)) return undefined;
	const rest = topic.slice(base.length + 1).split('/');
	if (rest.length !== 2) return undefined;
	const [to, from] = rest as [string, string];
	if (to === '' || from === '') return undefined;
	return {to, from};
}

/**
 * The conversation a message belongs to: `all` for broadcasts, otherwise the two
 * user ids sorted and joined by `:` (ids cannot contain `:`), so both sides agree.
 */
export function conversationIdFor(senderId: string, receiverId: string): string {
	if (receiverId === BROADCAST_ID) return BROADCAST_ID;
	return senderId < receiverId ? `${senderId}:${receiverId}` : `${receiverId}:${senderId}`;
}

/**
 * The other participant of a direct conversation seen from `me`
 * (`all` for the broadcast conversation).
 */
export function peerOf(conversationId: string, me: string): string {
	if (conversationId === BROADCAST_ID) return BROADCAST_ID;
	const [a, b] = conversationId.split(':') as [string, string];
	return a === me ? b : a;
}
