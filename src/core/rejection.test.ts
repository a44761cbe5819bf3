// A message the server refused (✗ and why) and a standing outbox warning, as core state (issue 11).
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import {statusGlyph, statusWords} from './format.js';
import {mergeMessage} from './merge.js';
import {chatReducer} from './reducer.js';
import {findMessage} from './selectors.js';
import {initialState} from './state.js';

const me = {userId: 'alice', name: 'Alice'};
const start = () => initialState(me, {viewport: {columns: 100, rows: 30}});

describe('a rejected message', () => {
	it('shows ✗ and says it was not sent', () => {
		expect(statusGlyph('rejected')).toBe('✗');
		expect(statusWords('rejected')).toBe('refused by the server, not sent');
	});

	it('keeps ✗ and its reason: rejected is final, a late receipt or copy cannot move it', () => {
		const pending = fakeMessage('alice', 'bob', 'a\u0000b', {id: 'm1', status: 'pending'});
		const sent = chatReducer(start(), {type: 'message-sent', message: pending});
		const rejected = chatReducer(sent, {type: 'message-sent', message: {...pending, status: 'rejected', rejectedReason: 'contains a NUL character'}});
		expect(findMessage(rejected, 'm1')).toMatchObject({status: 'rejected', rejectedReason: 'contains a NUL character'});
		const late = chatReducer(rejected, {type: 'message-sent', message: {...pending, status: 'sent'}});
		expect(findMessage(late, 'm1')?.status).toBe('rejected');
		expect(mergeMessage({...pending, status: 'rejected'}, {...pending, status: 'read'}).status).toBe('rejected');
	});
});

describe('the outbox warning', () => {
	it('stays in state until the outbox can be written again, whatever notices come meanwhile', () => {
		const warned = chatReducer(start(), {type: 'outbox-problem-changed', problem: 'outbox not saved (ENOSPC)'});
		expect(warned.outboxProblem).toBe('outbox not saved (ENOSPC)');
		const noticed = chatReducer(warned, {type: 'notice', level: 'info', text: 'something else'});
		expect(noticed.outboxProblem).toBe('outbox not saved (ENOSPC)');
		const resolved = chatReducer(noticed, {type: 'outbox-problem-changed'});
		expect(resolved.outboxProblem).toBeUndefined();
		expect('outboxProblem' in resolved).toBe(false);
	});
});
