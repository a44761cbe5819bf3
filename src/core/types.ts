// Domain types shared by the chat core, the client facade and the TUI.
// Pure: imports protocol/ only. Times are epoch milliseconds (number) everywhere in core.
import type {DeliveryStatus, PresenceState} from '../protocol/index.js';

/** Who I am in the chat. */
export interface Identity {
	/** User id (protocol USER_ID_PATTERN). */
	userId: string;
	/** Display name, 1–100 characters. */
	name: string;
}

/**
 * Local delivery state of one of my messages: `pending` until the broker PUBACKs it;
 * `rejected` (final) when the server said it will never store it (`rejectedReason` says why).
 */
export type LocalStatus = 'pending' | DeliveryStatus | 'rejected';

/** One chat message as the client knows it. */
export interface ChatMessage {
	messageId: string;
	/** Storage order from Postgres (`chat_messages.seq`); undefined until stored / for live copies. */
	seq?: number;
	senderId: string;
	senderName: string;
	/** Recipient user id, or `all` for a broadcast. */
	receiverId: string;
	/** protocol conversationIdFor(senderId, receiverId). */
	conversationId: string;
	/** Untrusted text: sanitize before it reaches the terminal. */
	content: string;
	/** Creation time in ms: server storage time when known, else the sender's clock. */
	createdAt: number;
	/** For my own messages: the furthest state reached (never goes backwards). */
	status: LocalStatus;
	/** With status `rejected`: the server's one-line reason (untrusted text: sanitize it). */
	rejectedReason?: string;
}

/** One stored status transition (a `message_status` row, or a live receipt). */
export interface Receipt {
	messageId: string;
	status: DeliveryStatus;
	/** The user the transition is about (recipient for delivered/read). */
	userId: string;
	/** When, in ms. */
	at: number;
}

/** What I know of another user's presence. */
export interface Presence {
	userId: string;
	name: string;
	state: PresenceState;
	statusMessage: string;
	/** When the state was published (or last seen, from Postgres), in ms. */
	at: number;
}

/**
 * Unread counts loaded from Postgres stop at this many (counting must not scan a
 * 100,000-message backlog); a count at the cap is shown as `1000+`.
 */
export const UNREAD_COUNT_CAP = 1_000;

/** One row of the conversation list as loaded from Postgres. */
export interface ConversationSummary {
	/** protocol conversationIdFor(...) */
	conversationId: string;
	/** The other user (or `all`). */
	peerId: string;
	peerName: string;
	/** Messages from others after my read marker, at most {@link UNREAD_COUNT_CAP}. */
	unread: number;
	/** The newest message (untrusted `content`; `createdAt` in ms), absent when there is none. */
	lastMessage?: {senderId: string; content: string; createdAt: number};
	/** Last activity in ms (0 when none). */
	lastActivityAt: number;
}

/** Someone the server knows (a `chat_users` row): found by the quick switcher. */
export interface KnownUser {
	userId: string;
	/** Display name (untrusted: sanitize before display). */
	name: string;
}

/** Connection state of one backing service, for the status bar. */
export type ServiceState = 'connecting' | 'up' | 'down';

/**
 * Facts the shell reports to the core (past tense). The reducer folds these into
 * ChatState; a burst arrives as one event carrying an array.
 */
export type ChatEvent =
	| {type: 'connection-changed'; service: 'broker' | 'database'; state: ServiceState; detail?: string}
	| {type: 'messages-received'; messages: ChatMessage[]}
	| {type: 'message-sent'; message: ChatMessage}
	| {
			type: 'history-loaded';
			conversationId: string;
			messages: ChatMessage[];
			/**
			 * `latest` replaces the thread, `older` prepends a page, `before` replaces it with the
			 * page before a date (`/history --before`).
			 */
			mode: 'latest' | 'older' | 'before';
			/** Whether Postgres holds older messages than the first one given. */
			hasMore: boolean;
			/** `before` only: whether Postgres holds newer messages than the last one given (a gap). */
			hasNewer?: boolean;
	  }
	| {type: 'receipts-received'; receipts: Receipt[]}
	| {type: 'typing-changed'; userId: string; name: string; conversationId: string; isTyping: boolean; at: number}
	| {type: 'presence-changed'; presences: Presence[]}
	| {type: 'conversations-loaded'; conversations: ConversationSummary[]}
	| {type: 'notice'; level: 'info' | 'error'; text: string}
	/** The outbox file cannot be written (`problem`: one line for the status bar), or can again (no `problem`). */
	| {type: 'outbox-problem-changed'; problem?: string}
	| {type: 'clock-ticked'; now: number};

/** Status of one message of mine, for `/status`. */
export interface MessageStatusReport {
	message: ChatMessage;
	receipts: Receipt[];
}

/**
 * The headless chat client the TUI drives (gomuks-style): requests in, ChatEvents out.
 * Implemented over MQTT + Postgres by client/chat-client.ts; faked in component tests.
 * Request methods never throw for expected failures (broker or database down, unknown
 * user): they report a `notice` event and, where a message is involved, keep it queued.
 */
export interface ChatPort {
	/** Who this client speaks as: my user id and display name. */
	readonly me: Identity;
	/** Register a listener for events; returns the unsubscribe function. */
	subscribe(listener: (event: ChatEvent) => void): () => void;
	/** Send `content` to user `to` (or `all`); emits `message-sent`; retried until ✓. */
	sendMessage(to: string, content: string): Promise<void>;
	/** Tell `to` I am (or stopped) typing. Rate limiting is the caller's job. */
	sendTyping(to: string, isTyping: boolean): void;
	/** Mark these incoming messages read: sends `read` receipts and advances the read marker. */
	markRead(messages: readonly ChatMessage[]): void;
	/** Load the newest `limit` messages of a conversation; emits `history-loaded` (latest). */
	loadLatest(conversationId: string, limit: number): Promise<void>;
	/** Load `limit` messages before `beforeSeq` (keyset); emits `history-loaded` (older). */
	loadOlder(conversationId: string, beforeSeq: number, limit: number): Promise<void>;
	/** Load the `limit` messages before a date (`/history --before`); emits `history-loaded` (before, with `hasNewer`). */
	loadBefore(conversationId: string, before: Date, limit: number): Promise<void>;
	/** Reload the conversation list (with unread counts); emits `conversations-loaded`. */
	loadConversations(): Promise<void>;
	/** Publish my presence (retained). */
	setPresence(state: 'online' | 'away' | 'busy', statusMessage?: string): void;
	/** My recent messages with their receipts, newest first (for `/status`). */
	recentStatus(limit: number): Promise<MessageStatusReport[]>;
	/** Every stored status transition of one message (for message info). */
	messageInfo(messageId: string): Promise<Receipt[]>;
	/**
	 * People the server knows whose id or name contains `query` (case-insensitive; '' = the most
	 * recently seen), prefix matches first, at most `limit`. Resolves `[]` when the database
	 * cannot be asked (a notice says why); never rejects for that.
	 */
	searchUsers(query: string, limit: number): Promise<KnownUser[]>;
	/** Whether a user id has ever been seen by the server (for "unknown user" errors). */
	isKnownUser(userId: string): Promise<boolean>;
	/** Publish offline presence, flush, and close the broker and database connections. */
	close(): Promise<void>;
}
