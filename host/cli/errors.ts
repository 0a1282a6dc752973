// Errors every subcommand shares. `main` turns a UsageError into one line on stderr and exit
// status 2; kept in its own module so the commands do not import one another for it.
export class UsageError extends Error {}
