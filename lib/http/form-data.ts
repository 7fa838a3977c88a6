// Server actions are public POST endpoints: anyone can call one with React's encoding and put any value
// in any argument position. A `(state, formData)` action called as `(formData)` gets `undefined` for its
// form, which used to crash it into a 500; with an empty form instead it answers its ordinary "the
// fields are missing" state, as for any other bad input.
import "server-only";
export function formArgument(value: unknown): FormData {
  return value instanceof FormData ? value : new FormData();
}
