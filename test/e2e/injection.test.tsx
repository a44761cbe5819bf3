// Escape injection end to end through the real chat core and Ink components: every hostile string of
// the corpus arrives as message content, display name, status message, typing name and notice, and
// no frame may contain an escape byte (ESC, BEL, C1), any other control, a bidi control or an
// invisible format character, or a row wider than the terminal. First each pane and overlay on its
// own, then the whole App over a FakeChatPort (events in, keys in; once more with colours on), and
// last the production entry (runTui) in a real pty + terminal emulator, checking the bytes it writes.
import {vi} from 'vitest';

// Colours off before chalk (through Ink) is imported: then any escape byte in a frame can only
// have come from the untrusted text, and nothing has to be stripped (stripping would hide attacks).
// One App test per case turns chalk on and strips exactly SGR (`ESC [ … m`), nothing else.
vi.hoisted(() => {
	process.env.FORCE_COLOR = '0';
});

import chalk from 'chalk';
import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ChatAction} from '../../src/core/actions.js';
import {calculateLayout} from '../../src/core/layout.js';
import {memberRows, recipientRows} from '../../src/core/member-rows.js';
import {chatReducer} from '../../src/core/reducer.js';
import {sanitizeInline} from '../../src/core/sanitize.js';
import {conversationRows, openThreadWindow, switcherMatches, threadTitle, typingLine} from '../../src/core/selectors.js';
import {initialState, type ChatState} from '../../src/core/state.js';
import {displayWidth} from '../../src/core/text-layout.js';
import type {ChatMessage} from '../../src/core/types.js';
import {conversationIdFor} from '../../src/protocol/index.js';
import {ConversationList} from '../../src/tui/conversation-list.js';
import {InfoView} from '../../src/tui/info-view.js';
import {MembersView} from '../../src/tui/members-view.js';
import {StatusBar} from '../../src/tui/status-bar.js';
import {StatusView} from '../../src/tui/status-view.js';
import {Switcher} from '../../src/tui/switcher.js';
import {notificationBytes} from '../../src/tui/notify-effect.js';
import {ThreadPane} from '../../src/tui/thread-pane.js';
import {FakeChatPort} from '../helpers/fake-port.js';
import {startTerminal} from '../helpers/terminal.js';
import {KEYS, renderApp, type Harness} from '../tui/harness.js';
import {ESCAPE_BYTES, INJECTION_CORPUS, UNSAFE_ON_SCREEN, type InjectionCase} from '../fixtures/injection-corpus.js';
import {composerOf, screenWhere} from './chat-screen.js';

const COLUMNS = 100;
const ROWS = 30;
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ME = {userId: 'alice', name: 'Alice'};
const PEER = 'mallory';
const CONVERSATION = conversationIdFor(ME.userId, PEER);

function message(id: string, senderId: string, senderName: string, receiverId: string, content: string): ChatMessage {
	return {
		messageId: id,
		messageType: 'text',
		senderId,
		senderName,
		receiverId,
		conversationId: conversationIdFor(senderId, receiverId),
		content,
		createdAt: NOW - 60_000,
		status: senderId === ME.userId ? 'delivered' : 'received_by_server',
	};
}

/** The chat state after a hostile peer named `text` sent `text`, set it as status and is typing. */
function hostileState(text: string): ChatState {
	const fromPeer = message('m-in', PEER, text, ME.userId, text);
	const mine = message('m-out', ME.userId, ME.name, PEER, text);
	const actions: ChatAction[] = [
		{type: 'clock-ticked', now: NOW},
		{type: 'connection-changed', service: 'broker', state: 'up'},
		{type: 'presence-changed', presences: [{userId: PEER, name: text, state: 'online', statusMessage: text, at: NOW}]},
		{type: 'conversations-loaded', conversations: [{conversationId: CONVERSATION, peerId: PEER, title: text, kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 1, lastMessage: {senderId: PEER, senderName: PEER, messageType: 'text' as const, content: text, createdAt: NOW}, lastActivityAt: NOW}]},
		{type: 'conversation-opened', conversationId: CONVERSATION, name: text},
		{type: 'history-loaded', conversationId: CONVERSATION, messages: [mine, fromPeer], mode: 'latest', hasMore: false},
		{type: 'messages-received', messages: [message('m-in-2', PEER, text, ME.userId, `${text}\nsecond line ${text}`)]},
		{type: 'typing-changed', userId: PEER, name: text, conversationId: CONVERSATION, isTyping: true, at: NOW},
		{type: 'notice', level: 'error', text: `unknown user ${text}`},
	];
	return actions.reduce(chatReducer, initialState({userId: ME.userId, name: text}, {viewport: {columns: COLUMNS, rows: ROWS}}));
}

const ROOM = 'room-hostile';

/** {@link hostileState}, then a room titled `text` with topic `text` opened: a system line, a member named `text`. */
function hostileRoomState(text: string): ChatState {
	const system: ChatMessage = {
		...message('m-sys', PEER, text, ROOM, `${text} created "${text}"`),
		conversationId: ROOM,
		messageType: 'system',
		event: {action: 'create', userIds: [ME.userId], title: text, topic: text},
		seq: 1,
	};
	const said: ChatMessage = {...message('m-room', PEER, text, ROOM, text), conversationId: ROOM, seq: 2};
	const mine: ChatMessage = {...message('m-room-mine', ME.userId, ME.name, ROOM, text), conversationId: ROOM, seq: 3};
	const summary = {conversationId: ROOM, kind: 'group' as const, title: text, topic: text, memberCount: 2, isMuted: false, unread: 1, lastActivityAt: NOW, lastMessage: {senderId: PEER, senderName: text, content: text, createdAt: NOW, messageType: 'text' as const}};
	const member = (userId: string, name: string) => ({userId, name, role: 'admin' as const, joinedAt: NOW, isMuted: true, lastReadSeq: 0});
	const actions: ChatAction[] = [
		{type: 'conversations-loaded', conversations: [summary]},
		{type: 'conversation-opened', conversationId: ROOM},
		{type: 'history-loaded', conversationId: ROOM, messages: [system, said, mine], mode: 'latest', hasMore: false},
		{type: 'members-loaded', conversationId: ROOM, members: [member(ME.userId, text), member(PEER, text)]},
		{type: 'typing-changed', userId: 'carol', name: text, conversationId: ROOM, isTyping: true, at: NOW},
		{type: 'typing-changed', userId: PEER, name: text, conversationId: ROOM, isTyping: true, at: NOW},
	];
	return actions.reduce(chatReducer, hostileState(text));
}

/** The panes as the app lays them out (list | thread over status bar), from selectors only. */
function Screen({state}: {state: ChatState}) {
	const layout = calculateLayout(state.viewport.columns, state.viewport.rows);
	const id = state.openConversationId;
	return (
		<Box flexDirection="column" width={layout.columns}>
			<Box>
				<ConversationList rows={conversationRows(state)} width={layout.listWidth} height={layout.threadBoxRows} isFocused />
				<ThreadPane
					title={id ? threadTitle(state) : ''}
					rows={openThreadWindow(state).rows}
					typing={typingLine(state, id)}
					width={layout.threadWidth}
					height={layout.threadBoxRows}
					rowCount={layout.threadRows}
					isFocused={false}
				/>
			</Box>
			<StatusBar me={state.me} broker={state.broker} database={state.database} {...(state.notice ? {notice: state.notice} : {})} width={layout.columns} />
		</Box>
	);
}

/** Every frame Ink wrote (not only the last), so a transient escape cannot slip through. */
function allFrames(element: React.ReactElement): string[] {
	const instance = render(element);
	const frames = [...instance.frames];
	instance.unmount();
	return frames;
}

/** No frame holds a control, bidi or invisible format character, nor a row wider than `width`. */
function expectSafe(frames: readonly string[], width = COLUMNS): void {
	expect(frames.length).toBeGreaterThan(0);
	for (const frame of frames) {
		const hit = UNSAFE_ON_SCREEN.exec(frame);
		expect(hit, hit ? `unsafe character U+${hit[0].codePointAt(0)!.toString(16)} at ${hit.index}: ${JSON.stringify(frame.slice(Math.max(0, hit.index - 20), hit.index + 20))}` : '').toBeNull();
		for (const line of frame.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(width);
	}
}

/** A few visible graphemes of what the sanitizer makes of `text`, to prove the text was rendered. */
function visibleSample(text: string): string {
	const graphemes = [...new Intl.Segmenter().segment(sanitizeInline(text).normalize('NFC'))].map((s) => s.segment);
	return graphemes.slice(0, 3).join('');
}

describe('colours are really off (otherwise the checks below would be void)', () => {
	it('renders <Text color> without SGR codes', () => {
		const {lastFrame, unmount} = render(<Text color="red" bold>plain</Text>);
		expect(lastFrame()).toBe('plain');
		unmount();
	});

	it('an unsanitized escape in a component would be caught', () => {
		const {lastFrame, unmount} = render(<Text>{'a\x1b]0;x\x07b'}</Text>);
		expect(ESCAPE_BYTES.test(lastFrame() ?? '')).toBe(true);
		unmount();
	});
});

describe.each(INJECTION_CORPUS.map((c) => [c.name, c] as const))('injection case %s', (_name, corpus: InjectionCase) => {
	const state = hostileState(corpus.text);

	it('main screen (list, thread, typing line, status bar) stays free of escapes and within width', () => {
		const frames = allFrames(<Screen state={state} />);
		expectSafe(frames);
		const sample = visibleSample(corpus.text);
		if (sample.trim() !== '') expect(frames.at(-1)!.normalize('NFC')).toContain(sample);
	});

	it('rooms: list entry, header with topic, system line and members overlay', () => {
		const room = hostileRoomState(corpus.text);
		const frames = allFrames(<Screen state={room} />);
		expectSafe(frames);
		const last = frames.at(-1)!;
		expect(last).toContain('# ');
		const sample = visibleSample(corpus.text);
		if (sample.trim() !== '') expect(last.normalize('NFC')).toContain(sample);
		expectSafe(allFrames(<MembersView title={sanitizeInline(`#${corpus.text}`)} members={memberRows(room, ROOM)!} width={80} height={10} />), 80);
	});

	it('switcher overlay', () => {
		const matches = switcherMatches(state, '');
		expect(matches.length).toBeGreaterThan(0);
		expectSafe(allFrames(<Switcher query={corpus.text} matches={matches} index={0} width={60} height={12} />), 60);
	});

	it('message info and /status views', () => {
		const mine = message('m-out', ME.userId, ME.name, PEER, corpus.text);
		const receipts = [{messageId: 'm-out', status: 'read' as const, userId: corpus.text, at: NOW}];
		const recipients = recipientRows(state, mine, receipts);
		expectSafe(allFrames(<InfoView message={mine} receipts={receipts} recipients={recipients} to={sanitizeInline(corpus.text)} timeZone="UTC" width={80} height={10} />), 80);
		expectSafe(allFrames(<StatusView reports={[{message: mine, receipts}]} now={NOW} timeZone="UTC" width={80} height={10} />), 80);
	});
});

/** BEL, or OSC 777 notify with exactly two clean fields; nothing else. */
const CLEAN_NOTIFICATION = /^(?:\x07|\x1b\]777;notify;[^\u0000-\u001f\u007f-\u009f;]*;[^\u0000-\u001f\u007f-\u009f;]*\x07)+$/u;

/**
 * Known bugs, tracked as expected failures so that a fix turns them red (then delete the entry):
 * - Ink 6.8 crashes in useInput (TypeError: reading 'startsWith' of undefined) on a CSI sequence with
 *   a Ctrl modifier it cannot name (`ESC [ 8 m`, `ESC [ 5 L`, `ESC [ 6 n`; also Ctrl+F1 `ESC [ 1 ; 5 P`).
 *   vadimdemedes/ink#901, fixed by ink#902 in Ink 7 only.
 */
const PASTE_BUGS: ReadonlyMap<string, string> = new Map([
	['csi-sgr-hide', 'ink#901 crash'],
	['csi-scroll-region', 'ink#901 crash'],
	['query-da-dsr', 'ink#901 crash'],
]);

/** Renders the App (test/tui/harness), delivers hostile events from the peer and opens the conversation. */
async function openHostileConversation(text: string): Promise<Harness> {
	const port = new FakeChatPort({userId: ME.userId, name: ME.name});
	const app = renderApp({notify: {mode: 'both'}, now: () => NOW}, port);
	const incoming = message('m-in', PEER, text, ME.userId, `${text}\nTHREAD-END`);
	port.emit(
		{type: 'clock-ticked', now: NOW},
		{type: 'connection-changed', service: 'broker', state: 'up'},
		{type: 'presence-changed', presences: [{userId: PEER, name: text, state: 'online', statusMessage: text, at: NOW}]},
		{type: 'messages-received', messages: [incoming]},
		{type: 'typing-changed', userId: PEER, name: text, conversationId: CONVERSATION, isTyping: true, at: NOW},
		{type: 'notice', level: 'error', text: `unknown user ${text}`},
	);
	await app.waitFor((f) => f.includes('unknown user') && f.includes('typing'), 'the hostile conversation listed');
	await app.press(KEYS.enter);
	await app.waitFor((f) => !f.includes('no conversation open'), 'the conversation open');
	port.emit({type: 'history-loaded', conversationId: CONVERSATION, messages: [incoming], mode: 'latest', hasMore: false});
	// Opening lands on the first unread message, at its start; a tall one ends below. To its end as a
	// user would: Esc to the list, Tab to the thread, End; then Tab back to the composer.
	await app.waitFor((f) => f.includes('new messages'), 'the conversation open on its first unread');
	await app.press(KEYS.escape);
	await app.press(KEYS.tab);
	await app.press(KEYS.end);
	await app.waitFor((f) => f.includes('THREAD-END'), 'the hostile message in the thread');
	await app.press(KEYS.tab);
	return app;
}

describe.each(INJECTION_CORPUS.map((c) => [c.name, c] as const))('App with injection case %s', (name, corpus: InjectionCase) => {
	it('no frame of the whole app carries an escape byte; notifications stay framed', async () => {
		const app = await openHostileConversation(corpus.text);
		try {
			expectSafe(app.frames());
			expect(app.notifications.length).toBeGreaterThan(0);
			for (const effect of app.notifications) expect(notificationBytes(effect, 'osc777')).toMatch(CLEAN_NOTIFICATION);
		} finally {
			app.unmount();
		}
	});

	it('with colours on, the only escapes in any frame are our own SGR styling', async () => {
		chalk.level = 1;
		try {
			const app = await openHostileConversation(corpus.text);
			try {
				const frames = app.frames();
				expect(frames.some((f) => f.includes('\x1b['))).toBe(true);
				expectSafe(frames.map((f) => f.replace(/\x1b\[[0-9;]*m/g, '')));
			} finally {
				app.unmount();
			}
		} finally {
			chalk.level = 0;
		}
	});

	// The composer is focused after opening: paste the hostile text there (pastejacking).
	(PASTE_BUGS.has(name) ? it.fails : it)(`pasted into the composer it neither crashes nor leaks an escape byte${PASTE_BUGS.has(name) ? ` (known bug: ${PASTE_BUGS.get(name)})` : ''}`, async () => {
		const app = await openHostileConversation(corpus.text);
		try {
			const before = app.frames().length;
			await app.press(corpus.text.slice(0, 2000));
			await app.waitFor(() => app.frames().length > before, 'a frame after the paste');
			expectSafe(app.frames());
		} finally {
			app.unmount();
		}
	});
});

/**
 * Checks the bytes the TUI wrote to the terminal: Ink's own CSI sequences (SGR, cursor, erase,
 * DEC modes) are fine; no C1 control, no DCS/APC/PM/SOS, and the only OSC strings and BELs are the
 * TUI's own notifications (OSC 777 with two clean fields, BEL).
 */
function expectOnlyOwnEscapes(raw: string): void {
	expect(raw).not.toMatch(/[\u0080-\u009f]/u);
	expect(raw).not.toMatch(/\x1b[P_^X]/);
	const withoutNotifications = raw.replace(/\x1b\]777;notify;[^\u0000-\u001f\u007f-\u009f;]*;[^\u0000-\u001f\u007f-\u009f;]*\x07/gu, '').replace(/\x07/g, '');
	expect(withoutNotifications).not.toContain('\x1b]');
	// Every remaining ESC starts a CSI or a 2-byte ESC sequence Ink uses (ESC 7/8 save/restore cursor).
	for (const match of withoutNotifications.matchAll(/\x1b(.)/g)) expect(['[', '7', '8']).toContain(match[1]);
}

describe('runTui in a real terminal (pty + xterm) with the whole corpus', () => {
	it('the byte check accepts Ink output and notifications, and rejects injected sequences', () => {
		expect(() => expectOnlyOwnEscapes('\x1b[?1049h\x1b[31mred\x1b[39m\x1b[2K\x07\x1b]777;notify;a;b\x07')).not.toThrow();
		for (const injected of ['\x1b]0;t\x07', '\x1b]52;c;eA==\x07', '\x1bP+q\x1b\\', '\x1b_G\x1b\\', '\x9b2J', '\x1bc', '\x1b]777;notify;a;b;c\x07']) {
			expect(() => expectOnlyOwnEscapes(`ok${injected}`), JSON.stringify(injected)).toThrow();
		}
	});

	it('shows hostile text as visible escapes; title, screen mode and clipboard stay untouched', async () => {
		const term = startTerminal({
			command: process.execPath,
			args: ['--import', 'tsx', 'test/fixtures/hostile-tui.ts'],
			cols: 120,
			rows: 36,
			env: {FORCE_COLOR: '1'},
		});
		try {
			await term.waitFor('HOSTILE-READY', 20_000);
			expect(term.isAlternateScreen()).toBe(true);
			expect(term.title()).toBe('');
			expect(term.screen()).toContain('␛[2J');
			expect(term.screen()).toContain('<U+009B>');
			expect(term.output()).toMatch(/\x1b\]777;notify;[^;]*<U\+202E>[^;]*;[^;]*␛\]52,c,eA==[^;]*\x07/u);
			term.press('enter');
			// Opening lands on the first unread message (the corpus is taller than the screen). To the
			// newest as a user would: Esc to the list (wait: Esc then a key at once reads as Alt+key),
			// Tab to the thread, End.
			await term.waitFor('new messages', 20_000);
			term.press('escape');
			await term.waitFor(screenWhere('composer unfocused', (screen) => composerOf(screen)?.isFocused === false), 20_000);
			term.press('tab');
			term.press('end');
			// Lone surrogates, shown in the thread only, and the newest message: one whole frame
			// (a screen read between two writes of one frame can hold the first and not yet the second).
			await term.waitFor(screenWhere('newest page', (s) => s.includes('a\ufffdb\ufffdc\ufffd') && s.includes('THREAD-END')), 20_000);
			expect(term.isAlternateScreen()).toBe(true);
			expect(term.title()).toBe('');
			expectOnlyOwnEscapes(term.output());
			term.press('ctrl-c');
			expect(await term.exited).toEqual({exitCode: 0});
			expect(term.isAlternateScreen()).toBe(false);
		} finally {
			await term.close();
		}
	});
});
