export * from "./texts";
export { createPromptStore, promptStore, promptUri, handlePromptRequest, type PromptStore } from "./store";
