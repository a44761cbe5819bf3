// Domain types shared by the chat core, the client facade and the TUI.
// Pure: imports protocol/ only. Times are epoch milliseconds (number) everywhere in core.
import type {ConversationKind, DeliveryStatus, MemberRole, PresenceState, RoomAction} from '../protocol/index.js';

export type {ConversationKind, MemberRole, RoomAction};

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

/**
 * What a `system` message records (protocol v2 `event`): a room action by the message's sender.
 * `userIds`: whom it was about (added, removed, made admin); `promoted`: members the server made
 * admin because the last admin left.
 */
export interface RoomEventInfo {
	action: RoomAction;
	userIds: string[];
	title?: string;
	topic?: string;
	promoted?: string[];
}

/** One chat message as the client knows it. */
export interface ChatMessage {
	messageId: string;
	/** `text`, or `system`: a membership line stored by the server (content is a human line). */
	messageType: 'text' | 'system';
	/** `system` messages: what happened. */
	event?: RoomEventInfo;
	/** Storage order from Postgres (`chat_messages.seq`); undefined until stored / for live copies. */
	seq?: number;
	senderId: string;
	senderName: string;
	/** Hermes column: the peer (direct), `all` (broadcast) or the conversation id (group). */
	receiverId: string;
	/** The conversation (protocol v2 ids: `a:b` direct, `all`, `room-…` group). */
	conversationId: string;
	/** Untrusted text: sanitize before it reaches the terminal. */
	content: string;
	/** Creation time in ms: server storage time when known, else the sender's clock. */
	createdAt: number;
	/** For my own messages: the furthest state reached (never goes backwards). */
	status: LocalStatus;
	/** With status `rejected`: the server's one-line reason (untrusted text: sanitize it). */
	rejectedReason?: string;
	/** A reply: the message it answers (issue 10). */
	replyTo?: ReplyRef;
	/**
	 * Edit version: 0 (or absent) for the original, n after the n-th edit. A copy (live or stored)
	 * with a lower version never replaces one with a higher version.
	 */
	version?: number;
	/** When the latest edit was stored, in ms; present = shown "(edited)". */
	editedAt?: number;
	/** Soft-deleted (ms): `content` is '' and the thread shows "message deleted". Wins over any edit. */
	deletedAt?: number;
	/** Who deleted it (the sender, or a room admin). */
	deletedBy?: string;
	/** Reactions: emoji → the user ids who reacted with it (each at most once). Absent = none. */
	reactions?: Record<string, string[]>;
	/** User ids mentioned with `@id` in the content (see core/mentions.ts), as the server stored them. */
	mentions?: string[];
}

/** What a reply points at: the original message (a message is (sender, message_id)). */
export interface ReplyRef {
	messageId: string;
	senderId: string;
	/** The original's sender name, when known (untrusted). */
	senderName?: string;
	/** The start of the original text, at most 100 characters (untrusted); absent when unknown or deleted. */
	preview?: string;
	/** The original's `seq`, when known (to jump to it). */
	seq?: number;
	/** The original's edit version that {@link ReplyRef.preview} shows (from a history page, or a live edit of it), when edited. */
	version?: number;
	/** The original was deleted (from a history page, or a live delete); there is no preview then. */
	isDeleted?: boolean;
}

/**
 * A change to a stored message, delivered live by the server after it committed it (issue 10).
 * `version` orders edits; a delete is final.
 */
export type MessageChange =
	| {kind: 'edit'; conversationId: string; messageId: string; senderId: string; content: string; version: number; editedAt: number; mentions?: string[]}
	| {kind: 'delete'; conversationId: string; messageId: string; senderId: string; deletedBy: string; deletedAt: number}
	| {kind: 'reaction'; conversationId: string; messageId: string; senderId: string; emoji: string; userId: string; isOn: boolean; at: number};

/** One search result (PostgreSQL full-text search over my conversations). */
export interface SearchHit {
	conversationId: string;
	/** The conversation's title as the list shows it (untrusted). */
	conversationTitle: string;
	messageId: string;
	senderId: string;
	senderName: string;
	seq: number;
	/** ms. */
	createdAt: number;
	/** The message text, or an excerpt of it (untrusted). */
	snippet: string;
	/** Matched ranges in `snippet`: [start, end) UTF-16 offsets, ascending, non-overlapping. */
	matches: Array<[number, number]>;
}

/** A search request: `/search [--in c] [--from u] [--before d] [--after d] words`. */
export interface SearchQuery {
	/** websearch_to_tsquery syntax: words, "quoted phrase", -word, or. 1–200 characters. */
	text: string;
	conversationId?: string;
	fromUserId?: string;
	/** ms bounds on the message time. */
	before?: number;
	after?: number;
	/** At most this many hits (default 50). */
	limit?: number;
}

/**
 * The "while you were away" summary: the first screen of conversations with unread messages and
 * how many there are in all (`total` ≥ `entries.length`: the summary shows at most one screen).
 */
export interface AwaySummary {
	entries: AwayEntry[];
	/** Conversations with unread messages from others, shown or not. */
	total: number;
}

/** One row of the "while you were away" summary: a conversation with unread messages. */
export interface AwayEntry {
	conversationId: string;
	title: string;
	kind: ConversationKind;
	/** Unread messages from others (capped at {@link UNREAD_COUNT_CAP}). */
	unread: number;
	/** Unread messages that mention me. */
	mentions: number;
	/**
	 * The first unread message (content untrusted). `messageType` `system`: a room event line whose
	 * content already names who did it; `isDeleted`: deleted (content ''). Absent: a text message.
	 */
	firstUnread: {seq: number; messageId: string; senderId: string; senderName: string; content: string; createdAt: number; messageType?: ChatMessage['messageType']; isDeleted?: boolean};
	/** Distinct senders of the unread messages, most active first (names, untrusted). */
	senders: string[];
}

/** One stored status transition (a `message_status` row, or a live receipt). */
export interface Receipt {
	messageId: string;
	/** The message's sender (a message is (sender, message_id)); absent in receipts of protocol 1 peers. */
	senderId?: string;
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
	/** Protocol v2 conversation id (`a:b` direct, `all`, `room-…` group). */
	conversationId: string;
	kind: ConversationKind;
	/** What the list shows: the room's title, the other user's name (direct), `everyone` (all). Untrusted. */
	title: string;
	/** Direct conversations: the other user's id. */
	peerId?: string;
	/** Group rooms: the topic ('' when none). Untrusted. */
	topic: string;
	/** Current members (direct: 2; broadcast: 0 = everyone). */
	memberCount: number;
	/** My role (group rooms). */
	role?: MemberRole;
	/** Muted by me: no notifications, unread shown dim. */
	isMuted: boolean;
	/** Messages from others after my read marker, at most {@link UNREAD_COUNT_CAP}. */
	unread: number;
	/**
	 * The newest message (untrusted `content` and `senderName`; `createdAt` in ms), absent when
	 * there is none; `status` is the aggregated tick state when the message is mine.
	 */
	lastMessage?: {messageId?: string; senderId: string; senderName: string; content: string; createdAt: number; messageType: 'text' | 'system'; status?: LocalStatus; /** Its server order, when known (live messages): a later arrival with a lower seq does not replace it. */ seq?: number};
	/** Last activity in ms (0 when none). */
	lastActivityAt: number;
}

/** One member of a conversation, with what the members overlay shows. */
export interface Member {
	userId: string;
	/** Display name (untrusted: sanitize before display). */
	name: string;
	role: MemberRole;
	/** When they joined, in ms. */
	joinedAt: number;
	isMuted: boolean;
	/** Their read marker (`chat_messages.seq`). */
	lastReadSeq: number;
}

/** A change of a group room (protocol v2 `room` payload, minus `create`). */
export type RoomChange =
	| {action: 'invite' | 'kick' | 'op'; userIds: string[]}
	| {action: 'rename'; title: string}
	| {action: 'topic'; topic: string}
	| {action: 'leave' | 'mute' | 'unmute'};

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
			 * page before a date (`/history --before`), `around` replaces it with the page around one
			 * message (`focusSeq`: jump to a reply's original, open a search hit).
			 */
			mode: 'latest' | 'older' | 'before' | 'around';
			/** Whether Postgres holds older messages than the first one given. */
			hasMore: boolean;
			/** `before`/`around`: whether Postgres holds newer messages than the last one given (a gap). */
			hasNewer?: boolean;
			/** `around` only: the seq of the message to select and scroll to. */
			focusSeq?: number;
	  }
	| {type: 'receipts-received'; receipts: Receipt[]}
	/** Edits, deletions and reactions the server committed (issue 10). */
	| {type: 'messages-changed'; changes: MessageChange[]}
	| {type: 'typing-changed'; userId: string; name: string; conversationId: string; isTyping: boolean; at: number}
	| {type: 'presence-changed'; presences: Presence[]}
	/**
	 * My conversation list, or one page of it. Without `hasMore`/`memberOf` it is the whole list:
	 * a room missing from it was left. `hasMore`: a page of a longer list (first page, or a page
	 * loaded while scrolling): more follow (`loadMoreConversations`), and nothing is removed for
	 * missing from it. `memberOf`: the page that ended a walk of the whole list, with every
	 * conversation id the walk saw: a room not among them was left.
	 */
	| {type: 'conversations-loaded'; conversations: ConversationSummary[]; hasMore?: boolean; memberOf?: readonly string[]}
	/** The current members of a conversation (after `loadMembers`, and after every system message). */
	| {type: 'members-loaded'; conversationId: string; members: Member[]}
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
	/**
	 * Send `content` to a conversation (`a:b` direct — created by its first message —, `all`, or a
	 * room I am a member of); emits `message-sent`; retried until ✓ (or ✗ rejected).
	 */
	sendMessage(conversationId: string, content: string, options?: {replyTo?: {messageId: string; senderId: string}}): Promise<void>;
	/**
	 * Replace the text of my message (issue 10); the server stores the new version and delivers a
	 * `messages-changed` edit to every member. Refusals come back as a `notice`.
	 */
	editMessage(conversationId: string, messageId: string, content: string): Promise<void>;
	/** Soft-delete a message (mine, or anyone's in a room where I am admin). */
	deleteMessage(conversationId: string, messageId: string, senderId: string): Promise<void>;
	/** Add (`isOn`) or remove my reaction `emoji` on a message. */
	react(conversationId: string, messageId: string, senderId: string, emoji: string, isOn: boolean): Promise<void>;
	/**
	 * Full-text search over the conversations I am a member of, newest first. Never rejects:
	 * a bad query or an unreachable database resolves `{hits: [], error}` (one line).
	 */
	searchMessages(query: SearchQuery): Promise<{hits: SearchHit[]; error?: string}>;
	/** Load the page around message `seq` of a conversation; emits `history-loaded` (around, with `focusSeq`). */
	loadAround(conversationId: string, seq: number, limit: number): Promise<void>;
	/**
	 * Conversations with unread messages, mentions first then newest ("while you were away"), at
	 * most one screen, and how many have unread in all. Resolves no entries (total 0) when the
	 * database cannot be asked.
	 */
	loadAwaySummary(): Promise<AwaySummary>;
	/** Tell the conversation's other members I am (or stopped) typing. Rate limiting is the caller's job. */
	sendTyping(conversationId: string, isTyping: boolean): void;
	/**
	 * Create a group room titled `title` (1–100 characters) with me as admin and `userIds` as
	 * members; resolves with its id (`room-<uuid>`) once queued (the server confirms it like a
	 * message); refusals (bad title, invalid ids) are `notice` events and resolve undefined.
	 */
	createRoom(title: string, userIds: readonly string[]): Promise<string | undefined>;
	/** Ask the server for a change of a room (rights are checked there; a refusal comes back as ✗ with the reason). */
	changeRoom(conversationId: string, change: RoomChange): Promise<void>;
	/** Load a conversation's current members; emits `members-loaded`. */
	loadMembers(conversationId: string): Promise<void>;
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
	/**
	 * The next page of the conversation list (keyset), when `conversations-loaded` said `hasMore`;
	 * emits `conversations-loaded`. Does nothing when the list is complete or a page is on its way.
	 */
	loadMoreConversations(): Promise<void>;
	/**
	 * One of my conversations by id or room title (any case) from PostgreSQL, for `/open` of a
	 * conversation the list has not loaded yet; emits it as a page of the list (`conversations-loaded`
	 * with `hasMore`) and resolves its id, or undefined when I am in no such conversation.
	 */
	findConversation(name: string): Promise<string | undefined>;
	/** Publish my presence (retained). */
	setPresence(state: 'online' | 'away' | 'busy', statusMessage?: string): void;
	/** My recent messages with their receipts, newest first (for `/status`). */
	recentStatus(limit: number): Promise<MessageStatusReport[]>;
	/** Every stored status transition of one message of `senderId` (for message info: per member delivered/read). */
	messageInfo(messageId: string, senderId?: string): Promise<Receipt[]>;
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
