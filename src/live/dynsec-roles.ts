// The broker's access rules for hermes-chat as Mosquitto dynamic-security roles (issue 9): the
// same rules as the legacy docker/mosquitto/acl, plus SUBSCRIBE checks. Pure; may import protocol/.
import {BROADCAST_ID, PRESENCE_ID, SERVER_ID, signupReplyFilter, signupRequestTopic} from '../protocol/index.js';

/**
 * One ACL entry of a role, as the plugin's `createRole`/`modifyRole` commands take it
 * (Mosquitto plugins/dynamic-security/README.md). `priority`: higher is checked first.
 */
export interface DynsecAcl {
	acltype:
		| 'publishClientSend'
		| 'publishClientReceive'
		| 'subscribeLiteral'
		| 'subscribePattern'
		| 'unsubscribeLiteral'
		| 'unsubscribePattern';
	topic: string;
	allow: boolean;
	priority?: number;
}

/** A role name and its ACLs. */
export interface DynsecRole {
	rolename: string;
	acls: DynsecAcl[];
}

/** The role every chat account has: broadcasts and presence, which all users read. */
export const SHARED_USER_ROLE = 'hermes-user';
/** The role of the ingester's client: reads all chat traffic, writes inboxes and receipts. */
export const INGESTER_ROLE = 'hermes-ingester';
/** Prefix of the per-account role `hermes-user-<id>` (its own topics, written out literally). */
export const USER_ROLE_PREFIX = `${SHARED_USER_ROLE}-`;

/**
 * What the plugin does when no ACL of a client's roles matches: deny everything — publishing,
 * receiving, subscribing and unsubscribing (the plugin's own default lets any client receive and
 * unsubscribe; it is tightened so that only the roles below grant anything).
 */
export const DEFAULT_ACL_ACCESS = [
	{acltype: 'publishClientSend', allow: false},
	{acltype: 'publishClientReceive', allow: false},
	{acltype: 'subscribe', allow: false},
	{acltype: 'unsubscribe', allow: false},
] as const;

/** `hermes-user-<id>`: the role holding one account's own topics. */
export function userRoleName(userId: string): string {
	return `${USER_ROLE_PREFIX}${userId}`;
}

/** The account id of a `hermes-user-<id>` role name, or undefined for any other role. */
export function userIdOfRole(rolename: string): string | undefined {
	return rolename.startsWith(USER_ROLE_PREFIX) ? rolename.slice(USER_ROLE_PREFIX.length) : undefined;
}

/** Allow subscribing to, unsubscribing from and receiving on `filter` (a subscription filter). */
function readable(filter: string): DynsecAcl[] {
	return [
		{acltype: 'subscribePattern', topic: filter, allow: true},
		{acltype: 'unsubscribePattern', topic: filter, allow: true},
		{acltype: 'publishClientReceive', topic: filter, allow: true},
	];
}

/**
 * `hermes-user-<id>`. Mosquitto 2.0's dynamic-security ACLs have no `%u` substitution (2.0.11
 * treats `%u` literally; test/integration/mosquitto-dynsec.test.ts), so each account gets a role
 * with its id written into the topics:
 * - publish only with itself as the last level, `{base}/+/<id>`: the v2 server topic
 *   `{base}/server/<id>`, v1 `{base}/{to}/<id>` and `{base}/all/<id>`, presence
 *   `{base}/presence/<id>` (also its Last Will). Never a three-level inbox.
 * - read (subscribe, receive) only its inbox: `{base}/<id>/#` (v1 `{base}/<id>/+`, v2
 *   `{base}/<id>/server/inbox`).
 * `userId` must be a valid chat user id (protocol isValidUserId: no `+ # /`).
 */
export function userRole(topicBase: string, userId: string): DynsecRole {
	return {
		rolename: userRoleName(userId),
		acls: [{acltype: 'publishClientSend', topic: `${topicBase}/+/${userId}`, allow: true}, ...readable(`${topicBase}/${userId}/#`)],
	};
}

/**
 * `hermes-user`: what every account reads — the broadcasts (`{base}/all/#`: v1 `{base}/all/+`,
 * v2 `{base}/all/server/inbox`) and everybody's retained presence (`{base}/presence/+`).
 */
export function sharedUserRole(topicBase: string): DynsecRole {
	return {
		rolename: SHARED_USER_ROLE,
		acls: [...readable(`${topicBase}/${BROADCAST_ID}/#`), ...readable(`${topicBase}/${PRESENCE_ID}/+`)],
	};
}

/**
 * `hermes-ingester`: the only role that may join the shared subscription
 * (`$share/<group>/{base}/#`: Mosquitto 2.0 checks a shared subscription's whole filter,
 * `$share/<group>/` included, so no other role's pattern matches it) and write anywhere under
 * `{base}` (inboxes, receipts as `server`). It also subscribes plainly under `{base}` (its drain
 * barrier on `{base}/<its id>/server/drain`, and brokers without shared subscriptions). It never
 * receives the version 1 receipts on `{base}/+/server` (its own ✓ and ✗, which its two-level
 * subscription matches and No Local cannot exclude on a shared subscription): the deny, checked
 * first, makes Mosquitto drop them instead of sending them to an ingester that would only
 * drop them (issue 12).
 */
export function ingesterRole(topicBase: string, sharedGroup: string): DynsecRole {
	return {
		rolename: INGESTER_ROLE,
		acls: [
			{acltype: 'publishClientReceive', topic: `${topicBase}/+/${SERVER_ID}`, allow: false, priority: 1},
			{acltype: 'publishClientSend', topic: `${topicBase}/#`, allow: true},
			...readable(`${topicBase}/#`),
			{acltype: 'subscribePattern', topic: `$share/${sharedGroup}/${topicBase}/#`, allow: true},
			{acltype: 'unsubscribePattern', topic: `$share/${sharedGroup}/${topicBase}/#`, allow: true},
		],
	};
}

/** The role of the sign-up client: the sign-up channel and nothing else. */
export const SIGNUP_ROLE = 'hermes-signup';
/** The broker client whose password the operator publishes to would-be users (never an account). */
export const SIGNUP_USERNAME = 'signup';

/**
 * `hermes-signup` (protocol/signup.ts): publish only `{base}/signup/request` (literally: a
 * `subscribePattern`-free publish ACL has no wildcard), read only `{base}/signup/reply/+`.
 * Nothing else — not the broadcasts, presence or any inbox (default access denies the rest).
 */
export function signupRole(topicBase: string): DynsecRole {
	return {
		rolename: SIGNUP_ROLE,
		acls: [{acltype: 'publishClientSend', topic: signupRequestTopic(topicBase), allow: true}, ...readable(signupReplyFilter(topicBase))],
	};
}
