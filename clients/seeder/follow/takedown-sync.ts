/**
 * The takedown list, each poll: the catalogue's key is the operator's pin (key-pins.ts) or, without
 * one, pinned on first contact (trust on first use, with a warning over plain HTTP); the list must be signed by it and never have a lower serial than one already applied;
 * then the listed files are deleted from every hosted volume and never downloaded again.
 */
import { verifyTakedownList } from '../../../shared/formats/takedown.ts';
import type { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { catalogueKeyMismatch } from './key-pins.ts';
import type { FollowContext } from './follow-context.ts';

/** Fetches, checks and applies the takedown list. */
export async function syncTakedown(ctx: FollowContext, client: CatalogueApi): Promise<void> {
  const data = ctx.state.data;
  const key = await client.catalogueKey();
  if (!data.catalogueKey) {
    if (ctx.plainHttpRemote) {
      ctx.log.warn({ key, catalogue: client.baseUrl }, 'trusting the catalogue key on first contact over plain HTTP: anyone on the path could have swapped it; reach production catalogues over HTTPS, or pin the key with --catalogue-key');
    }
    data.catalogueKey = key;
    await ctx.state.save();
    ctx.log.info({ key }, 'pinned the catalogue key on first contact');
  } else if (key !== data.catalogueKey) {
    const err = catalogueKeyMismatch(data.catalogueKey, key, ctx.pins.catalogueKey === data.catalogueKey);
    ctx.log.error({ pinned: data.catalogueKey, offered: key }, err.message);
    throw err;
  }
  const checked = verifyTakedownList(await client.takedown(), data.catalogueKey);
  if (!checked.ok) {
    ctx.log.error({ reason: checked.reason }, 'takedown list refused');
    return;
  }
  const list = checked.list;
  if (list.serial < data.takedownSerial) {
    ctx.log.warn({ serial: list.serial, applied: data.takedownSerial }, 'takedown list older than the one applied: ignored');
    return;
  }
  if (list.serial > data.takedownSerial) {
    data.takedownSerial = list.serial;
    data.takenDown = list.entries.map((e) => e.sha1);
    await ctx.state.save();
  }
  const removed = await ctx.seeder.takeDown(new Set(data.takenDown));
  for (const r of removed) {
    const entry = list.entries.find((e) => e.sha1 === r.sha1);
    ctx.out(`takedown: removed ${r.path} (sha1 ${r.sha1}) from volume ${r.infoHash}${entry ? `: ${entry.reason}` : ''}`);
  }
}
