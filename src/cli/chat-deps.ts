// Everything the chat command needs beyond commander, in one module so that the build can bundle it
// (scripts/bundle-chat.mjs → dist/cli/chat-deps.js): loading Ink, React, mqtt, pg, zod, conf and pino
// as ~800 separate ES modules took most of the chat's start-up (issue 12: first frame). Imported only
// by commands/chat.ts, inside its action. Unbundled (tsx, vitest) it works the same.
// Stays at dist/cli/ (one level under dist/, as hub/daemon.ts is): daemon.ts finds the CLI it spawns
// for the hub at `../cli/main.js` from its own module URL, which inside the bundle is this file's.
export {createChatClient} from '../client/chat-client.js';
export {checkLogin} from '../client/login-check.js';
export {ensureHub, hubStatus} from '../hub/daemon.js';
export {withHubCredentials} from '../hub/hub-secret.js';
export {requestSignup} from '../live/signup-link.js';
export {createLogger} from '../log.js';
export {runTui} from '../tui/run.js';
export {showStartScreen} from '../tui/start-screen.js';
export {askOnTerminal, resolveIdentity} from './identity.js';
export {logIn} from './login.js';
export {askHidden} from './password-prompt.js';
export {DraftSaver, openSettings} from './settings.js';
export {signupBrokerUrl, signUpInteractively} from './signup.js';
