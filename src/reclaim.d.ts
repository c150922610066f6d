/** Counts a socket opened or accepted (see {@link reclaimed}). */
export declare function opened(): void;
/**
 * After `code` (a failed native `open` or `accept`): true when it ran out
 * of resources and a full collection closed some unreachable sockets, so
 * the call is worth trying once more. A collection is forced only when
 * sockets were opened since the last one: a server that is simply full
 * (every socket in use) pays for one full GC per episode, not one per
 * failed accept.
 */
export declare function reclaimed(code: number): boolean;
