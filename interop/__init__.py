"""The real Better Auth server (server.mjs, Node) and the tests that run the API against it (README.md)."""
