// The conversation list in pages (issue 12): a first page of what fits a screen, then the rest by
// keyset (store/history-people.ts loadConversationPage) as the user scrolls or in the background,
// one page at a time. Knows which conversations the list has shown so far, so a live message in
// one it has not reached yet loads that row (title, unread) instead of a bare placeholder.
// May import store/ and core/ types.
import type {ChatEvent, ConversationSummary} from '../core/types.js';
import type {Db} from '../store/db.js';
import {FIRST_LIST_PAGE, loadConversationPage, loadConversationsById, type ConversationPage, type ListCursor} from '../store/history-people.js';

/** Rows per page after the first (the background walk, a scroll past the end). */
export const MORE_LIST_PAGE = 200;

/** The most rows one page may ask for (store/history-people.ts loadConversationPage). */
const MAX_LIST_PAGE = 1_000;
/** Rows a reload's second page asks for beyond what the old walk had: conversations new since. */
const RELOAD_MARGIN = 20;

/** What a {@link ListWalk} needs of its client. */
export interface ListWalkOptions {
	me: string;
	/** Runs one read on the database (DatabaseLink.run: undefined when it failed, a notice said why). */
	run<T>(what: string, work: (db: Db) => Promise<T>): Promise<T | undefined>;
	/** Emits one `conversations-loaded` to the client's listeners. */
	emit(event: Extract<ChatEvent, {type: 'conversations-loaded'}>): void;
	/** Every row the walk emits, before it is emitted (room membership, presence seeding). */
	onRows(rows: readonly ConversationSummary[], event: Extract<ChatEvent, {type: 'conversations-loaded'}>): void;
	/** Rows of the first page (default {@link FIRST_LIST_PAGE}). */
	firstPage?: number;
	/** Rows of later pages (default {@link MORE_LIST_PAGE}). */
	morePage?: number;
	/** Walk the rest of the list after the first page without being asked (default true); ms before it starts. */
	backgroundAfterMs?: number | false;
}

/**
 * One walk of the list at a time: {@link restart} loads the first page (a reload starts over),
 * {@link more} the next one. Pages of an older walk that arrive late are dropped. A restart after
 * a walk had loaded n rows (a reload: a mute, a room's system line, a catch-up) asks for the
 * first page, then for the rest of those n in one page (up to 1,000 rows), not page by page again:
 * two queries instead of ~6 for 1,000 conversations.
 */
export class ListWalk {
	readonly #options: ListWalkOptions;
	#generation = 0;
	#cursor: ListCursor | undefined;
	/** Conversation ids this walk has emitted (pages, moved rows, rows loaded by id). */
	#seen = new Set<string>();
	#inFlight: Promise<void> | undefined;
	#timer: NodeJS.Timeout | undefined;
	/** Rows the walk before a restart had emitted: the next page asks for up to as many at once. */
	#reloading = 0;

	constructor(options: ListWalkOptions) {
		this.#options = options;
	}

	/** Whether the list has more rows in PostgreSQL than this walk has emitted. */
	get hasMore(): boolean {
		return this.#cursor !== undefined;
	}

	/** Whether the walk has emitted conversation `conversationId` (always true once the list is complete). */
	hasShown(conversationId: string): boolean {
		return this.#cursor === undefined || this.#seen.has(conversationId);
	}

	/**
	 * Load the first page (a new walk); with more to come, the rest follows in the background —
	 * after a reload, as many rows as the old walk had emitted in the next page at once.
	 */
	async restart(): Promise<void> {
		const generation = ++this.#generation;
		this.#stopTimer();
		this.#inFlight = undefined;
		this.#reloading = Math.max(this.#reloading, this.#seen.size);
		const page = await this.#options.run('load conversations', (db) => loadConversationPage(db, this.#options.me, this.#options.firstPage ?? FIRST_LIST_PAGE));
		if (!page || generation !== this.#generation) return;
		this.#seen = new Set();
		this.#cursor = undefined;
		this.#accept(page);
		if (!this.#cursor) this.#reloading = 0;
		const after = this.#options.backgroundAfterMs ?? 0;
		if (this.#cursor && after !== false) this.#timer = setTimeout(() => void this.#walkOn(generation), after);
	}

	/** The next page, if any (resolves when it is emitted; shared while one is on its way). */
	more(): Promise<void> {
		if (!this.#cursor) return Promise.resolve();
		this.#inFlight ??= this.#next().finally(() => (this.#inFlight = undefined));
		return this.#inFlight;
	}

	/** Rows for conversations the walk has not shown (a live message in one, `/open` of one); emits them as a page. */
	async loadById(conversationIds: readonly string[]): Promise<ConversationSummary[]> {
		const generation = this.#generation;
		const rows = await this.#options.run('load conversations', (db) => loadConversationsById(db, this.#options.me, conversationIds));
		if (!rows || rows.length === 0 || generation !== this.#generation) return rows ?? [];
		for (const row of rows) this.#seen.add(row.conversationId);
		this.#emit(rows, {hasMore: this.hasMore});
		return rows;
	}

	/** Stop the background walk (the client closes). */
	stop(): void {
		this.#generation++;
		this.#stopTimer();
	}

	async #walkOn(generation: number): Promise<void> {
		this.#timer = undefined;
		while (this.#cursor && generation === this.#generation) await this.more();
	}

	async #next(): Promise<void> {
		const generation = this.#generation;
		const cursor = this.#cursor;
		const morePage = this.#options.morePage ?? MORE_LIST_PAGE;
		// After a reload, what the old walk had loaded comes back in one page.
		const size = Math.min(MAX_LIST_PAGE, Math.max(morePage, this.#reloading > this.#seen.size ? this.#reloading - this.#seen.size + RELOAD_MARGIN : 0));
		const page = await this.#options.run('load more conversations', (db) => loadConversationPage(db, this.#options.me, size, cursor));
		if (generation !== this.#generation) return;
		// A failed read (database down, a notice said so) ends this walk; the next reload starts over.
		if (!page) return void (this.#cursor = undefined);
		this.#reloading = 0;
		this.#accept(page);
	}

	#accept(page: ConversationPage): void {
		const rows = [...page.moved, ...page.conversations];
		for (const row of rows) this.#seen.add(row.conversationId);
		this.#cursor = page.next;
		// The page that ends the walk knows every conversation of mine: the reducer drops rooms not among them.
		this.#emit(rows, page.next ? {hasMore: true} : {memberOf: [...this.#seen]});
	}

	#emit(rows: ConversationSummary[], extent: {hasMore?: boolean; memberOf?: readonly string[]}): void {
		const event = {type: 'conversations-loaded' as const, conversations: rows, ...(extent.hasMore ? {hasMore: true} : {}), ...(extent.memberOf ? {memberOf: extent.memberOf} : {})};
		this.#options.onRows(rows, event);
		this.#options.emit(event);
	}

	#stopTimer(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}
