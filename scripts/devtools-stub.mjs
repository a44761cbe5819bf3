// Stands in for react-devtools-core in the chat bundle (scripts/bundle-chat.mjs): Ink loads it only
// when DEV=true, and it is not a dependency of hermes-chat.
export default {
	connectToDevTools() {
		throw new Error('React DevTools are not bundled with hermes-chat');
	},
};
