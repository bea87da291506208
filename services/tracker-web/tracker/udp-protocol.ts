/** BEP 15's fixed numbers, shared by the connection-id guard and the UDP tracker behind it. */

/** The protocol id a connect request carries (and the guard puts in place of a checked id). */
export const PROTOCOL_MAGIC = Buffer.from('0000041727101980', 'hex');
export const ACTION_CONNECT = 0;
export const ACTION_ANNOUNCE = 1;
export const ACTION_SCRAPE = 2;
export const ACTION_ERROR = 3;
