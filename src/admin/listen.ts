// Binding an HTTP listener (admin or metrics), with the error an operator can act on:
// which address is taken, which key moves it, where that key lives.
import type { Server } from 'node:http';

export function listen(server: Server, host: string, port: number, key: string, alternative: string, cfgFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(new Error(`${host}:${port} is already in use: set ${key} in ${cfgFile} to a free port (or ${alternative})`));
      } else if (e.code === 'EACCES') {
        reject(new Error(`${host}:${port} cannot be bound (permission denied): set ${key} in ${cfgFile} to a port above 1023`));
      } else {
        reject(new Error(`${host}:${port} cannot be bound (${e.message}): check ${key} in ${cfgFile}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
