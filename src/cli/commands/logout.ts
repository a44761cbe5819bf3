// `hermes-chat logout`: forget the saved account password of one user id (account mode).
// Composition root: may import cli/ and protocol/.
import {Command} from 'commander';
import {isValidUserId} from '../../protocol/topics.js';
import {hermesHome} from '../config.js';
import {credentialPath, forgetPassword} from '../credentials.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';

/**
 * The `logout` command: delete `{HERMES_HOME}/credentials/<id>` and say so in one line on stdout
 * (exit 0 also when nothing was saved). The user id is `--user`, else `CHAT_USER_ID`, else the
 * one this OS account chose last, else the only one set up here.
 */
export function logoutCommand(): Command {
	return new Command('logout')
		.description('forget the saved account password of a user id (the next start asks for it)')
		.option('-u, --user <id>', 'user id (env CHAT_USER_ID; default: your last one)')
		.addHelpText(
			'after',
			examples(['hermes-chat logout --user alice', 'hermes-chat logout                 # the user id you chose last']),
		)
		.action(async (flags: {user?: string}) => runLogout(flags));
}

async function runLogout(flags: {user?: string}): Promise<void> {
	const userId = flags.user?.trim() || process.env.CHAT_USER_ID?.trim() || (await defaultUser());
	if (!userId) throw new AbortError('which user id?', 'pass --user <id>');
	if (!isValidUserId(userId)) throw new AbortError(`"${userId}" is not a valid user id`, 'use 1-64 of A-Z a-z 0-9 _ . -');
	const home = hermesHome();
	const wasSaved = await forgetPassword(home, userId);
	process.stdout.write(wasSaved ? `forgot the saved password of ${userId} (${credentialPath(home, userId)})\n` : `no saved password for ${userId}\n`);
}

async function defaultUser(): Promise<string | undefined> {
	// conf is loaded only when needed: `--help` and the other commands start without it (issue 12).
	const {openSettings} = await import('../settings.js');
	const settings = openSettings();
	const known = settings.knownUserIds();
	return settings.lastUser() ?? (known.length === 1 ? known[0] : undefined);
}
