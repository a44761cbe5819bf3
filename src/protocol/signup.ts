// Self sign-up over MQTT (issue 9): the request a would-be user publishes as the broker client
// `signup`, and the ingester's reply. Versioned JSON payloads checked with zod, as the rest of the
// protocol (docs/protocol.md "Sign-up"). Pure: imports zod and protocol/ only.
import {z} from 'zod';
import {SIGNUP_LEVEL} from './topics.js';

/** Topic level that holds the sign-up channel: `{base}/signup/…`; never a user id (RESERVED_IDS). */
export const SIGNUP_ID = SIGNUP_LEVEL;
/** Version of the sign-up payloads. */
export const SIGNUP_VERSION = 1;
/** Largest sign-up request, in bytes (an id of 64 and a password of at most 1024 bytes fit). */
export const MAX_SIGNUP_BYTES = 2_048;
/** A reply id: 16–64 of `A-Z a-z 0-9 _ -` (a random UUID or 16 random bytes in hex fit). */
export const REPLY_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Where requests go: `{base}/signup/request`. */
export function signupRequestTopic(base: string): string {
	return `${base}/${SIGNUP_ID}/request`;
}

/** Where the reply to `replyId` goes: `{base}/signup/reply/{replyId}`. */
export function signupReplyTopic(base: string, replyId: string): string {
	return `${base}/${SIGNUP_ID}/reply/${replyId}`;
}

/** What the `signup` client may subscribe to: `{base}/signup/reply/+`. */
export function signupReplyFilter(base: string): string {
	return `${base}/${SIGNUP_ID}/reply/+`;
}

const requestSchema = z.strictObject({
	v: z.literal(SIGNUP_VERSION),
	reply_id: z.string().regex(REPLY_ID_PATTERN),
	// Checked by the account rules (store/accounts.ts accountIdProblem, accounts/password.ts), not here,
	// so a refusal can say why; bounded so a request stays small.
	user_id: z.string().max(200),
	password: z.string().max(4_096),
});

/** `{v: 1, reply_id, user_id, password}`: the id and password the would-be user chose. */
export type SignupRequest = z.infer<typeof requestSchema>;

const replySchema = z.discriminatedUnion('ok', [
	z.strictObject({v: z.literal(SIGNUP_VERSION), ok: z.literal(true)}),
	z.strictObject({v: z.literal(SIGNUP_VERSION), ok: z.literal(false), error: z.string().min(1).max(200)}),
]);

/** `{v: 1, ok: true}` (the account exists now) or `{v: 1, ok: false, error}` (one line: why not). Never anything secret. */
export type SignupReply = z.infer<typeof replySchema>;

/** The request as its JSON bytes. */
export function encodeSignupRequest(request: SignupRequest): Buffer {
	return Buffer.from(JSON.stringify(request), 'utf8');
}

/** The reply as its JSON bytes. */
export function encodeSignupReply(reply: SignupReply): Buffer {
	return Buffer.from(JSON.stringify(reply), 'utf8');
}

/** A request's bytes, checked: the request, or one line saying what is wrong. Never throws. */
export function decodeSignupRequest(bytes: Buffer): {ok: true; request: SignupRequest} | {ok: false; error: string} {
	if (bytes.length > MAX_SIGNUP_BYTES) return {ok: false, error: `larger than ${MAX_SIGNUP_BYTES} bytes`};
	const parsed = requestSchema.safeParse(parseJson(bytes));
	return parsed.success ? {ok: true, request: parsed.data} : {ok: false, error: firstIssue(parsed.error)};
}

/** A reply's bytes, checked: the reply, or undefined when they are not one. Never throws. */
export function decodeSignupReply(bytes: Buffer): SignupReply | undefined {
	if (bytes.length > MAX_SIGNUP_BYTES) return undefined;
	const parsed = replySchema.safeParse(parseJson(bytes));
	return parsed.success ? parsed.data : undefined;
}

function parseJson(bytes: Buffer): unknown {
	try {
		return JSON.parse(bytes.toString('utf8'));
	} catch {
		return undefined;
	}
}

function firstIssue(error: z.ZodError): string {
	const issue = error.issues[0];
	return issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'not a sign-up request';
}
