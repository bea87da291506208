/**
 * Churn, simulated over the real allocation code: thousands of auto-mode hosts with quotas from
 * a heavy-tailed spread, tens of thousands of volumes with copy targets, hosts joining, going
 * silent, coming back and losing disks, and a census that sees all of it late. The seeders'
 * decisions are clients/seeder/follow/auto-plan.ts (planAuto, nextSurplusStreak) and the
 * catalogue's needs list is services/tracker-web/redundancy/needs.ts (rankNeeds, capped at
 * MAX_NEEDS, ranked once per tick), in simulated time with no sockets.
 *
 *   npm run sim:churn -- --hosts 3000 --volumes 75000 [--days 28] [--offer 3] [--seed 1] [--claim-grace on|off|45min]
 *
 * Prints a line per simulated day, then the steady-state figures (after --warmup-days); the
 * last line names the share of bytes under target in steady state as a percentage.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_AUTO_MIN_HOSTING_MS, DEFAULT_POLL_INTERVAL_MS } from '../clients/seeder/config.ts';
import { DEFAULT_CENSUS_INTERVAL_MS, DEFAULT_COPY_MAX_AGE_MS } from '../services/tracker-web/redundancy/census-runner.ts';
import { plannedSize, type Host } from './churn/model.ts';
import { Network } from './churn/network.ts';
import { DEFAULT_PARAMS, drawHost, exponential, makeVolumes, randomSource, type ChurnParams } from './churn/population.ts';
import { DepartureLog, percentile, type Heal } from './churn/departures.ts';
import { MAX_NEEDS } from '../services/tracker-web/redundancy/needs.ts';
import { DEFAULT_PRESENCE_WINDOW_MS } from '../services/tracker-web/redundancy/presence.ts';
import { claimLifetimeMs, DEFAULT_CLAIM_AUDIT_GRACE_MS } from '../services/tracker-web/seeders/seeder-reports.ts';

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** Polls of one host are spread over this many ticks of the poll interval. */
const TICKS_PER_POLL = 5;

const { values } = parseArgs({
  options: {
    hosts: { type: 'string' },
    volumes: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    offer: { type: 'string' },
    'warmup-days': { type: 'string' },
    'leave-per-day': { type: 'string' },
    'return-share': { type: 'string' },
    quiet: { type: 'boolean' },
    misses: { type: 'boolean' },
    rules: { type: 'string', default: 'current' },
    presence: { type: 'string', default: 'on' },
    'queue-floor': { type: 'string', default: 'unmeasured' },
    'claim-grace': { type: 'string', default: 'on' },
    'claim-progress': { type: 'string', default: 'on' },
  },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const p: ChurnParams = {
  ...DEFAULT_PARAMS,
  hosts: num(values.hosts, DEFAULT_PARAMS.hosts),
  volumes: num(values.volumes, DEFAULT_PARAMS.volumes),
  days: num(values.days, DEFAULT_PARAMS.days),
  seed: num(values.seed, DEFAULT_PARAMS.seed),
  offerRatio: num(values.offer, DEFAULT_PARAMS.offerRatio),
  warmupDays: num(values['warmup-days'], DEFAULT_PARAMS.warmupDays),
  leavePerDay: num(values['leave-per-day'], DEFAULT_PARAMS.leavePerDay),
  returnShare: num(values['return-share'], DEFAULT_PARAMS.returnShare),
};
for (const [k, v] of Object.entries(p)) if (!Number.isFinite(v) || v < 0) throw new Error(`--${k} must be a non-negative number, not ${v}`);

if (values.rules !== 'current' && values.rules !== 'before') throw new Error(`--rules must be current or before, not ${values.rules}`);
if (values.presence !== 'on' && values.presence !== 'off') throw new Error(`--presence must be on (copies of a host not seen for ${DEFAULT_PRESENCE_WINDOW_MS / 60000} min stop counting) or off (only the 6 h copy window), not ${values.presence}`);
if (values['queue-floor'] !== 'unmeasured' && values['queue-floor'] !== 'always') throw new Error(`--queue-floor must be unmeasured (the 8 GiB download queue floor only for a host that has measured no rate) or always (the rule before), not ${values['queue-floor']}`);
/** --claim-grace: on (the catalogue's default), off, or a length in minutes ("45min") to try another. */
const graceMs = values['claim-grace'] === 'on' ? DEFAULT_CLAIM_AUDIT_GRACE_MS : values['claim-grace'] === 'off' ? Infinity
  : /^\d+min$/.test(values['claim-grace']!) ? Number.parseInt(values['claim-grace']!, 10) * 60000 : NaN;
if (Number.isNaN(graceMs)) throw new Error(`--claim-grace must be on (a claim the census has not confirmed stops counting ${DEFAULT_CLAIM_AUDIT_GRACE_MS / 60000} min after it was made, as the catalogue does), off (claims count while their seeder reports) or minutes such as 45min, not ${values['claim-grace']}`);
if (values['claim-progress'] !== 'on' && values['claim-progress'] !== 'off') throw new Error(`--claim-progress must be on (a download that keeps moving keeps its claim past the grace, as the catalogue does) or off (the grace counts from the claim only, the rule before), not ${values['claim-progress']}`);
const timing = {
  queueFloor: values['queue-floor'] as 'unmeasured' | 'always',
  rules: values.rules as 'current' | 'before',
  tickMs: DEFAULT_POLL_INTERVAL_MS / TICKS_PER_POLL,
  pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
  censusIntervalMs: DEFAULT_CENSUS_INTERVAL_MS,
  copyMaxAgeMs: DEFAULT_COPY_MAX_AGE_MS,
  presenceWindowMs: values.presence === 'on' ? DEFAULT_PRESENCE_WINDOW_MS : Infinity,
  minHostingMs: DEFAULT_AUTO_MIN_HOSTING_MS,
  claimAuditGraceMs: graceMs,
  claimProgress: values['claim-progress'] === 'on',
};
const rand = randomSource(p.seed);
const { size, target } = makeVolumes(p, rand);
let neededBytes = 0;
for (let v = 0; v < p.volumes; v++) neededBytes += plannedSize(size[v]!) * target[v]!;

const departures = new DepartureLog();
const net = new Network(size, target, timing, (kind, host) => onChurn(kind, host));
const draws = Array.from({ length: p.hosts }, () => drawHost(rand));
const quotaPerWeight = (neededBytes * p.offerRatio) / draws.reduce((s, d) => s + d.quotaWeight, 0);

function startHost(d: { quotaWeight: number; rateBytesPerMs: number }): Host {
  const host = net.addHost(d.quotaWeight * quotaPerWeight, d.rateBytesPerMs, Math.floor(rand() * TICKS_PER_POLL));
  scheduleLeave(host);
  if (p.diskFailPerYear > 0) net.events.push(net.now + exponential(rand, (365 / p.diskFailPerYear) * DAY_MS), { kind: 'disk-fail', host });
  return host;
}
function scheduleLeave(host: Host): void {
  if (p.leavePerDay > 0) net.events.push(net.now + exponential(rand, DAY_MS / p.leavePerDay), { kind: 'leave', host });
}
function onChurn(kind: string, host: Host): void {
  if (kind === 'leave') {
    if (net.now >= p.warmupDays * DAY_MS) departures.left(host, net.now, net.expiryOf(host));
    if (rand() < p.returnShare) net.events.push(net.now + exponential(rand, p.meanAwayDays * DAY_MS), { kind: 'return', host });
    else {
      host.gone = true;
      // Someone else joins in its place, within about a day: the population stays level.
      const d = drawHost(rand);
      const at = net.now + exponential(rand, DAY_MS);
      joins.push({ at, d });
    }
  } else if (kind === 'return') scheduleLeave(host);
  else if (kind === 'disk-fail') net.events.push(net.now + exponential(rand, (365 / p.diskFailPerYear) * DAY_MS), { kind: 'disk-fail', host });
}
const joins: Array<{ at: number; d: { quotaWeight: number; rateBytesPerMs: number } }> = [];

for (const d of draws) startHost(d);
const medianRate = [...draws].map((d) => d.rateBytesPerMs).sort((a, b) => a - b)[Math.floor(draws.length / 2)]!;
const maxVolume = size.reduce((m, s) => Math.max(m, s), 0);
/** What the census needs to notice a departure: the presence window (or the copy window), then a round. */
const noticeMs = Math.min(timing.copyMaxAgeMs, timing.presenceWindowMs) + timing.censusIntervalMs;
const healBoundMs = noticeMs + 2 * timing.pollIntervalMs + maxVolume / medianRate;

const log = (l: string) => process.stdout.write(`${l}\n`);
/** The machine's 1-minute load, printed beside wall times (the figures themselves do not depend on it). */
const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
log(`sim:churn (${load()}): ${p.hosts} hosts, ${p.volumes} volumes (${(neededBytes / 1e15).toFixed(2)} PB with their copy targets), ` +
  `offer ${p.offerRatio}x, ${p.days} days, seed ${p.seed}, ${values.rules} rules, queue floor ${timing.queueFloor}; polls every ${timing.pollIntervalMs / 60000} min, census every ` +
  `${timing.censusIntervalMs / 60000} min, copies forgotten ${timing.copyMaxAgeMs / HOUR_MS} h after the last audit` +
  `${values.presence === 'on' ? ` or ${timing.presenceWindowMs / 60000} min after a host was last seen` : ' (presence rule off)'}; ` +
  `claims count ${claimLifetimeMs(timing.pollIntervalMs) / 60000} min after the last report` +
  `${!Number.isFinite(graceMs) ? ' (no claim audit grace)' : `, and ${graceMs / 60000} min after they were made` +
    `${timing.claimProgress ? ' or their download last moved (at 1 Mbit/s or more)' : ''} unless the census has confirmed the copy (claim audit grace${timing.claimProgress ? ' with progress' : ', progress ignored'})`}`);

interface DayFigures { underCounted: number; underLive: number; worst: number; repairBytes: number; drops: number; adds: number; online: number; graceLapses: number }
const days: DayFigures[] = [];
let sumUnder = 0, sumLive = 0, samples = 0, worstOfDay = Infinity;
let nextCensus = 0;
const wall0 = performance.now();
const endMs = p.days * DAY_MS;
for (let tick = 0; net.now < endMs; tick++) {
  net.now = tick * timing.tickMs;
  while (joins.length > 0 && joins[0]!.at <= net.now) startHost(joins.shift()!.d);
  joins.sort((a, b) => a.at - b.at);
  net.runEvents();
  if (net.now >= nextCensus) {
    net.census();
    departures.check(net);
    nextCensus = net.now + timing.censusIntervalMs;
  }
  net.rank();
  const phase = tick % TICKS_PER_POLL;
  for (const host of net.hosts) if (host.online && host.pollPhase === phase) net.poll(host);
  sumUnder += net.underCountedBytes / net.totalBytes;
  sumLive += net.underLiveBytes / net.totalBytes;
  worstOfDay = Math.min(worstOfDay, net.worstCopies());
  samples++;
  if ((tick + 1) % (DAY_MS / timing.tickMs) === 0) {
    const online = net.hosts.filter((h) => h.online).length;
    const f: DayFigures = {
      underCounted: sumUnder / samples, underLive: sumLive / samples, worst: worstOfDay, repairBytes: net.counters.downloadedBytes,
      drops: net.counters.drops, adds: net.counters.adds, online, graceLapses: net.counters.graceLapses,
    };
    days.push(f);
    if (!values.quiet) {
      log(`day ${String(days.length).padStart(3)}: ${online} hosts online; bytes under target ${pct(f.underCounted)} (census), ${pct(f.underLive)} (online copies); ` +
        `worst volume ${f.worst} copies; downloaded ${(f.repairBytes / 1e12).toFixed(1)} TB; ${f.adds} adds, ${f.drops} drops; ` +
        `departures healed so far ${departures.healed.length}, waiting ${departures.pending}; ${((performance.now() - wall0) / 1000).toFixed(0)} s`);
    }
    net.counters.downloadedBytes = 0; net.counters.adds = 0; net.counters.drops = 0; net.counters.graceLapses = 0;
    sumUnder = 0; sumLive = 0; samples = 0; worstOfDay = Infinity;
  }
}

/** One heal in words: the departure, and the stages of the volume that came back to target last (minutes after the departure). */
function describeHeal(h: Heal): string {
  const l = h.last;
  const m = (t: number) => (t < 0 ? '-' : `${((t - h.at) / 60000).toFixed(0)}`);
  return `host ${h.hostId} (quota ${(h.quota / 1e12).toFixed(1)} TB, ${h.volumeCount} counted volumes) left on day ${(h.at / DAY_MS).toFixed(2)}, ` +
    `healed after ${(h.ms / 60000).toFixed(0)} min, bound ${((noticeMs + 2 * timing.pollIntervalMs + h.fetchMs) / 60000).toFixed(0)} min ` +
    `(expired at +${m(h.expiresAt)}). Last volume ${l.v} (target ${l.target}, ${(l.size / 1e9).toFixed(1)} GB): under at +${m(l.underAt)} ` +
    `by host ${l.fellUnderBy}${l.fellUnderBy === h.hostId ? ' (this one)' : ''} (${l.underCount} volumes under then), in needs +${m(l.inNeedsAt)}, first add +${m(l.firstAddAt)}, last add +${m(l.lastAddAt)} ` +
    `(${l.adds} adds, ${l.healerLosses} by healers that left or lost it before it was counted${l.healerLostAt >= 0 ? `, the last at +${m(l.healerLostAt)}, its claim lapsed +${m(l.claimLapsesAt)}` : ''}), download done +${m(l.lastCompleteAt)}, counted +${m(l.atTargetAt)}`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
const steady = days.slice(Math.min(days.length - 1, Math.ceil(p.warmupDays)));
const mean = (f: (d: DayFigures) => number) => steady.reduce((s, d) => s + f(d), 0) / steady.length;
const heals = departures.healed;
const within = heals.filter((h) => h <= healBoundMs).length;
/** Each heal against its own bound: noticing, two polls, and the transfer time of the download that healed it. */
const withinOwn = departures.heals.filter((h) => h.ms <= noticeMs + 2 * timing.pollIntervalMs + h.transferMs).length;
/** The same, with the healing download's whole time from being added (its queue behind the host's other downloads too). */
const withinFetch = departures.heals.filter((h) => h.ms <= noticeMs + 2 * timing.pollIntervalMs + h.fetchMs).length;
log('');
log(`steady state (days ${days.length - steady.length + 1}-${days.length}):`);
log(`  repair traffic: ${(mean((d) => d.repairBytes) / 1e12).toFixed(2)} TB/day (${pct(mean((d) => d.repairBytes) / net.totalBytes)} of the bytes a day)`);
log(`  thrash: ${(mean((d) => d.drops) / p.hosts).toFixed(3)} drops and ${(mean((d) => d.adds) / p.hosts).toFixed(3)} adds per host per day`);
log(`  worst volume: ${Math.min(...steady.map((d) => d.worst))} copies at the worst moment`);
log(`  departures: ${heals.length} healed, ${departures.pending} still waiting, ${departures.returned} came back in time; ` +
  `heal time p50 ${(percentile(heals, 0.5) / HOUR_MS).toFixed(1)} h, p95 ${(percentile(heals, 0.95) / HOUR_MS).toFixed(1)} h, ` +
  `max ${(Math.max(0, ...heals) / HOUR_MS).toFixed(1)} h; within the bound (${(healBoundMs / HOUR_MS).toFixed(1)} h = ${values.presence === 'on' ? 'presence' : 'copy'} window + census + 2 polls + the largest volume at the median rate): ${heals.length ? pct(within / heals.length) : 'n/a'}; ` +
  `within window + census + 2 polls + the healing download's own transfer time: ${heals.length ? pct(withinOwn / heals.length) : 'n/a'}, ` +
  `+ its time from being added (queue included): ${heals.length ? pct(withinFetch / heals.length) : 'n/a'}`);
log(`  departures not healed at the end although they left more than the bound plus a 7 GB volume at 10 Mbit/s ago: ` +
  `${departures.overdue(net.now, noticeMs + 2 * timing.pollIntervalMs + 7e9 / 1250)} (likely misses; the others left too recently to judge)`);
const afterExpiry = departures.healedAfterExpiry;
log(`  after the census forgot a departed host's copies, back at target in p50 ${(percentile(afterExpiry, 0.5) / 60000).toFixed(0)} min, ` +
  `p95 ${(percentile(afterExpiry, 0.95) / 60000).toFixed(0)} min, max ${(Math.max(0, ...afterExpiry) / 60000).toFixed(0)} min ` +
  `(a ${(maxVolume / 1e9).toFixed(1)} GB volume takes ${(maxVolume / medianRate / 60000).toFixed(0)} min at the median host's rate)`);
const covered = net.trace.coveredInNeedsSum / Math.max(1, net.trace.rankings);
log(`  needs list: on average ${covered.toFixed(0)} of its ${MAX_NEEDS} entries already had holders (copies or live claims) up to their target`);
const late = (h: Heal) => h.ms > noticeMs + 2 * timing.pollIntervalMs + h.fetchMs;
const together = departures.healsTogether;
log(`  read as every volume at target at one moment (the reading before): ${together.length} healed, p50 ${(percentile(together.map((h) => h.ms), 0.5) / HOUR_MS).toFixed(1)} h, ` +
  `p95 ${(percentile(together.map((h) => h.ms), 0.95) / HOUR_MS).toFixed(1)} h; within window + census + 2 polls + own transfer: ` +
  `${together.length ? pct(together.filter((h) => h.ms <= noticeMs + 2 * timing.pollIntervalMs + h.transferMs).length / together.length) : 'n/a'}, + queue: ` +
  `${together.length ? pct(together.filter((h) => !late(h)).length / together.length) : 'n/a'}`);
{
  // A late heal whose last volume a healer took and then lost (it left or its disk failed
  // before the census counted its copy) waited for a second departure: counted apart, with
  // its reason, and still a miss in the figures above.
  const lateHeals = departures.heals.filter(late);
  const secondLoss = lateHeals.filter((h) => h.last.healerLosses > 0).length;
  log(`  late heals (outside window + census + 2 polls + the healing download from its add): ${lateHeals.length}; ` +
    `of them ${secondLoss} where a healer of the last volume left or lost it before it was counted (a second loss during the heal), ` +
    `${lateHeals.length - secondLoss} with no such loss (the allocation's)`);
  // A healer's loss is a second departure for that volume: the catalogue learns of it when the
  // healer's claim lapses (the claim lifetime, or the audit grace, in place of the presence
  // window), so its heal is judged from that loss by the same kind of bound.
  const claimNoticeMs = Math.min(claimLifetimeMs(timing.pollIntervalMs), timing.claimAuditGraceMs) + timing.censusIntervalMs;
  const fromLoss = (h: Heal) => h.at + h.ms - h.last.healerLostAt;
  const lossOk = (h: Heal) => h.last.healerLosses > 0 && h.last.healerLostAt >= h.at && fromLoss(h) <= claimNoticeMs + 2 * timing.pollIntervalMs + h.fetchMs;
  const okEither = departures.heals.filter((h) => !late(h) || lossOk(h)).length;
  log(`  heals within the bound, a heal whose last volume a healer lost judged from that loss (claim notice ${claimNoticeMs / 60000} min + 2 polls + the healing download): ` +
    `${departures.heals.length ? pct(okEither / departures.heals.length) : 'n/a'} (${okEither} of ${departures.heals.length})` +
    `${lateHeals.filter((h) => h.last.healerLosses > 0).map((h) => `; host ${h.hostId}: ${(fromLoss(h) / 60000).toFixed(0)} min after its healer's loss against ${((claimNoticeMs + 2 * timing.pollIntervalMs + h.fetchMs) / 60000).toFixed(0)}`).join('')}`);
  const ratio = (h: Heal) => h.ms / (noticeMs + 2 * timing.pollIntervalMs + h.fetchMs);
  const worst = departures.heals.reduce<Heal | undefined>((w, h) => (!w || ratio(h) > ratio(w) ? h : w), undefined);
  if (worst) log(`  worst heal against its bound: host ${worst.hostId}, ${(worst.ms / 60000).toFixed(0)} min against ${((noticeMs + 2 * timing.pollIntervalMs + worst.fetchMs) / 60000).toFixed(0)} (${ratio(worst).toFixed(2)}x); ` +
    `longest heal ${(Math.max(0, ...heals) / 60000).toFixed(0)} min against the fixed bound ${(healBoundMs / 60000).toFixed(0)} min (${(Math.max(0, ...heals) / healBoundMs).toFixed(2)}x)`);
  // How promptly the needs list offers a volume again after a healer lost it: from the loss to
  // its claim lapsing, from the lapse to the volume open in the list, from there to a new add.
  const r = net.trace.reoffers.filter((x) => x.at >= p.warmupDays * DAY_MS);
  const st = (xs: number[]) => `${(percentile(xs, 0.5) / 60000).toFixed(0)} / ${(percentile(xs, 0.95) / 60000).toFixed(0)} / ${(Math.max(0, ...xs) / 60000).toFixed(0)}`;
  log(`  healer losses of a volume under target in steady state, made good by a new add: ${r.length}; min p50 / p95 / max: loss to claim lapse ${st(r.map((x) => x.lapseMs))}, ` +
    `loss to open in the needs list again ${st(r.map((x) => x.openMs))}, open to added ${st(r.map((x) => x.addMs))}`);
  log(`  copies counted after their claim had run out of its audit grace (the volume looked unclaimed meanwhile): ${mean((d) => d.graceLapses).toFixed(0)} a day`);
}
if (values.misses) {
  for (const h of together.filter(late)) log(`  late (together): ${describeHeal(h)}`);
  for (const h of departures.heals.filter(late)) log(`  late: ${describeHeal(h)}`);
}
{
  // Where the time goes for the volume that came back last, over every heal: p50 / p95 / max in minutes.
  const stage = (f: (h: Heal) => number) => {
    const xs = departures.heals.map(f).filter((x) => Number.isFinite(x));
    return `${(percentile(xs, 0.5) / 60000).toFixed(0)} / ${(percentile(xs, 0.95) / 60000).toFixed(0)} / ${(Math.max(0, ...xs) / 60000).toFixed(0)}`;
  };
  const ok = (a: number, b: number) => (a >= 0 && b >= 0 ? b - a : NaN);
  log(`  the last volume of each heal, min p50 / p95 / max: departure to copies forgotten ${stage((h) => h.expiresAt - h.at)}, ` +
    `to the needs list ${stage((h) => ok(h.last.underAt, h.last.inNeedsAt))}, to its first add ${stage((h) => ok(h.last.inNeedsAt, h.last.firstAddAt))}, ` +
    `first to last add ${stage((h) => ok(h.last.firstAddAt, h.last.lastAddAt))}, last add to download done ${stage((h) => ok(h.last.lastAddAt, h.last.lastCompleteAt))}, ` +
    `to counted ${stage((h) => ok(h.last.lastCompleteAt, h.last.atTargetAt))}`);
}
log(`  bytes under target, online copies: ${pct(mean((d) => d.underLive))} mean, ${pct(Math.max(...steady.map((d) => d.underLive)))} worst day`);
log(`  simulated in ${((performance.now() - wall0) / 1000).toFixed(0)} s (${load()} at the end; wall time only depends on it)`);
log(`bytes under target in steady state (census view): ${pct(mean((d) => d.underCounted))} mean, ${pct(Math.max(...steady.map((d) => d.underCounted)))} worst day (target < 1%)`);
