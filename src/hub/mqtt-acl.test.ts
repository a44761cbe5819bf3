import {describe, expect, it} from 'vitest';
import {topicRules} from './mqtt-acl.js';

const base = 'chat/messages';
const alice = topicRules('alice', base, 'server');
const owner = topicRules('server', base, 'server');

describe('topicRules (the Mosquitto ACL of docker/mosquitto/acl, plus SUBSCRIBE checks)', () => {
	it('lets a chat user publish only as itself, two levels under the base', () => {
		for (const topic of ['chat/messages/bob/alice', 'chat/messages/all/alice', 'chat/messages/presence/alice', 'chat/messages/server/alice']) {
			expect(alice.mayPublish(topic), topic).toBe(true);
		}
		for (const topic of [
			'chat/messages/alice/bob', // as bob
			'chat/messages/alice/server', // a forged v1 receipt
			'chat/messages/bob/server/inbox', // an inbox
			'chat/messages/alice/server/inbox',
			'chat/messages//alice',
			'chat/messages/x/y/alice',
			'other/base/bob/alice',
			'$SYS/broker/alice',
			'chat/messages/+/alice',
		]) {
			expect(alice.mayPublish(topic), topic).toBe(false);
		}
	});

	it('lets a chat user subscribe only inside its inbox, the broadcasts and presence', () => {
		for (const filter of ['chat/messages/alice/+', 'chat/messages/alice/#', 'chat/messages/alice/server/inbox', 'chat/messages/all/+', 'chat/messages/all/server/inbox', 'chat/messages/presence/+', 'chat/messages/presence/bob']) {
			expect(alice.maySubscribe(filter), filter).toBe(true);
		}
		for (const filter of [
			'#',
			'$SYS/#',
			'chat/#',
			'chat/messages/#',
			'chat/messages/+/+',
			'chat/messages/bob/+',
			'chat/messages/bob/server/inbox',
			'chat/messages/+/server/inbox',
			'chat/messages/presence/#',
			'chat/messages/presence/+/x',
			'$share/hermes-ingest/chat/messages/+/+',
			'$share/g/chat/messages/alice/+',
			'chat/messages/alice#',
		]) {
			expect(alice.maySubscribe(filter), filter).toBe(false);
		}
	});

	it('gives the owner every topic (and the ingesters\' shared subscription) but $SYS', () => {
		expect(owner.mayPublish('chat/messages/bob/server/inbox')).toBe(true);
		expect(owner.mayPublish('other/base/bob/server')).toBe(true);
		expect(owner.maySubscribe('chat/messages/+/+')).toBe(true);
		expect(owner.maySubscribe('$share/hermes-ingest/chat/messages/+/+')).toBe(true);
		expect(owner.maySubscribe('$share/other/chat/messages/+/+')).toBe(false);
		expect(owner.maySubscribe('$SYS/#')).toBe(false);
		expect(owner.mayPublish('$SYS/x')).toBe(false);
		expect(owner.mayPublish('chat/+/x')).toBe(false);
	});

	it('gives an invalid user id nothing', () => {
		for (const user of ['', 'a/b', 'a+b', '#', 'all', 'presence']) {
			const rules = topicRules(user, base, 'server');
			expect(rules.mayPublish(`chat/messages/bob/${user}`)).toBe(false);
			expect(rules.maySubscribe(`chat/messages/${user}/+`)).toBe(false);
		}
	});
});
