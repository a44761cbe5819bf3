// Escape injection end to end through the real chat core and Ink components: every hostile string of
// the corpus arrives as message content, display name, status message, typing name and notice, and
// no frame may contain an escape byte (ESC, BEL, C1) or a row wider than the terminal.
import {vi} from 'vitest';

// Colours off before chalk (through Ink) is imported: then any escape byte in a frame can only
// have come from the untrusted text, and nothing has to be stripped (stripping would hide attacks).
vi.hoisted(() => {
	process.env.FORCE_COLOR = '0';
});

import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ChatAction} from '../../src/core/actions.js';
import {calculateLayout} from '../../src/core/layout.js';
import {chatReducer} from '../../src/core/reducer.js';
import {sanitizeInline} from '../../src/core/sanitize.js';
import {conversationRows, openThreadWindow, peerName, switcherMatches, typingLine} from '../../src/core/selectors.js';
import {initialState, type ChatState} from '../../src/core/state.js';
import {displayWidth} from '../../src/core/text-layout.js';
import type {ChatMessage} from '../../src/core/types.js';
import {conversationIdFor} from '../../src/protocol/index.js';
import {ConversationList} from '../../src/tui/conversation-list.js';
import {InfoView} from '../../src/tui/info-view.js';
import {StatusBar} from '../../src/tui/status-bar.js';
import {StatusView} from '../../src/tui/status-view.js';
import {Switcher} from '../../src/tui/switcher.js';
import {ThreadPane} from '../../src/tui/thread-pane.js';
import {ESCAPE_BYTES, INJECTION_CORPUS, type InjectionCase} from '../fixtures/injection-corpus.js';

const COLUMNS = 100;
const ROWS = 30;
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ME = {userId: 'alice', name: 'Alice'};
const PEER = 'mallory';
const CONVERSATION = conversationIdFor(ME.userId, PEER);

function message(id: string, senderId: string, senderName: string, receiverId: string, content: string): ChatMessage {
	return {
		messageId: id,
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
		{type: 'conversations-loaded', conversations: [{conversationId: CONVERSATION, peerId: PEER, peerName: text, unread: 1, lastMessage: {senderId: PEER, content: text, createdAt: NOW}, lastActivityAt: NOW}]},
		{type: 'conversation-opened', conversationId: CONVERSATION, peerName: text},
		{type: 'history-loaded', conversationId: CONVERSATION, messages: [mine, fromPeer], mode: 'latest', hasMore: false},
		{type: 'messages-received', messages: [message('m-in-2', PEER, text, ME.userId, `${text}\nsecond line ${text}`)]},
		{type: 'typing-changed', userId: PEER, name: text, conversationId: CONVERSATION, isTyping: true, at: NOW},
		{type: 'notice', level: 'error', text: `unknown user ${text}`},
	];
	return actions.reduce(chatReducer, initialState({userId: ME.userId, name: text}, {viewport: {columns: COLUMNS, rows: ROWS}}));
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
					title={id ? sanitizeInline(peerName(state, id)) : ''}
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

function expectSafe(frames: readonly string[], width = COLUMNS): void {
	expect(frames.length).toBeGreaterThan(0);
	for (const frame of frames) {
		const hit = ESCAPE_BYTES.exec(frame);
		expect(hit, hit ? `escape byte U+${hit[0].codePointAt(0)!.toString(16)} at ${hit.index}: ${JSON.stringify(frame.slice(Math.max(0, hit.index - 20), hit.index + 20))}` : '').toBeNull();
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

	it('switcher overlay', () => {
		const matches = switcherMatches(state, '');
		expect(matches.length).toBeGreaterThan(0);
		expectSafe(allFrames(<Switcher query={corpus.text} matches={matches} index={0} width={60} height={12} />), 60);
	});

	it('message info and /status views', () => {
		const mine = message('m-out', ME.userId, ME.name, PEER, corpus.text);
		const receipts = [{messageId: 'm-out', status: 'read' as const, userId: corpus.text, at: NOW}];
		expectSafe(allFrames(<InfoView message={mine} receipts={receipts} width={80} height={10} />), 80);
		expectSafe(allFrames(<StatusView reports={[{message: mine, receipts}]} now={NOW} width={80} height={10} />), 80);
	});
});
