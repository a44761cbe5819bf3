// The counting checker itself: each Jepsen figure counts what it says.
import {describe, expect, it} from 'vitest';
import {countOutcome, messageKey} from './checker.js';

const sent = (id: string, content = `c-${id}`, senderId = 'alice') => ({id, senderId, content});
const key = (id: string) => messageKey('alice', id);

describe('countOutcome', () => {
	it('counts nothing wrong when every published message is stored intact', () => {
		const outcome = countOutcome({published: [sent('1'), sent('2')], acked: [key('1'), key('2')], ackedBeforeFault: [key('1')], stored: [sent('1'), sent('2')]});
		expect(outcome).toEqual({published: 2, acked: 2, stored: 2, lost: 0, duplicated: 0, unexpected: 0, recovered: 1});
	});

	it('counts a missing message, one stored under another author, and the row that took its place', () => {
		const outcome = countOutcome({
			published: [sent('1'), sent('2')],
			acked: [key('1'), key('2')],
			ackedBeforeFault: [],
			stored: [sent('1'), sent('2', 'squat', 'bob')],
		});
		expect(outcome).toMatchObject({lost: 1, unexpected: 1, recovered: 1});
	});

	it('counts the same content stored twice and a receiver reporting a message twice as duplicates', () => {
		const outcome = countOutcome({
			published: [sent('1', 'same'), sent('2', 'other')],
			acked: [],
			ackedBeforeFault: [],
			stored: [sent('1', 'same'), sent('x', 'same'), sent('2', 'other')],
			arrivals: new Map([['1', 2], ['2', 1]]),
		});
		expect(outcome).toMatchObject({duplicated: 2, unexpected: 1, lost: 0});
	});

	it('counts another user\'s row under my id as theirs when they published it, and as unexpected when nobody did', () => {
		const mine = [sent('1'), sent('2')];
		const stored = [sent('1'), sent('2'), sent('1', 'squat', 'bob')];
		expect(countOutcome({published: [...mine, sent('1', 'squat', 'bob')], acked: [], ackedBeforeFault: [], stored})).toMatchObject({lost: 0, unexpected: 0, stored: 3});
		expect(countOutcome({published: mine, acked: [], ackedBeforeFault: [], stored})).toMatchObject({lost: 0, unexpected: 1});
		// The squatter's message stored with other content is lost, and the row is unexpected.
		const altered = [sent('1'), sent('2'), sent('1', 'other', 'bob')];
		expect(countOutcome({published: [...mine, sent('1', 'squat', 'bob')], acked: [], ackedBeforeFault: [], stored: altered})).toMatchObject({lost: 1, unexpected: 1});
	});
});
