// Mosquitto's dynamic-security plugin as an account backend (issue 9), and the broker's one-time
// set-up (roles, default ACL access, the ingester's client). live/ may import mqtt, protocol/, accounts/.
import {AccountError, type AccountBackend} from '../accounts/backend.js';
import {passwordProblem} from '../accounts/password.js';
import type {Logger} from '../log.js';
import {isValidUserId, RESERVED_IDS} from '../protocol/index.js';
import {connectDynsecControl, type DynsecCommand, type DynsecControl, type DynsecResponse} from './dynsec-control.js';
import {
	DEFAULT_ACL_ACCESS,
	INGESTER_ROLE,
	SHARED_USER_ROLE,
	SIGNUP_ROLE,
	SIGNUP_USERNAME,
	ingesterRole,
	sharedUserRole,
	signupRole,
	userIdOfRole,
	userRole,
	userRoleName,
	type DynsecRole,
} from './dynsec-roles.js';

/** Where and how to reach the dynamic-security control topic. */
export interface DynsecOptions {
	/** `mqtt://<admin user>:<password>@host:port` of a dynsec admin client (`MQTT_ADMIN_URL`). */
	adminUrl: string;
	/** Chat topic base (`chat/messages`): the ACLs of the `hermes-user` role are written for it. */
	topicBase: string;
	logger: Logger;
	/** The ingester's MQTT username, never a chat account (default `ingester`). */
	ingesterUsername?: string;
	/** How long one command may wait for the plugin's answer, ms (default 5000). */
	timeoutMs?: number;
}

// The plugin's refusals (Mosquitto 2.0 plugins/dynamic-security/*.c), by their text.
const CLIENT_EXISTS = 'Client already exists';
const CLIENT_NOT_FOUND = 'Client not found';
const ROLE_EXISTS = 'Role already exists';
const ROLE_NOT_FOUND = 'Role not found';

/**
 * Connect to the broker as the dynsec admin and return the backend. Each account is a dynsec
 * client named by its user id with two roles: `hermes-user` (broadcasts, presence; made by
 * {@link setupDynsec}) and its own `hermes-user-<id>` (its topics, written out: see
 * dynsec-roles.ts). Only clients holding their `hermes-user-<id>` role are managed: the admin's
 * and the ingester's usernames are `reserved` to every method, any other client is `unknown`.
 * Disabling, and setting a password, kick the account's live connections at once (MQTT 5
 * DISCONNECT 0x98, administrative action; Mosquitto 2.0.11's plugin does both) and refuse a CONNECT
 * with the old state; no broker restart is ever needed.
 * @throws AccountError `unavailable` when the broker cannot be reached or refuses the admin.
 */
export async function createDynsecBackend(options: DynsecOptions): Promise<AccountBackend> {
	const control = await connectDynsecControl({adminUrl: options.adminUrl, timeoutMs: options.timeoutMs});
	const reserved = new Set([control.adminUsername, options.ingesterUsername ?? 'ingester']);
	const {logger, topicBase} = options;

	/** Refuse ids that are not chat user ids, or that name the admin or the ingester. */
	function checkId(userId: string): void {
		if (RESERVED_IDS.has(userId.toLowerCase()) || reserved.has(userId)) {
			throw new AccountError('reserved', `${userId} is reserved on the broker (the admin, the ingester, all, presence, server, signup)`);
		}
		if (!isValidUserId(userId)) {
			// Quoted and printable only: the id came from the operator's input, the line goes to a terminal.
			const shown = JSON.stringify(userId).replace(/[^\x20-\x7e]/g, '?');
			throw new AccountError('invalid', `${shown} is not a user id (1–64 of A-Z a-z 0-9 _ . -)`);
		}
	}

	/** @throws AccountError `unknown` unless `userId` is a chat account of this broker. */
	async function requireAccount(userId: string): Promise<void> {
		checkId(userId);
		const [answer] = await control.run([{command: 'getClient', username: userId}]);
		if (answer?.error === CLIENT_NOT_FOUND) throw new AccountError('unknown', `no account ${userId} on the broker`);
		const roles = (expectOk(answer, 'getClient').data as {client?: {roles?: {rolename?: string}[]}} | undefined)?.client?.roles ?? [];
		if (!roles.some((role) => role.rolename === userRoleName(userId))) {
			throw new AccountError('unknown', `${userId} is a broker client but not a hermes-chat account (no role ${userRoleName(userId)})`);
		}
	}

	return {
		name: 'mosquitto',
		async idProblem(userId) {
			try {
				checkId(userId);
				return undefined;
			} catch (error) {
				return error as AccountError;
			}
		},
		async create(userId, password) {
			checkId(userId);
			checkAccountPassword(password);
			const role = userRole(topicBase, userId);
			// The plugin rewrites its whole file after each change, so the usual case is two changes;
			// a role left by an earlier create that stopped half way is reset to today's rules after.
			const [createdRole, client] = await control.run([
				{command: 'createRole', ...role},
				{command: 'createClient', username: userId, password, roles: [{rolename: role.rolename}, {rolename: SHARED_USER_ROLE}]},
			]);
			if (createdRole?.error === ROLE_EXISTS) {
				const [modified] = await control.run([{command: 'modifyRole', ...role}]);
				expectOk(modified, 'modifyRole');
			} else {
				expectOk(createdRole, 'createRole');
			}
			if (client?.error === CLIENT_EXISTS) throw new AccountError('exists', `${userId} already exists on the broker`);
			if (client?.error === ROLE_NOT_FOUND) {
				throw new AccountError('unavailable', `the broker has no role ${SHARED_USER_ROLE} yet — run \`hermes-chat account setup-broker\` once`);
			}
			expectOk(client, 'createClient');
			logger.info({userId}, 'broker account created');
		},
		async setPassword(userId, password) {
			checkAccountPassword(password);
			await requireAccount(userId);
			const [answer] = await control.run([{command: 'setClientPassword', username: userId, password}]);
			if (answer?.error === CLIENT_NOT_FOUND) throw new AccountError('unknown', `no account ${userId} on the broker`);
			expectOk(answer, 'setClientPassword');
			logger.info({userId}, 'broker password changed');
		},
		async setDisabled(userId, isDisabled) {
			await requireAccount(userId);
			const command = isDisabled ? 'disableClient' : 'enableClient';
			const [answer] = await control.run([{command, username: userId}]);
			if (answer?.error === CLIENT_NOT_FOUND) throw new AccountError('unknown', `no account ${userId} on the broker`);
			expectOk(answer, command);
			logger.info({userId, isDisabled}, isDisabled ? 'broker account disabled (live sessions kicked)' : 'broker account enabled');
		},
		close: () => control.close(),
	};
}

/** Options for {@link setupDynsec}. */
export interface DynsecSetupOptions {
	/** `mqtt://<admin>:<password>@host:port` of the client `mosquitto_ctrl dynsec init` made. */
	adminUrl: string;
	topicBase: string;
	/** The ingesters' shared-subscription group (`hermes-ingest`). */
	sharedGroup: string;
	/** The ingester's MQTT client: created, or given this password and only its role. */
	ingester: {username: string; password: string};
	/**
	 * Self sign-up (protocol/signup.ts): the `signup` client is created (or given this password)
	 * with only the `hermes-signup` role. Absent: the role is still kept current, the client is
	 * left as it is (an operator who stops allowing sign-up disables it with mosquitto_ctrl).
	 */
	signup?: {password: string};
	logger: Logger;
	/** ms per batch of commands (default 5000). */
	timeoutMs?: number;
}

/**
 * Bring the broker's dynamic-security configuration to what hermes-chat needs, idempotently
 * (run it after every upgrade; twice changes nothing):
 * 1. default ACL access: deny publishClientSend, publishClientReceive, subscribe, unsubscribe;
 * 2. roles `hermes-user` and `hermes-ingester`, created or reset to today's ACLs;
 * 3. the ingester's client with that password and exactly the `hermes-ingester` role, enabled;
 *    with `signup`, likewise the client `signup` with the `hermes-signup` role;
 * 4. every account's `hermes-user-<id>` role reset to today's ACLs (a changed topic base).
 * @returns one line per step, for the operator.
 * @throws AccountError `unavailable` (broker, admin, plugin), `reserved` (the ingester's username
 *   is the admin's), `invalid` (empty ingester password); Error when the plugin refuses a command.
 */
export async function setupDynsec(options: DynsecSetupOptions): Promise<string[]> {
	checkPassword(options.ingester.password);
	const control = await connectDynsecControl({adminUrl: options.adminUrl, timeoutMs: options.timeoutMs});
	try {
		const {username, password} = options.ingester;
		if (username === control.adminUsername) throw new AccountError('reserved', `the ingester cannot be the admin (${username})`);
		const lines: string[] = [];
		const [defaults] = await control.run([{command: 'setDefaultACLAccess', acls: DEFAULT_ACL_ACCESS}]);
		expectOk(defaults, 'setDefaultACLAccess');
		lines.push('default ACL access: deny (publish, receive, subscribe, unsubscribe)');
		for (const role of [sharedUserRole(options.topicBase), ingesterRole(options.topicBase, options.sharedGroup), signupRole(options.topicBase)]) {
			lines.push(`role ${role.rolename}: ${await upsertRole(control, role)}`);
		}
		lines.push(await upsertClient(control, username, password, INGESTER_ROLE));
		if (options.signup) {
			checkPassword(options.signup.password);
			lines.push(await upsertClient(control, SIGNUP_USERNAME, options.signup.password, SIGNUP_ROLE));
		}
		const refreshed = await refreshUserRoles(control, options.topicBase);
		lines.push(`account roles refreshed: ${refreshed}`);
		options.logger.info({lines}, 'broker set up');
		return lines;
	} finally {
		await control.close();
	}
}

/** Create client `username` with `password` and exactly `rolename`, or set both and enable it. @returns the operator's line. */
async function upsertClient(control: DynsecControl, username: string, password: string, rolename: string): Promise<string> {
	const [created] = await control.run([{command: 'createClient', username, password, roles: [{rolename}]}]);
	if (created?.error !== CLIENT_EXISTS) {
		expectOk(created, 'createClient');
		return `client ${username}: created with role ${rolename}`;
	}
	const answers = await control.run([
		{command: 'modifyClient', username, password, roles: [{rolename}]},
		{command: 'enableClient', username},
	]);
	answers.forEach((answer, index) => expectOk(answer, index === 0 ? 'modifyClient' : 'enableClient'));
	return `client ${username}: password and role ${rolename} set`;
}

/** Create `role`, or replace its ACLs when it exists. @returns `created` or `updated`. */
async function upsertRole(control: DynsecControl, role: DynsecRole): Promise<'created' | 'updated'> {
	const [created] = await control.run([{command: 'createRole', ...role}]);
	if (created?.error !== ROLE_EXISTS) {
		expectOk(created, 'createRole');
		return 'created';
	}
	const [modified] = await control.run([{command: 'modifyRole', ...role}]);
	expectOk(modified, 'modifyRole');
	return 'updated';
}

/** Reset every `hermes-user-<id>` role to today's ACLs, 100 per publish. @returns how many. */
async function refreshUserRoles(control: DynsecControl, topicBase: string): Promise<number> {
	const [listed] = await control.run([{command: 'listRoles', verbose: false, count: -1, offset: 0}]);
	const names = (expectOk(listed, 'listRoles').data as {roles?: unknown[]} | undefined)?.roles ?? [];
	const userIds = names
		.map((name) => (typeof name === 'string' ? userIdOfRole(name) : undefined))
		.filter((id): id is string => id !== undefined && isValidUserId(id));
	for (let start = 0; start < userIds.length; start += 100) {
		const commands: DynsecCommand[] = userIds.slice(start, start + 100).map((id) => ({command: 'modifyRole', ...userRole(topicBase, id)}));
		for (const answer of await control.run(commands)) expectOk(answer, 'modifyRole');
	}
	return userIds.length;
}

/** `answer` when the plugin accepted the command. @throws Error with the plugin's reason. */
function expectOk(answer: DynsecResponse | undefined, command: string): DynsecResponse {
	if (!answer) throw new Error(`Mosquitto dynamic security: no answer to ${command}`);
	if (answer.error) throw new Error(`Mosquitto dynamic security refused ${command}: ${answer.error}`);
	return answer;
}

/** @throws AccountError `invalid` for an empty password (the plugin would store a client that cannot log in). */
function checkPassword(password: string): void {
	if (password.length === 0) throw new AccountError('invalid', 'the password is empty');
}

/** An account's password follows accounts/password.ts, as on PostgreSQL, so no backend takes one another refuses. */
function checkAccountPassword(password: string): void {
	const problem = passwordProblem(password);
	if (problem) throw new AccountError('invalid', problem);
}
