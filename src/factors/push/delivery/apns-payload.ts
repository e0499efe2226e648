// What an iOS device shows for a wake-up, whether it comes straight from APNs or through FCM.
//
// An alert, not a background push: iOS throttles background pushes and never delivers them to an
// app the user force-quit, and a sign-in prompt must reach the user within the challenge's minute.
// callgate sends no human text (and nothing secret): the alert names localization keys the app
// ships (`callgate.push.title`, `callgate.push.body`), and `mutable-content` lets the app's
// Notification Service Extension poll the challenge and rewrite the alert before it is shown.

/** One prompt at a time on the lock screen: a newer wake-up replaces an older one. */
export const COLLAPSE_ID = 'callgate.push';

export function alertAps() {
  return {
    alert: { 'title-loc-key': 'callgate.push.title', 'loc-key': 'callgate.push.body' },
    sound: 'default',
    'mutable-content': 1,
    // Shown at once even under a Focus that allows time-sensitive alerts (iOS 15+).
    'interruption-level': 'time-sensitive',
  } as const;
}
