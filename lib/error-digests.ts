// Digests that server errors carry to the browser's error boundaries. Next replaces a server error's
// message with a generic one in production but keeps a `digest` the error already has, so a boundary
// (app/error.tsx, a client component: this file must stay free of server imports) can tell "briefly
// unavailable" from anything else without seeing the error itself.
export const UNAVAILABLE_DIGEST = "consulta:unavailable";
