/**
 * Which of two audits of one peer stands as its verdict. Copies count a peer by its latest
 * verdict; an audit that reaches none must neither erase a good verdict for a reason that says
 * nothing about the data (a lost connection, a client's choker that did not come round) nor
 * keep one alive when the peer has since stopped claiming the pieces or would not serve them.
 */
import type { PeerAuditResult } from './peer-audit.ts';

/** True when `next` (no verdict) leaves `previous`'s verdict standing; false when `next` replaces it. */
export function keepsVerdict(previous: PeerAuditResult | undefined, next: PeerAuditResult): boolean {
  if (!previous?.audited || next.audited) return false;
  const f = next.failure;
  // The peer answered and has nothing to audit: it no longer claims the data.
  if (!f) return false;
  if (f.kind === 'aborted' || f.kind === 'unreachable') return true;
  switch (f.phase) {
    case 'connect':
    case 'handshake':
    case 'claims':
      return true; // nothing learnt about its data
    case 'unchoke':
    case 'slot':
      // Still claims what it passed on, and only its choker (or our queue) stood in the way.
      return claimsAtLeast(next.bitfield, previous.bitfield);
    case 'transfer':
      return false; // it claimed a piece and would not (or could not) serve it
  }
}

/** True when bitfield `a` has every piece `b` has. */
function claimsAtLeast(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (!b) return true;
  if (!a) return false;
  for (let i = 0; i < b.length; i++) if (((a[i] ?? 0) & b[i]!) !== b[i]) return false;
  return true;
}
