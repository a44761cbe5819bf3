// Issue 10 in a real terminal on the fake port: a reply with its quote, (edited), the deleted
// placeholder, a reaction count that appears and goes with the deleted message, and the search overlay opening a hit in context.
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {bundledFixture, removeBundledFixtures} from '../helpers/fixture-bundle.js';
import {pressAndAwaitFrame as press, startTerminal, type TerminalSession} from '../helpers/terminal.js';

const FIXTURE = 'test/tui/fixtures/run-fake.tsx';
let session: TerminalSession | undefined;
afterEach(async () => {
	await session?.close();
	session = undefined;
});
afterAll(removeBundledFixtures);

const SHIFT_TAB = '\u001b[Z';

describe('message actions in a terminal (issue 10)', () => {
	it('reply with a quote, edit, delete, react, search', async () => {
		session = startTerminal({command: process.execPath, args: [await bundledFixture(FIXTURE)], cols: 100, rows: 30, env: {FORCE_COLOR: '1', FIXTURE_ACTIONS: '1'}});
		const s = session;
		await s.waitFor('broker up', 15_000);
		s.write('\r'); // opens Bob (first in the list)
		// The stored page as drawn: a reaction count, (edited), the placeholder, a reply's quote
		// (one pattern: a screen can be read half drawn).
		await s.waitFor(/shall we ship friday\?\s*│\n│.*🎉 ?2[\s\S]*fixed typo here \(edited\)[\s\S]*message deleted[\s\S]*↳ Bob: shall we ship friday\?[\s\S]*yes, friday/);

		// Shift+Tab to the thread, s selects the newest (Bob's reply), r replies to it.
		await press(s, SHIFT_TAB);
		await press(s, 's');
		s.write('r');
		await s.waitFor('replying to Bob: yes, friday (Esc cancels)');
		s.write('great');
		await s.waitFor('› great');
		s.write('\r');
		await s.waitFor(/^(?![\s\S]*replying to)[\s\S]*↳ Bob: yes, friday[\s\S]*great/);

		// My reply is the newest now: e edits it, the change comes back as (edited).
		await press(s, SHIFT_TAB);
		await press(s, 's');
		s.write('e');
		await s.waitFor('› great');
		s.write(' news');
		await s.waitFor('› great news');
		s.write('\r');
		await s.waitFor('great news (edited)');

		// + then 4 reacts 🎉 to it: the count appears under it.
		await press(s, SHIFT_TAB);
		await press(s, 's');
		s.write('+');
		await s.waitFor('react:[1 👍]');
		s.write('4');
		await s.waitFor(/great news \(edited\)[^\n]*\n[^\n]*🎉 ?1/);
		await s.waitFor(/│ reaction 🎉 sent\s*$/m);

		// d asks, y deletes it: the placeholder replaces the text, its reactions go with it.
		s.write('d');
		await s.waitFor('delete “great news” for everybody? y deletes, n keeps it');
		s.write('y');
		await s.waitFor(/^(?![\s\S]*great news)(?![\s\S]*🎉 ?1)[\s\S]*message deleted[\s\S]*message deleted/);
		expect(s.screen()).toMatch(/🎉 ?2/);

		// Ctrl+F: search, Enter opens the hit in its conversation, around it.
		s.write('\u0006');
		await s.waitFor('Search messages');
		s.write('deploy');
		await s.waitFor('/ deploy');
		s.write('\r');
		await s.waitFor(/1 message, newest first — Enter opens[\s\S]*Carol · Carol · 10:01[\s\S]*the deploy went fine/);
		s.write('\r');
		await s.waitFor(/Carol \(carol\)[\s\S]*before the hit[\s\S]*the deploy went fine/);

		s.write('\u0003');
		expect((await s.exited).exitCode).toBe(0);
		const output = s.output();
		expect(output).toContain('fixture: editMessage [["alice:bob","fake-1","great news"]]');
		expect(output).toContain('fixture: deleteMessage [["alice:bob","fake-1","alice"]]');
		expect(output).toContain('fixture: react [["alice:bob","fake-1","alice","🎉",true]]');
		expect(output).toContain('fixture: loadAround [["alice:carol",70,50]]');
	});
});
