// The hosted volume's lifecycle (clients/seeder/volume-lifecycle.ts): the transitions a volume
// goes through, the ones refused, and waiting for a state.
import { describe, expect, it } from 'vitest';
import { isSeedbankError } from '../../shared/errors.ts';
import { canTransition, VolumeLifecycle, type VolumeState } from '../../clients/seeder/volume-lifecycle.ts';

const IH = 'a'.repeat(40);

function walk(...states: VolumeState[]): VolumeLifecycle {
  const l = new VolumeLifecycle(IH);
  for (const s of states) l.to(s);
  return l;
}

describe('volume lifecycle', () => {
  it('goes through download, seeding, repair and pause as the seeder drives it', () => {
    const l = walk('checking', 'downloading', 'paused', 'downloading', 'seeding', 'repairing', 'paused', 'repairing', 'seeding', 'closed');
    expect(l.state).toBe('closed');
  });

  it('refuses a transition the table does not allow, saying from where to where', () => {
    const l = walk('checking', 'seeding');
    let caught: unknown;
    try {
      l.to('downloading');
    } catch (err) {
      caught = err;
    }
    expect(isSeedbankError(caught, 'VOLUME_STATE_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('from seeding to downloading');
    expect(l.state).toBe('seeding');
    expect(canTransition('closed', 'checking')).toBe(false);
    expect(canTransition('error', 'downloading')).toBe(false);
  });

  it('waiting for a state resolves when it comes, false when the volume stops first or time runs out', async () => {
    const l = walk('checking', 'downloading');
    const seeding = l.reached(['seeding'], 5_000);
    l.to('seeding');
    expect(await seeding).toBe(true);
    expect(await l.reached(['seeding'], 5_000)).toBe(true);

    const other = walk('checking', 'downloading');
    const never = other.reached(['seeding'], 5_000);
    other.to('error');
    expect(await never).toBe(false);

    expect(await walk('checking', 'downloading').reached(['seeding'], 10)).toBe(false);
  });
});
