// Minimal declarations for libraries that ship no types, limited to what we call.
declare module 'create-torrent' {
  interface CreateTorrentOptions {
    name?: string;
    createdBy?: string;
    creationDate?: Date | number;
    announceList?: string[][];
    urlList?: string[];
    pieceLength?: number;
    private?: boolean;
    comment?: string;
  }
  function createTorrent(
    input: string | string[] | Uint8Array | Uint8Array[],
    opts: CreateTorrentOptions,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void;
  export default createTorrent;
}

declare module 'parse-torrent' {
  function parseTorrent(input: Uint8Array | string): Promise<Record<string, unknown>>;
  export function toMagnetURI(parsed: Record<string, unknown>): string;
  export function toTorrentFile(parsed: Record<string, unknown>): Uint8Array;
  export default parseTorrent;
}
