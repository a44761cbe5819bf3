// Mosquitto's dynamic-security plugin as an account backend (issue 9). Base-branch placeholder:
// the broker work replaces this file (same exported signature) before it lands.
import {AccountError, type AccountBackend} from '../accounts/backend.js';
import type {Logger} from '../log.js';

/** Where and how to reach the dynamic-security control topic. */
export interface DynsecOptions {
	/** `mqtt://<admin user>:<password>@host:port` of a dynsec admin client (`MQTT_ADMIN_URL`). */
	adminUrl: string;
	/** Chat topic base (`chat/messages`): the ACLs of the `hermes-user` role are written for it. */
	topicBase: string;
	logger: Logger;
}

/**
 * Connect to the broker as the dynsec admin and return the backend.
 * @throws AccountError `unavailable` when the broker cannot be reached or refuses the admin.
 */
export async function createDynsecBackend(_options: DynsecOptions): Promise<AccountBackend> {
	throw new AccountError('unavailable', 'the Mosquitto dynamic-security backend is not built yet');
}
