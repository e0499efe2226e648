// Wire JSON (snake_case, what the API receives and what we print) ↔ the SDK's camelCase objects,
// through the SDK's own fern-generated serialization schemas: the same code the SDK runs on every
// request and response. Node only (the SDK is CommonJS and pulls Node built-ins).
import type { ElevenLabs } from '@elevenlabs/elevenlabs-js';
import * as serialization from '@elevenlabs/elevenlabs-js/serialization/index.js';
import type { AgentRequest, SettingsRequest, ToolRequest } from './configs.js';

/** Requests: unknown keys are an error, so a typo in a builder fails before anything is sent. */
export const STRICT = { unrecognizedObjectKeys: 'fail', allowUnrecognizedUnionMembers: false, allowUnrecognizedEnumValues: false } as const;
/** Responses: what the SDK itself uses (the API may add fields). */
export const LENIENT = { unrecognizedObjectKeys: 'passthrough', allowUnrecognizedUnionMembers: true, allowUnrecognizedEnumValues: true } as const;

export { serialization };

export const toSdk = {
  tool: (w: ToolRequest): ElevenLabs.ToolRequestModel => serialization.ToolRequestModel.parseOrThrow(w, STRICT),
  createAgent: (w: AgentRequest) => serialization.conversationalAi.BodyCreateAgentV1ConvaiAgentsCreatePost.parseOrThrow(w, STRICT),
  updateAgent: (w: AgentRequest) => serialization.conversationalAi.UpdateAgentRequest.parseOrThrow(w, STRICT),
  settings: (w: SettingsRequest) => serialization.conversationalAi.PatchConvAiSettingsRequest.parseOrThrow(w, STRICT),
};

type Json = Record<string, unknown>;

export const fromSdk = {
  tool: (t: ElevenLabs.ToolResponseModel) => serialization.ToolResponseModel.jsonOrThrow(t, LENIENT) as unknown as Json,
  agent: (a: ElevenLabs.GetAgentResponseModel) => serialization.GetAgentResponseModel.jsonOrThrow(a, LENIENT) as unknown as Json,
  settings: (s: ElevenLabs.GetConvAiSettingsResponseModel) =>
    serialization.GetConvAiSettingsResponseModel.jsonOrThrow(s, LENIENT) as unknown as Json,
};
