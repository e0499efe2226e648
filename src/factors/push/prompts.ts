// What the agent says around a push (English; the DID's prompts are where other locales live).

/** "47" → "4, 7": TTS reads it digit by digit, like the DID. */
const digits = (n: string) => n.split('').join(', ');

export interface PushPrompts {
  /** Said once, right after the push is sent. */
  speak: string;
  /** Said while push_wait answers pending. */
  waiting: string;
  /** Said when the device answered "this wasn't me" (the call is blocked: a person takes over). */
  denied: string;
  /** Said when the device chose a number the agent did not say. */
  wrong_number: string;
}

export function pushPrompts(number: string): PushPrompts {
  return {
    speak: `I've sent a request to the app on your phone. Open it and tap the number ${number}: ${digits(number)}. Never tap a number I did not say.`,
    waiting: `I'm still waiting for your approval in the app. The number to tap is ${number}.`,
    denied: "Thank you for telling us. For your security I can't continue with this request here; I'm transferring you to a specialist now.",
    wrong_number: "That wasn't the number I said, so the request was refused. Let's verify you another way.",
  };
}
