/**
 * The one table of error codes. Every SeedbankError names a code from here; the code decides
 * the exit status at the CLI edge, the HTTP status at the catalogue's edge and the default
 * hint. A misspelt code is a compile error, and nothing outside the two edges picks a status.
 */

/**
 * Process exit statuses, after BSD sysexits.h so service managers can tell "fix the
 * configuration" (no restart) from "try again later" (restart).
 */
export const EXIT = {
  /** The command ran and reports a failure it found (restore incomplete, drill failed). */
  FAILED: 1,
  /** The command line was wrong: a missing or malformed option or argument. */
  USAGE: 64,
  /** Input data was malformed or did not verify (recipe, manifest, torrent, signature). */
  DATA: 65,
  /** Something named does not exist: a file, a set, a version, a volume. */
  NO_INPUT: 66,
  /** A service we need did not answer usefully: catalogue, wiki, peers, a port. */
  UNAVAILABLE: 69,
  /** A bug in Seedbank. */
  SOFTWARE: 70,
  /** An output could not be created: no room under the quota, a folder not ours. */
  CANT_CREATE: 73,
  /** Reading or writing local files failed (disk full, unreadable file). */
  IO: 74,
  /** A temporary refusal: running the same command later may succeed. */
  TEMP_FAIL: 75,
  /** A remote party spoke its protocol wrongly. */
  PROTOCOL: 76,
  /** Not allowed: missing or wrong token, a key that is not the set's. */
  NO_PERMISSION: 77,
  /** The configuration (environment, config file) is wrong. */
  CONFIG: 78,
  /** Stopped by Ctrl-C or SIGINT (128 + 2, as shells report it). */
  INTERRUPTED: 130,
} as const;

/**
 * What callers may branch on besides the code itself:
 * - `unavailable`: the other side did not answer usefully; trying later (or another source,
 *   such as the DHT) may work.
 * - `integrity`: data failed a check against what was signed or expected; a security event,
 *   logged at error level with its context.
 * - `internal`: a bug; logged with its stack.
 */
export type ErrorKind = 'unavailable' | 'integrity' | 'internal';

/** One row of the table. */
export interface ErrorSpec {
  /** Exit status of the `seedbank` command that fails with this error. */
  readonly exit: number;
  /** HTTP status when the error crosses the catalogue's HTTP edge. */
  readonly http: number;
  /** One line: what to do; used when the throw site gives no better hint. */
  readonly hint: string;
  readonly kind?: ErrorKind;
}

const { FAILED, USAGE, DATA, NO_INPUT, UNAVAILABLE, SOFTWARE, CANT_CREATE, IO, TEMP_FAIL, PROTOCOL, NO_PERMISSION, CONFIG } = EXIT;

/** Every error code Seedbank uses, in groups; keep a group's codes sharing a prefix. */
export const ERRORS = {
  // Generic
  INTERNAL: { exit: SOFTWARE, http: 500, hint: 'this is a bug in Seedbank: the log has the stack; please report it', kind: 'internal' },
  BAD_REQUEST: { exit: USAGE, http: 400, hint: 'fix the parameter named in the message' },
  NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'check the address; the catalogue serves /api/sets and the pages linked from its home page' },

  // Configuration and command line
  CONFIG_MISSING: { exit: USAGE, http: 500, hint: 'pass the option named in the message, or set its environment variable' },
  CONFIG_INVALID: { exit: CONFIG, http: 500, hint: 'fix the setting named in the message' },
  CONFIG_UNREADABLE: { exit: CONFIG, http: 500, hint: 'check that the configuration file exists and is readable' },
  CONFIG_CONTACT: { exit: CONFIG, http: 500, hint: 'pass --contact with an email address or URL, or set SEEDBANK_CONTACT' },
  CONFIG_USER_AGENT: { exit: CONFIG, http: 500, hint: 'give a contact (email or URL) for the User-Agent, as the Wikimedia User-Agent policy asks' },
  SET_REF_INVALID: { exit: USAGE, http: 400, hint: 'write SET or SET@VERSION, e.g. paris or paris@3' },
  DEMO_DATA_NOT_EMPTY: { exit: CANT_CREATE, http: 409, hint: 'pass --data with an empty or new folder' },

  // Formats: recipes, manifests, keys, signatures, pointers
  RECIPE_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'give the path of a recipe file, such as sets/paris.yaml' },
  RECIPE_SYNTAX: { exit: DATA, http: 400, hint: 'check the indentation and quoting at the position named' },
  RECIPE_INVALID: { exit: DATA, http: 400, hint: 'fix the fields named; see sets/paris.yaml for a complete example' },
  MANIFEST_INVALID: { exit: DATA, http: 400, hint: 'was it written by a newer Seedbank, or edited by hand?' },
  MANIFEST_NOT_CANONICAL: { exit: DATA, http: 400, hint: 'upload the manifest.json the builder wrote, byte for byte' },
  MANIFEST_MISMATCH: { exit: DATA, http: 400, hint: 'upload each version folder under its own set id and version' },
  MANIFEST_UNTRUSTED: { exit: DATA, http: 502, hint: 'the catalogue or the path to it served altered metadata; do not restore from it', kind: 'integrity' },
  PAGES_MISMATCH: { exit: DATA, http: 400, hint: 'upload the pages.xml.gz the builder wrote for this version, unchanged' },
  PART_MISMATCH: { exit: DATA, http: 400, hint: 'upload the lists, pages and changes.ndjson the builder wrote for this split version, unchanged' },
  SIGNATURE_INVALID: { exit: DATA, http: 400, hint: 'the manifest or its signature was altered after the build; upload the files the builder wrote', kind: 'integrity' },
  KEY_INVALID: { exit: DATA, http: 400, hint: 'an ed25519 public key is 64 lower-case hex digits; a key file is the one the builder wrote' },
  KEY_MISMATCH: { exit: NO_PERMISSION, http: 403, hint: 'sign with the set key; if the key was replaced on purpose, run seedbank catalogue rotate-key' },
  SET_KEY_CHANGED: { exit: DATA, http: 409, hint: 'if the set key was rotated on purpose, remove the set from STORAGE/.seedbank/follow.json setKeys', kind: 'integrity' },
  POINTER_INVALID: { exit: DATA, http: 400, hint: 'upload the pointer.json the builder wrote, unchanged' },
  POINTER_MISMATCH: { exit: DATA, http: 400, hint: 'upload the pointer.json of this very version' },
  POINTER_REFUSED: { exit: DATA, http: 502, hint: "the pointer is not signed by the set's key; it was ignored", kind: 'integrity' },
  METADATA_REFUSED: { exit: DATA, http: 502, hint: 'the catalogue or a peer served metadata that does not match the signed pointer', kind: 'integrity' },

  // Torrents
  TORRENT_INVALID: { exit: DATA, http: 400, hint: 'the .torrent file is damaged or was not made by Seedbank' },
  TORRENT_INFO_HASH_MISMATCH: { exit: DATA, http: 502, hint: 'a torrent was served for an info hash it does not have; it was refused, and its source is not to be trusted', kind: 'integrity' },
  TORRENT_MISMATCH: { exit: DATA, http: 400, hint: 'upload the torrents the builder wrote for this version, unchanged' },
  TORRENT_HOSTILE_PATH: { exit: DATA, http: 400, hint: 'refusing a torrent whose file paths could escape or clobber its folder', kind: 'integrity' },
  TORRENT_BAD_INFO_HASH: { exit: DATA, http: 400, hint: 'an info hash is 40 hexadecimal digits' },
  TORRENT_BAD_PATH: { exit: DATA, http: 400, hint: 'volume paths are POSIX, relative to the commons folder, like a/ab/Name.jpg' },
  TORRENT_BAD_PIECE_LENGTH: { exit: DATA, http: 400, hint: 'use a power of two of at least 16 KiB, e.g. 1 MiB (1048576) or 4 MiB (4194304)' },
  TORRENT_BAD_LENGTH: { exit: DATA, http: 400, hint: 'file lengths are whole numbers of bytes' },
  TORRENT_BAD_SHA1: { exit: DATA, http: 400, hint: 'a SHA-1 is 40 hexadecimal digits' },
  TORRENT_BAD_URL: { exit: DATA, http: 400, hint: 'web seed and tracker URLs are absolute http(s) URLs' },
  TORRENT_BAD_DATE: { exit: DATA, http: 400, hint: 'give the creation date as a valid time' },
  TORRENT_EMPTY: { exit: DATA, http: 400, hint: 'a volume holds at least one file' },
  TORRENT_TOO_LARGE: { exit: DATA, http: 400, hint: 'lower the volume size limit of the recipe' },
  TORRENT_REUSE_INVALID: { exit: DATA, http: 400, hint: 'pass the pieces and the file list of the same previous torrent' },
  TORRENT_LENGTH_MISMATCH: { exit: DATA, http: 400, hint: 'the download is incomplete or the file changed; fetch it again' },
  TORRENT_FILE_MISSING: { exit: NO_INPUT, http: 500, hint: 'download the file again or drop it from the volume' },
  TORRENT_FILE_CHANGED: { exit: IO, http: 500, hint: 'a file changed while hashing; build the volume again' },
  TORRENT_READ_FAILED: { exit: IO, http: 500, hint: 'check that the files are readable' },
  TORRENT_HASH_FAILED: { exit: SOFTWARE, http: 500, hint: 'the hash worker failed; the log has the cause', kind: 'internal' },

  // Catalogue: publishing, reading
  TOKEN_MISSING: { exit: NO_PERMISSION, http: 401, hint: 'pass --token (or set SEEDBANK_TOKEN); the operator makes one with seedbank catalogue token create' },
  TOKEN_SCOPE: { exit: NO_PERMISSION, http: 403, hint: 'use a token made for this kind of work (seedbank catalogue token create --scope ...)' },
  CENSUS_LEASE_GONE: { exit: TEMP_FAIL, http: 409, hint: 'the lease expired or the round ended; ask for a new lease' },
  CENSUS_VERDICT_INVALID: { exit: DATA, http: 400, hint: 'post verdicts only for the volumes and peers of the lease, signed with the key given when leasing' },
  CENSUS_WORKER_KEY: { exit: NO_PERMISSION, http: 403, hint: 'a census token is pinned to the first key it leased with; use that key or a new token' },
  CENSUS_WORKERS_OFF: { exit: UNAVAILABLE, http: 503, hint: 'start the catalogue with --census-workers to hand out census work' },
  TOKEN_INVALID: { exit: NO_PERMISSION, http: 401, hint: 'check --token; the operator makes one with seedbank catalogue token create' },
  RATE_LIMITED: { exit: TEMP_FAIL, http: 429, hint: 'wait a minute and try again' },
  CATALOGUE_STARTING: { exit: TEMP_FAIL, http: 503, hint: 'the catalogue is starting; try again in a few seconds', kind: 'unavailable' },
  UPLOAD_TOO_LARGE: { exit: DATA, http: 413, hint: 'upload the files the builder wrote; the limits are in the catalogue configuration' },
  UPLOAD_TOO_MANY_FILES: { exit: DATA, http: 413, hint: 'a version has its manifest, signature, pages, metadata torrent, pointer, preview and one torrent per volume' },
  UPLOAD_NAME_INVALID: { exit: DATA, http: 400, hint: 'upload manifest.json, manifest.sig, pages.xml.gz, metadata.torrent, pointer.json, preview.jpg, volumes/<infohash>.torrent, or a split version\'s changes.ndjson, lists/<infohash>.ndjson and pages/<infohash>.xml.gz' },
  UPLOAD_ABORTED: { exit: TEMP_FAIL, http: 400, hint: 'the connection was cut; publish again' },
  PUBLISH_INCOMPLETE: { exit: DATA, http: 400, hint: 'upload every file of the version, then commit' },
  VERSION_FOLDER_INVALID: { exit: NO_INPUT, http: 400, hint: 'give a version folder such as DATA/sets/paris/v1 (or the set folder DATA/sets/paris)' },
  VERSION_EXISTS: { exit: DATA, http: 409, hint: 'a published version never changes; build a new version instead' },
  VERSION_OUT_OF_ORDER: { exit: DATA, http: 409, hint: 'publish the versions in order, from the first one the catalogue lacks' },
  PARENT_MISMATCH: { exit: DATA, http: 409, hint: 'build the new version from the version published on this catalogue' },
  REPORT_INVALID: { exit: DATA, http: 400, hint: 'the seeder report does not match the API; update the seeder' },
  REPORT_FORMAT_OLD: { exit: DATA, http: 400, hint: 'this catalogue takes signed seeder reports (seedbank-seeder-report/2): update the seeder to the current Seedbank' },
  REPORT_SIGNATURE_INVALID: { exit: NO_PERMISSION, http: 403, hint: 'the report was not signed by the operator key it names; a seeder signs its reports with STORAGE/.seedbank/operator-key' },
  REPORT_CLOCK_SKEW: { exit: TEMP_FAIL, http: 400, hint: "the report's sentAt is too far from the catalogue's clock: set the seeder machine's clock (NTP) and the next poll goes through" },
  REPORT_REPLAYED: { exit: DATA, http: 409, hint: 'a report is accepted once: each poll sends a fresh one with a later sentAt' },
  SET_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'see the list of sets on the catalogue (/api/sets); a set appears with its first publish' },
  VERSION_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'see the versions of the set on the catalogue' },
  VOLUME_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'give the info hash of a volume of a published set' },
  FILE_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'give a title (File:Name.jpg) or a SHA-1' },
  PREVIEW_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'previews are made for sets with images; the set page works without one' },
  NOT_TRACKED: { exit: NO_INPUT, http: 404, hint: 'give the info hash of a torrent this catalogue tracks' },
  NOTHING_PUBLISHED: { exit: NO_INPUT, http: 404, hint: 'publish a set to the catalogue first, or pass the set to use' },
  TAKEDOWN_CORRUPT: { exit: DATA, http: 500, hint: 'restore the takedown list from a backup' },
  TAKEDOWN_NOT_LISTED: { exit: NO_INPUT, http: 404, hint: 'give the SHA-1 of a file on the takedown list' },
  CENSUS_BAD_INPUT: { exit: DATA, http: 400, hint: 'offsets, lengths and piece lengths are non-negative byte counts' },
  CENSUS_BAD_TARGET: { exit: DATA, http: 400, hint: 'build the audit target from parseVolumeTorrent()' },

  // Talking to the catalogue (client side)
  CATALOGUE_UNREACHABLE: { exit: UNAVAILABLE, http: 502, hint: 'check --catalogue and that the catalogue is running', kind: 'unavailable' },
  CATALOGUE_ERROR: { exit: UNAVAILABLE, http: 502, hint: 'the catalogue failed to answer; try again later or tell its operator', kind: 'unavailable' },
  CATALOGUE_NO_PUBLISH_API: { exit: UNAVAILABLE, http: 502, hint: 'is this the URL of a Seedbank catalogue?' },

  // Seeder
  QUOTA_EXCEEDED: { exit: CANT_CREATE, http: 507, hint: 'raise --quota, remove a volume, or host a smaller set' },
  PATH_ESCAPE: { exit: DATA, http: 400, hint: 'refusing to touch anything outside the data or storage folder', kind: 'integrity' },
  STATUS_MISSING: { exit: NO_INPUT, http: 404, hint: 'is a seeder running with this --storage?' },
  STORE_CLOSED: { exit: SOFTWARE, http: 503, hint: 'the seeder is shutting down; the piece is served or written again after a restart' },
  FOLLOW_STATE_INVALID: { exit: DATA, http: 500, hint: 'the version is fetched again from the catalogue or the DHT' },
  VOLUME_TIMEOUT: { exit: TEMP_FAIL, http: 504, hint: 'no peer or web seed gave the missing pieces in time; try again later', kind: 'unavailable' },
  METADATA_TIMEOUT: { exit: UNAVAILABLE, http: 504, hint: 'no peer gave the metadata in time; it is tried again at the next poll', kind: 'unavailable' },
  PEERS_NO_METADATA: { exit: UNAVAILABLE, http: 504, hint: 'no peer gave the torrent; it is tried again at the next poll', kind: 'unavailable' },
  PEER_MALFORMED: { exit: PROTOCOL, http: 400, hint: 'a peer sent malformed data; the connection is dropped' },
  WEB_SEED_FAILED: { exit: UNAVAILABLE, http: 502, hint: 'the web seed did not serve the range; peers and later retries fill in', kind: 'unavailable' },
  DHT_OFF: { exit: UNAVAILABLE, http: 503, hint: 'run the seeder with the DHT on to follow sets without the catalogue' },
  PORT_UNAVAILABLE: { exit: UNAVAILABLE, http: 500, hint: 'pick another --port, or stop the program using it' },

  // Builder and wikis
  BUILD_LOCKED: { exit: TEMP_FAIL, http: 409, hint: 'wait for the other build, or remove its lock file if it is gone' },
  SELECTION_EMPTY: { exit: DATA, http: 400, hint: 'check the categories, region and filters of the recipe against the wiki' },
  SELECTION_UNSUPPORTED: { exit: DATA, http: 400, hint: 'build this recipe from a dump run (--dumps) that holds the table it needs' },
  WIKI_UNREACHABLE: { exit: UNAVAILABLE, http: 502, hint: 'check the wiki API URL of the recipe and the network', kind: 'unavailable' },
  WIKI_ERROR: { exit: UNAVAILABLE, http: 502, hint: 'the wiki failed; try again later', kind: 'unavailable' },
  WIKI_BAD_RESPONSE: { exit: PROTOCOL, http: 502, hint: 'is the URL the api.php of a MediaWiki?' },
  WIKI_BAD_EXPORT: { exit: PROTOCOL, http: 502, hint: 'the wiki must answer Special:Export with MediaWiki XML' },
  WIKI_LAYOUT: { exit: DATA, http: 502, hint: 'the wiki must store uploads in the hashed layout ($wgHashedUploadDirectory = true)' },
  WIKI_UPLOAD_FAILED: { exit: UNAVAILABLE, http: 502, hint: 'the target wiki refused the upload; check its upload limits and run the restore again' },

  // HTTP to wikis and web seeds
  HTTP_BAD_URL: { exit: USAGE, http: 400, hint: 'give an http:// or https:// URL' },
  HTTP_NETWORK: { exit: UNAVAILABLE, http: 502, hint: 'check the network and the URL; run again later', kind: 'unavailable' },
  HTTP_RETRIES_EXHAUSTED: { exit: UNAVAILABLE, http: 502, hint: 'the server is overloaded or rate-limiting; try again later or lower the connection and bandwidth limits', kind: 'unavailable' },
  HTTP_RETRY_AFTER_TOO_LONG: { exit: TEMP_FAIL, http: 503, hint: 'the server asks us to stay away for a long time; run again later', kind: 'unavailable' },
  HTTP_TOO_MANY_REDIRECTS: { exit: PROTOCOL, http: 502, hint: 'the server redirects in a loop; check the URL' },
  DISK_FULL: { exit: IO, http: 507, hint: 'free some disk space (or choose another folder) and run again; partial downloads are kept and resumed' },

  // Dumps
  DUMP_INVALID: { exit: DATA, http: 400, hint: 'give a MediaWiki image table dump (image.sql.gz), header included' },
  DUMP_TRUNCATED: { exit: DATA, http: 400, hint: 'the download may be incomplete; fetch the dump again' },
  DUMP_RUN_NOT_FOUND: { exit: NO_INPUT, http: 400, hint: 'give a folder holding the files of one dump run, named <wiki>-<YYYYMMDD>-<dump> as Wikimedia publishes them' },
  DUMP_RUN_UNFINISHED: { exit: TEMP_FAIL, http: 409, hint: 'wait until the run is marked done (dumpstatus.json or status.txt), or use the previous run' },
  DUMP_UNVERIFIED: { exit: DATA, http: 400, hint: "download the run's md5sums and sha1sums files with its dumps" },
  DUMP_CHECKSUM_MISMATCH: { exit: DATA, http: 400, hint: 'the dump file is damaged or incomplete: download it again', kind: 'integrity' },

  // Outcomes: the command did its work and reports what failed
  RESTORE_NOTHING_MATCHES: { exit: NO_INPUT, http: 404, hint: 'the glob matches whole titles, case-sensitively, e.g. "File:Eiffel*" or "*Tower*"; seedbank copies or the set page shows the titles' },
  CATEGORY_NOT_FOUND: { exit: NO_INPUT, http: 404, hint: 'give a category of the files of a published set, spelt as on the wiki (case matters), without or with "Category:"' },
  STORE_FORMAT_NEWER: { exit: CONFIG, http: 500, hint: 'this catalogue store was written by a newer Seedbank: run that version, or restore the store from a backup made with this one' },
  STORE_MIGRATION_FAILED: { exit: DATA, http: 500, hint: 'the store was left as it was; restore it from a backup, or re-publish the sets into an empty --data folder' },
  CATALOGUE_STORE_MISSING: { exit: NO_INPUT, http: 404, hint: 'check --data (the folder `seedbank serve` uses); pass --init to create a new, empty catalogue store there' },
  RESTORE_INCOMPLETE: { exit: FAILED, http: 500, hint: 'see restore-report.json; run again later or with web seeds to fetch the rest' },
  WIKI_RESTORE_INCOMPLETE: { exit: FAILED, http: 500, hint: 'see into-wiki-report.json' },
  DRILL_FAILED: { exit: FAILED, http: 500, hint: 'see the log above' },
  // Persisted files (shared/fs/read-json.ts).
  FILE_MISSING: { exit: NO_INPUT, http: 500, hint: 'check the path; the file is written on first use' },
  FILE_NOT_JSON: { exit: DATA, http: 500, hint: 'the file is damaged: restore it from a backup or remove it to start afresh' },
  FILE_INVALID: { exit: DATA, http: 500, hint: 'the file is damaged or from another version: restore it from a backup' },
  // The seeder's volume engine.
  VOLUME_STATE_INVALID: { exit: SOFTWARE, http: 500, hint: 'a bug in Seedbank: please report it with the log', kind: 'internal' },
  VOLUME_INCOMPLETE: { exit: UNAVAILABLE, http: 503, hint: 'the volume stopped before it was complete; see seedbank status for its error', kind: 'unavailable' },
  // Approved operators (seedbank catalogue operator ...).
  OPERATORS_CORRUPT: { exit: DATA, http: 500, hint: 'restore DATA/operators.json from a backup, or fix the field named' },
  OPERATOR_KEY_INVALID: { exit: USAGE, http: 400, hint: 'give the operator key as 64 hex digits, as `seedbank status` shows it' },
  OPERATOR_NETWORK_INVALID: { exit: USAGE, http: 400, hint: 'give a network as an address and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/48' },
  OPERATOR_EMPTY: { exit: USAGE, http: 400, hint: 'give an operator key, a --network, or both' },
  OPERATOR_KEY_TAKEN: { exit: DATA, http: 409, hint: 'that key is approved under another name already; remove it first' },
  OPERATOR_NOT_LISTED: { exit: NO_INPUT, http: 404, hint: 'seedbank catalogue operator list shows the approved operators' },
  // Trust and hostile input.
  CATALOGUE_KEY_MISMATCH: { exit: DATA, http: 409, hint: 'the catalogue signs with another key than the one pinned: check --catalogue-key / catalogueKey, or whether someone is in the path', kind: 'integrity' },
  LOOKUP_KEY_TOO_LONG: { exit: USAGE, http: 400, hint: 'look a file up by its title or SHA-1; both are far shorter' },
  // The command line and local input.
  INTERRUPTED: { exit: EXIT.INTERRUPTED, http: 499, hint: 'stopped by Ctrl-C or a signal; run the command again to go on' },
  INPUT_UNREADABLE: { exit: NO_INPUT, http: 400, hint: 'check the path and that the file can be read' },
  STORAGE_UNWRITABLE: { exit: CANT_CREATE, http: 500, hint: 'give a folder this user can create and write, on a disk with room' },
  DUMP_UNREADABLE: { exit: NO_INPUT, http: 400, hint: 'check the dump path and that it can be read (a .sql.gz or .sql file)' },
} as const satisfies Record<string, ErrorSpec>;

/** A code from the table. */
export type ErrorCode = keyof typeof ERRORS;

/** The table row of a code, typed with every optional field. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return (ERRORS as Record<ErrorCode, ErrorSpec>)[code];
}

/** True when a string (from the wire, a worker, a file) is a code of the table. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}
