// The policy files bundled with the worker (wrangler.toml imports *.yaml as text). A file added
// to policies/ must be listed here too; a test compares this list with the folder.
import defaultYaml from '../../../policies/default.yaml';
import nistAal2Yaml from '../../../policies/nist-aal2.yaml';

/** File name → YAML text, as they sit in policies/. */
export const BUNDLED_POLICY_FILES: Readonly<Record<string, string>> = {
  'default.yaml': defaultYaml,
  'nist-aal2.yaml': nistAal2Yaml,
};
