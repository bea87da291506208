/**
 * Seeder reports signed with the operator key: the seeder signs the canonical JSON of the
 * report's content under its own domain prefix, the catalogue checks it against the key the
 * report names, so only the holder of an operator key can speak for it.
 */
import { canonicalJson } from '../canonical-json.ts';
import { SEEDER_REPORT_FORMAT, type SeederReport, type SeederReportContent } from '../api/seeder-schemas.ts';
import { signAsOperator, verifyOperatorSignature, type OperatorKey } from './operator-key.ts';

/** The domain prefix of a report signature: a signature for anything else never passes as one. */
export const SEEDER_REPORT_DOMAIN = `${SEEDER_REPORT_FORMAT}\n`;

/** What a seeder fills in; the format, key and time are added when it signs. */
export type ReportFields = Omit<SeederReportContent, 'format' | 'operatorKey' | 'sentAt'>;

/** Signs a report as the operator, stamped with the time now. */
export function signSeederReport(key: OperatorKey, fields: ReportFields, now = new Date()): SeederReport {
  const content: SeederReportContent = { ...fields, format: SEEDER_REPORT_FORMAT, operatorKey: key.publicKeyHex, sentAt: now.toISOString() };
  const signature = signAsOperator(key, SEEDER_REPORT_DOMAIN, Buffer.from(canonicalJson(content), 'utf8'));
  return { ...content, signature: signature.toString('hex') };
}

/** Whether a report's signature was made by the operator key it names over exactly its content. */
export function verifySeederReport(report: SeederReport): boolean {
  const { signature, ...content } = report;
  return verifyOperatorSignature(report.operatorKey, SEEDER_REPORT_DOMAIN, Buffer.from(canonicalJson(content), 'utf8'), Buffer.from(signature, 'hex'));
}
