import {describe, expect, it} from 'vitest';
import {DEFAULT_ACL_ACCESS, ingesterRole, sharedUserRole, signupRole, userIdOfRole, userRole, userRoleName} from './dynsec-roles.js';

describe('dynamic-security roles', () => {
	it('gives an account its own topics, written out (no %u in Mosquitto 2.0 dynsec ACLs)', () => {
		expect(userRole('chat/messages', 'alice')).toEqual({
			rolename: 'hermes-user-alice',
			acls: [
				{acltype: 'publishClientSend', topic: 'chat/messages/+/alice', allow: true},
				{acltype: 'subscribePattern', topic: 'chat/messages/alice/#', allow: true},
				{acltype: 'unsubscribePattern', topic: 'chat/messages/alice/#', allow: true},
				{acltype: 'publishClientReceive', topic: 'chat/messages/alice/#', allow: true},
			],
		});
		expect(JSON.stringify([userRole('b', 'x'), sharedUserRole('b'), ingesterRole('b', 'g')])).not.toContain('%');
	});

	it('lets every account read broadcasts and presence, and only the ingester join the shared subscription', () => {
		const shared = sharedUserRole('chat/messages').acls.filter((acl) => acl.acltype === 'subscribePattern').map((acl) => acl.topic);
		expect(shared).toEqual(['chat/messages/all/#', 'chat/messages/presence/+']);
		const ingester = ingesterRole('chat/messages', 'hermes-ingest').acls.filter((acl) => acl.acltype === 'subscribePattern').map((acl) => acl.topic);
		expect(ingester).toContain('$share/hermes-ingest/chat/messages/#');
		for (const role of [userRole('chat/messages', 'alice'), sharedUserRole('chat/messages')]) {
			expect(role.acls.some((acl) => acl.topic.startsWith('$share/'))).toBe(false);
		}
	});

	it('denies everything by default and maps role names back to account ids', () => {
		expect(DEFAULT_ACL_ACCESS.every((entry) => !entry.allow)).toBe(true);
		expect(DEFAULT_ACL_ACCESS.map((entry) => entry.acltype)).toEqual(['publishClientSend', 'publishClientReceive', 'subscribe', 'unsubscribe']);
		expect(userIdOfRole(userRoleName('bob.smith'))).toBe('bob.smith');
		expect(userIdOfRole('hermes-user')).toBeUndefined();
		expect(userIdOfRole('hermes-ingester')).toBeUndefined();
	});
});

describe('signupRole', () => {
	it('grants the sign-up channel only: publish the request topic, read the reply topics', () => {
		const role = signupRole('chat/messages');
		expect(role.rolename).toBe('hermes-signup');
		expect(role.acls.filter((acl) => acl.acltype === 'publishClientSend').map((acl) => acl.topic)).toEqual(['chat/messages/signup/request']);
		expect(new Set(role.acls.filter((acl) => acl.acltype !== 'publishClientSend').map((acl) => acl.topic))).toEqual(new Set(['chat/messages/signup/reply/+']));
		expect(role.acls.every((acl) => acl.allow)).toBe(true);
	});
});
