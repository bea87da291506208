// Installing a throwaway MediaWiki: install.php runs once per MediaWiki version (and harness
// settings version, and wiki name); its SQLite files, with a warm localisation cache, are kept
// in os.tmpdir() and copied into each new wiki, whose LocalSettings.php gets its own paths
// and port.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runPhp } from './php-server.ts';

export const MEDIAWIKI_SOURCE = '/usr/share/mediawiki';
/** Bump when the installed state or localSettingsExtra() changes in a way a cached install would miss. */
const HARNESS_SCHEMA = 2;
const DIR_PLACEHOLDER = '@@SEEDBANK_WIKI_DIR@@';

export interface WikiPaths {
  dir: string;
  docRoot: string;
  uploadDir: string;
  settingsFile: string;
  dbDir: string;
}

export function wikiPaths(dir: string): WikiPaths {
  const docRoot = path.join(dir, 'w');
  return {
    dir,
    docRoot,
    uploadDir: path.join(docRoot, 'wikipedia/commons'),
    settingsFile: path.join(dir, 'LocalSettings.php'),
    dbDir: path.join(dir, 'db'),
  };
}

/** Environment for every PHP process of a wiki (web server and maintenance scripts). */
export function wikiEnv(paths: WikiPaths): NodeJS.ProcessEnv {
  // MediaWiki's own files stay where Debian put them ($IP); only the settings are per wiki.
  return { ...process.env, MW_INSTALL_PATH: MEDIAWIKI_SOURCE, MW_CONFIG_FILE: paths.settingsFile };
}

/** Which database a fixture wiki runs on: SQLite for the suite, MariaDB for the dump tests. */
export type WikiDatabase = 'sqlite' | 'mariadb';

export function localSettingsExtra(paths: WikiPaths, port: number, database: WikiDatabase = 'sqlite'): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string of a path is a valid PHP string here
  return `
# ---- Seedbank test harness ----
$wgServer = "http://127.0.0.1:${port}";
$wgCanonicalServer = $wgServer;
$wgEnableUploads = true;
$wgUploadPath = "/wikipedia/commons";
$wgUploadDirectory = ${q(paths.uploadDir)};
$wgHashedUploadDirectory = true;
$wgFileExtensions = [ 'png', 'gif', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'svg', 'pdf', 'ogg', 'oga', 'ogv', 'webm' ];
$wgMaxUploadSize = 4 * 1024 * 1024 * 1024;
$wgEnableBotPasswords = true;
$wgShowExceptionDetails = true;
$wgShowDBErrorBacktrace = true;
$wgJobRunRate = 0;
$wgRateLimits = [];
$wgPasswordAttemptThrottle = [];
$wgEnableEmail = false;
# One cache shared by all processes (web workers and maintenance scripts): nothing stale.
$wgMainCacheType = CACHE_NONE;
$wgMessageCacheType = CACHE_NONE;
$wgSessionCacheType = CACHE_DB;
$wgParserCacheType = CACHE_DB;
# Upload page text keeps "== {{int:filedesc}} ==" like Commons instead of adding "== Summary ==".
$wgForceUIMsgAsContentMsg = [ 'filedesc', 'license-header', 'filestatus', 'filesource' ];
# No image scaler here: no thumbnails are rendered on parse.
$wgUseImageMagick = false;
$wgGenerateThumbnailOnParse = false;
${database === 'sqlite' ? SQLITE_SETTINGS : ''}`;
}

const SQLITE_SETTINGS = `# A throwaway test database: no fsync on commit (several times faster imports on a real disk).
$wgDBservers = [ [
	'host' => '', 'dbname' => $wgDBname, 'user' => '', 'password' => '', 'type' => 'sqlite',
	'load' => 1, 'flags' => DBO_DEFAULT, 'variables' => [ 'synchronous' => 'OFF' ],
] ];
$wgJobTypeConf['default']['server']['variables']['synchronous'] = 'OFF';
$wgObjectCaches[CACHE_DB]['server']['variables']['synchronous'] = 'OFF';
$wgLocalisationCacheConf['storeServer']['variables']['synchronous'] = 'OFF';
`;

export async function makeDocRoot(paths: WikiPaths): Promise<void> {
  await fs.mkdir(paths.docRoot, { recursive: true });
  for (const entry of await fs.readdir(MEDIAWIKI_SOURCE)) {
    if (entry === 'LocalSettings.php' || entry === 'images') continue;
    await fs.symlink(path.join(MEDIAWIKI_SOURCE, entry), path.join(paths.docRoot, entry));
  }
  await fs.mkdir(paths.uploadDir, { recursive: true });
}

export async function mediawikiVersion(): Promise<string> {
  const defines = await fs.readFile(path.join(MEDIAWIKI_SOURCE, 'includes/Defines.php'), 'utf8');
  const version = /define\(\s*'MW_VERSION',\s*'([^']+)'/.exec(defines)?.[1];
  if (!version) throw new Error(`could not read MW_VERSION from ${MEDIAWIKI_SOURCE}/includes/Defines.php`);
  return version;
}

/** Writes LocalSettings.php for `port` from the saved installer output. */
export async function writeLocalSettings(paths: WikiPaths, port: number, database: WikiDatabase = 'sqlite'): Promise<void> {
  const base = await fs.readFile(path.join(paths.dir, 'LocalSettings.installed.php'), 'utf8');
  await fs.writeFile(paths.settingsFile, base + localSettingsExtra(paths, port, database));
}

interface Pristine {
  dir: string;
  adminPassword: string;
}

/** Runs install.php in a staging folder and keeps the result in os.tmpdir(). */
async function buildPristine(cacheDir: string, name: string, adminUser: string): Promise<Pristine> {
  const staging = await fs.mkdtemp(`${cacheDir}.build-`);
  try {
    const paths = wikiPaths(staging);
    await fs.mkdir(paths.dbDir);
    const adminPassword = `seedbank-admin-${randomBytes(16).toString('hex')}`;
    const env = wikiEnv(paths);
    delete env.MW_CONFIG_FILE; // install.php writes the config; it must not exist yet
    await runPhp(
      [
        path.join(MEDIAWIKI_SOURCE, 'maintenance/install.php'),
        '--dbtype', 'sqlite', '--dbpath', paths.dbDir, '--server', 'http://127.0.0.1:1', '--scriptpath', '',
        '--confpath', staging, '--pass', adminPassword, '--skins', 'Vector', '--quiet', name, adminUser,
      ],
      { cwd: staging, env, label: 'php maintenance/install.php' },
    );
    await fs.rename(paths.settingsFile, path.join(staging, 'LocalSettings.installed.php'));
    await writeLocalSettings(paths, 1);
    // Warm the localisation cache (stored in the SQLite folder) once for every copy.
    await runPhp([path.join(MEDIAWIKI_SOURCE, 'maintenance/rebuildLocalisationCache.php'), '--lang=en', '--quiet'], {
      cwd: staging, env: wikiEnv(paths), label: 'php maintenance/rebuildLocalisationCache.php',
    });
    const installed = await fs.readFile(path.join(staging, 'LocalSettings.installed.php'), 'utf8');
    await fs.writeFile(path.join(staging, 'LocalSettings.installed.php'), installed.split(staging).join(DIR_PLACEHOLDER));
    await fs.rm(paths.settingsFile);
    await fs.writeFile(path.join(staging, 'admin-password'), adminPassword);
    try {
      await fs.rename(staging, cacheDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await fs.rm(staging, { recursive: true, force: true }); // another process won the race
    }
    return readPristine(cacheDir);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function readPristine(cacheDir: string): Promise<Pristine> {
  return { dir: cacheDir, adminPassword: (await fs.readFile(path.join(cacheDir, 'admin-password'), 'utf8')).trim() };
}

/**
 * Gives `paths.dir` an installed wiki: SQLite files in db/, LocalSettings.installed.php and
 * LocalSettings.php for `port`. Returns the admin password and whether the cache was used.
 */
export async function provisionWiki(
  paths: WikiPaths,
  opts: { name: string; adminUser: string; port: number },
): Promise<{ adminPassword: string; fromCache: boolean }> {
  const key = createHash('sha1')
    .update(`${await mediawikiVersion()}\0${HARNESS_SCHEMA}\0${opts.name}\0${opts.adminUser}\0${localSettingsExtra(wikiPaths('/x'), 1)}`)
    .digest('hex')
    .slice(0, 16);
  const cacheDir = path.join(os.tmpdir(), `seedbank-mw-pristine-${key}`);
  const fromCache = existsSync(path.join(cacheDir, 'admin-password'));
  const pristine = fromCache ? await readPristine(cacheDir) : await buildPristine(cacheDir, opts.name, opts.adminUser);
  await fs.cp(path.join(pristine.dir, 'db'), paths.dbDir, { recursive: true });
  const installed = await fs.readFile(path.join(pristine.dir, 'LocalSettings.installed.php'), 'utf8');
  await fs.writeFile(path.join(paths.dir, 'LocalSettings.installed.php'), installed.split(DIR_PLACEHOLDER).join(paths.dir));
  await writeLocalSettings(paths, opts.port);
  return { adminPassword: pristine.adminPassword, fromCache };
}

/**
 * Installs a wiki on a running MariaDB (database `dbName`, reached over `socket`): install.php
 * runs each time (about two seconds on MySQL, so no cached copy), then LocalSettings.php for `port`.
 */
export async function provisionMariaDbWiki(
  paths: WikiPaths,
  opts: { name: string; adminUser: string; port: number; socket: string; dbName: string },
): Promise<{ adminPassword: string; fromCache: boolean }> {
  const adminPassword = `seedbank-admin-${randomBytes(16).toString('hex')}`;
  const env = wikiEnv(paths);
  delete env.MW_CONFIG_FILE; // install.php writes the config; it must not exist yet
  await runPhp(
    [
      path.join(MEDIAWIKI_SOURCE, 'maintenance/install.php'),
      // MediaWiki reads "localhost:/path" as a Unix socket: the server has no TCP port.
      '--dbtype', 'mysql', '--dbserver', `localhost:${opts.socket}`, '--dbname', opts.dbName, '--dbuser', 'root', '--dbpass', '',
      '--installdbuser', 'root', '--installdbpass', '', '--server', `http://127.0.0.1:${opts.port}`, '--scriptpath', '',
      '--confpath', paths.dir, '--pass', adminPassword, '--skins', 'Vector', '--quiet', opts.name, opts.adminUser,
    ],
    { cwd: paths.dir, env, label: 'php maintenance/install.php (mysql)' },
  );
  await fs.rename(paths.settingsFile, path.join(paths.dir, 'LocalSettings.installed.php'));
  await writeLocalSettings(paths, opts.port, 'mariadb');
  return { adminPassword, fromCache: false };
}
