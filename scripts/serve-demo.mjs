// Serves the built demo (examples/browser/dist), or another folder, on 127.0.0.1 and prints its
// address. PORT picks the port (default 8080; 0 for any free one).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.bin': 'application/octet-stream' };

export function serve(port = 8080, root = 'examples/browser/dist') {
  const server = createServer(async (request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        // Cross-origin isolation, so that the page may use shared memory.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serve(Number(process.env.PORT ?? 8080));
  console.log(`webgpu-rbm demo: http://127.0.0.1:${server.address().port}/  (Ctrl-C to stop)`);
}
