// The checkpoints feature's entry: a checkpoint's page.
export { CheckpointPage } from "./CheckpointPage";
