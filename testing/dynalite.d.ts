declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface Options {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A directory for leveldb; in memory when absent. */
    path?: string;
  }
  export default function dynalite(options?: Options): Server;
}
