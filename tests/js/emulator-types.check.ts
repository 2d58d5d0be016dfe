// Compile-time tests of pkg/emulator.d.ts (run by `tsc -p tests/js`).
import { AcsEmulator, demoWorld, type Delivery, type WorldConfig } from '@switchboard/call-automation/emulator';

const world: WorldConfig = demoWorld();
world.teams = [{ objectId: '8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b', displayName: 'Dana', client: 'web', presence: 'Busy' }];
// @ts-expect-error: not a client type
world.teams[0].client = 'blackberry';
// @ts-expect-error: presence is Graph's availability
world.teams[0].presence = 'busy';

let virtual = 0;
const emu = new AcsEmulator({
  world,
  now: () => virtual,
  deliver: (d: Delivery) => ({ status: d.kind === 'callback' ? 200 : 204 }),
});
// @ts-expect-error: deliver must say what happened
new AcsEmulator({ deliver: () => 'ok' });

export async function script(): Promise<number> {
  emu.inbound({ from: '+14255550123' });
  virtual += 100;
  const sent: number = await emu.pump();
  const res: Response = await emu.fetch(`${emu.origin}/control/world`);
  const shown: string[] = emu.world().sightings.map((s) => s.shownCaller);
  const kinds: Array<'callback' | 'eventGrid' | 'validation'> = emu.advance().map((d) => d.kind);
  const recordingId: string = emu.teamsRecording('call-1', 'active').recordingId;
  // @ts-expect-error: Teams recordings start or stop, they do not pause
  emu.teamsRecording('call-1', 'paused');
  void recordingId;
  return sent + res.status + shown.length + kinds.length + (emu.nextDue() ?? 0);
}
