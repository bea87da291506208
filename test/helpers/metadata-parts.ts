/**
 * Random parts of a split version's metadata torrent (top manifest, signature, change list,
 * two volumes' lists and pages), sized so that pads fall inside pieces and one list spans
 * two whole pieces: for the pad interop tests, which need bytes, not a real version.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A volume's info hash stand-in, from a number. */
const ih = (n: number) => createHash('sha1').update(String(n)).digest('hex');

/** The parts by name, in the order the metadata torrent lists them, for a given piece length. */
export function randomMetadataParts(pieceBytes: number): Map<string, Buffer> {
  return new Map<string, Buffer>([
    ['manifest.json', randomBytes(3_000)],
    ['manifest.sig', randomBytes(180)],
    ['changes.ndjson', randomBytes(700)],
    [`lists/${ih(1)}.ndjson`, randomBytes(40_000)],
    [`pages/${ih(1)}.xml.gz`, randomBytes(25_000)],
    [`lists/${ih(2)}.ndjson`, randomBytes(2 * pieceBytes)],
    [`pages/${ih(2)}.xml.gz`, randomBytes(9_000)],
  ]);
}
