// The entry of a trial's worker process (started by workers.ts): receives one TrialTask, evaluates it,
// sends back the measurement or the error's message, and exits. It also exits when its parent goes away,
// so that killing a sweep never leaves trials training on their own.
import { evaluateTrial, type TrialTask } from './evaluate.ts';

process.on('disconnect', () => process.exit(1));
process.once('message', (task: TrialTask) => {
  evaluateTrial(task).then(
    (measurement) => reply({ measurement }),
    (error: unknown) => reply({ error: (error as Error)?.message ?? String(error) }),
  );
});
process.send?.({ ready: true });

function reply(message: object): void {
  process.send?.(message, () => process.exit(0));
}
