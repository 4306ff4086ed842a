import type { Server } from 'node:http';
/** Serves `root` (default: the built demo) on 127.0.0.1 with cross-origin isolation. */
export function serve(port?: number, root?: string): Promise<Server>;
