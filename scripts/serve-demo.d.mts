import type { Server } from 'node:http';

/** Serves the built demo on 127.0.0.1 (port 0: any free port). */
export function serve(port?: number): Promise<Server>;
