// What the client asks the store about messages it may have reported before (late redeliveries).
// May import pg (via db.ts) only.
import type {Db} from './db.js';

// A client publishes `delivered` for every message it reports, so that row (or `read`) is the
// durable memory of "reported already"; probes message_receipts' (message_id, status, user_id,
// sender_id) unique index (migration 003; the table, not the message_status view of migration
// 008: delivered and read are stored rows only).
const WAS_DELIVERED_TO = `SELECT EXISTS (
	SELECT 1 FROM message_receipts
	WHERE message_id = $1 AND status IN ('delivered', 'read') AND user_id = $3 AND sender_id = $2
) AS seen`;

/**
 * Whether `userId` has a stored `delivered`/`read` receipt for the message (`senderId`, `messageId`).
 * @throws the driver's error.
 */
export async function wasDeliveredTo(db: Db, senderId: string, messageId: string, userId: string): Promise<boolean> {
	const result = await db.query<{seen: boolean}>(WAS_DELIVERED_TO, [messageId, senderId, userId]);
	return result.rows[0]?.seen === true;
}
