import {describe, expect, it} from 'vitest';
import {commandNames, completeInput, knownPeople} from './completion.js';
import type {EditorLine} from './line-editor.js';
import {initialState} from './state.js';

const people = [
	{userId: 'bob', name: 'Bob Stone'},
	{userId: 'bobby', name: 'Roberta'},
	{userId: 'carol', name: 'Carol'},
];
const at = (value: string, cursor = [...value].length): EditorLine => ({value, cursor});

describe('completeInput', () => {
	it('completes a command name; several matches extend to the common prefix and are listed', () => {
		expect(completeInput(at('/ope'), people)).toEqual({line: at('/open '), choices: []});
		expect(completeInput(at('/b'), people)).toEqual({line: at('/b'), choices: ['/broadcast', '/busy']});
		expect(completeInput(at('/hi'), people).line).toEqual(at('/history '));
		expect(commandNames()).toContain('/editor');
	});

	it('completes user ids in command arguments, from an id or a display name prefix', () => {
		expect(completeInput(at('/open ca'), people).line).toEqual(at('/open carol '));
		expect(completeInput(at('/send rob'), people).line).toEqual(at('/send bobby '));
		expect(completeInput(at('/open bo'), people)).toEqual({line: at('/open bob'), choices: ['bob', 'bobby']});
	});

	it('completes names and ids inside a message, at the cursor, ignoring case', () => {
		expect(completeInput(at('hi CAR'), people).line).toEqual(at('hi Carol '));
		const middle = completeInput(at('hi car and you', 6), people).line;
		expect(middle).toEqual({value: 'hi Carol  and you', cursor: 9});
		expect(completeInput(at('hi zz'), people)).toEqual({line: at('hi zz'), choices: []});
		expect(completeInput(at(''), people)).toEqual({line: at(''), choices: []});
	});

	it('knows conversation peers and anyone seen online, but not me', () => {
		const state = {
			...initialState({userId: 'alice', name: 'Alice'}),
			conversations: {'alice:bob': {conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 0}},
			presence: {
				dave: {userId: 'dave', name: 'Dave', state: 'online' as const, statusMessage: '', at: 0},
				alice: {userId: 'alice', name: 'Alice', state: 'online' as const, statusMessage: '', at: 0},
			},
		};
		expect(knownPeople(state)).toEqual([
			{userId: 'bob', name: 'Bob'},
			{userId: 'dave', name: 'Dave'},
		]);
	});
});

describe('mention completion', () => {
	const people = [{userId: 'bob', name: 'Bob Builder'}, {userId: 'bea', name: 'Beatrice'}, {userId: 'carol', name: 'Carol'}];
	it('completes @ + an id or name prefix to @id', () => {
		expect(completeInput({value: 'hi @car', cursor: 7}, people).line.value).toBe('hi @carol ');
		expect(completeInput({value: 'hi @Beat', cursor: 8}, people).line.value).toBe('hi @bea ');
	});
	it('lists several matches', () => {
		const result = completeInput({value: '@b', cursor: 2}, people);
		expect(result.choices).toEqual(['@bea', '@bob']);
	});
});
